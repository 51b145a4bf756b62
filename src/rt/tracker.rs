//! Access tracking for the race analysis (on only with `--findings` / `RunConfig::track_access`).
//!
//! The VM reports each read and write of shared state ([`AccessAt`]); the tracker gives every
//! location a small number and a label (`count`, `Foo.count`, `buf[3]`, `buf`) and decides
//! whether the access needs a trace event. It records compactly: an access identical to the
//! previous one of the same location (same context, call, line and kind) with nothing else
//! recorded in the trace in between adds no information to the analysis — no other context
//! can have run — so it is skipped. A polling loop therefore costs a handful of events per
//! interrupt, not one per iteration.
//!
//! Objects are identified by address while the tracker keeps them alive (so an address is never
//! reused for another object during the run); numbers and labels are handed out in order of
//! first access, so the trace stays deterministic.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::py::value::Value;
use crate::py::vm::{AccessAt, AccessKind, str_text};
use crate::trace::{Ctx, Trace};

/// The last access recorded for a location (for skipping repeats).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Last {
    epoch: u64,
    ctx: Ctx,
    frame: u32,
    line: u32,
    kind: AccessKind,
}

/// Interned locations and the repeat filter.
#[derive(Default)]
pub struct Tracker {
    /// Global names by the address of their interned string (kept alive in `keep`).
    by_name_ptr: BTreeMap<usize, u32>,
    /// Global names by text.
    by_name: BTreeMap<String, u32>,
    /// Objects by address: their label and whole-container location.
    objects: BTreeMap<usize, Obj>,
    /// Attribute locations by (object address, name address).
    attrs: BTreeMap<(usize, usize), u32>,
    /// Element locations by (container address, key).
    items: BTreeMap<(usize, i64), u32>,
    /// Functions by code address (for `Reentered`/`AsyncioFromIrq` names).
    funcs: BTreeMap<usize, u32>,
    /// Per location, the last access recorded.
    last: Vec<Option<Last>>,
    /// Values kept alive so their addresses stay theirs.
    keep: Vec<Value>,
    /// Counts trace events other than accesses: a change means something else happened.
    pub epoch: u64,
}

struct Obj {
    label: String,
    whole: Option<u32>,
}

/// The address of a shared mutable object's allocation, if `v` is one.
fn obj_addr(v: &Value) -> Option<usize> {
    Some(match v {
        Value::List(r) => Rc::as_ptr(r) as *const u8 as usize,
        Value::ByteArray(r) => Rc::as_ptr(r) as *const u8 as usize,
        Value::Array(r) => Rc::as_ptr(r) as *const u8 as usize,
        Value::Dict(r) | Value::Set(r) => Rc::as_ptr(r) as *const u8 as usize,
        Value::Instance(r) => Rc::as_ptr(r) as *const u8 as usize,
        Value::Class(r) => Rc::as_ptr(r) as *const u8 as usize,
        _ => return None,
    })
}

/// True for values that are code or types rather than data (never raced on).
fn is_code(v: &Value) -> bool {
    matches!(
        v,
        Value::Function(_)
            | Value::Builtin(_)
            | Value::BoundMethod(_)
            | Value::Native(_)
            | Value::Class(_)
            | Value::Module(_)
    )
}

impl Tracker {
    /// The location an access goes to (interning it), or `None` for accesses the analysis
    /// ignores (code, types, immutable objects).
    pub fn locate(&mut self, trace: &mut Trace, at: AccessAt<'_>) -> Option<u32> {
        match at {
            AccessAt::Global(name, value) => {
                if is_code(value) {
                    return None;
                }
                let loc = self.global(trace, name);
                self.label_object(value, || trace.loc_label(loc).to_string());
                Some(loc)
            }
            AccessAt::Attr(obj, name, value) => {
                if !matches!(obj, Value::Instance(_) | Value::Class(_)) || is_code(value) {
                    return None;
                }
                let o = obj_addr(obj)?;
                let n = name_addr(name);
                let loc = match self.attrs.get(&(o, n)) {
                    Some(&l) => l,
                    None => {
                        let label = format!("{}.{}", self.object_label(obj), str_text(name));
                        self.keep.push(obj.clone());
                        self.keep.push(name.clone());
                        let l = self.intern(trace, label, None);
                        self.attrs.insert((o, n), l);
                        l
                    }
                };
                self.label_object(value, || trace.loc_label(loc).to_string());
                Some(loc)
            }
            AccessAt::Item(obj, key) => {
                let o = obj_addr(obj)?;
                let Some(k) = item_key(key) else {
                    return self.whole(trace, obj);
                };
                if let Some(&l) = self.items.get(&(o, k)) {
                    return Some(l);
                }
                let parent = self.whole(trace, obj)?;
                let label = format!("{}[{}]", trace.loc_label(parent), key_text(key));
                let l = self.intern(trace, label, Some(parent));
                self.items.insert((o, k), l);
                Some(l)
            }
            AccessAt::Whole(obj) => self.whole(trace, obj),
        }
    }

