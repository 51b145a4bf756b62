//! The TUI's model: one finished run and the view state over it (The Elm Architecture).
//!
//! [`App`] owns the recorded [`Trace`], its [`TraceIndex`] and summary, and the view state:
//! the cursor (an event index), the visible time window, the mode (normal, help, prompt).
//! Only the `update` module changes it; the `view` module reads it.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::findings::{self, Finding, Thresholds};
use crate::analysis::{Summary, summarize};
use crate::trace::{Ctx, Source, Trace};

use super::index::TraceIndex;
use super::theme::Theme;

/// The widths of the visible time window, smallest first (1-2-5 steps, 10 µs to 100 s).
pub const ZOOM_LEVELS_NS: [u64; 22] = [
    10_000,
    20_000,
    50_000,
    100_000,
    200_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    20_000_000,
    50_000_000,
    100_000_000,
    200_000_000,
    500_000_000,
    1_000_000_000,
    2_000_000_000,
    5_000_000_000,
    10_000_000_000,
    20_000_000_000,
    50_000_000_000,
    100_000_000_000,
];

/// Playback shows one window width of simulated time in this many wall-clock seconds.
pub const PLAY_SECONDS_PER_WINDOW: u64 = 10;

/// Number of bins of each latency histogram.
pub const HISTOGRAM_BINS: usize = 12;

/// A finished run, as the TUI needs it.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// The trace.
    pub trace: Trace,
    /// The program's text (for the source pane).
    pub source: String,
    /// What ran: the scenario's name or the program's file name.
    pub name: String,
    /// The seed used.
    pub seed: u64,
    /// The board's name.
    pub board: String,
    /// How the run ended (`finished`, `time-limit`, ...).
    pub outcome: String,
    /// What was run (to run it again, e.g. for the bytecode inspector).
    pub spec: crate::run::RunSpec,
}

/// What keys mean right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Navigation keys.
    Normal,
    /// The help overlay is shown; any key closes it.
    Help,
    /// Typing into a one-line prompt in the status bar.
    Prompt(PromptKind, String),
}

/// What a prompt asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// A time to jump to (`g`), ignoring breakpoints.
    Jump,
    /// A time to run to (`r`), stopping at the first breakpoint on the way.
    RunTo,
    /// A breakpoint to toggle (`B`): a line number, or an interrupt source (`pin 4`, `timer 0`).
    Break,
}

/// How fast simulated time goes while playing (replay) or running (live).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speed {
    /// One window width of simulated time per [`PLAY_SECONDS_PER_WINDOW`] of wall time.
    Window,
    /// Simulated nanoseconds per million wall-clock nanoseconds (1 000 000 is real time).
    PerMillion(u64),
    /// As fast as the simulation goes (replay: straight to the end).
    Max,
}

impl Speed {
    /// The status bar's name: `1/1000×`, `1×`, `100×`, `max`, `auto` (the window pace).
    pub fn label(self) -> String {
        match self {
            Speed::Window => "auto".into(),
            Speed::Max => "max".into(),
            Speed::PerMillion(p) if p >= 1_000_000 => format!("{}×", p / 1_000_000),
            Speed::PerMillion(p) => format!("1/{}×", 1_000_000 / p.max(1)),
        }
    }
}

/// The speeds `<` and `>` step through, slowest first.
pub const SPEEDS: [Speed; 12] = [
    Speed::PerMillion(1),
    Speed::PerMillion(10),
    Speed::PerMillion(100),
    Speed::PerMillion(1_000),
    Speed::PerMillion(10_000),
    Speed::PerMillion(100_000),
    Speed::PerMillion(1_000_000),
    Speed::PerMillion(10_000_000),
    Speed::PerMillion(100_000_000),
    Speed::PerMillion(1_000_000_000),
    Speed::Max,
    Speed::Window,
];

/// Index of real time (1×) in [`SPEEDS`], the live mode's first speed.
pub const SPEED_REAL_TIME: usize = 6;
/// Index of the window pace in [`SPEEDS`], the replay's first speed.
pub const SPEED_WINDOW: usize = 11;

