//! ESP32 timers as pure state machines: the 4 hardware timers and esp_timer-backed virtual timers.
//!
//! A [`Timer`] knows its mode, its period (already quantised to what the chip can count) and
//! when it was started; from that it says when its next alarm is due. It does not schedule
//! anything and knows nothing about Python: `sim` queues the alarm the timer asks for, calls
//! [`Timer::fire`] when it is due and raises the interrupt line; `rt` turns `Timer(...)`
//! arguments into a [`PeriodRequest`] and maps [`TimerError`] to Python exceptions.
//!
//! Rules and where they come from (micropython-facts.md §4.3, `ports/esp32/machine_timer.c`):
//! * Hardware timer ids 0..=3 map to `group = (id >> 1) & 1`, `index = id & 1`.
//! * Hardware timers count at source clock / 8 = 80 MHz / 8 = [`HW_TIMER_TICK_HZ`] (10 MHz), so
//!   a period is a whole number of 0.1 µs ticks: `ticks = period * 10_000_000 / tick_hz`
//!   (integer division, as the C code), or `ticks = (u64)(10_000_000.0f / freq)` in single
//!   precision when `freq` is given (`freq` wins over `period`).
//! * Virtual timers (id −1, HEAD) use esp_timer, which counts microseconds; we quantise the same
//!   way with 1_000_000 in place of 10_000_000. FIXME: the exact HEAD conversion for virtual
//!   timers was not read from the source; this is the natural µs analogue.
//! * A period of 0 ticks raises `ValueError: Timer period is too short for this timer` (HEAD).
//! * Periodic timers auto-reload in hardware, so alarm k is due at `start + k * period`: no
//!   drift, however late the callbacks run. Simplification: on silicon the ISR re-enables the
//!   alarm after each period; we assume it always does in time.
//! * `init()` on a running timer first disables it, then starts afresh from `now` (re-arms).
//! * `value()` is the hardware counter in ms: elapsed ticks since start, modulo the period for
//!   periodic timers (the counter reloads to 0 at each alarm); one-shot counters keep counting.
//!   A timer never initialised, or deinitialised, raises `ValueError: timer not set`.

use std::fmt;

use crate::limits::MAX_VIRTUAL_TIMERS;
use crate::time::{SimDuration, SimTime};

/// Hardware timers on the ESP32 (`SOC_TIMER_GROUP_TOTAL_TIMERS`: 2 groups × 2).
pub const N_HARDWARE_TIMERS: usize = 4;

/// Hardware timer count rate: 80 MHz APB clock divided by `TIMER_DIVIDER` 8.
pub const HW_TIMER_TICK_HZ: u64 = 10_000_000;

/// esp_timer count rate (virtual timers): 1 MHz.
pub const VIRTUAL_TIMER_TICK_HZ: u64 = 1_000_000;

/// Which timer: a hardware timer 0..=3 or a virtual timer slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimerId {
    /// Hardware timer `Timer(n)`, n in `0..N_HARDWARE_TIMERS`.
    Hardware(u8),
    /// The n-th virtual timer created with `Timer(-1)` (slot numbers are not Python-visible).
    Virtual(u16),
}

impl TimerId {
    /// The hardware timer for a Python timer number; `Err` if there is no such timer.
    pub fn hardware(id: i64) -> Result<TimerId, TimerError> {
        match u8::try_from(id) {
            Ok(n) if usize::from(n) < N_HARDWARE_TIMERS => Ok(TimerId::Hardware(n)),
            _ => Err(TimerError::InvalidNumber { id }),
        }
    }

    /// `(group, index)` of a hardware timer (`Timer(2)` is group 1 timer 0); `None` if virtual.
    pub fn group_index(self) -> Option<(u8, u8)> {
        match self {
            TimerId::Hardware(n) => Some(((n >> 1) & 1, n & 1)),
            TimerId::Virtual(_) => None,
        }
    }

    /// The count rate of this kind of timer, which sets its period resolution.
    pub fn tick_hz(self) -> u64 {
        match self {
            TimerId::Hardware(_) => HW_TIMER_TICK_HZ,
            TimerId::Virtual(_) => VIRTUAL_TIMER_TICK_HZ,
        }
    }
}

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerId::Hardware(n) => write!(f, "timer {n}"),
            TimerId::Virtual(slot) => write!(f, "virtual timer {slot}"),
        }
    }
}

/// `Timer.ONE_SHOT` (0) or `Timer.PERIODIC` (1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerMode {
    /// Fires once, `period` after `init`.
    OneShot,
    /// Fires every `period`, starting `period` after `init`.
    Periodic,
}

