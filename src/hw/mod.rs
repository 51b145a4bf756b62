//! The board's peripherals as pure state machines: GPIO pads, timers and the interrupt
//! controller of the core MicroPython runs on.
//!
//! `hw` knows nothing about Python or the scheduler, and records nothing: every operation
//! returns what happened (an edge, an alarm, an interrupt to run, hold or merge) and the
//! caller (`rt`) acts on it and records it. It imports only the base layer (`time`, `limits`,
//! and the trace schema's `Source`, the one name of an interrupt source). Nothing here reads
//! the wall clock, and nothing schedules events: models say *when* the next thing is due and
//! `rt` queues it. `costs`, `profile` and `profile_file` hold the board's figures and read
//! `boards/*.toml`; `stm32` holds the pyboard's pins and NVIC priorities.
//!
//! How `rt` drives the models:
//! * A pin changes ([`gpio::Gpio::drive_external`], `write`, `configure`, `set_trigger`): the
//!   [`gpio::PinChange`] says whether its interrupt status was set; the pins whose interrupt
//!   fired come from [`gpio::Gpio::take_irq_status`], each raised at the controller.
//! * A queued timer alarm is due: [`timer::Timer::fire`] updates the timer; queue the returned
//!   next alarm and raise the timer's interrupt.
//! * The interrupt controller ([`intc::Intc`]) decides whether a raised interrupt runs now,
//!   waits or is merged, and which waiting one runs next (the esp32's levels or the pyboard's
//!   NVIC priorities).

pub mod costs;
pub mod gpio;
pub mod intc;
pub mod profile;
pub mod profile_file;
pub mod stm32;
pub mod timer;

use gpio::Gpio;
use intc::{Intc, Policy};
use timer::TimerBank;

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
            intc: Intc::new(Policy::of(kind)),
        }
    }
}
