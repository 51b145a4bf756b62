//! `view`: draws the [`App`] into a frame. Layout only; every pane is a widget in `widgets/`.
//!
//! ```text
//! ┌ timeline ─────────────────────────────┐   lanes, pins, time axis
//! ├ source ───────────┬ console ──────────┤   (≥ 160 columns: source │ events │ console)
//! ├ events ───────────┴───────────────────┤   (≥ 36 rows)
//! ├ event ────────────┬ latency or findings┤   (≥ 160 columns: event │ latency │ findings)
//! status bar
//! ```

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

pub use super::layout::{Areas, MIN_HEIGHT, MIN_WIDTH, layout, time_at};

use super::app::{App, Mode, PromptKind};
use super::message::KEYS;
use super::widgets::console::Console;
use super::widgets::detail::Detail;
use super::widgets::events::Events;
use super::widgets::findings::Findings;
use super::widgets::human;
use super::widgets::latency::Latency;
use super::widgets::pins::Pins;
use super::widgets::source::Source;
use super::widgets::timeline::{Axis, Timeline, lane_rows};

/// Draws the whole screen.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    draw(app, area, frame.buffer_mut());
}

/// Draws the whole screen into `buf` (what [`view`] does; callable without a terminal).
pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal {}x{} is too small: irqlab tui needs {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        Paragraph::new(msg).render(area, buf);
        return;
    }
    let a = layout(app, area);
    draw_timeline(app, a.timeline, a.n_tasks, a.n_pins, buf);
    Source { app }.render(a.source, buf);
    Console { app }.render(a.console, buf);
    if let Some(events) = a.events {
        Events { app }.render(events, buf);
    }
    Detail { app }.render(a.detail, buf);
    if let Some(r) = a.latency {
        Latency { app }.render(r, buf);
    }
    if let Some(r) = a.findings {
        Findings { app }.render(r, buf);
    }
    draw_status(app, a.status, buf);
    if app.mode == Mode::Help {
        draw_help(app, area, buf);
    }
}

fn draw_timeline(app: &App, area: Rect, n_tasks: u16, n_pins: u16, buf: &mut Buffer) {
    let mut title = format!(" {} ", app.rec.name);
    if app.trace().n_dropped > 0 {
        // The trace hit its size limit: say so, the view ends early.
        title.push_str(&format!(
            "— trace full, {} later events not recorded ",
            app.trace().n_dropped
        ));
    }
    let block = Block::bordered().title(Span::styled(title, app.theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let [lanes, tasks, pins, axis] = Layout::vertical([
        Constraint::Length(lane_rows(app)),
        Constraint::Length(n_tasks),
        Constraint::Length(n_pins),
        Constraint::Length(1),
    ])
    .areas(inner);
    Timeline { app }.render(lanes, buf);
    crate::tui::widgets::timeline::TaskLanes { app }.render(tasks, buf);
    Pins { app }.render(pins, buf);
    Axis { app }.render(axis, buf);
}

/// The status bar's left part: mode, simulated time, speed, seed, board, how the run ended.
pub fn status_text(app: &App) -> String {
    let finished = super::live_update::finished(app).is_some();
    let mode = match &app.live {
        Some(_) if finished => "LIVE done",
        Some(l) if l.paused => "LIVE ‖",
        Some(l) if l.waiting => "LIVE …sim",
        Some(_) => "LIVE ▶",
        None if app.playing => "REPLAY ▶",
        None => "REPLAY",
    };
    let t = match &app.live {
        Some(_) if finished => app.moment_ns(),
        Some(l) => l.now_ns.max(app.moment_ns()),
        None if app.playing => app.playhead_ns,
        None => app.moment_ns(),
    };
    let n_breaks = app.breakpoints.lines.len() + app.breakpoints.sources.len();
    let mut parts = vec![
        format!(" {mode}"),
        format!("t={}", crate::time::SimTime(t)),
        format!("speed {}", app.speed().label()),
        format!("seed {}", app.rec.seed),
        app.rec.board.clone(),
    ];
    if n_breaks > 0 {
        parts.push(format!("●{n_breaks}"));
    }
    parts.push(format!("zoom {}", human(app.span_ns())));
    parts.push(app.rec.outcome.clone());
    parts.join("  ")
}

/// [`status_text`] cut to `width` columns by leaving out its last parts (how the run ended,
/// the zoom) first.
fn status_fit(app: &App, width: usize) -> String {
    let mut parts: Vec<String> = status_text(app).split("  ").map(str::to_owned).collect();
    while parts.len() > 2 && parts.join("  ").chars().count() > width {
        parts.pop();
    }
    parts.join("  ")
}

fn draw_status(app: &App, area: Rect, buf: &mut Buffer) {
    let th = app.theme;
    let left = match (&app.mode, &app.message) {
        (Mode::Prompt(kind, text), _) => {
            let what = match kind {
                PromptKind::Jump => "jump to time",
                PromptKind::RunTo => "run to time",
                PromptKind::Break => "breakpoint (12, pin 4, timer 0)",
            };
            format!(" {what}: {text}▏ (Enter, Esc)")
        }
        (_, Some(msg)) => format!(" {msg}"),
        _ => status_fit(app, (area.width as usize).saturating_sub(17)),
    };
    let right = "space run/pause  <> speed  s op  f finding  b break  ? help  q quit ";
    let short = "? help  q quit ";
    buf.set_style(area, th.status());
    buf.set_string(area.x, area.y, &left, th.status());
    let lw = left.chars().count() as u16;
    for hint in [right, short] {
        let rw = hint.chars().count() as u16;
        if area.width > lw + rw {
            buf.set_string(area.right() - rw, area.y, hint, th.status());
            break;
        }
    }
}

fn draw_help(app: &App, area: Rect, buf: &mut Buffer) {
    // One column if it fits, else two side by side.
    let n_cols: usize = if KEYS.len() as u16 + 4 <= area.height {
        1
    } else {
        2
    };
    let rows = KEYS.len().div_ceil(n_cols);
    let w = if n_cols == 1 { 58 } else { area.width }.min(area.width);
    let h = (rows as u16 + 4).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(rect, buf);
    let block = Block::bordered().title(Span::styled(" keys ", app.theme.title()));
    let col_w = (w.saturating_sub(2) as usize) / n_cols;
    let key_w = 13.min(col_w);
    let cell = |(k, what): &(&str, &str)| {
        let text: String = what.chars().take(col_w.saturating_sub(key_w + 1)).collect();
        vec![
            Span::styled(format!(" {k:<kw$}", kw = key_w - 1), app.theme.title()),
            Span::raw(format!("{text:<tw$}", tw = col_w - key_w)),
        ]
    };
    let mut lines: Vec<Line> = (0..rows)
        .map(|r| {
            let mut spans = Vec::new();
            for c in 0..n_cols {
                if let Some(k) = KEYS.get(c * rows + r) {
                    spans.extend(cell(k));
                }
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " any key closes this help",
        app.theme.dim(),
    )));
    Paragraph::new(lines).block(block).render(rect, buf);
}
