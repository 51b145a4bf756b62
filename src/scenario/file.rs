//! The scenario file as written: serde DTOs, the only `Deserialize` types in irqlab.
//!
//! These types mirror the YAML one to one (kebab-case keys, `deny_unknown_fields`
//! everywhere, so a misspelt key is an error with line:column). Leaf values that have a
//! textual syntax of their own (durations, percentages, levels, "string or mapping" shapes)
//! are parsed here, inside deserialisation, so serde_norway attaches the location of the
//! offending scalar to the error. Everything that needs context (does the pin exist, do times
//! come in order, is exactly one step kind given) is checked when `convert.rs` turns these
//! DTOs into the validated [`super::Scenario`].
//!
//! This is a compatibility surface: renaming a field here breaks users' files. The format is
//! specified in docs/scenario-format.md.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::units::{no_unit_message, parse_duration, parse_percent_ppm};
use crate::hw::gpio::{Drive, Level};
use crate::time::SimDuration;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScenarioFile {
    /// Required, as in Wokwi.
    pub name: String,
    /// Must be 1.
    pub version: u64,
    /// Free text (Wokwi has it too).
    pub author: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Board name; default `esp32`.
    pub board: Option<String>,
    /// The run's seed; default 0.
    pub seed: Option<u64>,
    /// Simulated-time limit for the whole run.
    pub timeout: Option<DurationText>,
    /// The MicroPython program to run.
    pub program: Option<ProgramDto>,
    /// Names for interrupt sources: `name: pin 4` / `name: timer 0`.
    #[serde(default)]
    pub sources: OrderedMap<String>,
    /// Background signals on input pins.
    #[serde(default)]
    pub stimuli: Vec<StimulusDto>,
    /// Sequential steps in simulated time.
    #[serde(default)]
    pub steps: Vec<StepDto>,
    /// Whole-run expectations.
    pub expect: Option<ExpectDto>,
    /// Timing variation drawn from the seed (docs/explore.md).
    pub vary: Option<VaryDto>,
}

/// `vary: {timer-phase: true, irq-jitter: 2us, start: 1ms}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VaryDto {
    /// Delay each timer's first expiry after `init` by a drawn offset in `[0, period)`.
    pub timer_phase: Option<bool>,
    /// Delay each ISR entry by a drawn `[0, d]`.
    pub irq_jitter: Option<DurationText>,
    /// Start the program after a drawn `[0, d]`.
    pub start: Option<DurationText>,
}

/// `program: path.py`, `program: {path: path.py}` or `program: {inline: "..."}`.
#[derive(Debug)]
pub enum ProgramDto {
    /// A path relative to the scenario file.
    Path(String),
    /// Python source in the scenario itself.
    Inline(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramMapDto {
    path: Option<String>,
    inline: Option<String>,
}

impl<'de> Deserialize<'de> for ProgramDto {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ProgramVisitor;
        impl<'de> Visitor<'de> for ProgramVisitor {
            type Value = ProgramDto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path to a .py file, or a mapping with `path` or `inline`")
            }
            fn visit_str<E: de::Error>(self, path: &str) -> Result<ProgramDto, E> {
                Ok(ProgramDto::Path(path.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ProgramDto, A::Error> {
                let dto = ProgramMapDto::deserialize(MapAccessDeserializer::new(map))?;
                match (dto.path, dto.inline) {
                    (Some(path), None) => Ok(ProgramDto::Path(path)),
                    (None, Some(source)) => Ok(ProgramDto::Inline(source)),
                    _ => Err(de::Error::custom("give exactly one of `path` and `inline`")),
                }
            }
        }
        deserializer.deserialize_any(ProgramVisitor)
    }
}

/// One stimulus: a pin, an optional name and exactly one generator.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StimulusDto {
    /// Name for reports, `expect.irq` keys and the RNG stream.
    pub name: Option<String>,
    /// GPIO number.
    pub pin: i64,
    /// Explicit edges.
    pub edges: Option<Vec<EdgeDto>>,
    /// Square wave.
    pub square: Option<SquareDto>,
    /// Push button with contact bounce.
    pub button: Option<ButtonDto>,
    /// Periodic pulses with seeded jitter.
    pub jittered: Option<JitteredDto>,
    /// Poisson-distributed pulses or toggles.
    pub poisson: Option<PoissonDto>,
}

/// `{at: 10ms, level: 1}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeDto {
    /// When.
    pub at: DurationText,
    /// 0, 1 or z.
    pub level: DriveText,
}

/// `square: {period: 1ms, duty: 25%, phase: 0us, start: 0ms, stop: 50ms}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SquareDto {
    /// Full period.
    pub period: DurationText,
    /// Share of the period spent high (`25%`); alternative to `high`.
    pub duty: Option<PercentText>,
    /// Time spent high per period; alternative to `duty`.
    pub high: Option<DurationText>,
    /// Offset of the first rising edge after `start`.
    pub phase: Option<DurationText>,
    /// When the generator starts driving (low until the first rising edge).
    pub start: Option<DurationText>,
    /// When it stops (no edges at or after; returns to low).
    pub stop: Option<DurationText>,
}

