//! The timeline pane: one lane per context (C ISRs, the schedule queue's depth with drops,
//! soft callbacks, the main program, idle), the cursor column, and a time axis.
//!
//! Each cell shows the share of its time range a context was busy (` ░▒▓█`), so a 7 µs ISR
//! stays visible in a column of a millisecond. Per cell the lanes cost one binary search each
//! ([`crate::tui::index::Spans::covered`]), whatever the zoom.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::{Columns, LABEL_W, draw_label, human};
use crate::trace::Source;
use crate::tui::app::App;
use crate::tui::index::{Lane, NONE, Spans, Steps};

/// Rows the context lanes take (without hard-handler lanes).
pub const LANE_ROWS: u16 = 5;

/// At most this many hard-handler lanes are drawn.
pub const MAX_HARD_LANES: u16 = 4;

/// Rows the lanes of `app` take: one per hard-handler source (Pyboard), then the five context
/// lanes.
pub fn lane_rows(app: &App) -> u16 {
    LANE_ROWS + (app.index.hard.len() as u16).min(MAX_HARD_LANES)
}

/// The context lanes (without the axis).
pub struct Timeline<'a> {
    /// The model.
    pub app: &'a App,
}

/// The time axis row: window start, zoom, window end, and `▲` under the cursor.
pub struct Axis<'a> {
    /// The model.
    pub app: &'a App,
}

/// The columns of `area` right of the labels for the app's window.
pub fn columns(app: &App, area: Rect) -> Columns {
    Columns {
        start: app.view_start_ns,
        span: app.span_ns(),
        n: area.width.saturating_sub(LABEL_W),
    }
}

/// The glyph for a busy share of `covered` out of `width`.
pub fn shade(covered: u64, width: u64) -> char {
    if covered == 0 {
        return ' ';
    }
    match covered.saturating_mul(4) / width.max(1) {
        0 => '░',
        1 => '▒',
        2 => '▓',
        _ => '█',
    }
}

/// The glyph for a queue depth out of `capacity`.
pub fn level_glyph(depth: u8, capacity: u8) -> char {
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let i = (depth as usize * 8).div_ceil(capacity.max(1) as usize);
    BARS[i.min(8)]
}

impl Widget for Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let th = app.theme;
        let cols = columns(app, area);
        // Hard handlers on top, preempting ones first (their nesting shows priority).
        let n_hard = (app.index.hard.len() as u16).min(MAX_HARD_LANES);
        for (row, lane) in app.index.hard.iter().take(n_hard as usize).enumerate() {
            let y = area.y + row as u16;
            if y >= area.bottom() {
                break;
            }
            let label = match lane.source {
                Some(Source::Timer(n)) => format!("hard t{n}"),
                Some(Source::Pin(n)) => format!("hard p{n}"),
                _ => "hard".to_string(),
            };
            draw_label(buf, area, y, &label, th.dim());
            draw_spans(buf, area, y, cols, &lane.spans, th.isr());
        }
        let full = area;
        let area = Rect {
            y: area.y + n_hard,
            height: area.height.saturating_sub(n_hard),
            ..area
        };
        let lanes: [(&str, Option<Lane>, Style); 5] = [
            ("isr", Some(Lane::Isr), th.isr()),
            ("queue", None, th.queue()),
            ("callback", Some(Lane::Callback), th.callback()),
            ("main", Some(Lane::Main), th.main()),
            ("idle", Some(Lane::Idle), th.idle()),
        ];
        for (row, (label, lane, style)) in lanes.into_iter().enumerate() {
            let y = area.y + row as u16;
            if y >= area.bottom() {
                break;
            }
            let label = match lane {
                None => format!(
                    "{label} {}",
                    app.index.queue.at(app.cursor_ns()).unwrap_or(0)
                ),
                Some(_) => label.to_string(),
            };
            draw_label(buf, area, y, &label, th.dim());
            match lane {
                Some(lane) => draw_spans(buf, area, y, cols, app.index.lane(lane), style),
                None => draw_queue(buf, area, y, cols, app),
            }
        }
        mark_cursor(buf, full, cols, app.moment_ns(), app);
    }
}

/// One lane per asyncio task (under the context lanes): when the loop was running it, labelled
/// with the task's number and coroutine (`2 blocker`, cut with `…` to the label column).
pub struct TaskLanes<'a> {
    /// The model.
    pub app: &'a App,
}

impl Widget for TaskLanes<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let cols = columns(app, area);
        for (row, lane) in app.index.tasks.iter().enumerate() {
            let y = area.y + row as u16;
            if y >= area.bottom() {
                break;
            }
            let label = app.index.task_label(lane.task).unwrap_or_default();
            draw_label(buf, area, y, &cut(&label, LABEL_W), app.theme.dim());
            draw_spans(buf, area, y, cols, &lane.spans, app.theme.main());
        }
    }
}

