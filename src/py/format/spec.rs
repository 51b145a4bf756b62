//! The format-spec mini-language of `str.format`, f-strings and `format()`: parsing
//! (`[[fill]align][sign][#][0][width][,|_][.precision][type]`) and applying a spec to one
//! value, as the body of `mp_obj_str_format_helper` (py/objstr.c) does.
//!
//! It knows values only as [`FormatValue`]: ints, bools, floats, str data or "something
//! else" (by type name). It never calls back into the VM.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::float::int_to_f32;
use super::text::{
    MAX_PAD, PF_ADD_PERCENT, PF_CENTER_ADJUST, PF_LEFT_ADJUST, PF_PAD_AFTER_SIGN, PF_SEP_POS,
    PF_SHOW_OCTAL_LETTER, PF_SHOW_PREFIX, PF_SHOW_SIGN, PF_SPACE_SIGN, print_float, print_mp_int,
    print_strn,
};
use super::{ExcType, FormatError};

/// A parsed format spec, before the value is known.
///
/// MicroPython resolves two things only once it has the value: a `0` before the width makes
/// numbers `=`-aligned (only when no align was given), and the default alignment is `>` for
/// numbers and `<` otherwise. So `fill`/`align` stay optional here and `zero` is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormatSpec {
    /// Explicit fill byte (always ASCII when present; MicroPython takes one byte).
    pub fill: Option<u8>,
    /// Explicit alignment: `<`, `>`, `=` or `^`.
    pub align: Option<u8>,
    /// `+` → `PF_SHOW_SIGN`, space → `PF_SPACE_SIGN`; `-` is accepted and means nothing.
    pub sign: Option<u8>,
    /// `#`: show the `0b`/`0o`/`0x` prefix.
    pub alternate: bool,
    /// A `0` right before the width.
    pub zero: bool,
    /// Width in bytes; `None` when absent (MicroPython's -1).
    pub width: Option<i32>,
    /// Grouping character `,` or `_`.
    pub grouping: Option<u8>,
    /// Precision; `None` when absent.
    pub precision: Option<i32>,
    /// Conversion type, one of `b c d e E f F g G n o s x X %`.
    pub ty: Option<u8>,
}

