//! The trace: one append-only record of everything observable in a run.
//!
//! Reports, latency statistics, the timeline text and the JSON export are all computed from
//! this record, never from ad-hoc counters. Each [`TraceEvent`] is 32 bytes: a time (8), the
//! event kind with its small payload (16), the main program's source line (4) and the CPU
//! context (1, padded). Printed output is kept once in [`Trace::text`] and referenced by range.
//!
//! Text form (one line per event, see [`Trace::timeline`]):
//! `  12.345678901s  callback  L12  callback start  timer 0  latency 45.250us`
//! — time since power-on, context, program line (`L-` when unknown; which line, see
//! [`TraceEvent::line`]), event description.

use std::fmt::Write as _;

use crate::time::{SimDuration, SimTime};

/// Where the CPU was when the event happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ctx {
    /// The main program (module code and what it calls).
    Main,
    /// A soft callback run by the scheduler.
    Callback,
    /// A C interrupt service routine.
    Isr,
    /// A hard Python IRQ handler (inside an ISR, heap locked).
    HardIrq,
    /// Waiting: `time.sleep*`, or the idle loop after the program ended.
    Idle,
}

/// Which interrupt source an event belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// GPIO pin `n` (its `Pin.irq` handler).
    Pin(u8),
    /// Hardware timer `n` (0–3), or a virtual timer (−1 and below).
    Timer(i8),
    /// `micropython.schedule` called from Python.
    Schedule,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Pin(n) => write!(f, "pin {n}"),
            Source::Timer(n) => write!(f, "timer {n}"),
            Source::Schedule => write!(f, "schedule"),
        }
    }
}

