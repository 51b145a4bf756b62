//! The heap model: MicroPython's GC heap as accounting, not storage.
//!
//! Objects live in Rust `Rc`s; this model counts the bytes MicroPython would have allocated
//! for them (rounded up to 16-byte GC blocks, py/gc.c `BYTES_PER_BLOCK` on 32-bit), so that:
//!
//! * `heap_lock()` makes any allocation fail with `MemoryError: memory allocation failed,
//!   heap is locked` (py/gc.c `gc_alloc` returns NULL while locked, facts §3);
//! * when an allocation does not fit, a collection runs first: live bytes are measured by
//!   marking everything reachable from the VM's roots ([`mark_live_bytes`]), the pause is
//!   charged in cycles proportional to the live heap, and the allocation is retried; only
//!   then is it `MemoryError` (facts §3, `gc_alloc` → `gc_collect` → retry);
//! * `gc.threshold(n)` triggers a collection after `n` bytes allocated since the last one.
//!
//! Known simplifications: floats are inline values, so a float stored long-term is not counted
//! as live at collection time (16 bytes each); fragmentation is not modelled.

use std::collections::BTreeSet;

use super::value::Value;

/// Why an allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// The heap is locked (`heap_lock`, hard IRQ handler).
    Locked,
    /// No room even after a collection.
    Full,
}

/// GC block size in bytes on 32-bit MicroPython.
pub const BYTES_PER_BLOCK: usize = 16;

/// Heap accounting.
#[derive(Clone, Debug)]
pub struct Heap {
    /// Heap size in bytes (esp32: 56 KiB initial GC heap, facts §4.1).
    pub size_bytes: usize,
    /// Bytes counted as in use (live at the last collection plus allocated since).
    pub used_bytes: usize,
    /// `gc_lock` depth; allocation fails while > 0.
    pub lock_depth: u32,
    /// `gc.threshold()`: collect after this many bytes since the last collection (None = off).
    pub threshold_bytes: Option<usize>,
    /// Bytes allocated since the last collection.
    pub since_collect_bytes: usize,
    /// Number of collections so far.
    pub n_collections: u64,
    /// Cycles a collection costs at a fixed base plus per KiB of live heap.
    pub gc_base_cycles: u64,
    /// See [`Heap::gc_base_cycles`].
    pub gc_cycles_per_kib: u64,
    /// Set when a collection is needed; the VM runs it (it owns the roots).
    pub collect_requested: bool,
    /// Live bytes measured by the last collection.
    pub live_bytes: usize,
}

impl Heap {
    /// A heap of `size_bytes`, unlocked, empty.
    pub fn new(size_bytes: usize) -> Heap {
        Heap {
            size_bytes,
            used_bytes: 0,
            lock_depth: 0,
            threshold_bytes: None,
            since_collect_bytes: 0,
            n_collections: 0,
            gc_base_cycles: 0,
            gc_cycles_per_kib: 0,
            collect_requested: false,
            live_bytes: 0,
        }
    }

    /// Rounds `bytes` up to whole GC blocks.
    pub fn block_bytes(bytes: usize) -> usize {
        bytes.div_ceil(BYTES_PER_BLOCK).max(1) * BYTES_PER_BLOCK
    }

    /// Tries to allocate without collecting. `Err(Full)` means: collect, then call
    /// [`Heap::alloc_after_collect`].
    pub fn try_alloc(&mut self, bytes: usize) -> Result<(), AllocError> {
        if self.lock_depth > 0 {
            return Err(AllocError::Locked);
        }
        let n = Heap::block_bytes(bytes);
        let over_threshold = self
            .threshold_bytes
            .is_some_and(|t| self.since_collect_bytes + n > t);
        if self.used_bytes + n > self.size_bytes || over_threshold {
            return Err(AllocError::Full);
        }
        self.used_bytes += n;
        self.since_collect_bytes += n;
        Ok(())
    }

    /// Records a collection that found `live_bytes` reachable; returns its pause in cycles.
    pub fn collected(&mut self, live_bytes: usize) -> u64 {
        self.n_collections += 1;
        self.live_bytes = live_bytes.min(self.size_bytes);
        self.used_bytes = self.live_bytes;
        self.since_collect_bytes = 0;
        self.gc_base_cycles + self.gc_cycles_per_kib * (self.live_bytes as u64).div_ceil(1024)
    }

    /// Allocation after a collection: only `Full` if it still does not fit.
    pub fn alloc_after_collect(&mut self, bytes: usize) -> Result<(), AllocError> {
        let n = Heap::block_bytes(bytes);
        if self.used_bytes + n > self.size_bytes {
            return Err(AllocError::Full);
        }
        self.used_bytes += n;
        self.since_collect_bytes += n;
        Ok(())
    }

    /// Bytes free (`gc.mem_free()`).
    pub fn free_bytes(&self) -> usize {
        self.size_bytes - self.used_bytes.min(self.size_bytes)
    }
}

