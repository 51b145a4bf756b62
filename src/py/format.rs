//! MicroPython's number and string formatting, as pure functions: what the ESP32 build
//! (single-precision floats, 31-bit small ints, `MICROPY_ERROR_REPORTING_NORMAL`) prints for
//! `repr(float)`, `str.format`/f-strings, `%`, `hex`/`bin`/`oct`, `int(text, base)` and
//! `float(text)`, including its exact error types and texts.
//!
//! This module must not touch the VM or the heap: objects reach it only through the
//! [`FormatHost`] trait (classify an object, `str()`/`repr()` it, wrap an error), so the
//! same code serves the VM and the tests. No Rust float formatting or parsing is used for
//! anything visible: floats go through MicroPython's own single-precision algorithm
//! (py/formatfloat.c, `MICROPY_FLOAT_FORMAT_IMPL_APPROX`).
//!
//! # Pieces
//!
//! * Floats: [`float_repr`] (`repr`/`str`, identical in MicroPython), [`parse_float`]
//!   (`float(text)` and float literals), [`format_float_raw`] (`mp_format_float`),
//!   [`int_to_f32`] (int → float as `mp_obj_get_float` does it).
//! * Ints: [`int_to_str_radix`] (`hex`/`bin`/`oct`), [`parse_int`] (`int(text, base)`).
//! * Quoting: [`str_repr`], [`bytes_repr`].
//! * Format specs: [`parse_format_spec`], [`format_value`] / [`format_int`] /
//!   [`format_float`] / [`format_str`].
//! * `str.format`: [`scan_format_string`] / [`parse_format_string`] (pieces),
//!   [`FieldNumbering`] (auto/manual numbering), and the complete driver [`str_format`].
//! * `%`: [`parse_percent_directive`] / [`percent_pieces`] (pieces), [`PercentSpec`] with
//!   [`format_percent_int`], [`format_percent_float`], [`format_percent_str`],
//!   [`format_percent_char`], and the complete driver [`percent_format`].
//!
//! # Driving it from the VM
//!
//! The lead implements [`FormatHost`] once for the VM (`Obj` = the VM's value handle,
//! `Error` = the VM's exception) and calls the drivers:
//!
//! ```text
//! BINARY_OP % with a str on the left:
//!     args = tuple → PercentArgs::Tuple(items), dict → PercentArgs::Dict(&rhs),
//!            anything else → PercentArgs::Single(&rhs)
//!     percent_format(&mut host, pattern, args)?           → new str
//! str.format(*args, **kwargs) (and f-strings, which compile to it):
//!     str_format(&mut host, pattern, &args, |name| kwargs.get(name))?
//! hex(x) = percent_format(host, "%#x", Single(x)); oct(x) = "%#o"; bin(x) = str_format("{:#b}")
//! ```
//!
//! The drivers reproduce `str_modulo_format` and `mp_obj_str_format_helper` (py/objstr.c)
//! step for step, so side effects (`__str__`/`__repr__` calls) and the first error raised
//! happen in the same order as on the board. Callers that want the loop themselves can use
//! the piece parsers; the test `fake_percent_driver` in this module shows such a loop.
//!
//! MicroPython has no `format()` builtin and no `__format__` protocol: a spec applied to an
//! object that is not an int, bool, float or str is a `TypeError`.
//!
//! # Verification and known differences
//!
//! `testdata/` holds ~7000 `str.format`/`%`/`int()`/`float()` cases and ~18000 float
//! formatting cases recorded from a MicroPython unix build configured like the ESP32 port
//! (see `testdata/README.md`); all match except these accepted differences:
//!
//! * Subnormal floats: MicroPython's printer converts an out-of-range float to an unsigned
//!   mantissa (C undefined behaviour); we saturate, as Xtensa's `utrunc.s` is expected to,
//!   while the x86 oracle wraps. Only `repr` of values below 1.18e-38 is affected.
//! * `'%.1s' % 'é'` and `'{:.1}'.format('é')`: MicroPython cuts the UTF-8 sequence and makes
//!   an invalid str; we keep whole characters. `{:c}` of a surrogate gives U+FFFD.
//! * `powf(5, n)` is assumed correctly rounded (true for glibc; the ESP32's newlib is not
//!   verified).
//! * Widths/precisions above [`MAX_PAD`] raise `MemoryError("memory allocation failed")`
//!   (the board runs out of heap at some smaller, heap-dependent size).

mod brace;
mod float;
mod percent;
mod spec;
mod text;

use std::fmt;

use num_bigint::BigInt;

