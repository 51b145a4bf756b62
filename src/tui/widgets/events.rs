//! The events pane: the trace's text form around the cursor, one event per row (time, context,
//! source line, description), the selected event marked — what `irqlab run --timeline` prints,
//! scrolled to the cursor. Costs one row of work per visible row.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::detail::{ctx_name, describe};
use crate::trace::Kind;
use crate::tui::app::App;

/// The events around the cursor.
pub struct Events<'a> {
    /// The model.
    pub app: &'a App,
}

impl Widget for Events<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let th = app.theme;
        let block = Block::bordered().title(Span::styled(" events ", th.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        let h = inner.height as usize;
        let n = app.n_events();
        // The cursor a third of the way down, as in the source pane.
        let first = app.cursor.saturating_sub(h / 3).min(n.saturating_sub(h));
        let events = &app.trace().events;
        let lines: Vec<Line> = (first..(first + h).min(n))
            .map(|i| {
                let e = &events[i];
                let line = if e.line == 0 {
                    "L-".to_string()
                } else {
                    format!("L{}", e.line)
                };
                let text = format!(
                    "{:>12} {:<8} {line:<4} {}",
                    e.at.to_string(),
                    ctx_name(e.ctx),
                    describe(app.trace(), &e.kind)
                );
                let style = match e.kind {
                    _ if i == app.cursor => th.cursor(),
                    Kind::CallbackDropped { .. } | Kind::IrqCoalesced { .. } => th.drop(),
                    Kind::IsrRun { .. } | Kind::IrqRaised { .. } => th.isr(),
                    Kind::CallbackStart { .. } | Kind::CallbackEnd { .. } => th.callback(),
                    _ => th.dim(),
                };
                let mark = if i == app.cursor { "▶" } else { " " };
                let body = format!("{text:<w$}", w = inner.width.saturating_sub(1) as usize);
                Line::from(vec![Span::raw(mark), Span::styled(body, style)])
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }
}
