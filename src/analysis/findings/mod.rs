//! Findings: the bugs people write around interrupts, computed from the trace alone.
//!
//! [`all`] walks a finished run's [`Trace`] and returns one [`Finding`] per distinct bug: a
//! rule ([`Rule`]), a severity, the source lines involved, the first occurrence's interleaving
//! as [`Step`]s (what the TUI jumps to), how often it happened, and an explanation with the
//! remedy. The rules:
//!
//! * races over shared state, from the `Access` events recorded with access tracking on
//!   (`irqlab run --findings`): [`Rule::LostUpdate`], [`Rule::TornRead`] ([`races`]);
//! * a function entered again from an interrupt context, and non-thread-safe asyncio calls
//!   from one ([`Rule::Reentrancy`], [`Rule::AsyncioFromIrq`]; trace events `Reentered`,
//!   `AsyncioFromIrq`);
//! * the ISR rules of MicroPython's "Writing interrupt handlers" guide, from ordinary trace
//!   events ([`isr`]): allocation, float or big-int arithmetic and printing in a hard handler,
//!   long callbacks and critical sections, interrupts lost or delayed while masked,
//!   schedule-queue overflow, exceptions in callbacks.
//!
//! Contexts ([`Who`]) are finer than the trace's [`Ctx`]: the main program's asyncio tasks are
//! told apart (from the `Task` events), and handlers by interrupt source.

pub mod isr;
pub mod races;

use std::collections::BTreeMap;

use crate::time::{SimDuration, SimTime};
use crate::trace::{Ctx, Kind, Source, TaskEv, Trace};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Data was lost or corrupted, or MicroPython raised/dropped something.
    Error,
    /// Risky: works in this run, or costs latency.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The rules. [`Rule::name`] is the stable name used in reports and scenario `expect:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// A read-modify-write of shared state with another context's write in between.
    LostUpdate,
    /// Related values read by one context with another context writing them between the reads.
    TornRead,
    /// A Python function entered from an interrupt context while it was already running.
    Reentrancy,
    /// A non-thread-safe asyncio call (`create_task`, `Event.set`, …) from a callback or handler.
    AsyncioFromIrq,
    /// A hard handler allocated (MemoryError: heap is locked).
    AllocInHardIrq,
    /// A hard handler did float arithmetic (boxed floats allocate).
    FloatInHardIrq,
    /// A hard handler did big-int arithmetic (big ints allocate).
    BigIntInHardIrq,
    /// A hard handler printed (slow UART I/O inside an ISR).
    PrintInHardIrq,
    /// A soft callback ran longer than the threshold.
    LongCallback,
    /// A hard handler ran longer than the threshold.
    LongHardIrq,
    /// Interrupts were disabled longer than the threshold.
    LongCriticalSection,
    /// An interrupt raised while masked was merged with a pending one: its callback was lost.
    IrqLostWhileMasked,
    /// An interrupt raised while masked waited longer than the threshold.
    IrqDelayedWhileMasked,
    /// The schedule queue was full: callbacks were dropped.
    QueueOverflow,
    /// A callback or handler raised an exception nobody caught.
    CallbackException,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 15] = [
        Rule::LostUpdate,
        Rule::TornRead,
        Rule::Reentrancy,
        Rule::AsyncioFromIrq,
        Rule::AllocInHardIrq,
        Rule::FloatInHardIrq,
        Rule::BigIntInHardIrq,
        Rule::PrintInHardIrq,
        Rule::LongCallback,
        Rule::LongHardIrq,
        Rule::LongCriticalSection,
        Rule::IrqLostWhileMasked,
        Rule::IrqDelayedWhileMasked,
        Rule::QueueOverflow,
        Rule::CallbackException,
    ];

    /// The rule's name in reports, JSON and scenario files (`lost-update`, …).
    pub fn name(self) -> &'static str {
        match self {
            Rule::LostUpdate => "lost-update",
            Rule::TornRead => "torn-read",
            Rule::Reentrancy => "reentrancy",
            Rule::AsyncioFromIrq => "asyncio-from-irq",
            Rule::AllocInHardIrq => "alloc-in-hard-irq",
            Rule::FloatInHardIrq => "float-in-hard-irq",
            Rule::BigIntInHardIrq => "bigint-in-hard-irq",
            Rule::PrintInHardIrq => "print-in-hard-irq",
            Rule::LongCallback => "long-callback",
            Rule::LongHardIrq => "long-hard-irq",
            Rule::LongCriticalSection => "long-critical-section",
            Rule::IrqLostWhileMasked => "irq-lost-while-masked",
            Rule::IrqDelayedWhileMasked => "irq-delayed-while-masked",
            Rule::QueueOverflow => "queue-overflow",
            Rule::CallbackException => "callback-exception",
        }
    }

    /// The rule called `name`, if any.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// How bad a finding of this rule is.
    pub fn severity(self) -> Severity {
        match self {
            Rule::Reentrancy
            | Rule::LongCallback
            | Rule::LongHardIrq
            | Rule::LongCriticalSection
            | Rule::IrqDelayedWhileMasked
            | Rule::PrintInHardIrq => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// A context, as findings name it: finer than [`Ctx`] (tasks and handlers told apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// The main program outside any asyncio task.
    Main,
    /// An asyncio task (its serial number; the name is looked up in the trace).
    Task(u32),
    /// A soft callback of this source.
    Callback(Source),
    /// A hard handler of this source.
    HardIrq(Source),
    /// A C ISR.
    Isr,
    /// The idle loop.
    Idle,
}

impl Who {
    /// True for callbacks and handlers (the contexts that interrupt others).
    pub fn is_interrupt(self) -> bool {
        matches!(self, Who::Callback(_) | Who::HardIrq(_) | Who::Isr)
    }
}

/// One moment of a finding's interleaving.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// When.
    pub at: SimTime,
    /// Which context.
    pub who: Who,
    /// Source line (0 when unknown).
    pub line: u32,
    /// What it did, e.g. "reads `count`".
    pub what: String,
}

