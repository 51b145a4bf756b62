//! Numbers, one source per behaviour: the small-int range, number parsing (literals and
//! `int()`/`float()` text) and float floor division / modulo, shared by the compiler's
//! constant folder and the runtime.
//!
//! Models py/smallint.h (the 31-bit small-int range), py/parsenum.c and py/parsenumbase.c
//! (`mp_parse_num_integer`, `mp_parse_num_decimal`, the single-precision
//! `MICROPY_FLOAT_FORMAT_IMPL_APPROX` float parser) and py/objfloat.c
//! (`mp_obj_float_divmod`, the `//` and `%` of `mp_obj_float_binary_op`). Nothing here knows
//! about objects or the VM.

use std::sync::OnceLock;

use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};

/// Smallest small int on the esp32 (31-bit, py/smallint.h): `-2**30`.
pub const SMALL_INT_MIN: i64 = -(1 << 30);
/// Largest small int on the esp32: `2**30 - 1`.
pub const SMALL_INT_MAX: i64 = (1 << 30) - 1;

/// Whether `n` fits MicroPython's small-int range (`MP_SMALL_INT_FITS`).
pub fn fits_small_int(n: i64) -> bool {
    (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&n)
}

/// Why a number's text did not parse: always a `ValueError` with this message at run time
/// (the compiler raises it as `SyntaxError` for literals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumError(pub String);

/// Largest `n` for which `5^n` is exact in an `f32`.
const MAX_EXACT_POWER_OF_5: i32 = 10;
/// Parser mantissa limit (`MANTISSA_MAX` for a 32-bit mantissa).
const MANTISSA_MAX: u32 = 0x1999_9998;

/// `unichar_isspace` (py/unicode.c): ASCII tab, LF, VT, FF, CR and space.
pub fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Range of `n` kept in the `5^n` table; outside it `powf(5, n)` is `inf` or `0`.
const POW5_MIN: i32 = -80;
const POW5_MAX: i32 = 60;

/// Correctly rounded `powf(5, n)`.
///
/// MicroPython calls libm's `powf(5, n)` (`mp_decimal_exp` in py/parsenum.c). We assume the
/// libm result is the correctly rounded one; the table is built once with exact integers.
fn pow5(n: i32) -> f32 {
    static TABLE: OnceLock<Vec<f32>> = OnceLock::new();
    if n > POW5_MAX {
        return f32::INFINITY;
    }
    if n < POW5_MIN {
        return 0.0;
    }
    let table = TABLE.get_or_init(|| {
        (POW5_MIN..=POW5_MAX)
            .map(|k| {
                let p = BigUint::from(5u32).pow(k.unsigned_abs());
                if k >= 0 {
                    ratio_to_f32(&p, &BigUint::one())
                } else {
                    ratio_to_f32(&BigUint::one(), &p)
                }
            })
            .collect()
    });
    table[(n - POW5_MIN) as usize]
}

/// Correctly rounded (nearest, ties to even) `f32` of the positive rational `num / den`,
/// including subnormal results, overflow to `inf` and underflow to `0`.
fn ratio_to_f32(num: &BigUint, den: &BigUint) -> f32 {
    if num.is_zero() {
        return 0.0;
    }
    // Find e with 2^23 <= num / den / 2^e < 2^24.
    let mut e = num.bits() as i64 - den.bits() as i64 - 24;
    let scaled = |e: i64| -> (BigUint, BigUint) {
        if e >= 0 {
            (num.clone(), den << (e as u64))
        } else {
            (num << ((-e) as u64), den.clone())
        }
    };
    loop {
        let (n, d) = scaled(e);
        let q = &n / &d;
        if q.bits() > 24 {
            e += 1;
        } else if q.bits() < 24 {
            e -= 1;
        } else {
            break;
        }
    }
    // Subnormals have a fixed quantum of 2^-149.
    if e < -149 {
        e = -149;
    }
    let (n, d) = scaled(e);
    let q = &n / &d;
    let r = &n - &q * &d;
    let mut m: u64 = q.iter_u64_digits().next().unwrap_or(0);
    let twice = &r << 1u32;
    if twice > d || (twice == d && m & 1 == 1) {
        m += 1;
    }
    if m == 1 << 24 {
        m >>= 1;
        e += 1;
    }
    if e + 23 > 127 {
        return f32::INFINITY;
    }
    // m * 2^e is exact in both f64 and f32 at this point.
    ((m as f64) * 2f64.powi(e as i32)) as f32
}