impl TimerMode {
    /// The mode for Python's `mode=` value: the C code stores it as `repeat`, so any non-zero
    /// value is periodic.
    pub fn from_python(mode: i64) -> TimerMode {
        if mode == 0 {
            TimerMode::OneShot
        } else {
            TimerMode::Periodic
        }
    }
}

/// The period as the program asked for it, before quantisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PeriodRequest {
    /// `period=` in units of `1 / tick_hz` seconds (default `tick_hz` 1000: milliseconds).
    Period {
        /// The `period=` argument.
        period: u64,
        /// The `tick_hz=` argument.
        tick_hz: u64,
    },
    /// `freq=` in Hz; a single-precision float on the ESP32 build. Wins over `period`.
    Freq {
        /// The `freq=` argument.
        freq_hz: f32,
    },
}

/// What a timer operation can refuse; `rt` turns each into the Python exception named.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimerError {
    /// No hardware timer with this number (`ValueError`).
    InvalidNumber {
        /// The number asked for.
        id: i64,
    },
    /// The period quantises to zero ticks (`ValueError: Timer period is too short for this
    /// timer`), or `freq` was zero, negative or not finite.
    PeriodTooShort,
    /// The period does not fit in 64-bit nanoseconds (about 584 years); MicroPython's 32-bit
    /// `period` argument cannot get there, so only direct callers see this.
    PeriodTooLong,
    /// `tick_hz=0` (a division by zero on the chip; we refuse it).
    TickHzZero,
    /// `value()` or `deinit()` of a timer that is not running (`ValueError: timer not set`).
    NotSet,
    /// More than [`MAX_VIRTUAL_TIMERS`] virtual timers (modelled as `MemoryError`).
    TooManyVirtualTimers,
}

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerError::InvalidNumber { id } => write!(
                f,
                "Timer({id}) doesn't exist, there are only {N_HARDWARE_TIMERS} hardware timers"
            ),
            TimerError::PeriodTooShort => f.write_str("Timer period is too short for this timer"),
            TimerError::PeriodTooLong => f.write_str("Timer period is too long"),
            TimerError::TickHzZero => f.write_str("tick_hz must be positive"),
            TimerError::NotSet => f.write_str("timer not set"),
            TimerError::TooManyVirtualTimers => f.write_str("too many virtual timers"),
        }
    }
}

impl std::error::Error for TimerError {}

/// The period a timer of kind `id` really runs with, in nanoseconds, for `request`.
///
/// Quantised down to whole counter ticks of `id.tick_hz()` (0.1 µs hardware, 1 µs virtual).
pub fn quantised_period_ns(id: TimerId, request: PeriodRequest) -> Result<u64, TimerError> {
    let counter_hz = id.tick_hz();
    let ticks = match request {
        PeriodRequest::Period { period, tick_hz } => {
            if tick_hz == 0 {
                return Err(TimerError::TickHzZero);
            }
            let ticks = u128::from(period) * u128::from(counter_hz) / u128::from(tick_hz);
            u64::try_from(ticks).map_err(|_| TimerError::PeriodTooLong)?
        }
        PeriodRequest::Freq { freq_hz } => {
            if !(freq_hz.is_finite() && freq_hz > 0.0) {
                return Err(TimerError::PeriodTooShort);
            }
            // Single precision, truncated, as `(uint64_t)(freq_hz / mp_obj_get_float(freq))`.
            (counter_hz as f32 / freq_hz) as u64
        }
    };
    if ticks == 0 {
        return Err(TimerError::PeriodTooShort);
    }
    let ns_per_tick = 1_000_000_000 / counter_hz;
    ticks
        .checked_mul(ns_per_tick)
        .ok_or(TimerError::PeriodTooLong)
}

/// A due alarm as the timer handed it out; stale after `init`/`deinit` (see [`Timer::fire`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alarm {
    /// When the alarm is due.
    pub at: SimTime,
    /// The timer's arming generation when the alarm was computed.
    generation: u64,
}

/// What [`Timer::fire`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FireOutcome {
    /// The alarm fired: raise the timer's interrupt. `next` is the following alarm (periodic).
    Fired {
        /// The alarm index since `init`, from 1.
        n_alarm: u64,
        /// The next alarm to queue, if periodic.
        next: Option<Alarm>,
    },
    /// The timer was re-initialised or stopped after this alarm was queued: ignore it.
    Stale,
}

