//! Simulated time: the only notion of time in irqlab's core.
//!
//! [`SimTime`] is an instant and [`SimDuration`] a span, both integer nanoseconds since the
//! virtual board powered on. [`Cycles`] counts CPU clock cycles; [`CycleClock`] converts cycles
//! to time at the current CPU frequency and carries the sub-nanosecond remainder, so charging
//! many small costs never drifts from charging their sum (style.md, "Simulated time").
//!
//! Nothing here reads the wall clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant of simulated time, in nanoseconds since power-on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

/// A number of CPU clock cycles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cycles(pub u64);

impl SimTime {
    /// Power-on.
    pub const ZERO: SimTime = SimTime(0);
    /// Nanoseconds since power-on.
    pub fn as_ns(self) -> u64 {
        self.0
    }
    /// Whole microseconds since power-on (what `esp_timer_get_time()` returns).
    pub fn as_us(self) -> u64 {
        self.0 / 1_000
    }
    /// Whole milliseconds since power-on.
    pub fn as_ms(self) -> u64 {
        self.0 / 1_000_000
    }
    /// The span from `earlier` to `self`; zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time.
    pub const ZERO: SimDuration = SimDuration(0);
    /// A span of `ns` nanoseconds.
    pub const fn from_ns(ns: u64) -> SimDuration {
        SimDuration(ns)
    }
    /// A span of `us` microseconds.
    pub const fn from_us(us: u64) -> SimDuration {
        SimDuration(us * 1_000)
    }
    /// A span of `ms` milliseconds.
    pub const fn from_ms(ms: u64) -> SimDuration {
        SimDuration(ms * 1_000_000)
    }
    /// A span of `s` seconds.
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * 1_000_000_000)
    }
    /// The span in nanoseconds.
    pub fn as_ns(self) -> u64 {
        self.0
    }
    /// The span in (fractional) microseconds, for reports.
    pub fn as_us_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(
            self.0
                .checked_add(d.0)
                .expect("simulated time overflowed u64 nanoseconds"),
        )
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        assert!(
            earlier <= self,
            "time went backwards: {earlier:?} > {self:?}"
        );
        SimDuration(self.0 - earlier.0)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0 + o.0)
    }
}

impl fmt::Display for SimTime {
    /// Seconds with nanosecond precision, e.g. `1.000250000s`: fixed width so traces align.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:09}s",
            self.0 / 1_000_000_000,
            self.0 % 1_000_000_000
        )
    }
}

impl fmt::Display for SimDuration {
    /// The most readable unit: `850ns`, `12.500us`, `3.250ms`, `2.000s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns < 1_000 {
            write!(f, "{ns}ns")
        } else if ns < 1_000_000 {
            write!(f, "{}.{:03}us", ns / 1_000, ns % 1_000)
        } else if ns < 1_000_000_000 {
            write!(f, "{}.{:03}ms", ns / 1_000_000, (ns / 1_000) % 1_000)
        } else {
            write!(f, "{}.{:03}s", ns / 1_000_000_000, (ns / 1_000_000) % 1_000)
        }
    }
}

/// Converts CPU cycles to simulated time at a given clock frequency, without drift.
///
/// Invariant: `remainder < freq_hz`; the time charged so far equals
/// `floor(total_cycles * 1e9 / freq_hz)` for cycles charged at one frequency.
#[derive(Clone, Debug)]
pub struct CycleClock {
    freq_hz: u64,
    /// Cycle-nanoseconds not yet turned into a whole nanosecond (units: cycles·1e9 mod freq).
    remainder: u64,
}

impl CycleClock {
    /// A clock running at `freq_hz` (ESP32 default 160 MHz, facts §4.1).
    pub fn new(freq_hz: u64) -> CycleClock {
        assert!(freq_hz > 0, "CPU frequency must be positive");
        CycleClock {
            freq_hz,
            remainder: 0,
        }
    }

    /// The current CPU frequency in Hz.
    pub fn freq_hz(&self) -> u64 {
        self.freq_hz
    }

    /// Changes the frequency (`machine.freq(f)`); the carried remainder is dropped (< 1 ns).
    pub fn set_freq_hz(&mut self, freq_hz: u64) {
        assert!(freq_hz > 0, "CPU frequency must be positive");
        self.freq_hz = freq_hz;
        self.remainder = 0;
    }

    /// The duration of `cycles` at the current frequency, carrying the remainder to the next call.
    pub fn charge(&mut self, cycles: Cycles) -> SimDuration {
        let total = cycles.0 as u128 * 1_000_000_000 + self.remainder as u128;
        let ns = total / self.freq_hz as u128;
        self.remainder = (total % self.freq_hz as u128) as u64;
        SimDuration(ns as u64)
    }

    /// Whole cycles elapsed in `d` at the current frequency (for `ticks_cpu`).
    pub fn cycles_in(&self, d: SimDuration) -> Cycles {
        Cycles((d.0 as u128 * self.freq_hz as u128 / 1_000_000_000) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Charging one cycle at a time must add up to charging them all at once (no drift).
    #[test]
    fn cycle_clock_carries_remainder() {
        let mut one_by_one = CycleClock::new(160_000_000);
        let mut total = SimDuration::ZERO;
        for _ in 0..1_000_003 {
            total = total + one_by_one.charge(Cycles(1));
        }
        let mut at_once = CycleClock::new(160_000_000);
        assert_eq!(total, at_once.charge(Cycles(1_000_003)));
        assert_eq!(total.as_ns(), 1_000_003 * 1_000 / 160);
    }

    #[test]
    fn durations_display_in_readable_units() {
        assert_eq!(SimDuration::from_ns(850).to_string(), "850ns");
        assert_eq!(SimDuration::from_ns(12_500).to_string(), "12.500us");
        assert_eq!(SimDuration::from_us(3_250).to_string(), "3.250ms");
        assert_eq!(SimTime(1_000_250_000).to_string(), "1.000250000s");
    }
}
