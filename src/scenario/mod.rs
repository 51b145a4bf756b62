//! Scenarios: what to run, what the outside world does, and what must be true afterwards.
//!
//! A scenario file (YAML, `version: 1`, specified in docs/scenario-format.md) is shaped like a
//! Wokwi CI scenario (`name`, `version`, `steps`) plus irqlab's own sections (`program`,
//! `board`, `seed`, `timeout`, `sources`, `stimuli`, `expect`, `vary`). Reading one goes:
//!
//! 1. `file.rs`: serde_norway deserialises the text into DTOs, rejecting unknown keys and
//!    malformed values with the line:column serde_norway reports.
//! 2. `convert.rs`: the DTOs are checked and converted by hand into [`Scenario`], the
//!    validated form the rest of irqlab uses (no serde here). Errors found at this stage are
//!    located by re-finding their YAML path in the text (`locate.rs`).
//!
//! Every problem becomes a [`ScenarioError`] (`path:line:col: message`); bad input never
//! panics. This module does not run anything: `sim` executes steps and stimuli, `analysis`
//! checks [`Expect`].

mod convert;
mod depth;
pub mod file;
pub mod locate;
pub mod runner;
pub mod stimuli;
pub mod units;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::hw::BoardKind;
use crate::hw::gpio::{Drive, Level, PinId};
use crate::time::SimDuration;
use locate::{Target, YamlPath, locate};
use stimuli::StimulusSpec;

/// The largest scenario file we read.
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// The largest program file we read.
pub const MAX_PROGRAM_BYTES: u64 = 1 << 20;

/// The most steps in one scenario.
pub const MAX_STEPS: usize = 10_000;

/// The most stimuli in one scenario.
pub const MAX_STIMULI: usize = 256;

/// The run length when the file gives no `timeout` (Wokwi's CLI default, 30 000 ms).
pub const DEFAULT_TIMEOUT: SimDuration = SimDuration::from_secs(30);

/// True if `path` names a scenario file (`.yaml`/`.yml`); anything else is a program.
pub fn is_scenario(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// A validated scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// `name:`.
    pub name: String,
    /// `author:`, if given.
    pub author: Option<String>,
    /// `description:`, if given.
    pub description: Option<String>,
    /// `board:` (default esp32).
    pub board: BoardKind,
    /// `seed:` (default 0).
    pub seed: u64,
    /// `timeout:`: the simulated-time limit of the run (default [`DEFAULT_TIMEOUT`]).
    pub timeout: SimDuration,
    /// `program:`; `None` if the file names none (the command line must then give one).
    pub program: Option<Program>,
    /// Names for interrupt sources, from `sources:` and from named stimuli, in file order.
    pub source_names: Vec<(String, IrqSource)>,
    /// `stimuli:`, in file order.
    pub stimuli: Vec<StimulusSpec>,
    /// `steps:`, in order.
    pub steps: Vec<Step>,
    /// `expect:`.
    pub expect: Expect,
    /// `vary:`: timing variation drawn from the seed (all off when absent).
    pub vary: crate::rt::Vary,
    /// Where the scenario came from, to locate steps in failure messages.
    pub origin: Origin,
}

/// The scenario file's path and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// As given to [`Scenario::load`] or [`Scenario::parse`].
    pub path: PathBuf,
    /// The whole file.
    pub text: String,
}

/// The MicroPython program a scenario runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// Where the source came from.
    pub origin: ProgramOrigin,
    /// The Python source text.
    pub source: String,
}

/// Where a program's source came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramOrigin {
    /// A file; the path is the scenario's directory joined with the path written.
    File(PathBuf),
    /// `program: {inline: ...}`.
    Inline,
}

/// An interrupt source as scenarios name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum IrqSource {
    /// `pin N`: the IRQ of one GPIO pin.
    Pin(PinId),
    /// `timer N`: hardware timer N (0..=3).
    Timer(u8),
    /// `timer -1`: all virtual timers together.
    VirtualTimers,
}