/// The running configuration of an armed timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Armed {
    mode: TimerMode,
    period_ns: u64,
    start: SimTime,
    /// Alarms fired since `start`.
    n_fired: u64,
}

/// One timer: hardware or virtual.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timer {
    id: TimerId,
    armed: Option<Armed>,
    /// Incremented on every `init`/`deinit`, so alarms queued before are recognised as stale.
    generation: u64,
}

impl Timer {
    /// A stopped timer.
    pub fn new(id: TimerId) -> Timer {
        Timer {
            id,
            armed: None,
            generation: 0,
        }
    }

    /// Which timer this is.
    pub fn id(&self) -> TimerId {
        self.id
    }

    /// True while the timer is counting towards an alarm.
    pub fn is_running(&self) -> bool {
        self.armed.is_some()
    }

    /// The quantised period in ns of a running timer.
    pub fn period_ns(&self) -> Option<u64> {
        self.armed.map(|a| a.period_ns)
    }

    /// The mode of a running timer.
    pub fn mode(&self) -> Option<TimerMode> {
        self.armed.map(|a| a.mode)
    }

    /// `init(mode=, period=/freq=)` at `now`: stops the timer if running and starts it afresh.
    /// Returns the first alarm to queue; any alarm queued earlier is now stale. On `Err` the
    /// timer is left stopped, as on the chip.
    pub fn init(
        &mut self,
        now: SimTime,
        mode: TimerMode,
        request: PeriodRequest,
    ) -> Result<Alarm, TimerError> {
        // The C code disables the timer before it parses the arguments, so a bad period
        // leaves the timer stopped.
        self.deinit();
        let period_ns = quantised_period_ns(self.id, request)?;
        if now.as_ns().checked_add(period_ns).is_none() {
            return Err(TimerError::PeriodTooLong);
        }
        self.armed = Some(Armed {
            mode,
            period_ns,
            start: now,
            n_fired: 0,
        });
        Ok(self
            .alarm_after(0)
            .expect("the first alarm fits: checked above"))
    }

    /// `deinit()`: stops the timer; queued alarms become stale. Stopping a stopped timer is
    /// allowed here (`rt` decides whether that raises, as virtual timers do on HEAD).
    pub fn deinit(&mut self) {
        self.generation += 1;
        self.armed = None;
    }

    /// The next alarm due, if the timer is running and has one left.
    pub fn next_alarm(&self) -> Option<Alarm> {
        self.alarm_after(self.armed?.n_fired)
    }

    /// Handles a queued alarm at its due time. Alarms from before the last `init`/`deinit`
    /// are [`FireOutcome::Stale`].
    pub fn fire(&mut self, alarm: Alarm) -> FireOutcome {
        let Some(armed) = self.armed.as_mut() else {
            return FireOutcome::Stale;
        };
        if alarm.generation != self.generation {
            return FireOutcome::Stale;
        }
        armed.n_fired += 1;
        let n_alarm = armed.n_fired;
        assert_eq!(
            alarm.at,
            armed.start + SimDuration(armed.period_ns * n_alarm),
            "{} fired out of order",
            self.id
        );
        if armed.mode == TimerMode::OneShot {
            // The counter keeps running (for value()), but no further alarm is due.
            return FireOutcome::Fired {
                n_alarm,
                next: None,
            };
        }
        FireOutcome::Fired {
            n_alarm,
            next: self.alarm_after(n_alarm),
        }
    }

    /// `value()` at `now`: the counter in whole milliseconds (see the module doc).
    pub fn value_ms(&self, now: SimTime) -> Result<u64, TimerError> {
        let armed = self.armed.ok_or(TimerError::NotSet)?;
        let elapsed_ns = now.saturating_since(armed.start).as_ns();
        let ns_per_tick = 1_000_000_000 / self.id.tick_hz();
        let elapsed_ns = elapsed_ns - elapsed_ns % ns_per_tick;
        let counter_ns = match armed.mode {
            TimerMode::Periodic => elapsed_ns % armed.period_ns,
            TimerMode::OneShot => elapsed_ns,
        };
        Ok(counter_ns / 1_000_000)
    }

    /// The alarm after `n_fired` alarms, if the mode allows one.
    fn alarm_after(&self, n_fired: u64) -> Option<Alarm> {
        let armed = self.armed?;
        if armed.mode == TimerMode::OneShot && n_fired >= 1 {
            return None;
        }
        let offset_ns = armed.period_ns.checked_mul(n_fired + 1)?;
        let at = SimTime(armed.start.as_ns().checked_add(offset_ns)?);
        Some(Alarm {
            at,
            generation: self.generation,
        })
    }
}

