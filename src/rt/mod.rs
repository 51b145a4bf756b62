//! The runtime: the ESP32 port of MicroPython, connecting the VM to the virtual board.
//!
//! [`Runtime`] is the VM's [`Host`]. It owns the board's peripherals, the hardware event queue,
//! the clock mapping from CPU cycles to simulated time, and the trace. It models what the
//! esp32 port's C code does:
//!
//! * ISRs (`machine_pin_isr_handler`, the timer ISR) run at the hardware event's time, cost
//!   their cycles, call `mp_sched_schedule` (dropping the event when the ring of 8 is full)
//!   and wake the main task (facts §2.5, §2.7, §4.2, §4.3);
//! * `time.sleep*` is `mp_hal_delay_ms`: run one pending callback, then block for at most one
//!   FreeRTOS tick or until an ISR notifies the task; the last tick is busy-waited
//!   (`mp_hal_delay_us`), still running callbacks while more than 150 µs remain (facts §2.5);
//! * after the program ends, the REPL's idle wait keeps running callbacks while timers or
//!   stimuli can still produce events;
//! * `machine.disable_irq()` masks interrupts; events raised meanwhile are taken on enable;
//! * `asyncio` ([`asyncio`]): the event loop is Python run on the VM; its wait is `ipoll`
//!   with the esp32 poll hook (facts §5.2, §2.5).
//!
//! Time advances only here, by moving `vm.cycles` (which the VM increments per op): the clock
//! maps cycles to nanoseconds at the current CPU frequency.

pub mod asyncio;
pub mod machine_mod;
mod native;
pub mod op_cost;
pub mod pyb_mod;
pub mod pyb_pin;
pub mod time_mod;
pub mod tracker;

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use crate::hw::costs::CostModel;
use crate::hw::gpio::{Drive, PinId};
use crate::hw::intc::Raise;
use crate::hw::profile::BoardProfile;
use crate::hw::stm32;
use crate::hw::timer::{Alarm, FireOutcome, TimerId};
use crate::hw::{Board, BoardKind};
use crate::py::value::{Class, Value};
use crate::py::vm::{AbortReason, AccessAt, AccessKind, Flow, Host, Vm};
use crate::queue::EventQueue;
use crate::time::{Clock, Cycles, SimDuration, SimTime};
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

/// Timing variation drawn from the seed (scenario `vary:`, docs/explore.md). All off by
/// default: a run without `vary:` is exactly the unvaried run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vary {
    /// Delay each timer's first expiry after `init` by a uniform offset in `[0, period)`.
    pub timer_phase: bool,
    /// Delay each interrupt's ISR entry by a uniform `[0, irq_jitter]`.
    pub irq_jitter: Option<SimDuration>,
    /// Start the program after a uniform `[0, start]` delay (the machine does this).
    pub start: Option<SimDuration>,
}

