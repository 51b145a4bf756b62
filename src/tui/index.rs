//! The TUI's index of a finished trace: everything a frame or a key press needs, found by
//! binary search instead of scanning events.
//!
//! Built once in one pass over [`Trace::events`]. Time → event uses `partition_point` on the
//! events themselves (they are sorted by time), so it costs no memory. The rest is what the
//! panes draw per column (context spans with prefix sums for coverage, the schedule queue's
//! depth with block maxima, pin levels, drops) and what the navigation keys jump between
//! (interrupts, source-line changes, prints). The index knows nothing about the screen.

use std::collections::BTreeMap;

use crate::trace::{Ctx, Kind, Source, Trace, TraceEvent};

/// Sentinel for "no such event" in the per-hardware-event table.
pub const NONE: u32 = u32::MAX;

/// Non-overlapping time spans of one activity, sorted, with prefix sums of their lengths.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    starts: Vec<u64>,
    ends: Vec<u64>,
    /// `prefix[i]` is the total length of spans `0..i` (one more entry than spans).
    prefix: Vec<u64>,
}

impl Spans {
    /// Adds `[start, end)`; merges with the previous span when they touch or overlap.
    fn push(&mut self, start: u64, end: u64) {
        if end <= start {
            return;
        }
        if let Some(last_end) = self.ends.last_mut()
            && start <= *last_end
        {
            *last_end = (*last_end).max(end);
            return;
        }
        self.starts.push(start);
        self.ends.push(end);
    }

    fn finish(&mut self) {
        self.starts.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.prefix = Vec::with_capacity(self.starts.len() + 1);
        let mut total = 0;
        self.prefix.push(0);
        for (s, e) in self.starts.iter().zip(&self.ends) {
            total += e - s;
            self.prefix.push(total);
        }
    }

    /// Number of spans.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// True if there are no spans.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Nanoseconds of `[t0, t1)` covered by spans.
    pub fn covered(&self, t0: u64, t1: u64) -> u64 {
        if t1 <= t0 {
            return 0;
        }
        let i = self.ends.partition_point(|&e| e <= t0);
        let j = self.starts.partition_point(|&s| s < t1);
        if i >= j {
            return 0;
        }
        let mut total = self.prefix[j] - self.prefix[i];
        total -= t0.saturating_sub(self.starts[i]);
        total -= self.ends[j - 1].saturating_sub(t1);
        total
    }

    fn heap_bytes(&self) -> usize {
        8 * (self.starts.capacity() + self.ends.capacity() + self.prefix.capacity())
    }
}

/// Values at sorted times with block maxima, for "largest value in a time range" queries.
#[derive(Clone, Debug, Default)]
pub struct Steps {
    times: Vec<u64>,
    values: Vec<u8>,
    block_max: Vec<u8>,
}

/// Values per block of [`Steps::block_max`].
const BLOCK: usize = 256;

impl Steps {
    fn push(&mut self, at: u64, value: u8) {
        self.times.push(at);
        self.values.push(value);
    }

    fn finish(&mut self) {
        self.times.shrink_to_fit();
        self.values.shrink_to_fit();
        self.block_max = self
            .values
            .chunks(BLOCK)
            .map(|c| c.iter().copied().max().unwrap_or(0))
            .collect();
    }

    /// The value in force at `t` (set at or before it), if any.
    pub fn at(&self, t: u64) -> Option<u8> {
        let i = self.times.partition_point(|&x| x <= t);
        i.checked_sub(1).map(|i| self.values[i])
    }

    /// Number of value changes in `[t0, t1)`.
    pub fn changes(&self, t0: u64, t1: u64) -> usize {
        let i = self.times.partition_point(|&x| x < t0);
        let j = self.times.partition_point(|&x| x < t1);
        j.saturating_sub(i)
    }

