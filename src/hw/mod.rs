//! The board's peripherals as pure state machines: GPIO pads, timers and the interrupt
//! controller of the core MicroPython runs on.
//!
//! `hw` knows nothing about Python, the scheduler or the trace: every operation returns what
//! happened (an edge, an alarm, an interrupt raised or merged) and the caller (`sim`, `rt`)
//! acts on it and records it. Nothing here reads the wall clock, and nothing schedules events:
//! models say *when* the next thing is due and `sim` queues it.
//!
//! How `sim` is expected to drive the models:
//! * A pin changes ([`gpio::Gpio::drive_external`], `write`, `configure`, `set_trigger`):
//!   pass the [`gpio::PinChange`] to [`Board::apply_pin_change`], which raises the shared GPIO
//!   line when the pin's interrupt status was newly set.
//! * A queued timer alarm is due: [`Board::fire_timer`] updates the timer and raises its line;
//!   queue the returned next alarm.
//! * Between bytecodes (or at once, for an idle core) take [`intc::Intc::take`]; for
//!   [`intc::Source::Gpio`] the ISR reads [`gpio::Gpio::take_irq_status`] (pins in ascending
//!   order, one `mp_sched_schedule` each); at ISR exit call [`intc::Intc::exit`] and, if
//!   [`gpio::Gpio::irq_line_asserted`] (a level trigger still active), raise the line again.

pub mod costs;
pub mod gpio;
pub mod intc;
pub mod profile;
pub mod profile_file;
pub mod stm32;
pub mod timer;

use gpio::{Gpio, PinChange};
use intc::{Intc, Raised, Source};
use timer::{Alarm, FireOutcome, TimerBank, TimerId};

/// The boards irqlab models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoardKind {
    /// Generic ESP32 (dual-core Xtensa LX6; MicroPython runs on core 1 at 160 MHz).
    Esp32,
    /// Pyboard v1.1 (STM32F405 at 168 MHz): `pyb.Timer` callbacks are hard interrupts.
    Pyboard,
}

impl BoardKind {
    /// The board's name as written in scenario files (`board: esp32`).
    pub fn name(self) -> &'static str {
        match self {
            BoardKind::Esp32 => "esp32",
            BoardKind::Pyboard => "pyboard",
        }
    }

    /// The board for a scenario-file name, if irqlab models it.
    pub fn from_name(name: &str) -> Option<BoardKind> {
        match name {
            "esp32" => Some(BoardKind::Esp32),
            "pyboard" => Some(BoardKind::Pyboard),
            _ => None,
        }
    }

    /// The names of all modelled boards, for error messages.
    pub const NAMES: [&'static str; 2] = ["esp32", "pyboard"];

    /// The board's built-in profile (`boards/<name>.toml`).
    pub fn profile(self) -> profile::BoardProfile {
        match self {
            BoardKind::Esp32 => profile::BoardProfile::esp32(),
            BoardKind::Pyboard => profile::BoardProfile::pyboard(),
        }
    }
}

/// The peripheral set of one board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Board {
    /// Which board.
    pub kind: BoardKind,
    /// GPIO pads.
    pub gpio: Gpio,
    /// Hardware and virtual timers.
    pub timers: TimerBank,
    /// The interrupt controller of the core MicroPython runs on.
    pub intc: Intc,
}

impl Board {
    /// A board of `kind` in its power-on state.
    pub fn new(kind: BoardKind) -> Board {
        Board {
            kind,
            gpio: Gpio::new(),
            timers: TimerBank::new(),
            intc: Intc::new(),
        }
    }

    /// Raises the GPIO interrupt line if `change` newly set a pin's interrupt status.
    pub fn apply_pin_change(&mut self, change: PinChange) -> Option<Raised> {
        change.irq_raised.then(|| self.intc.raise(Source::Gpio))
    }

    /// Handles the due `alarm` of timer `id`: updates the timer and, if it fired, raises its
    /// interrupt line. Returns what the timer did and what the controller did.
    pub fn fire_timer(&mut self, id: TimerId, alarm: Alarm) -> (FireOutcome, Option<Raised>) {
        let outcome = self.timers.get_mut(id).fire(alarm);
        let raised = match outcome {
            FireOutcome::Fired { .. } => Some(self.intc.raise(timer_source(id))),
            FireOutcome::Stale => None,
        };
        (outcome, raised)
    }
}

/// The interrupt source a timer raises: its own line for a hardware timer, the shared
/// esp_timer line for virtual timers.
pub fn timer_source(id: TimerId) -> Source {
    match id {
        TimerId::Hardware(n) => Source::Timer(n),
        TimerId::Virtual(_) => Source::EspTimer,
    }
}

#[cfg(test)]
mod tests {
    use super::gpio::{Drive, PinId, PinMode, Pull, Trigger};
    use super::timer::{PeriodRequest, TimerMode};
    use super::*;
    use crate::time::SimTime;

    // A button edge and a timer alarm reach the controller; the timer is taken first.
    #[test]
    fn pin_and_timer_events_raise_their_lines() {
        let mut board = Board::new(BoardKind::Esp32);
        let pin = PinId::new(4).unwrap();
        board
            .gpio
            .configure(pin, Some(PinMode::In), Some(Pull::Up))
            .unwrap();
        board.gpio.set_trigger(pin, Trigger::Falling);
        let change = board.gpio.drive_external(pin, Drive::Low);
        assert!(
            board
                .apply_pin_change(change)
                .is_some_and(|r| r.newly_pending)
        );
        let id = TimerId::Hardware(1);
        let period = PeriodRequest::Period {
            period: 1,
            tick_hz: 1000,
        };
        let alarm = board
            .timers
            .get_mut(id)
            .init(SimTime::ZERO, TimerMode::OneShot, period)
            .unwrap();
        let (outcome, raised) = board.fire_timer(id, alarm);
        assert_eq!(
            outcome,
            FireOutcome::Fired {
                n_alarm: 1,
                next: None
            }
        );
        assert!(raised.is_some());
        assert_eq!(board.intc.take(), Some(Source::Timer(1)));
        board.intc.exit();
        assert_eq!(board.intc.take(), Some(Source::Gpio));
        assert_eq!(board.gpio.take_irq_status(), [pin]);
        assert_eq!(timer_source(TimerId::Virtual(3)), Source::EspTimer);
        assert_eq!(
            BoardKind::from_name("esp32").map(BoardKind::name),
            Some("esp32")
        );
    }
}
