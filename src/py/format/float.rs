//! Single-precision float ⇄ text, bit for bit as MicroPython's ESP32 build does it.
//!
//! The ESP32 port uses `MICROPY_FLOAT_IMPL_FLOAT` with `MICROPY_FLOAT_FORMAT_IMPL_APPROX`:
//! every intermediate step is an `f32` operation, the decimal scaling is done by poking the
//! binary exponent and multiplying by `powf(5, n)`, and the printer searches for a mantissa
//! that reads back (through the same inexact parser) as the original value. This module
//! redoes those exact steps in Rust, so quirks such as `float('1e129')` being `nan` come out
//! the same. It must not use Rust's own float formatting or parsing for anything visible.

use crate::py::num::{decimal_exp, parse_float_prefix};

/// Precision value that selects the `repr` behaviour (`MP_FLOAT_REPR_PREC` in formatfloat.h).
pub const REPR_PREC: i32 = 99;

/// Most decimal digits a single-precision mantissa is ever printed with.
const MAX_MANTISSA_DIGITS: i32 = 9;
/// Digits that are always correct; the printer tries this many first.
const SAFE_MANTISSA_DIGITS: i32 = 6;
/// Room needed for the shortest exponent suffix (`+9e+99`).
const FPMIN_BUF_SIZE: i32 = 6;

const MODE_E: u8 = 0x01;
const MODE_G: u8 = 0x02;
const MODE_F: u8 = 0x04;
const UPPER_CASE: u8 = 0x20;

/// Builds the text of a decimal mantissa (`mp_format_mantissa` in py/formatfloat.c).
///
/// `out` keeps its first `start` bytes (a leading-zero prefix) and receives the rest.
#[allow(clippy::too_many_arguments)]
#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (formatfloat.c), kept whole to read beside it"
)]
fn format_mantissa(
    out: &mut Vec<u8>,
    start: usize,
    mut mantissa: u32,
    cap: u32,
    mut num_digits: i32,
    max_exp_zeros: i32,
    mut trailing_zeros: i32,
    mut dec: i32,
    mut e: i32,
    flags: u8,
) {
    out.truncate(start);
    if mantissa != 0 && mantissa >= cap {
        if flags & MODE_F != 0 {
            num_digits += 1;
            dec += 1;
        } else {
            mantissa /= 10;
            e += 1;
        }
    }
    if flags & MODE_G != 0 && e != 0 {
        if e >= 0 {
            if e < max_exp_zeros {
                dec += e;
                if dec >= num_digits {
                    trailing_zeros = dec - (num_digits - 1);
                }
                e = 0;
            }
        } else if e >= -4 {
            let mut removed = 0;
            while e < 0 && mantissa.is_multiple_of(10) {
                mantissa /= 10;
                removed += 1;
                e += 1;
            }
            num_digits -= removed;
            push_zero_prefix(out, removed - e - 1);
            dec = 255;
            e = 0;
        }
    }
    // The digits, lowest first, with a dot after position `dec` when digits follow it.
    let mut digits = vec![b'0'; num_digits.max(0) as usize];
    for d in digits.iter_mut().rev() {
        *d = b'0' + (mantissa % 10) as u8;
        mantissa /= 10;
    }
    let mut dot = dec >= 255;
    for (i, d) in digits.iter().enumerate() {
        out.push(*d);
        if i as i32 == dec && dec + 1 < num_digits {
            out.push(b'.');
            dot = true;
        }
    }
    if trailing_zeros > 0 {
        dec -= num_digits - 1;
        while trailing_zeros > 0 {
            trailing_zeros -= 1;
            if dec == 0 {
                out.push(b'.');
                dot = true;
            }
            dec -= 1;
            out.push(b'0');
        }
    }
    if flags & MODE_G != 0 && dot {
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
        }
    }
    if (e != 0 || flags & MODE_E != 0) && flags & MODE_F == 0 {
        out.push(b'E' | (flags & UPPER_CASE));
        if e >= 0 {
            out.push(b'+');
        } else {
            out.push(b'-');
            e = -e;
        }
        if e >= 100 {
            out.push(b'0' + (e / 100) as u8);
        }
        out.push(b'0' + ((e / 10) % 10) as u8);
        out.push(b'0' + (e % 10) as u8);
    }
}

/// Appends `0.` followed by `count` zeros (`mp_prepend_zeros`).
fn push_zero_prefix(out: &mut Vec<u8>, count: i32) {
    out.push(b'0');
    out.push(b'.');
    for _ in 0..count.max(0) {
        out.push(b'0');
    }
}

/// Reads back printed digits with MicroPython's parser (used for the round-trip check).
fn reparse(text: &[u8]) -> f32 {
    parse_float_prefix(text).map_or(0.0, |(_, v)| v)
}

