//! Builtin modules, one file per module as MicroPython's py/mod*.c and extmod/mod*.c, behind
//! one registry: [`REGISTRY`] maps a module name to the function that builds its attributes.
//! The port's own modules (`machine`, `time`, `pyb`, ...) come from the runtime through
//! [`crate::py::vm::Host::import_native`], which `import` asks first.

use std::cell::RefCell;
use std::rc::Rc;

use super::args::{arg, int_arg};
use super::vm::value::dict::Dict;
use super::vm::value::*;
use super::vm::{Flow, Vm, qhash};

macro_rules! method {
    ($id:ident, $name:expr, $f:expr) => {
        /// A module function table entry.
        pub static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

pub mod array;
pub mod gc;
pub mod math;
pub mod sys;

/// Builds a module's attributes (name, value).
pub type ModuleAttrs = fn() -> Vec<(&'static str, Value)>;

/// The builtin modules that need nothing from the board, by name.
pub static REGISTRY: &[(&str, ModuleAttrs)] = &[
    ("array", array::array_module),
    ("gc", gc::gc_module),
    ("math", math::math_module),
    ("sys", sys::sys_module),
];

impl Vm {
    /// A fresh module object for builtin module `name` from [`REGISTRY`], or `None` if no
    /// such module is registered (then `import` asks the port).
    pub(crate) fn builtin_module(&self, name: &str) -> Option<Value> {
        let (_, attrs) = REGISTRY.iter().find(|(n, _)| *n == name)?;
        Some(make_module(name, attrs()))
    }
}

/// A module object with the given attributes.
pub fn make_module(name: &str, entries: Vec<(&str, Value)>) -> Value {
    let mut d = Dict::new();
    d.insert_hashed(Value::str("__name__"), qhash("__name__"), Value::str(name));
    for (k, v) in entries {
        d.insert_hashed(Value::str(k), qhash(k), v);
    }
    Value::Module(Rc::new(Module {
        name: Rc::new(PyStr::new(name)),
        dict: Rc::new(RefCell::new(d)),
    }))
}
