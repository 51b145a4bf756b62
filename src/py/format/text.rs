//! Padding, integer digits and number parsing: MicroPython's `mp_print_strn`,
//! `mp_obj_int_formatted`, `mp_print_mp_int`, `mp_print_float`, `mp_parse_num_integer` and
//! `mp_parse_num_decimal`, redone over byte buffers.
//!
//! Widths count **bytes**, as on the board (`'{:>5}'.format('é')` pads with three spaces).
//! Nothing here knows about objects; callers pass plain numbers and text.

use num_bigint::{BigInt, Sign};

use super::float::format_float_raw;
use super::{ExcType, FormatError};
use crate::py::num::{self, NumError};

/// `PF_FLAG_LEFT_ADJUST` (py/mpprint.h).
pub const PF_LEFT_ADJUST: u32 = 0x001;
/// `PF_FLAG_SHOW_SIGN`.
pub const PF_SHOW_SIGN: u32 = 0x002;
/// `PF_FLAG_SPACE_SIGN`.
pub const PF_SPACE_SIGN: u32 = 0x004;
/// `PF_FLAG_SHOW_PREFIX`.
pub const PF_SHOW_PREFIX: u32 = 0x008;
/// `PF_FLAG_PAD_AFTER_SIGN`.
pub const PF_PAD_AFTER_SIGN: u32 = 0x010;
/// `PF_FLAG_CENTER_ADJUST`.
pub const PF_CENTER_ADJUST: u32 = 0x020;
/// `PF_FLAG_ADD_PERCENT`.
pub const PF_ADD_PERCENT: u32 = 0x040;
/// `PF_FLAG_SHOW_OCTAL_LETTER`.
pub const PF_SHOW_OCTAL_LETTER: u32 = 0x080;
/// `PF_FLAG_ALWAYS_DECIMAL`.
pub const PF_ALWAYS_DECIMAL: u32 = 0x100;
/// Bit position of the grouping character (`,` or `_`) inside the flags (`PF_FLAG_SEP_POS`).
pub const PF_SEP_POS: u32 = 9;

/// Widths or precisions above this are refused with `MemoryError` instead of building a
/// huge string (the board, with ~100 KiB of heap, would fail to allocate long before).
pub const MAX_PAD: i32 = 1 << 20;

const PAD_SPACES: &[u8; 16] = b"                ";
// Sixteen zeros, then the grouped patterns `0000_` (from 12) and `000,` (from 17).
const PAD_COMMON: &[u8; 23] = b"0000000000000000_000,00";

/// `mp_print_strn` (py/mpprint.c): appends `s` padded to `width` bytes with `fill`
/// (NUL or space: spaces; `0` with a grouping character in `flags`: the grouped zero
/// pattern), aligned by `PF_LEFT_ADJUST`/`PF_CENTER_ADJUST` (right otherwise).
pub fn print_strn(out: &mut Vec<u8>, s: &[u8], flags: u32, fill: u8, width: i32) {
    let len = i32::try_from(s.len()).unwrap_or(i32::MAX);
    let mut pad = width.saturating_sub(len);
    let grouping = (flags >> PF_SEP_POS) as u8;
    // (source bytes, offset of each chunk, chunk size)
    let (source, offset, pad_size): (&[u8], i32, i32) = if fill == 0 || fill == b' ' {
        (PAD_SPACES, 0, 16)
    } else if fill == b'0' && grouping == 0 {
        (PAD_COMMON, 0, 16)
    } else if fill == b'0' {
        let (base, size) = if grouping == b'_' { (12, 5) } else { (17, 4) };
        let mut width = width;
        if width % size == 0 {
            pad = pad.saturating_add(1);
            width = width.saturating_add(1);
        }
        (PAD_COMMON, base + size - 1 - width % size, size)
    } else {
        (std::slice::from_ref(&fill), 0, 1)
    };
    let (left, right) = if flags & PF_CENTER_ADJUST != 0 {
        (pad / 2, pad - pad / 2)
    } else if flags & PF_LEFT_ADJUST != 0 {
        (0, pad)
    } else {
        (pad, 0)
    };
    let emit = |out: &mut Vec<u8>, mut n: i32| {
        while n > 0 {
            let p = n.min(pad_size);
            let start = offset.max(0) as usize;
            let chunk = source.get(start..start + p as usize).unwrap_or(&[]);
            if chunk.is_empty() {
                break;
            }
            out.extend_from_slice(chunk);
            n -= p;
        }
    };
    emit(out, left);
    out.extend_from_slice(s);
    emit(out, right);
}

