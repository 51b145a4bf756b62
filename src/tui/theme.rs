//! Styles of the TUI, with and without colour (`NO_COLOR`).
//!
//! Every pane asks the theme instead of naming colours, so that with colour off the screen
//! still says everything through glyphs, bold and reverse video.

use ratatui::style::{Color, Modifier, Style};

/// The palette in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// False when `NO_COLOR` is set: only modifiers are used.
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// C ISR spans.
    pub fn isr(self) -> Style {
        self.fg(Color::Red)
    }
    /// Soft callback spans.
    pub fn callback(self) -> Style {
        self.fg(Color::Yellow)
    }
    /// Main program spans.
    pub fn main(self) -> Style {
        self.fg(Color::Green)
    }
    /// Idle spans.
    pub fn idle(self) -> Style {
        self.fg(Color::DarkGray)
    }
    /// Schedule queue depth.
    pub fn queue(self) -> Style {
        self.fg(Color::Blue)
    }
    /// Dropped events and failures.
    pub fn drop(self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }
    /// Pin waveforms.
    pub fn pin(self) -> Style {
        self.fg(Color::Cyan)
    }
    /// The cursor column and the highlighted source line.
    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    /// Labels and secondary text.
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::Gray)
        } else {
            Style::new()
        }
    }
    /// Titles and emphasis.
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    /// The status bar.
    pub fn status(self) -> Style {
        if self.color {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // With NO_COLOR no style sets a colour; the cursor and the drops stay visible by modifiers.
    #[test]
    fn no_color_uses_modifiers_only() {
        let th = Theme { color: false };
        let all = [
            th.isr(),
            th.callback(),
            th.main(),
            th.idle(),
            th.queue(),
            th.drop(),
            th.pin(),
            th.cursor(),
            th.dim(),
            th.title(),
            th.status(),
        ];
        for s in all {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
        assert!(th.drop().add_modifier.contains(Modifier::BOLD));
        assert!(th.cursor().add_modifier.contains(Modifier::REVERSED));
        assert_eq!(Theme { color: true }.isr().fg, Some(Color::Red));
    }
}