impl fmt::Display for IrqSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IrqSource::Pin(pin) => write!(f, "pin {}", pin.number()),
            IrqSource::Timer(n) => write!(f, "timer {n}"),
            IrqSource::VirtualTimers => f.write_str("timer -1"),
        }
    }
}

/// One step, run in order in simulated time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// `name:`, for logs.
    pub name: Option<String>,
    /// What to do.
    pub kind: StepKind,
}

/// The step commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// `delay`: let simulated time pass.
    Delay(SimDuration),
    /// `wait-serial`: wait until `text` appears in serial output not consumed by an earlier
    /// `wait-serial`; fail after `timeout` if given.
    WaitSerial {
        /// The bytes to find (a substring, no regex).
        text: String,
        /// Step timeout.
        timeout: Option<SimDuration>,
    },
    /// `write-serial`: bytes into the UART receive buffer (`[3]` is Ctrl-C).
    WriteSerial(Vec<u8>),
    /// `expect-pin`: the pad level now must be `value`.
    ExpectPin {
        /// The pad.
        pin: PinId,
        /// The expected level.
        value: Level,
    },
    /// `set-pin`: the outside world drives the pad (overrides stimuli until they next change).
    SetPin {
        /// The pad.
        pin: PinId,
        /// What to drive.
        drive: Drive,
    },
    /// `wait-pin`: wait until the pad level is `value` (at once if it already is).
    WaitPin {
        /// The pad.
        pin: PinId,
        /// The awaited level.
        value: Level,
        /// Step timeout.
        timeout: Option<SimDuration>,
    },
}

/// Whole-run expectations, checked when the run ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// No Python exception escaped the program or any callback.
    pub no_uncaught_exception: bool,
    /// Each of these must occur in the serial output.
    pub serial_contains: Vec<String>,
    /// None of these may occur in the serial output.
    pub serial_not_contains: Vec<String>,
    /// Per-source interrupt bounds, in file order.
    pub irq: Vec<IrqExpect>,
    /// Per asyncio coroutine bounds, in file order.
    pub tasks: Vec<TaskExpect>,
    /// Findings demanded: `Some(empty)` means none at all; otherwise each rule must be found.
    /// Any `findings:` expectation turns access tracking on.
    pub findings: Option<Vec<crate::analysis::findings::Rule>>,
}

/// Bounds for the asyncio tasks running one coroutine (facts §5; `analysis::tasks`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskExpect {
    /// The coroutine name (`def` name of the task's coroutine).
    pub coroutine: String,
    /// Bound on the worst wake latency.
    pub max_wake_latency: Option<SimDuration>,
    /// Bound on the longest slice between two awaits.
    pub max_blocking: Option<SimDuration>,
}

/// Bounds for one interrupt source. Latency is measured from the hardware event (edge, alarm)
/// to the first bytecode of its Python callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrqExpect {
    /// The key as written (`pin 4`, `button`, ...), for reports.
    pub key: String,
    /// The source it names.
    pub source: IrqSource,
    /// Bound on the worst latency.
    pub latency_max: Option<SimDuration>,
    /// Bound on the 99th-percentile latency.
    pub latency_p99: Option<SimDuration>,
    /// Bounds on events whose callback never ran (coalesced or schedule queue full).
    pub dropped: Option<CountBound>,
}

/// `min <= count <= max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountBound {
    /// Lower bound (0 if not given).
    pub min: u64,
    /// Upper bound, if any.
    pub max: Option<u64>,
}

impl CountBound {
    /// True if `count` is within the bounds.
    pub fn contains(self, count: u64) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

/// What went wrong reading a scenario; every variant is fatal to loading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScenarioErrorKind {
    /// The scenario file could not be read.
    Io,
    /// The text is not valid YAML.
    Syntax,
    /// Valid YAML with the wrong shape: unknown key, missing key, wrong type, bad value text.
    Schema,
    /// Well-formed, but the values do not make sense together (or for this board).
    Invalid,
    /// The program file could not be read.
    Program,
}

