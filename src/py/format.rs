//! Temporary number formatting (replaced by the full MicroPython formatter on merge).

use num_bigint::BigInt;

/// `repr(float)` (temporary: shortest round-trip digits).
pub fn float_repr(x: f32) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{x}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// `float(text)`.
pub fn parse_float(text: &str) -> Result<f32, String> {
    text.parse::<f32>().map_err(|_| "bad float".to_string())
}

/// `int(text, base)`.
pub fn parse_int(text: &str, base: u32) -> Result<BigInt, String> {
    BigInt::parse_bytes(text.trim().as_bytes(), if base == 0 { 10 } else { base })
        .ok_or_else(|| format!("invalid syntax for integer with base {base}: '{text}'"))
}
