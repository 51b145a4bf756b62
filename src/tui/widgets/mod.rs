//! The panes, one widget per file, and the time-to-column mapping the timeline and the pin
//! waveforms share so that they line up.

pub mod console;
pub mod detail;
pub mod events;
pub mod findings;
pub mod latency;
pub mod pins;
pub mod source;
pub mod timeline;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::time::SimDuration;

/// Width of the lane labels left of the waveforms.
pub const LABEL_W: u16 = 9;

/// Maps the visible time window onto `n` terminal columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    /// Window start, ns.
    pub start: u64,
    /// Window width, ns.
    pub span: u64,
    /// Number of columns.
    pub n: u16,
}

impl Columns {
    /// The time range `[t0, t1)` of column `c` (never empty).
    pub fn range(self, c: u16) -> (u64, u64) {
        let at =
            |c: u16| self.start + (self.span as u128 * c as u128 / self.n.max(1) as u128) as u64;
        let t0 = at(c);
        (t0, at(c + 1).max(t0 + 1))
    }

    /// The column showing time `t`, if visible.
    pub fn col_of(self, t: u64) -> Option<u16> {
        let off = t.checked_sub(self.start).filter(|&o| o < self.span)?;
        let c = (off as u128 * self.n as u128 / self.span.max(1) as u128) as u16;
        Some(c.min(self.n.saturating_sub(1)))
    }
}

/// Writes `label` into the label column of row `y`, padded to [`LABEL_W`].
pub fn draw_label(buf: &mut Buffer, area: Rect, y: u16, label: &str, style: Style) {
    let w = LABEL_W.min(area.width) as usize;
    let text: String = format!("{label:<w$}").chars().take(w).collect();
    buf.set_string(area.x, y, text, style);
}

/// A duration or instant (since power-on) in the most readable unit.
pub fn human(ns: u64) -> String {
    SimDuration(ns).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Columns tile the window exactly and the cursor column is the one containing its time.
    #[test]
    fn columns_tile_the_window() {
        let c = Columns {
            start: 1000,
            span: 100,
            n: 30,
        };
        assert_eq!(c.range(0).0, 1000);
        assert_eq!(c.range(29).1, 1100);
        for i in 0..29 {
            assert_eq!(c.range(i).1, c.range(i + 1).0);
        }
        assert_eq!(c.col_of(999), None);
        assert_eq!(c.col_of(1000), Some(0));
        assert_eq!(c.col_of(1099), Some(29));
        assert_eq!(c.col_of(1100), None);
        let (t0, t1) = c.range(c.col_of(1050).unwrap());
        assert!(t0 <= 1050 && 1050 < t1);
    }
}
