//! asyncio task statistics, computed from the trace's task events (facts §5).
//!
//! * A *slice* is one run of a task: from the loop resuming it to the task suspending or
//!   ending. The longest slice is how long the task blocked every other task (and the loop's
//!   poll, so every `ThreadSafeFlag`) between two awaits; soft callbacks and ISRs that preempted
//!   it are inside the slice, as other tasks perceive them.
//! * A *wake latency* runs from what made a task runnable to the loop resuming it: the
//!   deadline of a sleep, `ThreadSafeFlag.set()` (the first set since the flag's previous
//!   wake-up), or the moment `Event.set()`, `Lock.release()`, a task's end or a gather put it
//!   back on the run queue.

use std::collections::BTreeMap;

use super::Stats;
use crate::time::SimTime;
use crate::trace::{Kind, TaskEv, Trace, TraceEvent, WaitOn};

/// What made a task runnable again, for grouping wake latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WakeCause {
    /// A sleep's deadline.
    Deadline,
    /// `Event.set()`.
    Event,
    /// `Lock.release()`.
    Lock,
    /// `ThreadSafeFlag.set()`.
    Flag,
    /// An awaited task ended.
    Task,
    /// A gather's sub-tasks ended.
    Gather,
}

impl WakeCause {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            WakeCause::Deadline => "sleep deadline",
            WakeCause::Event => "Event",
            WakeCause::Lock => "Lock",
            WakeCause::Flag => "ThreadSafeFlag",
            WakeCause::Task => "task end",
            WakeCause::Gather => "gather",
        }
    }
}

/// One task's statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskSummary {
    /// Creation order, from 1.
    pub index: usize,
    /// The coroutine's name.
    pub name: String,
    /// Times the loop resumed it.
    pub n_slices: usize,
    /// Longest slice (blocking time), ns.
    pub longest_slice_ns: u64,
    /// Total time in its slices, ns.
    pub cpu_ns: u64,
    /// Its wake latencies, ns.
    pub wake_latency: Stats,
    /// How it ended: `finished`, `failed`, `cancelled`, or `pending`.
    pub outcome: &'static str,
    /// From its creation (`create_task`, `asyncio.run`) to the loop first running it, ns;
    /// `None` if it never ran. A task created in an interrupt's callback waits here until the
    /// loop's poll returns (asyncio_bridge_wrong.yaml).
    pub start_wait_ns: Option<u64>,
}

/// All tasks of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TasksSummary {
    /// Per task, in creation order.
    pub tasks: Vec<TaskSummary>,
    /// Wake latencies by cause, ns.
    pub wakes: BTreeMap<WakeCause, Stats>,
    /// The worst wake latency of any task, ns.
    pub worst_wake_ns: u64,
    /// The longest wait from a task's creation to its first run, ns.
    pub worst_start_wait_ns: u64,
    /// End to end, for tasks woken by a `ThreadSafeFlag` set in an interrupt's callback: from
    /// the hardware event (edge, alarm) through its ISR and callback to the task resuming, ns.
    pub irq_to_task: Stats,
}

#[derive(Default)]
struct Live {
    summary: TaskSummary,
    /// Start of the current slice.
    running_since: Option<SimTime>,
    /// When the task was created, until its first run.
    created: Option<SimTime>,
    /// The pending wake-up: cause and when it became due.
    wake: Option<(WakeCause, SimTime)>,
    /// For a flag wake-up: the hardware event behind the `set()`, if a callback made it.
    irq_origin: Option<SimTime>,
    latencies: Vec<u64>,
}

/// Task statistics of a trace (empty when the program used no asyncio).
pub fn summarize(trace: &Trace) -> TasksSummary {
    let mut scan = Scan::default();
    for e in &trace.events {
        scan.event(trace, e);
    }
    scan.finish()
}

