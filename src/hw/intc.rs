//! The interrupt controller of the core MicroPython runs on: it decides which interrupt runs
//! now, which waits, and which is merged into one already waiting. The runtime (`rt`) asks it
//! ([`Intc::raise`], [`Intc::next_pending`], [`Intc::enter`], [`Intc::exit`], the mask
//! [`Intc::disable_irq`] / [`Intc::enable_irq`]) and delivers what it decides (the C ISR, a
//! hard handler, `mp_sched_schedule`).
//!
//! Two policies, one per board ([`Policy`]):
//!
//! * **ESP32 levels** ([`Policy::Levels`]): every MicroPython Pin and Timer ISR is allocated
//!   with `esp_intr_alloc` flags 0, i.e. Xtensa **level 1** ([`DEFAULT_LEVEL`], facts §4.3),
//!   so none preempts another. A pending interrupt runs when it is above the level of the
//!   running handler; `machine.disable_irq()` is `portENTER_CRITICAL`, which masks every level
//!   up to `XCHAL_EXCM_LEVEL` = [`EXCM_LEVEL`] and nests with a counter (facts §4.1;
//!   ports/esp32/machine_pin.c, machine_timer.c).
//! * **Cortex-M NVIC** ([`Policy::Nvic`], the pyboard): the priorities MicroPython's stm32
//!   port gives each vector (ports/stm32/irq.h, [`super::stm32`]); an interrupt preempts the
//!   running handler only with a strictly lower priority number; PRIMASK
//!   (`pyb.disable_irq()`) holds them all (ARMv7-M ARM B1.5.4).
//!
//! Among the pending interrupts that may run, the most urgent runs first (highest level; or
//! lowest NVIC priority, then lowest exception number), and on a full tie the one raised
//! first. A pending interrupt is one status bit per source: raising a source already pending
//! merges into it ([`Raise::Coalesced`]; the ISR runs once), and so does a raise when
//! [`MAX_MASKED_IRQS`] are already held.
//!
//! Sources are the trace's [`Source`] (the one type naming an interrupt source: a GPIO pin's
//! line, a timer by its Python-visible number). This module knows nothing about Python and
//! records nothing.

use super::BoardKind;
use super::stm32::{self, Priority};
use crate::limits::{MAX_CRITICAL_NESTING, MAX_MASKED_IRQS};
use crate::trace::Source;

/// The Xtensa level masked by a FreeRTOS critical section (`XCHAL_EXCM_LEVEL` on the ESP32).
pub const EXCM_LEVEL: u8 = 3;

/// The level of MicroPython's esp32 Pin and Timer ISRs (`esp_intr_alloc` flags 0).
pub const DEFAULT_LEVEL: u8 = 1;

/// How a board's interrupt controller orders interrupts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// ESP32: Xtensa interrupt levels; a higher level preempts a lower one.
    Levels,
    /// Pyboard: the NVIC with the stm32 port's priorities; a lower number preempts.
    Nvic,
}

impl Policy {
    /// The controller of board `kind`.
    pub fn of(kind: BoardKind) -> Policy {
        match kind {
            BoardKind::Esp32 => Policy::Levels,
            BoardKind::Pyboard => Policy::Nvic,
        }
    }

    /// How urgent `source`'s interrupt is under this policy.
    fn urgency(self, source: Source) -> Urgency {
        match self {
            Policy::Levels => Urgency::Level(DEFAULT_LEVEL),
            Policy::Nvic => Urgency::Nvic(nvic_priority(source)),
        }
    }
}

/// The NVIC priority of `source` on the pyboard: `pyb.Timer` n at its vector's priority, a
/// pin at its EXTI line's, and the soft timers of `machine.Timer` (negative numbers) at
/// PendSV's (ports/stm32/irq.h, timer.c, extint.c, shared/runtime/softtimer.c).
pub fn nvic_priority(source: Source) -> Priority {
    match source {
        Source::Timer(n) if n > 0 => {
            stm32::timer_priority(n as u8).expect("pyb.Timer numbers are checked")
        }
        Source::Pin(g) => stm32::exti_priority(stm32::pin_by_gpio(g).map_or(g % 16, |p| p.number)),
        Source::Timer(_) | Source::Schedule => stm32::PENDSV,
    }
}

/// The urgency of an interrupt under one policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Urgency {
    /// An Xtensa level, 1..=7: higher is more urgent.
    Level(u8),
    /// An NVIC priority: lower is more urgent.
    Nvic(Priority),
}

impl Urgency {
    /// True if an interrupt of urgency `self` preempts a running handler of `running`.
    fn preempts(self, running: Urgency) -> bool {
        match (self, running) {
            (Urgency::Level(a), Urgency::Level(b)) => a > b,
            (Urgency::Nvic(a), Urgency::Nvic(b)) => a.preempts(b),
            _ => unreachable!("one controller has one policy"),
        }
    }

