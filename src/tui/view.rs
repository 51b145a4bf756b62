//! `view`: draws the [`App`] into a frame. Layout only; every pane is a widget in `widgets/`.
//!
//! ```text
//! ┌ timeline ─────────────────────────────┐   lanes, pins, time axis
//! ├ source ───────────┬ console ──────────┤   (≥ 160 columns: source │ events │ console)
//! ├ events ───────────┴───────────────────┤   (≥ 36 rows)
//! ├ event ────────────┬ latency ──────────┤
//! status bar
//! ```

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::app::{App, Mode};
use super::message::KEYS;
use super::widgets::LABEL_W;
use super::widgets::console::Console;
use super::widgets::detail::Detail;
use super::widgets::events::Events;
use super::widgets::human;
use super::widgets::latency::Latency;
use super::widgets::pins::Pins;
use super::widgets::source::Source;
use super::widgets::timeline::{Axis, LANE_ROWS, Timeline, columns};

/// The smallest terminal the layout is made for.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal height.
pub const MIN_HEIGHT: u16 = 24;

/// Draws the whole screen.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    draw(app, area, frame.buffer_mut());
}

/// Where the panes go on a screen of at least [`MIN_WIDTH`]×[`MIN_HEIGHT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    /// The timeline block (lanes, pins, axis, border).
    pub timeline: Rect,
    /// Pin rows shown.
    pub n_pins: u16,
    /// Source pane.
    pub source: Rect,
    /// Console pane.
    pub console: Rect,
    /// Events pane (on screens of at least 160 columns or 36 rows).
    pub events: Option<Rect>,
    /// Event detail pane.
    pub detail: Rect,
    /// Number of asyncio task lanes shown in the timeline.
    pub n_tasks: u16,
    /// Latency pane.
    pub latency: Rect,
    /// Status bar.
    pub status: Rect,
}

/// The layout of `area` for `app` (pure: the mouse uses it to find what was clicked).
pub fn layout(app: &App, area: Rect) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let max_pins = if area.height < 30 { 3 } else { 12 };
    let n_pins = (app.index.pins.len() as u16).min(max_pins);
    let max_tasks = if area.height < 30 { 2 } else { 8 };
    let n_tasks = (app.index.tasks.len() as u16).min(max_tasks);
    let timeline_h = LANE_ROWS + n_tasks + n_pins + 1 + 2;
    let rest = body.height.saturating_sub(timeline_h);
    let bottom_h = (rest / 2).clamp(7, 9);
    let [timeline, middle, bottom] = Layout::vertical([
        Constraint::Length(timeline_h),
        Constraint::Min(0),
        Constraint::Length(bottom_h),
    ])
    .areas(body);
    let (source, console, events) = if area.width >= 160 {
        let [s, e, c] = Layout::horizontal([
            Constraint::Percentage(38),
            Constraint::Percentage(37),
            Constraint::Percentage(25),
        ])
        .areas(middle);
        (s, c, Some(e))
    } else if area.height >= 36 {
        let [upper, e] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(middle);
        let [s, c] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(upper);
        (s, c, Some(e))
    } else {
        let [s, c] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(middle);
        (s, c, None)
    };
    let [detail, latency] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    Areas {
        timeline,
        n_tasks,
        n_pins,
        source,
        console,
        events,
        detail,
        latency,
        status,
    }
}

/// The simulated time (ns) shown by the waveform column at screen cell (`x`, `y`), if that cell
/// is one: the end of its slice, so that jumping there selects the slice's last event.
pub fn time_at(app: &App, area: Rect, x: u16, y: u16) -> Option<u64> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let inner = Block::bordered().inner(layout(app, area).timeline);
    let cols = columns(app, inner);
    let c = x.checked_sub(inner.x + LABEL_W).filter(|&c| c < cols.n)?;
    if y < inner.y || y >= inner.bottom() {
        return None;
    }
    Some(cols.range(c).1 - 1)
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
    Latency { app }.render(a.latency, buf);
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
        Constraint::Length(LANE_ROWS),
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

fn draw_status(app: &App, area: Rect, buf: &mut Buffer) {
    let th = app.theme;
    let left = match (&app.mode, &app.message) {
        (Mode::JumpPrompt(text), _) => format!(" jump to time: {text}▏ (Enter, Esc)"),
        (_, Some(msg)) => format!(" {msg}"),
        _ => format!(
            " {}t={}  zoom {}  seed {}  {}  {}",
            if app.playing { "▶ " } else { "" },
            crate::time::SimTime(if app.playing {
                app.playhead_ns
            } else {
                app.cursor_ns()
            }),
            human(app.span_ns()),
            app.rec.seed,
            app.rec.board,
            app.rec.outcome,
        ),
    };
    let right = "←→ event  [] irq  ↑↓ line  +- zoom  g jump  ? help  q quit ";
    buf.set_style(area, th.status());
    buf.set_string(area.x, area.y, &left, th.status());
    let rw = right.chars().count() as u16;
    let lw = left.chars().count() as u16;
    if area.width > lw + rw {
        buf.set_string(area.right() - rw, area.y, right, th.status());
    } else if area.width >= lw + 10 {
        buf.set_string(area.right() - 10, area.y, "? help    ", th.status());
    }
}

fn draw_help(app: &App, area: Rect, buf: &mut Buffer) {
    let w = 56.min(area.width);
    let h = (KEYS.len() as u16 + 4).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(rect, buf);
    let block = Block::bordered().title(Span::styled(" keys ", app.theme.title()));
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<18}"), app.theme.title()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " any key closes this help",
        app.theme.dim(),
    )));
    Paragraph::new(lines).block(block).render(rect, buf);
}