    /// The largest value in force during `[t0, t1)`, if any.
    pub fn max(&self, t0: u64, t1: u64) -> Option<u8> {
        let i = self.times.partition_point(|&x| x <= t0);
        let j = self.times.partition_point(|&x| x < t1);
        let start = self.at(t0);
        if i >= j {
            return start;
        }
        Some(start.unwrap_or(0).max(self.range_max(i, j)))
    }

    /// Maximum of `values[i..j]` (non-empty): partial blocks scanned, whole blocks looked up.
    fn range_max(&self, i: usize, j: usize) -> u8 {
        let first_full = i.div_ceil(BLOCK);
        let last_full = j / BLOCK;
        if first_full >= last_full {
            return self.values[i..j].iter().copied().max().unwrap_or(0);
        }
        let head = self.values[i..first_full * BLOCK].iter().copied().max();
        let mid = self.block_max[first_full..last_full].iter().copied().max();
        let tail = self.values[last_full * BLOCK..j].iter().copied().max();
        head.max(mid).max(tail).unwrap_or(0)
    }

    /// Number of change points.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True if no value was ever set.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    fn heap_bytes(&self) -> usize {
        8 * self.times.capacity() + self.values.capacity() + self.block_max.capacity()
    }
}

/// A timeline lane: what the CPU (or the ISR) was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    /// C interrupt service routines.
    Isr,
    /// Soft callbacks (and hard handlers).
    Callback,
    /// The main program.
    Main,
    /// Sleeping or waiting in the idle loop.
    Idle,
}

