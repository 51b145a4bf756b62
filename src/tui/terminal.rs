//! The terminal: raw mode and the alternate screen on entry, restored on exit and on panic.
//!
//! [`install_panic_hook`] takes the restore function as a parameter so that a test can check
//! it runs before the previous hook prints the panic message, without a real terminal.

use std::io::{self, Stdout};

use crossterm::ExecutableCommand as _;
use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal the TUI draws on.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Enters raw mode and the alternate screen, after installing the restoring panic hook.
pub fn init() -> io::Result<Tui> {
    install_panic_hook(restore);
    let res = enter();
    if res.is_err() {
        restore();
    }
    res
}

fn enter() -> io::Result<Tui> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    out.execute(EnterAlternateScreen)?
        .execute(EnableMouseCapture)?
        .execute(Hide)?;
    Terminal::new(CrosstermBackend::new(out))
}

/// Leaves the alternate screen and raw mode. Safe to call twice; errors are ignored because
/// this also runs while panicking.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = out.execute(DisableMouseCapture);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(Show);
}

/// Chains a panic hook that calls `restore` first, then the hook that was installed before
/// (which prints the message on the now normal screen).
pub fn install_panic_hook(restore: fn()) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static RESTORED: AtomicUsize = AtomicUsize::new(0);

    fn fake_restore() {
        RESTORED.fetch_add(1, Ordering::SeqCst);
    }

    // A panic runs the restore function; the hook is put back afterwards.
    #[test]
    fn panic_hook_restores_the_terminal() {
        let before = RESTORED.load(Ordering::SeqCst);
        let saved = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep the test output quiet
        install_panic_hook(fake_restore);
        let res = std::panic::catch_unwind(|| panic!("boom"));
        let _ = std::panic::take_hook();
        std::panic::set_hook(saved);
        assert!(res.is_err());
        assert_eq!(RESTORED.load(Ordering::SeqCst), before + 1);
    }
}
