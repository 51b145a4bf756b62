//! Interrupt dispatch: hardware events raise interrupts at the controller (`hw::intc`, which
//! decides what runs), and the C ISRs run as the ports write them: entry, the body, exit and
//! the main task's wake-up.
//!
//! * Pin and timer ISRs (ports/esp32/machine_pin.c `machine_pin_isr_handler`,
//!   ports/esp32/machine_timer.c `machine_timer_isr`; ports/stm32/extint.c, timer.c) call
//!   `mp_sched_schedule` (py/scheduler.c), which drops the callback when the ring is full
//!   (facts §2.5, §2.7, §4.2, §4.3), or run a hard handler inside the ISR with the heap and the
//!   scheduler locked (shared/runtime/mpirq.c `mp_irq_dispatch`).
//! * `machine.disable_irq()` / `enable_irq()` mask interrupts; the ones raised meanwhile run on
//!   enable, in the controller's order (the pyboard's NVIC priorities of ports/stm32/irq.h).
//! * Handler registration (`Pin.irq`, `Timer.init(callback=...)`) keeps the Python objects
//!   alive as GC roots.

use crate::hw::BoardKind;
use crate::hw::intc::Raise;
use crate::hw::stm32;
use crate::hw::timer::{FireOutcome, TimerId};
use crate::py::value::Value;
use crate::py::vm::{Flow, Vm};
use crate::time::{Cycles, SimDuration, SimTime};
use crate::trace::{Ctx, Kind, Source};

use super::{HwEvent, PinIrq, Runtime, TimerCb, timer_number};

impl Runtime {
    /// An extra interrupt of `source` now, as if the hardware had raised it (`explore
    /// --exhaustive`, `run --inject`): the ISR runs at once, before the next op (or the line
    /// stays pending while masked). No `irq-jitter` is applied: the placement is exact.
    pub fn inject_irq(&mut self, vm: &mut Vm, source: Source) -> Result<(), Flow> {
        let now = self.now(vm);
        let event = self.new_event(now);
        self.record(vm, now, Kind::IrqRaised { source, event });
        self.take_irq(vm, now, source, event)
    }

    /// Delivers the due hardware event `ev`.
    pub(super) fn handle(&mut self, vm: &mut Vm, at: SimTime, ev: HwEvent) -> Result<(), Flow> {
        match ev {
            HwEvent::Timer { id, alarm } => {
                let outcome = self.board.timers.get_mut(id).fire(alarm);
                if let FireOutcome::Fired { next, .. } = outcome {
                    if let Some(next) = next {
                        let offset = self.timer_offset(id);
                        let at = next.at + offset;
                        if let Err(e) = self.queue.push(at, HwEvent::Timer { id, alarm: next }) {
                            self.hit_limit(super::RunLimit::EventQueue {
                                capacity: e.capacity,
                                at,
                            });
                        }
                    }
                    let source = Source::Timer(self.timer_label(id));
                    self.raise(vm, at, source)?;
                }
            }
            HwEvent::Drive { pin, drive } => {
                let change = self.board.gpio.drive_external(pin, drive);
                self.pin_change(vm, at, change, false)?;
            }
            HwEvent::Stimulus { lane, pin, drive } => {
                self.queue_next_edge(lane);
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
        if change.edge.is_some() {
            let level = change.level.as_u8();
            self.record(
                vm,
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

    /// An interrupt line goes active at `at`: take it now (after a drawn entry delay with
    /// `vary: irq-jitter`).
    pub(super) fn raise(&mut self, vm: &mut Vm, at: SimTime, source: Source) -> Result<(), Flow> {
        let event = self.new_event(at);
        self.record(vm, at, Kind::IrqRaised { source, event });
        if let Some(delay) = self.irq_jitter() {
            self.push_event(at + delay, HwEvent::IsrEntry { source, event });
            self.set_deadline(vm);
            return Ok(());
        }
        self.take_irq(vm, at, source, event)
    }

    /// The CPU takes the raised interrupt `event` at `at` as the interrupt controller decides:
    /// the ISR runs, or the line stays pending while masked (`disable_irq`) or while a handler
    /// it does not preempt runs, or it merges into a pending one of the same source.
    pub(super) fn take_irq(
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
                    self.record(vm, at, Kind::IrqMasked { source, event });
                }
                Ok(())
            }
            Raise::Coalesced => {
                // A pending line is one status bit: a second event from the same source before
                // the ISR runs is merged into the first (lost as a callback).
                self.record(vm, at, Kind::IrqCoalesced { source, event });
                Ok(())
            }
        }
    }

    /// Runs the pending interrupts that may run now, in the controller's order.
    pub(super) fn take_pending(&mut self, vm: &mut Vm) -> Result<(), Flow> {
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
            vm,
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
                vm,
                at,
                Kind::CallbackQueued {
                    source,
                    event,
                    depth,
                },
            );
            true
        } else {
            self.record(vm, at, Kind::CallbackDropped { source, event });
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
        self.record(vm, at, Kind::HardStart { source, event });
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
                self.emit_exception(vm, &e, &text);
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
        self.record(vm, now, Kind::HardEnd { source, event });
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
            vm,
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
            vm,
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
        self.pyb.timer_alias(id).unwrap_or_else(|| timer_number(id))
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
}
