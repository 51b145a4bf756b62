//! The TUI's model: one finished run and the view state over it (The Elm Architecture).
//!
//! [`App`] owns the recorded [`Trace`], its [`TraceIndex`] and summary, and the view state:
//! the cursor (an event index), the visible time window, the mode (normal, help, prompt).
//! Only [`super::update::update`] changes it; [`super::view::view`] reads it.

use std::collections::BTreeMap;

use crate::analysis::{Summary, summarize};
use crate::trace::{Source, Trace};

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
}

/// What keys mean right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Navigation keys.
    Normal,
    /// The help overlay is shown; any key closes it.
    Help,
    /// Typing a time to jump to (`g`).
    JumpPrompt(String),
}

/// Latency histogram of one source: equal-width bins from its minimum to its maximum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Samples per bin.
    pub bins: Vec<u32>,
}

impl Histogram {
    /// Bins `samples` (nanoseconds) into [`HISTOGRAM_BINS`] bins between their extremes.
    pub fn of(samples: &[u64]) -> Histogram {
        let mut bins = vec![0u32; HISTOGRAM_BINS];
        let (Some(&lo), Some(&hi)) = (samples.iter().min(), samples.iter().max()) else {
            return Histogram { bins };
        };
        let width = (hi - lo).max(1) as u128;
        for &s in samples {
            let b = ((s - lo) as u128 * HISTOGRAM_BINS as u128 / (width + 1)) as usize;
            bins[b.min(HISTOGRAM_BINS - 1)] += 1;
        }
        Histogram { bins }
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
}

impl App {
    /// The view of a finished run, zoomed to show all of it, cursor on the first event.
    pub fn new(rec: Recording, color: bool) -> App {
        let index = TraceIndex::new(&rec.trace);
        let summary = summarize(&rec.trace);
        let histograms = summary
            .sources
            .iter()
            .map(|(s, ss)| (*s, Histogram::of(&ss.latency_samples_ns)))
            .collect();
        let source_lines = rec.source.lines().map(str::to_owned).collect();
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
        }
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

    /// Width of the visible time window, in ns.
    pub fn span_ns(&self) -> u64 {
        ZOOM_LEVELS_NS[self.zoom]
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