/// What happened. Each variant says when it is produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The program started running (after compilation).
    ProgramStart,
    /// The main program finished; `ok` is false when it ended with an uncaught exception.
    ProgramEnd {
        /// True if no uncaught exception.
        ok: bool,
    },
    /// The run stopped at its simulated time limit.
    TimeLimit,
    /// A pin's resolved level changed (`by_program`: written by the program; else a stimulus).
    PinLevel {
        /// GPIO number.
        pin: u8,
        /// New level.
        level: u8,
        /// True if the program drove it.
        by_program: bool,
    },
    /// A hardware event raised an interrupt line; `event` numbers it for latency pairing.
    IrqRaised {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
    },
    /// The line was raised while interrupts were disabled: taken later.
    IrqMasked {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
    },
    /// The C ISR started (it runs for `duration`).
    IsrRun {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
        /// ISR duration.
        duration_ns: u64,
    },
    /// The line was raised again while masked and still pending: merged, its callback lost.
    IrqCoalesced {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
    },
    /// The ISR (or `micropython.schedule`) queued the Python callback; `depth` after queuing.
    CallbackQueued {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
        /// Queue depth after the push.
        depth: u8,
    },
    /// The schedule queue was full: the event is lost.
    CallbackDropped {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
    },
    /// A soft callback started; it preempted the main program at `line`.
    CallbackStart {
        /// The source.
        source: Source,
        /// Event number (pairs with `IrqRaised`/`CallbackQueued`).
        event: u32,
    },
    /// A soft callback finished.
    CallbackEnd {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
    },
    /// A hard handler ran inside the ISR.
    HardStart {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
    },
    /// A hard handler finished.
    HardEnd {
        /// The source.
        source: Source,
        /// Event number.
        event: u32,
    },
    /// The program wrote `len` bytes at `offset` of [`Trace::text`] to the console.
    Print {
        /// Offset into the text buffer.
        offset: u32,
        /// Length in bytes.
        len: u32,
    },
    /// An uncaught exception (main program or callback); text in [`Trace::text`].
    Exception {
        /// Offset into the text buffer.
        offset: u32,
        /// Length in bytes.
        len: u32,
    },
    /// A timer was initialised with this period.
    TimerInit {
        /// Timer id.
        timer: i8,
        /// Period.
        period_ns: u64,
        /// True for periodic.
        periodic: bool,
    },
    /// A timer was stopped.
    TimerDeinit {
        /// Timer id.
        timer: i8,
    },
    /// `time.sleep*` started; the CPU idles until `until` unless callbacks run.
    SleepStart {
        /// Wake-up time.
        until_ns: u64,
    },
    /// The sleep returned.
    SleepEnd,
    /// The program ended with live timers or IRQs: the REPL idle loop runs callbacks.
    IdleLoop,
    /// The CPU starts waiting (main task blocked in the RTOS).
    IdleStart,
    /// The wait ends (tick, notification, or its deadline).
    IdleEnd,
    /// A garbage collection paused the CPU.
    Gc {
        /// Pause length.
        pause_ns: u64,
        /// Live heap found.
        live_bytes: u32,
    },
    /// `machine.disable_irq()`; `depth` after the call.
    IrqDisable {
        /// Nesting depth.
        depth: u16,
    },
    /// `machine.enable_irq()`; `depth` after the call.
    IrqEnable {
        /// Nesting depth.
        depth: u16,
    },
    /// An allocation failed because the heap was locked (`what` needed the memory).
    HeapLockedAlloc {
        /// What was being allocated.
        what: AllocWhat,
    },
    /// The running code read or wrote shared state: a global, an attribute, a subscripted
    /// element or a whole container (recorded only with access tracking on). `loc` indexes
    /// [`Trace::names`]; `frame` is the serial of the function call doing it.
    Access {
        /// The location.
        loc: u32,
        /// Read or write, of one value or of the whole container.
        kind: AccessKind,
        /// Serial number of the VM frame (one per call) that accessed it.
        frame: u32,
        /// Index of the accessing op in its code object (saturating): program order within
        /// one call.
        op: u16,
    },
    /// A Python function was called from an interrupt context while the code it interrupted
    /// was itself inside that function (access tracking on); `func` indexes [`Trace::names`].
    Reentered {
        /// The function's name.
        func: u32,
        /// The line the interrupted call was at.
        outer_line: u32,
    },
    /// A non-thread-safe asyncio function was called from a callback or hard handler (access
    /// tracking on); `func` indexes [`Trace::names`].
    AsyncioFromIrq {
        /// The function's qualified name (`create_task`, `Event.set`).
        func: u32,
    },
    /// A Pyboard LED changed (`pyb.LED(n)`).
    Led {
        /// LED number 1..=4.
        led: u8,
        /// New state.
        on: bool,
    },
    /// The CPU frequency changed.
    CpuFreq {
        /// New frequency.
        hz: u32,
    },
    /// An asyncio task event (facts §5); `task` is the Task object's serial number.
    Task {
        /// The task.
        task: u32,
        /// What happened to it.
        ev: TaskEv,
        /// What it waits on (`Suspended`) or what woke it (`Woken`); `Ready` otherwise.
        on: WaitOn,
    },
    /// The name of a task's coroutine (recorded right after its `Created` event), text in
    /// [`Trace::text`].
    TaskName {
        /// The task.
        task: u32,
        /// Offset into the text buffer.
        offset: u32,
        /// Length in bytes.
        len: u32,
    },
    /// `ThreadSafeFlag.set()` (from the program, a callback or an ISR); `flag` is its serial.
    FlagSet {
        /// The flag.
        flag: u32,
    },
}

/// What an allocation that failed with the heap locked was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AllocWhat {
    /// A float result (floats are boxed heap objects on the board).
    Float,
    /// A big-int result (beyond the small-int range).
    BigInt,
    /// Any other object: a list, string, bound method, tuple, …
    Object,
}

/// How shared state was accessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessKind {
    /// A load of one value (`LOAD_GLOBAL`, `LOAD_ATTR`, `x[i]`).
    Read,
    /// A store of one value (`STORE_GLOBAL`, `STORE_ATTR`, `x[i] = v`).
    Write,
    /// A read of a whole container (slice, `len`, iteration, copy).
    ReadAll,
    /// A change of a whole container (`append`, `pop`, `clear`, slice assignment, …).
    WriteAll,
}

impl AccessKind {
    /// True for `Write` and `WriteAll`.
    pub fn is_write(self) -> bool {
        matches!(self, AccessKind::Write | AccessKind::WriteAll)
    }
}

