//! The pins pane: a digital waveform per GPIO pin that changed level, on the timeline's
//! columns.
//!
//! A column shows `▔` (high) or `▁` (low) for the level at its start, `│` when the level
//! changed once inside it and `▒` when it changed more often (contact bounce at a wide zoom).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::timeline::{columns, mark_cursor};
use super::{Columns, LABEL_W, draw_label};
use crate::tui::app::App;
use crate::tui::index::Steps;

/// The waveforms, one row per pin (as many as fit).
pub struct Pins<'a> {
    /// The model.
    pub app: &'a App,
}

/// The glyph of one column of a pin's waveform.
pub fn wave_glyph(pin: &Steps, t0: u64, t1: u64) -> char {
    match pin.changes(t0, t1) {
        0 => match pin.at(t0) {
            Some(0) => '▁',
            Some(_) => '▔',
            None => ' ',
        },
        1 => '│',
        _ => '▒',
    }
}

fn draw_wave(buf: &mut Buffer, area: Rect, y: u16, cols: Columns, pin: &Steps, app: &App) {
    for c in 0..cols.n {
        let (t0, t1) = cols.range(c);
        buf[(area.x + LABEL_W + c, y)]
            .set_char(wave_glyph(pin, t0, t1))
            .set_style(app.theme.pin());
    }
}

impl Widget for Pins<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let cols = columns(app, area);
        for (row, (n, pin)) in app.index.pins.iter().enumerate() {
            let y = area.y + row as u16;
            if y >= area.bottom() {
                break;
            }
            let level = pin
                .at(app.cursor_ns())
                .map_or('-', |l| if l == 0 { '0' } else { '1' });
            draw_label(buf, area, y, &format!("pin {n} {level}"), app.theme.dim());
            draw_wave(buf, area, y, cols, pin, app);
        }
        mark_cursor(buf, area, cols, app.cursor_ns(), app);
    }
}
