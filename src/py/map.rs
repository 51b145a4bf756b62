//! MicroPython's hash table (`mp_map_t` and `mp_set_t`, py/map.c) reproduced slot for slot,
//! so that iterating a dict or set (and so `print(d)`, `list(s)`, `d.popitem()`) visits
//! entries in exactly the board's order.
//!
//! The algorithm: open addressing with linear probing from `hash % alloc`; a deleted slot
//! becomes empty when the next slot is empty and a tombstone otherwise; an insert reuses the
//! first tombstone on its probe path; the table grows only when an insert finds it
//! completely full, to the next size of a fixed table (`mp_map_rehash`,
//! `get_hash_alloc_greater_or_equal_to`), re-inserting in old slot order.
//!
//! This module is generic and knows nothing about Python values: the caller supplies each
//! key's hash and an equality test. It must not use `HashMap`/`HashSet` or any
//! randomised state.
//!
//! # Hashes the caller must supply (ESP32 build)
//!
//! * `str`/`bytes`: [`crate::py::qstr::qstr_hash`] of the UTF-8 bytes (16-bit).
//! * Small int `v` (31-bit): `v as u32` (the value itself, two's complement; `-1` is
//!   `0xffff_ffff`). See [`small_int_hash`]. `True`/`False` hash as 1/0.
//! * Long int: [`long_int_hash`] (`mpz_hash`, then truncated to a small int).
//! * Float: [`float_hash`] (`(mp_int_t)x`, as `MICROPY_FLOAT_HIGH_QUALITY_HASH` is off).
//! * Tuples, `None`, functions and instances without `__hash__` hash by memory address on
//!   the board (tuples: address of the empty tuple plus the items' hashes), so their order
//!   cannot be reproduced; pick any deterministic stand-in.
//!
//! # Creation sizes matter
//!
//! `{a: 1, b: 2, c: 3}` compiles to `BUILD_MAP 3`, which allocates exactly 3 slots
//! ([`MpMap::with_alloc`]); a comprehension or `dict()` starts at 0 ([`MpMap::new`]);
//! `dict.copy()` copies the table as is ([`Clone`]); `set` literals allocate their item count.
//! Use the same sizes as the board or the order will differ.

/// `hash_allocation_sizes` in py/map.c.
const ALLOCATION_SIZES: [usize; 34] = [
    0, 2, 4, 6, 8, 10, 12, 17, 23, 29, 37, 47, 59, 73, 97, 127, 167, 223, 293, 389, 521, 691, 919,
    1223, 1627, 2161, 3229, 4831, 7243, 10861, 16273, 24407, 36607, 54907,
];

/// `get_hash_alloc_greater_or_equal_to` (py/map.c): the first table size `>= x`, or
/// `(x + x / 2) | 1` past the end of the table.
pub fn hash_alloc_at_least(x: usize) -> usize {
    ALLOCATION_SIZES
        .iter()
        .copied()
        .find(|&s| s >= x)
        .unwrap_or((x + x / 2) | 1)
}

/// The hash of a small int (`mp_unary_op(MP_UNARY_OP_HASH)` returns the int itself; the
/// map uses it as a 32-bit unsigned `mp_uint_t`).
pub fn small_int_hash(v: i32) -> u32 {
    v as u32
}

/// Sign-extends the low 31 bits: what `MP_OBJ_NEW_SMALL_INT` then `MP_OBJ_SMALL_INT_VALUE`
/// do to a hash on a 32-bit build.
fn through_small_int(h: u32) -> u32 {
    (((h << 1) as i32) >> 1) as u32
}

/// The hash of a long int: `mpz_hash` (py/mpz.c) keeps the low 32 bits of the magnitude,
/// negated for negative values, and the result is squeezed through a small int (31 bits,
/// sign-extended).
pub fn long_int_hash(v: &num_bigint::BigInt) -> u32 {
    let low = v.magnitude().iter_u32_digits().next().unwrap_or(0);
    let h = if v.sign() == num_bigint::Sign::Minus {
        low.wrapping_neg()
    } else {
        low
    };
    through_small_int(h)
}