/// `button: {press: 10ms, release: 60ms, bounces: 4, bounce-window: 1ms}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ButtonDto {
    /// When the button is pressed.
    pub press: DurationText,
    /// When it is released (never, if absent).
    pub release: Option<DurationText>,
    /// Bounces after the press and after the release.
    pub bounces: Option<u32>,
    /// The window the bounces fall in.
    pub bounce_window: Option<DurationText>,
    /// Drive while pressed (default 0: a button to GND).
    pub active: Option<DriveText>,
    /// Drive while released (default z: let go, so the pin's pull decides).
    pub idle: Option<DriveText>,
}

/// `jittered: {period: 1ms, jitter: 50us, width: 100us}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JitteredDto {
    /// Nominal period.
    pub period: DurationText,
    /// Maximum deviation of each pulse from its nominal time, either way.
    pub jitter: DurationText,
    /// Pulse width.
    pub width: DurationText,
    /// Pulse level (default 1; the idle level is the other one).
    pub active: Option<LevelText>,
    /// Start of the generator.
    pub start: Option<DurationText>,
    /// End of the generator.
    pub stop: Option<DurationText>,
}

/// `poisson: {mean-interval: 5ms, width: 20us}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PoissonDto {
    /// Mean time between arrivals.
    pub mean_interval: DurationText,
    /// Pulse width; without it each arrival toggles the level.
    pub width: Option<DurationText>,
    /// Pulse level (default 1).
    pub active: Option<LevelText>,
    /// Start of the generator.
    pub start: Option<DurationText>,
    /// End of the generator.
    pub stop: Option<DurationText>,
}

/// One step: an optional `name` and exactly one command key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StepDto {
    /// Label for logs.
    pub name: Option<String>,
    /// `delay: 10ms`.
    pub delay: Option<DurationText>,
    /// `wait-serial: "text"` or `{text:, timeout:}`.
    pub wait_serial: Option<WaitSerialDto>,
    /// `write-serial: "text"` or `[3]`.
    pub write_serial: Option<WriteSerialDto>,
    /// `expect-pin: {pin: 2, value: 1}`.
    pub expect_pin: Option<PinLevelDto>,
    /// `set-pin: {pin: 4, value: 0}`.
    pub set_pin: Option<SetPinDto>,
    /// `wait-pin: {pin: 2, value: 1, timeout: 50ms}`.
    pub wait_pin: Option<WaitPinDto>,
    /// Wokwi's `set-control`: recognised only to explain the irqlab equivalent.
    pub set_control: Option<IgnoredAny>,
    /// Wokwi-only step, refused with an explanation.
    pub take_screenshot: Option<IgnoredAny>,
    /// Wokwi-only step, refused with an explanation.
    pub touch: Option<IgnoredAny>,
    /// Wokwi-only step, refused with an explanation.
    pub touch_press: Option<IgnoredAny>,
    /// Wokwi-only step, refused with an explanation.
    pub touch_move: Option<IgnoredAny>,
    /// Wokwi-only step, refused with an explanation.
    pub touch_release: Option<IgnoredAny>,
    /// Wokwi-only step, refused with an explanation.
    pub expect_chip_output: Option<IgnoredAny>,
}