/// The state of live mode (`irqlab tui --live`).
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// Simulated time shown so far, ns: events at or before it are revealed.
    pub now_ns: u64,
    /// True while the user paused the live clock.
    pub paused: bool,
    /// The newest chunk from the simulation thread (its events before `horizon_ns` are final).
    pub chunk: Option<Recording>,
    /// Up to where the chunk is final, ns (`u64::MAX` once the full run arrived).
    pub horizon_ns: u64,
    /// True once the full run arrived.
    pub done: bool,
    /// True while the live clock waits at the horizon for the next chunk.
    pub waiting: bool,
    /// Stop (pause) when the live clock reaches this, ns (`r` in live mode).
    pub run_to_ns: Option<u64>,
}

/// Breakpoints: playing, running live, `c` and `r` stop at the first event that hits one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breakpoints {
    /// Source lines: hit when the main program's line changes to one of them.
    pub lines: BTreeSet<u32>,
    /// Interrupt sources: hit when one raises an interrupt.
    pub sources: BTreeSet<Source>,
}

impl Breakpoints {
    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.sources.is_empty()
    }
}

/// The pane right of the event detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Latency statistics.
    Latency,
    /// The findings list.
    Findings,
}

/// The bytecode op executing at a moment, from a deterministic re-run (see `tui::ops`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// Simulated time when the op was charged, ns.
    pub at_ns: u64,
    /// The CPU context.
    pub ctx: Ctx,
    /// Its source line.
    pub line: u32,
    /// The code object's name (`<module>`, `tick`, ...).
    pub code: String,
    /// Op index in the code object.
    pub ip: u32,
    /// The disassembly around it (as `irqlab disasm` prints it) and the index of its row.
    pub listing: Vec<String>,
    /// Row of `listing` that is the op.
    pub row: usize,
}

/// Work the event loop does for `update` (which stays pure): the result comes back as a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Re-run the simulation to the first op charged at or after this time (ns) and report it.
    OpAt(u64),
}

/// Latency histogram of one source: equal-width bins from its minimum to its maximum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Samples per bin.
    pub bins: Vec<u32>,
    /// Smallest sample (the first bin's lower edge), ns.
    pub lo_ns: u64,
    /// Largest sample, ns.
    pub hi_ns: u64,
}

impl Histogram {
    /// Bins `samples` (nanoseconds) into [`HISTOGRAM_BINS`] bins between their extremes.
    pub fn of(samples: &[u64]) -> Histogram {
        let bins = vec![0u32; HISTOGRAM_BINS];
        let (Some(&lo), Some(&hi)) = (samples.iter().min(), samples.iter().max()) else {
            return Histogram {
                bins,
                lo_ns: 0,
                hi_ns: 0,
            };
        };
        let mut h = Histogram {
            bins,
            lo_ns: lo,
            hi_ns: hi,
        };
        for &s in samples {
            let b = h.bin_of(s);
            h.bins[b] += 1;
        }
        h
    }

    /// The bin a latency of `ns` falls into (clamped to the first and last bins).
    pub fn bin_of(&self, ns: u64) -> usize {
        let width = (self.hi_ns - self.lo_ns).max(1) as u128;
        let b =
            (ns.saturating_sub(self.lo_ns) as u128 * HISTOGRAM_BINS as u128 / (width + 1)) as usize;
        b.min(HISTOGRAM_BINS - 1)
    }

    /// The latencies bin `b` holds: `[lo, hi)` in ns (the last bin includes the largest).
    pub fn range_ns(&self, b: usize) -> (u64, u64) {
        let width = (self.hi_ns - self.lo_ns).max(1) as u128 + 1;
        let edge =
            |k: usize| self.lo_ns + (k as u128 * width).div_ceil(HISTOGRAM_BINS as u128) as u64;
        (edge(b), edge(b + 1))
    }
}