/// The random streams behind [`Vary`], each forked from the run's seed by its own name so
/// that turning one kind on does not shift the draws of another.
#[derive(Clone, Debug, Default)]
struct VaryState {
    timer_phase: Option<crate::rng::Rng>,
    irq_jitter: Option<(crate::rng::Rng, u64)>,
    /// The phase offset of each timer's current arming.
    timer_offsets: Vec<(TimerId, SimDuration)>,
}

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
    /// Python-visible numbers of timers that are not esp32 hardware timers (pyb.Timer n is
    /// modelled on a virtual timer slot): `(slot, number)`.
    pub timer_aliases: Vec<(TimerId, i8)>,
    /// The RNG of `pyb.rng()`, from the run's seed.
    pub rng: crate::rng::Rng,
    /// The Pyboard's four LEDs (`pyb.LED(1..=4)`).
    pub leds: [bool; 4],
    /// Bit n set: `pyb.Timer(n)` was initialised with `hard=False` (its callbacks are
    /// scheduled, not run in the ISR; ports/stm32/timer.c `ishard`).
    pub pyb_soft_timers: u16,
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
            timer_aliases: Vec::new(),
            leds: [false; 4],
            pyb_soft_timers: 0,
            tracker: tracker::Tracker::default(),
            observer: None,
            observer_next: SimTime(u64::MAX),
            irq_frame_base: Vec::new(),
            asyncio_unsafe: Vec::new(),
            vary: VaryState::default(),
            op_hook: None,
            op_hook_on: false,
            event_deadline_cycles: u64::MAX,
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
        self.record(now, Kind::CpuFreq { hz: hz as u32 });
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

    /// Sets up the timer-phase and IRQ-jitter streams of `vary` from the run's `seed`.
    pub fn set_vary(&mut self, vary: &Vary, seed: u64) {
        use crate::rng::{Rng, stream_id};
        let root = Rng::from_seed(seed);
        self.vary.timer_phase = vary
            .timer_phase
            .then(|| root.fork(stream_id("vary.timer-phase")));
        self.vary.irq_jitter = vary
            .irq_jitter
            .filter(|d| d.as_ns() > 0)
            .map(|d| (root.fork(stream_id("vary.irq-jitter")), d.as_ns()));
    }

    /// An extra interrupt of `source` now, as if the hardware had raised it (`explore
    /// --exhaustive`, `run --inject`): the ISR runs at once, before the next op (or the line
    /// stays pending while masked). No `irq-jitter` is applied: the placement is exact.
    pub fn inject_irq(&mut self, vm: &mut Vm, source: Source) -> Result<(), Flow> {
        let now = self.now(vm);
        let event = self.new_event(now);
        self.record(now, Kind::IrqRaised { source, event });
        self.take_irq(vm, now, source, event)
    }

    // ------------------------------------------------------------ trace helpers

    /// The current context.
    pub fn ctx(&self) -> Ctx {
        *self
            .ctx_stack
            .last()
            .expect("the context stack is never empty")
    }

    /// Appends a trace event at `at` (clamped so the trace stays ordered) in the current context.
    pub fn record(&mut self, at: SimTime, kind: Kind) {
        let (ctx, line) = (self.ctx(), self.main_line);
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
                } => {
                    let at = self.time_at_cycles(start_cycles);
                    let pause_ns = self.clock.duration(Cycles(pause_cycles)).as_ns();
                    self.record(
                        at,
                        Kind::Gc {
                            pause_ns,
                            live_bytes: live_bytes as u32,
                        },
                    );
                }
                VmEvent::HeapLocked {
                    at_cycles, what, ..
                } => {
                    let at = self.time_at_cycles(at_cycles);
                    self.record(at, Kind::HeapLockedAlloc { what });
                }
            }
        }
    }

    /// Remembers the line the running Python code is at, for trace records.
    pub fn sync_line(&mut self, vm: &Vm) {
        if let Some(f) = vm.frames.last() {
            self.main_line = f.current_line();
        }
    }

    /// Delivers every hardware event due by now.
    pub fn service(&mut self, vm: &mut Vm) -> Result<(), Flow> {
        if !vm.events.is_empty() {
            self.drain_vm_events(vm);
        }
        self.sync_line(vm);
        loop {
            let now = self.now(vm);
            let Some((at, ev)) = self.queue.pop_due(now) else {
                break;
            };
            self.handle(vm, at, ev)?;
        }
        if self.now(vm) >= self.limit {
            self.record(self.limit, Kind::TimeLimit);
            return Err(Flow::Abort(AbortReason::TimeLimit));
        }
        self.set_deadline(vm);
        Ok(())
    }

    fn handle(&mut self, vm: &mut Vm, at: SimTime, ev: HwEvent) -> Result<(), Flow> {
        match ev {
            HwEvent::Timer { id, alarm } => {
                let outcome = self.board.timers.get_mut(id).fire(alarm);
                if let FireOutcome::Fired { next, .. } = outcome {
                    if let Some(next) = next {
                        let offset = self.timer_offset(id);
                        self.queue
                            .push(next.at + offset, HwEvent::Timer { id, alarm: next })
                            .expect("the hardware event queue is bounded well above a run");
                    }
                    let source = Source::Timer(self.timer_label(id));
                    self.raise(vm, at, source)?;
                }
            }
            HwEvent::Drive { pin, drive } => {
                let change = self.board.gpio.drive_external(pin, drive);
                self.pin_change(vm, at, change, false)?;
            }
            HwEvent::IsrEntry { source, event } => self.take_irq(vm, at, source, event)?,
            HwEvent::Step(n) => {
                if let Some(mut hook) = self.step_hook.take() {
                    let r = hook(self, vm, n);
                    self.step_hook = Some(hook);
                    r?;
                }
            }
        }
        Ok(())
    }

    /// Records a pin change and raises its interrupt if it fires.
    pub fn pin_change(
        &mut self,
        vm: &mut Vm,
        at: SimTime,
        change: crate::hw::gpio::PinChange,
        by_program: bool,
    ) -> Result<(), Flow> {
        self.sync_line(vm);
        if change.edge.is_some() {
            let level = change.level.as_u8();
            self.record(
                at,
                Kind::PinLevel {
                    pin: change.pin.number(),
                    level,
                    by_program,
                },
            );
        }
        if change.irq_raised {
            for pin in self.board.gpio.take_irq_status() {
                self.raise(vm, at, Source::Pin(pin.number()))?;
            }
        }
        Ok(())
    }

    /// Queues a hardware event. A timer's first alarm after `init` is delayed by a drawn
    /// phase offset when `vary: timer-phase` is on (its later alarms keep that phase).
    ///
    /// Invariant: a `HwEvent::Timer` comes through here only when a timer is (re)armed
    /// (`Timer.init`, `pyb.Timer`); the periodic re-arm in `handle` queues directly with the
    /// arming's offset. FIXME: `Timer.value()` counts from `init`, not from the shifted phase.
    pub fn push_event(&mut self, mut at: SimTime, ev: HwEvent) {
        if let (HwEvent::Timer { id, .. }, Some(rng)) = (&ev, self.vary.timer_phase.as_mut()) {
            let period = self.board.timers.get(*id).period_ns().unwrap_or(1).max(1);
            let offset = SimDuration(rng.below(period));
            self.vary.timer_offsets.retain(|(t, _)| t != id);
            self.vary.timer_offsets.push((*id, offset));
            at += offset;
        }
        self.queue
            .push(at, ev)
            .expect("the hardware event queue is bounded well above what one run schedules");
    }

    /// The phase offset of timer `id`'s current arming (zero without `vary: timer-phase`).
    fn timer_offset(&self, id: TimerId) -> SimDuration {
        self.vary
            .timer_offsets
            .iter()
            .find(|(t, _)| *t == id)
            .map_or(SimDuration::ZERO, |(_, d)| *d)
    }

    /// An interrupt line goes active at `at`: take it now (after a drawn entry delay with
    /// `vary: irq-jitter`).
    fn raise(&mut self, vm: &mut Vm, at: SimTime, source: Source) -> Result<(), Flow> {
        let event = self.new_event(at);
        self.record(at, Kind::IrqRaised { source, event });
        if let Some((rng, max_ns)) = self.vary.irq_jitter.as_mut() {
            let delay = SimDuration(rng.range_inclusive(0, *max_ns));
            if delay > SimDuration::ZERO {
                self.push_event(at + delay, HwEvent::IsrEntry { source, event });
                self.set_deadline(vm);
                return Ok(());
            }
        }
        self.take_irq(vm, at, source, event)
    }

    /// The CPU takes the raised interrupt `event` at `at` as the interrupt controller decides:
    /// the ISR runs, or the line stays pending while masked (`disable_irq`) or while a handler
    /// it does not preempt runs, or it merges into a pending one of the same source.
    fn take_irq(
        &mut self,
        vm: &mut Vm,
        at: SimTime,
        source: Source,
        event: u32,
    ) -> Result<(), Flow> {
        match self.board.intc.raise(source, event) {
            Raise::Run => self.run_isr(vm, at, source, event),
            Raise::Held { masked } => {
                if masked {
                    self.record(at, Kind::IrqMasked { source, event });
                }
                Ok(())
            }
            Raise::Coalesced => {
                // A pending line is one status bit: a second event from the same source before
                // the ISR runs is merged into the first (lost as a callback).
                self.record(at, Kind::IrqCoalesced { source, event });
                Ok(())
            }
        }
    }

    /// Runs the pending interrupts that may run now, in the controller's order.
    fn take_pending(&mut self, vm: &mut Vm) -> Result<(), Flow> {
        while let Some(p) = self.board.intc.next_pending() {
            let now = self.now(vm);
            self.run_isr(vm, now, p.source, p.event)?;
        }
        Ok(())
    }

    /// The C ISR: entry, body (`mp_sched_schedule` or a hard handler), exit; wakes main.
    fn run_isr(
        &mut self,
        vm: &mut Vm,
        at: SimTime,
        source: Source,
        event: u32,
    ) -> Result<(), Flow> {
        let body = match source {
            Source::Pin(_) => self.cost.pin_isr_body_cycles().0,
            _ => self.cost.timer_isr_body_cycles().0,
        };
        let isr_cycles = self.cost.isr_entry_cycles().0 + body + self.cost.isr_exit_cycles().0;
        let isr_ns = self.clock.duration(Cycles(isr_cycles)).as_ns();
        self.ctx_stack.push(Ctx::Isr);
        self.record(
            at,
            Kind::IsrRun {
                source,
                event,
                duration_ns: isr_ns,
            },
        );
        // The ISR's CPU time delays whatever was running.
        self.charge(vm, isr_cycles);
        let queued_at = at + SimDuration(isr_ns);
        let target = match source {
            Source::Pin(n) => self
                .pin_irqs
                .get(&n)
                .map(|p| (p.handler.clone(), p.pin_obj.clone(), p.hard)),
            Source::Timer(n) => self
                .timer_cbs
                .get(&n)
                .map(|t| (t.callback.clone(), t.timer_obj.clone(), t.hard)),
            Source::Schedule => None,
        };
        let result = match target {
            Some((f, arg, true)) => self.run_hard(vm, queued_at, source, event, f, arg),
            Some((f, arg, false)) => {
                self.schedule_soft(vm, queued_at, source, event, f, arg);
                Ok(())
            }
            None => Ok(()),
        };
        self.ctx_stack.pop();
        self.notify_count = self.notify_count.saturating_add(1);
        result
    }

    /// `mp_sched_schedule` from an ISR: queue or drop silently (facts §2.7).
    fn schedule_soft(
        &mut self,
        vm: &mut Vm,
        at: SimTime,
        source: Source,
        event: u32,
        f: Value,
        arg: Value,
    ) -> bool {
        if vm.sched.schedule(f, arg) {
            self.sched_ids.push_back((source, event));
            let depth = vm.sched.len() as u8;
            self.record(
                at,
                Kind::CallbackQueued {
                    source,
                    event,
                    depth,
                },
            );
            true
        } else {
            self.record(at, Kind::CallbackDropped { source, event });
            false
        }
    }

    /// `micropython.schedule(f, arg)` from Python; false if the queue is full.
    pub fn schedule_from_python(&mut self, vm: &mut Vm, f: Value, arg: Value) -> bool {
        let now = self.now(vm);
        let event = self.new_event(now);
        self.schedule_soft(vm, now, Source::Schedule, event, f, arg)
    }

    /// A hard handler (boards with hard IRQs): runs inside the ISR with the heap and the
    /// scheduler locked; an exception prints `Uncaught exception in IRQ callback handler`
    /// and disables that IRQ (shared/runtime/mpirq.c, facts §2.7).
    fn run_hard(
        &mut self,
        vm: &mut Vm,
        at: SimTime,
        source: Source,
        event: u32,
        f: Value,
        arg: Value,
    ) -> Result<(), Flow> {
        // What the VM recorded before this belongs to the interrupted context.
        self.drain_vm_events(vm);
        self.board.intc.enter(source);
        self.ctx_stack.push(Ctx::HardIrq);
        self.irq_frame_base.push(vm.frames.len());
        self.record(at, Kind::HardStart { source, event });
        vm.heap.lock_depth += 1;
        vm.sched.lock();
        let r = vm.call(self, &f, &[arg], &[]);
        // Heap-locked allocations belong to this handler's context in the trace.
        self.drain_vm_events(vm);
        // mp_irq_dispatch prints the uncaught exception inside the ISR, before unlocking.
        let r = match r {
            Ok(_) => Ok(()),
            Err(Flow::Exception(e)) => {
                let mut text = self.hard_exception_header(source);
                text.push_str(&vm.format_exception(self, &e));
                self.emit_exception(vm, &text);
                match source {
                    Source::Pin(n) => {
                        self.pin_irqs.remove(&n);
                    }
                    Source::Timer(n) => {
                        self.timer_cbs.remove(&n);
                    }
                    Source::Schedule => {}
                }
                Ok(())
            }
            Err(abort) => Err(abort),
        };
        vm.sched.unlock();
        vm.heap.lock_depth -= 1;
        let now = self.now(vm);
        self.record(now, Kind::HardEnd { source, event });
        self.ctx_stack.pop();
        self.irq_frame_base.pop();
        self.board.intc.exit();
        r?;
        // Interrupts held by this handler's priority run now (tail-chained on Cortex-M).
        self.take_pending(vm)
    }

    /// The line printed before the traceback of a hard handler's uncaught exception:
    /// `mp_irq_dispatch`'s (shared/runtime/mpirq.c), or on the pyboard for EXTI lines
    /// `Handle_EXTI_Irq`'s own (ports/stm32/extint.c), which names the line.
    fn hard_exception_header(&self, source: Source) -> String {
        match (self.board.kind, source) {
            (BoardKind::Pyboard, Source::Pin(g)) => format!(
                "uncaught exception in ExtInt interrupt handler line {}\n",
                stm32::pin_by_gpio(g).map_or(g, |p| p.number)
            ),
            _ => String::from("Uncaught exception in IRQ callback handler\n"),
        }
    }

    /// `machine.disable_irq()`.
    pub fn disable_irq(&mut self, vm: &mut Vm) {
        let depth = self.board.intc.disable_irq();
        let now = self.now(vm);
        self.record(
            now,
            Kind::IrqDisable {
                depth: depth.min(u16::MAX as u32) as u16 + 1,
            },
        );
    }

    /// `machine.enable_irq(state)`: when the last level is left, take the masked interrupts.
    pub fn enable_irq(&mut self, vm: &mut Vm) -> Result<(), Flow> {
        let _ = self.board.intc.enable_irq();
        let depth = self.board.intc.critical_depth();
        let now = self.now(vm);
        self.record(
            now,
            Kind::IrqEnable {
                depth: depth.min(u16::MAX as u32) as u16,
            },
        );
        if depth == 0 {
            self.take_pending(vm)?;
        }
        Ok(())
    }

    // ------------------------------------------------------------ registration

    /// Registers (or with `None` removes) a pin's IRQ handler.
    pub fn set_pin_irq(
        &mut self,
        vm: &mut Vm,
        pin: u8,
        handler: Value,
        pin_obj: Value,
        hard: bool,
    ) {
        if matches!(handler, Value::None) {
            self.pin_irqs.remove(&pin);
        } else {
            self.pin_irqs.insert(
                pin,
                PinIrq {
                    handler,
                    pin_obj,
                    hard,
                },
            );
        }
        vm.extra_roots = self.roots();
    }

    /// Registers a timer's callback.
    pub fn set_timer_cb(
        &mut self,
        vm: &mut Vm,
        timer: i8,
        callback: Value,
        timer_obj: Value,
        hard: bool,
    ) {
        if matches!(callback, Value::None) {
            self.timer_cbs.remove(&timer);
        } else {
            self.timer_cbs.insert(
                timer,
                TimerCb {
                    callback,
                    timer_obj,
                    hard,
                },
            );
        }
        vm.extra_roots = self.roots();
    }

    /// The number a timer has in Python and in the trace (`timer 0`, `timer -1`, or the
    /// `pyb.Timer` number for timers modelled on a virtual slot).
    pub fn timer_label(&self, id: TimerId) -> i8 {
        self.timer_aliases
            .iter()
            .find(|(t, _)| *t == id)
            .map_or_else(|| timer_number(id), |(_, n)| *n)
    }

    /// Values the GC must keep alive: handlers and their objects.
    pub fn roots(&self) -> Vec<Value> {
        let mut v = Vec::new();
        for p in self.pin_irqs.values() {
            v.push(p.handler.clone());
            v.push(p.pin_obj.clone());
        }
        for t in self.timer_cbs.values() {
            v.push(t.callback.clone());
            v.push(t.timer_obj.clone());
        }
        v.extend(self.asyncio.iter().cloned());
        v
    }

    // ------------------------------------------------------------ waiting

    /// `mp_hal_delay_ms(ms)` as the esp32 port implements it.
    pub fn delay_ms(&mut self, vm: &mut Vm, ms: u64) -> Result<(), Flow> {
        let t0 = self.now(vm);
        let until = t0 + SimDuration::from_ms(ms);
        self.record(t0, Kind::SleepStart { until_ns: until.0 });
        let call = self.cost.sleep_call_cycles().0;
        self.charge(vm, call);
        let tick = self.profile.rtos_tick();
        loop {
            vm.run_one_pending(self)?;
            let now = self.now(vm);
            if (now - t0).as_ns() + tick.as_ns() >= until.0 - t0.0 {
                break;
            }
            // ulTaskNotifyTake(pdFALSE, 1): the next tick interrupt, or an ISR notification.
            let next_tick = SimTime((now.0 / tick.as_ns() + 1) * tick.as_ns());
            self.wait_until(vm, next_tick, true)?;
            let wake = self.cost.sleep_wake_cycles().0 + self.cost.task_wake_cycles().0;
            self.charge(vm, wake);
        }
        let now = self.now(vm);
        if now < until {
            self.delay_us_busy(vm, until)?;
        }
        let now = self.now(vm);
        self.record(now, Kind::SleepEnd);
        Ok(())
    }

    /// `mp_hal_delay_us`: busy-wait to `until`, servicing callbacks while > 150 µs remain.
    pub fn delay_us_busy(&mut self, vm: &mut Vm, until: SimTime) -> Result<(), Flow> {
        const PEND_OVERHEAD: SimDuration = SimDuration::from_us(150);
        loop {
            let now = self.now(vm);
            if now >= until {
                return Ok(());
            }
            if now + PEND_OVERHEAD < until && vm.sched.is_pending() {
                vm.run_one_pending(self)?;
                continue;
            }
            let next = self.queue.peek_time().map_or(until, |t| t.min(until));
            self.advance_to(vm, next.max(now));
            // Events handled without moving time (a pin level change, an ISR entry delayed by
            // `vary: irq-jitter`) leave later events before `until`: the next pass serves them.
            self.service(vm)?;
        }
    }

    /// Idles until `t`, or — if `wake_on_notify` — until the main task holds a notification
    /// (`ulTaskNotifyTake(pdFALSE, ticks)`: returns at once if an ISR notified the task
    /// earlier, e.g. while a callback ran, and takes one notification).
    pub fn wait_until(
        &mut self,
        vm: &mut Vm,
        t: SimTime,
        wake_on_notify: bool,
    ) -> Result<(), Flow> {
        if wake_on_notify && self.notify_count > 0 {
            self.notify_count -= 1;
            return Ok(());
        }
        self.ctx_stack.push(Ctx::Idle);
        let start = self.now(vm);
        self.record(start, Kind::IdleStart);
        let r = (|| {
            loop {
                let now = self.now(vm);
                if now >= t {
                    return Ok(());
                }
                let next = self
                    .queue
                    .peek_time()
                    .map_or(t, |q| q.min(t))
                    .min(self.limit);
                self.advance_to(vm, next);
                self.service(vm)?;
                if wake_on_notify && self.notify_count > 0 {
                    self.notify_count -= 1;
                    return Ok(());
                }
            }
        })();
        let end = self.now(vm);
        self.record(end, Kind::IdleEnd);
        self.ctx_stack.pop();
        r
    }

    /// After the program: the REPL's idle wait, running callbacks as long as anything can
    /// still produce them (a live timer, a queued stimulus, a queued callback).
    pub fn idle_loop(&mut self, vm: &mut Vm) -> Result<(), Flow> {
        let now = self.now(vm);
        let live = !self.queue.is_empty() || !vm.sched.is_empty();
        if !live {
            return Ok(());
        }
        self.ctx_stack = vec![Ctx::Idle];
        self.record(now, Kind::IdleLoop);
        let tick = self.profile.rtos_tick();
        loop {
            while vm.sched.is_pending() {
                vm.run_one_pending(self)?;
            }
            if self.queue.is_empty() {
                return Ok(());
            }
            let now = self.now(vm);
            let next_tick = SimTime((now.0 / tick.as_ns() + 1) * tick.as_ns());
            self.wait_until(vm, next_tick, true)?;
            let wake = self.cost.task_wake_cycles().0;
            self.charge(vm, wake);
        }
    }

    // ------------------------------------------------------------ console

    fn emit_exception(&mut self, vm: &mut Vm, text: &str) {
        let now = self.now(vm);
        let (offset, len) = self.trace.add_text(text);
        self.record(now, Kind::Exception { offset, len });
        self.stdout.push_str(text);
        self.uart_write(vm, text.len() + text.matches('\n').count());
    }

    /// Prints an uncaught exception of the main program.
    pub fn report_uncaught(&mut self, vm: &mut Vm, text: &str) {
        self.emit_exception(vm, text);
    }

    /// The UART: the CPU writes into a FIFO that drains at the baud rate; when it is full the
    /// writer waits (the time is charged to the current context).
    fn uart_write(&mut self, vm: &mut Vm, n_bytes: usize) {
        let cpu = self.cost.stdout_cycles(n_bytes).0;
        self.charge(vm, cpu);
        let now = self.now(vm);
        let uart = self.profile.uart().clone();
        let start = self.uart_free_at.max(now);
        self.uart_free_at = start + uart.bytes_duration(n_bytes as u64);
        let fifo = uart.bytes_duration(uart.tx_fifo_bytes() as u64);
        let backlog = self.uart_free_at.saturating_since(now);
        if backlog > fifo {
            let wait_until = SimTime(self.uart_free_at.0 - fifo.as_ns());
            self.advance_to(vm, wait_until);
        }
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
        self.sync_line(vm);
        let now = self.now(vm);
        let (offset, len) = self.trace.add_text(text);
        self.record(now, Kind::Print { offset, len });
        self.stdout.push_str(text);
        // On the board `\n` goes out as `\r\n` (stdout_helpers.c).
        self.uart_write(vm, text.len() + text.matches('\n').count());
    }

    fn write_exception(&mut self, vm: &mut Vm, text: &str) {
        self.emit_exception(vm, text);
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
        self.sync_line(vm);
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
            self.record(now, Kind::CallbackStart { source, event });
            self.charge(vm, dispatch);
            self.running_callbacks.push((source, event));
        } else {
            let (source, event) = self
                .running_callbacks
                .pop()
                .expect("callback end matches a start");
            self.drain_vm_events(vm);
            self.record(now, Kind::CallbackEnd { source, event });
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
        self.sync_line(vm);
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
            self.record(now, Kind::Reentered { func, outer_line });
        }
        if let Some(name) = asyncio::unsafe_from_irq(self, code) {
            let func = self.tracker.func(&mut self.trace, addr, name);
            self.record(now, Kind::AsyncioFromIrq { func });
        }
    }

    fn on_line(&mut self, vm: &mut Vm, _code: &Rc<crate::py::bytecode::CodeObject>, line: u32) {
        let _ = vm;
        self.main_line = line;
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

#[allow(dead_code)]
fn class_name(c: &Rc<Class>) -> &str {
    &c.name.text
}
