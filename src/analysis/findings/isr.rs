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
    let mut scan = Scan {
        trace,
        th,
        found: BTreeMap::new(),
        open: BTreeMap::new(),
        critical: None,
        masked_at: BTreeMap::new(),
        raised: Vec::new(),
    };
    for (e, &who) in trace.events.iter().zip(&whos) {
        // A C ISR has no Python line (the trace's line is the interrupted code's).
        let line = if who == Who::Isr { 0 } else { e.line };
        let here = Here {
            at: e.at,
            who,
            line,
            event_line: e.line,
        };
        scan.event(&here, &e.kind);
    }
    scan.found.into_values().collect()
}

/// The event being looked at: when, in which context, at which line.
struct Here {
    at: SimTime,
    who: Who,
    /// The Python line (0 in a C ISR).
    line: u32,
    /// The line the trace records (in a C ISR, the interrupted code's).
    event_line: u32,
}

impl Here {
    /// A step of a finding's interleaving at this event.
    fn step(&self, what: String) -> Step {
        Step {
            at: self.at,
            who: self.who,
            line: self.line,
            what,
        }
    }
}

/// The state of one pass over the trace: findings so far and the open spans.
struct Scan<'a> {
    trace: &'a Trace,
    th: &'a Thresholds,
    found: BTreeMap<(Rule, Who, u32, String), Finding>,
    /// Running callbacks and handlers by (source, event): start time and line.
    open: BTreeMap<(Source, u32), (SimTime, u32)>,
    /// The outermost `disable_irq()`: start time, line, context.
    critical: Option<(SimTime, u32, Who)>,
    /// Interrupts raised while masked, by event: when, and the source.
    masked_at: BTreeMap<u32, (SimTime, Source)>,
    /// Handlers that raised: their length is the exception's printing, reported as such.
    raised: Vec<(Source, u32)>,
}

