//! `str % args`: the directive parser, per-directive formatting and the complete driver,
//! reproducing `str_modulo_format` (py/objstr.c) on the ESP32 build.
//!
//! It never evaluates objects itself: the driver asks a [`FormatHost`] for `str`/`repr`,
//! classification and dict lookups, in the order MicroPython does.

use num_bigint::BigInt;

use super::spec::{char_of_int, take_uint};
use super::text::{
    MAX_PAD, PF_LEFT_ADJUST, PF_PAD_AFTER_SIGN, PF_SHOW_OCTAL_LETTER, PF_SHOW_PREFIX, PF_SHOW_SIGN,
    PF_SPACE_SIGN, print_float, print_mp_int, print_strn,
};
use super::{
    ArgKind, ExcType, FormatError, FormatHost, host_get_float, host_get_int, int_from_float,
};

/// A width or precision in a `%` directive: a number or `*` (taken from the arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PercentCount {
    /// Literal digits (C `int` arithmetic, wrapping).
    Fixed(i32),
    /// `*`: the next argument, through `mp_obj_get_int`.
    Star,
}

/// One `%` directive as written, before any argument is consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentDirective {
    /// `%(key)`: `Ok(key)`, or `Err(ValueError("incomplete format key"))` when the `)` is
    /// missing (raised only after the "needs a dict" check). `None` without a key.
    pub key: Option<Result<String, FormatError>>,
    /// `PF_*` flags from `-`, `+`, space and `0` (`0` sets `PF_PAD_AFTER_SIGN`).
    pub flags: u32,
    /// `b'0'` after a `0` flag, else space.
    pub fill: u8,
    /// `#` seen.
    pub alt: bool,
    /// Width (`Fixed(0)` when absent).
    pub width: PercentCount,
    /// Precision: `None` when absent (C's -1); `.` followed by no digits is `Fixed(0)`.
    pub precision: Option<PercentCount>,
    /// The conversion byte, or `None` when the pattern ended first
    /// (`ValueError("incomplete format")`, raised after `*` arguments are taken).
    pub conversion: Option<u8>,
    /// Byte index of the conversion character in the pattern (for the error message).
    pub conversion_index: usize,
    /// Byte index just after the directive.
    pub end: usize,
}

/// Parses the directive that starts after the `%` at byte `pos` of `pattern`
/// (`pattern[pos]` is not `%`; `%%` is the caller's business). Never fails: errors are
/// recorded in the result at the point MicroPython raises them.
#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (mpprint.c), kept whole to read beside it"
)]
pub fn parse_percent_directive(pattern: &str, pos: usize) -> PercentDirective {
    let s = pattern.as_bytes();
    let mut pos = pos.min(s.len());
    let mut d = PercentDirective {
        key: None,
        flags: 0,
        fill: b' ',
        alt: false,
        width: PercentCount::Fixed(0),
        precision: None,
        conversion: None,
        conversion_index: pos,
        end: s.len(),
    };
    if pos >= s.len() {
        return d;
    }
    if s[pos] == b'(' {
        pos += 1;
        let key_start = pos;
        while pos < s.len() && s[pos] != b')' {
            pos += 1;
        }
        if pos >= s.len() {
            d.key = Some(Err(FormatError::new(
                ExcType::ValueError,
                "incomplete format key",
            )));
            return d;
        }
        d.key = Some(Ok(String::from_utf8_lossy(&s[key_start..pos]).into_owned()));
        pos += 1;
    }
    while pos < s.len() {
        match s[pos] {
            b'-' => d.flags |= PF_LEFT_ADJUST,
            b'+' => d.flags |= PF_SHOW_SIGN,
            b' ' => d.flags |= PF_SPACE_SIGN,
            b'#' => d.alt = true,
            b'0' => {
                d.flags |= PF_PAD_AFTER_SIGN;
                d.fill = b'0';
            }
            _ => break,
        }
        pos += 1;
    }
    if pos < s.len() {
        if s[pos] == b'*' {
            d.width = PercentCount::Star;
            pos += 1;
        } else if let Some(n) = take_uint(s, &mut pos) {
            d.width = PercentCount::Fixed(n);
        }
    }
    if pos < s.len() && s[pos] == b'.' {
        pos += 1;
        if pos < s.len() {
            if s[pos] == b'*' {
                d.precision = Some(PercentCount::Star);
                pos += 1;
            } else {
                d.precision = Some(PercentCount::Fixed(take_uint(s, &mut pos).unwrap_or(0)));
            }
        }
    }
    d.conversion_index = pos;
    if pos < s.len() {
        d.conversion = Some(s[pos]);
        d.end = pos + 1;
    }
    d
}

