//! The source pane: the program's text, scrolled so that the line of the event at the cursor
//! (or of the stepped bytecode op) is in view, with that line highlighted.
//!
//! The gutter after the line number (and a space) marks breakpoints (`●`) and numbers the lines of the
//! selected finding's interleaving (`1`, `2`, … in step order; those lines are drawn in the
//! drop style), so a race reads as "main reads here, the callback writes there, main writes
//! here".

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
        let line = app.op.as_ref().map_or(app.cursor_line(), |o| o.line) as usize;
        let steps = app
            .finding
            .and_then(|i| app.findings.get(i))
            .map(|f| f.steps.as_slice())
            .unwrap_or(&[]);
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
                let n = i as u32 + 1;
                let mark = if i + 1 == line { '▶' } else { ' ' };
                let step = steps.iter().position(|s| s.line == n);
                let gutter = match step {
                    Some(k) => char::from_digit((k as u32 + 1).min(9), 10).unwrap_or('+'),
                    None if app.breakpoints.lines.contains(&n) => '●',
                    None => ' ',
                };
                let gutter_style = if step.is_some() || gutter == '●' {
                    th.drop()
                } else {
                    th.dim()
                };
                let number = Span::styled(format!("{n:>3} "), th.dim());
                let gutter = Span::styled(format!("{gutter}{mark}"), gutter_style);
                let body = if i + 1 == line {
                    Span::styled(format!("{text:<w$}", w = inner.width as usize), th.cursor())
                } else if step.is_some() {
                    Span::styled(text.as_str(), th.drop())
                } else {
                    Span::raw(text.as_str())
                };
                Line::from(vec![number, gutter, body])
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }
}
