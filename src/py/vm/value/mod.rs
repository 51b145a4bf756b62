//! Python values and the objects they refer to.
//!
//! [`Value`] is a 16-byte tagged handle: immediates (None, bools, small ints, floats) inline,
//! everything else behind an `Rc`. MicroPython boxes floats on the heap (`MICROPY_OBJ_REPR_A`,
//! facts §3); here they are inline for speed, while the heap model still charges their
//! allocation, so memory pressure and GC pauses stay faithful.
//!
//! Identity (`is`, `id()`, identity hashing) uses a per-object serial number assigned at
//! creation, never a machine address, so runs are deterministic.
//!
//! This module defines data only (py/obj.h); behaviour lives in `py::obj` (one file
//! per type), `py::builtins` and the VM.

pub mod dict;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use num_bigint::BigInt;

use self::dict::Dict;
use crate::py::bytecode::CodeObject;

/// A Python value.
///
/// Invariant: `Int` holds a value in MicroPython's small-int range (−2³⁰ … 2³⁰−1 on esp32,
/// py/smallint.h); anything outside is a `BigInt`, and a `BigInt` never holds a small value.
#[derive(Clone)]
pub enum Value {
    /// MicroPython's `MP_OBJ_NULL`: an unbound local, a deleted item, a "no self" marker.
    /// Never visible to Python code.
    Null,
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// A small int (31-bit on esp32).
    Int(i32),
    /// A single-precision float.
    Float(f32),
    /// An int outside the small range (MicroPython's mpz).
    BigInt(Rc<BigInt>),
    /// An immutable string.
    Str(Rc<PyStr>),
    /// An immutable byte string.
    Bytes(Rc<Vec<u8>>),
    /// A mutable byte array.
    ByteArray(Rc<RefCell<Vec<u8>>>),
    /// An `array.array`.
    Array(Rc<RefCell<PyArray>>),
    /// A list.
    List(Rc<RefCell<Vec<Value>>>),
    /// A tuple (never mutated after creation).
    Tuple(Rc<Vec<Value>>),
    /// A dict.
    Dict(Rc<RefCell<Dict>>),
    /// A set (a dict with `None` values).
    Set(Rc<RefCell<Dict>>),
    /// A `range` object.
    Range(Rc<Range>),
    /// A `slice` object.
    Slice(Rc<Slice>),
    /// A function defined in Python (`def`, `lambda`, closures).
    Function(Rc<Function>),
    /// A function implemented in Rust (builtins and native module functions).
    Builtin(&'static BuiltinDef),
    /// A method bound to its receiver (`obj.meth` as a value).
    BoundMethod(Rc<BoundMethod>),
    /// A class: user-defined, builtin type, exception type or native type.
    Class(Rc<Class>),
    /// An instance of a user-defined class or of an exception class.
    Instance(Rc<Instance>),
    /// An instance of a native class (e.g. `machine.Pin`), whose state the host keeps.
    Native(Rc<NativeObj>),
    /// A module.
    Module(Rc<Module>),
    /// A closure cell (only ever stored in local slots and closures).
    Cell(Rc<RefCell<Value>>),
    /// A generator or coroutine.
    Generator(Rc<RefCell<Generator>>),
    /// A builtin iterator (list iterator, range iterator, zip, map, ...).
    Iterator(Rc<RefCell<PyIter>>),
    /// `staticmethod(f)`, `classmethod(f)` or `property(fget, fset)` wrappers in a class dict.
    Wrapper(Rc<Wrapper>),
}

/// An immutable string with its MicroPython hash computed once.
pub struct PyStr {
    /// The text.
    pub text: Box<str>,
    /// `qstr_compute_hash` of the UTF-8 bytes.
    pub hash: u32,
}

/// The storage of an `array.array`.
#[derive(Clone, Debug)]
pub struct PyArray {
    /// The typecode: one of `b B h H i I l L q Q f d`.
    pub typecode: u8,
    /// The items, already truncated to the typecode's range.
    pub items: ArrayItems,
}

impl PyArray {
    /// Number of items.
    pub fn items_len(&self) -> usize {
        match &self.items {
            ArrayItems::Int(v) => v.len(),
            ArrayItems::Float(v) => v.len(),
        }
    }
}

/// Typed array storage.
#[derive(Clone, Debug)]
pub enum ArrayItems {
    /// Integer typecodes, stored widened.
    Int(Vec<i64>),
    /// `f` and `d`.
    Float(Vec<f64>),
}

/// A `range(start, stop, step)`; `step != 0`.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    /// First value.
    pub start: i64,
    /// Exclusive bound.
    pub stop: i64,
    /// Increment, never zero.
    pub step: i64,
}