/// `wait-serial` argument.
#[derive(Debug)]
pub struct WaitSerialDto {
    /// The text to wait for.
    pub text: String,
    /// Step timeout.
    pub timeout: Option<DurationText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitSerialMapDto {
    text: String,
    timeout: Option<DurationText>,
}

impl<'de> Deserialize<'de> for WaitSerialDto {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WaitSerialVisitor;
        impl<'de> Visitor<'de> for WaitSerialVisitor {
            type Value = WaitSerialDto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the text to wait for, or a mapping with `text` and `timeout`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<WaitSerialDto, E> {
                Ok(WaitSerialDto {
                    text: text.to_owned(),
                    timeout: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WaitSerialDto, A::Error> {
                let dto = WaitSerialMapDto::deserialize(MapAccessDeserializer::new(map))?;
                Ok(WaitSerialDto {
                    text: dto.text,
                    timeout: dto.timeout,
                })
            }
        }
        deserializer.deserialize_any(WaitSerialVisitor)
    }
}

/// `write-serial` argument: text, or byte values (Wokwi's form, e.g. `[3]` for Ctrl-C).
#[derive(Debug)]
pub struct WriteSerialDto(pub Vec<u8>);

impl<'de> Deserialize<'de> for WriteSerialDto {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WriteSerialVisitor;
        impl<'de> Visitor<'de> for WriteSerialVisitor {
            type Value = WriteSerialDto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text, or a list of byte values 0..=255")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<WriteSerialDto, E> {
                Ok(WriteSerialDto(text.as_bytes().to_vec()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<WriteSerialDto, A::Error> {
                Vec::<u8>::deserialize(SeqAccessDeserializer::new(seq)).map(WriteSerialDto)
            }
        }
        deserializer.deserialize_any(WriteSerialVisitor)
    }
}

/// `{pin: 2, value: 1}` (expect-pin).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinLevelDto {
    /// GPIO number.
    pub pin: i64,
    /// 0 or 1.
    pub value: LevelText,
}

/// `{pin: 4, value: 0}` (set-pin); value may be `z` to let go.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPinDto {
    /// GPIO number.
    pub pin: i64,
    /// 0, 1 or z.
    pub value: DriveText,
}

/// `{pin: 2, value: 1, timeout: 50ms}` (wait-pin).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitPinDto {
    /// GPIO number.
    pub pin: i64,
    /// 0 or 1.
    pub value: LevelText,
    /// Step timeout.
    pub timeout: Option<DurationText>,
}

/// Whole-run expectations. New kinds (asyncio task bounds, race findings) become new fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExpectDto {
    /// No Python exception escaped the program or a callback.
    pub no_uncaught_exception: Option<bool>,
    /// Serial output checks.
    pub serial: Option<SerialExpectDto>,
    /// Per-interrupt-source bounds, keyed by `pin N`, `timer N`, `virtual timers` or a name.
    #[serde(default)]
    pub irq: OrderedMap<IrqExpectDto>,
    /// Per asyncio task bounds, keyed by the task's coroutine name (all tasks running it).
    #[serde(default)]
    pub tasks: OrderedMap<TaskExpectDto>,
    /// `findings: none`, or the rules that must be found (`[lost-update, torn-read]`).
    pub findings: Option<FindingsText>,
}

/// `none` (no finding at all) or a list of rule names that must each be found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingsText {
    /// `none`.
    None,
    /// The rules, in file order.
    Rules(Vec<crate::analysis::findings::Rule>),
}

impl<'de> Deserialize<'de> for FindingsText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::analysis::findings::Rule;
        fn rule<E: de::Error>(name: &str) -> Result<Rule, E> {
            Rule::from_name(name).ok_or_else(|| {
                let all: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
                E::custom(format!(
                    "unknown finding rule `{name}`; rules are: {}",
                    all.join(", ")
                ))
            })
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FindingsText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`none` or a list of rule names")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<FindingsText, E> {
                match text {
                    "none" => Ok(FindingsText::None),
                    other => Ok(FindingsText::Rules(vec![rule(other)?])),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FindingsText, A::Error> {
                let mut rules = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    rules.push(rule(&name)?);
                }
                Ok(FindingsText::Rules(rules))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `{max-wake-latency: 130ms, max-blocking: 60ms}` for the tasks running one coroutine.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TaskExpectDto {
    /// Bound on the worst wake latency (wake-up cause → the task resuming).
    pub max_wake_latency: Option<DurationText>,
    /// Bound on the longest slice between two awaits.
    pub max_blocking: Option<DurationText>,
}

/// `serial: {contains: [...], not-contains: [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SerialExpectDto {
    /// Texts that must appear.
    #[serde(default)]
    pub contains: OneOrMany,
    /// Texts that must not appear.
    #[serde(default)]
    pub not_contains: OneOrMany,
}

/// Bounds for one interrupt source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrqExpectDto {
    /// Latency from the hardware event to the start of the Python callback.
    pub latency: Option<LatencyDto>,
    /// Events whose callback never ran.
    pub dropped: Option<CountBoundDto>,
}

