//! The event detail pane: the event at the cursor and, when it belongs to a numbered hardware
//! event, that event's latency breakdown: what the edge preempted (the context and line it
//! found running), edge → ISR → queued → callback start → end → the asyncio task the callback
//! woke resumed, each relative to the edge's exact time (`Trace::event_times`). After a
//! bytecode step (`s`) it shows the op instead: its code object, index, line, context and the
//! disassembly around it. When the pane is too short for the breakdown, the event takes one
//! line and the breakdown keeps its last row (the resumed task) and the selected event's row.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::human;
use crate::trace::{Ctx, Kind, TaskEv, Trace, TraceEvent, WaitOn};
use crate::tui::app::App;
use crate::tui::index::{EventParts, NONE};

/// The selected event and its breakdown.
pub struct Detail<'a> {
    /// The model.
    pub app: &'a App,
}

/// The hardware event number an event belongs to, if any.
pub fn event_number(kind: &Kind) -> Option<u32> {
    match *kind {
        Kind::IrqRaised { event, .. }
        | Kind::IrqMasked { event, .. }
        | Kind::IsrRun { event, .. }
        | Kind::IrqCoalesced { event, .. }
        | Kind::CallbackQueued { event, .. }
        | Kind::CallbackDropped { event, .. }
        | Kind::CallbackStart { event, .. }
        | Kind::CallbackEnd { event, .. }
        | Kind::HardStart { event, .. }
        | Kind::HardEnd { event, .. } => Some(event),
        _ => None,
    }
}

/// One line describing an event: the trace's own timeline text, so the TUI and
/// `irqlab run --timeline` always say the same thing.
pub fn describe(trace: &Trace, kind: &Kind) -> String {
    trace.describe(kind)
}

/// The context's name as the trace's text form writes it.
pub fn ctx_name(ctx: Ctx) -> &'static str {
    match ctx {
        Ctx::Main => "main",
        Ctx::Callback => "callback",
        Ctx::Isr => "isr",
        Ctx::HardIrq => "hard-irq",
        Ctx::Idle => "idle",
    }
}

/// The breakdown lines of hardware event `n`; `cursor` marks the row of the selected event.
pub fn breakdown(app: &App, n: u32, cursor: usize) -> Vec<Line<'static>> {
    let trace = app.trace();
    let th = app.theme;
    let Some(t0) = trace.event_times.get(n as usize).map(|t| t.as_ns()) else {
        return Vec::new();
    };
    let parts = parts_of(app, n);
    let at = |i: u32| {
        trace
            .events
            .get(i as usize)
            .map(|e: &TraceEvent| e.at.as_ns())
    };
    let rel = |i: u32| at(i).map(|t| format!("+{}", human(t.saturating_sub(t0))));
    let mut rows: Vec<(u32, String, String, Style)> = Vec::new();
    let during = match preempted(trace, n, t0) {
        Some((Ctx::Idle, _)) => "  during idle".to_string(),
        Some((ctx, 0)) => format!("  during {}", ctx_name(ctx)),
        Some((ctx, line)) => format!("  during {} L{line}", ctx_name(ctx)),
        None => String::new(),
    };
    rows.push((
        NONE,
        "edge".into(),
        format!("{}{during}", human(t0)),
        th.pin(),
    ));
    if let Some(r) = rel(parts.isr) {
        let dur = match trace.events[parts.isr as usize].kind {
            Kind::IsrRun { duration_ns, .. } => format!("  ran {}", human(duration_ns)),
            _ => String::new(),
        };
        rows.push((parts.isr, "isr".into(), format!("{r}{dur}"), th.isr()));
    }
    if let Some(r) = rel(parts.queued) {
        let (label, extra, style) = match trace.events[parts.queued as usize].kind {
            Kind::CallbackQueued { depth, .. } => {
                ("queued", format!("  depth {depth}"), th.queue())
            }
            Kind::IrqCoalesced { .. } => ("merged", "  LOST (masked)".into(), th.drop()),
            _ => ("DROPPED", "  queue full".into(), th.drop()),
        };
        rows.push((parts.queued, label.into(), format!("{r}{extra}"), style));
    }
    if let Some(r) = rel(parts.start) {
        rows.push((
            parts.start,
            "start".into(),
            format!("{r}  latency"),
            th.callback(),
        ));
    }
    if let (Some(r), Some(s), Some(e)) = (rel(parts.end), at(parts.start), at(parts.end)) {
        let ran = format!("{r}  ran {}", human(e.saturating_sub(s)));
        rows.push((parts.end, "end".into(), ran, th.callback()));
        if let Some((i, task)) = task_resumed(trace, parts.start, parts.end)
            && let Some(r) = rel(i)
        {
            let who = app
                .index
                .task_label(task)
                .unwrap_or_else(|| format!("#{task}"));
            rows.push((i, "resumed".into(), format!("{r}  task {who}"), th.main()));
        }
    }
    lines(rows, cursor)
}