/// One distinct finding (repeats of the same interleaving are counted, not repeated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// What it is about: a variable (`count`, `Foo.count`, `buf[]`), a function, a source.
    pub subject: String,
    /// The context at fault (whose update is lost, who called, who allocated).
    pub who: Who,
    /// Its source line (0 when none applies).
    pub line: u32,
    /// The other context involved, if any.
    pub other: Option<Who>,
    /// Its source line (0 when none applies).
    pub other_line: u32,
    /// The first occurrence's interleaving, in time order.
    pub steps: Vec<Step>,
    /// How many times it happened.
    pub count: usize,
    /// What went wrong, one sentence.
    pub message: String,
    /// What to do about it.
    pub remedy: String,
}

impl Finding {
    /// Severity of its rule.
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }

    /// A finding about one context at one moment (`step`), seen once so far.
    pub fn one(rule: Rule, subject: String, step: Step, message: String, remedy: String) -> Self {
        Finding {
            rule,
            subject,
            who: step.who,
            line: step.line,
            other: None,
            other_line: 0,
            steps: vec![step],
            count: 1,
            message,
            remedy,
        }
    }

    /// When it first happened (the first step).
    pub fn at(&self) -> SimTime {
        self.steps.first().map_or(SimTime(0), |s| s.at)
    }
}

/// Thresholds of the timing rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// A soft callback longer than this is reported.
    pub callback: SimDuration,
    /// A hard handler longer than this is reported.
    pub hard_irq: SimDuration,
    /// A critical section (interrupts disabled) longer than this is reported.
    pub critical_section: SimDuration,
    /// A masked interrupt waiting longer than this is reported.
    pub masked_delay: SimDuration,
}

impl Default for Thresholds {
    /// 1 ms for callbacks, 100 µs for hard handlers, critical sections and masked waits: the
    /// scale MicroPython's guide means by "as short as possible" (docs/findings.md).
    fn default() -> Thresholds {
        Thresholds {
            callback: SimDuration::from_ms(1),
            hard_irq: SimDuration::from_us(100),
            critical_section: SimDuration::from_us(100),
            masked_delay: SimDuration::from_us(100),
        }
    }
}