/// What an asyncio task is waiting on when it suspends or is woken (facts §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitOn {
    /// Nothing: it is queued to run now (`sleep_ms(0)`, a fresh task, a cancel).
    Ready,
    /// A sleep whose deadline is `ms` milliseconds after the suspension.
    Sleep {
        /// Milliseconds to the deadline.
        ms: u32,
    },
    /// An `Event`.
    Event,
    /// A `Lock`.
    Lock,
    /// A `ThreadSafeFlag` (serial number of the flag when known, else 0).
    Flag {
        /// The flag's serial number.
        flag: u32,
    },
    /// Another task finishing.
    Task,
    /// The sub-tasks of a `gather`.
    Gather,
}

impl std::fmt::Display for WaitOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitOn::Ready => write!(f, "ready"),
            WaitOn::Sleep { ms } => write!(f, "sleep {ms}ms"),
            WaitOn::Event => write!(f, "Event"),
            WaitOn::Lock => write!(f, "Lock"),
            WaitOn::Flag { flag: 0 } => write!(f, "ThreadSafeFlag"),
            WaitOn::Flag { flag } => write!(f, "ThreadSafeFlag #{flag}"),
            WaitOn::Task => write!(f, "task"),
            WaitOn::Gather => write!(f, "gather"),
        }
    }
}

/// The life of an asyncio task, as the loop sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEv {
    /// `Task(coro)` was made.
    Created,
    /// The loop resumed it (`send`/`throw`).
    Resumed,
    /// It yielded back to the loop, waiting on the event's `on`.
    Suspended,
    /// It was put back on the run queue by the event's `on`.
    Woken,
    /// Its coroutine returned.
    Finished,
    /// Its coroutine raised an exception.
    Failed,
    /// `cancel()` was called on it: CancelledError is thrown in at its next run.
    CancelRequested,
    /// Its coroutine ended with CancelledError.
    Cancelled,
}

/// One trace record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// When it happened.
    pub at: SimTime,
    /// The program's source line at that moment (0 if unknown). For an event Python code
    /// causes (a native call such as `disable_irq()`, a print, an access, a sleep) it is the
    /// line of the op that caused it; for an uncaught exception, the line it was raised at.
    /// The trace has no file field: code of the frozen `asyncio/core.py` is attributed to the
    /// program line that called into it (`asyncio.run(...)`, or the task's `await`). Events
    /// with no Python cause (interrupt entry and exit, stimulus edges, idle) carry the line the
    /// program was interrupted at, and the last line known when no program code is running.
    pub line: u32,
    /// The CPU context.
    pub ctx: Ctx,
    /// What happened.
    pub kind: Kind,
}

/// The append-only trace of one run.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The events in order of time (ties in the order they were recorded).
    pub events: Vec<TraceEvent>,
    /// Console output and exception texts, referenced by offset.
    pub text: String,
    /// Events not recorded because the trace reached its limit.
    pub n_dropped: u64,
    /// Maximum number of events kept.
    pub max_events: usize,
    /// Labels of the locations and functions named by `Access`, `Reentered` and
    /// `AsyncioFromIrq` events, by index (`count`, `Foo.count`, `buf[3]`, `set_volume`).
    pub names: Vec<String>,
    /// For each of [`Trace::names`], the container it is an element of (`buf` for `buf[3]`),
    /// or `u32::MAX`.
    pub name_parents: Vec<u32>,
    /// Exact hardware time of each numbered event (`IrqRaised.event` indexes it): latencies
    /// are measured from here even when a record had to be placed later to keep order.
    pub event_times: Vec<SimTime>,
}

impl Trace {
    /// An empty trace holding at most `max_events` events.
    pub fn new(max_events: usize) -> Trace {
        Trace {
            events: Vec::new(),
            text: String::new(),
            n_dropped: 0,
            max_events,
            event_times: Vec::new(),
            names: Vec::new(),
            name_parents: Vec::new(),
        }
    }

