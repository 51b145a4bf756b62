//! The `micropython.schedule` queue (py/scheduler.c).
//!
//! A ring of `depth` (func, arg) pairs — 8 on esp32 (`MICROPY_SCHEDULER_DEPTH`,
//! ports/esp32/mpconfigport.h:73) — FIFO, with a lock depth: while a callback runs the scheduler
//! is locked, so callbacks scheduled meanwhile wait for the outer one to finish (facts §2.2).
//! `schedule` on a full queue returns false and changes nothing; `micropython.schedule` turns
//! that into `RuntimeError: schedule queue full`, ISRs silently drop the event (facts §2.7).

use std::collections::VecDeque;

use super::value::Value;

/// The scheduler queue and lock.
pub struct Scheduler {
    queue: VecDeque<(Value, Value)>,
    depth: usize,
    lock_depth: u32,
}

impl Scheduler {
    /// An empty queue holding at most `depth` entries.
    pub fn new(depth: usize) -> Scheduler {
        assert!(
            depth > 0 && depth.is_power_of_two() && depth <= 255,
            "scheduler depth must be a power of two ≤ 255 (scheduler.c static asserts)"
        );
        Scheduler {
            queue: VecDeque::with_capacity(depth),
            depth,
            lock_depth: 0,
        }
    }

    /// Appends `(func, arg)`; false (and nothing changes) when the queue is full.
    pub fn schedule(&mut self, func: Value, arg: Value) -> bool {
        if self.queue.len() >= self.depth {
            return false;
        }
        self.queue.push_back((func, arg));
        true
    }

    /// True when a callback is queued and the scheduler is not locked (`MP_SCHED_PENDING`).
    #[inline]
    pub fn is_pending(&self) -> bool {
        self.lock_depth == 0 && !self.queue.is_empty()
    }

    /// Takes the oldest entry if the scheduler is not locked.
    pub fn pop(&mut self) -> Option<(Value, Value)> {
        if self.lock_depth > 0 {
            return None;
        }
        self.queue.pop_front()
    }

    /// `mp_sched_lock`.
    pub fn lock(&mut self) {
        self.lock_depth += 1;
    }

    /// `mp_sched_unlock`.
    pub fn unlock(&mut self) {
        assert!(
            self.lock_depth > 0,
            "scheduler unlocked more often than locked"
        );
        self.lock_depth -= 1;
    }

    /// Number of queued entries.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queue capacity.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The queued entries, oldest first (GC roots, TUI).
    pub fn entries(&self) -> impl Iterator<Item = &(Value, Value)> {
        self.queue.iter()
    }

    /// Drops everything (soft reset, `mp_init`).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.lock_depth = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Against a bounded-FIFO model: schedule accepts exactly while len < depth, pops are FIFO.
        #[test]
        fn behaves_as_bounded_fifo(ops in proptest::collection::vec(0u8..3, 0..200)) {
            let mut s = Scheduler::new(8);
            let mut model: VecDeque<i32> = VecDeque::new();
            let mut next = 0;
            for op in ops {
                match op {
                    0 | 1 => {
                        let ok = s.schedule(Value::Int(next), Value::None);
                        prop_assert_eq!(ok, model.len() < 8);
                        if ok { model.push_back(next); }
                        next += 1;
                    }
                    _ => {
                        let got = s.pop().map(|(f, _)| match f { Value::Int(n) => n, _ => -1 });
                        prop_assert_eq!(got, model.pop_front());
                    }
                }
            }
        }
    }

    // A locked scheduler is never pending and hands nothing out (nested callbacks wait).
    #[test]
    fn locked_scheduler_defers() {
        let mut s = Scheduler::new(8);
        s.schedule(Value::Int(1), Value::None);
        s.lock();
        assert!(!s.is_pending());
        assert!(s.pop().is_none());
        s.unlock();
        assert!(s.is_pending());
    }
}