/// `mp_obj_int_formatted` (py/objint.c) and `mpz_as_str_inpl` (py/mpz.c): the digits of
/// `value` in `base`, letters based at `base_char` (`a` or `A`), grouped by `comma` (if not
/// NUL) every 3 digits in base 10 and every 4 otherwise, preceded by `prefix` and then `-`.
pub fn int_formatted(
    value: &BigInt,
    base: u32,
    prefix: &[u8],
    base_char: u8,
    comma: u8,
) -> Vec<u8> {
    let mut digits = value.magnitude().to_str_radix(base).into_bytes();
    if base_char == b'A' {
        digits.make_ascii_uppercase();
    }
    let group = if base == 10 { 3 } else { 4 };
    let mut body = Vec::with_capacity(digits.len() * 2 + prefix.len() + 1);
    if value.sign() == Sign::Minus {
        body.push(b'-');
    }
    body.extend_from_slice(prefix);
    for (i, d) in digits.iter().enumerate() {
        let remaining = digits.len() - i;
        if comma != 0 && i > 0 && remaining.is_multiple_of(group) {
            body.push(comma);
        }
        body.push(*d);
    }
    body
}

/// `mp_print_mp_int` (py/mpprint.c): an int in `base` (2, 8, 10 or 16) with sign, prefix,
/// grouping, zero padding and the `%`-format precision (`prec`, minimum digits).
#[allow(clippy::too_many_arguments)]
#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (mpprint.c mp_print_int), kept whole to read beside it"
)]
pub fn print_mp_int(
    out: &mut Vec<u8>,
    value: &BigInt,
    base: u32,
    base_char: u8,
    mut flags: u32,
    mut fill: u8,
    mut width: i32,
    mut prec: i32,
) {
    if flags & (PF_LEFT_ADJUST | PF_CENTER_ADJUST) == 0 && fill == b'0' {
        if prec > width {
            width = prec;
        }
        prec = 0;
    }
    let mut prefix: Vec<u8> = Vec::with_capacity(3);
    if value.sign() != Sign::Minus {
        if flags & PF_SHOW_SIGN != 0 {
            prefix.push(b'+');
        } else if flags & PF_SPACE_SIGN != 0 {
            prefix.push(b' ');
        }
    }
    if flags & PF_SHOW_PREFIX != 0 {
        match base {
            2 => prefix.extend_from_slice(&[b'0', base_char + b'b' - b'a']),
            8 => {
                prefix.push(b'0');
                if flags & PF_SHOW_OCTAL_LETTER != 0 {
                    prefix.push(base_char + b'o' - b'a');
                }
            }
            16 => prefix.extend_from_slice(&[b'0', base_char + b'x' - b'a']),
            _ => {}
        }
    }
    let comma = (flags >> PF_SEP_POS) as u8;
    if prec > 1 {
        flags |= PF_PAD_AFTER_SIGN;
    }
    let mut sign = None;
    let text = if flags & PF_PAD_AFTER_SIGN != 0 {
        let mut t = int_formatted(value, base, b"", base_char, comma);
        if t.first() == Some(&b'-') {
            t.remove(0);
            sign = Some(b'-');
        }
        t
    } else {
        int_formatted(value, base, &prefix, base_char, comma)
    };
    let text_len = i32::try_from(text.len()).unwrap_or(i32::MAX);
    let prefix_len = prefix.len() as i32;
    let mut spaces_before = 0;
    let mut spaces_after = 0;
    if prec > 1 {
        let mut prec_width = text_len.max(prec);
        if flags & PF_PAD_AFTER_SIGN != 0 {
            if sign.is_some() {
                prec_width += 1;
            }
            prec_width += prefix_len;
        }
        if prec_width < width {
            if flags & PF_LEFT_ADJUST != 0 {
                spaces_after = width - prec_width;
            } else {
                spaces_before = width - prec_width;
            }
        }
        fill = b'0';
        flags &= !PF_LEFT_ADJUST;
    }
    if spaces_before > 0 {
        print_strn(out, b"", 0, b' ', spaces_before);
    }
    if flags & PF_PAD_AFTER_SIGN != 0 {
        if let Some(s) = sign {
            out.push(s);
            width -= 1;
        }
        if prefix_len > 0 {
            out.extend_from_slice(&prefix);
            width -= prefix_len;
        }
    }
    if prec > 1 {
        width = prec;
    }
    print_strn(out, &text, flags, fill, width);
    if spaces_after > 0 {
        print_strn(out, b"", 0, b' ', spaces_after);
    }
}