pub use brace::{
    FieldNumbering, FieldRef, FormatField, FormatPiece, FormatScan, MAX_SPEC_NESTING,
    parse_format_string, scan_format_string, str_format,
};
pub use float::{REPR_PREC, float_repr, format_float_raw, int_to_f32};
pub use percent::{
    PercentArgs, PercentCount, PercentDirective, PercentPiece, PercentSpec, format_percent_char,
    format_percent_float, format_percent_int, format_percent_str, parse_percent_directive,
    percent_format, percent_pieces,
};
pub use spec::{
    FormatSpec, FormatValue, char_of_int, format_float, format_int, format_str, format_value,
    parse_format_spec,
};
pub use text::{
    MAX_PAD, PF_ADD_PERCENT, PF_ALWAYS_DECIMAL, PF_CENTER_ADJUST, PF_LEFT_ADJUST,
    PF_PAD_AFTER_SIGN, PF_SEP_POS, PF_SHOW_OCTAL_LETTER, PF_SHOW_PREFIX, PF_SHOW_SIGN,
    PF_SPACE_SIGN, bytes_repr, int_formatted, int_to_str_radix, parse_float, parse_int,
    print_float, print_mp_int, print_strn, str_repr,
};

/// The Python exception type a formatting error is raised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcType {
    /// `ValueError`
    ValueError,
    /// `TypeError`
    TypeError,
    /// `IndexError`
    IndexError,
    /// `KeyError`; the message is the missing key, which is the exception's argument.
    KeyError,
    /// `OverflowError`
    OverflowError,
    /// `NotImplementedError`
    NotImplementedError,
    /// `MemoryError` (a width or precision above [`MAX_PAD`])
    MemoryError,
    /// `RuntimeError` (nesting of `{}` inside format specs too deep)
    RuntimeError,
}

impl ExcType {
    /// The Python class name.
    pub fn name(self) -> &'static str {
        match self {
            ExcType::ValueError => "ValueError",
            ExcType::TypeError => "TypeError",
            ExcType::IndexError => "IndexError",
            ExcType::KeyError => "KeyError",
            ExcType::OverflowError => "OverflowError",
            ExcType::NotImplementedError => "NotImplementedError",
            ExcType::MemoryError => "MemoryError",
            ExcType::RuntimeError => "RuntimeError",
        }
    }
}

/// A formatting or parsing error: the exception type and its message, exactly as
/// MicroPython's ESP32 build (`MICROPY_ERROR_REPORTING_NORMAL`) words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// Exception class.
    pub exc: ExcType,
    /// The single `str` argument of the exception (for `KeyError`: the key).
    pub message: String,
}

impl FormatError {
    /// Builds an error.
    pub fn new(exc: ExcType, message: impl Into<String>) -> Self {
        FormatError {
            exc,
            message: message.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.exc.name(), self.message)
    }
}

impl std::error::Error for FormatError {}

/// How an argument object looks to the formatters; produced by [`FormatHost::kind`].
///
/// Mirrors MicroPython's tests: `Int` for `mp_obj_is_int` (small int or exact `int`),
/// `Bool` for `True`/`False`, `Float` for an exact `float`, `Str` for `str`, `Bytes` for
/// `bytes` (which `str.format` pads raw, like a str).
#[derive(Debug, Clone, PartialEq)]
pub enum ArgKind {
    /// An exact `int`.
    Int(BigInt),
    /// `True` or `False`.
    Bool(bool),
    /// An exact `float`.
    Float(f32),
    /// A `str`.
    Str(String),
    /// A `bytes`.
    Bytes(Vec<u8>),
    /// Anything else, by `type(x).__name__`.
    Other(String),
}

impl ArgKind {
    /// The view [`format_value`] works on.
    pub fn as_value(&self) -> FormatValue<'_> {
        match self {
            ArgKind::Int(v) => FormatValue::Int(v),
            ArgKind::Bool(b) => FormatValue::Bool(*b),
            ArgKind::Float(f) => FormatValue::Float(*f),
            ArgKind::Str(s) => FormatValue::Str(s),
            ArgKind::Bytes(b) => FormatValue::Bytes(b),
            ArgKind::Other(t) => FormatValue::Other { type_name: t },
        }
    }

    /// `type(x).__name__` for error messages.
    pub fn type_name(&self) -> &str {
        match self {
            ArgKind::Int(_) => "int",
            ArgKind::Bool(_) => "bool",
            ArgKind::Float(_) => "float",
            ArgKind::Str(_) => "str",
            ArgKind::Bytes(_) => "bytes",
            ArgKind::Other(t) => t,
        }
    }
}

/// What the formatting drivers need from the VM.
pub trait FormatHost {
    /// A VM value handle.
    type Obj;
    /// A VM exception.
    type Error;

