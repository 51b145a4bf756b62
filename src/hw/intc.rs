//! The interrupt controller of one CPU core: which interrupt sources are pending, which are
//! masked by `machine.disable_irq()`, and which one the core takes next.
//!
//! Sources are the peripheral interrupt lines irqlab models ([`Source`]). Each has a priority
//! level (1 = lowest, 7 = NMI on Xtensa); on the ESP32 every MicroPython Pin/Timer ISR is
//! allocated with flags 0, i.e. **level 1** (facts §4.3). Higher levels exist so later boards
//! and models (e.g. a level-3 UART, a level-5 watchdog) can preempt.
//!
//! Masking: `disable_irq()` is `portENTER_CRITICAL`, which raises the core's interrupt level to
//! `XCHAL_EXCM_LEVEL` = [`EXCM_LEVEL`] (3) and nests with a counter; it always returns 0.
//! `enable_irq(state)` ignores `state` and decrements the counter (facts §4.1). Interrupts
//! raised while masked stay pending and are taken when the mask drops; we count them.
//!
//! **Selection order** ([`select_next`]): among sources that are pending and enabled, whose
//! level is above both the mask level and the level of the ISR currently running, take the
//! highest level; within a level, the lowest ESP32 interrupt-matrix source number
//! ([`Source::matrix_number`]). On silicon the tie-break depends on which CPU interrupt
//! `esp_intr_alloc` assigned; the matrix number is our stable, documented stand-in.
//!
//! A pending flag is one bit: raising an already pending source merges with it (the ISR runs
//! once) and is counted as coalesced. This module knows nothing about Python or the trace.

use std::fmt;

/// The Xtensa level masked by a FreeRTOS critical section (`XCHAL_EXCM_LEVEL` on the ESP32).
pub const EXCM_LEVEL: u8 = 3;

/// The highest interrupt level (Xtensa level 7 is the NMI).
pub const MAX_LEVEL: u8 = 7;

/// The level of MicroPython's esp32 Pin and Timer ISRs (`esp_intr_alloc` flags 0).
pub const DEFAULT_LEVEL: u8 = 1;

/// The deepest `disable_irq()` nesting we accept before calling the program runaway. FreeRTOS
/// keeps the count in a 32-bit field; a program nesting this deep has a leak, not a design.
pub const MAX_CRITICAL_NESTING: u32 = 1_000_000;

/// An interrupt source modelled by irqlab, ordered by ESP32 interrupt-matrix number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Hardware timer n (0..=3): TG0_T0 (14), TG0_T1 (15), TG1_T0 (18), TG1_T1 (19).
    Timer(u8),
    /// The esp_timer alarm that drives virtual timers (TG0_LACT, 17).
    EspTimer,
    /// The one GPIO interrupt shared by all pins (GPIO, 22); per-pin status lives in `Gpio`.
    Gpio,
}

/// Every source, in matrix-number order (the tie-break order within a level).
pub const SOURCES: [Source; 6] = [
    Source::Timer(0),
    Source::Timer(1),
    Source::EspTimer,
    Source::Timer(2),
    Source::Timer(3),
    Source::Gpio,
];

impl Source {
    /// The ESP32 interrupt-matrix source number (`soc/interrupts.h`, `ETS_*_INTR_SOURCE`).
    pub fn matrix_number(self) -> u8 {
        match self {
            Source::Timer(0) => 14,
            Source::Timer(1) => 15,
            Source::EspTimer => 17,
            Source::Timer(2) => 18,
            Source::Timer(n) => {
                assert_eq!(n, 3, "no hardware timer {n}");
                19
            }
            Source::Gpio => 22,
        }
    }

    fn index(self) -> usize {
        SOURCES
            .iter()
            .position(|&s| s == self)
            .expect("every Source is in SOURCES")
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Timer(n) => write!(f, "timer {n}"),
            Source::EspTimer => f.write_str("esp_timer"),
            Source::Gpio => f.write_str("gpio"),
        }
    }
}

/// The state and counters of one source's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Which source.
    pub source: Source,
    /// Priority level, 1..=[`MAX_LEVEL`].
    pub level: u8,
    /// Whether the interrupt is enabled (an ISR is allocated for it).
    pub enabled: bool,
    /// Raised and not yet taken.
    pub pending: bool,
    /// Times raised.
    pub n_raised: u64,
    /// Times raised while masked by a critical section.
    pub n_raised_while_masked: u64,
    /// Times raised while already pending (merged, so one ISR run served several events).
    pub n_coalesced: u64,
}