/// `mp_print_float` (py/mpprint.c): a float with conversion `fmt` (`e E f F g G`),
/// precision `prec` (negative: default), sign flags, `PF_ALWAYS_DECIMAL` (append `.0`),
/// `PF_ADD_PERCENT` (append `%`) and `PF_PAD_AFTER_SIGN` (fill between sign and digits).
pub fn print_float(
    out: &mut Vec<u8>,
    f: f32,
    fmt: u8,
    flags: u32,
    fill: u8,
    mut width: i32,
    prec: i32,
) {
    let sign = if flags & PF_SHOW_SIGN != 0 {
        Some(b'+')
    } else if flags & PF_SPACE_SIGN != 0 {
        Some(b' ')
    } else {
        None
    };
    let mut buf = format_float_raw(f, fmt, prec, sign, 33).into_bytes();
    if flags & PF_ALWAYS_DECIMAL != 0 && !buf.iter().any(|c| matches!(c, b'.' | b'e' | b'n')) {
        buf.extend_from_slice(b".0");
    }
    if flags & PF_ADD_PERCENT != 0 {
        buf.push(b'%');
    }
    let mut body: &[u8] = &buf;
    if flags & PF_PAD_AFTER_SIGN != 0 && body.first().is_some_and(|c| *c < b'0') {
        out.push(body[0]);
        body = &body[1..];
        width -= 1;
    }
    print_strn(out, body, flags, fill, width);
}

/// Text of an int in `radix` (2..=36, lowercase), with the `0b`/`0o`/`0x` prefix when
/// `prefix` is set and the radix is 2, 8 or 16: what `bin()` (`'{:#b}'`), `oct()` (`'%#o'`)
/// and `hex()` (`'%#x'`) return (py/modbuiltins.c), e.g. `-0x10`, `0b101`, `0o100`.
/// A radix outside 2..=36 is treated as 10.
pub fn int_to_str_radix(value: &BigInt, radix: u32, prefix: bool) -> String {
    let radix = if (2..=36).contains(&radix) { radix } else { 10 };
    let pre: &[u8] = match (prefix, radix) {
        (true, 2) => b"0b",
        (true, 8) => b"0o",
        (true, 16) => b"0x",
        _ => b"",
    };
    String::from_utf8_lossy(&int_formatted(value, radix, pre, b'a', 0)).into_owned()
}

/// `int(text, base)`: [`num::parse_int`] with its error as a `ValueError`.
///
/// Errors: `ValueError("int() arg 2 must be >= 2 and <= 36")`,
/// `ValueError("invalid syntax for integer with base N")`.
pub fn parse_int(text: &str, base: u32) -> Result<BigInt, FormatError> {
    num::parse_int(text, base).map_err(value_error)
}

/// `float(text)`: [`num::parse_float`] with its error as a `ValueError`.
///
/// Error: `ValueError("invalid syntax for number")`.
pub fn parse_float(text: &str) -> Result<f32, FormatError> {
    num::parse_float(text).map_err(value_error)
}

fn value_error(e: NumError) -> FormatError {
    FormatError::new(ExcType::ValueError, e.0)
}

/// `repr()` of a `str` on the unicode build (`uni_print_quoted`, py/objstrunicode.c):
/// single quotes unless the text has a `'` and no `"`; `\\`, the quote, `\n`, `\r`, `\t`
/// escaped; other ASCII controls and DEL as `\xNN`; everything else (non-ASCII included)
/// printed as is.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `repr()` of a `bytes` (`b` + `mp_str_print_quoted` with `is_bytes`, py/objstr.c):
/// printable ASCII as is, `\\`, the quote, `\n`, `\r`, `\t` escaped, all else `\xNN`.
/// (`bytearray(...)` wraps this.)
pub fn bytes_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(char::from(quote));
    for &b in data {
        match b {
            _ if b == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(char::from(quote));
    out
}