    /// Classifies `obj` (no side effects).
    fn kind(&mut self, obj: &Self::Obj) -> ArgKind;
    /// `str(obj)` (may run user code and fail).
    fn str(&mut self, obj: &Self::Obj) -> Result<String, Self::Error>;
    /// `repr(obj)` (may run user code and fail).
    fn repr(&mut self, obj: &Self::Obj) -> Result<String, Self::Error>;
    /// Turns a formatting error into the VM exception to raise.
    fn error(&mut self, err: FormatError) -> Self::Error;
    /// `d[key]` for `'%(key)s' % d` (`mp_obj_dict_get`); must raise `KeyError(key)` itself.
    fn dict_get(&mut self, dict: &Self::Obj, key: &str) -> Result<Self::Obj, Self::Error>;
    /// The `MP_UNARY_OP_INT_MAYBE` hook for [`ArgKind::Other`] objects (used where
    /// MicroPython calls `mp_obj_get_int`). `Ok(None)` means "not convertible"; the default.
    fn int_maybe(&mut self, obj: &Self::Obj) -> Result<Option<BigInt>, Self::Error> {
        let _ = obj;
        Ok(None)
    }
    /// The `MP_UNARY_OP_FLOAT_MAYBE` hook for [`ArgKind::Other`] objects (used where
    /// MicroPython calls `mp_obj_get_float`). `Ok(None)` by default.
    fn float_maybe(&mut self, obj: &Self::Obj) -> Result<Option<f32>, Self::Error> {
        let _ = obj;
        Ok(None)
    }
}

/// `mp_obj_get_int`: an int that fits a machine word (32-bit on the ESP32), or
/// `TypeError("can't convert T to int")` / `OverflowError("overflow converting long int to
/// machine word")`.
pub(crate) fn host_get_int<H: FormatHost>(host: &mut H, obj: &H::Obj) -> Result<BigInt, H::Error> {
    use num_traits::ToPrimitive;
    let kind = host.kind(obj);
    let value = match kind {
        ArgKind::Int(v) => v,
        ArgKind::Bool(b) => BigInt::from(u8::from(b)),
        ArgKind::Other(ref t) => match host.int_maybe(obj)? {
            Some(v) => v,
            None => return Err(host.error(int_conversion_error(t))),
        },
        ref k => return Err(host.error(int_conversion_error(k.type_name()))),
    };
    if value.to_i32().is_none() {
        return Err(host.error(FormatError::new(
            ExcType::OverflowError,
            "overflow converting long int to machine word",
        )));
    }
    Ok(value)
}

fn int_conversion_error(type_name: &str) -> FormatError {
    FormatError::new(
        ExcType::TypeError,
        format!("can't convert {type_name} to int"),
    )
}

/// `mp_obj_get_float`: bools, ints (via [`int_to_f32`]) and floats, or
/// `TypeError("can't convert T to float")`.
pub(crate) fn host_get_float<H: FormatHost>(host: &mut H, obj: &H::Obj) -> Result<f32, H::Error> {
    match host.kind(obj) {
        ArgKind::Int(v) => Ok(int_to_f32(&v)),
        ArgKind::Bool(b) => Ok(f32::from(u8::from(b))),
        ArgKind::Float(f) => Ok(f),
        ArgKind::Other(t) => match host.float_maybe(obj)? {
            Some(f) => Ok(f),
            None => Err(host.error(FormatError::new(
                ExcType::TypeError,
                format!("can't convert {t} to float"),
            ))),
        },
        k @ (ArgKind::Str(_) | ArgKind::Bytes(_)) => Err(host.error(FormatError::new(
            ExcType::TypeError,
            format!("can't convert {} to float", k.type_name()),
        ))),
    }
}

/// `mp_obj_new_int_from_float` (py/objint.c): the int part of a float, or
/// `OverflowError("can't convert inf to int")` / `ValueError("can't convert NaN to int")`.
pub fn int_from_float(x: f32) -> Result<BigInt, FormatError> {
    if x.is_infinite() {
        return Err(FormatError::new(
            ExcType::OverflowError,
            "can't convert inf to int",
        ));
    }
    if x.is_nan() {
        return Err(FormatError::new(
            ExcType::ValueError,
            "can't convert NaN to int",
        ));
    }
    let t = x.trunc();
    // Every finite f32 is m * 2^e exactly; rebuild it without rounding.
    let bits = t.to_bits();
    let exp = ((bits >> 23) & 0xff) as i32;
    if exp == 0 {
        return Ok(BigInt::from(0));
    }
    let mant = BigInt::from((bits & 0x7f_ffff) | 0x80_0000);
    let shift = exp - 150;
    let mag = if shift >= 0 {
        mant << shift as usize
    } else {
        mant >> (-shift) as usize
    };
    Ok(if t.is_sign_negative() { -mag } else { mag })
}

#[cfg(test)]
mod tests;
