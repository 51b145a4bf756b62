//! The source pane: the program's text, scrolled so that the line of the event at the cursor
//! is in view, with that line highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::tui::app::App;

/// The program text around the cursor's line.
pub struct Source<'a> {
    /// The model.
    pub app: &'a App,
}

impl Widget for Source<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let th = app.theme;
        let line = app.cursor_line() as usize;
        let title = if line == 0 {
            " source ".to_string()
        } else {
            format!(" source  L{line} ")
        };
        let block = Block::bordered().title(Span::styled(title, th.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        let h = inner.height as usize;
        let n = app.source_lines.len();
        // Put the highlighted line a third of the way down.
        let first = line.saturating_sub(1 + h / 3).min(n.saturating_sub(h));
        let lines: Vec<Line> = app
            .source_lines
            .iter()
            .enumerate()
            .skip(first)
            .take(h)
            .map(|(i, text)| {
                let mark = if i + 1 == line { '▶' } else { ' ' };
                let number = Span::styled(format!("{:>3}{mark}", i + 1), th.dim());
                let body = if i + 1 == line {
                    Span::styled(format!("{text:<w$}", w = inner.width as usize), th.cursor())
                } else {
                    Span::raw(text.as_str())
                };
                Line::from(vec![number, body])
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }
}