/// Bytes MicroPython would use for `v` itself (not what it refers to), 32-bit layout.
fn shallow_bytes(v: &Value) -> usize {
    match v {
        Value::Null | Value::None | Value::Bool(_) | Value::Int(_) | Value::Builtin(_) => 0,
        Value::Float(_) => 0, // inline here; see the module doc
        Value::BigInt(n) => 16 + (n.bits() as usize).div_ceil(16) * 2,
        Value::Str(s) => 16 + s.text.len() + 1,
        Value::Bytes(b) => 16 + b.len(),
        Value::ByteArray(b) => 16 + b.borrow().len(),
        Value::Array(a) => 16 + a.borrow().items_len() * 4,
        Value::List(l) => 16 + 4 * l.borrow().len().max(4),
        Value::Tuple(t) => 8 + 4 * t.len(),
        Value::Dict(d) | Value::Set(d) => 16 + 8 * d.borrow().len().max(4),
        Value::Range(_) | Value::Slice(_) | Value::Cell(_) => 16,
        Value::Function(f) => 16 + 4 * f.closure.len(),
        Value::BoundMethod(_) => 16,
        Value::Class(_) | Value::Module(_) => 32,
        Value::Instance(_) | Value::Native(_) => 32,
        Value::Generator(_) => 64,
        Value::Iterator(_) => 16,
        Value::Wrapper(_) => 16,
    }
}

/// Marks everything reachable from `roots` and returns the live bytes (GC blocks).
///
/// Identity is tracked by `Rc` pointer while marking only; nothing is ordered by address,
/// so the result is deterministic.
pub fn mark_live_bytes(roots: &[Value]) -> usize {
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut todo: Vec<Value> = roots.to_vec();
    let mut total = 0usize;
    while let Some(v) = todo.pop() {
        let Some(addr) = v.rc_addr() else { continue };
        if !seen.insert(addr) {
            continue;
        }
        total += Heap::block_bytes(shallow_bytes(&v));
        children(&v, &mut todo);
    }
    total
}

fn children(v: &Value, todo: &mut Vec<Value>) {
    match v {
        Value::List(l) => todo.extend(l.borrow().iter().cloned()),
        Value::Tuple(t) => todo.extend(t.iter().cloned()),
        Value::Dict(d) | Value::Set(d) => {
            for (k, val) in d.borrow().iter() {
                todo.push(k.clone());
                todo.push(val.clone());
            }
        }
        Value::Slice(s) => todo.extend([s.start.clone(), s.stop.clone(), s.step.clone()]),
        Value::Function(f) => {
            todo.extend(f.defaults.iter().cloned());
            todo.extend(f.closure.iter().cloned());
            todo.push(Value::Dict(f.globals.clone()));
        }
        Value::BoundMethod(b) => todo.extend([b.receiver.clone(), b.func.clone()]),
        Value::Class(c) => {
            for (k, val) in c.dict.borrow().iter() {
                todo.push(k.clone());
                todo.push(val.clone());
            }
        }
        Value::Instance(i) => {
            for (k, val) in i.attrs.borrow().iter() {
                todo.push(k.clone());
                todo.push(val.clone());
            }
            if let Some(e) = &i.exc {
                todo.extend(e.borrow().args.iter().cloned());
            }
        }
        Value::Native(n) => {
            for (k, val) in n.attrs.borrow().iter() {
                todo.push(k.clone());
                todo.push(val.clone());
            }
        }
        Value::Module(m) => todo.push(Value::Dict(m.dict.clone())),
        Value::Cell(c) => todo.push(c.borrow().clone()),
        Value::Generator(g) => {
            if let Some(f) = &g.borrow().frame {
                todo.extend(f.stack.iter().cloned());
                todo.extend(f.locals.iter().cloned());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A locked heap refuses every allocation; unlocking restores it.
    #[test]
    fn locked_heap_refuses_allocation() {
        let mut h = Heap::new(1024);
        h.lock_depth = 1;
        assert_eq!(h.try_alloc(8), Err(AllocError::Locked));
        h.lock_depth = 0;
        assert_eq!(h.try_alloc(8), Ok(()));
        assert_eq!(h.used_bytes, 16);
    }

    // Garbage is reclaimed by a collection: only what the roots reach stays counted.
    #[test]
    fn collection_keeps_only_reachable_bytes() {
        let keep = Value::list(vec![Value::str("kept")]);
        let live = mark_live_bytes(std::slice::from_ref(&keep));
        assert_eq!(live, 32 + 32); // list header+items (2 blocks), str (2 blocks: 16+5)
        let mut h = Heap::new(128);
        for _ in 0..8 {
            h.try_alloc(16).expect("fits");
        }
        assert_eq!(h.try_alloc(16), Err(AllocError::Full));
        h.collected(live);
        assert_eq!(h.alloc_after_collect(16), Ok(()));
    }
}
