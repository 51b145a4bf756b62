//! The ISR rules of MicroPython's guide "Writing interrupt handlers" (docs/reference/
//! isr_rules.rst), checked on the trace:
//!
//! * a hard handler runs with the heap locked (facts §2.7, §3): allocating raises
//!   `MemoryError`; floats and big ints are heap objects, so arithmetic on them allocates;
//!   printing inside an ISR is slow UART I/O;
//! * handlers and critical sections should be short: a soft callback delays every other
//!   callback, a hard handler and `disable_irq()` delay every interrupt;
//! * an interrupt raised while interrupts are disabled waits, and a second one from the same
//!   source merges with the pending one (its callback is lost);
//! * the schedule queue holds 8 callbacks; more are dropped silently (facts §2.1);
//! * an exception in a callback or handler ends that callback (hard: the IRQ is disabled).
//!
//! Also the rules whose evidence the runtime records directly: a function re-entered from an
//! interrupt context (`Reentered`) and asyncio calls from one (`AsyncioFromIrq`).

use std::collections::BTreeMap;

use super::{Finding, Rule, Step, Thresholds, Who, add, contexts};
use crate::time::SimTime;
use crate::trace::{AllocWhat, Kind, Source, Trace};

/// The ISR-rule findings of `trace`.
pub fn find(trace: &Trace, th: &Thresholds) -> Vec<Finding> {
    let whos = contexts(trace);
    let mut found: BTreeMap<(Rule, Who, u32, String), Finding> = BTreeMap::new();
    // Open spans: callbacks/handlers by (source, event), the outermost disable_irq.
    let mut open: BTreeMap<(Source, u32), (SimTime, u32)> = BTreeMap::new();
    let mut critical: Option<(SimTime, u32, Who)> = None;
    let mut masked_at: BTreeMap<u32, (SimTime, Source)> = BTreeMap::new();
    // Handlers that raised: their length is the exception's printing, reported as such.
    let mut raised: Vec<(Source, u32)> = Vec::new();
    for (e, &who) in trace.events.iter().zip(&whos) {
        // A C ISR has no Python line (the trace's line is the interrupted code's).
        let line = if who == Who::Isr { 0 } else { e.line };
        let here = |what: String| Step {
            at: e.at,
            who,
            line,
            what,
        };
        let mut put = |rule: Rule, subject: String, f: &dyn Fn() -> Finding| {
            add(&mut found, (rule, who, line, subject), f);
        };
        match e.kind {
            Kind::HeapLockedAlloc { what } if matches!(who, Who::HardIrq(_)) => {
                let (rule, thing) = match what {
                    AllocWhat::Float => (Rule::FloatInHardIrq, "float arithmetic"),
                    AllocWhat::BigInt => (Rule::BigIntInHardIrq, "big-int arithmetic"),
                    AllocWhat::Object => (Rule::AllocInHardIrq, "an allocation"),
                };
                put(rule, String::new(), &|| Finding {
                    rule,
                    subject: thing.into(),
                    who,
                    line,
                    other: None,
                    other_line: 0,
                    steps: vec![here(format!(
                        "{thing} needs the heap, which is locked in a hard handler: \
                         MemoryError"
                    ))],
                    count: 1,
                    message: format!(
                        "{thing} in a hard interrupt handler raised MemoryError (heap is locked)"
                    ),
                    remedy: match what {
                        AllocWhat::Float => "use integer arithmetic in the handler (scale \
                                             values, e.g. millivolts instead of volts), or \
                                             defer the float work with micropython.schedule"
                            .into(),
                        AllocWhat::BigInt => "keep handler integers small (below 2**30), \
                                              e.g. with `& 0x3fffffff`, or defer the work \
                                              with micropython.schedule"
                            .into(),
                        AllocWhat::Object => "preallocate what the handler needs (a \
                                              bytearray or array created once, a bound method \
                                              stored in __init__) and only write into it, \
                                              or defer the work with micropython.schedule"
                            .into(),
                    },
                });
            }
            Kind::Print { .. } if matches!(who, Who::HardIrq(_)) => {
                put(Rule::PrintInHardIrq, String::new(), &|| {
                    Finding::one(
                        Rule::PrintInHardIrq,
                        "print".into(),
                        here("prints to the UART inside the interrupt".into()),
                        "a hard interrupt handler printed: UART output is slow and every \
                              other interrupt waits for it"
                            .into(),
                        "set a flag or counter in the handler and print from the main \
                             program (or a scheduled callback)"
                            .into(),
                    )
                });
            }
            Kind::CallbackStart { source, event } | Kind::HardStart { source, event } => {
                open.insert((source, event), (e.at, e.line));
            }
            Kind::CallbackEnd { source, event } | Kind::HardEnd { source, event } => {
                let Some((start, _)) = open.remove(&(source, event)) else {
                    continue;
                };
                if raised.contains(&(source, event)) {
                    raised.retain(|r| *r != (source, event));
                    continue;
                }
                let hard = matches!(e.kind, Kind::HardEnd { .. });
                let (rule, limit, kind) = if hard {
                    (Rule::LongHardIrq, th.hard_irq, "hard interrupt handler")
                } else {
                    (Rule::LongCallback, th.callback, "soft callback")
                };
                let took = e.at.saturating_since(start);
                if took > limit {
                    let subject = source.to_string();
                    add(&mut found, (rule, who, 0, subject.clone()), || Finding {
                        rule,
                        subject,
                        who,
                        line: 0,
                        other: None,
                        other_line: 0,
                        steps: vec![
                            Step {
                                at: start,
                                who,
                                line: 0,
                                what: format!("{kind} starts"),
                            },
                            here(format!("{kind} ends after {took}")),
                        ],
                        count: 1,
                        message: format!(
                            "the {kind} of {source} ran {took} (threshold {limit}): other \
                             {} wait that long",
                            if hard { "interrupts" } else { "callbacks" }
                        ),
                        remedy: "do the least in the handler: store the data and set a flag; \
                                 do the processing in the main program"
                            .into(),
                    });
                }
            }
            Kind::IrqDisable { depth: 1 } => critical = Some((e.at, e.line, who)),
            Kind::IrqEnable { depth: 0 } => {
                if let Some((start, line, by)) = critical.take() {
                    let took = e.at.saturating_since(start);
                    if took > th.critical_section {
                        let limit = th.critical_section;
                        add(
                            &mut found,
                            (Rule::LongCriticalSection, by, line, String::new()),
                            || Finding {
                                rule: Rule::LongCriticalSection,
                                subject: "disable_irq".into(),
                                who: by,
                                line,
                                other: None,
                                other_line: e.line,
                                steps: vec![
                                    Step {
                                        at: start,
                                        who: by,
                                        line,
                                        what: "disables interrupts".into(),
                                    },
                                    here(format!("enables them again after {took}")),
                                ],
                                count: 1,
                                message: format!(
                                    "interrupts were disabled for {took} (threshold {limit}): \
                                     every interrupt in that time waited"
                                ),
                                remedy: "keep only the shared-data access inside \
                                         disable_irq()/enable_irq() (copy, then process \
                                         outside)"
                                    .into(),
                            },
                        );
                    }
                }
            }
            Kind::IrqMasked { source, event } => {
                masked_at.insert(event, (e.at, source));
            }
            Kind::IsrRun { event, .. } => {
                if let Some((at, source)) = masked_at.remove(&event) {
                    let waited = e.at.saturating_since(at);
                    if waited > th.masked_delay {
                        let subject = source.to_string();
                        let limit = th.masked_delay;
                        add(
                            &mut found,
                            (Rule::IrqDelayedWhileMasked, Who::Isr, 0, subject.clone()),
                            || Finding {
                                rule: Rule::IrqDelayedWhileMasked,
                                subject,
                                who: Who::Isr,
                                line: 0,
                                other: None,
                                other_line: 0,
                                steps: vec![
                                    Step {
                                        at,
                                        who: Who::Isr,
                                        line: 0,
                                        what: format!("{source} raised with interrupts disabled"),
                                    },
                                    here(format!("its ISR runs {waited} later")),
                                ],
                                count: 1,
                                message: format!(
                                    "{source} waited {waited} for interrupts to be enabled \
                                     (threshold {limit})"
                                ),
                                remedy: "shorten the critical section".into(),
                            },
                        );
                    }
                }
            }
            Kind::IrqCoalesced { source, .. } => {
                // Held pending by disable_irq(), or (boards with priorities) by a running
                // handler of higher or equal priority.
                let masked = critical.is_some();
                let (held_by, waits_for) = if masked {
                    ("interrupts were disabled", "enable_irq()")
                } else {
                    (
                        "a handler of higher or equal priority ran",
                        "that handler to return",
                    )
                };
                let subject = source.to_string();
                put(Rule::IrqLostWhileMasked, subject.clone(), &|| {
                    Finding::one(
                        Rule::IrqLostWhileMasked,
                        subject.clone(),
                        here(format!(
                            "{source} raised again while its first event still waits for \
                         {waits_for}: merged, one callback lost"
                        )),
                        format!(
                            "{held_by} so long that {source} fired twice: the second event was \
                         merged into the pending one and lost"
                        ),
                        if masked {
                            "keep disable_irq()/enable_irq() sections much shorter than the \
                         interrupt's period"
                                .into()
                        } else {
                            "keep hard handlers short (much shorter than the period of every \
                         interrupt they hold), or give the fast source a higher priority"
                                .into()
                        },
                    )
                });
            }
            Kind::CallbackDropped { source, .. } => {
                let subject = source.to_string();
                put(Rule::QueueOverflow, subject.clone(), &|| {
                    Finding::one(
                        Rule::QueueOverflow,
                        subject.clone(),
                        here(format!(
                            "{source}'s ISR found the schedule queue full (8 callbacks): the \
                         event is dropped silently"
                        )),
                        format!("callbacks of {source} were dropped: the schedule queue was full"),
                        "make callbacks shorter, keep the main program reaching pending \
                             checks (loops, sleeps), or debounce/rate-limit the source; count \
                             events in the handler instead of one callback per event"
                            .into(),
                    )
                });
            }
            Kind::Exception { offset, len } if who.is_interrupt() => {
                if let Some((s, ev)) = open.keys().next_back() {
                    raised.push((*s, *ev));
                }
                let text = trace.text_of(offset, len);
                let last = text.trim_end().lines().last().unwrap_or("").to_string();
                put(Rule::CallbackException, last.clone(), &|| {
                    Finding::one(
                        Rule::CallbackException,
                        last.clone(),
                        here(format!("raises {last}")),
                        format!("a callback raised {last}"),
                        match who {
                            Who::HardIrq(_) => "a hard handler's exception disables its IRQ: \
                                            catch it inside the handler, and run \
                                            micropython.alloc_emergency_exception_buf(100) at \
                                            start-up to see its message"
                                .into(),
                            _ => "catch the exception inside the callback".into(),
                        },
                    )
                });
            }
            Kind::Reentered { func, outer_line } => {
                let name = trace.loc_label(func).to_string();
                put(Rule::Reentrancy, name.clone(), &|| Finding {
                    rule: Rule::Reentrancy,
                    subject: name.clone(),
                    who,
                    line,
                    other: None,
                    other_line: outer_line,
                    steps: vec![here(format!(
                        "calls `{name}()`, which the interrupted code is running at line \
                         {outer_line}"
                    ))],
                    count: 1,
                    message: format!(
                        "`{name}()` was entered from an interrupt while it was already \
                         running: shared state it uses (globals, a default-argument buffer, \
                         attributes) is now used by two calls at once"
                    ),
                    remedy: format!(
                        "do not call `{name}()` from both the handler and the main program, \
                         give each caller its own buffer, or defer the handler's call with \
                         micropython.schedule"
                    ),
                });
            }
            Kind::AsyncioFromIrq { func } => {
                let name = trace.loc_label(func).to_string();
                put(Rule::AsyncioFromIrq, name.clone(), &|| {
                    Finding::one(
                        Rule::AsyncioFromIrq,
                        name.clone(),
                        here(format!("calls asyncio's `{name}`")),
                        format!(
                            "`{name}` was called from interrupt context: asyncio is not \
                         thread-safe and its queues may be half-updated by the code the \
                         interrupt preempted"
                        ),
                        "set an asyncio.ThreadSafeFlag in the handler and do the asyncio \
                             work in a task that waits on it"
                            .into(),
                    )
                });
            }
            _ => {}
        }
    }
    found.into_values().collect()
}
