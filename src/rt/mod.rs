//! The runtime: the MicroPython port (esp32, or the pyboard's stm32) connecting the VM to the
//! virtual board.
//!
//! [`Runtime`] is the VM's [`Host`]. It owns the board's peripherals, the hardware event queue,
//! the clock (cycles ↔ time, [`crate::time::Clock`]) and the trace. This file is the port's
//! skeleton: the runtime's state, the clock and the VM's deadline, trace recording, delivery of
//! due hardware events, and the [`Host`] hooks (console, imports, callback start/end as
//! py/scheduler.c `mp_handle_pending` runs them, access tracking). The rest, by concept:
//!
//! * `irq.rs`: interrupt dispatch — ISR entry and exit, `mp_sched_schedule` from ISRs, hard
//!   handlers, `disable_irq`/`enable_irq`, handler registration (ports/esp32/machine_pin.c,
//!   machine_timer.c, py/scheduler.c, shared/runtime/mpirq.c, ports/stm32/irq.h, timer.c);
//! * `sleep.rs`: `mp_hal_delay_ms`, `mp_hal_delay_us` and the idle loop (ports/esp32/mphalport.c);
//! * `uart.rs`: the console UART (ports/esp32/mphalport.c, uart.c);
//! * `vary.rs`: timing variation drawn from the seed ([`Vary`]);
//! * [`pyboard`]: the pyboard's own state; [`machine_mod`], [`time_mod`], [`pyb_mod`],
//!   [`pyb_pin`], [`asyncio`]: the native modules; [`op_cost`]: what each op costs;
//!   [`tracker`]: access tracking for the race rules.
//!
//! Time advances only here, by moving `vm.cycles` (which the VM increments per op): the clock
//! maps cycles to nanoseconds at the current CPU frequency.

pub mod asyncio;
mod irq;
pub mod machine_mod;
mod native;
pub mod op_cost;
pub mod pyb_mod;
pub mod pyb_pin;
pub mod pyboard;
mod sleep;
mod stimulus;
pub mod time_mod;
pub mod tracker;
mod uart;
mod vary;

pub use stimulus::{EdgeStream, RunLimit};
pub use vary::Vary;
use vary::VaryState;

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use crate::hw::costs::CostModel;
use crate::hw::gpio::{Drive, PinId};

use crate::hw::profile::BoardProfile;

use crate::hw::timer::{Alarm, TimerId};
use crate::hw::{Board, BoardKind};
use crate::py::value::Value;
use crate::py::vm::{AbortReason, AccessAt, AccessKind, Flow, Host, Vm};
use crate::queue::EventQueue;
use crate::time::{Clock, Cycles, SimTime};
use crate::trace::{Ctx, Kind, Source, Trace};

/// A hardware event in the queue.
#[derive(Clone, Debug)]
pub enum HwEvent {
    /// A timer alarm.
    Timer {
        /// Which timer.
        id: TimerId,
        /// The alarm (stale alarms of re-initialised timers are ignored).
        alarm: Alarm,
    },
    /// An outside circuit drives a pin (scenario stimulus).
    Drive {
        /// The pin.
        pin: PinId,
        /// What it drives.
        drive: Drive,
    },
    /// A scenario step is due (handled by the scenario runner through [`Runtime::step_hook`]).
    Step(u32),
    /// The next edge of a scenario stimulus (see `stimulus.rs`: one pending per stimulus).
    Stimulus {
        /// The stimulus's index, which is its queue lane.
        lane: u32,
        /// The pin.
        pin: PinId,
        /// What it drives.
        drive: Drive,
    },
    /// The delayed ISR entry of an interrupt raised earlier (scenario `vary: irq-jitter`).
    IsrEntry {
        /// The interrupt source.
        source: Source,
        /// Its event number (from the `IrqRaised` record).
        event: u32,
    },
}

/// What the scenario runner does when a `HwEvent::Step` is due.
pub type StepHook = Box<dyn FnMut(&mut Runtime, &mut Vm, u32) -> Result<(), Flow>>;

/// Called before every op once installed ([`Runtime::set_op_hook`]; `irqlab explore
/// --exhaustive` and `--inject`). The op's cost is already charged; it has not run yet.
pub type OpHook = Box<dyn FnMut(&mut Runtime, &mut Vm) -> Result<(), Flow>>;

/// The Python objects behind a pin's IRQ.
#[derive(Clone)]
struct PinIrq {
    handler: Value,
    pin_obj: Value,
    hard: bool,
}

