//! Reading a board profile file (`boards/*.toml`, format 1): a serde DTO mirrors the TOML
//! with `deny_unknown_fields` and is converted by hand into the validated [`BoardProfile`],
//! so the rest of irqlab never sees serde. Every error, from TOML syntax to a bad value, is a
//! [`ProfileError`] with `path:line:col`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::costs::{
    CostModel, DynamicFile, GC_BLOCK_BYTES, HeapFile, IrqFile, N_OP_CLASSES, OpClass, OpsFile,
    SleepFile,
};
use super::profile::{BoardProfile, ProfileStatus, TxFullWait, UartProfile};

/// The profile format version this build reads (`format = 1` at the top of the file).
pub const PROFILE_FORMAT: u32 = 1;

const ESP32_TOML: &str = include_str!("../../boards/esp32.toml");
const PYBOARD_TOML: &str = include_str!("../../boards/pyboard.toml");

impl BoardProfile {
    /// The built-in classic ESP32 profile (`boards/esp32.toml`), calibrated.
    pub fn esp32() -> BoardProfile {
        BoardProfile::parse(ESP32_TOML, Path::new("boards/esp32.toml"))
            .unwrap_or_else(|e| panic!("built-in profile is invalid: {e}"))
    }

    /// The built-in pyboard v1.1 (STM32F405 at 168 MHz) profile, a draft (`boards/pyboard.toml`).
    pub fn pyboard() -> BoardProfile {
        BoardProfile::parse(PYBOARD_TOML, Path::new("boards/pyboard.toml"))
            .unwrap_or_else(|e| panic!("built-in profile is invalid: {e}"))
    }

    /// Reads and validates the profile at `path`.
    pub fn load(path: &Path) -> Result<BoardProfile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError {
            path: path.to_path_buf(),
            line: 0,
            col: 0,
            kind: ProfileErrorKind::Io(e.to_string()),
        })?;
        BoardProfile::parse(&text, path)
    }

    /// Parses and validates profile `text`; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<BoardProfile, ProfileError> {
        let file: BoardFile = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            ProfileError::at(
                text,
                path,
                span,
                ProfileErrorKind::Toml(e.message().to_string()),
            )
        })?;
        file.validate().map_err(|(span, msg)| {
            ProfileError::at(text, path, span, ProfileErrorKind::Invalid(msg))
        })
    }

    /// The profile as TOML text (without the comments) that [`BoardProfile::parse`] reads back
    /// to an equal profile.
    pub fn to_toml(&self) -> String {
        toml::to_string(&BoardFile::from_profile(self))
            .expect("a board profile always serializes to TOML")
    }
}

// ------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------

/// A board profile that could not be read, parsed or validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileError {
    /// The file the profile came from.
    pub path: PathBuf,
    /// 1-based line of the offending text; 0 when the file could not be read.
    pub line: u32,
    /// 1-based column (in characters) of the offending text; 0 when unknown.
    pub col: u32,
    /// What went wrong.
    pub kind: ProfileErrorKind,
}

/// The reason a [`ProfileError`] happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileErrorKind {
    /// The file could not be read.
    Io(String),
    /// The text is not valid TOML, has an unknown key, misses a key or has a value of the
    /// wrong type.
    Toml(String),
    /// The TOML is well formed but a value is out of range or inconsistent.
    Invalid(String),
}

impl ProfileError {
    fn at(text: &str, path: &Path, span: Range<usize>, kind: ProfileErrorKind) -> ProfileError {
        let (line, col) = line_col(text, span.start);
        ProfileError {
            path: path.to_path_buf(),
            line,
            col,
            kind,
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match &self.kind {
            ProfileErrorKind::Io(m) => {
                return write!(f, "{}: cannot read: {m}", self.path.display());
            }
            ProfileErrorKind::Toml(m) | ProfileErrorKind::Invalid(m) => m,
        };
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.col,
            msg.trim_end()
        )
    }
}

impl std::error::Error for ProfileError {}

/// 1-based line and character column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

// ------------------------------------------------------------------------------------------
// The serde DTO (the only Deserialize types) and its validation
// ------------------------------------------------------------------------------------------