/// The hash of a float on the ESP32: `(mp_int_t)x` (C truncation; out-of-range values,
/// `inf` and `nan` are undefined in C, here saturated like Xtensa's `trunc.s`), squeezed
/// through a small int.
pub fn float_hash(x: f32) -> u32 {
    through_small_int(x as i32 as u32)
}

/// Errors from growing a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    /// The table would exceed [`crate::limits::MAX_MAP_ALLOC`] slots (raise `MemoryError`).
    TooLarge,
}

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MapError::TooLarge => write!(f, "memory allocation failed"),
        }
    }
}

impl std::error::Error for MapError {}

/// One slot of the table.
#[derive(Debug, Clone, PartialEq)]
enum Slot<K, V> {
    /// Never used, or freed with an empty successor (`MP_OBJ_NULL`).
    Empty,
    /// Deleted (`MP_OBJ_SENTINEL`): probing continues past it.
    Tombstone,
    /// A key, its hash and its value.
    Full(u32, K, V),
}

/// Outcome of a probe.
enum Probe {
    /// The key is in this slot.
    Found(usize),
    /// Not present; an insert would go to `slot` (`None`: the table is full).
    Absent(Option<usize>),
}

/// MicroPython's `mp_map_t` (py/map.c) as a generic hash table with slot-order iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct MpMap<K, V> {
    table: Vec<Slot<K, V>>,
    used: usize,
}

impl<K, V> Default for MpMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> MpMap<K, V> {
    /// An empty map with no table (`mp_map_init(map, 0)`).
    pub fn new() -> Self {
        MpMap {
            table: Vec::new(),
            used: 0,
        }
    }

    /// An empty map with exactly `alloc` slots (`mp_map_init(map, n)`, as `BUILD_MAP n`
    /// and `mp_obj_new_dict(n)` do). Fails above [`crate::limits::MAX_MAP_ALLOC`].
    pub fn with_alloc(alloc: usize) -> Result<Self, MapError> {
        if alloc > crate::limits::MAX_MAP_ALLOC {
            return Err(MapError::TooLarge);
        }
        let mut table = Vec::with_capacity(alloc);
        table.resize_with(alloc, || Slot::Empty);
        Ok(MpMap { table, used: 0 })
    }

    /// Number of entries (`map->used`).
    pub fn len(&self) -> usize {
        self.used
    }

    /// `true` when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Number of slots (`map->alloc`).
    pub fn alloc(&self) -> usize {
        self.table.len()
    }

    /// `mp_map_clear`: drops every entry and the table (alloc becomes 0).
    pub fn clear(&mut self) {
        self.table = Vec::new();
        self.used = 0;
    }

    /// The probe loop of `mp_map_lookup`: walks from `hash % alloc`, remembering the first
    /// tombstone, until the key, an empty slot or a full cycle. `eq` is called on every
    /// occupied slot visited, like `mp_obj_equal` on the board.
    fn probe<E>(&self, hash: u32, eq: &mut impl FnMut(&K) -> Result<bool, E>) -> Result<Probe, E> {
        let alloc = self.table.len();
        if alloc == 0 {
            return Ok(Probe::Absent(None));
        }
        let start = hash as usize % alloc;
        let mut pos = start;
        let mut avail = None;
        loop {
            match &self.table[pos] {
                Slot::Empty => return Ok(Probe::Absent(Some(avail.unwrap_or(pos)))),
                Slot::Tombstone => {
                    if avail.is_none() {
                        avail = Some(pos);
                    }
                }
                Slot::Full(_, k, _) => {
                    if eq(k)? {
                        return Ok(Probe::Found(pos));
                    }
                }
            }
            pos = (pos + 1) % alloc;
            if pos == start {
                return Ok(Probe::Absent(avail));
            }
        }
    }