/// The value being formatted, as far as formatting cares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormatValue<'a> {
    /// An `int` (small or long).
    Int(&'a BigInt),
    /// A `bool` (formats as an int with type name `bool`).
    Bool(bool),
    /// A `float`.
    Float(f32),
    /// The data of a `str`.
    Str(&'a str),
    /// The data of a `bytes`: MicroPython pads and truncates its raw bytes like a str's
    /// (`'{:>4}'.format(b'ab')` is `'  ab'`); only error messages say `bytes`.
    Bytes(&'a [u8]),
    /// Any other object; `type_name` is used in error messages.
    Other {
        /// `type(x).__name__`.
        type_name: &'a str,
    },
}

impl FormatValue<'_> {
    fn looks_numeric(&self) -> bool {
        matches!(
            self,
            FormatValue::Int(_) | FormatValue::Bool(_) | FormatValue::Float(_)
        )
    }
    fn type_name(&self) -> &str {
        match self {
            FormatValue::Int(_) => "int",
            FormatValue::Bool(_) => "bool",
            FormatValue::Float(_) => "float",
            FormatValue::Str(_) => "str",
            FormatValue::Bytes(_) => "bytes",
            FormatValue::Other { type_name } => type_name,
        }
    }
}

fn is_align(c: u8) -> bool {
    matches!(c, b'<' | b'>' | b'=' | b'^')
}

fn is_type(c: u8) -> bool {
    b"bcdeEfFgGnosxX%".contains(&c)
}

/// `str_to_int` (py/objstr.c): unsigned decimal digits at `s[*pos..]`, C `int` arithmetic
/// (wrapping). Returns `None` when there is no digit.
pub(crate) fn take_uint(s: &[u8], pos: &mut usize) -> Option<i32> {
    if *pos >= s.len() || !s[*pos].is_ascii_digit() {
        return None;
    }
    let mut n: i32 = 0;
    while *pos < s.len() && s[*pos].is_ascii_digit() {
        n = n.wrapping_mul(10).wrapping_add(i32::from(s[*pos] - b'0'));
        *pos += 1;
    }
    Some(n)
}

/// Parses a format spec (the text after `:` once nested `{}` fields are substituted), as
/// `mp_obj_str_format_helper` (py/objstr.c) does. The text ends at the first NUL, as in C.
///
/// Error (ERROR_REPORTING_NORMAL): `ValueError("invalid format specifier")`.
pub fn parse_format_spec(spec: &str) -> Result<FormatSpec, FormatError> {
    let bytes = spec.as_bytes();
    let s = &bytes[..bytes.iter().position(|c| *c == 0).unwrap_or(bytes.len())];
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut out = FormatSpec::default();
    let mut pos = 0;
    if is_align(at(0)) {
        out.align = Some(at(0));
        pos = 1;
    } else if at(0) != 0 && is_align(at(1)) {
        out.fill = Some(at(0));
        out.align = Some(at(1));
        pos = 2;
    }
    if matches!(at(pos), b'+' | b'-' | b' ') {
        if at(pos) != b'-' {
            out.sign = Some(at(pos));
        }
        pos += 1;
    }
    if at(pos) == b'#' {
        out.alternate = true;
        pos += 1;
    }
    if at(pos) == b'0' {
        out.zero = true;
    }
    out.width = take_uint(s, &mut pos);
    if matches!(at(pos), b',' | b'_') {
        out.grouping = Some(at(pos));
        pos += 1;
    }
    if at(pos) == b'.' {
        pos += 1;
        out.precision = take_uint(s, &mut pos);
    }
    if is_type(at(pos)) {
        out.ty = Some(at(pos));
        pos += 1;
    }
    if pos < s.len() {
        return Err(FormatError::new(
            ExcType::ValueError,
            "invalid format specifier",
        ));
    }
    Ok(out)
}

fn unknown_code(ty: u8, value: &FormatValue<'_>) -> FormatError {
    FormatError::new(
        ExcType::ValueError,
        format!(
            "unknown format code '{}' for object of type '{}'",
            char::from(ty),
            value.type_name()
        ),
    )
}

fn check_size(n: i32) -> Result<(), FormatError> {
    if n > MAX_PAD {
        Err(FormatError::new(
            ExcType::MemoryError,
            "memory allocation failed",
        ))
    } else {
        Ok(())
    }
}

/// The character for `{:c}` / `%c` of an int (`mp_print_char`, MICROPY_FULL_CHECKS):
/// `OverflowError("char not in range(0x110000)")`; a value beyond a machine word is
/// `OverflowError("overflow converting long int to machine word")`.
///
/// Surrogates (U+D800..U+DFFF), which MicroPython encodes as 3 raw bytes, come out as
/// U+FFFD here because a Rust `String` cannot hold them.
pub fn char_of_int(value: &BigInt) -> Result<char, FormatError> {
    let word = value.to_i32().ok_or_else(|| {
        FormatError::new(
            ExcType::OverflowError,
            "overflow converting long int to machine word",
        )
    })?;
    // mp_uint_t comparison: negative values are huge.
    let code = word as u32;
    if code >= 0x11_0000 {
        return Err(FormatError::new(
            ExcType::OverflowError,
            "char not in range(0x110000)",
        ));
    }
    Ok(char::from_u32(code).unwrap_or('\u{fffd}'))
}

/// Applies `spec` to `value`, as the second half of `mp_obj_str_format_helper`
/// (py/objstr.c) does for one replacement field (after any `!r`/`!s` conversion, which
/// turns the value into a [`FormatValue::Str`]).
///
/// Errors (exact MicroPython texts, ERROR_REPORTING_NORMAL):
/// `ValueError("sign not allowed in string format specifier")` (type `s`),
/// `ValueError("sign not allowed with integer format specifier 'c'")`,
/// `ValueError("unknown format code 'x' for object of type 'float'")` and friends,
/// `ValueError("'=' alignment not allowed in string format specifier")`,
/// `TypeError("can't convert 'list' object to str implicitly")` for a non-str, non-number
/// with no type or type `s`.
pub fn format_value(value: FormatValue<'_>, spec: &FormatSpec) -> Result<String, FormatError> {
    let mut out = Vec::new();
    format_value_into(&mut out, value, spec)?;
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The `PF_FLAG_*` flags, fill byte and alignment that `spec` asks for with `value` and
/// conversion `ty` (py/objstr.c `mp_obj_str_format_helper`), or the `ValueError` for a sign
/// where none is allowed.
fn spec_flags(
    spec: &FormatSpec,
    value: &FormatValue<'_>,
    ty: u8,
) -> Result<(u32, u8, u8), FormatError> {
    let mut fill = spec.fill.unwrap_or(0);
    let mut align = spec.align.unwrap_or(0);
    let mut flags: u32 = 0;
    match spec.sign {
        Some(b'+') => flags |= PF_SHOW_SIGN,
        Some(b' ') => flags |= PF_SPACE_SIGN,
        _ => {}
    }
    if spec.alternate {
        flags |= PF_SHOW_PREFIX;
    }
    if spec.zero {
        if align == 0 && value.looks_numeric() {
            align = b'=';
        }
        if fill == 0 {
            fill = b'0';
        }
    }
    if let Some(g) = spec.grouping {
        flags |= u32::from(g) << PF_SEP_POS;
    }
    if align == 0 {
        align = if value.looks_numeric() { b'>' } else { b'<' };
    }
    if fill == 0 {
        fill = b' ';
    }
    if flags & (PF_SHOW_SIGN | PF_SPACE_SIGN) != 0 {
        if ty == b's' {
            return Err(FormatError::new(
                ExcType::ValueError,
                "sign not allowed in string format specifier",
            ));
        }
        if ty == b'c' {
            return Err(FormatError::new(
                ExcType::ValueError,
                "sign not allowed with integer format specifier 'c'",
            ));
        }
    }
    match align {
        b'<' => flags |= PF_LEFT_ADJUST,
        b'=' => flags |= PF_PAD_AFTER_SIGN,
        b'^' => flags |= PF_CENTER_ADJUST,
        _ => {}
    }
    Ok((flags, fill, align))
}

/// An int or bool (`value`, for the error message) with an integer conversion (`b c d n o x X` or none) appended to `out`:
/// `Ok(true)`; `Ok(false)` for a float conversion, which the caller does.
fn format_int_into(
    out: &mut Vec<u8>,
    v: &BigInt,
    ty: u8,
    mut flags: u32,
    fill: u8,
    width: i32,
    value: &FormatValue<'_>,
) -> Result<bool, FormatError> {
    match ty {
        b'b' => {
            print_mp_int(out, v, 2, b'a', flags, fill, width, 0);
            Ok(true)
        }
        b'c' => {
            let c = char_of_int(v)?;
            let mut buf = [0u8; 4];
            print_strn(out, c.encode_utf8(&mut buf).as_bytes(), flags, fill, width);
            Ok(true)
        }
        0 | b'n' | b'd' => {
            print_mp_int(out, v, 10, b'a', flags, fill, width, 0);
            Ok(true)
        }
        b'o' => {
            if flags & PF_SHOW_PREFIX != 0 {
                flags |= PF_SHOW_OCTAL_LETTER;
            }
            print_mp_int(out, v, 8, b'a', flags, fill, width, 0);
            Ok(true)
        }
        b'x' | b'X' => {
            print_mp_int(out, v, 16, ty - (b'X' - b'A'), flags, fill, width, 0);
            Ok(true)
        }
        b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'%' => Ok(false),
        _ => Err(unknown_code(ty, value)),
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (objstr.c format spec), kept whole to read beside it"
)]
pub(crate) fn format_value_into(
    out: &mut Vec<u8>,
    value: FormatValue<'_>,
    spec: &FormatSpec,
) -> Result<(), FormatError> {
    // Every negative width or precision behaves like "absent"; clamping keeps the
    // arithmetic below from overflowing on wrapped values.
    let width = spec.width.unwrap_or(-1).max(-1);
    let precision = spec.precision.unwrap_or(-1).max(-1);
    check_size(width)?;
    check_size(precision)?;
    let ty = spec.ty.unwrap_or(0);
    let (flags, fill, align) = spec_flags(spec, &value, ty)?;

    let as_int;
    let int_value: Option<&BigInt> = match value {
        FormatValue::Int(v) => Some(v),
        FormatValue::Bool(b) => {
            as_int = BigInt::from(u8::from(b));
            Some(&as_int)
        }
        _ => None,
    };
    if let Some(v) = int_value
        && format_int_into(out, v, ty, flags, fill, width, &value)?
    {
        return Ok(());
    }

    if value.looks_numeric() {
        let f = match value {
            FormatValue::Float(f) => f,
            FormatValue::Bool(b) => f32::from(u8::from(b)),
            FormatValue::Int(v) => int_to_f32(v),
            _ => 0.0,
        };
        let ty = if ty == 0 || ty == b'n' { b'g' } else { ty };
        match ty {
            b'e' | b'E' | b'f' | b'F' | b'g' | b'G' => {
                print_float(out, f, ty, flags, fill, width, precision);
            }
            b'%' => {
                print_float(
                    out,
                    f * 100.0,
                    b'f',
                    flags | PF_ADD_PERCENT,
                    fill,
                    width,
                    precision,
                );
            }
            _ => return Err(unknown_code(ty, &value)),
        }
        return Ok(());
    }

    if align == b'=' {
        return Err(FormatError::new(
            ExcType::ValueError,
            "'=' alignment not allowed in string format specifier",
        ));
    }
    match ty {
        0 | b's' => {
            let data = match value {
                FormatValue::Str(s) => s.as_bytes(),
                FormatValue::Bytes(b) => b,
                FormatValue::Other { type_name } => {
                    return Err(FormatError::new(
                        ExcType::TypeError,
                        format!("can't convert '{type_name}' object to str implicitly"),
                    ));
                }
                _ => b"",
            };
            let mut len = data.len();
            if precision >= 0 && len > precision as usize {
                len = precision as usize;
                // Stay on a character boundary (MicroPython would cut inside it).
                while len > 0 && (data[len] & 0xc0) == 0x80 {
                    len -= 1;
                }
            }
            print_strn(out, &data[..len], flags, fill, width);
            Ok(())
        }
        _ => Err(unknown_code(ty, &value)),
    }
}

/// Formats an int with a parsed spec (see [`format_value`]); `'{:x}'`, `'{:08b}'`,
/// `'{:,}'`, `'{:.2f}'` (via float) and so on.
pub fn format_int(value: &BigInt, spec: &FormatSpec) -> Result<String, FormatError> {
    format_value(FormatValue::Int(value), spec)
}

/// Formats a float with a parsed spec (see [`format_value`]); no type means `g`
/// (not `repr`), so `'{:10}'.format(2.0)` is `'         2'`.
pub fn format_float(x: f32, spec: &FormatSpec) -> Result<String, FormatError> {
    format_value(FormatValue::Float(x), spec)
}

/// Formats str data with a parsed spec (see [`format_value`]); precision truncates.
pub fn format_str(s: &str, spec: &FormatSpec) -> Result<String, FormatError> {
    format_value(FormatValue::Str(s), spec)
}