/// The state of one pass over the trace.
#[derive(Default)]
struct Scan {
    live: BTreeMap<u32, Live>,
    /// First unconsumed `set()` of each ThreadSafeFlag.
    flag_set: BTreeMap<u32, SimTime>,
    by_cause: BTreeMap<WakeCause, Vec<u64>>,
    /// Hardware-event times of the callbacks (soft or hard) running now, innermost last.
    callbacks: Vec<SimTime>,
    /// Hardware event behind the first unconsumed `set()` of each flag.
    flag_origin: BTreeMap<u32, SimTime>,
    irq_to_task: Vec<u64>,
    /// Tasks seen so far.
    n: usize,
}

impl Scan {
    fn event(&mut self, trace: &Trace, e: &TraceEvent) {
        match e.kind {
            Kind::CallbackStart { event, .. } | Kind::HardStart { event, .. } => {
                self.callbacks.push(
                    trace
                        .event_times
                        .get(event as usize)
                        .copied()
                        .unwrap_or(e.at),
                );
            }
            Kind::CallbackEnd { .. } | Kind::HardEnd { .. } => {
                self.callbacks.pop();
            }
            Kind::FlagSet { flag } => {
                self.flag_set.entry(flag).or_insert(e.at);
                if let Some(origin) = self.callbacks.last() {
                    self.flag_origin.entry(flag).or_insert(*origin);
                }
            }
            Kind::TaskName { task, offset, len } => {
                if let Some(l) = self.live.get_mut(&task) {
                    l.summary.name = trace.text_of(offset, len).to_string();
                }
            }
            Kind::Task { task, ev, on } => self.task(task, ev, on, e.at),
            _ => {}
        }
    }

    /// A task event of `task` at `at`.
    fn task(&mut self, task: u32, ev: TaskEv, on: WaitOn, at: SimTime) {
        let n = &mut self.n;
        let l = self.live.entry(task).or_insert_with(|| {
            *n += 1;
            Live {
                summary: TaskSummary {
                    index: *n,
                    outcome: "pending",
                    ..TaskSummary::default()
                },
                ..Live::default()
            }
        });
        match ev {
            TaskEv::Created => l.created = Some(at),
            TaskEv::Resumed => {
                if let Some(created) = l.created.take() {
                    l.summary.start_wait_ns = Some(at.saturating_since(created).as_ns());
                }
                l.running_since = Some(at);
                l.summary.n_slices += 1;
                if let Some((cause, due)) = l.wake.take() {
                    let lat = at.saturating_since(due).as_ns();
                    l.latencies.push(lat);
                    self.by_cause.entry(cause).or_default().push(lat);
                }
                if let Some(origin) = l.irq_origin.take() {
                    self.irq_to_task.push(at.saturating_since(origin).as_ns());
                }
            }
            TaskEv::Suspended => {
                end_slice(l, at);
                if let WaitOn::Sleep { ms } = on {
                    // The deadline is a ticks_ms value: whole milliseconds.
                    let now_ms = at.as_ns() / 1_000_000;
                    let due = SimTime((now_ms + ms as u64) * 1_000_000);
                    l.wake = Some((WakeCause::Deadline, due));
                }
            }
            TaskEv::Woken => {
                let cause = match on {
                    WaitOn::Event => Some(WakeCause::Event),
                    WaitOn::Lock => Some(WakeCause::Lock),
                    WaitOn::Task => Some(WakeCause::Task),
                    WaitOn::Gather => Some(WakeCause::Gather),
                    WaitOn::Flag { flag } => {
                        let due = self.flag_set.remove(&flag).unwrap_or(at);
                        l.wake = Some((WakeCause::Flag, due));
                        l.irq_origin = self.flag_origin.remove(&flag);
                        None
                    }
                    WaitOn::Ready | WaitOn::Sleep { .. } => None,
                };
                if let Some(c) = cause {
                    l.wake = Some((c, at));
                }
            }
            TaskEv::Finished | TaskEv::Failed | TaskEv::Cancelled => {
                end_slice(l, at);
                l.wake = None;
                l.summary.outcome = match ev {
                    TaskEv::Finished => "finished",
                    TaskEv::Failed => "failed",
                    _ => "cancelled",
                };
            }
            TaskEv::CancelRequested => {
                // Thrown in at its next run: not a wake-up to measure.
                l.wake = None;
            }
        }
    }

