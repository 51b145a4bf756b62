//! ESP32 GPIO pads as pure state machines: mode, pull, output latch, external drive, resolved
//! level, edge detection and the per-pin interrupt status the GPIO ISR reads.
//!
//! Every change (`configure`, `write`, `drive_external`, `set_trigger`) re-resolves the pad
//! level and returns a [`PinChange`] saying whether an edge happened and whether it latched the
//! pin's interrupt status, so the caller can trace it and raise the GPIO interrupt line. This
//! module does not know about Python, the scheduler or the trace.
//!
//! **How the level is resolved** (a simple digital model of the pad, documented in
//! docs/scenario-format.md too):
//! 1. The chip's driver: `OUT` drives the output latch; `OPEN_DRAIN` drives low when the latch
//!    is 0 and lets go when it is 1; `IN` (and an unconfigured pad) does not drive.
//! 2. The external drive from scenario stimuli: `Low`, `High` or `Float` (let go).
//! 3. If exactly one side drives, or both drive the same level, that is the level. If they
//!    disagree it is a short circuit: the level is **low** (wired-AND, as on an open-drain bus)
//!    and the change reports `contention`.
//! 4. If nobody drives, the pull decides: up → 1, down → 0. With no pull the pad floats and
//!    keeps its previous level (the pad capacitance holds it); a pad starts at 0.
//!
//! GPIO 34–39 are input-only and have no pull resistors (ESP32 datasheet §2.2): output modes
//! are refused with [`PinError::InputOnly`], pulls are stored but have no effect.
//! An `OUT` pin reads back its pad level (ESP32 `Pin.OUT` is `GPIO_MODE_INPUT_OUTPUT`), so its
//! own writes make edges and can trigger its IRQ, as on the chip.

use std::fmt;

/// GPIO numbers run 0..=39; not all exist (see [`PinId::new`]).
pub const N_GPIO: usize = 40;

/// A valid ESP32 GPIO number.
///
/// Invariant: the pad exists: 0–19, 21–23, 25–27, 32–39 (GPIO 20, 24 and 28–31 are not bonded
/// out on the ESP32; 6–11 exist but drive the SPI flash on most modules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PinId(u8);

impl PinId {
    /// The pin for a Python pin number; `Err(InvalidPin)` if the ESP32 has no such GPIO
    /// (`rt` raises `ValueError: invalid pin`).
    pub fn new(number: i64) -> Result<PinId, PinError> {
        match u8::try_from(number) {
            Ok(n @ (0..=19 | 21..=23 | 25..=27 | 32..=39)) => Ok(PinId(n)),
            _ => Err(PinError::InvalidPin { number }),
        }
    }

    /// The GPIO number.
    pub fn number(self) -> u8 {
        self.0
    }

    /// True for GPIO 34–39, which have no output driver and no pulls.
    pub fn is_input_only(self) -> bool {
        self.0 >= 34
    }

    /// Every valid pin, in number order.
    pub fn all() -> impl Iterator<Item = PinId> {
        (0..N_GPIO as i64).filter_map(|n| PinId::new(n).ok())
    }
}

impl fmt::Display for PinId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pin {}", self.0)
    }
}

/// Errors from pin operations; `rt` maps them to Python exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinError {
    /// No such GPIO (`ValueError: invalid pin`).
    InvalidPin {
        /// The number asked for.
        number: i64,
    },
    /// An output mode on GPIO 34–39.
    InputOnly(PinId),
    /// An IRQ trigger value other than 0..=5.
    InvalidTrigger {
        /// The value asked for.
        trigger: i64,
    },
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinError::InvalidPin { .. } => f.write_str("invalid pin"),
            PinError::InputOnly(pin) => write!(f, "{pin} is input-only"),
            PinError::InvalidTrigger { trigger } => write!(f, "invalid trigger {trigger}"),
        }
    }
}

impl std::error::Error for PinError {}

/// Pin direction (`Pin.IN`, `Pin.OUT`, `Pin.OPEN_DRAIN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinMode {
    /// Input only: the chip does not drive the pad.
    In,
    /// Push-pull output; the pad is still readable.
    Out,
    /// Drives low for 0, lets go for 1.
    OpenDrain,
}

/// Internal pull resistor (`Pin.PULL_UP`, `Pin.PULL_DOWN`, or none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pull {
    /// No pull: an undriven pad keeps its level.
    None,
    /// Weak pull to 1.
    Up,
    /// Weak pull to 0.
    Down,
}

