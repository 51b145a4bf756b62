//! The board's peripherals as pure state machines: GPIO pads, timers and the interrupt
//! controller of the core MicroPython runs on.
//!
//! `hw` knows nothing about Python, the scheduler or the trace: every operation returns what
//! happened (an edge, an alarm, an interrupt raised or merged) and the caller (`sim`, `rt`)
//! acts on it and records it. Nothing here reads the wall clock, and nothing schedules events:
//! models say *when* the next thing is due and `sim` queues it.

pub mod cpu;
pub mod gpio;
pub mod intc;
pub mod timer;

use gpio::Gpio;
use intc::{Intc, Source};
use timer::{TimerBank, TimerId};

/// The boards irqlab models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoardKind {
    /// Generic ESP32 (dual-core Xtensa LX6; MicroPython runs on core 1 at 160 MHz).
    Esp32,
}

impl BoardKind {
    /// The board's name as written in scenario files (`board: esp32`).
    pub fn name(self) -> &'static str {
        match self {
            BoardKind::Esp32 => "esp32",
        }
    }

    /// The board for a scenario-file name, if irqlab models it.
    pub fn from_name(name: &str) -> Option<BoardKind> {
        match name {
            "esp32" => Some(BoardKind::Esp32),
            _ => None,
        }
    }

    /// The names of all modelled boards, for error messages.
    pub const NAMES: [&'static str; 1] = ["esp32"];
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
}

/// The interrupt source a timer raises: its own line for a hardware timer, the shared
/// esp_timer line for virtual timers.
pub fn timer_source(id: TimerId) -> Source {
    match id {
        TimerId::Hardware(n) => Source::Timer(n),
        TimerId::Virtual(_) => Source::EspTimer,
    }
}
