//! Live mode: the simulation runs on its own thread and hands trace chunks to the UI over a
//! bounded channel; the UI reveals them paced to wall clock × speed.
//!
//! The simulation core cannot be suspended between two ops from outside (the VM's dispatch
//! loop returns only at the end of the program or at an abort), and the TUI must not change it.
//! So the simulation thread runs the program to growing *horizons*: 1 ms, 2 ms, 4 ms, … of
//! simulated time (each run is exactly `irqlab run --findings --until H`), and finally the full
//! run (exactly `irqlab run --findings`, the trace the replay shows). Every run is
//! deterministic, so a run to `H` records the same events before `H` as the full run; each
//! chunk carries the whole trace up to its horizon and replaces the previous one. Doubling the
//! horizon bounds the total work by about twice one full run.
//!
//! Back-pressure is the channel: it holds [`CHANNEL_CAPACITY`] chunks; when the UI has not
//! taken them (it takes the next chunk only when its live clock reaches the current horizon),
//! the simulation thread waits in `send`. The UI only ever calls `try_recv`, so it never waits
//! for the simulation. Dropping the receiver ends the thread at its next `send`.

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::app::Recording;
use super::{RunSpec, full_limit, simulate};
use crate::cli::CliError;
use crate::time::SimDuration;

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

/// The horizons of a run whose full limit is `full`: 1 ms doubling, each below `full`.
pub fn horizons(full: SimDuration) -> Vec<SimDuration> {
    let mut out = Vec::new();
    let mut h = FIRST_HORIZON;
    while h < full {
        out.push(h);
        h = SimDuration(h.as_ns().saturating_mul(2));
    }
    out
}

/// Starts the simulation thread for `spec`; its chunks arrive on the returned receiver.
pub fn spawn(spec: RunSpec) -> Result<Receiver<Feed>, CliError> {
    let (tx, rx) = bounded(CHANNEL_CAPACITY);
    // A named thread from the builder: the simulation itself stays single-threaded and
    // deterministic; this thread only owns one run at a time.
    std::thread::Builder::new()
        .name("irqlab-sim".into())
        .spawn(move || produce(&spec, &tx))
        .map_err(|e| CliError(format!("cannot start the simulation thread: {e}")))?;
    Ok(rx)
}

/// The simulation thread's body: the horizon runs, then the full run. Returns when done or when
/// the UI has gone (a `send` fails).
pub fn produce(spec: &RunSpec, tx: &Sender<Feed>) {
    let full = match full_limit(spec) {
        Ok(f) => f,
        Err(e) => {
            let _ = tx.send(Feed::Failed(e.0));
            return;
        }
    };
    for h in horizons(full) {
        let sim = match simulate(spec, Some(h)) {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Feed::Failed(e.0));
                return;
            }
        };
        let ended_early = sim.rec.outcome != "time-limit";
        let chunk = Chunk {
            rec: sim.into_recording(),
            horizon_ns: h.as_ns(),
            last: false,
        };
        if tx.send(Feed::Chunk(Box::new(chunk))).is_err() {
            return;
        }
        if ended_early {
            // The program ended before the horizon: the full run is next.
            break;
        }
    }
    let feed = match simulate(spec, None) {
        Ok(sim) => Feed::Chunk(Box::new(Chunk {
            rec: sim.into_recording(),
            horizon_ns: u64::MAX,
            last: true,
        })),
        Err(e) => Feed::Failed(e.0),
    };
    let _ = tx.send(feed);
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
    use std::path::Path;

    use super::*;

    fn spec(name: &str) -> RunSpec {
        RunSpec {
            file: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(name),
            ..RunSpec::default()
        }
    }

    // Horizons double from 1 ms and stay below the full limit.
    #[test]
    fn horizons_double_below_the_limit() {
        let h: Vec<u64> = horizons(SimDuration::from_ms(10))
            .iter()
            .map(|d| d.as_ns() / 1_000_000)
            .collect();
        assert_eq!(h, vec![1, 2, 4, 8]);
        assert!(horizons(SimDuration::from_ms(1)).is_empty());
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
    // exactly CHANNEL_CAPACITY chunks are queued; taking them lets it go on to the full run,
    // whose trace is the replay's, and every horizon chunk is a prefix of it.
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
        let full = super::super::load(&s.file, None).expect("runs");
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
        // bounce.yaml runs 300 ms: horizons 1, 2, …, 256 ms, then the full run.
        assert_eq!(n_chunks, 10);
    }
}