    /// True if `self` is taken before `other` when both are pending (strictly).
    fn before(self, other: Urgency) -> bool {
        match (self, other) {
            (Urgency::Level(a), Urgency::Level(b)) => a > b,
            (Urgency::Nvic(a), Urgency::Nvic(b)) => a < b,
            _ => unreachable!("one controller has one policy"),
        }
    }

    /// True if a critical section (`disable_irq`) holds this interrupt off.
    fn maskable(self) -> bool {
        match self {
            Urgency::Level(level) => level <= EXCM_LEVEL,
            // PRIMASK masks every configurable priority.
            Urgency::Nvic(_) => true,
        }
    }
}

/// A raised interrupt waiting to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Its source.
    pub source: Source,
    /// Its event number (from the `IrqRaised` trace record).
    pub event: u32,
}

/// What [`Intc::raise`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Raise {
    /// The CPU takes it now: run the ISR.
    Run,
    /// It waits: held off by a critical section (`masked`) or by a running handler that it
    /// does not preempt. [`Intc::next_pending`] hands it out later.
    Held {
        /// True if a critical section holds it (else a running handler does).
        masked: bool,
    },
    /// Merged into an interrupt of the same source already waiting (or dropped because the
    /// pending set is full): its ISR will not run for it.
    Coalesced,
}

/// Misuse of `enable_irq` that `rt` may report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntcError {
    /// `enable_irq()` without a matching `disable_irq()`; the count stays at 0.
    NotDisabled,
}

/// The interrupt controller of one core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intc {
    policy: Policy,
    /// `disable_irq()` nesting depth.
    critical_depth: u32,
    /// Raised and not yet run, in the order raised; at most [`MAX_MASKED_IRQS`].
    pending: Vec<Pending>,
    /// Urgencies of the handlers running now that others may arrive during (hard handlers),
    /// innermost last. Invariant: each preempts the one before it.
    running: Vec<Urgency>,
}