/// The asyncio task lanes of `trace` (run slices from the task events; facts §5).
fn task_lanes(trace: &Trace, end: u64) -> Vec<TaskLane> {
    use crate::trace::TaskEv;
    let mut lanes: Vec<TaskLane> = Vec::new();
    let mut open: BTreeMap<u32, u64> = BTreeMap::new();
    let lane_of = |lanes: &mut Vec<TaskLane>, task: u32| -> usize {
        match lanes.iter().position(|l| l.task == task) {
            Some(i) => i,
            None => {
                lanes.push(TaskLane {
                    task,
                    ..TaskLane::default()
                });
                lanes.len() - 1
            }
        }
    };
    for e in &trace.events {
        match e.kind {
            Kind::TaskName { task, offset, len } => {
                let i = lane_of(&mut lanes, task);
                lanes[i].name = trace.text_of(offset, len).to_string();
            }
            Kind::Task { task, ev, .. } => {
                let i = lane_of(&mut lanes, task);
                let t = e.at.as_ns();
                match ev {
                    TaskEv::Resumed => {
                        open.insert(task, t);
                    }
                    TaskEv::Suspended | TaskEv::Finished | TaskEv::Failed | TaskEv::Cancelled => {
                        if let Some(t0) = open.remove(&task) {
                            lanes[i].spans.push(t0, t);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for (task, t0) in open {
        if let Some(l) = lanes.iter_mut().find(|l| l.task == task) {
            l.spans.push(t0, end);
        }
    }
    for l in &mut lanes {
        l.spans.finish();
    }
    lanes
}

/// The parts of one hardware event (`IrqRaised.event` number), as event indices or [`NONE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventParts {
    /// The `IsrRun`.
    pub isr: u32,
    /// The `CallbackQueued`, `CallbackDropped` or `IrqCoalesced`.
    pub queued: u32,
    /// The `CallbackStart`/`HardStart`.
    pub start: u32,
    /// The `CallbackEnd`/`HardEnd`.
    pub end: u32,
}

impl EventParts {
    const EMPTY: EventParts = EventParts {
        isr: NONE,
        queued: NONE,
        start: NONE,
        end: NONE,
    };
}

/// The index of one trace.
#[derive(Clone, Debug, Default)]
pub struct TraceIndex {
    /// C ISR spans.
    pub isr: Spans,
    /// Soft callback spans.
    pub callback: Spans,
    /// Main program spans.
    pub main: Spans,
    /// Idle spans.
    pub idle: Spans,
    /// Schedule queue depth over time.
    pub queue: Steps,
    /// Times of dropped callbacks (queue full, or merged while masked).
    pub drops: Vec<u64>,
    /// Event indices of the same drops.
    pub drop_events: Vec<u32>,
    /// Level of each pin that ever changed, by GPIO number.
    pub pins: BTreeMap<u8, Steps>,
    /// Event indices of interrupts (`IrqRaised`, and `micropython.schedule` calls).
    pub irqs: Vec<u32>,
    /// The same, per source.
    pub irqs_by_source: BTreeMap<Source, Vec<u32>>,
    /// Event indices where the source line differs from the previous event's.
    pub line_changes: Vec<u32>,
    /// The same, per line changed to (for line breakpoints).
    pub line_events: BTreeMap<u32, Vec<u32>>,
    /// Event indices of console output (`Print`, `Exception`).
    pub prints: Vec<u32>,
    /// Per hardware event number, where its parts are.
    pub parts: Vec<EventParts>,
    /// Time of the last event.
    pub end: u64,
    /// One lane per asyncio task, in creation order: when the loop was running it.
    pub tasks: Vec<TaskLane>,
    /// One lane per hard-handler source (Pyboard), preempting ones first.
    pub hard: Vec<HardLane>,
}

/// The runs of one interrupt source's hard handler (boards with hard IRQs).
#[derive(Clone, Debug, Default)]
pub struct HardLane {
    /// The source.
    pub source: Option<Source>,
    /// From each `HardStart` to its `HardEnd` (a preempted handler's span includes the time
    /// the preempting one ran, which shows in its own lane above: nesting).
    pub spans: Spans,
    /// The deepest nesting it ran at (1: it interrupted code; 2: it preempted a handler).
    pub max_depth: usize,
}

/// The hard-handler lanes of `trace`, most preempting first (the order priorities showed).
fn hard_lanes(trace: &Trace) -> Vec<HardLane> {
    let mut lanes: Vec<HardLane> = Vec::new();
    let mut open: Vec<(Source, u64)> = Vec::new();
    for e in &trace.events {
        match e.kind {
            Kind::HardStart { source, .. } => {
                open.push((source, e.at.as_ns()));
                let depth = open.len();
                match lanes.iter_mut().find(|l| l.source == Some(source)) {
                    Some(l) => l.max_depth = l.max_depth.max(depth),
                    None => lanes.push(HardLane {
                        source: Some(source),
                        spans: Spans::default(),
                        max_depth: depth,
                    }),
                }
            }
            Kind::HardEnd { source, .. } => {
                if let Some(k) = open.iter().rposition(|(s, _)| *s == source) {
                    let (_, from) = open.remove(k);
                    if let Some(l) = lanes.iter_mut().find(|l| l.source == Some(source)) {
                        l.spans.push(from, e.at.as_ns());
                    }
                }
            }
            _ => {}
        }
    }
    for l in &mut lanes {
        l.spans.finish();
    }
    lanes.sort_by_key(|l| (std::cmp::Reverse(l.max_depth), l.source));
    lanes
}

/// The run slices of one asyncio task.
#[derive(Clone, Debug, Default)]
pub struct TaskLane {
    /// The trace's task number.
    pub task: u32,
    /// The coroutine's name (empty until its `TaskName` event).
    pub name: String,
    /// From each `Resumed` to the following suspend or end.
    pub spans: Spans,
}

impl TraceIndex {
    /// How the TUI names asyncio task `task` (the trace's number): its number in creation
    /// order, as `irqlab run`'s task table numbers it, then its coroutine's name — `3 blocker`
    /// (several tasks often run the same coroutine).
    pub fn task_label(&self, task: u32) -> Option<String> {
        let i = self.tasks.iter().position(|l| l.task == task)?;
        let name = &self.tasks[i].name;
        Some(format!("{} {name}", i + 1).trim_end().to_string())
    }

    /// Indexes `trace` in one pass.
    pub fn new(trace: &Trace) -> TraceIndex {
        let mut ix = TraceIndex {
            parts: vec![EventParts::EMPTY; trace.event_times.len()],
            ..TraceIndex::default()
        };
        let mut ctx = CtxTracker::default();
        let mut depth = 0u8;
        let mut prev_line = None;
        for (i, e) in trace.events.iter().enumerate() {
            let i = i as u32;
            ctx.step(&mut ix, e);
            if prev_line != Some(e.line) {
                ix.line_changes.push(i);
                ix.line_events.entry(e.line).or_default().push(i);
                prev_line = Some(e.line);
            }
            ix.record(i, e, &mut depth);
        }
        ix.end = trace.events.last().map_or(0, |e| e.at.as_ns());
        ix.tasks = task_lanes(trace, ix.end);
        ix.hard = hard_lanes(trace);
        ctx.close(&mut ix);
        for s in [&mut ix.isr, &mut ix.callback, &mut ix.main, &mut ix.idle] {
            s.finish();
        }
        ix.queue.finish();
        for p in ix.pins.values_mut() {
            p.finish();
        }
        for v in [
            &mut ix.irqs,
            &mut ix.line_changes,
            &mut ix.prints,
            &mut ix.drop_events,
        ] {
            v.shrink_to_fit();
        }
        ix.drops.shrink_to_fit();
        for v in ix.irqs_by_source.values_mut() {
            v.shrink_to_fit();
        }
        for v in ix.line_events.values_mut() {
            v.shrink_to_fit();
        }
        ix.parts.shrink_to_fit();
        ix
    }

    fn record(&mut self, i: u32, e: &TraceEvent, depth: &mut u8) {
        let t = e.at.as_ns();
        match e.kind {
            Kind::IrqRaised { source, .. }
            | Kind::CallbackQueued {
                source: source @ Source::Schedule,
                ..
            } => {
                self.irqs.push(i);
                self.irqs_by_source.entry(source).or_default().push(i);
            }
            _ => {}
        }
        match e.kind {
            Kind::IsrRun {
                event, duration_ns, ..
            } => {
                self.isr.push(t, t + duration_ns);
                self.part(event).isr = i;
            }
            Kind::CallbackQueued {
                event, depth: d, ..
            } => {
                *depth = d;
                self.queue.push(t, d);
                self.part(event).queued = i;
            }
            Kind::CallbackDropped { event, .. } | Kind::IrqCoalesced { event, .. } => {
                self.drops.push(t);
                self.drop_events.push(i);
                self.part(event).queued = i;
            }
            Kind::CallbackStart { event, .. } => {
                *depth = depth.saturating_sub(1);
                self.queue.push(t, *depth);
                self.part(event).start = i;
            }
            Kind::HardStart { event, .. } => self.part(event).start = i,
            Kind::CallbackEnd { event, .. } | Kind::HardEnd { event, .. } => {
                self.part(event).end = i;
            }
            Kind::PinLevel { pin, level, .. } => self.pins.entry(pin).or_default().push(t, level),
            Kind::Print { .. } | Kind::Exception { .. } => self.prints.push(i),
            _ => {}
        }
    }

    fn part(&mut self, event: u32) -> &mut EventParts {
        let n = event as usize;
        if n >= self.parts.len() {
            self.parts.resize(n + 1, EventParts::EMPTY);
        }
        &mut self.parts[n]
    }

    /// The spans of a lane.
    pub fn lane(&self, lane: Lane) -> &Spans {
        match lane {
            Lane::Isr => &self.isr,
            Lane::Callback => &self.callback,
            Lane::Main => &self.main,
            Lane::Idle => &self.idle,
        }
    }

    /// Number of drops in `[t0, t1)`.
    pub fn drops_in(&self, t0: u64, t1: u64) -> usize {
        let i = self.drops.partition_point(|&x| x < t0);
        let j = self.drops.partition_point(|&x| x < t1);
        j.saturating_sub(i)
    }

    /// Heap memory held by the index, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let spans: usize = [&self.isr, &self.callback, &self.main, &self.idle]
            .iter()
            .map(|s| s.heap_bytes())
            .sum();
        let pins: usize = self.pins.values().map(Steps::heap_bytes).sum();
        let by_source: usize = self.irqs_by_source.values().map(|v| 4 * v.capacity()).sum();
        let by_line: usize = self.line_events.values().map(|v| 4 * v.capacity()).sum();
        spans
            + pins
            + by_source
            + by_line
            + self.queue.heap_bytes()
            + 8 * self.drops.capacity()
            + 4 * (self.irqs.capacity()
                + self.line_changes.capacity()
                + self.prints.capacity()
                + self.drop_events.capacity())
            + std::mem::size_of::<EventParts>() * self.parts.capacity()
    }
}

/// Follows what the CPU is doing, as `analysis::summarize` does: the main program (or the idle
/// loop after it) at the base, callbacks and waits stacked on top.
struct CtxTracker {
    stack: Vec<Ctx>,
    since: u64,
}

impl Default for CtxTracker {
    fn default() -> CtxTracker {
        CtxTracker {
            stack: vec![Ctx::Main],
            since: 0,
        }
    }
}

impl CtxTracker {
    fn top(&self) -> Ctx {
        *self.stack.last().expect("the context stack keeps its base")
    }

    fn step(&mut self, ix: &mut TraceIndex, e: &TraceEvent) {
        let before = self.top();
        match e.kind {
            Kind::CallbackStart { .. } => self.stack.push(Ctx::Callback),
            // Hard handlers have their own lanes (`hard_lanes`).
            Kind::HardStart { .. } => self.stack.push(Ctx::HardIrq),
            Kind::IdleStart => self.stack.push(Ctx::Idle),
            Kind::CallbackEnd { .. } | Kind::HardEnd { .. } | Kind::IdleEnd
                if self.stack.len() > 1 =>
            {
                self.stack.pop();
            }
            Kind::IdleLoop => self.stack[0] = Ctx::Idle,
            _ => {}
        }
        if self.top() != before {
            let t = e.at.as_ns();
            Self::emit(ix, before, self.since, t);
            self.since = t;
        }
    }

    fn close(&mut self, ix: &mut TraceIndex) {
        Self::emit(ix, self.top(), self.since, ix.end);
    }

    fn emit(ix: &mut TraceIndex, ctx: Ctx, from: u64, to: u64) {
        let spans = match ctx {
            Ctx::Main => &mut ix.main,
            Ctx::Callback => &mut ix.callback,
            Ctx::HardIrq => return,
            Ctx::Idle => &mut ix.idle,
            Ctx::Isr => &mut ix.isr,
        };
        spans.push(from, to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;

    // Hard handlers get a lane per source, the preempting one first, each span from its start
    // to its end (the preempted one's includes the nested run); the callback lane keeps only
    // soft callbacks.
    #[test]
    fn hard_handlers_nest_in_their_own_lanes() {
        let mut t = Trace::new(100);
        let (t4, t5) = (Source::Timer(4), Source::Timer(5));
        let mut at = |ns: u64, kind: Kind| t.push(SimTime(ns), Ctx::HardIrq, 1, kind);
        at(
            0,
            Kind::HardStart {
                source: t4,
                event: 0,
            },
        );
        at(
            10,
            Kind::HardStart {
                source: t5,
                event: 1,
            },
        );
        at(
            20,
            Kind::HardEnd {
                source: t5,
                event: 1,
            },
        );
        at(
            30,
            Kind::HardEnd {
                source: t4,
                event: 0,
            },
        );
        at(
            40,
            Kind::CallbackStart {
                source: t4,
                event: 2,
            },
        );
        at(
            50,
            Kind::CallbackEnd {
                source: t4,
                event: 2,
            },
        );
        let ix = TraceIndex::new(&t);
        let order: Vec<_> = ix.hard.iter().map(|l| (l.source, l.max_depth)).collect();
        assert_eq!(order, [(Some(t5), 2), (Some(t4), 1)]);
        assert_eq!(ix.hard[0].spans.covered(0, 100), 10);
        assert_eq!(ix.hard[1].spans.covered(0, 100), 30);
        assert_eq!(ix.callback.covered(0, 100), 10, "only the soft callback");
    }

    // Coverage clips spans at the query's edges and adds whole spans by prefix sums.
    #[test]
    fn spans_cover_by_prefix_sums() {
        let mut s = Spans::default();
        s.push(10, 20);
        s.push(30, 40);
        s.push(40, 45); // touches: merged
        s.finish();
        assert_eq!(s.len(), 2);
        assert_eq!(s.covered(0, 100), 25);
        assert_eq!(s.covered(15, 35), 10);
        assert_eq!(s.covered(20, 30), 0);
        assert_eq!(s.covered(44, 46), 1);
    }

    // Range maxima agree with a linear scan over many block boundaries.
    #[test]
    fn steps_max_matches_scan() {
        let mut s = Steps::default();
        for i in 0..2000u64 {
            s.push(i * 10, ((i * 7919) % 9) as u8);
        }
        s.finish();
        for (t0, t1) in [(0, 5), (5, 25), (995, 20_000), (2555, 7777), (100, 2660)] {
            let scan = (0..2000u64)
                .filter(|i| i * 10 < t1)
                .filter(|i| (i + 1) * 10 > t0)
                .map(|i| ((i * 7919) % 9) as u8)
                .max();
            assert_eq!(s.max(t0, t1), scan, "{t0}..{t1}");
        }
    }

    /// A pin edge during a sleep whose callback runs after the sleep: main 0-10, idle 10-30
    /// (ISR 20-25, callback queued at 25), callback 40-50, main to 60.
    fn sleep_with_callback() -> Trace {
        let mut t = Trace::new(100);
        let src = Source::Pin(4);
        t.event_times.push(SimTime(20));
        let ev = [
            (0, Ctx::Main, Kind::ProgramStart),
            (10, Ctx::Idle, Kind::IdleStart),
            (
                20,
                Ctx::Idle,
                Kind::IrqRaised {
                    source: src,
                    event: 0,
                },
            ),
            (
                20,
                Ctx::Isr,
                Kind::IsrRun {
                    source: src,
                    event: 0,
                    duration_ns: 5,
                },
            ),
            (
                25,
                Ctx::Isr,
                Kind::CallbackQueued {
                    source: src,
                    event: 0,
                    depth: 1,
                },
            ),
            (30, Ctx::Idle, Kind::IdleEnd),
            (
                40,
                Ctx::Callback,
                Kind::CallbackStart {
                    source: src,
                    event: 0,
                },
            ),
            (
                50,
                Ctx::Callback,
                Kind::CallbackEnd {
                    source: src,
                    event: 0,
                },
            ),
            (60, Ctx::Main, Kind::ProgramEnd { ok: true }),
        ];
        for (at, ctx, kind) in ev {
            t.push(SimTime(at), ctx, 1, kind);
        }
        t
    }

    // A callback during a sleep splits the idle span and pushes/pops the queue depth.
    #[test]
    fn contexts_and_queue_follow_the_events() {
        let ix = TraceIndex::new(&sleep_with_callback());
        assert_eq!(ix.idle.covered(0, 100), 20);
        assert_eq!(ix.callback.covered(0, 100), 10);
        assert_eq!(ix.main.covered(0, 100), 30);
        assert_eq!(ix.isr.covered(0, 100), 5);
        assert_eq!(ix.queue.max(0, 100), Some(1));
        assert_eq!(ix.queue.at(45), Some(0));
        assert_eq!(ix.irqs, vec![2]);
        assert_eq!(
            ix.parts[0],
            EventParts {
                isr: 3,
                queued: 4,
                start: 6,
                end: 7
            }
        );
    }
}
