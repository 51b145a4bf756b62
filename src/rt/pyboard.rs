//! The pyboard's port state that the esp32 port does not have: the number each `pyb.Timer`
//! is known by, which of them run soft callbacks, and the four LEDs (ports/stm32/timer.c,
//! led.c). Used by `pyb` (`pyb_mod.rs`) and by the timer labels of the trace.

use crate::hw::timer::TimerId;

/// The pyboard's state in the runtime.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PybState {
    /// Python-visible numbers of timers that are not esp32 hardware timers (`pyb.Timer` n is
    /// modelled on a virtual timer slot): `(slot, number)`.
    pub timer_aliases: Vec<(TimerId, i8)>,
    /// The four LEDs (`pyb.LED(1..=4)`), on or off.
    pub leds: [bool; 4],
    /// Bit n set: `pyb.Timer(n)` was initialised with `hard=False` (its callbacks are
    /// scheduled, not run in the ISR; ports/stm32/timer.c `ishard`).
    pub soft_timers: u16,
}

impl PybState {
    /// The `pyb.Timer` number of timer slot `id`, if it stands for one.
    pub fn timer_alias(&self, id: TimerId) -> Option<i8> {
        self.timer_aliases
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, n)| *n)
    }
}
