//! The string hash of MicroPython's ESP32 build: `qstr_compute_hash` (py/qstr.c).
//!
//! Interned strings (qstrs) and ordinary `str`/`bytes` objects hash with this same function
//! (`GET_STR_HASH` in py/objstr.h falls back to it), and a dict places a string key at
//! `hash % alloc`, so this hash decides the order `print(dict)` shows. This file holds only
//! the hash; it must not grow an interning table or know about objects.

/// `MICROPY_QSTR_BYTES_IN_HASH` on the ESP32: the port sets `MICROPY_CONFIG_ROM_LEVEL` to
/// EXTRA_FEATURES and py/mpconfig.h then picks 2 bytes.
pub const QSTR_BYTES_IN_HASH: u32 = 2;

/// `qstr_compute_hash` (py/qstr.c): djb2 over the bytes (`h = (h * 33) ^ byte`, starting at
/// 5381, in `size_t` arithmetic, 32-bit on the ESP32), masked to
/// [`QSTR_BYTES_IN_HASH`] bytes, with 0 replaced by 1 (0 means "not computed").
///
/// This is also `hash(s)` for a `str` or `bytes` `s` on the board.
pub fn qstr_hash(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 5381;
    for &b in bytes {
        hash = (hash << 5).wrapping_add(hash) ^ u32::from(b);
    }
    hash &= (1u32 << (8 * QSTR_BYTES_IN_HASH)) - 1;
    if hash == 0 { 1 } else { hash }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values checked against `hash()` on the oracle build (py/makeqstrdata.py agrees).
    #[test]
    fn known_hashes() {
        for (s, h) in [
            ("", 0x1505),
            ("a", 0xb5c4),
            ("pin", 0x73f2),
            ("level", 0x4bd3),
            ("edge", 0x6ac6),
            ("__init__", 0xa55f),
        ] {
            assert_eq!(qstr_hash(s.as_bytes()), h, "{s}");
        }
    }

    #[test]
    fn never_zero() {
        // Some input must hit 0 before the fix-up; check the fix-up itself.
        let zero = (0..200_000u32).map(|i| i.to_string()).find(|s| {
            let mut h: u32 = 5381;
            for &b in s.as_bytes() {
                h = (h << 5).wrapping_add(h) ^ u32::from(b);
            }
            h & 0xffff == 0
        });
        let zero = zero.expect("some string hashes to 0");
        assert_eq!(qstr_hash(zero.as_bytes()), 1);
    }
}