/// The whole TUI state.
pub struct App {
    /// The run being viewed.
    pub rec: Recording,
    /// Its index.
    pub index: TraceIndex,
    /// Its summary (the same numbers as `irqlab run`'s report).
    pub summary: Summary,
    /// Latency histogram per source.
    pub histograms: BTreeMap<Source, Histogram>,
    /// The program's lines.
    pub source_lines: Vec<String>,
    /// The selected event (index into the trace); 0 when the trace is empty.
    pub cursor: usize,
    /// Start of the visible time window, in ns.
    pub view_start_ns: u64,
    /// Index into [`ZOOM_LEVELS_NS`].
    pub zoom: usize,
    /// Key mode.
    pub mode: Mode,
    /// A one-line message in the status bar (errors of the jump prompt).
    pub message: Option<String>,
    /// Set by `Quit`.
    pub quit: bool,
    /// True while playing back.
    pub playing: bool,
    /// Simulated time of the playhead, ns (the cursor is the last event at or before it).
    pub playhead_ns: u64,
    /// Colours or not.
    pub theme: Theme,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// Live mode's state (`None` in replay).
    pub live: Option<Live>,
    /// Breakpoints.
    pub breakpoints: Breakpoints,
    /// The run's findings (races and ISR rules), errors first.
    pub findings: Vec<Finding>,
    /// The selected finding.
    pub finding: Option<usize>,
    /// The pane next to the detail on narrow screens.
    pub side: Side,
    /// The bytecode op at the cursor, once stepped to (`s`).
    pub op: Option<OpInfo>,
    /// The selected latency-histogram bar (`x`/`X`): its source and bin. While one is
    /// selected, `}`/`{` step through the interrupts whose latency falls into it.
    pub bar: Option<(Source, usize)>,
    /// Work for the event loop (set by `update`, taken by the loop).
    pub request: Option<Request>,
}

/// What [`App`] derives from a recording (rebuilt when live mode reveals more).
struct Derived {
    index: TraceIndex,
    summary: Summary,
    histograms: BTreeMap<Source, Histogram>,
    source_lines: Vec<String>,
    findings: Vec<Finding>,
}

fn derive(rec: &Recording) -> Derived {
    let index = TraceIndex::new(&rec.trace);
    let summary = summarize(&rec.trace);
    let histograms = summary
        .sources
        .iter()
        .map(|(s, ss)| (*s, Histogram::of(&ss.latency_samples_ns)))
        .collect();
    let source_lines = rec.source.lines().map(str::to_owned).collect();
    let findings = findings::all(&rec.trace, &Thresholds::default());
    Derived {
        index,
        summary,
        histograms,
        source_lines,
        findings,
    }
}

impl App {
    /// The view of a finished run, zoomed to show all of it, cursor on the first event.
    pub fn new(rec: Recording, color: bool) -> App {
        let Derived {
            index,
            summary,
            histograms,
            source_lines,
            findings,
        } = derive(&rec);
        let zoom = ZOOM_LEVELS_NS
            .iter()
            .position(|&z| z >= index.end)
            .unwrap_or(ZOOM_LEVELS_NS.len() - 1);
        App {
            rec,
            index,
            summary,
            histograms,
            source_lines,
            cursor: 0,
            view_start_ns: 0,
            zoom,
            mode: Mode::Normal,
            message: None,
            quit: false,
            playing: false,
            playhead_ns: 0,
            theme: Theme { color },
            speed: SPEED_WINDOW,
            live: None,
            breakpoints: Breakpoints::default(),
            side: Side::Latency,
            findings,
            finding: None,
            op: None,
            bar: None,
            request: None,
        }
    }

    /// An empty live view of `spec` (whose full run lasts `limit_ns`), waiting for the
    /// simulation thread's first chunk; the window shows the whole run as it fills in.
    pub fn live(spec: crate::run::RunSpec, limit_ns: u64, color: bool) -> App {
        let rec = Recording {
            name: spec
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
            outcome: "running".into(),
            spec,
            ..Recording::default()
        };
        let mut app = App::new(rec, color);
        app.zoom = ZOOM_LEVELS_NS
            .iter()
            .position(|&z| z >= limit_ns)
            .unwrap_or(ZOOM_LEVELS_NS.len() - 1);
        app.speed = SPEED_REAL_TIME;
        app.live = Some(Live::default());
        app
    }