/// A located problem in a scenario file. Display: `path:line:col: message` (or
/// `path: message` when there is no location, e.g. the file cannot be read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file.
    pub path: PathBuf,
    /// 1-based line; 0 when unknown.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub col: usize,
    /// The class of problem.
    pub kind: ScenarioErrorKind,
    /// What is wrong, usually starting with the YAML path (`steps[2].delay: ...`).
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        if self.line == 0 {
            write!(f, "{path}: {}", self.message)
        } else {
            write!(f, "{path}:{}:{}: {}", self.line, self.col, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Reads and validates the scenario file at `path` (and its program file, if any).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = read_limited(path, MAX_SCENARIO_BYTES).map_err(|message| ScenarioError {
            path: path.to_owned(),
            line: 0,
            col: 0,
            kind: ScenarioErrorKind::Io,
            message: format!("cannot read the scenario: {message}"),
        })?;
        Scenario::parse(&text, path)
    }

    /// Validates scenario `text`; `path` is used in messages and to resolve the program path.
    /// A program given as a path is read from disk.
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        convert::parse(text, path)
    }

    /// Where line `line`, column `col` (1-based) of the scenario's program is: in the program
    /// file (its path as written, joined to the scenario's directory), or — for an inline
    /// program — in the scenario file, inside the `inline:` block (a block scalar `|`/`>` is
    /// exact; a one-line quoted or plain value is exact on its first line).
    pub fn program_location(&self, line: u32, col: u32) -> Option<(PathBuf, u32, u32)> {
        let program = self.program.as_ref()?;
        if let ProgramOrigin::File(file) = &program.origin {
            return Some((file.clone(), line, col));
        }
        let at = YamlPath::root().key("program").key("inline");
        let (vline, vcol) = locate(&self.origin.text, &at, Target::Value)?;
        let text_lines: Vec<&str> = self.origin.text.lines().collect();
        let value = text_lines
            .get(vline - 1)?
            .chars()
            .skip(vcol - 1)
            .collect::<String>();
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        if value.starts_with('|') || value.starts_with('>') {
            // The block's lines start on the next line, at the first content line's indent.
            let indent = text_lines[vline..]
                .iter()
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.len() - l.trim_start().len());
            return Some((
                self.origin.path.clone(),
                to_u32(vline).saturating_add(line),
                to_u32(indent).saturating_add(col),
            ));
        }
        let quote = u32::from(value.starts_with('"') || value.starts_with('\''));
        let first = line == 1;
        Some((
            self.origin.path.clone(),
            to_u32(vline).saturating_add(line - 1),
            if first {
                to_u32(vcol - 1).saturating_add(quote).saturating_add(col)
            } else {
                col
            },
        ))
    }

    /// The 1-based `(line, column)` where step `index` starts in the file, for failure reports.
    pub fn step_location(&self, index: usize) -> Option<(usize, usize)> {
        let path = YamlPath::root().key("steps").index(index);
        locate(&self.origin.text, &path, Target::Value)
    }
}

/// Reads a UTF-8 file of at most `limit` bytes; `Err` says why not, for the user.
fn read_limited(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_limited_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|_| "the file is not valid UTF-8".to_owned())
}

/// Reads a file of at most `limit` bytes; `Err` says why not, for the user.
fn read_limited_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let io_message = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        _ => e.to_string(),
    };
    let metadata = std::fs::metadata(path).map_err(io_message)?;
    if metadata.len() > limit {
        return Err(format!(
            "the file is {} bytes; the limit is {limit}",
            metadata.len()
        ));
    }
    std::fs::read(path).map_err(io_message)
}

#[cfg(test)]
mod tests;
