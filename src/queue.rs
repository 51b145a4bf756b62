//! `EventQueue`: future events in a total order, the backbone of deterministic simulation.
//!
//! Events are ordered by `(time, seq)`, where `seq` is a counter incremented on every push, so
//! events scheduled for the same instant come out in the order they were scheduled (FIFO ties,
//! nexosim's rule). [`EventQueue::push`] returns an [`EventKey`] with which the event can be
//! cancelled before it is popped (e.g. a timer alarm after `Timer.deinit()`).
//!
//! The queue holds at most [`EVENT_QUEUE_CAPACITY`] events; pushing into a full queue returns
//! [`QueueFull`] and changes nothing, so the caller decides whether that is a modelled outcome
//! or (more likely) a bug to report with the seed. Scheduling an event earlier than the last
//! popped one is always our bug, and is an assertion.
//!
//! A few producers keep exactly one event pending at a time (a scenario stimulus: its next
//! edge). They push with [`EventQueue::push_lane`], whose events sort before every
//! [`EventQueue::push`]ed event of the same instant, by lane number: exactly the order they
//! would have had if all their events had been pushed first, before the run started.
//!
//! The queue does not know what an event means and does not advance time; its owner (`rt`)
//! does both. It is a base-layer module: it imports only `time` and `limits`.

use std::collections::BTreeMap;
use std::fmt;

use crate::limits::EVENT_QUEUE_CAPACITY;
use crate::time::SimTime;

/// The sequence number of the first [`EventQueue::push`]; lanes use the numbers below it.
const FIRST_PUSH_SEQ: u64 = 1 << 32;

/// Identifies one pushed event, for [`EventQueue::cancel`]. Keys are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey {
    at: SimTime,
    seq: u64,
}

impl EventKey {
    /// When the event is due.
    pub fn at(self) -> SimTime {
        self.at
    }
}

/// The queue already holds [`EVENT_QUEUE_CAPACITY`] events; the push was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull {
    /// The capacity that was reached.
    pub capacity: usize,
}

impl fmt::Display for QueueFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event queue full ({} events)", self.capacity)
    }
}

impl std::error::Error for QueueFull {}

