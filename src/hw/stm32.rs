//! The STM32F405 of the pyboard v1.1 as far as interrupts are concerned: which pins exist and
//! which of the simulator's GPIO numbers stands for each, the EXTI line of a pin, the NVIC
//! vector of each interrupt and the priorities MicroPython's stm32 port gives them, and the
//! NVIC's rule for which pending interrupt runs next.
//!
//! **Pins.** The board names (`X1`…`X12`, `X17`, `X18`, `Y1`…`Y12`) and CPU names (`A0`, …)
//! are those of `ports/stm32/boards/PYBV11/pins.csv`. irqlab's [`super::gpio`] model numbers
//! pads like an ESP32, so each pyboard pin is given one of its output-capable numbers
//! ([`PINS`]); scenario stimuli use these numbers. `X19`–`X22` (analog inputs) are not
//! modelled: the model has no more output-capable pads.
//!
//! **Priorities** (ports/stm32/irq.h, `NVIC_PRIORITYGROUP_4`, lower number = more urgent):
//! `pyb.Timer` n ≠ 5 at `IRQ_PRI_TIMX` = 13 (timer.c sets it in `init`), TIM5 at
//! `IRQ_PRI_TIM5` = 6 (the servo timer, set up at boot), EXTI lines (`pyb.ExtInt`,
//! `Pin.irq`) at `IRQ_PRI_EXTINT` = 14, and the soft-timer handler behind `machine.Timer`,
//! run from PendSV, at `IRQ_PRI_PENDSV` = 15.
//!
//! **Preemption** ([`Priority::preempts`]): a pending interrupt preempts the running handler
//! only if its priority number is strictly lower (ARMv7-M Architecture Reference Manual,
//! B1.5.4). Selection among pending interrupts and PRIMASK are the NVIC policy of
//! the interrupt controller (`intc.rs`).
//!
//! This module knows nothing about Python or the trace.

use super::gpio::PinId;

/// The NVIC priority of an interrupt and its exception number (the tie-break).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Priority {
    /// Priority number, 0..=15; lower is more urgent.
    pub level: u8,
    /// Exception number: 16 + IRQn for peripheral interrupts, 14 for PendSV.
    pub exception: u16,
}

impl Priority {
    /// True if an interrupt of priority `self` preempts a running handler of `running`
    /// (strictly more urgent; equal priority waits even with a lower exception number).
    pub fn preempts(self, running: Priority) -> bool {
        self.level < running.level
    }
}

/// `IRQ_PRI_TIMX`: the priority of every `pyb.Timer` except TIM5 (irq.h).
pub const IRQ_PRI_TIMX: u8 = 13;
/// `IRQ_PRI_TIM5`: the servo timer's priority (irq.h; timer.c leaves it when TIM5 is used).
pub const IRQ_PRI_TIM5: u8 = 6;
/// `IRQ_PRI_EXTINT`: every EXTI line (extint.c).
pub const IRQ_PRI_EXTINT: u8 = 14;
/// `IRQ_PRI_PENDSV`: PendSV, where `soft_timer_handler` runs `machine.Timer` callbacks.
pub const IRQ_PRI_PENDSV: u8 = 15;

/// The interrupt of `pyb.Timer(n)` (its update vector; CMSIS `stm32f405xx.h` IRQn), if the
/// STM32F405 has timer `n` (1..=14).
pub fn timer_priority(n: u8) -> Option<Priority> {
    let irqn: u16 = match n {
        1 | 10 => 25, // TIM1_UP_TIM10
        2 => 28,
        3 => 29,
        4 => 30,
        5 => 50,
        6 => 54, // TIM6_DAC
        7 => 55,
        8 | 13 => 44, // TIM8_UP_TIM13
        9 => 24,      // TIM1_BRK_TIM9
        11 => 26,     // TIM1_TRG_COM_TIM11
        12 => 43,     // TIM8_BRK_TIM12
        14 => 45,     // TIM8_TRG_COM_TIM14
        _ => return None,
    };
    let level = if n == 5 { IRQ_PRI_TIM5 } else { IRQ_PRI_TIMX };
    Some(Priority {
        level,
        exception: 16 + irqn,
    })
}

/// The interrupt of EXTI line `line` (0..=15): EXTI0..4 have their own vectors, 5–9 and
/// 10–15 share one each (`EXTI9_5`, `EXTI15_10`).
pub fn exti_priority(line: u8) -> Priority {
    let irqn: u16 = match line {
        0..=4 => 6 + u16::from(line),
        5..=9 => 23,
        _ => 40,
    };
    Priority {
        level: IRQ_PRI_EXTINT,
        exception: 16 + irqn,
    }
}