/// `num * 10^dec_exp` the way `mp_decimal_exp` (py/parsenum.c, APPROX build) computes it:
/// add `dec_exp` to the 8-bit biased exponent field (wrapping), then multiply or divide by
/// `powf(5, |dec_exp|)`.
pub fn decimal_exp(num: f32, dec_exp: i32) -> f32 {
    if dec_exp == 0 || num == 0.0 {
        return num;
    }
    let bits = num.to_bits();
    let field = (bits >> 23) & 0xff;
    let new_field = (field as i32).wrapping_add(dec_exp) as u32 & 0xff;
    let res = f32::from_bits((bits & !(0xff << 23)) | (new_field << 23));
    if (-MAX_EXACT_POWER_OF_5..0).contains(&dec_exp) {
        res / pow5(-dec_exp)
    } else {
        res * pow5(dec_exp)
    }
}

/// Parses an unsigned decimal (`digits[.digits][e[+-]digits]`, underscores ignored) from the
/// start of `text`, as `mp_parse_float_internal` (py/parsenum.c) does.
///
/// Returns the number of bytes consumed and the value, or `None` when the text ends right
/// after the exponent marker (MicroPython's `NULL` return).
#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (parsenum.c mp_parse_num_float), kept whole to read beside it"
)]
pub fn parse_float_prefix(text: &[u8]) -> Option<(usize, f32)> {
    #[derive(PartialEq, Clone, Copy)]
    enum Part {
        Int,
        Frac,
        Exp,
    }
    fn accept(mantissa: u32, dig: u32, exp_extra: &mut i32, part: Part) -> u32 {
        if mantissa < MANTISSA_MAX {
            if part == Part::Frac {
                *exp_extra -= 1;
            }
            mantissa * 10 + dig
        } else {
            if part == Part::Int {
                *exp_extra += 1;
            }
            mantissa
        }
    }
    let mut part = Part::Int;
    let mut exp_neg = false;
    let mut mantissa: u32 = 0;
    let mut exp_val: i32 = 0;
    let mut exp_extra: i32 = 0;
    let mut zeros_int: i32 = 0;
    let mut zeros_frac: i32 = 0;
    let mut pos = 0;
    while pos < text.len() {
        let c = text[pos];
        pos += 1;
        if c.is_ascii_digit() {
            let dig = u32::from(c - b'0');
            if part == Part::Exp {
                if exp_val < (i32::MAX / 2 - 9) / 10 {
                    exp_val = 10 * exp_val + dig as i32;
                }
            } else if dig == 0 || mantissa >= MANTISSA_MAX {
                if part == Part::Int {
                    zeros_int += 1;
                } else {
                    zeros_frac += 1;
                }
            } else {
                while zeros_int > 0 {
                    mantissa = accept(mantissa, 0, &mut exp_extra, Part::Int);
                    zeros_int -= 1;
                }
                while zeros_frac > 0 {
                    mantissa = accept(mantissa, 0, &mut exp_extra, Part::Frac);
                    zeros_frac -= 1;
                }
                mantissa = accept(mantissa, dig, &mut exp_extra, part);
            }
        } else if part == Part::Int && c == b'.' {
            part = Part::Frac;
        } else if part != Part::Exp && (c | 0x20) == b'e' {
            part = Part::Exp;
            if pos < text.len() {
                if text[pos] == b'+' {
                    pos += 1;
                } else if text[pos] == b'-' {
                    pos += 1;
                    exp_neg = true;
                }
            }
            if pos == text.len() {
                return None;
            }
        } else if c == b'_' {
            continue;
        } else {
            pos -= 1;
            break;
        }
    }
    if exp_neg {
        exp_val = -exp_val;
    }
    let exp_val = exp_val.wrapping_add(exp_extra).wrapping_add(zeros_int);
    Some((pos, decimal_exp(mantissa as f32, exp_val)))
}