impl Intc {
    /// A controller with `policy`, nothing pending, nothing masked, nothing running.
    pub fn new(policy: Policy) -> Intc {
        Intc {
            policy,
            critical_depth: 0,
            pending: Vec::new(),
            running: Vec::new(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The `disable_irq()` nesting depth.
    pub fn critical_depth(&self) -> u32 {
        self.critical_depth
    }

    /// True if the interrupt of `source` may run now: not held by a critical section, and
    /// preempting the running handler, if any.
    fn may_run(&self, source: Source) -> bool {
        let urgency = self.policy.urgency(source);
        let masked = self.critical_depth > 0 && urgency.maskable();
        let behind = self.running.last().is_some_and(|r| !urgency.preempts(*r));
        !masked && !behind
    }

    /// The line of `source` goes active with event number `event`: run it now, hold it, or
    /// merge it into the one of the same source already waiting.
    pub fn raise(&mut self, source: Source, event: u32) -> Raise {
        if self.may_run(source) {
            return Raise::Run;
        }
        if self.pending.iter().any(|p| p.source == source) || self.pending.len() >= MAX_MASKED_IRQS
        {
            return Raise::Coalesced;
        }
        self.pending.push(Pending { source, event });
        let masked = self.critical_depth > 0 && self.policy.urgency(source).maskable();
        Raise::Held { masked }
    }

    /// Takes the waiting interrupt that runs next, if one may run now: the most urgent, and
    /// the earliest raised on a tie.
    pub fn next_pending(&mut self) -> Option<Pending> {
        let mut best: Option<(usize, Urgency)> = None;
        for (i, p) in self.pending.iter().enumerate() {
            if !self.may_run(p.source) {
                continue;
            }
            let u = self.policy.urgency(p.source);
            if best.is_none_or(|(_, b)| u.before(b)) {
                best = Some((i, u));
            }
        }
        best.map(|(i, _)| self.pending.remove(i))
    }

    /// A handler of `source` starts that others may arrive during (a hard handler): until
    /// [`Intc::exit`], only interrupts that preempt it run.
    pub fn enter(&mut self, source: Source) {
        self.running.push(self.policy.urgency(source));
    }

    /// The innermost handler entered returns. Panics if none is running.
    pub fn exit(&mut self) {
        self.running
            .pop()
            .expect("interrupt handler exit with none running");
    }

    /// `machine.disable_irq()`: enters a (nesting) critical section; returns the state value
    /// the ESP32 returns, always 0.
    pub fn disable_irq(&mut self) -> u32 {
        assert!(
            self.critical_depth < MAX_CRITICAL_NESTING,
            "disable_irq nested too deep"
        );
        self.critical_depth += 1;
        0
    }

    /// `machine.enable_irq(state)`: leaves one critical section (`state` is ignored on the
    /// ESP32). Waiting interrupts may run (through [`Intc::next_pending`]) when the depth reaches 0.
    pub fn enable_irq(&mut self) -> Result<(), IntcError> {
        self.critical_depth = self
            .critical_depth
            .checked_sub(1)
            .ok_or(IntcError::NotDisabled)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sources `intc` hands out until nothing may run.
    fn drain(intc: &mut Intc) -> Vec<Source> {
        std::iter::from_fn(|| intc.next_pending())
            .map(|p| p.source)
            .collect()
    }

    // ESP32: interrupts raised in a critical section wait, one per source, and run in the order
    // raised when the last enable_irq leaves it; disable_irq returns 0 and nests.
    #[test]
    fn esp32_critical_sections_hold_and_merge() {
        let mut intc = Intc::new(Policy::Levels);
        assert_eq!(intc.raise(Source::Pin(4), 0), Raise::Run);
        assert_eq!(intc.disable_irq(), 0);
        assert_eq!(intc.disable_irq(), 0);
        assert_eq!(intc.raise(Source::Pin(5), 1), Raise::Held { masked: true });
        assert_eq!(
            intc.raise(Source::Timer(0), 2),
            Raise::Held { masked: true }
        );
        assert_eq!(intc.raise(Source::Pin(5), 3), Raise::Coalesced);
        assert_eq!(intc.next_pending(), None);
        intc.enable_irq().unwrap();
        assert_eq!(intc.next_pending(), None);
        intc.enable_irq().unwrap();
        assert_eq!(
            intc.next_pending(),
            Some(Pending {
                source: Source::Pin(5),
                event: 1
            })
        );
        assert_eq!(drain(&mut intc), [Source::Timer(0)]);
        assert_eq!(intc.enable_irq(), Err(IntcError::NotDisabled));
    }

    // ESP32: every ISR is at level 1, so none preempts a running handler.
    #[test]
    fn esp32_equal_levels_do_not_preempt() {
        let mut intc = Intc::new(Policy::Levels);
        intc.enter(Source::Pin(4));
        assert_eq!(
            intc.raise(Source::Timer(0), 0),
            Raise::Held { masked: false }
        );
        assert_eq!(intc.raise(Source::Pin(6), 1), Raise::Held { masked: false });
        assert_eq!(intc.next_pending(), None);
        intc.exit();
        assert_eq!(drain(&mut intc), [Source::Timer(0), Source::Pin(6)]);
    }

    // The pending set is bounded: beyond MAX_MASKED_IRQS a raise is merged.
    #[test]
    fn pending_set_is_bounded() {
        let mut intc = Intc::new(Policy::Levels);
        intc.disable_irq();
        for g in 0..MAX_MASKED_IRQS {
            assert_eq!(
                intc.raise(Source::Pin(g as u8), 0),
                Raise::Held { masked: true }
            );
        }
        assert_eq!(intc.raise(Source::Timer(1), 0), Raise::Coalesced);
    }

    // The defaults of irq.h: TIM5 preempts other timers, timers preempt EXTI, EXTI preempts
    // the soft timers; equal priorities never preempt each other.
    #[test]
    fn nvic_priorities_follow_irq_h() {
        let tim4 = nvic_priority(Source::Timer(4));
        let tim5 = nvic_priority(Source::Timer(5));
        let x1 = nvic_priority(Source::Pin(stm32::pin_by_name("X1").unwrap().gpio));
        assert_eq!(x1, stm32::exti_priority(0));
        assert!(tim5.preempts(tim4) && !tim4.preempts(tim5));
        assert!(tim4.preempts(x1) && !x1.preempts(tim4));
        assert_eq!(nvic_priority(Source::Timer(-1)), stm32::PENDSV);
    }

    // Pyboard: while TIM4's handler runs, only more urgent interrupts run at once; the others
    // wait and then run most urgent first (lower priority number, then lower vector), PRIMASK
    // holding them all.
    #[test]
    fn nvic_preempts_by_priority_and_selects_the_most_urgent() {
        let mut intc = Intc::new(Policy::Nvic);
        let x1 = Source::Pin(stm32::pin_by_name("X1").unwrap().gpio);
        intc.enter(Source::Timer(4));
        assert_eq!(intc.raise(Source::Timer(5), 0), Raise::Run);
        assert_eq!(intc.raise(x1, 1), Raise::Held { masked: false });
        assert_eq!(
            intc.raise(Source::Timer(3), 2),
            Raise::Held { masked: false }
        );
        assert_eq!(
            intc.raise(Source::Timer(2), 3),
            Raise::Held { masked: false }
        );
        assert_eq!(intc.next_pending(), None);
        intc.exit();
        intc.disable_irq();
        assert_eq!(
            intc.raise(Source::Timer(5), 4),
            Raise::Held { masked: true }
        );
        assert_eq!(intc.next_pending(), None);
        intc.enable_irq().unwrap();
        assert_eq!(
            drain(&mut intc),
            [Source::Timer(5), Source::Timer(2), Source::Timer(3), x1]
        );
    }
}