/// `mp_format_float` (py/formatfloat.c, APPROX variant, single precision): formats `f` with
/// conversion `fmt` (`e E f F g G`, anything else acts as `e`), precision `prec` (negative
/// means 6, [`REPR_PREC`] means `repr`), and an optional leading `sign` (`+` or space; a
/// negative value always gets `-`). `buf_size` is the C buffer size the caller passes
/// (`mp_print_float` passes 33); it limits digits exactly as on the board.
pub fn format_float_raw(
    f_entry: f32,
    fmt: u8,
    prec: i32,
    sign: Option<u8>,
    buf_size: i32,
) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(40);
    let mut f = f_entry;
    let mut buf_size = buf_size;
    let mut sign = sign;
    if f_entry.is_sign_negative() && !f_entry.is_nan() {
        f = -f;
        sign = Some(b'-');
    }
    if let Some(s) = sign {
        out.push(s);
        buf_size -= 1;
    }
    let uc = fmt & 0x20;
    if f.is_infinite() || f.is_nan() {
        let word: &[u8] = if f.is_infinite() { b"INF" } else { b"NAN" };
        out.extend(word.iter().map(|c| c ^ uc));
        return bytes_to_string(out);
    }
    let body = format_unsigned(f, fmt, prec, buf_size);
    out.extend_from_slice(&body);
    bytes_to_string(out)
}

fn bytes_to_string(bytes: Vec<u8>) -> String {
    // Only ASCII is ever produced here.
    bytes.into_iter().map(char::from).collect()
}

/// The decimal exponent `floor(log10(f))` of a finite, positive `f`, found with the same float
/// steps as `mp_format_float` (py/formatfloat.c).
fn decimal_exponent(f: f32) -> i32 {
    let expval = ((f.to_bits() >> 23) & 0xff) as i32 - 127;
    let mut e = (expval as f32 * std::f32::consts::LOG10_2) as i32;
    let positive_exp = f.to_bits() >= 0x3f80_0000;
    let up = i32::from(positive_exp);
    let mut u_base = decimal_exp(1.0, e + up);
    while (f >= u_base) == positive_exp {
        e += if positive_exp { 1 } else { -1 };
        u_base = decimal_exp(1.0, e + up);
    }
    e
}

/// How many mantissa digits to print, and how many zeros to print before (`%f` of a small
/// number) and after them (past the mantissa's precision), as `mp_format_float` plans them
/// for `flags`, precision `prec`, decimal exponent `e` and a C buffer of `buf_size` bytes.
fn digit_plan(flags: u8, prec: i32, e: i32, buf_size: i32) -> (i32, i32, i32) {
    let mut max_digits = prec;
    let mut lead_zeros = 0;
    let mut trail_zeros = 0;
    if flags & MODE_F != 0 {
        if max_digits > buf_size - 3 {
            max_digits = buf_size - 3;
        }
        if e < 0 {
            if max_digits > 2 && e < -2 {
                lead_zeros = (-e).min(max_digits) - 2;
                max_digits -= lead_zeros;
            } else {
                max_digits += 1;
            }
        } else {
            max_digits += e + 1;
        }
    } else if flags & MODE_G == 0 || max_digits == 0 {
        max_digits += 1;
    }
    if max_digits > MAX_MANTISSA_DIGITS {
        trail_zeros = max_digits - MAX_MANTISSA_DIGITS;
        max_digits = MAX_MANTISSA_DIGITS;
    }
    let overhead = if flags & MODE_F != 0 {
        3
    } else {
        FPMIN_BUF_SIZE + 1
    };
    if trail_zeros > buf_size - max_digits - overhead {
        trail_zeros = buf_size - max_digits - overhead;
    }
    (max_digits, lead_zeros, trail_zeros)
}

/// For a non-zero value: the power of ten that scales it to a `num_digits`-digit mantissa, and
/// where the decimal point goes (`dec`; 255 after a `0.000` prefix, which it appends to `out`).
fn start_digits(
    out: &mut Vec<u8>,
    flags: u8,
    num_digits: i32,
    e: i32,
    lead_zeros: i32,
) -> (i32, i32) {
    if flags & MODE_F == 0 {
        return (num_digits - e - 1, 0);
    }
    let decexp = num_digits - 1;
    if e >= 0 {
        return (decexp - e, e);
    }
    if lead_zeros > 0 {
        push_zero_prefix(out, lead_zeros);
        (decexp + lead_zeros + 1, 255)
    } else {
        (decexp, 0)
    }
}

/// The first mantissa guess for `f` scaled by `10^decexp`, and the cap `10^num_digits`
/// (wrapping as C's `uint32_t` does).
fn first_mantissa(f: f32, num_digits: i32, mut decexp: i32) -> (u32, u32) {
    let mut cap: u32 = 10;
    for _ in 1..num_digits {
        cap = cap.wrapping_mul(10);
    }
    let mut mantissa: u32 = 1;
    if num_digits > SAFE_MANTISSA_DIGITS && decexp > 1 {
        if num_digits > SAFE_MANTISSA_DIGITS + 1 && decexp > 2 {
            mantissa = 100;
            decexp -= 2;
        } else {
            mantissa = 10;
            decexp -= 1;
        }
    }
    let scaled = decimal_exp(f, decexp);
    // C's float -> unsigned conversion; saturating, as the Xtensa `utrunc.s` does.
    (cap, mantissa.wrapping_mul((scaled + 0.5) as u32))
}