/// Future events of type `E`, popped in `(time, scheduling order)` order.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// Invariant: every key has `at >= floor`.
    entries: BTreeMap<(SimTime, u64), E>,
    /// The sequence number of the next push.
    next_seq: u64,
    /// The time of the last popped event: nothing may be scheduled before it.
    floor: SimTime,
    capacity: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with capacity [`EVENT_QUEUE_CAPACITY`].
    pub fn new() -> EventQueue<E> {
        EventQueue::with_capacity_limit(EVENT_QUEUE_CAPACITY)
    }

    /// An empty queue holding at most `capacity` events (tests use small limits).
    pub fn with_capacity_limit(capacity: usize) -> EventQueue<E> {
        EventQueue {
            entries: BTreeMap::new(),
            next_seq: FIRST_PUSH_SEQ,
            floor: SimTime::ZERO,
            capacity,
        }
    }

    /// Schedules `event` at `at`, after every event already scheduled for the same instant.
    ///
    /// Panics if `at` is earlier than the last popped event (time never goes backwards).
    pub fn push(&mut self, at: SimTime, event: E) -> Result<EventKey, QueueFull> {
        assert!(
            at >= self.floor,
            "event scheduled at {at} before the last popped event {}",
            self.floor
        );
        if self.entries.len() >= self.capacity {
            return Err(QueueFull {
                capacity: self.capacity,
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.insert((at, seq), event);
        Ok(EventKey { at, seq })
    }

    /// Schedules `event` at `at` in `lane`: before every [`EventQueue::push`]ed event of the
    /// same instant and after the same instant's events of lower lanes. A lane holds at most
    /// one event at a time (its producer pushes the next one once this one is popped), so its
    /// key is unique while it is scheduled; a lane key may repeat after its event was popped.
    ///
    /// Panics if `at` is earlier than the last popped event or the lane already holds an event
    /// at `at`.
    pub fn push_lane(&mut self, at: SimTime, lane: u32, event: E) -> Result<EventKey, QueueFull> {
        assert!(
            at >= self.floor,
            "event scheduled at {at} before the last popped event {}",
            self.floor
        );
        if self.entries.len() >= self.capacity {
            return Err(QueueFull {
                capacity: self.capacity,
            });
        }
        let seq = u64::from(lane);
        let old = self.entries.insert((at, seq), event);
        assert!(old.is_none(), "lane {lane} holds two events at {at}");
        Ok(EventKey { at, seq })
    }

    /// Removes a scheduled event and returns it; `None` if it was already popped or cancelled.
    pub fn cancel(&mut self, key: EventKey) -> Option<E> {
        self.entries.remove(&(key.at, key.seq))
    }

    /// Pops the earliest event if it is due at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<(SimTime, E)> {
        let entry = self.entries.first_entry()?;
        let at = entry.key().0;
        if at > now {
            return None;
        }
        let event = entry.remove();
        self.floor = at;
        Some((at, event))
    }

    /// When the earliest event is due, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.entries.keys().next().map(|&(at, _)| at)
    }

    /// The number of scheduled events.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The scheduled events in pop order (for the TUI and debugging).
    pub fn iter(&self) -> impl Iterator<Item = (SimTime, &E)> {
        self.entries.iter().map(|(&(at, _), event)| (at, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Same-time events pop in push order; earlier times first.
    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(20), "c").unwrap();
        queue.push(SimTime(10), "a").unwrap();
        queue.push(SimTime(20), "d").unwrap();
        queue.push(SimTime(10), "b").unwrap();
        assert_eq!(queue.peek_time(), Some(SimTime(10)));
        let mut popped = Vec::new();
        while let Some((_, e)) = queue.pop_due(SimTime(100)) {
            popped.push(e);
        }
        assert_eq!(popped, ["a", "b", "c", "d"]);
    }

    // Lane events sort before pushed ones of the same instant, by lane, whenever they are
    // pushed: as if every lane event had been pushed first.
    #[test]
    fn lanes_pop_before_pushed_events_of_the_same_instant() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(10), "pushed").unwrap();
        queue.push_lane(SimTime(10), 1, "lane 1").unwrap();
        queue.push_lane(SimTime(10), 0, "lane 0").unwrap();
        queue.push_lane(SimTime(5), 1, "lane 1 early").unwrap();
        let mut popped = Vec::new();
        while let Some((_, e)) = queue.pop_due(SimTime(100)) {
            popped.push(e);
        }
        assert_eq!(popped, ["lane 1 early", "lane 0", "lane 1", "pushed"]);
        assert_eq!(
            EventQueue::<u8>::with_capacity_limit(0).push_lane(SimTime(1), 0, 1),
            Err(QueueFull { capacity: 0 })
        );
    }

    // Nothing pops before it is due.
    #[test]
    fn pop_due_waits_for_the_time() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(10), 1).unwrap();
        assert_eq!(queue.pop_due(SimTime(9)), None);
        assert_eq!(queue.pop_due(SimTime(10)), Some((SimTime(10), 1)));
        assert!(queue.is_empty());
    }

    // Cancelling removes exactly one event, once.
    #[test]
    fn cancel_removes_once() {
        let mut queue = EventQueue::new();
        let a = queue.push(SimTime(5), 'a').unwrap();
        queue.push(SimTime(5), 'b').unwrap();
        assert_eq!(queue.cancel(a), Some('a'));
        assert_eq!(queue.cancel(a), None);
        assert_eq!(queue.pop_due(SimTime(5)), Some((SimTime(5), 'b')));
    }

    // A full queue refuses the push and is unchanged.
    #[test]
    fn full_queue_refuses_push() {
        let mut queue = EventQueue::with_capacity_limit(2);
        queue.push(SimTime(1), 1).unwrap();
        queue.push(SimTime(2), 2).unwrap();
        assert_eq!(queue.push(SimTime(3), 3), Err(QueueFull { capacity: 2 }));
        assert_eq!(queue.len(), 2);
        assert_eq!(EventQueue::<u8>::new().capacity, EVENT_QUEUE_CAPACITY);
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// Push at `floor + delay`.
        Push(u64),
        /// Cancel the n-th key handed out (modulo the number of keys).
        Cancel(usize),
        /// Pop everything due at `floor + advance`.
        PopDue(u64),
    }

    fn op_strategy() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..8).prop_map(Op::Push),
            1 => any::<usize>().prop_map(Op::Cancel),
            2 => (0u64..6).prop_map(Op::PopDue),
        ]
    }

    proptest! {
        // The queue behaves like a Vec sorted by (time, push index) under any mix of operations.
        #[test]
        fn matches_sorted_vec_model(ops in prop::collection::vec(op_strategy(), 0..200)) {
            let mut queue = EventQueue::with_capacity_limit(64);
            let mut model: Vec<(SimTime, usize)> = Vec::new();
            let mut keys: Vec<(EventKey, SimTime, usize)> = Vec::new();
            let mut floor = SimTime::ZERO;
            for op in ops {
                match op {
                    Op::Push(delay) => {
                        let at = SimTime(floor.0 + delay);
                        let id = keys.len();
                        match queue.push(at, id) {
                            Ok(key) => {
                                keys.push((key, at, id));
                                model.push((at, id));
                            }
                            Err(_) => prop_assert_eq!(model.len(), 64),
                        }
                    }
                    Op::Cancel(n) if !keys.is_empty() => {
                        let (key, at, id) = keys[n % keys.len()];
                        let expected = model.iter().position(|&e| e == (at, id)).map(|i| model.remove(i).1);
                        prop_assert_eq!(queue.cancel(key), expected);
                    }
                    Op::Cancel(_) => {}
                    Op::PopDue(advance) => {
                        let now = SimTime(floor.0 + advance);
                        // The model: stable sort by time keeps push order within a time.
                        model.sort_by_key(|&(at, _)| at);
                        while let Some((at, event)) = queue.pop_due(now) {
                            prop_assert_eq!((at, event), model.remove(0));
                            floor = at;
                        }
                        prop_assert!(model.first().is_none_or(|&(at, _)| at > now));
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
                prop_assert_eq!(queue.peek_time(), model.iter().map(|&(at, _)| at).min());
            }
        }
    }
}