/// PendSV, where the soft timers of `machine.Timer` run (shared/runtime/softtimer.c).
pub const PENDSV: Priority = Priority {
    level: IRQ_PRI_PENDSV,
    exception: 14,
};

/// One pyboard pin: its board name, its CPU port and number, and the simulator GPIO number
/// that stands for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PybPin {
    /// Board name (`X1`).
    pub board: &'static str,
    /// CPU port letter (`A`).
    pub port: char,
    /// Pin number within the port, 0..=15: also its EXTI line.
    pub number: u8,
    /// The simulator's GPIO number for this pin.
    pub gpio: u8,
}

impl PybPin {
    /// The CPU name (`A0`), as in `Pin.cpu.A0`.
    pub fn cpu_name(&self) -> String {
        format!("{}{}", self.port, self.number)
    }

    /// The simulator pad.
    pub fn pin_id(&self) -> PinId {
        PinId::new(i64::from(self.gpio)).expect("PINS uses valid GPIO numbers")
    }
}

const fn p(board: &'static str, port: char, number: u8, gpio: u8) -> PybPin {
    PybPin {
        board,
        port,
        number,
        gpio,
    }
}

/// The modelled pyboard pins (PYBV11/pins.csv) and their simulator GPIO numbers: `Xn` is GPIO
/// n for n ≤ 12 and X17/X18, the `Y` pins take the remaining output-capable numbers.
pub const PINS: [PybPin; 26] = [
    p("X1", 'A', 0, 1),
    p("X2", 'A', 1, 2),
    p("X3", 'A', 2, 3),
    p("X4", 'A', 3, 4),
    p("X5", 'A', 4, 5),
    p("X6", 'A', 5, 6),
    p("X7", 'A', 6, 7),
    p("X8", 'A', 7, 8),
    p("X9", 'B', 6, 9),
    p("X10", 'B', 7, 10),
    p("X11", 'C', 4, 11),
    p("X12", 'C', 5, 12),
    p("X17", 'B', 3, 17),
    p("X18", 'C', 13, 18),
    p("Y1", 'C', 6, 13),
    p("Y2", 'C', 7, 14),
    p("Y3", 'B', 8, 15),
    p("Y4", 'B', 9, 16),
    p("Y5", 'B', 12, 19),
    p("Y6", 'B', 13, 21),
    p("Y7", 'B', 14, 22),
    p("Y8", 'B', 15, 23),
    p("Y9", 'B', 10, 25),
    p("Y10", 'B', 11, 26),
    p("Y11", 'B', 0, 27),
    p("Y12", 'B', 1, 32),
];

/// The pin named `name`: a board name (`X1`, or `SW` for X17) or a CPU name (`A0`), as
/// `pin_find` tries them (board first).
pub fn pin_by_name(name: &str) -> Option<&'static PybPin> {
    let board = if name == "SW" { "X17" } else { name };
    PINS.iter()
        .find(|p| p.board == board)
        .or_else(|| PINS.iter().find(|p| p.cpu_name() == name))
}

/// The pin behind simulator GPIO `gpio`, if it stands for one.
pub fn pin_by_gpio(gpio: u8) -> Option<&'static PybPin> {
    PINS.iter().find(|p| p.gpio == gpio)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The defaults of irq.h: TIM5 preempts other timers, timers preempt EXTI, EXTI preempts
    // the soft timers; equal priorities never preempt each other.
    #[test]
    fn default_priorities_order_the_sources() {
        let tim4 = timer_priority(4).unwrap();
        let tim2 = timer_priority(2).unwrap();
        let tim5 = timer_priority(5).unwrap();
        let exti0 = exti_priority(0);
        assert!(tim5.preempts(tim4) && !tim4.preempts(tim5));
        assert!(tim4.preempts(exti0) && !exti0.preempts(tim4));
        assert!(exti0.preempts(PENDSV));
        assert!(!tim2.preempts(tim4) && !tim4.preempts(tim2));
        assert_eq!(timer_priority(15), None);
        assert_eq!(exti_priority(7), exti_priority(9));
    }

    // Pin names: board and CPU names find the same pin; every pin has its own valid pad.
    #[test]
    fn pin_names_map_to_distinct_pads() {
        let x1 = pin_by_name("X1").unwrap();
        assert_eq!(pin_by_name("A0"), Some(x1));
        assert_eq!(pin_by_name("SW").map(|p| p.board), Some("X17"));
        assert_eq!(pin_by_name("X13"), None);
        let mut gpios: Vec<u8> = PINS.iter().map(|p| p.gpio).collect();
        gpios.sort_unstable();
        gpios.dedup();
        assert_eq!(gpios.len(), PINS.len());
        for p in &PINS {
            assert!(!p.pin_id().is_input_only(), "{} is output-capable", p.board);
            assert_eq!(pin_by_gpio(p.gpio), Some(p));
        }
    }
}