/// What [`Intc::raise`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raised {
    /// False if the source was already pending (the raise merged with it).
    pub newly_pending: bool,
    /// True if a critical section masks this source now.
    pub masked: bool,
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
    /// Indexed like [`SOURCES`].
    lines: Vec<Line>,
    /// `disable_irq()` nesting depth.
    critical_depth: u32,
    /// Sources whose ISR is running, innermost last. Invariant: levels strictly increase, so the
    /// depth is at most [`MAX_LEVEL`].
    running: Vec<(Source, u8)>,
}

impl Default for Intc {
    fn default() -> Self {
        Intc::new()
    }
}

/// The source to take next, given the lines, the mask level (0 = nothing masked) and the
/// level of the ISR running now (0 = none): pending and enabled sources above both levels,
/// highest level first, then lowest matrix number. `lines` must be in [`SOURCES`] order.
pub fn select_next(lines: &[Line], mask_level: u8, running_level: u8) -> Option<Source> {
    let floor = mask_level.max(running_level);
    let mut best: Option<&Line> = None;
    for line in lines
        .iter()
        .filter(|l| l.pending && l.enabled && l.level > floor)
    {
        // Strictly greater keeps the earlier (lower matrix number) line on a tie.
        if best.is_none_or(|b| line.level > b.level) {
            best = Some(line);
        }
    }
    best.map(|l| l.source)
}

impl Intc {
    /// All sources enabled at [`DEFAULT_LEVEL`], nothing pending, nothing masked.
    pub fn new() -> Intc {
        let lines = SOURCES.iter().map(|&source| Line {
            source,
            level: DEFAULT_LEVEL,
            enabled: true,
            pending: false,
            n_raised: 0,
            n_raised_while_masked: 0,
            n_coalesced: 0,
        });
        Intc {
            lines: lines.collect(),
            critical_depth: 0,
            running: Vec::new(),
        }
    }

    /// The line of `source`.
    pub fn line(&self, source: Source) -> &Line {
        &self.lines[source.index()]
    }

    /// All lines in [`SOURCES`] order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Sets the priority level of `source` (1..=[`MAX_LEVEL`]).
    pub fn set_level(&mut self, source: Source, level: u8) {
        assert!(
            (1..=MAX_LEVEL).contains(&level),
            "interrupt level {level} out of range"
        );
        self.lines[source.index()].level = level;
    }

    /// Enables or disables `source` (a disabled source stays pending but is never taken).
    pub fn set_enabled(&mut self, source: Source, enabled: bool) {
        self.lines[source.index()].enabled = enabled;
    }

    /// The level masked by critical sections now: [`EXCM_LEVEL`] inside one, else 0.
    pub fn mask_level(&self) -> u8 {
        if self.critical_depth > 0 {
            EXCM_LEVEL
        } else {
            0
        }
    }

    /// The `disable_irq()` nesting depth.
    pub fn critical_depth(&self) -> u32 {
        self.critical_depth
    }

    /// The peripheral raises `source`.
    pub fn raise(&mut self, source: Source) -> Raised {
        let masked = self.is_masked(source);
        let line = &mut self.lines[source.index()];
        line.n_raised += 1;
        if masked {
            line.n_raised_while_masked += 1;
        }
        let newly_pending = !line.pending;
        if !newly_pending {
            line.n_coalesced += 1;
        }
        line.pending = true;
        Raised {
            newly_pending,
            masked,
        }
    }

