//! The latency pane: per interrupt source, events and drops, latency min / p50 / p99 / max
//! (hardware event → first bytecode of its callback, as in `irqlab run`'s report) and a small
//! histogram of the latencies.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::tui::app::{App, Histogram};

/// Latency statistics per source.
pub struct Latency<'a> {
    /// The model.
    pub app: &'a App,
}

/// A histogram as a row of bar glyphs, scaled to its largest bin.
pub fn sparkline(h: &Histogram) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = h.bins.iter().copied().max().unwrap_or(0);
    h.bins
        .iter()
        .map(|&b| {
            if b == 0 {
                ' '
            } else {
                BARS[((b as usize * 8).div_ceil(top as usize) - 1).min(7)]
            }
        })
        .collect()
}

/// Microseconds with one decimal.
fn us1(ns: u64) -> String {
    format!("{}.{}", ns / 1_000, (ns % 1_000) / 100)
}

impl Widget for Latency<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let th = app.theme;
        let block = Block::bordered().title(Span::styled(" latency us ", th.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        let mut lines = Vec::new();
        if app.summary.sources.is_empty() {
            lines.push(Line::from("no interrupts"));
        }
        for (source, s) in &app.summary.sources {
            let hist = app
                .histograms
                .get(source)
                .map(sparkline)
                .unwrap_or_default();
            let drop_style = if s.n_dropped > 0 { th.drop() } else { th.dim() };
            let mut spans = vec![
                Span::styled(format!("{:<9}", source.to_string()), th.title()),
                Span::raw(format!("{:>5} ev ", s.n_events)),
                Span::styled(format!("{:>4} drop ", s.n_dropped), drop_style),
            ];
            // The selected bar (`x`) stands out; its interrupts are what `}`/`{` visit.
            match app.bar {
                Some((src, bin)) if src == *source => {
                    let chars: Vec<char> = hist.chars().collect();
                    let part = |r: std::ops::Range<usize>| -> String {
                        chars[r.start.min(chars.len())..r.end.min(chars.len())]
                            .iter()
                            .collect()
                    };
                    spans.push(Span::styled(part(0..bin), th.callback()));
                    spans.push(Span::styled(part(bin..bin + 1), th.cursor()));
                    spans.push(Span::styled(part(bin + 1..chars.len()), th.callback()));
                }
                _ => spans.push(Span::styled(hist, th.callback())),
            }
            lines.push(Line::from(spans));
            let l = &s.latency;
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} / {} / {} / {}",
                    us1(l.min_ns),
                    us1(l.p50_ns),
                    us1(l.p99_ns),
                    us1(l.max_ns)
                ),
                th.dim(),
            )));
        }
        if !app.summary.sources.is_empty() && inner.height as usize > lines.len() {
            lines.push(Line::from(Span::styled(
                format!(
                    "  (min / p50 / p99 / max)  queue max {}",
                    app.summary.max_queue_depth
                ),
                th.dim(),
            )));
        }
        if inner.height as usize > lines.len() {
            lines.push(Line::from(Span::styled(cpu_line(app), th.dim())));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}

/// Where the CPU's time went over the whole run, as shares of it.
fn cpu_line(app: &App) -> String {
    let s = &app.summary;
    let total = (s.main_ns + s.callback_ns + s.isr_ns + s.idle_ns).max(1);
    // Per mille, rounded as the report rounds.
    let pct = |ns: u64| {
        let pm = (ns as u128 * 1000 + total as u128 / 2) / total as u128;
        format!("{}.{}", pm / 10, pm % 10)
    };
    format!(
        "cpu% main {} cb {} isr {} idle {}",
        pct(s.main_ns),
        pct(s.callback_ns),
        pct(s.isr_ns),
        pct(s.idle_ns)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // The tallest bin gets the full block; empty bins are blank.
    #[test]
    fn sparkline_scales_to_the_largest_bin() {
        let h = Histogram {
            bins: vec![0, 1, 2, 4],
            lo_ns: 0,
            hi_ns: 0,
        };
        assert_eq!(sparkline(&h), " ▂▄█");
    }

    // Bins split [lo, hi] evenly: every sample lands in the bin whose range holds it, and the
    // extremes in the first and last bins.
    #[test]
    fn bins_and_their_ranges_agree() {
        let samples: Vec<u64> = (0..200).map(|k| 1_000 + k * 37).collect();
        let h = Histogram::of(&samples);
        assert_eq!(h.bins.iter().sum::<u32>(), 200);
        assert_eq!(h.bin_of(h.lo_ns), 0);
        assert_eq!(h.bin_of(h.hi_ns), crate::tui::app::HISTOGRAM_BINS - 1);
        for &s in &samples {
            let (lo, hi) = h.range_ns(h.bin_of(s));
            assert!(lo <= s && s < hi, "{s} not in [{lo}, {hi})");
        }
    }
}