/// A logic level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 0
    Low,
    /// 1
    High,
}

impl Level {
    /// 0 or 1.
    pub fn as_u8(self) -> u8 {
        match self {
            Level::Low => 0,
            Level::High => 1,
        }
    }

    /// Python truthiness: 0 is low, anything else high (`pin.value(x)`).
    pub fn from_truth(value: bool) -> Level {
        if value { Level::High } else { Level::Low }
    }
}

/// What an outside circuit does to a pad (from scenario stimuli).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Drive {
    /// Actively low (e.g. a pressed button to GND).
    Low,
    /// Actively high.
    High,
    /// Not driving (high impedance).
    Float,
}

impl From<Level> for Drive {
    fn from(level: Level) -> Drive {
        match level {
            Level::Low => Drive::Low,
            Level::High => Drive::High,
        }
    }
}

/// A change of resolved level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edge {
    /// 0 → 1
    Rising,
    /// 1 → 0
    Falling,
}

/// The `trigger=` of `Pin.irq`: on the ESP32 it is an ESP-IDF `gpio_int_type_t`, not a bit
/// mask (facts §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// 0: no interrupt (`handler=None`).
    Disabled,
    /// 1 `IRQ_RISING` (`GPIO_INTR_POSEDGE`).
    Rising,
    /// 2 `IRQ_FALLING` (`GPIO_INTR_NEGEDGE`).
    Falling,
    /// 3 `IRQ_RISING | IRQ_FALLING` (`GPIO_INTR_ANYEDGE`), the default.
    AnyEdge,
    /// 4 `WAKE_LOW` (`GPIO_INTR_LOW_LEVEL`): asserted while the pad is low.
    LowLevel,
    /// 5 `WAKE_HIGH` (`GPIO_INTR_HIGH_LEVEL`): asserted while the pad is high.
    HighLevel,
}

impl Trigger {
    /// The trigger for Python's integer value; `Err` outside 0..=5.
    pub fn from_python(trigger: i64) -> Result<Trigger, PinError> {
        Ok(match trigger {
            0 => Trigger::Disabled,
            1 => Trigger::Rising,
            2 => Trigger::Falling,
            3 => Trigger::AnyEdge,
            4 => Trigger::LowLevel,
            5 => Trigger::HighLevel,
            _ => return Err(PinError::InvalidTrigger { trigger }),
        })
    }

    /// The Python integer value.
    pub fn as_python(self) -> i64 {
        match self {
            Trigger::Disabled => 0,
            Trigger::Rising => 1,
            Trigger::Falling => 2,
            Trigger::AnyEdge => 3,
            Trigger::LowLevel => 4,
            Trigger::HighLevel => 5,
        }
    }

    /// True if `edge` raises this interrupt. A level trigger fires on the edge into its level.
    pub fn fires_on(self, edge: Edge) -> bool {
        matches!(
            (self, edge),
            (
                Trigger::Rising | Trigger::AnyEdge | Trigger::HighLevel,
                Edge::Rising
            ) | (
                Trigger::Falling | Trigger::AnyEdge | Trigger::LowLevel,
                Edge::Falling
            )
        )
    }

    /// True if this is a level trigger asserted at `level` (it re-asserts after being cleared).
    pub fn asserted_at(self, level: Level) -> bool {
        matches!(
            (self, level),
            (Trigger::LowLevel, Level::Low) | (Trigger::HighLevel, Level::High)
        )
    }
}

/// One pad's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    /// `None` until the program configures the pin (reset state: not driven, no pull).
    pub mode: Option<PinMode>,
    /// The configured pull (no effect on GPIO 34–39).
    pub pull: Pull,
    /// The output latch (`pin.value(x)` sets it in any mode; it drives only in output modes).
    pub output: Level,
    /// What the outside circuit does.
    pub external: Drive,
    /// The resolved pad level (what `pin.value()` reads).
    pub level: Level,
    /// The IRQ trigger.
    pub trigger: Trigger,
    /// The interrupt status bit: set by a triggering edge, cleared by the GPIO ISR.
    pub irq_status: bool,
    id: PinId,
}