/// Every finding of `trace`, errors first, then by first occurrence.
pub fn all(trace: &Trace, th: &Thresholds) -> Vec<Finding> {
    let mut out = races::find(trace);
    out.extend(isr::find(trace, th));
    out.sort_by_key(|f| (f.severity(), f.at(), f.rule));
    out
}

/// The context of each event, in trace order (tasks from `Task` events, handlers from their
/// start/end events).
pub fn contexts(trace: &Trace) -> Vec<Who> {
    let mut task: Option<u32> = None;
    let mut sources: Vec<Source> = Vec::new();
    let mut out = Vec::with_capacity(trace.events.len());
    for e in &trace.events {
        match e.kind {
            Kind::Task {
                task: t,
                ev: TaskEv::Resumed,
                ..
            } => task = Some(t),
            Kind::Task {
                ev: TaskEv::Suspended | TaskEv::Finished | TaskEv::Failed | TaskEv::Cancelled,
                task: t,
                ..
            } if task == Some(t) => task = None,
            Kind::CallbackStart { source, .. } | Kind::HardStart { source, .. } => {
                sources.push(source)
            }
            _ => {}
        }
        let who = match e.ctx {
            Ctx::Main => task.map_or(Who::Main, Who::Task),
            Ctx::Callback => sources.last().map_or(Who::Isr, |s| Who::Callback(*s)),
            Ctx::HardIrq => sources.last().map_or(Who::Isr, |s| Who::HardIrq(*s)),
            Ctx::Isr => Who::Isr,
            Ctx::Idle => Who::Idle,
        };
        out.push(who);
        if let Kind::CallbackEnd { .. } | Kind::HardEnd { .. } = e.kind {
            sources.pop();
        }
    }
    out
}

/// How a context is named in findings: "the main program", "task `blink`", "the soft callback
/// of timer 0", "the hard IRQ handler of timer 4".
pub fn who_name(trace: &Trace, who: Who) -> String {
    match who {
        Who::Main => "the main program".into(),
        Who::Task(t) => match task_name(trace, t) {
            Some(n) => format!("task `{n}`"),
            None => format!("task #{t}"),
        },
        Who::Callback(s) => format!("the soft callback of {s}"),
        Who::HardIrq(s) => format!("the hard IRQ handler of {s}"),
        Who::Isr => "an ISR".into(),
        Who::Idle => "the idle loop".into(),
    }
}

fn task_name(trace: &Trace, task: u32) -> Option<&str> {
    trace.events.iter().find_map(|e| match e.kind {
        Kind::TaskName {
            task: t,
            offset,
            len,
        } if t == task => Some(trace.text_of(offset, len)),
        _ => None,
    })
}

/// The finding as a few lines for people: headline, interleaving, remedy.
pub fn explain(trace: &Trace, f: &Finding) -> String {
    let mut s = format!(
        "{} {}: {} ({} time{})\n",
        f.severity().name(),
        f.rule.name(),
        f.message,
        f.count,
        if f.count == 1 { "" } else { "s" }
    );
    for st in &f.steps {
        let line = if st.line == 0 {
            String::new()
        } else {
            format!(" line {}", st.line)
        };
        s.push_str(&format!(
            "    {:>14}  {}{}: {}\n",
            st.at.to_string(),
            who_name(trace, st.who),
            line,
            st.what
        ));
    }
    s.push_str(&wrap(&format!("fix: {}", f.remedy), "    ", "      ", 100));
    s
}

/// `text` wrapped at `width` columns: the first line after `first`, the others after `rest`.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::from(first);
    let mut col = first.len();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 && col + 1 + word.chars().count() > width {
            out.push('\n');
            out.push_str(rest);
            col = rest.len();
        } else if i > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.chars().count();
    }
    out.push('\n');
    out
}

/// Adds `f` to `found` under `key`, or counts one more occurrence of the finding there.
pub(crate) fn add<K: Ord>(found: &mut BTreeMap<K, Finding>, key: K, f: impl FnOnce() -> Finding) {
    found
        .entry(key)
        .and_modify(|x| x.count += 1)
        .or_insert_with(f);
}
