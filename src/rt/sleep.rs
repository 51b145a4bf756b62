//! Sleeping and idling: `time.sleep*` is the esp32 port's `mp_hal_delay_ms` (run one pending
//! callback, then block for at most one FreeRTOS tick or until an ISR notifies the main task;
//! the last tick is busy-waited by `mp_hal_delay_us`, still running callbacks while more than
//! 150 µs remain; ports/esp32/mphalport.c, facts §2.5), and after the program ends the REPL's
//! idle wait keeps running callbacks while timers or stimuli can still produce events
//! (ports/esp32/main.c, `MICROPY_EVENT_POLL_HOOK`). Time moves forward only here and in the
//! ISRs' charged work.

use crate::py::vm::{Flow, Vm};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Ctx, Kind};

use super::Runtime;

impl Runtime {
    /// `mp_hal_delay_ms(ms)` as the esp32 port implements it.
    pub fn delay_ms(&mut self, vm: &mut Vm, ms: u64) -> Result<(), Flow> {
        let t0 = self.now(vm);
        let until = t0 + SimDuration::from_ms(ms);
        self.record(vm, t0, Kind::SleepStart { until_ns: until.0 });
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
        self.record(vm, now, Kind::SleepEnd);
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
        self.record(vm, start, Kind::IdleStart);
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
        self.record(vm, end, Kind::IdleEnd);
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
        self.record(vm, now, Kind::IdleLoop);
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
}