impl Pin {
    fn reset(id: PinId) -> Pin {
        Pin {
            mode: None,
            pull: Pull::None,
            output: Level::Low,
            external: Drive::Float,
            level: Level::Low,
            trigger: Trigger::Disabled,
            irq_status: false,
            id,
        }
    }

    /// True if an `edge` on this pin raises its interrupt.
    pub fn irq_fires(&self, edge: Edge) -> bool {
        self.trigger.fires_on(edge)
    }

    /// The chip's own drive on the pad.
    fn chip_drive(&self) -> Drive {
        match self.mode {
            Some(PinMode::Out) => self.output.into(),
            Some(PinMode::OpenDrain) if self.output == Level::Low => Drive::Low,
            Some(PinMode::OpenDrain | PinMode::In) | None => Drive::Float,
        }
    }

    /// The resolved level and whether the two drivers disagree (see the module doc).
    fn resolve(&self) -> (Level, bool) {
        match (self.chip_drive(), self.external) {
            (Drive::Float, Drive::Float) => {
                let pull = if self.id.is_input_only() {
                    Pull::None
                } else {
                    self.pull
                };
                let level = match pull {
                    Pull::Up => Level::High,
                    Pull::Down => Level::Low,
                    Pull::None => self.level,
                };
                (level, false)
            }
            (Drive::High, Drive::Float | Drive::High) | (Drive::Float, Drive::High) => {
                (Level::High, false)
            }
            (Drive::Low, Drive::Float | Drive::Low) | (Drive::Float, Drive::Low) => {
                (Level::Low, false)
            }
            (Drive::High, Drive::Low) | (Drive::Low, Drive::High) => (Level::Low, true),
        }
    }
}

/// What one pin operation did, for the caller to trace and act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinChange {
    /// The pin.
    pub pin: PinId,
    /// The level after the operation.
    pub level: Level,
    /// The edge, if the level changed.
    pub edge: Option<Edge>,
    /// The chip and the outside circuit drive opposite levels (a short circuit).
    pub contention: bool,
    /// This change set the pin's interrupt status: raise the GPIO interrupt line.
    pub irq_raised: bool,
    /// The change would have set the status, but it was already set: this interrupt is merged
    /// with the earlier one (one ISR run, one callback), i.e. lost.
    pub irq_coalesced: bool,
}

/// All GPIO pads of one ESP32.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gpio {
    /// Indexed by GPIO number; nonexistent numbers hold an unused reset pin.
    pins: Vec<Pin>,
}

impl Default for Gpio {
    fn default() -> Self {
        Gpio::new()
    }
}

impl Gpio {
    /// All pads in their reset state: unconfigured, undriven, low.
    pub fn new() -> Gpio {
        Gpio {
            pins: (0..N_GPIO as u8).map(|n| Pin::reset(PinId(n))).collect(),
        }
    }

    /// The state of `pin`.
    pub fn pin(&self, pin: PinId) -> &Pin {
        &self.pins[usize::from(pin.0)]
    }

    /// The resolved level of `pin` (`pin.value()`).
    pub fn level(&self, pin: PinId) -> Level {
        self.pin(pin).level
    }

    /// `Pin(n, mode, pull)` / `pin.init(...)`: sets what is given, keeps the rest.
    pub fn configure(
        &mut self,
        pin: PinId,
        mode: Option<PinMode>,
        pull: Option<Pull>,
    ) -> Result<PinChange, PinError> {
        if pin.is_input_only() && matches!(mode, Some(PinMode::Out | PinMode::OpenDrain)) {
            return Err(PinError::InputOnly(pin));
        }
        Ok(self.update(pin, |p| {
            if mode.is_some() {
                p.mode = mode;
            }
            if let Some(pull) = pull {
                p.pull = pull;
            }
        }))
    }

    /// `pin.value(x)`: sets the output latch (it drives only in output modes).
    pub fn write(&mut self, pin: PinId, level: Level) -> PinChange {
        self.update(pin, |p| p.output = level)
    }

    /// The outside circuit changes what it does to `pin` (a stimulus edge or `set-pin` step).
    pub fn drive_external(&mut self, pin: PinId, drive: Drive) -> PinChange {
        self.update(pin, |p| p.external = drive)
    }

