//! Stimuli as lazy edge streams, and the limits of irqlab's a run can reach.
//!
//! A scenario stimulus can yield millions of edges (a 10 MHz square for a second). Instead of
//! queueing them all at power-on, the runtime holds each stimulus's edge stream and keeps
//! exactly one pending edge per stimulus in the event queue, in the stimulus's lane
//! ([`crate::queue::EventQueue::push_lane`]): when an edge is delivered, the stream's next edge
//! is queued. Lanes sort before the other events of the same instant, by stimulus index, which
//! is the order the edges had when every stimulus was expanded before the run: traces are
//! unchanged.
//!
//! When the event queue is full anyway (a runaway producer) or the trace reaches its limit,
//! the run stops with a [`RunLimit`] instead of panicking or growing without bound.

use crate::hw::gpio::{Drive, PinId};
use crate::py::vm::{AbortReason, Flow, Vm};
use crate::time::SimTime;

use super::{HwEvent, Runtime};

/// The edges of one stimulus, in non-decreasing time order (`(when, what the circuit drives)`).
/// The runtime pulls them one at a time, so an endless stream must be bounded by its producer
/// (the scenario runner stops it at the run's time limit).
pub type EdgeStream = Box<dyn Iterator<Item = (SimTime, Drive)>>;

/// One stimulus: the pad it drives and its remaining edges.
pub(super) struct Feed {
    pin: PinId,
    edges: EdgeStream,
}

/// A limit of irqlab's (not of the board) that a run reached; the run stopped there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunLimit {
    /// The hardware event queue held [`crate::limits::EVENT_QUEUE_CAPACITY`] events.
    EventQueue {
        /// The capacity reached.
        capacity: usize,
        /// When the refused event was to be scheduled.
        at: SimTime,
    },
    /// The trace held its maximum number of events ([`crate::limits::MAX_TRACE_EVENTS`]).
    Trace {
        /// The maximum reached.
        max_events: usize,
    },
}

impl std::fmt::Display for RunLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunLimit::EventQueue { capacity, at } => write!(
                f,
                "the event queue limit (EVENT_QUEUE_CAPACITY = {capacity} pending hardware \
                 events) was reached scheduling an event at {at}"
            ),
            RunLimit::Trace { max_events } => write!(
                f,
                "the trace limit (MAX_TRACE_EVENTS = {max_events} events) was reached"
            ),
        }
    }
}

impl Runtime {
    /// Adds a stimulus driving `pin` with `edges`: its first edge is queued now. Stimuli must
    /// be added before any other event is queued, in their scenario order (their lane is their
    /// index).
    pub fn add_stimulus(&mut self, vm: &mut Vm, pin: PinId, edges: EdgeStream) {
        let lane = self.feeds.len() as u32;
        self.feeds.push(Feed { pin, edges });
        self.queue_next_edge(lane);
        self.set_deadline(vm);
    }

    /// Queues the next edge of stimulus `lane`, if it has one.
    pub(super) fn queue_next_edge(&mut self, lane: u32) {
        let feed = &mut self.feeds[lane as usize];
        let Some((at, drive)) = feed.edges.next() else {
            return;
        };
        let ev = HwEvent::Stimulus {
            lane,
            pin: feed.pin,
            drive,
        };
        if let Err(e) = self.queue.push_lane(at, lane, ev) {
            self.hit_limit(RunLimit::EventQueue {
                capacity: e.capacity,
                at,
            });
        }
    }

    /// Notes that `limit` was reached: the run stops at the next hardware-event check.
    pub(super) fn hit_limit(&mut self, limit: RunLimit) {
        self.limit_hit.get_or_insert(limit);
    }

    /// The limit of irqlab's the run reached, if any (the run stopped there, or — for the
    /// trace, filled between two hardware events — at the next event or the end).
    pub fn limit_hit(&mut self) -> Option<RunLimit> {
        if self.limit_hit.is_none() && self.trace.n_dropped > 0 {
            self.limit_hit = Some(RunLimit::Trace {
                max_events: self.trace.max_events,
            });
        }
        self.limit_hit
    }

    /// Stops the run (as a stop request) once a limit was reached.
    pub(super) fn check_limits(&mut self) -> Result<(), Flow> {
        match self.limit_hit() {
            Some(_) => Err(Flow::Abort(AbortReason::Stopped)),
            None => Ok(()),
        }
    }
}