/// `mp_parse_num_integer` (py/parsenum.c) for `int(text, base)` on the ESP32 (31-bit small
/// ints, `MICROPY_ERROR_REPORTING_NORMAL`).
///
/// Rules: base 0 or 2..=36; leading/trailing whitespace; one sign; a `0x`/`0o`/`0b` prefix
/// (base 0 or the matching base); base 0 without a prefix is 10, except that a leading `0`
/// allows only zeros; underscores are skipped anywhere **while the value fits a small int**,
/// but once it does not, MicroPython reparses with its long-int parser, which stops at the
/// first `_` (so `int('1_000_000_000_000')` is a `ValueError` on the board).
///
/// Errors: `ValueError("int() arg 2 must be >= 2 and <= 36")`,
/// `ValueError("invalid syntax for integer with base N")` (N is 0 for the leading-zero case).
/// The compiler raises the latter as `SyntaxError` for literals.
#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (parsenum.c mp_parse_num_integer), kept whole to read beside it"
)]
pub fn parse_int(text: &str, base: u32) -> Result<BigInt, NumError> {
    let s = text.as_bytes();
    if (base != 0 && base < 2) || base > 36 {
        return Err(NumError("int() arg 2 must be >= 2 and <= 36".into()));
    }
    let mut base = base;
    let mut pos = 0;
    while pos < s.len() && is_space(s[pos]) {
        pos += 1;
    }
    let mut neg = false;
    if pos < s.len() {
        if s[pos] == b'+' {
            pos += 1;
        } else if s[pos] == b'-' {
            pos += 1;
            neg = true;
        }
    }
    pos += parse_num_base(&s[pos..], &mut base);
    let start = pos;
    let mut small: i64 = 0;
    let mut overflow = false;
    while pos < s.len() {
        let c = s[pos];
        let dig = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'_' => {
                pos += 1;
                continue;
            }
            _ if (c | 0x20).is_ascii_lowercase() => u32::from((c | 0x20) - b'a' + 10),
            _ => break,
        };
        if dig >= base {
            break;
        }
        small = small * i64::from(base) + i64::from(dig);
        if small > SMALL_INT_MAX {
            overflow = true;
            break;
        }
        pos += 1;
    }
    let value = if overflow {
        // Long-int reparse from the first digit: no underscores accepted.
        let mut end = start;
        while end < s.len() {
            let c = s[end];
            let dig = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A' + 10),
                b'a'..=b'z' => u32::from(c - b'a' + 10),
                _ => break,
            };
            if dig >= base {
                break;
            }
            end += 1;
        }
        pos = end;
        let digits = std::str::from_utf8(&s[start..end]).unwrap_or("0");
        BigInt::parse_bytes(digits.as_bytes(), base).unwrap_or_else(BigInt::zero)
    } else {
        BigInt::from(small)
    };
    let value = if neg { -value } else { value };
    let syntax = || {
        NumError(format!(
            "invalid syntax for integer with base {}",
            if base == 1 { 0 } else { base }
        ))
    };
    if pos == start {
        return Err(syntax());
    }
    while pos < s.len() && is_space(s[pos]) {
        pos += 1;
    }
    if pos != s.len() {
        return Err(syntax());
    }
    Ok(value)
}

/// `mp_parse_num_base` (py/parsenumbase.c): skips a `0x`/`0o`/`0b` prefix allowed by `base`
/// and settles `base` (0 becomes 10, or 1 for "leading zero, only zeros allowed").
fn parse_num_base(s: &[u8], base: &mut u32) -> usize {
    if s.len() >= 2 && s[0] == b'0' {
        let c = s[1] | 0x20;
        let b = *base;
        if c == b'x' && (b == 0 || b == 16) {
            *base = 16;
            return 2;
        } else if c == b'o' && (b == 0 || b == 8) {
            *base = 8;
            return 2;
        } else if c == b'b' && (b == 0 || b == 2) {
            *base = 2;
            return 2;
        }
        if b == 0 {
            *base = 1;
        }
        return 0;
    }
    if *base == 0 {
        *base = 10;
    }
    0
}

/// `mp_parse_num_decimal` (py/parsenum.c) as used by `float(text)` and by the lexer for
/// float literals (no `j` suffix here): whitespace, sign, `inf`/`infinity`/`nan` in any case,
/// or a decimal with optional fraction, exponent and underscores, converted with
/// MicroPython's own single-precision steps (see the module doc: `float('1e129')` is `nan`).
///
/// Error: `ValueError("invalid syntax for number")` (the compiler raises it as
/// `SyntaxError` for literals).
pub fn parse_float(text: &str) -> Result<f32, NumError> {
    let s = text.as_bytes();
    let bad = || NumError("invalid syntax for number".into());
    let mut pos = 0;
    while pos < s.len() && is_space(s[pos]) {
        pos += 1;
    }
    let mut neg = false;
    if pos < s.len() {
        if s[pos] == b'+' {
            pos += 1;
        } else if s[pos] == b'-' {
            pos += 1;
            neg = true;
        }
    }
    let start = pos;
    let word = |at: usize, w: &[u8]| -> bool {
        s.len() >= at + w.len()
            && s[at..at + w.len()]
                .iter()
                .zip(w)
                .all(|(a, b)| a | 0x20 == *b)
    };
    let mut value;
    if s.len() > pos + 2 && word(pos, b"inf") {
        pos += 3;
        value = f32::INFINITY;
        if s.len() > pos + 4 && word(pos, b"inity") {
            pos += 5;
        }
    } else if s.len() > pos + 2 && word(pos, b"nan") {
        pos += 3;
        value = f32::NAN;
    } else {
        let (used, v) = parse_float_prefix(&s[pos..]).ok_or_else(bad)?;
        pos += used;
        value = v;
    }
    if neg {
        value = -value;
    }
    if pos == start {
        return Err(bad());
    }
    while pos < s.len() && is_space(s[pos]) {
        pos += 1;
    }
    if pos != s.len() {
        return Err(bad());
    }
    Ok(value)
}