    /// `mp_map_rehash`: a table of the next size, entries re-inserted in old slot order.
    /// (On the board the re-insert also compares colliding keys with `mp_obj_equal`; keys
    /// are distinct, so only user `__eq__` side effects could tell.)
    fn grow(&mut self) -> Result<(), MapError> {
        let new_alloc = hash_alloc_at_least(self.table.len() + 1);
        if new_alloc > crate::limits::MAX_MAP_ALLOC {
            return Err(MapError::TooLarge);
        }
        let mut fresh: Vec<Slot<K, V>> = Vec::with_capacity(new_alloc);
        fresh.resize_with(new_alloc, || Slot::Empty);
        let old = std::mem::replace(&mut self.table, fresh);
        for slot in old {
            if let Slot::Full(h, k, v) = slot {
                let mut pos = h as usize % new_alloc;
                while !matches!(self.table[pos], Slot::Empty) {
                    pos = (pos + 1) % new_alloc;
                }
                self.table[pos] = Slot::Full(h, k, v);
            }
        }
        Ok(())
    }

    /// The slot that holds a key equal under `eq`, if any (same probe as [`MpMap::lookup`]).
    pub fn find_slot(&self, hash: u32, mut eq: impl FnMut(&K) -> bool) -> Option<usize> {
        let r = self.probe(hash, &mut |k| Ok::<bool, std::convert::Infallible>(eq(k)));
        match r.unwrap_or_else(|e| match e {}) {
            Probe::Found(pos) => Some(pos),
            Probe::Absent(_) => None,
        }
    }

    /// The key and value in slot `pos`, if it is occupied (for callers that cache a slot
    /// and re-check its key: a stale slot number is harmless).
    #[inline]
    pub fn slot(&self, pos: usize) -> Option<(&K, &V)> {
        match self.table.get(pos) {
            Some(Slot::Full(_, k, v)) => Some((k, v)),
            _ => None,
        }
    }

    /// [`MpMap::slot`], with the value mutable.
    #[inline]
    pub fn slot_mut(&mut self, pos: usize) -> Option<(&K, &mut V)> {
        match self.table.get_mut(pos) {
            Some(Slot::Full(_, k, v)) => Some((&*k, v)),
            _ => None,
        }
    }

    /// Looks a key up (`MP_MAP_LOOKUP`).
    pub fn lookup(&self, hash: u32, mut eq: impl FnMut(&K) -> bool) -> Option<&V> {
        let found = self.try_lookup(hash, |k| Ok::<bool, std::convert::Infallible>(eq(k)));
        found.unwrap_or_else(|e| match e {})
    }

    /// [`lookup`](Self::lookup) with a fallible equality (a user `__eq__` may raise).
    pub fn try_lookup<E>(
        &self,
        hash: u32,
        mut eq: impl FnMut(&K) -> Result<bool, E>,
    ) -> Result<Option<&V>, E> {
        Ok(match self.probe(hash, &mut eq)? {
            Probe::Found(pos) => match &self.table[pos] {
                Slot::Full(_, _, v) => Some(v),
                _ => None,
            },
            Probe::Absent(_) => None,
        })
    }

    /// Looks a key up for update.
    pub fn lookup_mut(&mut self, hash: u32, mut eq: impl FnMut(&K) -> bool) -> Option<&mut V> {
        let probe = self.probe(hash, &mut |k| Ok::<bool, std::convert::Infallible>(eq(k)));
        match probe.unwrap_or_else(|e| match e {}) {
            Probe::Found(pos) => match &mut self.table[pos] {
                Slot::Full(_, _, v) => Some(v),
                _ => None,
            },
            Probe::Absent(_) => None,
        }
    }

    /// Inserts or updates (`MP_MAP_LOOKUP_ADD_IF_NOT_FOUND` then storing the value). An
    /// existing key keeps its original key object (as on the board:
    /// `{True: 1}[1] = 2` leaves the key `True`) and its old value is returned.
    pub fn insert(
        &mut self,
        key: K,
        hash: u32,
        mut eq: impl FnMut(&K) -> bool,
        value: V,
    ) -> Result<Option<V>, MapError> {
        let r = self.try_insert(
            key,
            hash,
            |k| Ok::<bool, std::convert::Infallible>(eq(k)),
            value,
        );
        r.unwrap_or_else(|e| match e {})
    }