/// A piece of a `%` pattern, for callers that walk it themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PercentPiece {
    /// Literal text (with `%%` already turned into `%`).
    Literal(String),
    /// A directive.
    Directive(PercentDirective),
}

/// Splits a `%` pattern into literal text and directives (see [`parse_percent_directive`];
/// a directive whose pattern ended early is the last piece).
pub fn percent_pieces(pattern: &str) -> Vec<PercentPiece> {
    let s = pattern.as_bytes();
    let mut pieces = Vec::new();
    let mut lit: Vec<u8> = Vec::new();
    let mut pos = 0;
    while pos < s.len() {
        if s[pos] != b'%' {
            lit.push(s[pos]);
            pos += 1;
            continue;
        }
        if s.get(pos + 1) == Some(&b'%') {
            lit.push(b'%');
            pos += 2;
            continue;
        }
        if !lit.is_empty() {
            pieces.push(PercentPiece::Literal(
                String::from_utf8_lossy(&lit).into_owned(),
            ));
            lit.clear();
        }
        let d = parse_percent_directive(pattern, pos + 1);
        pos = d.end;
        pieces.push(PercentPiece::Directive(d));
    }
    if !lit.is_empty() {
        pieces.push(PercentPiece::Literal(
            String::from_utf8_lossy(&lit).into_owned(),
        ));
    }
    pieces
}

/// A directive with its `*` counts resolved: everything needed to format one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PercentSpec {
    /// `PF_*` flags.
    pub flags: u32,
    /// `b'0'` or space.
    pub fill: u8,
    /// `#` seen.
    pub alt: bool,
    /// Width (0 when absent).
    pub width: i32,
    /// Precision (-1 when absent).
    pub precision: i32,
    /// Conversion byte.
    pub conversion: u8,
}

/// Refuses absurd sizes and clamps negative ones to -1 (all negative values behave alike
/// on the board; clamping keeps our arithmetic from overflowing).
fn too_big(spec: &PercentSpec) -> Result<PercentSpec, FormatError> {
    if spec.width > MAX_PAD || spec.precision > MAX_PAD {
        Err(FormatError::new(
            ExcType::MemoryError,
            "memory allocation failed",
        ))
    } else {
        Ok(PercentSpec {
            width: spec.width.max(-1),
            precision: spec.precision.max(-1),
            ..*spec
        })
    }
}