    /// True if a critical section holds `source` off now.
    pub fn is_masked(&self, source: Source) -> bool {
        self.line(source).level <= self.mask_level()
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
    /// ESP32). Pending sources become takeable when the depth reaches 0.
    pub fn enable_irq(&mut self) -> Result<(), IntcError> {
        self.critical_depth = self
            .critical_depth
            .checked_sub(1)
            .ok_or(IntcError::NotDisabled)?;
        Ok(())
    }

    /// The source the core takes next, if any (see [`select_next`]).
    pub fn next(&self) -> Option<Source> {
        let running_level = self.running.last().map_or(0, |&(_, level)| level);
        select_next(&self.lines, self.mask_level(), running_level)
    }

    /// The core enters `source`'s ISR: clears its pending flag and records it as running.
    /// Panics if `source` is not what [`Intc::next`] would take (a caller bug).
    pub fn enter(&mut self, source: Source) {
        assert_eq!(
            self.next(),
            Some(source),
            "entering an ISR the controller would not take"
        );
        let line = &mut self.lines[source.index()];
        line.pending = false;
        self.running.push((source, line.level));
    }

    /// Takes the next source, if any: [`Intc::next`] then [`Intc::enter`].
    pub fn take(&mut self) -> Option<Source> {
        let source = self.next()?;
        self.enter(source);
        Some(source)
    }

    /// The running ISR returns; gives back its source. Panics if no ISR is running.
    pub fn exit(&mut self) -> Source {
        self.running.pop().expect("ISR exit with no ISR running").0
    }

    /// The ISRs running now, outermost first (nested ones preempted their predecessors).
    pub fn running(&self) -> impl Iterator<Item = Source> + '_ {
        self.running.iter().map(|&(source, _)| source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Within a level, the lowest matrix number goes first: timers before GPIO.
    #[test]
    fn same_level_takes_lowest_matrix_number() {
        let mut intc = Intc::new();
        intc.raise(Source::Gpio);
        intc.raise(Source::Timer(3));
        intc.raise(Source::Timer(1));
        let mut order = Vec::new();
        while let Some(source) = intc.next() {
            intc.enter(source);
            order.push(intc.exit());
        }
        assert_eq!(order, [Source::Timer(1), Source::Timer(3), Source::Gpio]);
    }

    // disable_irq returns 0 and nests; pending sources wait until the last enable_irq.
    #[test]
    fn critical_sections_nest_and_count_masked_raises() {
        let mut intc = Intc::new();
        assert_eq!(intc.disable_irq(), 0);
        assert_eq!(intc.disable_irq(), 0);
        assert_eq!(
            intc.raise(Source::Gpio),
            Raised {
                newly_pending: true,
                masked: true
            }
        );
        assert_eq!(
            intc.raise(Source::Gpio),
            Raised {
                newly_pending: false,
                masked: true
            }
        );
        assert_eq!(intc.next(), None);
        intc.enable_irq().unwrap();
        assert_eq!(intc.next(), None);
        intc.enable_irq().unwrap();
        assert_eq!(intc.next(), Some(Source::Gpio));
        assert_eq!(intc.enable_irq(), Err(IntcError::NotDisabled));
        let line = intc.line(Source::Gpio);
        assert_eq!(
            (line.n_raised, line.n_raised_while_masked, line.n_coalesced),
            (2, 2, 1)
        );
    }

    // Higher levels preempt a running ISR and pass a critical section; equal levels wait.
    #[test]
    fn higher_levels_preempt() {
        let mut intc = Intc::new();
        intc.set_level(Source::Timer(0), 5);
        intc.raise(Source::Gpio);
        intc.enter(Source::Gpio);
        intc.raise(Source::Timer(1));
        assert_eq!(intc.next(), None, "same level does not preempt");
        intc.disable_irq();
        intc.raise(Source::Timer(0));
        assert!(!intc.is_masked(Source::Timer(0)));
        assert_eq!(intc.next(), Some(Source::Timer(0)));
        intc.enter(Source::Timer(0));
        assert_eq!(
            intc.running().collect::<Vec<_>>(),
            [Source::Gpio, Source::Timer(0)]
        );
        assert_eq!(intc.exit(), Source::Timer(0));
        assert_eq!(intc.exit(), Source::Gpio);
        intc.enable_irq().unwrap();
        assert_eq!(intc.next(), Some(Source::Timer(1)));
    }

    // The selection function as a table: (levels, pending, mask, running) -> choice.
    #[test]
    fn select_next_table() {
        let lines = |spec: &[(Source, u8, bool)]| -> Vec<Line> {
            let mut intc = Intc::new();
            for &(source, level, pending) in spec {
                intc.set_level(source, level);
                if pending {
                    intc.raise(source);
                }
            }
            intc.lines().to_vec()
        };
        let cases = [
            (lines(&[]), 0, 0, None),
            (lines(&[(Source::Gpio, 1, true)]), 0, 0, Some(Source::Gpio)),
            (lines(&[(Source::Gpio, 1, true)]), 3, 0, None),
            (lines(&[(Source::Gpio, 1, true)]), 0, 1, None),
            (
                lines(&[(Source::Gpio, 2, true), (Source::Timer(0), 1, true)]),
                0,
                0,
                Some(Source::Gpio),
            ),
            (
                lines(&[(Source::Gpio, 4, true), (Source::EspTimer, 4, true)]),
                3,
                0,
                Some(Source::EspTimer),
            ),
            (
                lines(&[(Source::Gpio, 4, true), (Source::Timer(2), 5, false)]),
                0,
                4,
                None,
            ),
        ];
        for (i, (lines, mask, running, expected)) in cases.into_iter().enumerate() {
            assert_eq!(select_next(&lines, mask, running), expected, "case {i}");
        }
    }

    // A disabled source stays pending but is not taken until enabled.
    #[test]
    fn disabled_sources_are_not_taken() {
        let mut intc = Intc::new();
        intc.set_enabled(Source::Timer(2), false);
        intc.raise(Source::Timer(2));
        assert_eq!(intc.next(), None);
        intc.set_enabled(Source::Timer(2), true);
        assert_eq!(intc.next(), Some(Source::Timer(2)));
        assert_eq!(SOURCES.map(Source::matrix_number), [14, 15, 17, 18, 19, 22]);
    }
}