    /// [`insert`](Self::insert) with a fallible equality: `Err(e)` from `eq` leaves the map
    /// unchanged; the inner result is the capacity check.
    pub fn try_insert<E>(
        &mut self,
        key: K,
        hash: u32,
        mut eq: impl FnMut(&K) -> Result<bool, E>,
        value: V,
    ) -> Result<Result<Option<V>, MapError>, E> {
        if self.table.is_empty()
            && let Err(e) = self.grow()
        {
            return Ok(Err(e));
        }
        let pos = match self.probe(hash, &mut eq)? {
            Probe::Found(pos) => {
                if let Slot::Full(_, _, v) = &mut self.table[pos] {
                    return Ok(Ok(Some(std::mem::replace(v, value))));
                }
                // `probe` reports only occupied slots as found; this is never reached.
                pos
            }
            Probe::Absent(Some(pos)) => pos,
            Probe::Absent(None) => {
                // Completely full: grow, then take the first empty slot from the hash
                // (the new table has no tombstones and cannot hold the key).
                if let Err(e) = self.grow() {
                    return Ok(Err(e));
                }
                let alloc = self.table.len();
                let mut pos = hash as usize % alloc;
                while !matches!(self.table[pos], Slot::Empty) {
                    pos = (pos + 1) % alloc;
                }
                pos
            }
        };
        self.table[pos] = Slot::Full(hash, key, value);
        self.used += 1;
        Ok(Ok(None))
    }

    /// Removes a key (`MP_MAP_LOOKUP_REMOVE_IF_FOUND`): the slot becomes empty when the
    /// next slot is empty, a tombstone otherwise. Returns the stored key and value.
    pub fn remove(&mut self, hash: u32, mut eq: impl FnMut(&K) -> bool) -> Option<(K, V)> {
        let r = self.try_remove(hash, |k| Ok::<bool, std::convert::Infallible>(eq(k)));
        r.unwrap_or_else(|e| match e {})
    }

    /// [`remove`](Self::remove) with a fallible equality.
    pub fn try_remove<E>(
        &mut self,
        hash: u32,
        mut eq: impl FnMut(&K) -> Result<bool, E>,
    ) -> Result<Option<(K, V)>, E> {
        match self.probe(hash, &mut eq)? {
            Probe::Found(pos) => Ok(self.take_slot(pos, false)),
            Probe::Absent(_) => Ok(None),
        }
    }

    /// Empties slot `pos`: a tombstone if `always_tombstone` or the next slot is occupied
    /// or a tombstone, else empty.
    fn take_slot(&mut self, pos: usize, always_tombstone: bool) -> Option<(K, V)> {
        let alloc = self.table.len();
        let next_empty = matches!(self.table[(pos + 1) % alloc], Slot::Empty);
        let mark = if !always_tombstone && next_empty {
            Slot::Empty
        } else {
            Slot::Tombstone
        };
        match std::mem::replace(&mut self.table[pos], mark) {
            Slot::Full(_, k, v) => {
                self.used -= 1;
                Some((k, v))
            }
            other => {
                self.table[pos] = other;
                None
            }
        }
    }

    /// `dict.popitem()` (`dict_popitem` in py/objdict.c): removes the entry in the first
    /// occupied slot, always leaving a tombstone.
    pub fn popitem(&mut self) -> Option<(K, V)> {
        let pos = self
            .table
            .iter()
            .position(|s| matches!(s, Slot::Full(..)))?;
        self.take_slot(pos, true)
    }