/// All timers of one board: the fixed hardware timers plus virtual timers created on demand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerBank {
    hardware: Vec<Timer>,
    /// Slot n holds `TimerId::Virtual(n)`; slots are never reused within a run.
    virtual_timers: Vec<Timer>,
}

impl Default for TimerBank {
    fn default() -> Self {
        TimerBank::new()
    }
}

impl TimerBank {
    /// Four stopped hardware timers and no virtual timers.
    pub fn new() -> TimerBank {
        let hardware = (0..N_HARDWARE_TIMERS as u8).map(|n| Timer::new(TimerId::Hardware(n)));
        TimerBank {
            hardware: hardware.collect(),
            virtual_timers: Vec::new(),
        }
    }

    /// A new virtual timer (`Timer(-1)`), stopped.
    pub fn create_virtual(&mut self) -> Result<TimerId, TimerError> {
        if self.virtual_timers.len() >= MAX_VIRTUAL_TIMERS {
            return Err(TimerError::TooManyVirtualTimers);
        }
        let id = TimerId::Virtual(self.virtual_timers.len() as u16);
        self.virtual_timers.push(Timer::new(id));
        Ok(id)
    }

    /// The timer `id`. Panics on a virtual slot never created (a caller bug).
    pub fn get(&self, id: TimerId) -> &Timer {
        match id {
            TimerId::Hardware(n) => &self.hardware[usize::from(n)],
            TimerId::Virtual(n) => &self.virtual_timers[usize::from(n)],
        }
    }

    /// The timer `id`, mutably. Panics on a virtual slot never created (a caller bug).
    pub fn get_mut(&mut self, id: TimerId) -> &mut Timer {
        match id {
            TimerId::Hardware(n) => &mut self.hardware[usize::from(n)],
            TimerId::Virtual(n) => &mut self.virtual_timers[usize::from(n)],
        }
    }

    /// Stops every timer (soft reset).
    pub fn deinit_all(&mut self) {
        self.hardware
            .iter_mut()
            .chain(self.virtual_timers.iter_mut())
            .for_each(Timer::deinit);
    }