    /// Replaces the recording (live mode reveals more of the run), keeping the view state; the
    /// cursor stays on the same event index.
    pub fn set_recording(&mut self, rec: Recording) {
        let d = derive(&rec);
        self.rec = rec;
        self.index = d.index;
        self.summary = d.summary;
        self.histograms = d.histograms;
        self.source_lines = d.source_lines;
        self.findings = d.findings;
        self.finding = self.finding.filter(|&f| f < self.findings.len());
        self.cursor = self.cursor.min(self.n_events().saturating_sub(1));
    }

    /// The current speed.
    pub fn speed(&self) -> Speed {
        SPEEDS[self.speed]
    }

    /// The trace.
    pub fn trace(&self) -> &Trace {
        &self.rec.trace
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.rec.trace.events.len()
    }

    /// Time of the cursor, in ns.
    pub fn cursor_ns(&self) -> u64 {
        self.rec
            .trace
            .events
            .get(self.cursor)
            .map_or(0, |e| e.at.as_ns())
    }

    /// The moment the screen shows, in ns: the stepped op's time after `s` (between two
    /// events), else the cursor's event time.
    pub fn moment_ns(&self) -> u64 {
        self.op
            .as_ref()
            .map_or_else(|| self.cursor_ns(), |o| o.at_ns)
    }

    /// Up to where the run is known, in ns: live mode's clock until the full run is shown
    /// (nothing after it has happened yet), else `None` (the whole run).
    pub fn known_until_ns(&self) -> Option<u64> {
        let live = self.live.as_ref()?;
        self.live_finished().is_none().then_some(live.now_ns)
    }

    /// The recording of a finished live run (everything revealed), if it is finished.
    pub fn live_finished(&self) -> Option<&Recording> {
        let live = self.live.as_ref()?;
        let chunk = live.chunk.as_ref()?;
        (live.done && self.n_events() == chunk.trace.events.len()).then_some(chunk)
    }

    /// Width of the visible time window, in ns.
    pub fn span_ns(&self) -> u64 {
        ZOOM_LEVELS_NS[self.zoom]
    }

    /// Simulated nanoseconds that pass in `wall_ns` of wall-clock time at the app's speed.
    pub fn sim_step_ns(&self, wall_ns: u64) -> u64 {
        let step = match self.speed() {
            Speed::Window => {
                wall_ns as u128 * self.span_ns() as u128
                    / (PLAY_SECONDS_PER_WINDOW as u128 * 1_000_000_000)
            }
            Speed::PerMillion(p) => wall_ns as u128 * p as u128 / 1_000_000,
            Speed::Max => u64::MAX as u128,
        };
        step.min(u64::MAX as u128) as u64
    }

    /// Keeps time `t` in the window, paging it along (playback and live mode).
    pub fn follow(&mut self, t: u64) {
        let span = self.span_ns();
        if t < self.view_start_ns || t >= self.view_start_ns + span {
            self.view_start_ns = t.saturating_sub(span / 4);
        }
    }

    /// The main-program line at the cursor (0 if unknown).
    pub fn cursor_line(&self) -> u32 {
        self.rec.trace.events.get(self.cursor).map_or(0, |e| e.line)
    }

    /// The index of the last event at or before `t_ns` (0 if none).
    pub fn event_at(&self, t_ns: u64) -> usize {
        self.rec
            .trace
            .events
            .partition_point(|e| e.at.as_ns() <= t_ns)
            .saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Samples spread over the bins with the extremes in the first and last.
    #[test]
    fn histogram_bins_between_extremes() {
        let h = Histogram::of(&[10, 10, 20, 110]);
        assert_eq!(h.bins.len(), HISTOGRAM_BINS);
        assert_eq!(h.bins[0], 2);
        assert_eq!(h.bins[HISTOGRAM_BINS - 1], 1);
        assert_eq!(h.bins.iter().sum::<u32>(), 4);
        assert_eq!(Histogram::of(&[]).bins.iter().sum::<u32>(), 0);
    }
}