/// The indexed parts of hardware event `n` (all [`NONE`] if it has none).
fn parts_of(app: &App, n: u32) -> EventParts {
    app.index
        .parts
        .get(n as usize)
        .copied()
        .unwrap_or(EventParts {
            isr: NONE,
            queued: NONE,
            start: NONE,
            end: NONE,
        })
}

/// The breakdown's rows (event index, label, text, style) as lines, `cursor`'s row marked.
fn lines(rows: Vec<(u32, String, String, Style)>, cursor: usize) -> Vec<Line<'static>> {
    rows.into_iter()
        .map(|(i, label, text, style)| {
            let mark = if i as usize == cursor { "▶" } else { " " };
            Line::from(vec![
                Span::styled(format!("{mark}{label:<8}"), style),
                Span::raw(text),
            ])
        })
        .collect()
}

/// Events looked at when following a callback to the task it woke (bounded work per frame).
const MAX_SCAN: usize = 4096;

/// The context and line hardware event `n` (raised at `t0`) interrupted: its `IrqRaised`
/// record's own context and line.
pub fn preempted(trace: &Trace, n: u32, t0: u64) -> Option<(Ctx, u32)> {
    let from = trace.events.partition_point(|e| e.at.as_ns() < t0);
    trace.events[from..]
        .iter()
        .take(MAX_SCAN)
        .take_while(|e| e.at.as_ns() == t0)
        .find(|e| matches!(e.kind, Kind::IrqRaised { event, .. } if event == n))
        .map(|e| (e.ctx, e.line))
}

/// If the callback between events `start` and `end` set a `ThreadSafeFlag`, the event where a
/// task woken by that flag was next resumed, and the task.
pub fn task_resumed(trace: &Trace, start: u32, end: u32) -> Option<(u32, u32)> {
    let (start, end) = (start as usize, end as usize);
    let flag = trace
        .events
        .get(start..=end)?
        .iter()
        .find_map(|e| match e.kind {
            Kind::FlagSet { flag } => Some(flag),
            _ => None,
        })?;
    let mut woken = None;
    for (i, e) in trace.events.iter().enumerate().skip(end).take(MAX_SCAN) {
        match e.kind {
            Kind::Task {
                task,
                ev: TaskEv::Woken,
                on: WaitOn::Flag { flag: f },
            } if woken.is_none() && (f == flag || f == 0) => woken = Some(task),
            Kind::Task {
                task,
                ev: TaskEv::Resumed,
                ..
            } if woken == Some(task) => return Some((i as u32, task)),
            _ => {}
        }
    }
    None
}

