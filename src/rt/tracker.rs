//! Access tracking for the race analysis (on only with `--findings` / `RunConfig::track_access`).
//!
//! The VM reports each read and write of shared state ([`AccessAt`]); the tracker gives every
//! location a small number and a label (`count`, `Foo.count`, `buf[3]`, `buf`) and decides
//! which accesses become trace events. It records compactly. An *epoch* is the stretch between
//! two trace events that are not accesses: within one, no other context can run (a context
//! switch is always recorded). Per location and activation (context + call) the race rules only
//! need the *first* access of each epoch (did this context re-read or blindly write after the
//! other context ran?) and the *last* one (was a read still open when the other context ran?).
//! So the first access is recorded at once and later ones only replace a pending "last", which
//! is written to the trace — with its own time and line — before anything else is recorded. A
//! busy loop therefore costs about two events per location per interrupt, not one per
//! iteration.
//!
//! Objects are identified by address while the tracker keeps them alive (so an address is never
//! reused for another object during the run); numbers and labels are handed out in order of
//! first access, so the trace stays deterministic.

use std::collections::BTreeMap;

use crate::py::value::Value;
use crate::py::vm::AccessKind;
use crate::py::vm::{AccessAt, str_text};
use crate::time::Clock;
use crate::trace::{Ctx, Kind, Trace};

/// Per location: who accessed it in which epoch, and the pending last access.
#[derive(Clone, Copy)]
struct State {
    epoch: u64,
    ctx: Ctx,
    frame: u32,
    pending: Option<Access>,
}

/// One access as the runtime reports it (time still in CPU cycles).
#[derive(Clone, Copy, Debug)]
pub struct Access {
    /// The location.
    pub loc: u32,
    /// Read or write.
    pub kind: AccessKind,
    /// Serial of the accessing call.
    pub frame: u32,
    /// Source line.
    pub line: u32,
    /// Index of the op in its code object (saturating at `u16::MAX`).
    pub op: u16,
    /// The CPU context.
    pub ctx: Ctx,
    /// The VM's cycle count at the access.
    pub cycles: u64,
}

/// Interned locations and the compaction state.
pub struct Tracker {
    /// Record compactly (the default); false records every access (for tests that check the
    /// compaction loses no finding).
    pub compact: bool,
    /// Global names by the address of their interned string (kept alive in `keep`).
    by_name_ptr: BTreeMap<usize, u32>,
    /// Global names by text.
    by_name: BTreeMap<String, u32>,
    /// Objects by address: their label and whole-container location.
    objects: BTreeMap<usize, Obj>,
    /// Attribute names: by the address of an interned string, and by text (each code object
    /// has its own strings, so `count` in two functions may be two addresses).
    attr_name_ptr: BTreeMap<usize, u32>,
    attr_name: BTreeMap<String, u32>,
    /// Attribute locations by (object address, attribute name number).
    attrs: BTreeMap<(usize, u32), u32>,
    /// Element locations by (container address, key).
    items: BTreeMap<(usize, i64), u32>,
    /// Functions by code address (for `Reentered`/`AsyncioFromIrq` names).
    funcs: BTreeMap<usize, u32>,
    /// Per location, its state in the current epoch.
    state: Vec<Option<State>>,
    /// Locations with a pending last access, in the order they became pending.
    dirty: Vec<u32>,
    /// Values kept alive so their addresses stay theirs.
    keep: Vec<Value>,
    /// Counts trace events other than accesses: a change means something else happened.
    pub epoch: u64,
}

impl Default for Tracker {
    fn default() -> Tracker {
        Tracker {
            compact: true,
            by_name_ptr: BTreeMap::new(),
            by_name: BTreeMap::new(),
            objects: BTreeMap::new(),
            attr_name_ptr: BTreeMap::new(),
            attr_name: BTreeMap::new(),
            attrs: BTreeMap::new(),
            items: BTreeMap::new(),
            funcs: BTreeMap::new(),
            state: Vec::new(),
            dirty: Vec::new(),
            keep: Vec::new(),
            epoch: 0,
        }
    }
}