/// Parses an int literal as the lexer hands it over (`123`, `0x_ff`, `0o17`, `0b101`:
/// already checked for syntax), with MicroPython's literal rules (underscores anywhere).
pub fn parse_int_literal(text: &str) -> Option<BigInt> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let (digits, radix) = if let Some(rest) = lower.strip_prefix("0x") {
        (rest, 16)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (rest, 8)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (rest, 2)
    } else {
        (lower.as_str(), 10)
    };
    BigInt::parse_bytes(digits.as_bytes(), radix)
}

/// Parses a float literal (`1.5`, `1e-3`, `1_000.25`, `.5`) with the same single-precision
/// steps as `float(text)` (py/parsenum.c: the lexer calls `mp_parse_num_decimal`).
pub fn parse_float_literal(text: &str) -> f32 {
    parse_float_prefix(text.as_bytes()).map_or(0.0, |(_, v)| v)
}

/// `mp_obj_float_divmod` (py/objfloat.c): `(x // y, x % y)` for a non-zero `y`, in Python's
/// sign convention and with MicroPython's own steps (so `1.0 // 0.1` is `9.0`, as the
/// remainder `fmod(1.0, 0.1)` is just under `0.1`). The caller raises `ZeroDivisionError`
/// for `y == 0`.
pub fn float_divmod(x: f32, y: f32) -> (f32, f32) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m == 0.0 {
        m = 0.0f32.copysign(y);
    } else if (m < 0.0) != (y < 0.0) {
        m += y;
        div -= 1.0;
    }
    let floordiv = if div == 0.0 {
        0.0f32.copysign(x / y)
    } else {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    };
    (floordiv, m)
}

/// Float `x // y` (`MP_BINARY_OP_FLOOR_DIVIDE` in `mp_obj_float_binary_op`, py/objfloat.c),
/// for a non-zero `y`.
pub fn float_floordiv(x: f32, y: f32) -> f32 {
    float_divmod(x, y).0
}

/// Float `x % y` (`MP_BINARY_OP_MODULO` in `mp_obj_float_binary_op`, py/objfloat.c): the
/// result takes the sign of `y`, and a zero result is `±0.0` with the sign of `y`. For a
/// non-zero `y`.
pub fn float_mod(x: f32, y: f32) -> f32 {
    let mut m = x % y;
    if m == 0.0 {
        m = 0.0f32.copysign(y);
    } else if (m < 0.0) != (y < 0.0) {
        m += y;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    // Float literals parse to the nearest single-precision value for ordinary inputs.
    #[test]
    fn float_literals() {
        for text in [
            "1.5", "0.1", "3.14159", "1e-3", "2.5e10", "100.0", "1_000.25", ".5", "5.",
        ] {
            let expected: f32 = text.replace('_', "").parse().expect("valid float");
            assert_eq!(parse_float_literal(text), expected, "{text}");
        }
        assert_eq!(parse_float_literal("0.0"), 0.0);
    }

    // MicroPython's float floor division works from fmod: 1.0 // 0.1 is 9.0, not 10.0.
    #[test]
    fn float_floor_division() {
        assert_eq!(float_floordiv(1.0, 0.1), 9.0);
        assert_eq!(float_mod(1.0, 0.1).to_bits(), (1.0f32 % 0.1f32).to_bits());
        assert_eq!(float_floordiv(-7.0, 2.0), -4.0);
        assert_eq!(float_mod(-7.0, 2.0), 1.0);
        assert!(float_mod(2.0, -1.0).is_sign_negative());
        assert!(float_floordiv(0.0, -1.0).is_sign_negative());
    }
}