    /// The first occupied slot at or after `cursor`, as `(slot, key, value)`: the step of
    /// `dict_iter_next` (py/objdict.c). Continue with `slot + 1`.
    pub fn next_filled(&self, cursor: usize) -> Option<(usize, &K, &V)> {
        self.table
            .iter()
            .enumerate()
            .skip(cursor)
            .find_map(|(i, s)| match s {
                Slot::Full(_, k, v) => Some((i, k, v)),
                _ => None,
            })
    }

    /// Entries in slot order: the order `print(dict)`, `for k in d`, `d.items()` show.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.table.iter().filter_map(|s| match s {
            Slot::Full(_, k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// Values in slot order, for update.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.table.iter_mut().filter_map(|s| match s {
            Slot::Full(_, _, v) => Some(v),
            _ => None,
        })
    }

    /// Keys with their stored hashes, in slot order.
    pub fn iter_hashed(&self) -> impl Iterator<Item = (u32, &K, &V)> {
        self.table.iter().filter_map(|s| match s {
            Slot::Full(h, k, v) => Some((*h, k, v)),
            _ => None,
        })
    }
}

/// MicroPython's `mp_set_t` (py/map.c): the same table without values. Growth, probing,
/// deletion and order are identical to [`MpMap`]; the differences are [`MpSet::toggle`]
/// (`MP_MAP_LOOKUP_ADD_IF_NOT_FOUND_OR_REMOVE_IF_FOUND`) and [`MpSet::pop`]
/// (`mp_set_remove_first`, which may leave an empty slot where `dict.popitem` always
/// leaves a tombstone).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MpSet<K> {
    map: MpMap<K, ()>,
}

impl<K> MpSet<K> {
    /// An empty set with no table (`set()`).
    pub fn new() -> Self {
        MpSet { map: MpMap::new() }
    }

    /// An empty set with exactly `alloc` slots (`mp_set_init(set, n)`: a literal
    /// `{a, b, c}` allocates 3).
    pub fn with_alloc(alloc: usize) -> Result<Self, MapError> {
        Ok(MpSet {
            map: MpMap::with_alloc(alloc)?,
        })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of slots.
    pub fn alloc(&self) -> usize {
        self.map.alloc()
    }

    /// `mp_set_clear`.
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// The stored element equal to the probe, if any (`MP_MAP_LOOKUP`).
    pub fn lookup(&self, hash: u32, mut eq: impl FnMut(&K) -> bool) -> Option<&K> {
        let alloc = self.map.alloc();
        if alloc == 0 {
            return None;
        }
        match self
            .map
            .probe(hash, &mut |k| Ok::<bool, std::convert::Infallible>(eq(k)))
        {
            Ok(Probe::Found(pos)) => match &self.map.table[pos] {
                Slot::Full(_, k, _) => Some(k),
                _ => None,
            },
            _ => None,
        }
    }

    /// `true` if an equal element is present.
    pub fn contains(&self, hash: u32, eq: impl FnMut(&K) -> bool) -> bool {
        self.lookup(hash, eq).is_some()
    }

    /// Adds `key` unless an equal element is present (then the old one stays). Returns
    /// `true` if added.
    pub fn insert(
        &mut self,
        key: K,
        hash: u32,
        eq: impl FnMut(&K) -> bool,
    ) -> Result<bool, MapError> {
        Ok(self.map.insert(key, hash, eq, ())?.is_none())
    }

    /// Removes the element equal to the probe and returns it.
    pub fn remove(&mut self, hash: u32, eq: impl FnMut(&K) -> bool) -> Option<K> {
        self.map.remove(hash, eq).map(|(k, ())| k)
    }

    /// Removes the element if present, else adds `key` (used by
    /// `symmetric_difference_update`). Returns `true` if it was added.
    pub fn toggle(
        &mut self,
        key: K,
        hash: u32,
        mut eq: impl FnMut(&K) -> bool,
    ) -> Result<bool, MapError> {
        if self.map.remove(hash, &mut eq).is_some() {
            return Ok(false);
        }
        self.insert(key, hash, eq)
    }

    /// `set.pop()` (`mp_set_remove_first`): removes the element in the first occupied slot.
    pub fn pop(&mut self) -> Option<K> {
        let pos = self
            .map
            .table
            .iter()
            .position(|s| matches!(s, Slot::Full(..)))?;
        self.map.take_slot(pos, false).map(|(k, ())| k)
    }

    /// Elements in slot order (what `print(s)` and `for x in s` show).
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.map.iter().map(|(k, ())| k)
    }