impl Range {
    /// True when the range produces nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of values the range produces.
    pub fn len(&self) -> i64 {
        if self.step > 0 && self.start < self.stop {
            (self.stop - self.start + self.step - 1) / self.step
        } else if self.step < 0 && self.start > self.stop {
            (self.start - self.stop - self.step - 1) / -self.step
        } else {
            0
        }
    }
}

/// A `slice(start, stop, step)`; each part may be `None`.
pub struct Slice {
    /// Start index or `None`.
    pub start: Value,
    /// Stop index or `None`.
    pub stop: Value,
    /// Step or `None`.
    pub step: Value,
}

/// A Python function: code plus the context it was created in.
pub struct Function {
    /// The compiled body.
    pub code: Rc<CodeObject>,
    /// The module globals the function sees.
    pub globals: Rc<RefCell<Dict>>,
    /// Default values of the last positional parameters.
    pub defaults: Vec<Value>,
    /// Defaults of keyword-only parameters (a dict), if any.
    pub kw_defaults: Option<Rc<RefCell<Dict>>>,
    /// Cells captured from enclosing scopes (copied into the last `n_free` local slots).
    pub closure: Vec<Value>,
    /// Interned names and per-op costs of `code`, made once so frames share them.
    pub info: Rc<super::CodeInfo>,
    /// Identity.
    pub serial: u32,
}

/// A native function's entry in a static table.
pub struct BuiltinDef {
    /// Python-visible name (for `repr` and error messages).
    pub name: &'static str,
    /// The implementation.
    pub func: NativeFn,
}

/// Signature of every native function: the VM, the host, positional and keyword arguments.
///
/// For methods, the receiver is `args[0]`.
pub type NativeFn =
    fn(&mut super::Vm, &mut dyn super::Host, &[Value], &[(Value, Value)]) -> super::PyResult;

/// `receiver.method` as a first-class value.
pub struct BoundMethod {
    /// The receiver passed as the first argument.
    pub receiver: Value,
    /// The function (Python or builtin).
    pub func: Value,
}

/// What kind of class this is; decides how instances are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassKind {
    /// A class statement in Python.
    User,
    /// A builtin type such as `int` or `list`.
    Builtin(TypeTag),
    /// A builtin exception class (user exception subclasses are `User` with an exception base).
    Exception,
    /// A class implemented by the host (`machine.Pin`).
    Native,
}

/// Builtin types that have a class object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum TypeTag {
    Object,
    Type,
    NoneType,
    Int,
    Bool,
    Float,
    Str,
    Bytes,
    ByteArray,
    Array,
    List,
    Tuple,
    Dict,
    Set,
    Range,
    Slice,
    Function,
    BoundMethod,
    Module,
    Generator,
    Iterator,
    Cell,
    StaticMethod,
    ClassMethod,
    Property,
}

/// A class object.
pub struct Class {
    /// `__name__`.
    pub name: Rc<PyStr>,
    /// Direct bases, in order.
    pub bases: Vec<Rc<Class>>,
    /// Ancestors in lookup order (depth-first, left to right, as MicroPython), the class itself
    /// excluded: lookups try the class's own dict first.
    pub mro: Vec<Rc<Class>>,
    /// Class attributes and methods.
    pub dict: RefCell<Dict>,
    /// What kind of class.
    pub kind: ClassKind,
    /// True if `BaseException` is in the MRO.
    pub is_exception: bool,
    /// Identity.
    pub serial: u32,
}

/// An instance of a user or exception class.
pub struct Instance {
    /// The class.
    pub class: Rc<Class>,
    /// Instance attributes.
    pub attrs: RefCell<Dict>,
    /// Exception state when the class is an exception class.
    pub exc: Option<RefCell<ExcState>>,
    /// Identity.
    pub serial: u32,
}