/// The Python objects behind a running timer.
#[derive(Clone)]
struct TimerCb {
    callback: Value,
    timer_obj: Value,
    hard: bool,
}

/// The esp32 port of MicroPython around the VM.
pub struct Runtime {
    /// The board description and cost model.
    pub profile: BoardProfile,
    /// Cost of each op (shared with the VM).
    pub cost: Rc<CostModel>,
    /// The peripherals.
    pub board: Board,
    /// Pending hardware events.
    pub queue: EventQueue<HwEvent>,
    /// Everything observable.
    pub trace: Trace,
    /// The run stops (Abort) when simulated time reaches this.
    pub limit: SimTime,
    /// Cycles ↔ time at the current CPU frequency (the one clock).
    clock: Clock,
    next_event: u32,
    /// Sources and event numbers of the schedule-queue entries, parallel to `vm.sched`.
    sched_ids: VecDeque<(Source, u32)>,
    /// Contexts entered (callbacks, ISRs); the bottom is the main program or idle.
    ctx_stack: Vec<Ctx>,
    running_callbacks: Vec<(Source, u32)>,
    pin_irqs: BTreeMap<u8, PinIrq>,
    timer_cbs: BTreeMap<i8, TimerCb>,
    uart_free_at: SimTime,
    /// The main task's notification count: each ISR gives one
    /// (`mp_hal_wake_main_task_from_isr`), each `ulTaskNotifyTake(pdFALSE, ..)` takes one.
    notify_count: u32,
    /// The line the main program is at (for trace records).
    pub main_line: u32,
    /// Classes of the native objects (`machine.Pin`, `machine.Timer`).
    pub classes: machine_mod::NativeClasses,
    /// Timer and Pin Python objects by handle (to hand the same object to callbacks).
    pub objects: BTreeMap<u32, Value>,
    /// The `asyncio` module once imported (`uasyncio` is the same object).
    pub asyncio: Option<Value>,
    /// Called for `HwEvent::Step` events (scenario steps).
    pub step_hook: Option<StepHook>,
    /// Console output so far.
    pub stdout: String,
    /// The pyboard's own state (`pyb` timers, LEDs).
    pub pyb: pyboard::PybState,
    /// The RNG of `pyb.rng()`, from the run's seed.
    pub rng: crate::rng::Rng,
    /// Access tracking state (used only when the VM's `track_access` is on).
    pub tracker: tracker::Tracker,
    /// Watches the trace as it grows (the TUI's live mode; see [`Runtime::set_observer`]).
    observer: Option<Observer>,
    /// The observer is called before the first event at or after this time is recorded.
    observer_next: SimTime,
    /// asyncio functions not to be called from interrupt context, by code address (set when
    /// asyncio is imported).
    pub asyncio_unsafe: Vec<(usize, &'static str)>,
    /// VM frame depth at the start of each running callback or hard handler: frames below it
    /// belong to the code that was interrupted.
    irq_frame_base: Vec<usize>,
    /// Timing variation streams (scenario `vary:`).
    vary: VaryState,
    /// Called before every op while installed (taken out while it runs).
    op_hook: Option<OpHook>,
    /// True once an op hook is installed: the VM's deadline is then 0 (every op calls
    /// `on_deadline`) and `event_deadline_cycles` holds the real one.
    op_hook_on: bool,
    /// The cycle count of the next hardware event or the limit.
    event_deadline_cycles: u64,
    /// The scenario's stimuli, by lane (`stimulus.rs`).
    feeds: Vec<stimulus::Feed>,
    /// The limit of irqlab's the run reached (it stops at the next check).
    limit_hit: Option<RunLimit>,
}

/// A watcher of the growing trace: gets the trace so far and the time of the event about to be
/// recorded, returns when it wants to be called next.
pub type Observer = Box<dyn FnMut(&Trace, SimTime) -> SimTime>;

impl Runtime {
    /// A runtime for `profile` with an empty board, stopping at `limit`.
    pub fn new(
        kind: BoardKind,
        profile: BoardProfile,
        limit: SimTime,
        max_trace_events: usize,
    ) -> Runtime {
        let cost = Rc::new(profile.cost().clone());
        let clock = Clock::new(profile.cpu_freq_hz());
        Runtime {
            cost,
            board: Board::new(kind),
            queue: EventQueue::new(),
            trace: Trace::new(max_trace_events),
            limit,
            clock,
            next_event: 0,
            sched_ids: VecDeque::new(),
            ctx_stack: vec![Ctx::Main],
            running_callbacks: Vec::new(),
            pin_irqs: BTreeMap::new(),
            timer_cbs: BTreeMap::new(),
            uart_free_at: SimTime::ZERO,
            notify_count: 0,
            main_line: 0,
            classes: machine_mod::NativeClasses::new(),
            objects: BTreeMap::new(),
            asyncio: None,
            step_hook: None,
            stdout: String::new(),
            pyb: pyboard::PybState::default(),
            tracker: tracker::Tracker::default(),
            observer: None,
            observer_next: SimTime(u64::MAX),
            irq_frame_base: Vec::new(),
            asyncio_unsafe: Vec::new(),
            vary: VaryState::default(),
            op_hook: None,
            op_hook_on: false,
            event_deadline_cycles: u64::MAX,
            feeds: Vec::new(),
            limit_hit: None,
            rng: crate::rng::Rng::from_seed(0),
            profile,
        }
    }

