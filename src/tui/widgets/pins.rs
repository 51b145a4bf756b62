//! The pins pane: a digital waveform per GPIO pin that changed level, on the timeline's
//! columns.
//!
//! A column shows `▔` (high) or `▁` (low) for the level at its start, `│` when the level
//! changed once inside it and `▒` when it changed more often (contact bounce at a wide zoom).
//! In live mode columns after the live clock stay blank: that time has not been simulated.

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
    let known = app.known_until_ns().unwrap_or(u64::MAX);
    for c in 0..cols.n {
        let (t0, t1) = cols.range(c);
        if t0 > known {
            break;
        }
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
        mark_cursor(buf, area, cols, app.moment_ns(), app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;
    use crate::trace::{Ctx, Kind, Trace};
    use crate::tui::app::{Live, Recording};

    // Live mode: the waveform stops at the live clock; the run's future is blank, not the
    // last level drawn flat (it was `▔` to the window's end).
    #[test]
    fn live_wave_stops_at_the_live_clock() {
        let mut t = Trace::new(10);
        for (at, level) in [(0u64, 1u8), (2_000_000, 0)] {
            let kind = Kind::PinLevel {
                pin: 4,
                level,
                by_program: true,
            };
            t.push(SimTime(at), Ctx::Main, 1, kind);
        }
        let mut app = App::new(
            Recording {
                trace: t,
                ..Recording::default()
            },
            false,
        );
        app.zoom = crate::tui::app::ZOOM_LEVELS_NS
            .iter()
            .position(|&z| z == 10_000_000)
            .expect("a 10 ms zoom");
        app.view_start_ns = 0;
        let row = |app: &App| {
            let mut buf = Buffer::empty(Rect::new(0, 0, 19, 1));
            Pins { app }.render(buf.area, &mut buf);
            (0..19).map(|x| buf[(x, 0)].symbol()).collect::<String>()
        };
        assert!(row(&app).ends_with("▁▁▁▁▁▁"), "replay: the run is known");
        app.live = Some(Live {
            now_ns: 5_000_000,
            chunk: Some(app.rec.clone()),
            ..Live::default()
        });
        let text = row(&app);
        assert!(text.ends_with("▁▁    "), "{text:?}");
    }
}
