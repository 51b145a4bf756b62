//! The console pane: what the program printed up to the cursor, newest line at the bottom.
//!
//! Walks back from the last print at or before the cursor (found by binary search) only as far
//! as the pane is high, so its cost does not grow with the trace.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::trace::Kind;
use crate::tui::app::App;

/// Most prints looked at per frame (a program printing without newlines).
const MAX_PRINTS: usize = 512;

/// The console output up to the cursor.
pub struct Console<'a> {
    /// The model.
    pub app: &'a App,
}

/// The last `n` lines printed by events `0..=cursor`.
pub fn tail(app: &App, cursor: usize, n: usize) -> Vec<String> {
    let trace = app.trace();
    let k = app.index.prints.partition_point(|&i| i as usize <= cursor);
    let mut chunks = Vec::new();
    let mut newlines = 0;
    for &i in app.index.prints[..k].iter().rev().take(MAX_PRINTS) {
        if let Kind::Print { offset, len } | Kind::Exception { offset, len } =
            trace.events[i as usize].kind
        {
            let text = trace.text_of(offset, len);
            newlines += text.matches('\n').count();
            chunks.push(text);
            if newlines > n {
                break;
            }
        }
    }
    let text: String = chunks.into_iter().rev().collect();
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(n);
    lines[skip..].iter().map(|l| l.to_string()).collect()
}

impl Widget for Console<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let k = app
            .index
            .prints
            .partition_point(|&i| i as usize <= app.cursor);
        let title = format!(" console  {k}/{} prints ", app.index.prints.len());
        let block = Block::bordered().title(Span::styled(title, app.theme.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        let lines: Vec<Line> = tail(app, app.cursor, inner.height as usize)
            .into_iter()
            .map(Line::from)
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }
}
