//! Analyses of a finished run, all computed from the trace alone.
//!
//! [`summarize`] turns a [`Trace`] into a [`Summary`]: per interrupt source the number of
//! events, dropped events, latency from the hardware event to the start of its Python callback
//! and callback duration; the time spent in each CPU context; and asyncio task slices and
//! wake latencies ([`tasks`]). Nothing here looks at the
//! machine: a saved trace gives the same report.

pub mod findings;
pub mod report;
pub mod tasks;

use std::collections::BTreeMap;

use crate::time::{SimDuration, SimTime};
use crate::trace::{Ctx, Kind, Source, Trace, TraceEvent};

/// Statistics of a set of durations (nanoseconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Number of samples.
    pub n: usize,
    /// Smallest.
    pub min_ns: u64,
    /// Median (nearest rank).
    pub p50_ns: u64,
    /// 99th percentile (nearest rank).
    pub p99_ns: u64,
    /// Largest.
    pub max_ns: u64,
    /// Mean, rounded down.
    pub mean_ns: u64,
}

impl Stats {
    /// Statistics of `samples` (sorted here); all zero when empty.
    pub fn of(mut samples: Vec<u64>) -> Stats {
        if samples.is_empty() {
            return Stats::default();
        }
        samples.sort_unstable();
        let n = samples.len();
        let rank = |p: usize| samples[((p * n).div_ceil(100)).clamp(1, n) - 1];
        Stats {
            n,
            min_ns: samples[0],
            p50_ns: rank(50),
            p99_ns: rank(99),
            max_ns: samples[n - 1],
            mean_ns: (samples.iter().map(|&x| x as u128).sum::<u128>() / n as u128) as u64,
        }
    }
}

/// What happened to one interrupt source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceSummary {
    /// Hardware events (interrupts raised, or `micropython.schedule` calls).
    pub n_events: usize,
    /// Events whose callback was dropped because the schedule queue was full.
    pub n_dropped: usize,
    /// Events raised while interrupts were disabled.
    pub n_masked: usize,
    /// Masked events merged into an already pending one (counted in `n_dropped` too).
    pub n_coalesced: usize,
    /// Callbacks that ran.
    pub n_callbacks: usize,
    /// Hardware event → start of the Python callback.
    pub latency: Stats,
    /// Callback start → end.
    pub duration: Stats,
    /// Every latency sample in event order (for histograms and expectations).
    pub latency_samples_ns: Vec<u64>,
    /// Every callback duration in order.
    pub duration_samples_ns: Vec<u64>,
}

/// The whole-run summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Per source, in source order.
    pub sources: BTreeMap<Source, SourceSummary>,
    /// Time in the main program.
    pub main_ns: u64,
    /// Time in soft callbacks.
    pub callback_ns: u64,
    /// Time in C ISRs and hard handlers.
    pub isr_ns: u64,
    /// Time idle (sleeping or waiting in the idle loop).
    pub idle_ns: u64,
    /// Simulated time at the end of the trace.
    pub end: SimTime,
    /// Garbage collections and their total pause.
    pub n_gc: usize,
    /// Total GC pause.
    pub gc_ns: u64,
    /// Uncaught exceptions printed (main program or callbacks).
    pub n_exceptions: usize,
    /// Deepest schedule queue seen.
    pub max_queue_depth: u8,
    /// asyncio tasks (empty without asyncio).
    pub tasks: tasks::TasksSummary,
}

