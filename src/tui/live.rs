//! Live mode: the simulation runs on its own thread and hands trace chunks to the UI over a
//! bounded channel; the UI reveals them paced to wall clock × speed.
//!
//! The simulation thread runs the program once, exactly as `irqlab run --findings` does, with
//! a trace observer installed ([`crate::rt::Runtime::set_observer`]): when simulated time
//! first passes 1 ms, 2 ms, 4 ms, … the observer copies the trace so far into a chunk — final
//! up to the time of the event about to be recorded, its *horizon* — and sends it. The
//! observer only reads the trace, so the run is the one the replay shows; the last chunk is the
//! finished run. Each chunk replaces the previous one; doubling the horizons bounds the copying
//! to about twice one trace.
//!
//! Back-pressure is the channel: it holds [`CHANNEL_CAPACITY`] chunks; when the UI has not
//! taken them (it takes the next chunk only when its live clock reaches the current horizon),
//! the simulation thread waits in `send`. The UI only ever calls `try_recv`, so it never waits
//! for the simulation. Dropping the receiver ends the thread at its next `send`.

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::app::Recording;
use super::runs::{meta, recording, tracked};
use crate::run::{RunError, RunSpec};
use crate::sim::Machine;
use crate::time::{SimDuration, SimTime};

/// Chunks the channel holds before the simulation thread waits.
pub const CHANNEL_CAPACITY: usize = 2;

/// The first horizon of simulated time.
pub const FIRST_HORIZON: SimDuration = SimDuration::from_ms(1);

/// The trace up to a horizon.
#[derive(Clone, Debug)]
pub struct Chunk {
    /// The run to the horizon: events before `horizon_ns` are final.
    pub rec: Recording,
    /// Simulated time up to which the events are final, ns (`u64::MAX` for the full run).
    pub horizon_ns: u64,
    /// True for the full run (the last chunk).
    pub last: bool,
}

/// What the simulation thread sends.
#[derive(Debug)]
pub enum Feed {
    /// The next chunk.
    Chunk(Box<Chunk>),
    /// The run could not be made (bad input found late); the message says why.
    Failed(String),
}

/// Starts the simulation thread for `spec`; its chunks arrive on the returned receiver.
pub fn spawn(spec: RunSpec) -> Result<Receiver<Feed>, RunError> {
    let (tx, rx) = bounded(CHANNEL_CAPACITY);
    // A named thread from the builder: the simulation itself stays single-threaded and
    // deterministic; this thread only owns one run at a time.
    std::thread::Builder::new()
        .name("irqlab-sim".into())
        .spawn(move || produce(&spec, &tx))
        .map_err(|e| RunError::io(format!("cannot start the simulation thread: {e}")))?;
    Ok(rx)
}

/// The simulation thread's body: one run, its trace handed over in growing prefixes, then the
/// finished run. When the UI has gone (a `send` fails) the observer stops sending.
pub fn produce(spec: &RunSpec, tx: &Sender<Feed>) {
    let spec = &tracked(spec);
    let loaded = match crate::run::load(spec) {
        Ok(l) => l,
        Err(e) => {
            let _ = tx.send(Feed::Failed(e.message));
            return;
        }
    };
    let meta = meta(&loaded, spec);
    let prepare = |m: &mut Machine| {
        let (tx, meta) = (tx.clone(), meta.clone_meta());
        m.rt.set_observer(
            SimTime::ZERO + FIRST_HORIZON,
            Box::new(move |trace, at| {
                let chunk = Chunk {
                    rec: Recording {
                        trace: trace.clone(),
                        ..meta.clone_meta()
                    },
                    horizon_ns: at.as_ns(),
                    last: false,
                };
                // Waits while the channel is full: the UI sets the pace.
                if tx.send(Feed::Chunk(Box::new(chunk))).is_err() {
                    return SimTime(u64::MAX);
                }
                SimTime(at.as_ns().saturating_mul(2))
            }),
        );
    };
    let run = loaded.run(Some(&prepare));
    let _ = tx.send(Feed::Chunk(Box::new(Chunk {
        rec: recording(run, spec),
        horizon_ns: u64::MAX,
        last: true,
    })));
}

