//! The screen's layout: where each pane goes for an [`App`] on a terminal of a given size, and
//! which simulated time a screen cell of the waveform shows. Pure, so the mouse (`message`)
//! and the drawing (`view`) agree on it without depending on each other.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

use super::app::{App, Side};
use super::widgets::LABEL_W;
use super::widgets::timeline::{columns, lane_rows};

/// The smallest terminal the layout is made for.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal height.
pub const MIN_HEIGHT: u16 = 24;

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
    /// Latency pane (`None` when the findings take its place on a narrow screen).
    pub latency: Option<Rect>,
    /// Findings pane (`None` when the latency takes its place on a narrow screen).
    pub findings: Option<Rect>,
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
    let timeline_h = lane_rows(app) + n_tasks + n_pins + 1 + 2;
    let rest = body.height.saturating_sub(timeline_h);
    let bottom_h = (rest / 2).clamp(7, if area.height >= 50 { 13 } else { 9 });
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
    let (detail, latency, findings) = if area.width >= 160 {
        let [d, l, f] = Layout::horizontal([
            Constraint::Percentage(34),
            Constraint::Percentage(28),
            Constraint::Percentage(38),
        ])
        .areas(bottom);
        (d, Some(l), Some(f))
    } else {
        let [d, side] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(bottom);
        match app.side {
            Side::Latency => (d, Some(side), None),
            Side::Findings => (d, None, Some(side)),
        }
    };
    Areas {
        timeline,
        n_tasks,
        n_pins,
        source,
        console,
        events,
        detail,
        latency,
        findings,
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