    /// `pin.irq(trigger=...)`. A level trigger whose level is already present latches at once.
    pub fn set_trigger(&mut self, pin: PinId, trigger: Trigger) -> PinChange {
        let p = &mut self.pins[usize::from(pin.0)];
        p.trigger = trigger;
        let asserted = trigger.asserted_at(p.level);
        let irq_raised = asserted && !p.irq_status;
        p.irq_status |= asserted;
        PinChange {
            pin,
            level: p.level,
            edge: None,
            contention: false,
            irq_raised,
            irq_coalesced: false,
        }
    }

    /// True if any pin's interrupt status is set (the GPIO interrupt line is asserted).
    pub fn irq_line_asserted(&self) -> bool {
        self.pins.iter().any(|p| p.irq_status)
    }

    /// What the GPIO ISR does first: reads and clears all status bits, returning the pins
    /// whose bit was set in ascending GPIO order (the order ESP-IDF's ISR service calls the
    /// handlers). Level-triggered pins still at their level latch again immediately.
    pub fn take_irq_status(&mut self) -> Vec<PinId> {
        let mut taken = Vec::new();
        for p in &mut self.pins {
            if p.irq_status {
                taken.push(p.id);
                p.irq_status = p.trigger.asserted_at(p.level);
            }
        }
        taken
    }

