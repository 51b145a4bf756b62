//! Dicts and sets: a hash table keyed by Python values.
//!
//! Keys are compared with Python equality for the builtin hashable types (numbers compare
//! across int/float/bool, strings and bytes by content, tuples item by item) and by identity
//! for everything else. Hashes are MicroPython's (strings: `qstr_hash`; small ints: the value),
//! so that iteration order can follow the board's.
//!
//! FIXME: sets use the same table as dicts; MicroPython's `mp_set_t` differs slightly in
//! growth (py/map.c `mp_set_lookup`), so large sets may iterate in another order.

use crate::py::map::{MpMap, float_hash, long_int_hash, small_int_hash};

use std::cell::Cell;
use std::rc::Rc;

use super::Value;

/// A dict from hashable values to values, stored as MicroPython's `mp_map_t` so that
/// iteration (and so `print(d)`) follows the board's slot order (py/map.c, see `py::map`).
#[derive(Clone, Default)]
pub struct Dict {
    map: MpMap<Value, Value>,
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Dict {
        Dict::default()
    }

    /// An empty dict with room for `n` entries (a `{...}` literal of `n` items: `BUILD_MAP n`).
    pub fn with_alloc(n: usize) -> Dict {
        Dict {
            map: MpMap::with_alloc(n).expect("BUILD_MAP sizes are u16"),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The bytes the table would allocate to store a new `key`: 0 if the key exists or a slot
    /// is free; else the grown table (8 bytes a slot, py/map.c `mp_map_rehash`), which is the
    /// only time adding a key allocates on the board.
    pub fn growth_bytes_for(&self, key: &Value, hash: u32) -> usize {
        if self.map.len() < self.map.alloc() || self.get_hashed(key, hash).is_some() {
            return 0;
        }
        8 * crate::py::map::hash_alloc_at_least(self.map.alloc() + 1)
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The value for `key` (whose hash is `hash`).
    pub fn get_hashed(&self, key: &Value, hash: u32) -> Option<&Value> {
        self.map.lookup(hash, |k| key_eq(k, key))
    }

    /// The value for `key`, mutable (one probe to update an existing entry).
    pub fn get_mut_hashed(&mut self, key: &Value, hash: u32) -> Option<&mut Value> {
        self.map.lookup_mut(hash, |k| key_eq(k, key))
    }

    /// The value for the string key `name`, trying the cached slot `hint` first and updating
    /// it. The key in the slot is always re-checked, so a stale hint only costs the probe it
    /// would have cost anyway; the result is the same as [`Dict::get_hashed`].
    #[inline]
    pub fn get_hinted(&self, name: &Value, hash: u32, hint: &Cell<u32>) -> Option<&Value> {
        if let Some((k, v)) = self.map.slot(hint.get() as usize)
            && (same_str(k, name) || key_eq(k, name))
        {
            return Some(v);
        }
        let pos = self.map.find_slot(hash, |k| key_eq(k, name))?;
        hint.set(pos as u32);
        self.map.slot(pos).map(|(_, v)| v)
    }

    /// [`Dict::get_hinted`] for updating the value in place.
    #[inline]
    pub fn get_mut_hinted(
        &mut self,
        name: &Value,
        hash: u32,
        hint: &Cell<u32>,
    ) -> Option<&mut Value> {
        let pos = match self.map.slot(hint.get() as usize) {
            Some((k, _)) if same_str(k, name) || key_eq(k, name) => hint.get() as usize,
            _ => {
                let pos = self.map.find_slot(hash, |k| key_eq(k, name))?;
                hint.set(pos as u32);
                pos
            }
        };
        self.map.slot_mut(pos).map(|(_, v)| v)
    }

    /// The value for a string key.
    pub fn get_str(&self, name: &str) -> Option<&Value> {
        let hash = crate::py::qstr::qstr_hash(name.as_bytes());
        self.map
            .lookup(hash, |k| matches!(k, Value::Str(s) if &*s.text == name))
    }

    /// Inserts or replaces; returns true when the key is new.
    pub fn insert_hashed(&mut self, key: Value, hash: u32, value: Value) -> bool {
        let probe = key.clone();
        let old = self.map.insert(key, hash, |k| key_eq(k, &probe), value);
        let old = old.expect(
            "the heap model runs out long before a dict reaches crate::limits::MAX_MAP_ALLOC slots",
        );
        old.is_none()
    }

    /// Removes `key`, returning its value.
    pub fn remove_hashed(&mut self, key: &Value, hash: u32) -> Option<Value> {
        self.map.remove(hash, |k| key_eq(k, key)).map(|(_, v)| v)
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// Entries in the board's iteration (slot) order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.map.iter()
    }

    /// Removes and returns an entry as `dict.popitem()` does.
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        self.map.popitem()
    }
}

/// MicroPython's hash of a builtin hashable value, or `None` if the value is unhashable
/// (lists, dicts, sets, bytearrays) — the caller raises `TypeError: unhashable type`.
pub fn key_hash(v: &Value) -> Option<u32> {
    Some(match v {
        Value::None => 0x5a5a,
        Value::Bool(b) => *b as u32,
        Value::Int(n) => small_int_hash(*n),
        Value::BigInt(n) => long_int_hash(n),
        Value::Float(x) => float_hash(*x),
        Value::Str(s) => s.hash,
        Value::Bytes(b) => crate::py::qstr::qstr_hash(b),
        Value::Tuple(items) => {
            let mut h: u32 = 0x345678;
            for it in items.iter() {
                h = h.wrapping_mul(1000003) ^ key_hash(it)?;
            }
            h
        }
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => return None,
        Value::Array(_) | Value::Slice(_) => return None,
        other => identity_serial(other),
    })
}

fn identity_serial(v: &Value) -> u32 {
    match v {
        Value::Function(f) => f.serial,
        Value::Class(c) => c.serial,
        Value::Instance(i) => i.serial,
        Value::Native(n) => n.serial,
        Value::Generator(g) => g.borrow().serial,
        _ => 0,
    }
}

/// The same interned string object (the common case for names in one code object).
#[inline(always)]
fn same_str(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::Str(x), Value::Str(y)) if Rc::ptr_eq(x, y))
}

/// Key equality for dict lookups (builtin equality; identity for other objects).
pub fn key_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        // Names in code are interned per code object, so the pointer test usually decides.
        (Str(x), Str(y)) => Rc::ptr_eq(x, y) || x.hash == y.hash && x.text == y.text,
        (Int(x), Int(y)) => x == y,
        (Bytes(x), Bytes(y)) => x == y,
        (Tuple(x), Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| key_eq(p, q))
        }
        _ => match (num_f64(a), num_f64(b)) {
            (Some(x), Some(y)) => {
                if let (BigInt(p), BigInt(q)) = (a, b) {
                    p == q
                } else {
                    x == y
                }
            }
            _ => a.is(b),
        },
    }
}

fn num_f64(v: &Value) -> Option<f64> {
    use num_traits::ToPrimitive;
    match v {
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Int(n) => Some(*n as f64),
        Value::BigInt(n) => n.to_f64(),
        Value::Float(x) => Some(*x as f64),
        _ => None,
    }
}