/// The unsigned part of [`format_float_raw`] for a finite, non-negative `f`.
#[expect(
    clippy::too_many_lines,
    reason = "a port of one C routine (formatfloat.c), kept whole to read beside it"
)]
fn format_unsigned(f: f32, fmt: u8, prec: i32, buf_size: i32) -> Vec<u8> {
    let mut flags = fmt & 0x20;
    let lofmt = fmt | 0x20;
    if lofmt == b'f' {
        flags |= MODE_F;
    } else if lofmt == b'g' {
        flags |= MODE_G;
    } else {
        flags |= MODE_E;
    }
    let mut prec = if prec < 0 { 6 } else { prec };
    let mut max_exp_zeros = prec.min(buf_size - 3);
    if prec == REPR_PREC {
        prec = MAX_MANTISSA_DIGITS;
        max_exp_zeros = 16;
    }
    let is_zero = f.to_bits() == 0;
    let e = if is_zero { 0 } else { decimal_exponent(f) };
    if flags & MODE_F != 0 && e > 0 {
        let req_size = e + prec + 2;
        if req_size > buf_size {
            flags ^= MODE_F;
            flags |= MODE_G;
            prec += 1;
        }
    }
    let (max_digits, lead_zeros, trail_zeros) = digit_plan(flags, prec, e, buf_size);

    let mut num_digits = SAFE_MANTISSA_DIGITS.min(max_digits);
    let mut out: Vec<u8> = Vec::with_capacity(40);
    'attempt: loop {
        out.clear();
        let extra_zeros = trail_zeros + (max_digits - num_digits);
        let (decexp, dec) = if is_zero {
            (0, 0)
        } else {
            start_digits(&mut out, flags, num_digits, e, lead_zeros)
        };
        let start = out.len();
        let (cap, mut mantissa) = first_mantissa(f, num_digits, decexp);
        let fmt_m = |out: &mut Vec<u8>, m: u32| {
            format_mantissa(
                out,
                start,
                m,
                cap,
                num_digits,
                max_exp_zeros,
                extra_zeros,
                dec,
                e,
                flags,
            );
        };
        fmt_m(&mut out, mantissa);

        // Round-trip search (APPROX): nudge the mantissa until the text reads back as `f`.
        let mut diff = reparse(&out) - f;
        let mut best_diff = diff;
        let mut best_mantissa = mantissa;
        if diff.to_bits() != 0 {
            let mut err_range: u32 = 1;
            if num_digits > SAFE_MANTISSA_DIGITS {
                err_range <<= 3 * (num_digits - SAFE_MANTISSA_DIGITS);
            }
            let mut runs = 3 + 3 * (MAX_MANTISSA_DIGITS - SAFE_MANTISSA_DIGITS);
            while runs > 0 {
                runs -= 1;
                if diff.is_sign_negative() {
                    mantissa = mantissa.wrapping_add(err_range);
                } else {
                    mantissa = mantissa.wrapping_sub(err_range);
                }
                fmt_m(&mut out, mantissa);
                diff = reparse(&out) - f;
                if diff.to_bits() == 0 {
                    break;
                }
                let delta = diff.abs() - best_diff.abs();
                if delta.is_sign_negative() || (delta.to_bits() == 0 && mantissa.is_multiple_of(10))
                {
                    best_diff = diff;
                    best_mantissa = mantissa;
                }
                if err_range > 1 {
                    err_range >>= 1;
                } else {
                    if num_digits < max_digits {
                        num_digits += 1;
                        continue 'attempt;
                    }
                    if mantissa != best_mantissa {
                        fmt_m(&mut out, best_mantissa);
                    }
                    break;
                }
            }
        }
        return out;
    }
}

/// `float_print` (py/objfloat.c): the text of `repr(x)` and `str(x)` for a float on the
/// single-precision ESP32 build: `'g'` with the repr precision, plus `.0` when the result
/// has no dot, exponent or `n` (from `inf`/`nan`).
pub fn float_repr(x: f32) -> String {
    let mut s = format_float_raw(x, b'g', REPR_PREC, None, 33);
    if !s.contains(['.', 'e', 'n']) {
        s.push_str(".0");
    }
    s
}

/// Converts an int to `f32` the way `mp_obj_get_float` does on the ESP32: a small int
/// (31-bit) is converted with one rounding; a long int goes through `mpz_as_float`
/// (py/mpz.c), which accumulates 16-bit digits in `f32` arithmetic.
pub fn int_to_f32(value: &num_bigint::BigInt) -> f32 {
    use num_traits::ToPrimitive;
    if let Some(v) = value.to_i64()
        && (-(1i64 << 30)..(1i64 << 30)).contains(&v)
    {
        return v as f32;
    }
    let (sign, digits) = value.to_u32_digits();
    let mut val: f32 = 0.0;
    for word in digits.iter().rev() {
        for half in [word >> 16, word & 0xffff] {
            val = val * 65536.0 + half as f32;
        }
    }
    if sign == num_bigint::Sign::Minus {
        val = -val;
    }
    val
}