    /// Appends an event.
    pub fn push(&mut self, at: SimTime, ctx: Ctx, line: u32, kind: Kind) {
        if let Some(last) = self.events.last() {
            assert!(
                last.at <= at,
                "trace time went backwards: {} then {} ({kind:?})",
                last.at,
                at
            );
        }
        if self.events.len() >= self.max_events {
            self.n_dropped += 1;
            return;
        }
        self.events.push(TraceEvent {
            at,
            line,
            ctx,
            kind,
        });
    }

    /// The label of location (or function) `loc` (`?` if unknown).
    pub fn loc_label(&self, loc: u32) -> &str {
        self.names.get(loc as usize).map_or("?", |n| n.as_str())
    }

    /// The container location `loc` is an element of, if any.
    pub fn loc_parent(&self, loc: u32) -> Option<u32> {
        self.name_parents
            .get(loc as usize)
            .copied()
            .filter(|&p| p != u32::MAX)
    }

    /// Stores `s` in the text buffer, returning (offset, len).
    pub fn add_text(&mut self, s: &str) -> (u32, u32) {
        let offset = self.text.len() as u32;
        self.text.push_str(s);
        (offset, s.len() as u32)
    }

    /// The text an event refers to.
    pub fn text_of(&self, offset: u32, len: u32) -> &str {
        &self.text[offset as usize..(offset + len) as usize]
    }