    /// Applies `change` to `pin`, re-resolves the level and reports edges and interrupts.
    fn update(&mut self, pin: PinId, change: impl FnOnce(&mut Pin)) -> PinChange {
        let p = &mut self.pins[usize::from(pin.0)];
        let before = p.level;
        change(p);
        let (level, contention) = p.resolve();
        p.level = level;
        let edge = match (before, level) {
            (Level::Low, Level::High) => Some(Edge::Rising),
            (Level::High, Level::Low) => Some(Edge::Falling),
            _ => None,
        };
        let fires = edge.is_some_and(|e| p.irq_fires(e));
        let irq_coalesced = fires && p.irq_status;
        let irq_raised = fires && !p.irq_status;
        p.irq_status |= fires;
        PinChange {
            pin,
            level,
            edge,
            contention,
            irq_raised,
            irq_coalesced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(n: i64) -> PinId {
        PinId::new(n).unwrap()
    }

    // Exactly the pads that exist on an ESP32 are valid.
    #[test]
    fn valid_pin_numbers() {
        let valid: Vec<u8> = PinId::all().map(PinId::number).collect();
        let expected: Vec<u8> = (0..=19)
            .chain(21..=23)
            .chain(25..=27)
            .chain(32..=39)
            .collect();
        assert_eq!(valid, expected);
        for n in [-1, 20, 24, 28, 31, 40, 1000] {
            assert_eq!(PinId::new(n), Err(PinError::InvalidPin { number: n }));
        }
        assert!(pin(34).is_input_only() && !pin(33).is_input_only());
    }

    // Resolution table: mode, latch, pull and external drive give the pad level.
    #[test]
    fn level_resolution_table() {
        use Drive::{Float, High, Low};
        use PinMode::{In, OpenDrain, Out};
        let cases = [
            // (mode, output latch, pull, external, expected level, contention)
            (In, Level::Low, Pull::Up, Float, Level::High, false),
            (In, Level::Low, Pull::Down, Float, Level::Low, false),
            (In, Level::Low, Pull::Up, Low, Level::Low, false),
            (In, Level::Low, Pull::Down, High, Level::High, false),
            (Out, Level::High, Pull::Down, Float, Level::High, false),
            (Out, Level::High, Pull::None, Low, Level::Low, true),
            (Out, Level::Low, Pull::None, High, Level::Low, true),
            (OpenDrain, Level::High, Pull::Up, Float, Level::High, false),
            (OpenDrain, Level::High, Pull::Up, Low, Level::Low, false),
            (OpenDrain, Level::Low, Pull::Up, Float, Level::Low, false),
            (OpenDrain, Level::Low, Pull::None, High, Level::Low, true),
        ];
        for (i, (mode, output, pull, external, level, contention)) in cases.into_iter().enumerate()
        {
            let mut gpio = Gpio::new();
            gpio.write(pin(4), output);
            gpio.drive_external(pin(4), external);
            let change = gpio.configure(pin(4), Some(mode), Some(pull)).unwrap();
            assert_eq!(
                (change.level, change.contention),
                (level, contention),
                "case {i}"
            );
        }
    }

    // An undriven pad without pull keeps its level; input-only pads ignore pulls.
    #[test]
    fn floating_pad_holds_its_level() {
        let mut gpio = Gpio::new();
        gpio.configure(pin(5), Some(PinMode::In), None).unwrap();
        gpio.drive_external(pin(5), Drive::High);
        assert_eq!(gpio.drive_external(pin(5), Drive::Float).level, Level::High);
        gpio.configure(pin(36), Some(PinMode::In), Some(Pull::Up))
            .unwrap();
        assert_eq!(gpio.level(pin(36)), Level::Low);
        assert_eq!(
            gpio.configure(pin(36), Some(PinMode::Out), None),
            Err(PinError::InputOnly(pin(36)))
        );
    }

    // Edges are reported on level changes only, and each trigger fires on the right ones.
    #[test]
    fn edges_and_triggers() {
        let cases = [
            (Trigger::Rising, [true, false]),
            (Trigger::Falling, [false, true]),
            (Trigger::AnyEdge, [true, true]),
            (Trigger::Disabled, [false, false]),
            (Trigger::HighLevel, [true, false]),
            (Trigger::LowLevel, [false, true]),
        ];
        for (trigger, [on_rise, on_fall]) in cases {
            let mut gpio = Gpio::new();
            gpio.configure(pin(4), Some(PinMode::In), None).unwrap();
            gpio.set_trigger(pin(4), trigger);
            gpio.take_irq_status();
            let rise = gpio.drive_external(pin(4), Drive::High);
            assert_eq!(
                (rise.edge, rise.irq_raised),
                (Some(Edge::Rising), on_rise),
                "{trigger:?}"
            );
            assert_eq!(gpio.drive_external(pin(4), Drive::High).edge, None);
            gpio.take_irq_status();
            let fall = gpio.drive_external(pin(4), Drive::Low);
            assert_eq!(
                (fall.edge, fall.irq_raised),
                (Some(Edge::Falling), on_fall),
                "{trigger:?}"
            );
        }
        assert_eq!(
            Trigger::from_python(6),
            Err(PinError::InvalidTrigger { trigger: 6 })
        );
        assert_eq!(Trigger::from_python(3).map(Trigger::as_python), Ok(3));
    }

    // An output pin's own writes make edges that can trigger its IRQ.
    #[test]
    fn output_writes_trigger_own_irq() {
        let mut gpio = Gpio::new();
        gpio.configure(pin(2), Some(PinMode::Out), None).unwrap();
        gpio.set_trigger(pin(2), Trigger::Rising);
        let change = gpio.write(pin(2), Level::High);
        assert_eq!((change.edge, change.irq_raised), (Some(Edge::Rising), true));
        // An input pin's latch does not drive, so writing it makes no edge.
        gpio.configure(pin(3), Some(PinMode::In), None).unwrap();
        assert_eq!(gpio.write(pin(3), Level::High).edge, None);
    }

    // A second edge before the ISR clears the status is coalesced; the ISR sees pins in order.
    #[test]
    fn status_bits_coalesce_and_drain_in_pin_order() {
        let mut gpio = Gpio::new();
        for n in [13, 4] {
            gpio.configure(pin(n), Some(PinMode::In), None).unwrap();
            gpio.set_trigger(pin(n), Trigger::AnyEdge);
        }
        assert!(gpio.drive_external(pin(13), Drive::High).irq_raised);
        assert!(gpio.drive_external(pin(4), Drive::High).irq_raised);
        let again = gpio.drive_external(pin(4), Drive::Low);
        assert!(!again.irq_raised && again.irq_coalesced);
        assert!(gpio.irq_line_asserted());
        assert_eq!(gpio.take_irq_status(), [pin(4), pin(13)]);
        assert!(!gpio.irq_line_asserted());
    }

    // A level trigger re-latches while its level holds, and latches at once when set.
    #[test]
    fn level_trigger_stays_asserted() {
        let mut gpio = Gpio::new();
        gpio.configure(pin(4), Some(PinMode::In), Some(Pull::Down))
            .unwrap();
        assert!(gpio.set_trigger(pin(4), Trigger::LowLevel).irq_raised);
        assert_eq!(gpio.take_irq_status(), [pin(4)]);
        assert!(gpio.irq_line_asserted());
        gpio.drive_external(pin(4), Drive::High);
        assert_eq!(gpio.take_irq_status(), [pin(4)]);
        assert!(!gpio.irq_line_asserted());
    }
}
