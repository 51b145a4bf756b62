//! Simulated time: the only notion of time in irqlab's core.
//!
//! [`SimTime`] is an instant and [`SimDuration`] a span, both integer nanoseconds since the
//! virtual board powered on. [`Cycles`] counts CPU clock cycles; [`Clock`] is the one mapping
//! from the cycle count to time at the current CPU frequency; it carries the sub-nanosecond
//! remainder, so charging many small costs never drifts from charging their sum (style.md,
//! "Simulated time").
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

/// Nanoseconds per second.
const NS_PER_S: u128 = 1_000_000_000;

/// The one mapping between the CPU's cycle count and simulated time.
///
/// The time of cycle count `c` is `base_ns + floor((c - base_cycles) · 1e9 / freq_hz)`: it is
/// computed from the cycle count since the last frequency change, never by adding rounded
/// pieces, so the sub-nanosecond remainder is carried and charging many small costs never
/// drifts from charging their sum. `machine.freq(f)` rebases the clock at the current cycle
/// count ([`Clock::set_freq`]) so past time is unchanged. Durations of a piece of work
/// ([`Clock::duration`]) use the same rule (floor) from a zero remainder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Cycle count at the last frequency change.
    base_cycles: u64,
    /// Time at the last frequency change, in nanoseconds.
    base_ns: u64,
    /// CPU frequency in Hz.
    freq_hz: u64,
}

impl Clock {
    /// A clock at cycle 0 = time 0, running at `freq_hz` (ESP32 default 160 MHz, facts §4.1).
    pub fn new(freq_hz: u64) -> Clock {
        assert!(freq_hz > 0, "CPU frequency must be positive");
        Clock {
            base_cycles: 0,
            base_ns: 0,
            freq_hz,
        }
    }

    /// The current CPU frequency in Hz.
    pub fn freq_hz(&self) -> u64 {
        self.freq_hz
    }

    /// The time at which the cycle count was (or will be) `cycles` (floor; counts before the
    /// last frequency change map to its time).
    pub fn time_at(&self, cycles: u64) -> SimTime {
        let d = u128::from(cycles.saturating_sub(self.base_cycles)) * NS_PER_S
            / u128::from(self.freq_hz);
        SimTime(self.base_ns + d as u64)
    }

    /// The first cycle count at which the time is `t` or later (the inverse of
    /// [`Clock::time_at`], rounded up).
    pub fn cycles_at(&self, t: SimTime) -> u64 {
        let dt = u128::from(t.0.saturating_sub(self.base_ns));
        self.base_cycles + (dt * u128::from(self.freq_hz)).div_ceil(NS_PER_S) as u64
    }

    /// How long `cycles` of work take at the current frequency (floor).
    pub fn duration(&self, cycles: Cycles) -> SimDuration {
        SimDuration((u128::from(cycles.0) * NS_PER_S / u128::from(self.freq_hz)) as u64)
    }

    /// Changes the frequency to `freq_hz` at cycle count `now_cycles` (`machine.freq(f)`):
    /// the time of every earlier cycle count is unchanged.
    pub fn set_freq(&mut self, now_cycles: u64, freq_hz: u64) {
        assert!(freq_hz > 0, "CPU frequency must be positive");
        self.base_ns = self.time_at(now_cycles).0;
        self.base_cycles = now_cycles;
        self.freq_hz = freq_hz;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Time from the cycle count carries the remainder: charging one cycle at a time adds up
    // to charging them all at once (no drift), across a frequency change too.
    #[test]
    fn clock_carries_remainder() {
        let clock = Clock::new(160_000_000);
        let total = clock.time_at(1_000_003);
        assert_eq!(total.as_ns(), 1_000_003 * 1_000 / 160);
        let mut sum = 0;
        for c in 0..1_000_003 {
            sum += (clock.time_at(c + 1) - clock.time_at(c)).as_ns();
        }
        assert_eq!(sum, total.as_ns());
        assert_eq!(clock.duration(Cycles(1)).as_ns(), 6);
        assert_eq!(clock.cycles_at(total), 1_000_003);
        let c7 = clock.cycles_at(SimTime(7));
        assert!(clock.time_at(c7) >= SimTime(7) && clock.time_at(c7 - 1) < SimTime(7));
        let mut faster = clock;
        faster.set_freq(1_000_003, 240_000_000);
        assert_eq!(faster.time_at(1_000_003), total);
        assert_eq!(faster.time_at(1_000_003 + 240), total + SimDuration(1_000));
        assert_eq!(
            faster.time_at(5),
            total,
            "before the change: the change's time"
        );
    }

    #[test]
    fn durations_display_in_readable_units() {
        assert_eq!(SimDuration::from_ns(850).to_string(), "850ns");
        assert_eq!(SimDuration::from_ns(12_500).to_string(), "12.500us");
        assert_eq!(SimDuration::from_us(3_250).to_string(), "3.250ms");
        assert_eq!(SimTime(1_000_250_000).to_string(), "1.000250000s");
    }
}