    /// Everything the program printed, in order (console output only).
    pub fn console(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            if let Kind::Print { offset, len } | Kind::Exception { offset, len } = e.kind {
                out.push_str(self.text_of(offset, len));
            }
        }
        out
    }

    /// A stable FNV-1a hash of the trace's text form, for determinism checks and reports.
    pub fn hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.timeline().bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }

    /// The readable timeline: one line per event.
    pub fn timeline(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            let ctx = match e.ctx {
                Ctx::Main => "main",
                Ctx::Callback => "callback",
                Ctx::Isr => "isr",
                Ctx::HardIrq => "hard-irq",
                Ctx::Idle => "idle",
            };
            let line = if e.line == 0 {
                "L-".to_string()
            } else {
                format!("L{}", e.line)
            };
            let _ = writeln!(
                out,
                "{:>16}  {:<8}  {:<5}  {}",
                e.at.to_string(),
                ctx,
                line,
                self.describe(&e.kind)
            );
        }
        out
    }

    /// One line describing `k` (the event column of the timeline).
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per trace event kind: a flat table"
    )]
    pub fn describe(&self, k: &Kind) -> String {
        match *k {
            Kind::ProgramStart => "program start".into(),
            Kind::ProgramEnd { ok } => format!(
                "program end{}",
                if ok { "" } else { " (uncaught exception)" }
            ),
            Kind::TimeLimit => "time limit reached".into(),
            Kind::PinLevel {
                pin,
                level,
                by_program,
            } => {
                format!(
                    "pin {pin} -> {level}{}",
                    if by_program {
                        " (program)"
                    } else {
                        " (stimulus)"
                    }
                )
            }
            Kind::IrqRaised { source, event } => format!("irq raised  {source}  #{event}"),
            Kind::IrqMasked { source, event } => {
                format!("irq masked (interrupts disabled)  {source}  #{event}")
            }
            Kind::IrqCoalesced { source, event } => {
                format!("irq merged into the pending one (callback lost)  {source}  #{event}")
            }
            Kind::IsrRun {
                source,
                event,
                duration_ns,
            } => {
                format!("isr  {source}  #{event}  {}", SimDuration(duration_ns))
            }
            Kind::CallbackQueued {
                source,
                event,
                depth,
            } => format!("callback queued  {source}  #{event}  depth {depth}"),
            Kind::CallbackDropped { source, event } => {
                format!("callback DROPPED (queue full)  {source}  #{event}")
            }
            Kind::CallbackStart { source, event } => format!("callback start  {source}  #{event}"),
            Kind::CallbackEnd { source, event } => format!("callback end  {source}  #{event}"),
            Kind::HardStart { source, event } => format!("hard handler start  {source}  #{event}"),
            Kind::HardEnd { source, event } => format!("hard handler end  {source}  #{event}"),
            Kind::Print { offset, len } => format!("print {:?}", self.text_of(offset, len)),
            Kind::Exception { offset, len } => {
                let text = self.text_of(offset, len);
                format!("exception  {}", text.lines().last().unwrap_or(""))
            }
            Kind::TimerInit {
                timer,
                period_ns,
                periodic,
            } => format!(
                "timer {timer} init  {} {}",
                if periodic { "periodic" } else { "one-shot" },
                SimDuration(period_ns)
            ),
            Kind::TimerDeinit { timer } => format!("timer {timer} deinit"),
            Kind::SleepStart { until_ns } => format!("sleep until {}", SimTime(until_ns)),
            Kind::SleepEnd => "sleep end".into(),
            Kind::IdleLoop => "program done; idle loop runs callbacks".into(),
            Kind::IdleStart => "wait (cpu idle)".into(),
            Kind::IdleEnd => "wake".into(),
            Kind::Gc {
                pause_ns,
                live_bytes,
            } => format!(
                "gc  pause {}  live {live_bytes} bytes",
                SimDuration(pause_ns)
            ),
            Kind::IrqDisable { depth } => format!("disable_irq  depth {depth}"),
            Kind::IrqEnable { depth } => format!("enable_irq  depth {depth}"),
            Kind::HeapLockedAlloc { what } => format!(
                "allocation with heap locked ({})",
                match what {
                    AllocWhat::Float => "float",
                    AllocWhat::BigInt => "big int",
                    AllocWhat::Object => "object",
                }
            ),
            Kind::Access {
                loc, kind, frame, ..
            } => format!(
                "{} {}  (call #{frame})",
                match kind {
                    AccessKind::Read => "read",
                    AccessKind::Write => "write",
                    AccessKind::ReadAll => "read all of",
                    AccessKind::WriteAll => "change",
                },
                self.loc_label(loc)
            ),
            Kind::Reentered { func, outer_line } => format!(
                "re-entered {}() (interrupted call at L{outer_line})",
                self.loc_label(func)
            ),
            Kind::AsyncioFromIrq { func } => {
                format!(
                    "asyncio {} called from interrupt context",
                    self.loc_label(func)
                )
            }
            Kind::Led { led, on } => format!("LED({led}) {}", if on { "on" } else { "off" }),
            Kind::CpuFreq { hz } => format!("cpu freq {} MHz", hz / 1_000_000),
            Kind::Task { task, ev, on } => match ev {
                TaskEv::Created => format!("task #{task} created"),
                TaskEv::Resumed => format!("task #{task} resumed"),
                TaskEv::Suspended => format!("task #{task} suspended  on {on}"),
                TaskEv::Woken => format!("task #{task} woken  by {on}"),
                TaskEv::Finished => format!("task #{task} finished"),
                TaskEv::Failed => format!("task #{task} failed"),
                TaskEv::CancelRequested => format!("task #{task} cancel requested"),
                TaskEv::Cancelled => format!("task #{task} ended cancelled"),
            },
            Kind::TaskName { task, offset, len } => {
                format!("task #{task} runs '{}'", self.text_of(offset, len))
            }
            Kind::FlagSet { flag } => format!("ThreadSafeFlag #{flag} set"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The documented size of a trace event (bytes per event in docs and the report).
    #[test]
    fn trace_event_is_compact() {
        assert_eq!(
            std::mem::size_of::<TraceEvent>(),
            32,
            "update the module doc and docs/tui.md"
        );
        // Task events fit the same payload as the others (16 bytes with the tag).
        assert_eq!(std::mem::size_of::<Kind>(), 16);
    }

    // Console output is reassembled from print events in order.
    #[test]
    fn console_reassembles_prints() {
        let mut t = Trace::new(100);
        let (o, l) = t.add_text("a\n");
        t.push(SimTime(1), Ctx::Main, 1, Kind::Print { offset: o, len: l });
        let (o, l) = t.add_text("b\n");
        t.push(
            SimTime(2),
            Ctx::Callback,
            1,
            Kind::Print { offset: o, len: l },
        );
        assert_eq!(t.console(), "a\nb\n");
        assert!(t.timeline().contains("print \"b\\n\""));
    }
}