    /// The function location (label: its name) of a code object at `addr`.
    pub fn func(&mut self, trace: &mut Trace, addr: usize, name: &str) -> u32 {
        if let Some(&l) = self.funcs.get(&addr) {
            return l;
        }
        let l = self.intern(trace, name.to_string(), None);
        self.funcs.insert(addr, l);
        l
    }

    /// True if this access repeats the last one recorded for `loc` with nothing in between;
    /// otherwise remembers it as the last.
    pub fn is_repeat(
        &mut self,
        loc: u32,
        ctx: Ctx,
        frame: u32,
        line: u32,
        kind: AccessKind,
    ) -> bool {
        let now = Last {
            epoch: self.epoch,
            ctx,
            frame,
            line,
            kind,
        };
        let slot = &mut self.last[loc as usize];
        if *slot == Some(now) {
            return true;
        }
        *slot = Some(now);
        false
    }

    fn global(&mut self, trace: &mut Trace, name: &Value) -> u32 {
        let p = name_addr(name);
        if let Some(&l) = self.by_name_ptr.get(&p) {
            return l;
        }
        let text = str_text(name).to_string();
        let l = match self.by_name.get(&text) {
            Some(&l) => l,
            None => {
                let l = self.intern(trace, text.clone(), None);
                self.by_name.insert(text, l);
                l
            }
        };
        self.keep.push(name.clone());
        self.by_name_ptr.insert(p, l);
        l
    }

    fn whole(&mut self, trace: &mut Trace, obj: &Value) -> Option<u32> {
        let o = obj_addr(obj)?;
        if let Some(l) = self.objects.get(&o).and_then(|x| x.whole) {
            return Some(l);
        }
        let label = self.object_label(obj);
        let l = self.intern(trace, label, None);
        self.objects
            .get_mut(&o)
            .expect("object_label registers it")
            .whole = Some(l);
        Some(l)
    }

    /// The object's label: the first name it was seen under, else its type.
    fn object_label(&mut self, obj: &Value) -> String {
        let o = obj_addr(obj).expect("only objects have labels");
        if let Some(x) = self.objects.get(&o) {
            return x.label.clone();
        }
        let label = match obj {
            Value::Instance(i) => str_text_of(&i.class.name),
            Value::Class(c) => str_text_of(&c.name),
            Value::List(_) => "<list>".into(),
            Value::ByteArray(_) => "<bytearray>".into(),
            Value::Array(_) => "<array>".into(),
            _ => "<dict>".into(),
        };
        self.keep.push(obj.clone());
        self.objects.insert(
            o,
            Obj {
                label: label.clone(),
                whole: None,
            },
        );
        label
    }

    /// Names a container or instance after the variable it was first reached through.
    fn label_object(&mut self, value: &Value, label: impl FnOnce() -> String) {
        if let Some(o) = obj_addr(value)
            && !matches!(value, Value::Class(_))
            && !self.objects.contains_key(&o)
        {
            {
                self.keep.push(value.clone());
                self.objects.insert(
                    o,
                    Obj {
                        label: label(),
                        whole: None,
                    },
                );
            }
        }
    }

    fn intern(&mut self, trace: &mut Trace, label: String, parent: Option<u32>) -> u32 {
        assert!(
            trace.names.len() < u32::MAX as usize - 1,
            "more tracked locations than u32 can number"
        );
        trace.names.push(label);
        trace.name_parents.push(parent.unwrap_or(u32::MAX));
        self.last.push(None);
        (trace.names.len() - 1) as u32
    }
}

fn name_addr(name: &Value) -> usize {
    match name {
        Value::Str(s) => Rc::as_ptr(s) as *const u8 as usize,
        _ => 0,
    }
}

/// A key that identifies an element: small ints as themselves, strings by a hash.
fn item_key(key: &Value) -> Option<i64> {
    match key {
        Value::Int(n) => Some(*n as i64),
        Value::Bool(b) => Some(*b as i64),
        Value::Str(_) => {
            let mut h: i64 = 0x5bd1_e995;
            for b in str_text(key).bytes() {
                h = h.wrapping_mul(31).wrapping_add(b as i64);
            }
            Some(h | (1 << 62))
        }
        _ => None,
    }
}

fn key_text(key: &Value) -> String {
    match key {
        Value::Str(_) => format!("'{}'", str_text(key)),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => (*b as i64).to_string(),
        _ => "?".into(),
    }
}

fn str_text_of(s: &Rc<crate::py::value::PyStr>) -> String {
    str_text(&Value::Str(s.clone())).to_string()
}