    /// All timers, hardware first, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Timer> {
        self.hardware.iter().chain(self.virtual_timers.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HW0: TimerId = TimerId::Hardware(0);
    const VIRTUAL: TimerId = TimerId::Virtual(0);

    fn ms(period: u64) -> PeriodRequest {
        PeriodRequest::Period {
            period,
            tick_hz: 1000,
        }
    }

    // Python timer numbers map to (group, index) as in machine_timer.c.
    #[test]
    fn hardware_ids_map_to_group_and_index() {
        let cases = [(0, (0, 0)), (1, (0, 1)), (2, (1, 0)), (3, (1, 1))];
        for (id, expected) in cases {
            assert_eq!(
                TimerId::hardware(id).unwrap().group_index(),
                Some(expected),
                "{id}"
            );
        }
        for id in [-1, 4, 256] {
            assert_eq!(TimerId::hardware(id), Err(TimerError::InvalidNumber { id }));
        }
        assert_eq!(VIRTUAL.group_index(), None);
    }

    // Periods quantise down to 0.1 µs (hardware) or 1 µs (virtual); freq wins and is f32.
    #[test]
    fn periods_quantise_to_counter_ticks() {
        let cases: [(TimerId, PeriodRequest, Result<u64, TimerError>); 11] = [
            (HW0, ms(1), Ok(1_000_000)),
            (
                HW0,
                PeriodRequest::Period {
                    period: 3,
                    tick_hz: 1_000_000,
                },
                Ok(3_000),
            ),
            (
                HW0,
                PeriodRequest::Period {
                    period: 1,
                    tick_hz: 3_000_000,
                },
                Ok(300),
            ),
            (
                VIRTUAL,
                PeriodRequest::Period {
                    period: 1,
                    tick_hz: 3_000_000,
                },
                Err(TimerError::PeriodTooShort),
            ),
            (
                VIRTUAL,
                PeriodRequest::Period {
                    period: 5,
                    tick_hz: 3_000_000,
                },
                Ok(1_000),
            ),
            (HW0, PeriodRequest::Freq { freq_hz: 3.0 }, Ok(333_333_300)),
            (HW0, PeriodRequest::Freq { freq_hz: 50.0 }, Ok(20_000_000)),
            (
                HW0,
                PeriodRequest::Freq { freq_hz: 0.0 },
                Err(TimerError::PeriodTooShort),
            ),
            (HW0, ms(0), Err(TimerError::PeriodTooShort)),
            (
                HW0,
                PeriodRequest::Period {
                    period: u64::MAX,
                    tick_hz: 1,
                },
                Err(TimerError::PeriodTooLong),
            ),
            (
                HW0,
                PeriodRequest::Period {
                    period: 1,
                    tick_hz: 0,
                },
                Err(TimerError::TickHzZero),
            ),
        ];
        for (id, request, expected) in cases {
            assert_eq!(
                quantised_period_ns(id, request),
                expected,
                "{id} {request:?}"
            );
        }
    }

    // Periodic alarms are start + k*period exactly, whenever they are handled.
    #[test]
    fn periodic_alarms_do_not_drift() {
        let mut timer = Timer::new(HW0);
        let start = SimTime(123);
        let mut alarm = timer
            .init(
                start,
                TimerMode::Periodic,
                PeriodRequest::Freq { freq_hz: 3.0 },
            )
            .unwrap();
        for k in 1..=1_000u64 {
            assert_eq!(alarm.at, SimTime(123 + k * 333_333_300));
            match timer.fire(alarm) {
                FireOutcome::Fired {
                    n_alarm,
                    next: Some(next),
                } => {
                    assert_eq!(n_alarm, k);
                    alarm = next;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    // A one-shot timer fires once; its counter keeps running for value().
    #[test]
    fn one_shot_fires_once() {
        let mut timer = Timer::new(HW0);
        let alarm = timer
            .init(SimTime::ZERO, TimerMode::OneShot, ms(10))
            .unwrap();
        assert_eq!(alarm.at, SimTime(10_000_000));
        assert_eq!(
            timer.fire(alarm),
            FireOutcome::Fired {
                n_alarm: 1,
                next: None
            }
        );
        assert_eq!(timer.next_alarm(), None);
        assert_eq!(timer.value_ms(SimTime(25_000_000)), Ok(25));
    }

    // Re-init and deinit make queued alarms stale; re-init restarts the period from now.
    #[test]
    fn init_rearms_and_stales_old_alarms() {
        let mut timer = Timer::new(HW0);
        let old = timer
            .init(SimTime::ZERO, TimerMode::Periodic, ms(10))
            .unwrap();
        let new = timer
            .init(SimTime(4_000_000), TimerMode::Periodic, ms(10))
            .unwrap();
        assert_eq!(new.at, SimTime(14_000_000));
        assert_eq!(timer.fire(old), FireOutcome::Stale);
        timer.deinit();
        assert_eq!(timer.fire(new), FireOutcome::Stale);
        timer
            .init(SimTime::ZERO, TimerMode::Periodic, ms(10))
            .unwrap();
        assert_eq!(
            timer.init(SimTime::ZERO, TimerMode::Periodic, ms(0)),
            Err(TimerError::PeriodTooShort)
        );
        assert!(!timer.is_running());
        assert_eq!(timer.value_ms(SimTime(20_000_000)), Err(TimerError::NotSet));
    }

    // value() of a periodic timer wraps at the period, as the auto-reloading counter does.
    #[test]
    fn periodic_value_wraps_at_the_period() {
        let mut timer = Timer::new(HW0);
        timer
            .init(SimTime(1_000_000), TimerMode::Periodic, ms(10))
            .unwrap();
        let cases = [
            (1_000_000, 0),
            (4_999_999, 3),
            (11_000_000, 0),
            (18_500_000, 7),
        ];
        for (now, expected) in cases {
            assert_eq!(timer.value_ms(SimTime(now)), Ok(expected), "{now}");
        }
    }

    // The bank holds 4 hardware timers and a bounded number of virtual ones.
    #[test]
    fn bank_limits_virtual_timers() {
        let mut bank = TimerBank::new();
        assert_eq!(bank.iter().count(), N_HARDWARE_TIMERS);
        for n in 0..MAX_VIRTUAL_TIMERS {
            assert_eq!(bank.create_virtual(), Ok(TimerId::Virtual(n as u16)));
        }
        assert_eq!(bank.create_virtual(), Err(TimerError::TooManyVirtualTimers));
        bank.get_mut(TimerId::Hardware(3))
            .init(SimTime::ZERO, TimerMode::OneShot, ms(1))
            .unwrap();
        assert!(bank.get(TimerId::Hardware(3)).is_running());
        bank.deinit_all();
        assert!(bank.iter().all(|t| !t.is_running()));
    }
}
