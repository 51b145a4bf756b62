//! Timing variation drawn from the seed (scenario `vary:`, docs/explore.md): timer phases,
//! ISR entry jitter and a delayed start. Not a MicroPython behaviour but the spread of real
//! boards' timing (when `Timer.init` lands relative to the timer clock in
//! ports/esp32/machine_timer.c, how long interrupt entry takes); all off by default, so a run
//! without `vary:` is exactly the unvaried run.

use crate::hw::timer::TimerId;
use crate::time::{SimDuration, SimTime};

use super::{HwEvent, Runtime};

/// Timing variation drawn from the seed (scenario `vary:`, docs/explore.md). All off by
/// default: a run without `vary:` is exactly the unvaried run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vary {
    /// Delay each timer's first expiry after `init` by a uniform offset in `[0, period)`.
    pub timer_phase: bool,
    /// Delay each interrupt's ISR entry by a uniform `[0, irq_jitter]`.
    pub irq_jitter: Option<SimDuration>,
    /// Start the program after a uniform `[0, start]` delay (the machine does this).
    pub start: Option<SimDuration>,
}

/// The random streams behind [`Vary`], each forked from the run's seed by its own name so
/// that turning one kind on does not shift the draws of another.
#[derive(Clone, Debug, Default)]
pub(super) struct VaryState {
    timer_phase: Option<crate::rng::Rng>,
    irq_jitter: Option<(crate::rng::Rng, u64)>,
    /// The phase offset of each timer's current arming.
    timer_offsets: Vec<(TimerId, SimDuration)>,
}

impl Runtime {
    /// Sets up the timer-phase and IRQ-jitter streams of `vary` from the run's `seed`.
    pub fn set_vary(&mut self, vary: &Vary, seed: u64) {
        use crate::rng::{Rng, stream_id};
        let root = Rng::from_seed(seed);
        self.vary.timer_phase = vary
            .timer_phase
            .then(|| root.fork(stream_id("vary.timer-phase")));
        self.vary.irq_jitter = vary
            .irq_jitter
            .filter(|d| d.as_ns() > 0)
            .map(|d| (root.fork(stream_id("vary.irq-jitter")), d.as_ns()));
    }

    /// Queues a hardware event. A timer's first alarm after `init` is delayed by a drawn
    /// phase offset when `vary: timer-phase` is on (its later alarms keep that phase).
    ///
    /// Invariant: a `HwEvent::Timer` comes through here only when a timer is (re)armed
    /// (`Timer.init`, `pyb.Timer`); the periodic re-arm in `handle` queues directly with the
    /// arming's offset. FIXME: `Timer.value()` counts from `init`, not from the shifted phase.
    pub fn push_event(&mut self, mut at: SimTime, ev: HwEvent) {
        if let (HwEvent::Timer { id, .. }, Some(rng)) = (&ev, self.vary.timer_phase.as_mut()) {
            let period = self.board.timers.get(*id).period_ns().unwrap_or(1).max(1);
            let offset = SimDuration(rng.below(period));
            self.vary.timer_offsets.retain(|(t, _)| t != id);
            self.vary.timer_offsets.push((*id, offset));
            at += offset;
        }
        if let Err(e) = self.queue.push(at, ev) {
            // The run stops at the next check (`stimulus.rs`), with the limit reported.
            self.hit_limit(super::RunLimit::EventQueue {
                capacity: e.capacity,
                at,
            });
        }
    }

    /// The phase offset of timer `id`'s current arming (zero without `vary: timer-phase`).
    pub(super) fn timer_offset(&self, id: TimerId) -> SimDuration {
        self.vary
            .timer_offsets
            .iter()
            .find(|(t, _)| *t == id)
            .map_or(SimDuration::ZERO, |(_, d)| *d)
    }

    /// The drawn ISR entry delay of the next raised interrupt with `vary: irq-jitter`, if it
    /// is not zero.
    pub(super) fn irq_jitter(&mut self) -> Option<SimDuration> {
        let (rng, max_ns) = self.vary.irq_jitter.as_mut()?;
        let delay = SimDuration(rng.range_inclusive(0, *max_ns));
        (delay > SimDuration::ZERO).then_some(delay)
    }
}