type Invalid = (Range<usize>, String);

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct BoardFile {
    format: Spanned<u32>,
    board: BoardSection,
    uart: UartSection,
    cost: CostSection,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct BoardSection {
    name: Spanned<String>,
    description: String,
    status: ProfileStatus,
    cpu_freq_hz: Spanned<u64>,
    allowed_cpu_freq_hz: Spanned<Vec<u64>>,
    gc_heap_bytes: Spanned<u32>,
    scheduler_depth: Spanned<u32>,
    rtos_tick_ns: Spanned<u64>,
    n_hw_timers: Spanned<u32>,
    hw_timer_clock_hz: Spanned<u64>,
    pin_hard_irq: bool,
    timer_hard_irq: bool,
    gil_vm_divisor: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct UartSection {
    repl_baud: Spanned<u32>,
    tx_fifo_bytes: Spanned<u32>,
    tx_full_wait: TxFullWait,
    rx_buffer_bytes: Spanned<u32>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CostSection {
    ops: OpsFile,
    dynamic: DynamicFile,
    heap: HeapFile,
    irq: IrqFile,
    sleep: SleepFile,
}

/// Fails with the value's span unless `ok`.
fn check<T>(ok: bool, value: &Spanned<T>, msg: impl FnOnce() -> String) -> Result<(), Invalid> {
    if ok {
        Ok(())
    } else {
        Err((value.span(), msg()))
    }
}

/// Fails with the value's span unless it is positive.
fn positive<T: Copy + Default + PartialOrd>(value: &Spanned<T>, key: &str) -> Result<T, Invalid> {
    let v = *value.get_ref();
    check(v > T::default(), value, || {
        format!("{key} must be positive")
    })?;
    Ok(v)
}

impl BoardFile {
    fn validate(self) -> Result<BoardProfile, Invalid> {
        let format = *self.format.get_ref();
        check(format == PROFILE_FORMAT, &self.format, || {
            format!("unsupported profile format {format}; this irqlab reads {PROFILE_FORMAT}")
        })?;
        self.board.validate(self.uart, self.cost.model())
    }

    fn from_profile(p: &BoardProfile) -> BoardFile {
        fn s<T>(value: T) -> Spanned<T> {
            Spanned::new(0..0, value)
        }
        let c = &p.cost;
        BoardFile {
            format: s(PROFILE_FORMAT),
            board: BoardSection {
                name: s(p.name.clone()),
                description: p.description.clone(),
                status: p.status,
                cpu_freq_hz: s(p.cpu_freq_hz),
                allowed_cpu_freq_hz: s(p.allowed_cpu_freqs_hz.clone()),
                gc_heap_bytes: s(p.gc_heap_bytes),
                scheduler_depth: s(p.scheduler_depth),
                rtos_tick_ns: s(p.rtos_tick_ns),
                n_hw_timers: s(p.n_hw_timers),
                hw_timer_clock_hz: s(p.hw_timer_clock_hz),
                pin_hard_irq: p.pin_hard_irq,
                timer_hard_irq: p.timer_hard_irq,
                gil_vm_divisor: p.gil_vm_divisor,
            },
            uart: UartSection {
                repl_baud: s(p.uart.repl_baud),
                tx_fifo_bytes: s(p.uart.tx_fifo_bytes),
                tx_full_wait: p.uart.tx_full_wait,
                rx_buffer_bytes: s(p.uart.rx_buffer_bytes),
            },
            cost: CostSection {
                ops: OpsFile::from_table(
                    &c.op_base_cycles,
                    c.op_item_cycles[OpClass::Build as usize],
                    c.op_item_cycles[OpClass::Unpack as usize],
                    c.op_item_cycles[OpClass::Call as usize],
                ),
                dynamic: DynamicFile::from_table(
                    &c.dynamic_cycles,
                    c.py_frame_cycles,
                    c.py_frame_per_slot_cycles,
                    c.stdout_per_byte_cycles,
                ),
                heap: c.heap.clone(),
                irq: c.irq.clone(),
                sleep: c.sleep.clone(),
            },
        }
    }
}

impl BoardSection {
    /// The profile: this section's facts, checked, with `uart` (checked after them, in file
    /// order) and `cost`.
    fn validate(self, uart: UartSection, cost: CostModel) -> Result<BoardProfile, Invalid> {
        let name = self.name.get_ref();
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-');
        check(name_ok, &self.name, || {
            format!("board name {name:?} must be lowercase letters, digits, '_' or '-'")
        })?;
        let freqs = self.allowed_cpu_freq_hz.get_ref();
        let freqs_ok = !freqs.is_empty() && freqs[0] > 0 && freqs.windows(2).all(|w| w[0] < w[1]);
        check(freqs_ok, &self.allowed_cpu_freq_hz, || {
            "allowed_cpu_freq_hz must be a non-empty, strictly ascending list of positive Hz".into()
        })?;
        let freq = *self.cpu_freq_hz.get_ref();
        check(
            freqs.binary_search(&freq).is_ok(),
            &self.cpu_freq_hz,
            || format!("cpu_freq_hz {freq} is not one of allowed_cpu_freq_hz"),
        )?;
        let heap = *self.gc_heap_bytes.get_ref();
        let heap_ok = heap >= 1024 && (heap as usize).is_multiple_of(GC_BLOCK_BYTES);
        check(heap_ok, &self.gc_heap_bytes, || {
            format!("gc_heap_bytes {heap} must be at least 1024 and a multiple of {GC_BLOCK_BYTES}")
        })?;
        let depth = *self.scheduler_depth.get_ref();
        check(
            depth.is_power_of_two() && depth <= 128,
            &self.scheduler_depth,
            || {
                format!(
                    "scheduler_depth {depth} must be a power of two, at most 128 (py/scheduler.c)"
                )
            },
        )?;
        let n_hw_timers = *self.n_hw_timers.get_ref();
        check(n_hw_timers <= 64, &self.n_hw_timers, || {
            "n_hw_timers must be at most 64".into()
        })?;
        Ok(BoardProfile {
            name: name.clone(),
            description: self.description,
            status: self.status,
            cpu_freq_hz: freq,
            allowed_cpu_freqs_hz: freqs.clone(),
            gc_heap_bytes: heap,
            scheduler_depth: depth,
            rtos_tick_ns: positive(&self.rtos_tick_ns, "rtos_tick_ns")?,
            n_hw_timers,
            hw_timer_clock_hz: positive(&self.hw_timer_clock_hz, "hw_timer_clock_hz")?,
            pin_hard_irq: self.pin_hard_irq,
            timer_hard_irq: self.timer_hard_irq,
            gil_vm_divisor: self.gil_vm_divisor,
            uart: uart.validate()?,
            cost,
        })
    }
}

impl UartSection {
    fn validate(self) -> Result<UartProfile, Invalid> {
        Ok(UartProfile {
            repl_baud: positive(&self.repl_baud, "repl_baud")?,
            tx_fifo_bytes: positive(&self.tx_fifo_bytes, "tx_fifo_bytes")?,
            tx_full_wait: self.tx_full_wait,
            rx_buffer_bytes: positive(&self.rx_buffer_bytes, "rx_buffer_bytes")?,
        })
    }
}

impl CostSection {
    /// The cost model. Every `u32` is a valid cost, so this cannot fail.
    fn model(self) -> CostModel {
        let ops = &self.ops;
        let mut op_item_cycles = [0; N_OP_CLASSES];
        op_item_cycles[OpClass::Build as usize] = ops.build_per_item_cycles;
        op_item_cycles[OpClass::Unpack as usize] = ops.unpack_per_item_cycles;
        op_item_cycles[OpClass::Call as usize] = ops.call_per_arg_cycles;
        op_item_cycles[OpClass::CallMethod as usize] = ops.call_per_arg_cycles;
        CostModel {
            op_base_cycles: ops.table(),
            op_item_cycles,
            dynamic_cycles: self.dynamic.table(),
            py_frame_cycles: self.dynamic.py_frame_cycles,
            py_frame_per_slot_cycles: self.dynamic.py_frame_per_slot_cycles,
            stdout_per_byte_cycles: self.dynamic.stdout_per_byte_cycles,
            heap: self.heap,
            irq: self.irq,
            sleep: self.sleep,
        }
    }
}

#[cfg(test)]
mod tests {
    //! Parse-error checks: every error points at the offending line and column.

    use super::*;

    #[test]
    fn profiles_round_trip_through_toml() {
        for board in [BoardProfile::esp32(), BoardProfile::pyboard()] {
            let text = board.to_toml();
            let again = BoardProfile::parse(&text, Path::new("round-trip.toml"))
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(again, board);
        }
    }

    /// The ESP32 profile with `from` replaced by `to` (which must occur exactly once).
    fn esp32_with(from: &str, to: &str) -> String {
        assert_eq!(
            ESP32_TOML.matches(from).count(),
            1,
            "{from:?} must occur once"
        );
        ESP32_TOML.replace(from, to)
    }

    /// Parses `text` and returns the error, with the text of the line it points at.
    fn parse_err(text: &str) -> (ProfileError, String) {
        let err = BoardProfile::parse(text, Path::new("bad.toml")).expect_err("must not parse");
        let line = text
            .lines()
            .nth(err.line as usize - 1)
            .unwrap_or("")
            .to_string();
        (err, line)
    }

    #[test]
    fn unknown_key_is_reported_at_its_line_and_column() {
        let text = esp32_with(
            "scheduler_depth = 8\n",
            "scheduler_depth = 8\nschedular_dept = 8\n",
        );
        let (err, line) = parse_err(&text);
        assert!(matches!(err.kind, ProfileErrorKind::Toml(ref m) if m.contains("schedular_dept")));
        assert_eq!(line, "schedular_dept = 8");
        assert_eq!(err.col, 1);
        assert!(
            err.to_string()
                .starts_with(&format!("bad.toml:{}:1: ", err.line))
        );
    }

    #[test]
    fn wrong_type_is_reported_at_the_value() {
        let text = esp32_with("compare_cycles = 66", "compare_cycles = \"66\"");
        let (err, line) = parse_err(&text);
        assert!(matches!(err.kind, ProfileErrorKind::Toml(_)), "{err}");
        assert_eq!(line, "compare_cycles = \"66\"");
        assert_eq!(err.col, 18);
    }

    #[test]
    fn negative_cost_is_rejected() {
        let (err, line) = parse_err(&esp32_with("stack_cycles = 30", "stack_cycles = -30"));
        assert!(matches!(err.kind, ProfileErrorKind::Toml(_)), "{err}");
        assert_eq!((line.as_str(), err.col), ("stack_cycles = -30", 16));
    }

    #[test]
    fn cpu_frequency_must_be_allowed() {
        let (err, line) = parse_err(&esp32_with(
            "cpu_freq_hz = 160_000_000",
            "cpu_freq_hz = 120_000_000",
        ));
        assert!(matches!(err.kind, ProfileErrorKind::Invalid(ref m) if m.contains("120000000")));
        assert_eq!((line.as_str(), err.col), ("cpu_freq_hz = 120_000_000", 15));
    }

    #[test]
    fn scheduler_depth_must_be_a_power_of_two() {
        let (err, line) = parse_err(&esp32_with("scheduler_depth = 8", "scheduler_depth = 6"));
        assert!(matches!(err.kind, ProfileErrorKind::Invalid(_)), "{err}");
        assert_eq!((line.as_str(), err.col), ("scheduler_depth = 6", 19));
    }

    #[test]
    fn zero_baud_is_reported_at_the_value() {
        let (err, line) = parse_err(&esp32_with("repl_baud = 115_200", "repl_baud = 0"));
        assert!(matches!(err.kind, ProfileErrorKind::Invalid(ref m) if m.contains("repl_baud")));
        assert_eq!((line.as_str(), err.col), ("repl_baud = 0", 13));
    }

    #[test]
    fn missing_key_and_bad_syntax_are_errors() {
        let (err, _) = parse_err(&esp32_with("gil_bounce_cycles = 640\n", ""));
        assert!(
            matches!(err.kind, ProfileErrorKind::Toml(ref m) if m.contains("gil_bounce_cycles"))
        );
        let (err, line) = parse_err(&esp32_with("n_hw_timers = 4", "n_hw_timers = = 4"));
        assert!(matches!(err.kind, ProfileErrorKind::Toml(_)), "{err}");
        assert_eq!(line, "n_hw_timers = = 4");
        let (err, _) = parse_err(&esp32_with("format = 1", "format = 2"));
        assert!(matches!(err.kind, ProfileErrorKind::Invalid(_)), "{err}");
    }

    #[test]
    fn unreadable_file_is_an_io_error() {
        let err = BoardProfile::load(Path::new("/nonexistent/irqlab/board.toml")).unwrap_err();
        assert!(matches!(err.kind, ProfileErrorKind::Io(_)));
        assert!(err.to_string().contains("cannot read"));
    }

    #[test]
    fn load_reads_the_shipped_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("boards");
        assert_eq!(
            BoardProfile::load(&dir.join("esp32.toml")).unwrap(),
            BoardProfile::esp32()
        );
        assert_eq!(
            BoardProfile::load(&dir.join("pyboard.toml")).unwrap(),
            BoardProfile::pyboard()
        );
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncµd", 0), (1, 1));
        assert_eq!(line_col("ab\ncµd", 3), (2, 1));
        assert_eq!(line_col("ab\ncµd", 6), (2, 3));
    }
}