impl Scan<'_> {
    /// Counts a finding of `rule` about `subject` at `h` (made by `f` the first time).
    fn put(&mut self, h: &Here, rule: Rule, subject: String, f: impl FnOnce() -> Finding) {
        add(&mut self.found, (rule, h.who, h.line, subject), f);
    }

    /// One event: the rule it may break, or the span it opens or closes.
    fn event(&mut self, h: &Here, kind: &Kind) {
        let hard = matches!(h.who, Who::HardIrq(_));
        match *kind {
            Kind::HeapLockedAlloc { what } if hard => self.heap_locked_alloc(h, what),
            Kind::Print { .. } if hard => self.print_in_hard_irq(h),
            Kind::CallbackStart { source, event } | Kind::HardStart { source, event } => {
                self.open.insert((source, event), (h.at, h.event_line));
            }
            Kind::CallbackEnd { source, event } => self.handler_end(h, source, event, false),
            Kind::HardEnd { source, event } => self.handler_end(h, source, event, true),
            Kind::IrqDisable { depth: 1 } => self.critical = Some((h.at, h.event_line, h.who)),
            Kind::IrqEnable { depth: 0 } => self.critical_end(h),
            Kind::IrqMasked { source, event } => {
                self.masked_at.insert(event, (h.at, source));
            }
            Kind::IsrRun { event, .. } => self.isr_run(h, event),
            Kind::IrqCoalesced { source, .. } => self.coalesced(h, source),
            Kind::CallbackDropped { source, .. } => self.dropped(h, source),
            Kind::Exception { offset, len } if h.who.is_interrupt() => {
                self.exception(h, offset, len);
            }
            Kind::Reentered { func, outer_line } => self.reentered(h, func, outer_line),
            Kind::AsyncioFromIrq { func } => self.asyncio_from_irq(h, func),
            _ => {}
        }
    }

    /// `float-in-hard-irq`, `big-int-in-hard-irq`, `alloc-in-hard-irq`: the heap is locked.
    fn heap_locked_alloc(&mut self, h: &Here, what: AllocWhat) {
        let (rule, thing) = match what {
            AllocWhat::Float => (Rule::FloatInHardIrq, "float arithmetic"),
            AllocWhat::BigInt => (Rule::BigIntInHardIrq, "big-int arithmetic"),
            AllocWhat::Object => (Rule::AllocInHardIrq, "an allocation"),
        };
        self.put(h, rule, String::new(), || Finding {
            rule,
            subject: thing.into(),
            who: h.who,
            line: h.line,
            other: None,
            other_line: 0,
            steps: vec![h.step(format!(
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

    /// `print-in-hard-irq`.
    fn print_in_hard_irq(&mut self, h: &Here) {
        self.put(h, Rule::PrintInHardIrq, String::new(), || {
            Finding::one(
                Rule::PrintInHardIrq,
                "print".into(),
                h.step("prints to the UART inside the interrupt".into()),
                "a hard interrupt handler printed: UART output is slow and every \
                      other interrupt waits for it"
                    .into(),
                "set a flag or counter in the handler and print from the main \
                     program (or a scheduled callback)"
                    .into(),
            )
        });
    }

    /// `long-hard-irq`, `long-callback`: a handler or callback that ran past its threshold
    /// (not one that raised: its length is the exception's printing).
    fn handler_end(&mut self, h: &Here, source: Source, event: u32, hard: bool) {
        let Some((start, _)) = self.open.remove(&(source, event)) else {
            return;
        };
        if self.raised.contains(&(source, event)) {
            self.raised.retain(|r| *r != (source, event));
            return;
        }
        let (rule, limit, kind) = if hard {
            (
                Rule::LongHardIrq,
                self.th.hard_irq,
                "hard interrupt handler",
            )
        } else {
            (Rule::LongCallback, self.th.callback, "soft callback")
        };
        let took = h.at.saturating_since(start);
        if took <= limit {
            return;
        }
        let (who, subject) = (h.who, source.to_string());
        add(&mut self.found, (rule, who, 0, subject.clone()), || {
            Finding {
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
                    h.step(format!("{kind} ends after {took}")),
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
            }
        });
    }

    /// `long-critical-section`: the outermost `disable_irq()` ends.
    fn critical_end(&mut self, h: &Here) {
        let Some((start, line, by)) = self.critical.take() else {
            return;
        };
        let took = h.at.saturating_since(start);
        let limit = self.th.critical_section;
        if took <= limit {
            return;
        }
        let key = (Rule::LongCriticalSection, by, line, String::new());
        add(&mut self.found, key, || Finding {
            rule: Rule::LongCriticalSection,
            subject: "disable_irq".into(),
            who: by,
            line,
            other: None,
            other_line: h.event_line,
            steps: vec![
                Step {
                    at: start,
                    who: by,
                    line,
                    what: "disables interrupts".into(),
                },
                h.step(format!("enables them again after {took}")),
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
        });
    }

    /// `irq-delayed-while-masked`: the ISR of an interrupt raised while masked runs.
    fn isr_run(&mut self, h: &Here, event: u32) {
        let Some((at, source)) = self.masked_at.remove(&event) else {
            return;
        };
        let waited = h.at.saturating_since(at);
        let limit = self.th.masked_delay;
        if waited <= limit {
            return;
        }
        let subject = source.to_string();
        let key = (Rule::IrqDelayedWhileMasked, Who::Isr, 0, subject.clone());
        add(&mut self.found, key, || Finding {
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
                h.step(format!("its ISR runs {waited} later")),
            ],
            count: 1,
            message: format!(
                "{source} waited {waited} for interrupts to be enabled \
                 (threshold {limit})"
            ),
            remedy: "shorten the critical section".into(),
        });
    }

    /// `irq-lost-while-masked`: a second event merged into a pending one.
    fn coalesced(&mut self, h: &Here, source: Source) {
        // Held pending by disable_irq(), or (boards with priorities) by a running
        // handler of higher or equal priority.
        let masked = self.critical.is_some();
        let (held_by, waits_for) = if masked {
            ("interrupts were disabled", "enable_irq()")
        } else {
            (
                "a handler of higher or equal priority ran",
                "that handler to return",
            )
        };
        let subject = source.to_string();
        self.put(h, Rule::IrqLostWhileMasked, subject.clone(), || {
            Finding::one(
                Rule::IrqLostWhileMasked,
                subject,
                h.step(format!(
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

    /// `queue-overflow`: the schedule queue was full.
    fn dropped(&mut self, h: &Here, source: Source) {
        let subject = source.to_string();
        self.put(h, Rule::QueueOverflow, subject.clone(), || {
            Finding::one(
                Rule::QueueOverflow,
                subject,
                h.step(format!(
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

    /// `callback-exception`: a callback or handler raised.
    fn exception(&mut self, h: &Here, offset: u32, len: u32) {
        if let Some((s, ev)) = self.open.keys().next_back() {
            self.raised.push((*s, *ev));
        }
        let text = self.trace.text_of(offset, len);
        let last = text.trim_end().lines().last().unwrap_or("").to_string();
        self.put(h, Rule::CallbackException, last.clone(), || {
            Finding::one(
                Rule::CallbackException,
                last.clone(),
                h.step(format!("raises {last}")),
                format!("a callback raised {last}"),
                match h.who {
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

    /// `reentrancy`: a function entered from an interrupt while it was running.
    fn reentered(&mut self, h: &Here, func: u32, outer_line: u32) {
        let name = self.trace.loc_label(func).to_string();
        self.put(h, Rule::Reentrancy, name.clone(), || Finding {
            rule: Rule::Reentrancy,
            subject: name.clone(),
            who: h.who,
            line: h.line,
            other: None,
            other_line: outer_line,
            steps: vec![h.step(format!(
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

    /// `asyncio-from-irq`.
    fn asyncio_from_irq(&mut self, h: &Here, func: u32) {
        let name = self.trace.loc_label(func).to_string();
        self.put(h, Rule::AsyncioFromIrq, name.clone(), || {
            Finding::one(
                Rule::AsyncioFromIrq,
                name.clone(),
                h.step(format!("calls asyncio's `{name}`")),
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
}