struct Obj {
    label: String,
    whole: Option<u32>,
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
                let o = obj.heap_addr()?;
                let n = self.attr_name_id(name);
                let loc = match self.attrs.get(&(o, n)) {
                    Some(&l) => l,
                    None => {
                        let label = format!("{}.{}", self.object_label(obj), str_text(name));
                        self.keep.push(obj.clone());
                        let l = self.intern(trace, label, None);
                        self.attrs.insert((o, n), l);
                        l
                    }
                };
                self.label_object(value, || trace.loc_label(loc).to_string());
                Some(loc)
            }
            AccessAt::Item(obj, key) => {
                let o = obj.heap_addr()?;
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

    /// Records access `a` compactly (see the module doc): the first access of an activation in
    /// an epoch goes to the trace now, later ones wait as the pending last.
    #[inline]
    pub fn record(&mut self, trace: &mut Trace, clock: Clock, a: &Access) {
        if self.compact
            && let Some(Some(st)) = self.state.get_mut(a.loc as usize)
            && st.epoch == self.epoch
            && st.ctx == a.ctx
            && st.frame == a.frame
        {
            if st.pending.is_none() {
                self.dirty.push(a.loc);
            }
            st.pending = Some(*a);
            return;
        }
        self.record_first(trace, clock, a);
    }

    #[cold]
    fn record_first(&mut self, trace: &mut Trace, clock: Clock, a: &Access) {
        self.flush(trace, clock);
        self.state[a.loc as usize] = Some(State {
            epoch: self.epoch,
            ctx: a.ctx,
            frame: a.frame,
            pending: None,
        });
        push(trace, clock, *a);
    }

    /// Writes the pending last accesses to the trace, in time order. Called before any other
    /// event is recorded (and before the clock changes frequency).
    pub fn flush(&mut self, trace: &mut Trace, clock: Clock) {
        if self.dirty.is_empty() {
            return;
        }
        let mut evs: Vec<Access> = self
            .dirty
            .drain(..)
            .filter_map(|loc| self.state[loc as usize].as_mut()?.pending.take())
            .collect();
        evs.sort_by_key(|a| a.cycles);
        for a in evs {
            push(trace, clock, a);
        }
    }

    fn attr_name_id(&mut self, name: &Value) -> u32 {
        let p = name_addr(name);
        if let Some(&n) = self.attr_name_ptr.get(&p) {
            return n;
        }
        let next = self.attr_name.len() as u32;
        let n = *self
            .attr_name
            .entry(str_text(name).to_string())
            .or_insert(next);
        self.keep.push(name.clone());
        self.attr_name_ptr.insert(p, n);
        n
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
        let o = obj.heap_addr()?;
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
        let o = obj.heap_addr().expect("only objects have labels");
        if let Some(x) = self.objects.get(&o) {
            return x.label.clone();
        }
        let label = match obj {
            Value::Instance(i) => i.class.name.text.to_string(),
            Value::Class(c) => c.name.text.to_string(),
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
        if let Some(o) = value.heap_addr()
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
        self.state.push(None);
        (trace.names.len() - 1) as u32
    }
}

fn name_addr(name: &Value) -> usize {
    name.rc_addr().unwrap_or(0)
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

/// Appends access `a` to the trace (its time clamped so the trace stays ordered).
fn push(trace: &mut Trace, clock: Clock, a: Access) {
    let t = clock.time_at(a.cycles);
    let at = trace.events.last().map_or(t, |l| t.max(l.at));
    trace.push(
        at,
        a.ctx,
        a.line,
        Kind::Access {
            loc: a.loc,
            kind: a.kind,
            frame: a.frame,
            op: a.op,
        },
    );
}