    /// The first occupied slot at or after `cursor` (the set iterator's step).
    pub fn next_filled(&self, cursor: usize) -> Option<(usize, &K)> {
        self.map.next_filled(cursor).map(|(i, k, ())| (i, k))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::py::qstr::qstr_hash;

    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        S(String),
        I(i32),
    }

    impl Key {
        fn parse(t: &str) -> Key {
            match t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
                Some(s) => Key::S(s.to_string()),
                None => Key::I(t.parse().expect("int key")),
            }
        }
        fn hash(&self) -> u32 {
            match self {
                Key::S(s) => qstr_hash(s.as_bytes()),
                Key::I(v) => small_int_hash(*v),
            }
        }
        fn repr(&self) -> String {
            match self {
                Key::S(s) => format!("'{s}'"),
                Key::I(v) => v.to_string(),
            }
        }
    }

    fn list_repr<'a>(keys: impl Iterator<Item = &'a Key>) -> String {
        format!("[{}]", keys.map(Key::repr).collect::<Vec<_>>().join(", "))
    }

    /// Replays one recorded op sequence (see map_testdata/run_maps.py).
    fn replay(kind: &str, ops: &str) -> String {
        let mut map: MpMap<Key, i32> = MpMap::new();
        let mut set: MpSet<Key> = MpSet::new();
        let is_dict = kind == "dict";
        let add = |map: &mut MpMap<Key, i32>, set: &mut MpSet<Key>, k: Key| {
            let h = k.hash();
            if is_dict {
                let probe = k.clone();
                map.insert(k, h, |x| *x == probe, 1).unwrap();
            } else {
                let probe = k.clone();
                set.insert(k, h, |x| *x == probe).unwrap();
            }
        };
        for op in ops.split(';') {
            let (name, arg) = op.split_once(' ').unwrap_or((op, ""));
            let keys = || arg.split(',').map(Key::parse).collect::<Vec<_>>();
            match name {
                "empty" => {
                    map = MpMap::new();
                    set = MpSet::new();
                }
                "lit" => {
                    let ks = keys();
                    map = MpMap::with_alloc(ks.len()).unwrap();
                    set = MpSet::with_alloc(ks.len()).unwrap();
                    for k in ks {
                        add(&mut map, &mut set, k);
                    }
                }
                "comp" => {
                    map = MpMap::new();
                    set = MpSet::new();
                    for k in keys() {
                        add(&mut map, &mut set, k);
                    }
                }
                "add" => add(&mut map, &mut set, Key::parse(arg)),
                "del" => {
                    let k = Key::parse(arg);
                    if is_dict {
                        map.remove(k.hash(), |x| *x == k);
                    } else {
                        set.remove(k.hash(), |x| *x == k);
                    }
                }
                "pop" => {
                    if is_dict {
                        map.popitem();
                    } else {
                        set.pop();
                    }
                }
                other => panic!("unknown op {other}"),
            }
        }
        if is_dict {
            list_repr(map.iter().map(|(k, _)| k))
        } else {
            list_repr(set.iter())
        }
    }

    /// 400 random dict/set histories whose iteration order was recorded from the oracle
    /// build (31-bit small ints, 16-bit qstr hashes, as on the ESP32).
    #[test]
    fn oracle_orders() {
        let cases = include_str!("map_testdata/maps_cases.tsv");
        let expected = include_str!("map_testdata/maps_expected.tsv");
        let mut n = 0;
        for (case, want) in cases.lines().zip(expected.lines()) {
            let cols: Vec<&str> = case.split('\t').collect();
            let (id, want) = want.split_once('\t').expect("expected line");
            assert_eq!(cols[0], id);
            assert_eq!(replay(cols[1], cols[2]), want, "case {id}: {}", cols[2]);
            n += 1;
        }
        assert_eq!(n, 400);
    }

    #[test]
    fn golden_small_dicts() {
        let mut d: MpMap<Key, i32> = MpMap::with_alloc(3).unwrap();
        for name in ["pin", "level", "edge"] {
            let k = Key::S(name.into());
            d.insert(k.clone(), k.hash(), |x| *x == k, 0).unwrap();
        }
        assert_eq!(
            list_repr(d.iter().map(|(k, _)| k)),
            "['pin', 'level', 'edge']"
        );
        let mut c: MpMap<Key, i32> = MpMap::new();
        for ch in "abcdefgh".chars() {
            let k = Key::S(ch.to_string());
            c.insert(k.clone(), k.hash(), |x| *x == k, 0).unwrap();
        }
        assert_eq!(
            list_repr(c.iter().map(|(k, _)| k)),
            "['e', 'd', 'g', 'f', 'a', 'h', 'c', 'b']"
        );
        assert_eq!(c.alloc(), 8);
        let mut s: MpSet<Key> = MpSet::with_alloc(5).unwrap();
        for v in [1, 2, 3, 100, -1] {
            let k = Key::I(v);
            s.insert(k.clone(), k.hash(), |x| *x == k).unwrap();
        }
        assert_eq!(list_repr(s.iter()), "[100, 1, 2, 3, -1]");
        let mut d: MpMap<Key, i32> = MpMap::with_alloc(3).unwrap();
        for v in [1, 17, 3] {
            let k = Key::I(v);
            d.insert(k.clone(), k.hash(), |x| *x == k, 0).unwrap();
        }
        assert_eq!(list_repr(d.iter().map(|(k, _)| k)), "[3, 1, 17]");
    }

    #[test]
    fn sizes_and_hashes() {
        assert_eq!(hash_alloc_at_least(1), 2);
        assert_eq!(hash_alloc_at_least(13), 17);
        assert_eq!(hash_alloc_at_least(54907), 54907);
        assert_eq!(hash_alloc_at_least(54908), (54908 + 27454) | 1);
        assert_eq!(small_int_hash(-1), 0xffff_ffff);
        assert_eq!(long_int_hash(&num_bigint::BigInt::from(1u64 << 40)), 0);
        assert_eq!(
            long_int_hash(&num_bigint::BigInt::from((1u64 << 40) + 5)),
            5
        );
        assert_eq!(
            long_int_hash(&num_bigint::BigInt::from(-(1i64 << 31) - 1)),
            small_int_hash(-1)
        );
        assert_eq!(float_hash(2.75), 2);
        assert_eq!(float_hash(-2.75), small_int_hash(-2));
        assert_eq!(
            long_int_hash(&num_bigint::BigInt::from(3u64 << 30)),
            small_int_hash(-(1 << 30))
        );
        assert_eq!(
            MpMap::<u8, u8>::with_alloc(crate::limits::MAX_MAP_ALLOC + 1),
            Err(MapError::TooLarge)
        );
        // Oracle: list({2**40+5: 0, 7: 0, 2**33: 0, -(2**31)-1: 0})
        let keys: [i128; 4] = [(1 << 40) + 5, 7, 1 << 33, -(1 << 31) - 1];
        let mut m: MpMap<i128, ()> = MpMap::with_alloc(4).unwrap();
        for k in keys {
            let h = if (-(1 << 30)..(1 << 30)).contains(&k) {
                small_int_hash(k as i32)
            } else {
                long_int_hash(&num_bigint::BigInt::from(k))
            };
            m.insert(k, h, |x| *x == k, ()).unwrap();
        }
        let order: Vec<i128> = m.iter().map(|(k, _)| *k).collect();
        assert_eq!(order, vec![1 << 33, (1 << 40) + 5, -(1 << 31) - 1, 7]);
    }

    #[test]
    fn existing_key_is_kept() {
        let mut m: MpMap<(i32, &str), i32> = MpMap::new();
        m.insert((1, "first"), 1, |k| k.0 == 1, 10).unwrap();
        assert_eq!(m.insert((1, "second"), 1, |k| k.0 == 1, 20), Ok(Some(10)));
        assert_eq!(m.iter().next(), Some((&(1, "first"), &20)));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(i16, i32),
        Remove(i16),
        Lookup(i16),
        PopItem,
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<i16>().prop_map(|k| k % 40), any::<i32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => any::<i16>().prop_map(|k| Op::Remove(k % 40)),
            2 => any::<i16>().prop_map(|k| Op::Lookup(k % 40)),
            1 => Just(Op::PopItem),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Contents always match a BTreeMap; `len`, iteration and `next_filled` agree.
        #[test]
        fn behaves_like_a_map(ops in proptest::collection::vec(op(), 0..200), start in 0usize..12) {
            let mut m: MpMap<i16, i32> = MpMap::with_alloc(start).unwrap();
            let mut model: BTreeMap<i16, i32> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let got = m.insert(k, small_int_hash(k.into()), |x| *x == k, v).unwrap();
                        prop_assert_eq!(got, model.insert(k, v));
                    }
                    Op::Remove(k) => {
                        let got = m.remove(small_int_hash(k.into()), |x| *x == k);
                        prop_assert_eq!(got, model.remove(&k).map(|v| (k, v)));
                    }
                    Op::Lookup(k) => {
                        prop_assert_eq!(m.lookup(small_int_hash(k.into()), |x| *x == k), model.get(&k));
                    }
                    Op::PopItem => {
                        let first = m.iter().next().map(|(k, v)| (*k, *v));
                        prop_assert_eq!(m.popitem(), first);
                        if let Some((k, _)) = first {
                            model.remove(&k);
                        }
                    }
                    Op::Clear => {
                        m.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(m.len(), model.len());
                prop_assert!(m.len() <= m.alloc());
            }
            let mut seen: Vec<(i16, i32)> = m.iter().map(|(k, v)| (*k, *v)).collect();
            let mut walked = Vec::new();
            let mut cur = 0;
            while let Some((i, k, v)) = m.next_filled(cur) {
                walked.push((*k, *v));
                cur = i + 1;
            }
            prop_assert_eq!(&walked, &seen);
            seen.sort();
            prop_assert_eq!(seen, model.into_iter().collect::<Vec<_>>());
        }

        /// The set variant agrees with a BTreeSet, including toggle and pop.
        #[test]
        fn behaves_like_a_set(ops in proptest::collection::vec((0u8..4, any::<i16>()), 0..200)) {
            let mut s: MpSet<i16> = MpSet::new();
            let mut model = std::collections::BTreeSet::new();
            for (kind, k) in ops {
                let k = k % 30;
                let h = small_int_hash(k.into());
                match kind {
                    0 => prop_assert_eq!(s.insert(k, h, |x| *x == k).unwrap(), model.insert(k)),
                    1 => prop_assert_eq!(s.remove(h, |x| *x == k), model.take(&k)),
                    2 => {
                        let added = s.toggle(k, h, |x| *x == k).unwrap();
                        prop_assert_eq!(added, !model.remove(&k));
                        if added {
                            model.insert(k);
                        }
                    }
                    _ => {
                        let first = s.iter().next().copied();
                        prop_assert_eq!(s.pop(), first);
                        if let Some(k) = first {
                            model.remove(&k);
                        }
                    }
                }
                prop_assert_eq!(s.len(), model.len());
                prop_assert_eq!(s.contains(h, |x| *x == k), model.contains(&k));
            }
            let mut seen: Vec<i16> = s.iter().copied().collect();
            seen.sort();
            prop_assert_eq!(seen, model.into_iter().collect::<Vec<_>>());
        }
    }
}
