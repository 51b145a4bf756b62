//! The window of `irqlab explore --exhaustive`: the main-program op boundaries inside it,
//! counted by a reference run. The interrupts placed at those boundaries are
//! [`crate::run::inject`]'s (`irqlab run --inject` replays one).
//!
//! Counting works through [`crate::rt::Runtime::set_op_hook`], which rides on the VM's
//! existing deadline check: plain runs install no hook and pay nothing.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::sim::Machine;
use crate::trace::Ctx;

/// The most window boundaries a reference run records.
pub const MAX_BOUNDARIES: usize = 1 << 20;

/// Where interrupts are placed in exhaustive mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Window {
    /// Every op of the main program.
    All,
    /// Ops on lines `first..=last` of the main program's file.
    Lines(u32, u32),
    /// Ops executed while the named function is on the main program's stack.
    Function(String),
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::All => f.write_str("the whole main program"),
            Window::Lines(a, b) => write!(f, "lines {a}-{b}"),
            Window::Function(name) => write!(f, "function {name}"),
        }
    }
}

/// Parses `--window 12-20` (or one line, `--window 12`).
pub fn parse_window(text: &str) -> Result<Window, String> {
    let bad = || format!("--window `{text}`: write FIRST-LAST line numbers, e.g. 12-20");
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let a: u32 = a.trim().parse().map_err(|_| bad())?;
    let b: u32 = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || a > b {
        return Err(bad());
    }
    Ok(Window::Lines(a, b))
}

/// What a reference run saw: the main-program op numbers inside the window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Boundaries {
    /// Op numbers (1-based, ascending) of the main-program ops inside the window.
    pub ops: Vec<u64>,
    /// True if more than [`MAX_BOUNDARIES`] were seen (the rest are not listed).
    pub truncated: bool,
    /// Ops the main program executed in all.
    pub main_ops: u64,
}

/// Installs a hook that counts main-program ops and records those inside `window`.
pub fn install_counter(m: &mut Machine, window: Window, out: Rc<RefCell<Boundaries>>) {
    m.rt.set_op_hook(
        &mut m.vm,
        Box::new(move |rt, vm| {
            if rt.ctx() != Ctx::Main {
                return Ok(());
            }
            let mut b = out.borrow_mut();
            b.main_ops += 1;
            let inside = match &window {
                Window::All => true,
                Window::Lines(first, last) => match (vm.frames.first(), vm.frames.last()) {
                    (Some(bottom), Some(top)) => {
                        let line = top.current_line();
                        top.code.filename == bottom.code.filename
                            && (*first..=*last).contains(&line)
                    }
                    _ => false,
                },
                Window::Function(name) => vm.frames.iter().any(|f| &*f.code.name == name),
            };
            if inside {
                if b.ops.len() < MAX_BOUNDARIES {
                    let n = b.main_ops;
                    b.ops.push(n);
                } else {
                    b.truncated = true;
                }
            }
            Ok(())
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    // Windows parse as inclusive line ranges; reversed or zero ranges are errors.
    #[test]
    fn windows_parse() {
        assert_eq!(parse_window("12-20"), Ok(Window::Lines(12, 20)));
        assert_eq!(parse_window("7"), Ok(Window::Lines(7, 7)));
        assert!(parse_window("20-12").is_err());
        assert!(parse_window("0-3").is_err());
        assert!(parse_window("a-b").is_err());
    }
}