/// The state of an exception instance: its args and the traceback gathered while it propagates.
#[derive(Clone, Default)]
pub struct ExcState {
    /// `args` (a tuple value; `Value::Null` until set).
    pub args: Vec<Value>,
    /// Traceback entries, innermost first (the order MicroPython appends them).
    pub traceback: Vec<TracebackEntry>,
    /// Created with the heap locked and no emergency buffer: no traceback can be recorded
    /// (py/objexcept.c falls back to the static exception object, facts §3).
    pub no_traceback: bool,
}

/// One line of a traceback: `File "main.py", line 12, in f`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracebackEntry {
    /// Source file name.
    pub filename: Rc<str>,
    /// 1-based line.
    pub line: u32,
    /// Scope name.
    pub scope: Rc<str>,
}

/// An instance of a native class; the host keeps its state under `handle`.
pub struct NativeObj {
    /// The native class (for method lookup and `type()`).
    pub class: Rc<Class>,
    /// The host's handle (e.g. a pin number or timer slot).
    pub handle: u32,
    /// Python-visible attributes the host chose to store (e.g. the IRQ handler).
    pub attrs: RefCell<Dict>,
    /// Identity.
    pub serial: u32,
}

/// A module object.
pub struct Module {
    /// `__name__`.
    pub name: Rc<PyStr>,
    /// The module's globals.
    pub dict: Rc<RefCell<Dict>>,
}

/// A suspended generator or coroutine.
pub struct Generator {
    /// The frame, present while the generator is suspended (taken while it runs).
    pub frame: Option<Box<super::Frame>>,
    /// Lifecycle state.
    pub state: GenState,
    /// The code's name, for `repr`.
    pub name: Rc<str>,
    /// Identity.
    pub serial: u32,
    /// True for `async def` coroutines.
    pub is_coroutine: bool,
}

/// Lifecycle of a generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenState {
    /// Created, not yet started.
    Created,
    /// Suspended at a `yield`.
    Suspended,
    /// Currently executing.
    Running,
    /// Finished (returned or raised).
    Finished,
}

/// Builtin iterators.
pub enum PyIter {
    /// Over a list, by index (sees appends, as MicroPython's list iterator does).
    List(Rc<RefCell<Vec<Value>>>, usize),
    /// Over a tuple.
    Tuple(Rc<Vec<Value>>, usize),
    /// Over a range.
    Range { next: i64, stop: i64, step: i64 },
    /// Over the characters of a string (byte offset).
    Str(Rc<PyStr>, usize),
    /// Over bytes / bytearray values, as ints.
    Bytes(Vec<u8>, usize),
    /// Over a snapshot of values (dict keys/values/items, sets, arrays).
    Snapshot(Vec<Value>, usize),
    /// `enumerate(it, start)`.
    Enumerate(Value, i64),
    /// `zip(*its)`.
    Zip(Vec<Value>),
    /// `map(f, *its)`.
    Map(Value, Vec<Value>),
    /// `filter(f, it)`.
    Filter(Value, Value),
    /// An iterator that yields nothing more.
    Exhausted,
}

/// Class-dict wrappers that change how attribute lookup binds.
pub enum Wrapper {
    /// `staticmethod(f)`: no binding.
    StaticMethod(Value),
    /// `classmethod(f)`: binds the class.
    ClassMethod(Value),
    /// `property(fget, fset)`.
    Property {
        /// Getter.
        fget: Value,
        /// Setter or `None`.
        fset: Value,
    },
}

thread_local! {
    /// Serial numbers for identity; reset when a machine is created so every run numbers
    /// objects the same way.
    static NEXT_SERIAL: Cell<u32> = const { Cell::new(1) };
}

/// The next identity serial number.
pub fn next_serial() -> u32 {
    NEXT_SERIAL.with(|s| {
        let n = s.get();
        s.set(n.wrapping_add(1));
        n
    })
}

/// Restarts identity numbering (called when a new VM is created).
pub fn reset_serials() {
    NEXT_SERIAL.with(|s| s.set(1));
}

/// The small-int range (py/smallint.h), defined once in [`crate::py::num`].
pub use crate::py::num::{SMALL_INT_MAX, SMALL_INT_MIN};