    // ------------------------------------------------------------ clock

    /// Simulated time now: the VM's cycle count at the current frequency.
    pub fn now(&self, vm: &Vm) -> SimTime {
        self.clock.time_at(vm.cycles)
    }

    /// The time at which the VM's cycle count was (or will be) `cycles`.
    fn time_at_cycles(&self, cycles: u64) -> SimTime {
        self.clock.time_at(cycles)
    }

    /// The cycles-to-time mapping now.
    fn clock(&self) -> Clock {
        self.clock
    }

    /// The cycle count at which time `t` is reached (rounded up).
    fn cycles_at(&self, t: SimTime) -> u64 {
        self.clock.cycles_at(t)
    }

    /// Moves the clock forward to `t` without executing anything (idle or busy-wait).
    fn advance_to(&mut self, vm: &mut Vm, t: SimTime) {
        let c = self.cycles_at(t);
        if c > vm.cycles {
            vm.cycles = c;
        }
    }

    /// Charges `cycles` of CPU work done outside bytecode (ISRs, dispatch, printing).
    pub fn charge(&mut self, vm: &mut Vm, cycles: u64) {
        vm.cycles += cycles;
    }

    /// `machine.freq(hz)`: rebases the clock so past time is unchanged.
    pub fn set_freq(&mut self, vm: &mut Vm, hz: u64) {
        // Pending accesses were timed at the old frequency.
        let clock = self.clock();
        self.tracker.flush(&mut self.trace, clock);
        let now = self.now(vm);
        self.clock.set_freq(vm.cycles, hz);
        self.record(vm, now, Kind::CpuFreq { hz: hz as u32 });
        self.set_deadline(vm);
    }

    /// The CPU frequency in Hz.
    pub fn freq_hz(&self) -> u64 {
        self.clock.freq_hz()
    }

    /// Points the VM's deadline at the next hardware event or the time limit.
    pub fn set_deadline(&mut self, vm: &mut Vm) {
        let next = self
            .queue
            .peek_time()
            .map_or(self.limit, |t| t.min(self.limit));
        // A limit was reached: stop at the next op.
        let next = if self.limit_hit.is_some() {
            SimTime::ZERO
        } else {
            next
        };
        let d = self.cycles_at(next).max(vm.cycles);
        self.event_deadline_cycles = d;
        vm.deadline_cycles = if self.op_hook_on { 0 } else { d };
    }

    /// Installs `hook`, called before every op from now on. Plain runs never install one and
    /// pay nothing: the hook rides on the VM's existing deadline check.
    pub fn set_op_hook(&mut self, vm: &mut Vm, hook: OpHook) {
        self.op_hook = Some(hook);
        self.op_hook_on = true;
        self.set_deadline(vm);
    }

    // ------------------------------------------------------------ trace helpers

    /// The current context.
    pub fn ctx(&self) -> Ctx {
        *self
            .ctx_stack
            .last()
            .expect("the context stack is never empty")
    }

    /// Appends a trace event at `at` (clamped so the trace stays ordered) in the current
    /// context, at the source line of the op running now ([`Runtime::line_now`]).
    pub fn record(&mut self, vm: &Vm, at: SimTime, kind: Kind) {
        let line = self.line_now(vm);
        self.record_line(at, line, kind);
    }

    /// The source line an event recorded now belongs to: [`Vm::program_line`], computed from
    /// the VM's frames when an event is recorded (the VM only moves `ip`: nothing per op). It
    /// is the line of the op the innermost program frame executes (a native call such as
    /// `disable_irq()` runs inside its `CALL_FUNCTION` op). Frames of the frozen
    /// `asyncio/core.py` are skipped ([`Vm::is_library`]): the trace has no file field, so
    /// what runs there is attributed to the program's line that called into it. With no
    /// program frame (before the program starts, after it ends) it is the last line known.
    pub fn line_now(&mut self, vm: &Vm) -> u32 {
        if let Some(line) = vm.program_line() {
            self.main_line = line;
        }
        self.main_line
    }