    fn finish(self) -> TasksSummary {
        let mut out = TasksSummary::default();
        for (_, mut l) in self.live {
            out.worst_wake_ns = out
                .worst_wake_ns
                .max(l.latencies.iter().copied().max().unwrap_or(0));
            l.summary.wake_latency = Stats::of(l.latencies);
            out.worst_start_wait_ns = out
                .worst_start_wait_ns
                .max(l.summary.start_wait_ns.unwrap_or(0));
            out.tasks.push(l.summary);
        }
        out.tasks.sort_by_key(|t| t.index);
        out.wakes = self
            .by_cause
            .into_iter()
            .map(|(c, v)| (c, Stats::of(v)))
            .collect();
        out.irq_to_task = Stats::of(self.irq_to_task);
        out
    }
}

fn end_slice(l: &mut Live, at: SimTime) {
    if let Some(t0) = l.running_since.take() {
        let d = at.saturating_since(t0).as_ns();
        l.summary.cpu_ns += d;
        l.summary.longest_slice_ns = l.summary.longest_slice_ns.max(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Ctx;

    fn ev(trace: &mut Trace, us: u64, kind: Kind) {
        trace.push(SimTime(us * 1_000), Ctx::Main, 0, kind);
    }

    fn task(task: u32, ev: TaskEv) -> Kind {
        Kind::Task {
            task,
            ev,
            on: WaitOn::Ready,
        }
    }

    fn task_on(task: u32, ev: TaskEv, on: WaitOn) -> Kind {
        Kind::Task { task, ev, on }
    }

    #[test]
    fn slices_and_wake_latencies() {
        let mut t = Trace::new(1000);
        ev(&mut t, 0, task(7, TaskEv::Created));
        ev(&mut t, 0, task(9, TaskEv::Created));
        ev(&mut t, 10, task(7, TaskEv::Resumed));
        // Task 7 runs 40 us, then sleeps 1 ms: due at 1.000 ms.
        ev(
            &mut t,
            50,
            task_on(7, TaskEv::Suspended, WaitOn::Sleep { ms: 1 }),
        );
        ev(&mut t, 60, task(9, TaskEv::Resumed));
        ev(
            &mut t,
            80,
            task_on(9, TaskEv::Suspended, WaitOn::Flag { flag: 0 }),
        );
        ev(&mut t, 500, Kind::FlagSet { flag: 3 });
        ev(&mut t, 600, Kind::FlagSet { flag: 3 });
        ev(
            &mut t,
            900,
            task_on(9, TaskEv::Woken, WaitOn::Flag { flag: 3 }),
        );
        ev(&mut t, 950, task(9, TaskEv::Resumed));
        ev(&mut t, 1200, task(9, TaskEv::Finished));
        ev(&mut t, 1300, task(7, TaskEv::Resumed));
        ev(&mut t, 1310, task(7, TaskEv::Failed));
        let s = summarize(&t);
        assert_eq!(s.tasks.len(), 2);
        let (a, b) = (&s.tasks[0], &s.tasks[1]);
        assert_eq!(
            (a.n_slices, a.longest_slice_ns, a.cpu_ns),
            (2, 40_000, 50_000)
        );
        assert_eq!(a.outcome, "failed");
        // Deadline 1.000 ms, resumed at 1.300 ms.
        assert_eq!(a.wake_latency.max_ns, 300_000);
        // Flag first set at 0.500 ms, task resumed at 0.950 ms.
        assert_eq!(b.wake_latency.max_ns, 450_000);
        assert_eq!((b.n_slices, b.longest_slice_ns), (2, 250_000));
        assert_eq!(s.worst_wake_ns, 450_000);
        assert_eq!(s.wakes[&WakeCause::Flag].n, 1);
        assert_eq!(s.wakes[&WakeCause::Deadline].max_ns, 300_000);
    }
}