/// Tries to hand `feed` over without waiting: `Err` gives it back when the channel is full.
pub fn offer(tx: &Sender<Feed>, feed: Feed) -> Result<(), Feed> {
    tx.try_send(feed).map_err(|e| match e {
        TrySendError::Full(f) | TrySendError::Disconnected(f) => f,
    })
}

/// The prefix of `rec` the UI may show at live time `now_ns`: the events at or before it
/// (and before the chunk's horizon), with the hardware events they raised.
pub fn prefix(rec: &Recording, n_events: usize) -> Recording {
    let t = &rec.trace;
    let events = t.events[..n_events.min(t.events.len())].to_vec();
    let n_hw = events
        .iter()
        .filter_map(|e| super::widgets::detail::event_number(&e.kind))
        .max()
        .map_or(0, |n| n as usize + 1);
    let mut trace = crate::trace::Trace {
        events,
        text: t.text.clone(),
        n_dropped: 0,
        max_events: t.max_events,
        names: t.names.clone(),
        name_parents: t.name_parents.clone(),
        event_times: t.event_times[..n_hw.min(t.event_times.len())].to_vec(),
    };
    trace.events.shrink_to_fit();
    Recording {
        trace,
        outcome: "running".into(),
        ..rec.clone_meta()
    }
}

impl Recording {
    /// The recording's metadata with an empty trace.
    pub fn clone_meta(&self) -> Recording {
        Recording {
            trace: crate::trace::Trace::default(),
            source: self.source.clone(),
            name: self.name.clone(),
            seed: self.seed,
            board: self.board.clone(),
            outcome: self.outcome.clone(),
            spec: self.spec.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> RunSpec {
        RunSpec::shipped(name)
    }

    // The channel is bounded: with nobody receiving, the producer's chunks stop at its
    // capacity (a third `offer` is refused, i.e. `send` would wait), and the receiving side's
    // `try_recv` returns at once whether or not a chunk is there.
    #[test]
    fn channel_is_bounded_and_the_ui_never_waits() {
        let (tx, rx) = bounded::<Feed>(CHANNEL_CAPACITY);
        assert!(rx.try_recv().is_err()); // empty: the UI does not wait
        for _ in 0..CHANNEL_CAPACITY {
            assert!(offer(&tx, Feed::Failed("x".into())).is_ok());
        }
        assert!(offer(&tx, Feed::Failed("x".into())).is_err());
        assert_eq!(rx.len(), CHANNEL_CAPACITY);
        assert!(rx.try_recv().is_ok());
        assert!(offer(&tx, Feed::Failed("x".into())).is_ok());
    }

    // The real simulation thread fills the channel and then waits: while the UI takes nothing,
    // exactly CHANNEL_CAPACITY chunks are queued; taking them lets it go on to the end of its
    // one run, whose trace is the replay's, and every chunk before is a prefix of it.
    #[test]
    fn producer_waits_on_a_full_channel_and_ends_with_the_full_run() {
        let s = spec("bounce.yaml");
        let rx = spawn(s.clone()).expect("thread");
        let deadline = 2_000; // polls of 1 ms: generous for the two short runs
        let mut polls = 0;
        while rx.len() < CHANNEL_CAPACITY && polls < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
            polls += 1;
        }
        assert_eq!(rx.len(), CHANNEL_CAPACITY);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(rx.len(), CHANNEL_CAPACITY, "the producer waited");
        let full = crate::tui::runs::simulate(&s).expect("runs");
        let mut n_chunks = 0;
        for feed in rx.iter() {
            let Feed::Chunk(c) = feed else {
                panic!("the scenario runs")
            };
            n_chunks += 1;
            let before: Vec<_> = c
                .rec
                .trace
                .events
                .iter()
                .take_while(|e| e.at.as_ns() < c.horizon_ns)
                .copied()
                .collect();
            assert_eq!(
                before[..],
                full.trace.events[..before.len()],
                "horizon {}",
                c.horizon_ns
            );
            if c.last {
                assert_eq!(c.rec.trace.hash(), full.trace.hash());
                break;
            }
        }
        // bounce.yaml runs 300 ms: a chunk at the first event past 1 ms, then past twice that
        // event's time, and so on (an idle gap skips boundaries), then the finished run.
        assert!(
            (CHANNEL_CAPACITY + 1..=10).contains(&n_chunks),
            "{n_chunks} chunks"
        );
    }
}
