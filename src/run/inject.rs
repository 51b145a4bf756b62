//! Interrupts placed at chosen bytecode boundaries of the main program (`irqlab run
//! --inject`, and each interleaving of `irqlab explore --exhaustive`).
//!
//! A boundary is named by the main program's op number: the ops the main program has executed
//! so far (1 for its first op), not counting the ops of callbacks and handlers. `timer 4@op 1234`
//! raises one extra interrupt of timer 4 just before the main program's op 1234 runs, as if the
//! hardware had raised it then: its ISR runs (a hard handler at once, a soft callback queued),
//! or the line stays pending while interrupts are disabled. Because a run is deterministic up to
//! that op, the number replays the same interleaving exactly.
//!
//! It works through [`crate::rt::Runtime::set_op_hook`], which rides on the VM's existing
//! deadline check: plain runs install no hook and pay nothing.

use std::fmt;

use crate::scenario::{IrqSource, Scenario};
use crate::sim::Machine;
use crate::trace::{Ctx, Source};

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
}