/// `text` in at most `width` columns, ending in `…` when cut.
fn cut(text: &str, width: u16) -> String {
    let w = width as usize;
    if text.chars().count() <= w {
        return text.to_string();
    }
    let mut s: String = text.chars().take(w.saturating_sub(1)).collect();
    s.push('…');
    s
}

fn draw_spans(buf: &mut Buffer, area: Rect, y: u16, cols: Columns, spans: &Spans, style: Style) {
    for c in 0..cols.n {
        let (t0, t1) = cols.range(c);
        let g = shade(spans.covered(t0, t1), t1 - t0);
        buf[(area.x + LABEL_W + c, y)].set_char(g).set_style(style);
    }
}

fn draw_queue(buf: &mut Buffer, area: Rect, y: u16, cols: Columns, app: &App) {
    let th = app.theme;
    let queue: &Steps = &app.index.queue;
    let capacity = app.summary.max_queue_depth.max(8);
    for c in 0..cols.n {
        let (t0, t1) = cols.range(c);
        let cell = &mut buf[(area.x + LABEL_W + c, y)];
        if app.index.drops_in(t0, t1) > 0 {
            cell.set_char('×').set_style(th.drop());
        } else {
            let d = queue.max(t0, t1).unwrap_or(0);
            cell.set_char(level_glyph(d, capacity))
                .set_style(th.queue());
        }
    }
}

/// Reverses the cursor's column in every row of `area`.
pub fn mark_cursor(buf: &mut Buffer, area: Rect, cols: Columns, t: u64, app: &App) {
    if let Some(c) = cols.col_of(t) {
        for y in area.y..area.bottom() {
            let cell = &mut buf[(area.x + LABEL_W + c, y)];
            let style = cell.style().patch(app.theme.cursor());
            cell.set_style(style);
        }
    }
}

impl Widget for Axis<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let th = app.theme;
        let cols = columns(app, area);
        let y = area.y;
        draw_label(buf, area, y, "time", th.dim());
        let x0 = area.x + LABEL_W;
        let cursor = cols.col_of(app.moment_ns());
        let left = human(app.view_start_ns);
        let right = human(app.view_start_ns + app.span_ns());
        let (lw, rw) = (left.chars().count() as u16, right.chars().count() as u16);
        // A label is left out where the cursor mark would cut it.
        let clear = |from: u16, w: u16| cursor.is_none_or(|c| c + 1 < from || c > from + w);
        if lw < cols.n && clear(0, lw) {
            buf.set_string(x0, y, &left, th.dim());
        }
        if lw + rw + 2 < cols.n && clear(cols.n - rw, rw) {
            buf.set_string(x0 + cols.n - rw, y, &right, th.dim());
        }
        if let Some((from, to)) = latency_range(app) {
            draw_bracket(buf, x0, y, cols, (from, to), th.drop());
        }
        if let Some(c) = cursor {
            buf[(x0 + c, y)].set_char('▲').set_style(th.title());
        }
    }
}

/// For the event at the cursor, if it belongs to a numbered hardware event: the edge's time and
/// when its callback started (or was dropped).
fn latency_range(app: &App) -> Option<(u64, u64)> {
    let e = app.trace().events.get(app.cursor)?;
    let n = super::detail::event_number(&e.kind)?;
    let edge = app.trace().event_times.get(n as usize)?.as_ns();
    let parts = app.index.parts.get(n as usize)?;
    let i = if parts.start != NONE {
        parts.start
    } else {
        parts.queued
    };
    let end = app.trace().events.get(i as usize)?.at.as_ns();
    Some((edge, end))
}

/// `├──┤` from `from` to `to`, clipped to the window.
fn draw_bracket(buf: &mut Buffer, x0: u16, y: u16, cols: Columns, range: (u64, u64), s: Style) {
    let (from, to) = range;
    let window_end = cols.start + cols.span;
    if cols.n == 0 || to < cols.start || from >= window_end {
        return;
    }
    let clip = |t: u64| {
        cols.col_of(t.clamp(cols.start, window_end - 1))
            .unwrap_or(0)
    };
    let (a, b) = (clip(from), clip(to));
    for c in a..=b {
        let g = match c {
            _ if c == a && from >= cols.start => '├',
            _ if c == b && to < window_end => '┤',
            _ => '─',
        };
        buf[(x0 + c, y)].set_char(g).set_style(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Busy shares map to the four shades; depths to eighths of the capacity.
    #[test]
    fn glyphs_scale() {
        assert_eq!(shade(0, 100), ' ');
        assert_eq!(shade(1, 100), '░');
        assert_eq!(shade(50, 100), '▓');
        assert_eq!(shade(100, 100), '█');
        assert_eq!(level_glyph(0, 8), ' ');
        assert_eq!(level_glyph(1, 8), '▁');
        assert_eq!(level_glyph(8, 8), '█');
    }
}
