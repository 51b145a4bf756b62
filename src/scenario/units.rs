//! Parsing of the quantities written in scenario files: durations with mandatory units
//! (`10ms`, `250us`, `1.5s`) and percentages (`25%`), exactly, in integers.
//!
//! Decimal fractions are accepted only when they land on a whole nanosecond (or a whole part
//! per million for percentages): `1.5us` is 1500 ns, `1.5ns` is an error. No floats are used.
//! These functions return plain message strings; `file.rs` attaches them to a YAML location.

use crate::time::SimDuration;

/// The units a duration may carry, with their length in nanoseconds. `µs` is accepted too.
pub const DURATION_UNITS: [(&str, u64); 5] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
];

/// Parses a duration such as `10ms`, `250us`, `2s`, `1.5s` or `100 ns` into exact nanoseconds.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(format!("`{text}`: durations cannot be negative"));
    }
    let (number, unit) = split_number(text);
    if number.is_empty() {
        return Err(format!(
            "`{text}` is not a duration; write a number and a unit, e.g. 10ms"
        ));
    }
    let unit = unit.trim_start();
    if unit.is_empty() {
        return Err(no_unit_message(text));
    }
    let Some(&(_, ns_per_unit)) = DURATION_UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!(
            "`{text}`: unknown unit `{unit}`; use ns, us, ms or s"
        ));
    };
    let ns = scale_decimal(number, ns_per_unit)
        .map_err(|why| format!("`{text}` is not a valid duration: {why} nanoseconds"))?;
    Ok(SimDuration::from_ns(ns))
}

/// The message for a number written without a unit (YAML gives us `10` as an integer).
pub fn no_unit_message(number: &str) -> String {
    format!("`{number}` has no unit; durations need one: ns, us, ms or s (e.g. {number}ms)")
}

/// Parses a percentage such as `25%` or `12.5%` into parts per million (100 % = 1_000_000).
pub fn parse_percent_ppm(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let Some(number) = text.strip_suffix('%') else {
        return Err(format!("`{text}` is not a percentage; write e.g. 25%"));
    };
    let number = number.trim_end();
    let (digits, rest) = split_number(number);
    if digits.is_empty() || !rest.is_empty() {
        return Err(format!("`{text}` is not a percentage; write e.g. 25%"));
    }
    let ppm = scale_decimal(digits, 10_000)
        .map_err(|why| format!("`{text}` is not a valid percentage: {why} parts per million"))?;
    if ppm > 1_000_000 {
        return Err(format!("`{text}` is more than 100%"));
    }
    Ok(ppm)
}

/// Splits `text` into a leading decimal number (digits, optionally `.` and digits) and the rest.
/// A leading `-` is left in the rest, so negative numbers report as "not a number".
fn split_number(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    text.split_at(end)
}

/// `number * scale` for a decimal `number` like `12` or `1.25`, exactly; `Err` says why not
/// (the caller appends the unit name).
fn scale_decimal(number: &str, scale: u64) -> Result<u64, &'static str> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let malformed = whole.is_empty() && fraction.is_empty()
        || fraction.contains('.')
        || (number.contains('.') && fraction.is_empty());
    if malformed {
        return Err("malformed number, not a whole number of");
    }
    let too_big = "too large, more than u64";
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_big)?
    };
    let mut total = whole.checked_mul(scale).ok_or(too_big)?;
    if !fraction.is_empty() {
        let digits = u32::try_from(fraction.len()).map_err(|_| too_big)?;
        let denominator = 10u128
            .checked_pow(digits)
            .ok_or("too many decimals, not a whole number of")?;
        let numerator = fraction.parse::<u128>().map_err(|_| too_big)? * u128::from(scale);
        if numerator % denominator != 0 {
            return Err("not a whole number of");
        }
        let part = u64::try_from(numerator / denominator).map_err(|_| too_big)?;
        total = total.checked_add(part).ok_or(too_big)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Durations parse exactly in every unit, fractions included.
    #[test]
    fn durations_parse_exactly() {
        let cases = [
            ("10ms", 10_000_000),
            ("250us", 250_000),
            ("250µs", 250_000),
            ("2s", 2_000_000_000),
            ("1.5s", 1_500_000_000),
            ("0.1us", 100),
            (".5ms", 500_000),
            ("100 ns", 100),
            ("0s", 0),
            (" 7ms ", 7_000_000),
        ];
        for (text, ns) in cases {
            assert_eq!(parse_duration(text), Ok(SimDuration::from_ns(ns)), "{text}");
        }
    }

    // Bad durations give a message naming the problem.
    #[test]
    fn bad_durations_are_explained() {
        let cases = [
            ("10", "has no unit"),
            ("ms", "not a duration"),
            ("-5ms", "cannot be negative"),
            ("10 min", "unknown unit `min`"),
            ("1.5ns", "not a whole number of nanoseconds"),
            ("1.2.3ms", "malformed"),
            ("5.ms", "malformed"),
            ("99999999999999999999s", "too large"),
            ("18446744073709551615s", "too large"),
        ];
        for (text, fragment) in cases {
            let message = parse_duration(text).unwrap_err();
            assert!(message.contains(fragment), "{text}: {message}");
        }
    }

    // The command line (`--until`, the TUI's jump prompt) uses this parser too: durations
    // need a unit and accept decimal fractions exactly, `µs` included.
    #[test]
    fn command_line_durations() {
        assert_eq!(parse_duration("10ms"), Ok(SimDuration::from_ms(10)));
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration::from_ms(1500)));
        assert_eq!(parse_duration("250us"), Ok(SimDuration::from_us(250)));
        assert_eq!(parse_duration("250µs"), Ok(SimDuration::from_us(250)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("x ms").is_err());
        assert!(parse_duration("soon").is_err());
    }

    // Percentages become parts per million; more than 100 % is refused.
    #[test]
    fn percentages() {
        assert_eq!(parse_percent_ppm("25%"), Ok(250_000));
        assert_eq!(parse_percent_ppm("12.5%"), Ok(125_000));
        assert_eq!(parse_percent_ppm("100%"), Ok(1_000_000));
        assert_eq!(parse_percent_ppm("0.0001%"), Ok(1));
        for (text, fragment) in [
            ("101%", "more than 100%"),
            ("50", "not a percentage"),
            ("x%", "not a percentage"),
            ("0.00001%", "whole number"),
        ] {
            let message = parse_percent_ppm(text).unwrap_err();
            assert!(message.contains(fragment), "{text}: {message}");
        }
    }
}