    /// `line` as recorded by the VM, or [`Runtime::line_now`] when it had none (0).
    fn vm_line(&mut self, vm: &Vm, line: u32) -> u32 {
        if line == 0 { self.line_now(vm) } else { line }
    }

    /// [`Runtime::record`] at a line the caller knows better (a suspended task's `await`).
    pub fn record_line(&mut self, at: SimTime, line: u32, kind: Kind) {
        let ctx = self.ctx();
        // Something other than an access: the access tracker's epoch ends.
        let clock = self.clock();
        self.tracker.flush(&mut self.trace, clock);
        self.tracker.epoch += 1;
        let at = self.trace.events.last().map_or(at, |l| at.max(l.at));
        if at >= self.observer_next
            && let Some(observe) = self.observer.as_mut()
        {
            // Every event recorded so far is earlier than `at` or at it, and every later one
            // will be at `at` or later: the trace so far is final before `at`.
            self.observer_next = observe(&self.trace, at);
        }
        self.trace.push(at, ctx, line, kind);
    }

    /// Calls `observe(trace, t)` before recording the first event at or after `first`, then
    /// before the first event at or after the time it returns, and so on. It only reads the
    /// trace, so a watched run records exactly what an unwatched one does (the TUI's live mode
    /// hands these prefixes to its UI thread).
    pub fn set_observer(&mut self, first: SimTime, observe: Observer) {
        self.observer = Some(observe);
        self.observer_next = first;
    }

    fn new_event(&mut self, at: SimTime) -> u32 {
        self.next_event += 1;
        self.trace.event_times.push(at);
        self.next_event - 1
    }

    // ------------------------------------------------------------ events and interrupts

    /// Moves what the VM recorded (GC pauses, heap-locked allocations) into the trace, at the
    /// time each happened.
    pub fn drain_vm_events(&mut self, vm: &mut Vm) {
        use crate::py::vm::VmEvent;
        for ev in std::mem::take(&mut vm.events) {
            match ev {
                VmEvent::Gc {
                    start_cycles,
                    pause_cycles,
                    live_bytes,
                    line,
                } => {
                    let at = self.time_at_cycles(start_cycles);
                    let pause_ns = self.clock.duration(Cycles(pause_cycles)).as_ns();
                    let line = self.vm_line(vm, line);
                    self.record_line(
                        at,
                        line,
                        Kind::Gc {
                            pause_ns,
                            live_bytes: live_bytes as u32,
                        },
                    );
                }
                VmEvent::HeapLocked {
                    at_cycles,
                    what,
                    line,
                    ..
                } => {
                    let at = self.time_at_cycles(at_cycles);
                    let line = self.vm_line(vm, line);
                    self.record_line(at, line, Kind::HeapLockedAlloc { what });
                }
            }
        }
    }

    /// Delivers every hardware event due by now.
    pub fn service(&mut self, vm: &mut Vm) -> Result<(), Flow> {
        if !vm.events.is_empty() {
            self.drain_vm_events(vm);
        }
        loop {
            let now = self.now(vm);
            if now >= self.limit {
                // A saturated board (ISRs longer than the edges' spacing) stops at the limit,
                // not after delivering every edge that became due meanwhile.
                break;
            }
            let Some((at, ev)) = self.queue.pop_due(now) else {
                break;
            };
            self.handle(vm, at, ev)?;
            self.check_limits()?;
        }
        self.check_limits()?;
        if self.now(vm) >= self.limit {
            self.record(vm, self.limit, Kind::TimeLimit);
            return Err(Flow::Abort(AbortReason::TimeLimit));
        }
        self.set_deadline(vm);
        Ok(())
    }
}

impl Host for Runtime {
    fn on_deadline(&mut self, vm: &mut Vm) -> Result<(), Flow> {
        if self.op_hook_on {
            // The hook is taken out while it runs, so ops it runs (an injected hard handler)
            // do not call it again.
            if let Some(mut hook) = self.op_hook.take() {
                let r = hook(self, vm);
                self.op_hook = Some(hook);
                r?;
            }
            if vm.cycles < self.event_deadline_cycles {
                return Ok(());
            }
        }
        self.service(vm)
    }

