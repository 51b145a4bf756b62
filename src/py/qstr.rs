//! MicroPython's string hash (`qstr_compute_hash`, py/qstr.c), used for str objects and names.

/// The djb2-style hash MicroPython uses for qstrs and str objects, truncated to the
/// configured hash width (2 bytes); a hash of 0 is reserved, so it becomes 1.
pub fn qstr_hash(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 5381;
    for &b in bytes {
        hash = hash.wrapping_mul(33) ^ b as u32;
    }
    hash &= 0xffff;
    if hash == 0 { 1 } else { hash }
}
