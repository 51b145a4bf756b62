//! Interrupts placed at chosen bytecode boundaries of the main program, and the count of those
//! boundaries inside a window (`irqlab explore --exhaustive`, `irqlab run --inject`).
//!
//! A boundary is named by the main program's op number: the ops the main program has executed
//! so far (1 for its first op), not counting the ops of callbacks and handlers. `timer 4@op 1234`
//! raises one extra interrupt of timer 4 just before the main program's op 1234 runs, as if the
//! hardware had raised it then: its ISR runs (a hard handler at once, a soft callback queued),
//! or the line stays pending while interrupts are disabled. Because a run is deterministic up to
//! that op, the number replays the same interleaving exactly.
//!
//! Both work through [`crate::rt::Runtime::set_op_hook`], which rides on the VM's existing
//! deadline check: plain runs install no hook and pay nothing.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::scenario::{IrqSource, Scenario};
use crate::sim::Machine;
use crate::trace::{Ctx, Source};

/// The most window boundaries a reference run records.
pub const MAX_BOUNDARIES: usize = 1 << 20;

/// One extra interrupt: `source` just before the main program's op `at_op` (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Injection {
    /// The main-program op number it precedes.
    pub at_op: u64,
    /// The interrupt source.
    pub source: Source,
}

impl fmt::Display for Injection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@op {}", self.source, self.at_op)
    }
}

/// Parses a source: `timer N`, `pin N`, or a name from the scenario's `sources:`/stimuli.
pub fn parse_source(sc: Option<&Scenario>, text: &str) -> Result<Source, String> {
    let t = text.trim();
    if let Some(sc) = sc
        && let Some((_, s)) = sc.source_names.iter().find(|(n, _)| n == t)
    {
        return Ok(match *s {
            IrqSource::Pin(p) => Source::Pin(p.number()),
            IrqSource::Timer(n) => Source::Timer(n as i8),
            IrqSource::VirtualTimers => Source::Timer(-1),
        });
    }
    let mut words = t.split_whitespace();
    let (kind, number, rest) = (words.next(), words.next(), words.next());
    let bad = || format!("`{t}` is not an interrupt source; write `timer N` or `pin N`");
    let (Some(kind), Some(number), None) = (kind, number, rest) else {
        return Err(bad());
    };
    match kind {
        "timer" => number.parse::<i8>().map(Source::Timer).map_err(|_| bad()),
        "pin" => number.parse::<u8>().map(Source::Pin).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// Parses `SOURCE@op N` (e.g. `timer 4@op 1234`).
pub fn parse_injection(sc: Option<&Scenario>, text: &str) -> Result<Injection, String> {
    let bad = || format!("--inject `{text}`: write SOURCE@op N, e.g. \"timer 4@op 1234\"");
    let (source, at) = text.split_once('@').ok_or_else(bad)?;
    let n = at.trim().strip_prefix("op").ok_or_else(bad)?;
    let at_op: u64 = n.trim().parse().map_err(|_| bad())?;
    if at_op == 0 {
        return Err(format!("--inject `{text}`: ops are numbered from 1"));
    }
    let source = parse_source(sc, source).map_err(|e| format!("--inject `{text}`: {e}"))?;
    Ok(Injection { at_op, source })
}

/// Parses every `--inject` value, sorted by op.
pub fn parse_injections(sc: Option<&Scenario>, specs: &[String]) -> Result<Vec<Injection>, String> {
    let mut v = specs
        .iter()
        .map(|s| parse_injection(sc, s))
        .collect::<Result<Vec<_>, _>>()?;
    v.sort();
    Ok(v)
}

/// Installs a hook that raises each injection's interrupt before its op. Nothing is
/// installed for an empty list.
pub fn install_injections(m: &mut Machine, injections: &[Injection]) {
    if injections.is_empty() {
        return;
    }
    let mut pending: Vec<Injection> = injections.to_vec();
    pending.sort_by(|a, b| b.cmp(a)); // next one last
    let mut main_ops = 0u64;
    m.rt.set_op_hook(
        &mut m.vm,
        Box::new(move |rt, vm| {
            if rt.ctx() != Ctx::Main {
                return Ok(());
            }
            main_ops += 1;
            while pending.last().is_some_and(|i| i.at_op == main_ops) {
                let i = pending.pop().expect("checked above");
                rt.inject_irq(vm, i.source)?;
            }
            Ok(())
        }),
    );
}

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

    // Injection specs parse, print back the same way, and bad ones say how to write them.
    #[test]
    fn injection_specs_round_trip() {
        let i = parse_injection(None, "timer 4@op 1234").unwrap();
        assert_eq!(
            i,
            Injection {
                at_op: 1234,
                source: Source::Timer(4)
            }
        );
        assert_eq!(i.to_string(), "timer 4@op 1234");
        assert_eq!(
            parse_injection(None, "pin 5 @ op 7").unwrap().source,
            Source::Pin(5)
        );
        assert!(
            parse_injection(None, "timer 4")
                .unwrap_err()
                .contains("SOURCE@op N")
        );
        assert!(parse_injection(None, "timer 4@op 0").is_err());
        assert!(parse_injection(None, "uart 1@op 3").is_err());
    }

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