/// `latency: {max: 500us, p99: 200us}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyDto {
    /// Bound on the worst latency.
    pub max: Option<DurationText>,
    /// Bound on the 99th percentile.
    pub p99: Option<DurationText>,
}

/// `dropped: 0` (exactly) or `dropped: {min: 1, max: 3}`.
#[derive(Debug)]
pub struct CountBoundDto {
    /// Lower bound.
    pub min: Option<u64>,
    /// Upper bound.
    pub max: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountRangeDto {
    min: Option<u64>,
    max: Option<u64>,
}

impl<'de> Deserialize<'de> for CountBoundDto {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = CountBoundDto;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count, or a mapping with `min` and/or `max`")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<CountBoundDto, E> {
                Ok(CountBoundDto {
                    min: Some(n),
                    max: Some(n),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CountBoundDto, A::Error> {
                let dto = CountRangeDto::deserialize(MapAccessDeserializer::new(map))?;
                Ok(CountBoundDto {
                    min: dto.min,
                    max: dto.max,
                })
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

/// A duration with a mandatory unit, e.g. `10ms` (see `units.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationText(pub SimDuration);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = DurationText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration with a unit, e.g. 10ms")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationText, E> {
                parse_duration(text).map(DurationText).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<DurationText, E> {
                Err(E::custom(no_unit_message(&n.to_string())))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<DurationText, E> {
                Err(E::custom(format!(
                    "`{n}`: durations cannot be negative, and need a unit"
                )))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<DurationText, E> {
                Err(E::custom(no_unit_message(&x.to_string())))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// A percentage with a `%` sign, in parts per million (`25%` is 250_000).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PercentText(pub u64);

impl<'de> Deserialize<'de> for PercentText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PercentVisitor;
        impl Visitor<'_> for PercentVisitor {
            type Value = PercentText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percentage, e.g. 25%")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<PercentText, E> {
                parse_percent_ppm(text).map(PercentText).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<PercentText, E> {
                Err(E::custom(format!(
                    "write the percentage with a % sign: `{n}%`"
                )))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<PercentText, E> {
                Err(E::custom(format!("`{n}`: a percentage cannot be negative")))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<PercentText, E> {
                Err(E::custom(format!(
                    "write the percentage with a % sign: `{x}%`"
                )))
            }
        }
        deserializer.deserialize_any(PercentVisitor)
    }
}

/// A logic level written `0` or `1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelText(pub Level);

impl<'de> Deserialize<'de> for LevelText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match DriveText::deserialize(deserializer)?.0 {
            Drive::Low => Ok(LevelText(Level::Low)),
            Drive::High => Ok(LevelText(Level::High)),
            Drive::Float => Err(de::Error::custom(
                "a level here must be 0 or 1 (z is not a level)",
            )),
        }
    }
}

/// An external drive written `0`, `1` or `z` (let go, high impedance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DriveText(pub Drive);

impl<'de> Deserialize<'de> for DriveText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DriveVisitor;
        impl Visitor<'_> for DriveVisitor {
            type Value = DriveText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("0, 1 or z")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<DriveText, E> {
                match n {
                    0 => Ok(DriveText(Drive::Low)),
                    1 => Ok(DriveText(Drive::High)),
                    _ => Err(E::custom(format!("level `{n}` must be 0, 1 or z"))),
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<DriveText, E> {
                Err(E::custom(format!("level `{n}` must be 0, 1 or z")))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DriveText, E> {
                match text {
                    "z" | "Z" => Ok(DriveText(Drive::Float)),
                    "0" => Ok(DriveText(Drive::Low)),
                    "1" => Ok(DriveText(Drive::High)),
                    _ => Err(E::custom(format!("level `{text}` must be 0, 1 or z"))),
                }
            }
        }
        deserializer.deserialize_any(DriveVisitor)
    }
}

/// One string or a list of strings.
#[derive(Debug, Default)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor;
        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![text.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OneOrMany, A::Error> {
                Vec::<String>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

/// A mapping with string keys that keeps file order and rejects duplicate keys.
#[derive(Debug)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedMapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedMapVisitor<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap<V>, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(OrderedMapVisitor(PhantomData))
    }
}