/// Computes the summary of a trace.
pub fn summarize(trace: &Trace) -> Summary {
    let mut s = Summary::default();
    let mut starts: BTreeMap<u32, SimTime> = BTreeMap::new();
    let mut per_ctx: BTreeMap<Ctx, u64> = BTreeMap::new();
    let mut last = SimTime::ZERO;
    // What the CPU is doing between events: main (or the idle loop after the program), with
    // callbacks and waits nested on top.
    let mut stack: Vec<Ctx> = vec![Ctx::Main];
    for e in &trace.events {
        let top = *stack.last().expect("the context stack keeps its base");
        *per_ctx.entry(top).or_default() += e.at.saturating_since(last).as_ns();
        last = e.at;
        match e.kind {
            Kind::CallbackStart { .. } | Kind::HardStart { .. } => stack.push(Ctx::Callback),
            Kind::IdleStart => stack.push(Ctx::Idle),
            Kind::CallbackEnd { .. } | Kind::HardEnd { .. } | Kind::IdleEnd if stack.len() > 1 => {
                stack.pop();
            }
            Kind::IdleLoop => stack[0] = Ctx::Idle,
            _ => {}
        }
        count(&mut s, trace, e, &mut starts);
    }
    s.end = last;
    for ss in s.sources.values_mut() {
        ss.latency = Stats::of(ss.latency_samples_ns.clone());
        ss.duration = Stats::of(ss.duration_samples_ns.clone());
    }
    let isr = s.isr_ns;
    s.main_ns = per_ctx.get(&Ctx::Main).copied().unwrap_or(0);
    s.callback_ns = per_ctx.get(&Ctx::Callback).copied().unwrap_or(0);
    s.idle_ns = per_ctx.get(&Ctx::Idle).copied().unwrap_or(0);
    // ISR time was spent inside whichever context it interrupted (mostly idle waits and the
    // main program); take it out of idle first, then main.
    let from_idle = isr.min(s.idle_ns);
    s.idle_ns -= from_idle;
    s.main_ns = s.main_ns.saturating_sub(isr - from_idle);
    s.tasks = tasks::summarize(trace);
    s
}

/// Adds event `e` to the per-source counts and samples of `s`; `starts` holds the start time
/// of each running callback by hardware event.
fn count(s: &mut Summary, trace: &Trace, e: &TraceEvent, starts: &mut BTreeMap<u32, SimTime>) {
    match e.kind {
        Kind::IrqRaised { source, .. } => s.sources.entry(source).or_default().n_events += 1,
        Kind::CallbackQueued {
            source: Source::Schedule,
            depth,
            ..
        } => {
            s.sources.entry(Source::Schedule).or_default().n_events += 1;
            s.max_queue_depth = s.max_queue_depth.max(depth);
        }
        Kind::CallbackQueued { depth, .. } => s.max_queue_depth = s.max_queue_depth.max(depth),
        Kind::CallbackDropped { source, .. } => {
            let ss = s.sources.entry(source).or_default();
            ss.n_dropped += 1;
            if source == Source::Schedule {
                ss.n_events += 1;
            }
        }
        Kind::IrqMasked { source, .. } => s.sources.entry(source).or_default().n_masked += 1,
        Kind::IrqCoalesced { source, .. } => {
            let ss = s.sources.entry(source).or_default();
            ss.n_masked += 1;
            ss.n_coalesced += 1;
            ss.n_dropped += 1;
        }
        Kind::CallbackStart { source, event } | Kind::HardStart { source, event } => {
            let ss = s.sources.entry(source).or_default();
            ss.n_callbacks += 1;
            if let Some(t0) = trace.event_times.get(event as usize) {
                ss.latency_samples_ns
                    .push(e.at.saturating_since(*t0).as_ns());
            }
            starts.insert(event, e.at);
        }
        Kind::CallbackEnd { source, event } | Kind::HardEnd { source, event } => {
            if let Some(t0) = starts.remove(&event) {
                s.sources
                    .entry(source)
                    .or_default()
                    .duration_samples_ns
                    .push(e.at.saturating_since(t0).as_ns());
            }
        }
        Kind::IsrRun { duration_ns, .. } => s.isr_ns += duration_ns,
        Kind::Gc { pause_ns, .. } => {
            s.n_gc += 1;
            s.gc_ns += pause_ns;
        }
        Kind::Exception { .. } => s.n_exceptions += 1,
        _ => {}
    }
}

/// Formats nanoseconds as microseconds with three decimals (`12.345`).
pub fn us(ns: u64) -> String {
    format!("{}.{:03}", ns / 1_000, ns % 1_000)
}

/// A duration for humans.
pub fn human(ns: u64) -> String {
    SimDuration(ns).to_string()
}
