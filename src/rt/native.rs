//! Native objects of the port: classes built from `BuiltinDef` tables and instances that
//! stand for a port object by handle (a pin, a timer, an LED), as the ports define their types
//! with `MP_DEFINE_CONST_OBJ_TYPE` and a locals dict (py/obj.h). Shared by `machine`, `pyb`
//! and `pyb.Pin`.

use std::cell::RefCell;
use std::rc::Rc;

use crate::py::builtins::make_class;
use crate::py::dict::Dict;
use crate::py::value::*;

/// A native class (`ClassKind::Native`) named `name` with `methods` and integer class
/// constants `consts`, as a `MP_DEFINE_CONST_OBJ_TYPE` with its locals dict (py/obj.h).
pub(super) fn class_with(
    name: &str,
    methods: &[&'static BuiltinDef],
    consts: &[(&str, i64)],
) -> Rc<Class> {
    let mut d = Dict::new();
    for m in methods {
        d.insert_hashed(
            Value::str(m.name),
            crate::py::vm::qhash(m.name),
            Value::Builtin(m),
        );
    }
    for (k, v) in consts {
        d.insert_hashed(Value::str(k), crate::py::vm::qhash(k), Value::int(*v));
    }
    make_class(name, vec![], ClassKind::Native, d)
}

/// The handle of a native object (`u32::MAX` for anything else).
pub(super) fn handle_of(v: &Value) -> u32 {
    match v {
        Value::Native(n) => n.handle,
        _ => u32::MAX,
    }
}

/// A new instance of native `class` standing for the port object `handle`.
pub(super) fn native_obj(class: &Rc<Class>, handle: u32) -> Value {
    Value::Native(Rc::new(NativeObj {
        class: class.clone(),
        handle,
        attrs: RefCell::new(Dict::new()),
        serial: next_serial(),
    }))
}