    fn write_stdout(&mut self, vm: &mut Vm, text: &str) {
        let now = self.now(vm);
        let (offset, len) = self.trace.add_text(text);
        self.record(vm, now, Kind::Print { offset, len });
        self.stdout.push_str(text);
        // On the board `\n` goes out as `\r\n` (stdout_helpers.c).
        self.uart_write(vm, text.len() + text.matches('\n').count());
    }

    fn write_exception(&mut self, vm: &mut Vm, exc: &Value, text: &str) {
        self.emit_exception(vm, exc, text);
    }

    fn import_native(&mut self, vm: &mut Vm, name: &str) -> Option<Value> {
        match name {
            "machine" => Some(machine_mod::module(self, vm)),
            "time" => Some(time_mod::module()),
            "micropython" => Some(machine_mod::micropython_module()),
            "pyb" if self.board.kind == BoardKind::Pyboard => Some(pyb_mod::module(self)),
            "asyncio" | "uasyncio" => asyncio::import(self, vm),
            _ => None,
        }
    }

    fn on_callback(&mut self, vm: &mut Vm, _func: &Value, start: bool) {
        let now = self.now(vm);
        if start {
            let (source, event) = self
                .sched_ids
                .pop_front()
                .expect("every scheduled entry has an id");
            let dispatch = self.cost.sched_dispatch_cycles().0;
            self.drain_vm_events(vm);
            self.ctx_stack.push(Ctx::Callback);
            self.irq_frame_base.push(vm.frames.len());
            self.record(vm, now, Kind::CallbackStart { source, event });
            self.charge(vm, dispatch);
            self.running_callbacks.push((source, event));
        } else {
            let (source, event) = self
                .running_callbacks
                .pop()
                .expect("callback end matches a start");
            self.drain_vm_events(vm);
            self.record(vm, now, Kind::CallbackEnd { source, event });
            self.ctx_stack.pop();
            self.irq_frame_base.pop();
        }
    }

    fn on_access(&mut self, vm: &mut Vm, at: AccessAt<'_>, kind: AccessKind) -> Option<u32> {
        if asyncio::is_core(&vm.frames.last()?.code) {
            // irqlab's asyncio internals (C in MicroPython, and ThreadSafeFlag is made for
            // interrupts): their own state is not the program's shared data.
            return None;
        }
        let loc = self.tracker.locate(&mut self.trace, at)?;
        self.on_access_loc(vm, loc, kind);
        Some(loc)
    }

    fn on_access_loc(&mut self, vm: &mut Vm, loc: u32, kind: AccessKind) {
        let f = vm.frames.last().expect("accesses happen in a frame");
        let (frame, line) = (f.serial, f.current_line());
        let op = u16::try_from(f.ip.saturating_sub(1)).unwrap_or(u16::MAX);
        self.main_line = line;
        let ctx = self.ctx();
        let clock = self.clock();
        self.tracker.record(
            &mut self.trace,
            clock,
            &tracker::Access {
                loc,
                kind,
                frame,
                line,
                op,
                ctx,
                cycles: vm.cycles,
            },
        );
    }

    fn on_enter(&mut self, vm: &mut Vm, code: &Rc<crate::py::bytecode::CodeObject>) {
        let Some(&base) = self.irq_frame_base.last() else {
            return;
        };
        let now = self.now(vm);
        let addr = Rc::as_ptr(code) as usize;
        // Re-entry: the interrupted code (frames below the handler's) is inside this function.
        if let Some(outer) = vm.frames[..base.min(vm.frames.len())]
            .iter()
            .rev()
            .find(|f| Rc::ptr_eq(&f.code, code))
        {
            let outer_line = outer.current_line();
            let func = self.tracker.func(&mut self.trace, addr, &code.name);
            self.record(vm, now, Kind::Reentered { func, outer_line });
        }
        if let Some(name) = asyncio::unsafe_from_irq(self, code) {
            let func = self.tracker.func(&mut self.trace, addr, name);
            self.record(vm, now, Kind::AsyncioFromIrq { func });
        }
    }

    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// The Python-visible number of a timer (`-1` for virtual timers).
pub fn timer_number(id: TimerId) -> i8 {
    match id {
        TimerId::Hardware(n) => n as i8,
        TimerId::Virtual(n) => -1 - (n as i8),
    }
}

/// The runtime behind a `&mut dyn Host` (native functions of `machine`, `time`, ...).
pub fn rt(host: &mut dyn Host) -> &mut Runtime {
    host.as_any()
        .downcast_mut::<Runtime>()
        .expect("the host is the esp32 runtime")
}
