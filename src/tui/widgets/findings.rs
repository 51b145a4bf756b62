//! The findings pane: the run's race and ISR-rule findings (`analysis::findings::all`, the
//! same list as `irqlab run --findings`), one row each, errors first; under the selected one
//! its message, its interleaving step by step (time, context, line, what it did) and the
//! remedy. `f`/`F` select and move the cursor to the first step; the source pane numbers the
//! steps' lines.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::analysis::findings::{Finding, Severity, Who};
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// The findings list.
pub struct Findings<'a> {
    /// The model.
    pub app: &'a App,
}

/// A context in a few characters: `main`, `task #3`, `cb pin 4`, `hard timer 4`, `isr`, `idle`.
pub fn short_who(who: Who) -> String {
    match who {
        Who::Main => "main".into(),
        Who::Task(t) => format!("task #{t}"),
        Who::Callback(s) => format!("cb {s}"),
        Who::HardIrq(s) => format!("hard {s}"),
        Who::Isr => "isr".into(),
        Who::Idle => "idle".into(),
    }
}

impl Widget for Findings<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let th = app.theme;
        let title = match app.finding {
            Some(i) => format!(" findings {}/{} ", i + 1, app.findings.len()),
            None => format!(" findings {} ", app.findings.len()),
        };
        let block = Block::bordered().title(Span::styled(title, th.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        if app.findings.is_empty() {
            Paragraph::new(Span::styled("no findings in this run", th.dim())).render(inner, buf);
            return;
        }
        let mut lines: Vec<Line> = Vec::new();
        // Step times only where they fit on the step's row.
        let wide = inner.width >= 64;
        let sel = app.finding;
        // The list scrolls so that the selected finding is the first row shown.
        let first = sel.unwrap_or(0);
        for (i, f) in app.findings.iter().enumerate().skip(first) {
            let selected = sel == Some(i);
            let mark = if selected { "▶" } else { " " };
            let sev = match f.severity() {
                Severity::Error => Span::styled("E ", th.drop()),
                Severity::Warning => Span::styled("W ", th.callback()),
            };
            let times = if f.count == 1 {
                String::new()
            } else {
                format!(" ×{}", f.count)
            };
            let row = format!("{} {}{times}", f.rule.name(), f.subject);
            let style = if selected { th.cursor() } else { th.title() };
            lines.push(Line::from(vec![
                Span::raw(mark),
                sev,
                Span::styled(row, style),
            ]));
            if selected {
                selected_lines(f, th, wide, &mut lines);
            }
        }
        if sel.is_none() {
            lines.insert(
                0,
                Line::from(Span::styled(
                    "f: select, cursor to its interleaving",
                    th.dim(),
                )),
            );
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}

/// The selected finding's interleaving (what the source pane numbers), then its sentence and
/// the remedy; step times only where they fit on the step's row (`wide`).
fn selected_lines(f: &Finding, th: Theme, wide: bool, lines: &mut Vec<Line<'static>>) {
    for (k, st) in f.steps.iter().enumerate() {
        let line = if st.line == 0 {
            "    ".to_string()
        } else {
            format!("L{:<3}", st.line)
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", k + 1), th.drop()),
            Span::styled(format!("{line} {:<8} ", short_who(st.who)), th.dim()),
            Span::raw(st.what.clone()),
            Span::styled(
                if wide {
                    format!("  {}", st.at)
                } else {
                    String::new()
                },
                th.dim(),
            ),
        ]));
    }
    lines.push(Line::from(f.message.clone()));
    lines.push(Line::from(Span::styled(
        format!("fix: {}", f.remedy),
        th.main(),
    )));
}