fn into_string(out: Vec<u8>) -> String {
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `%d %i %u %o %x %X` of an int (`mp_print_mp_int` as `str_modulo_format` calls it; for
/// `%d` a float argument must first go through [`super::int_from_float`]).
pub fn format_percent_int(value: &BigInt, spec: &PercentSpec) -> Result<String, FormatError> {
    let spec = &too_big(spec)?;
    let mut out = Vec::new();
    let (base, base_char, mut flags) = match spec.conversion {
        b'o' => (8, b'a', spec.flags),
        b'x' => (16, b'a', spec.flags),
        b'X' => (16, b'A', spec.flags),
        _ => (10, b'a', spec.flags),
    };
    if spec.alt {
        match spec.conversion {
            b'o' => flags |= PF_SHOW_PREFIX | PF_SHOW_OCTAL_LETTER,
            b'x' | b'X' => flags |= PF_SHOW_PREFIX,
            _ => {}
        }
    }
    print_mp_int(
        &mut out,
        value,
        base,
        base_char,
        flags,
        spec.fill,
        spec.width,
        spec.precision,
    );
    Ok(into_string(out))
}

/// `%e %E %f %F %g %G` of a float (`mp_print_float`).
pub fn format_percent_float(x: f32, spec: &PercentSpec) -> Result<String, FormatError> {
    let spec = &too_big(spec)?;
    let mut out = Vec::new();
    print_float(
        &mut out,
        x,
        spec.conversion,
        spec.flags,
        spec.fill,
        spec.width,
        spec.precision,
    );
    Ok(into_string(out))
}

/// `%s` / `%r` given the `str()` / `repr()` text: precision truncates (bytes, kept on a
/// character boundary), then padded with spaces (never zeros).
pub fn format_percent_str(text: &str, spec: &PercentSpec) -> Result<String, FormatError> {
    let spec = &too_big(spec)?;
    let data = text.as_bytes();
    let mut len = data.len();
    if spec.precision >= 0 && len > spec.precision as usize {
        len = spec.precision as usize;
        while len > 0 && (data[len] & 0xc0) == 0x80 {
            len -= 1;
        }
    }
    let mut out = Vec::new();
    print_strn(&mut out, &data[..len], spec.flags, b' ', spec.width);
    Ok(into_string(out))
}

/// `%c` of a one-character str or of an int: `TypeError("%c needs int or char")` when the
/// str is not exactly one **byte** long (so `'%c' % 'é'` fails, as on the board).
pub fn format_percent_char(value: &ArgKind, spec: &PercentSpec) -> Result<String, FormatError> {
    let spec = &too_big(spec)?;
    let mut out = Vec::new();
    match value {
        ArgKind::Str(s) => {
            if s.len() != 1 {
                return Err(FormatError::new(ExcType::TypeError, "%c needs int or char"));
            }
            print_strn(&mut out, s.as_bytes(), spec.flags, b' ', spec.width);
        }
        ArgKind::Int(_) | ArgKind::Bool(_) => {
            let v = match value {
                ArgKind::Int(v) => v.clone(),
                ArgKind::Bool(b) => BigInt::from(u8::from(*b)),
                _ => BigInt::from(0),
            };
            let c = char_of_int(&v)?;
            let mut buf = [0u8; 4];
            print_strn(
                &mut out,
                c.encode_utf8(&mut buf).as_bytes(),
                spec.flags,
                b' ',
                spec.width,
            );
        }
        _ => return Err(FormatError::new(ExcType::TypeError, "integer needed")),
    }
    Ok(into_string(out))
}

/// The right-hand side of `str % rhs`, as `mp_obj_str_binary_op` splits it.
#[derive(Debug)]
pub enum PercentArgs<'a, O> {
    /// A tuple: its items are the arguments.
    Tuple(&'a [O]),
    /// A dict: one positional argument (the dict itself) and the source of `%(key)` values.
    Dict(&'a O),
    /// Anything else: one positional argument.
    Single(&'a O),
}

/// One `%` conversion of `arg` by `spec` (py/objstr.c `str_modulo_format`'s switch): the
/// text or the conversion's own error; a host error (from `str()`, `repr()`, `int()`) as the
/// outer error.
fn convert_one<H: FormatHost>(
    host: &mut H,
    arg: &H::Obj,
    spec: &PercentSpec,
    conversion_index: usize,
) -> Result<Result<String, FormatError>, H::Error> {
    let text = match spec.conversion {
        b'c' => {
            let kind = host.kind(arg);
            format_percent_char(&kind, spec)
        }
        b'd' | b'i' | b'u' => {
            let value = match host.kind(arg) {
                ArgKind::Float(f) => int_from_float(f),
                ArgKind::Int(v) => Ok(v),
                _ => Ok(host_get_int(host, arg)?),
            };
            value.and_then(|v| format_percent_int(&v, spec))
        }
        b'e' | b'E' | b'f' | b'F' | b'g' | b'G' => {
            let f = host_get_float(host, arg)?;
            format_percent_float(f, spec)
        }
        b'o' | b'x' | b'X' => {
            let value = match host.kind(arg) {
                ArgKind::Int(v) => v,
                _ => host_get_int(host, arg)?,
            };
            format_percent_int(&value, spec)
        }
        b'r' => {
            let t = host.repr(arg)?;
            format_percent_str(&t, spec)
        }
        b's' => {
            let t = host.str(arg)?;
            format_percent_str(&t, spec)
        }
        other => Err(FormatError::new(
            ExcType::ValueError,
            format!(
                "unsupported format character '{}' (0x{:x}) at index {}",
                if other.is_ascii() {
                    char::from(other)
                } else {
                    '\u{fffd}'
                },
                other,
                conversion_index
            ),
        )),
    };
    Ok(text)
}

/// `str_modulo_format` (py/objstr.c): the complete `pattern % args`, with MicroPython's
/// errors in MicroPython's order:
/// `TypeError("format needs a dict")`, `ValueError("incomplete format key")`,
/// `ValueError("incomplete format")`, `TypeError("format string needs more arguments")`,
/// `ValueError("unsupported format character 'y' (0x79) at index 1")`,
/// `TypeError("format string didn't convert all arguments")`, plus the conversion errors of
/// the values (`can't convert str to int`, `%c needs int or char`, `integer needed`, ...).
#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (objstr.c str_modulo_format), kept whole to read beside it"
)]
pub fn percent_format<H: FormatHost>(
    host: &mut H,
    pattern: &str,
    args: PercentArgs<'_, H::Obj>,
) -> Result<String, H::Error> {
    let (positional, dict): (&[H::Obj], Option<&H::Obj>) = match args {
        PercentArgs::Tuple(items) => (items, None),
        PercentArgs::Dict(d) => (std::slice::from_ref(d), Some(d)),
        PercentArgs::Single(o) => (std::slice::from_ref(o), None),
    };
    let s = pattern.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(s.len() + 16);
    let mut arg_i = 0usize;
    let mut pos = 0;
    while pos < s.len() {
        if s[pos] != b'%' {
            out.push(s[pos]);
            pos += 1;
            continue;
        }
        if s.get(pos + 1) == Some(&b'%') {
            out.push(b'%');
            pos += 2;
            continue;
        }
        let d = parse_percent_directive(pattern, pos + 1);
        pos = d.end;
        let mut arg: Option<Held<'_, H::Obj>> = None;
        if let Some(key) = &d.key {
            let Some(dict) = dict else {
                return Err(host.error(FormatError::new(ExcType::TypeError, "format needs a dict")));
            };
            arg_i = 1;
            match key {
                Ok(k) => arg = Some(Held::Owned(host.dict_get(dict, k)?)),
                Err(e) => return Err(host.error(e.clone())),
            }
        }
        let mut take_count = |host: &mut H, c: PercentCount| -> Result<i32, H::Error> {
            match c {
                PercentCount::Fixed(n) => Ok(n),
                PercentCount::Star => {
                    if arg_i >= positional.len() {
                        return Err(host.error(not_enough()));
                    }
                    let v = host_get_int(host, &positional[arg_i])?;
                    arg_i += 1;
                    Ok(num_traits::ToPrimitive::to_i32(&v).unwrap_or(0)).map(|n: i32| n.max(-1))
                }
            }
        };
        let width = take_count(host, d.width)?;
        let precision = match d.precision {
            Some(c) => take_count(host, c)?,
            None => -1,
        };
        let Some(conversion) = d.conversion else {
            return Err(host.error(FormatError::new(ExcType::ValueError, "incomplete format")));
        };
        let arg = match arg {
            Some(a) => a,
            None => {
                if arg_i >= positional.len() {
                    return Err(host.error(not_enough()));
                }
                arg_i += 1;
                Held::Borrowed(&positional[arg_i - 1])
            }
        };
        let arg: &H::Obj = arg.get();
        let spec = PercentSpec {
            flags: d.flags,
            fill: d.fill,
            alt: d.alt,
            width,
            precision,
            conversion,
        };
        let text = convert_one(host, arg, &spec, d.conversion_index)?;
        match text {
            Ok(t) => out.extend_from_slice(t.as_bytes()),
            Err(e) => return Err(host.error(e)),
        }
    }
    if dict.is_none() && arg_i != positional.len() {
        return Err(host.error(FormatError::new(
            ExcType::TypeError,
            "format string didn't convert all arguments",
        )));
    }
    Ok(into_string(out))
}

fn not_enough() -> FormatError {
    FormatError::new(ExcType::TypeError, "format string needs more arguments")
}

/// An argument that is either one of the caller's or fetched from the dict.
enum Held<'a, O> {
    Borrowed(&'a O),
    Owned(O),
}

impl<O> Held<'_, O> {
    fn get(&self) -> &O {
        match self {
            Held::Borrowed(o) => o,
            Held::Owned(o) => o,
        }
    }
}
