//! Dicts and sets: a hash table keyed by Python values.
//!
//! Keys are compared with Python equality for the builtin hashable types (numbers compare
//! across int/float/bool, strings and bytes by content, tuples item by item) and by identity
//! for everything else. Hashes are MicroPython's (strings: `qstr_hash`; small ints: the value),
//! so that iteration order can follow the board's.
//!
//! FIXME: iteration is in insertion order; MicroPython's `mp_map_t` iterates in slot order
//! (py/map.c). `py::map` reproduces that table and will replace the storage here.

use num_traits::ToPrimitive;

use super::value::Value;

/// A dict from hashable values to values.
#[derive(Clone, Default)]
pub struct Dict {
    /// Entries in iteration order; removed entries are `None` until compaction.
    entries: Vec<Option<(u32, Value, Value)>>,
    /// Number of live entries.
    len: usize,
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Dict {
        Dict::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn find(&self, key: &Value, hash: u32) -> Option<usize> {
        self.entries.iter().position(|e| match e {
            Some((h, k, _)) => *h == hash && key_eq(k, key),
            None => false,
        })
    }

    /// The value for `key` (whose hash is `hash`).
    pub fn get_hashed(&self, key: &Value, hash: u32) -> Option<&Value> {
        self.find(key, hash).map(|i| &self.entries[i].as_ref().expect("found entries are live").2)
    }

    /// The value for a string key.
    pub fn get_str(&self, name: &str) -> Option<&Value> {
        let hash = super::qstr::qstr_hash(name.as_bytes());
        self.entries.iter().find_map(|e| match e {
            Some((h, Value::Str(s), v)) if *h == hash && &*s.text == name => Some(v),
            _ => None,
        })
    }

    /// Inserts or replaces; returns true when the key is new.
    pub fn insert_hashed(&mut self, key: Value, hash: u32, value: Value) -> bool {
        match self.find(&key, hash) {
            Some(i) => {
                self.entries[i].as_mut().expect("found entries are live").2 = value;
                false
            }
            None => {
                self.entries.push(Some((hash, key, value)));
                self.len += 1;
                true
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove_hashed(&mut self, key: &Value, hash: u32) -> Option<Value> {
        let i = self.find(key, hash)?;
        let (_, _, v) = self.entries[i].take().expect("found entries are live");
        self.len -= 1;
        if self.entries.len() > 8 && self.len * 2 < self.entries.len() {
            self.entries.retain(Option::is_some);
        }
        Some(v)
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.len = 0;
    }

    /// Entries in iteration order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().filter_map(|e| e.as_ref().map(|(_, k, v)| (k, v)))
    }

    /// Removes and returns the last entry (for `popitem`).
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        while let Some(e) = self.entries.pop() {
            if let Some((_, k, v)) = e {
                self.len -= 1;
                return Some((k, v));
            }
        }
        None
    }
}

/// MicroPython's hash of a builtin hashable value, or `None` if the value is unhashable
/// (lists, dicts, sets, bytearrays) — the caller raises `TypeError: unhashable type`.
pub fn key_hash(v: &Value) -> Option<u32> {
    Some(match v {
        Value::None => 0x5a5a,
        Value::Bool(b) => *b as u32,
        Value::Int(n) => *n as u32,
        Value::BigInt(n) => n.to_u64().map_or(n.bits() as u32, |x| x as u32),
        Value::Float(x) => {
            if x.fract() == 0.0 && x.abs() < 1e9 {
                *x as i64 as u32
            } else {
                x.to_bits()
            }
        }
        Value::Str(s) => s.hash,
        Value::Bytes(b) => super::qstr::qstr_hash(b),
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

/// Key equality for dict lookups (builtin equality; identity for other objects).
pub fn key_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Str(x), Str(y)) => x.text == y.text,
        (Int(x), Int(y)) => x == y,
        (Bytes(x), Bytes(y)) => x == y,
        (Tuple(x), Tuple(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| key_eq(p, q)),
        _ => match (num_f64(a), num_f64(b)) {
            (Some(x), Some(y)) => {
                if let (BigInt(p), BigInt(q)) = (a, b) { p == q } else { x == y }
            }
            _ => a.is(b),
        },
    }
}

fn num_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Int(n) => Some(*n as f64),
        Value::BigInt(n) => n.to_f64(),
        Value::Float(x) => Some(*x as f64),
        _ => None,
    }
}