/// The stepped op: where it is and the disassembly around it.
fn op_lines(app: &App) -> Vec<Line<'static>> {
    let th = app.theme;
    let Some(op) = &app.op else {
        return Vec::new();
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(crate::time::SimTime(op.at_ns).to_string(), th.title()),
        Span::styled(
            format!(
                "  {}  L{}  op {} of {}",
                ctx_name(op.ctx),
                op.line,
                op.ip,
                op.code
            ),
            th.dim(),
        ),
    ])];
    for (k, row) in op.listing.iter().enumerate() {
        let (mark, style) = if k == op.row {
            ("▶", th.cursor())
        } else {
            (" ", th.dim())
        };
        lines.push(Line::from(vec![
            Span::raw(mark),
            Span::styled(row.trim_start().to_string(), style),
        ]));
    }
    lines
}

impl Widget for Detail<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let th = app.theme;
        if app.op.is_some() {
            let block =
                Block::bordered().title(Span::styled(" bytecode (s: next op) ", th.title()));
            let inner = block.inner(area);
            block.render(area, buf);
            Paragraph::new(op_lines(app)).render(inner, buf);
            return;
        }
        let title = format!(" event {}/{} ", app.cursor + 1, app.n_events());
        let block = Block::bordered().title(Span::styled(title, th.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        let Some(e) = app.trace().events.get(app.cursor) else {
            Paragraph::new("empty trace").render(inner, buf);
            return;
        };
        let line = if e.line == 0 {
            "L-".to_string()
        } else {
            format!("L{}", e.line)
        };
        let rows = match event_number(&e.kind) {
            Some(n) => breakdown(app, n, app.cursor),
            None => Vec::new(),
        };
        let room = inner.height as usize;
        let head = Span::styled(e.at.to_string(), th.title());
        let at = Span::styled(format!("  {}  {line}", ctx_name(e.ctx)), th.dim());
        let what = describe(app.trace(), &e.kind);
        let mut lines = if rows.len() + 2 <= room {
            vec![Line::from(vec![head, at]), Line::from(what)]
        } else {
            // Short of rows: the event on one line, then as much of the breakdown as fits.
            vec![Line::from(vec![head, at, Span::raw(format!("  {what}"))])]
        };
        let marked = rows.iter().position(|l| l.to_string().starts_with('▶'));
        lines.extend(fit(rows, room.saturating_sub(lines.len()), marked));
        Paragraph::new(lines).render(inner, buf);
    }
}

/// At most `room` of the breakdown's `rows`: all if they fit, else the last (where the chain
/// ends: the callback's end or the task it woke) after the latest run of rows that still
/// includes the `marked` one (the selected event's).
fn fit<T>(mut rows: Vec<T>, room: usize, marked: Option<usize>) -> Vec<T> {
    if rows.len() <= room {
        return rows;
    }
    if room == 0 {
        return Vec::new();
    }
    let last = rows.pop().expect("more rows than room");
    let n = room - 1;
    let latest = rows.len() - n;
    let first = marked.map_or(latest, |m| latest.min(m));
    let mut out: Vec<T> = rows.into_iter().skip(first).take(n).collect();
    out.push(last);
    out
}

#[cfg(test)]
mod tests {
    use super::fit;

    // Rows that fit all show; else the last row stays and the window before it ends as late
    // as it can while keeping the marked row.
    #[test]
    fn fit_keeps_the_last_and_the_marked_row() {
        let rows: Vec<u32> = (0..6).collect();
        assert_eq!(fit(rows.clone(), 6, Some(0)), rows);
        assert_eq!(fit(rows.clone(), 4, Some(3)), [2, 3, 4, 5]);
        assert_eq!(fit(rows.clone(), 4, Some(0)), [0, 1, 2, 5]);
        assert_eq!(fit(rows.clone(), 4, Some(5)), [2, 3, 4, 5]);
        assert_eq!(fit(rows.clone(), 4, None), [2, 3, 4, 5]);
        assert_eq!(fit(rows.clone(), 1, Some(2)), [5]);
        assert!(fit(rows, 0, Some(2)).is_empty());
    }
}