impl PyStr {
    /// A new string with its hash.
    pub fn new(text: &str) -> PyStr {
        PyStr {
            text: text.into(),
            hash: crate::py::qstr::qstr_hash(text.as_bytes()),
        }
    }
}

impl fmt::Debug for PyStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl Value {
    /// The address of a shared mutable object's allocation (list, bytearray, array, dict, set,
    /// instance, class), which identifies it while it lives; `None` for other values.
    pub fn heap_addr(&self) -> Option<usize> {
        match self {
            Value::List(_)
            | Value::ByteArray(_)
            | Value::Array(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::Instance(_)
            | Value::Class(_) => self.rc_addr(),
            _ => None,
        }
    }

    /// The address of the value's heap allocation (what `id()` would tell apart), `None` for
    /// immediates (`None`, bools, small ints, floats, builtins).
    pub fn rc_addr(&self) -> Option<usize> {
        Some(match self {
            Value::BigInt(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Str(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Bytes(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::ByteArray(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Array(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::List(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Tuple(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Dict(r) | Value::Set(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Range(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Slice(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Function(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::BoundMethod(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Class(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Instance(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Native(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Module(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Cell(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Generator(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Iterator(r) => Rc::as_ptr(r) as *const u8 as usize,
            Value::Wrapper(r) => Rc::as_ptr(r) as *const u8 as usize,
            _ => return None,
        })
    }

    /// A string value.
    pub fn str(text: &str) -> Value {
        Value::Str(Rc::new(PyStr::new(text)))
    }

    /// An int value, small or big as the range requires.
    pub fn int(n: i64) -> Value {
        if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&n) {
            Value::Int(n as i32)
        } else {
            Value::BigInt(Rc::new(BigInt::from(n)))
        }
    }

    /// An int value from a big int, normalised to a small int when it fits.
    pub fn from_bigint(n: BigInt) -> Value {
        use num_traits::ToPrimitive;
        match n.to_i64() {
            Some(v) if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&v) => Value::Int(v as i32),
            _ => Value::BigInt(Rc::new(n)),
        }
    }

    /// A new list.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    /// A new tuple.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }

    /// True for `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Identity comparison (`is`): same immediate or same object.
    pub fn is(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) | (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (BigInt(a), BigInt(b)) => Rc::ptr_eq(a, b),
            (Str(a), Str(b)) => Rc::ptr_eq(a, b) || a.text == b.text && a.text.len() <= 1,
            (Bytes(a), Bytes(b)) => Rc::ptr_eq(a, b),
            (ByteArray(a), ByteArray(b)) => Rc::ptr_eq(a, b),
            (Array(a), Array(b)) => Rc::ptr_eq(a, b),
            (List(a), List(b)) => Rc::ptr_eq(a, b),
            (Tuple(a), Tuple(b)) => Rc::ptr_eq(a, b) || a.is_empty() && b.is_empty(),
            (Dict(a), Dict(b)) | (Set(a), Set(b)) => Rc::ptr_eq(a, b),
            (Range(a), Range(b)) => Rc::ptr_eq(a, b),
            (Slice(a), Slice(b)) => Rc::ptr_eq(a, b),
            (Function(a), Function(b)) => Rc::ptr_eq(a, b),
            (Builtin(a), Builtin(b)) => std::ptr::eq(*a, *b),
            (BoundMethod(a), BoundMethod(b)) => Rc::ptr_eq(a, b),
            (Class(a), Class(b)) => Rc::ptr_eq(a, b),
            (Instance(a), Instance(b)) => Rc::ptr_eq(a, b),
            (Native(a), Native(b)) => Rc::ptr_eq(a, b),
            (Module(a), Module(b)) => Rc::ptr_eq(a, b),
            (Cell(a), Cell(b)) => Rc::ptr_eq(a, b),
            (Generator(a), Generator(b)) => Rc::ptr_eq(a, b),
            (Iterator(a), Iterator(b)) => Rc::ptr_eq(a, b),
            (Wrapper(a), Wrapper(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "NULL"),
            Value::None => write!(f, "None"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x}f"),
            Value::BigInt(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "{:?}", s.text),
            _ => write!(f, "<object>"),
        }
    }
}
