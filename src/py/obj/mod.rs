//! Objects, one file per type as MicroPython's py/obj*.c: each holds that type's methods and
//! its share of the operators. The generic operator, attribute, subscript and iteration
//! dispatch (py/runtime.c, py/obj.c) has its own files here too. Every file adds inherent
//! `impl Vm` methods, so the VM's dispatch calls them without importing this module.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use super::args::{Kw, arg, int_arg, kw_get};
use super::bytecode::{BinaryOp, UnaryOp};
use super::vm::value::dict::{Dict, key_eq, key_hash};
use super::vm::value::*;
use super::vm::{AllocWhat, Flow, Host, PyResult, Resumed, Vm, str_text};

macro_rules! method {
    ($id:ident, $name:expr, $f:expr) => {
        /// A method table entry.
        pub static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

pub mod array;
pub mod bytes;
pub mod dict;
pub mod exception;
pub mod float;
pub mod generator;
pub mod int;
pub mod iter;
pub mod list;
pub mod ops;
pub mod range;
pub mod repr;
pub mod set;
pub mod slice;
pub mod str;
pub mod strfmt;
pub mod subscr;
pub mod tuple;
pub mod type_;

pub use list::list_grows_at;
pub use repr::{bytes_of, repr, to_str};

/// A number widened for arithmetic.
enum Num {
    Int(BigInt),
    Float(f64),
}

fn as_num(v: &Value) -> Option<Num> {
    Some(match v {
        Value::Bool(b) => Num::Int(BigInt::from(*b as i32)),
        Value::Int(n) => Num::Int(BigInt::from(*n)),
        Value::BigInt(n) => Num::Int((**n).clone()),
        Value::Float(x) => Num::Float(*x as f64),
        _ => return None,
    })
}

fn small(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n as i64),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

fn recv_str(a: &[Value]) -> Rc<PyStr> {
    match &a[0] {
        Value::Str(s) => s.clone(),
        _ => unreachable!("str method called on a str"),
    }
}

fn str_arg(vm: &mut Vm, a: &[Value], i: usize) -> Result<String, Flow> {
    match arg(vm, a, i)? {
        Value::Str(s) => Ok(s.text.to_string()),
        other => Err(vm.type_error(&format!(
            "can't convert '{}' object to str implicitly",
            vm.type_name(&other)
        ))),
    }
}

fn new_str(vm: &mut Vm, s: &str) -> PyResult {
    vm.heap_alloc(16 + s.len())?;
    Ok(Value::str(s))
}

fn new_list(vm: &mut Vm, items: Vec<Value>) -> PyResult {
    vm.heap_alloc(16 + 4 * items.len())?;
    Ok(Value::list(items))
}

fn seq_index(vm: &mut Vm, host: &mut dyn Host, items: &[Value], x: &Value) -> PyResult {
    for (i, it) in items.iter().enumerate() {
        if vm.eq(host, it, x)? {
            return Ok(Value::int(i as i64));
        }
    }
    Err(vm.value_error("object not in sequence"))
}
fn seq_count(vm: &mut Vm, host: &mut dyn Host, items: &[Value], x: &Value) -> PyResult {
    let mut n = 0;
    for it in items {
        if vm.eq(host, it, x)? {
            n += 1;
        }
    }
    Ok(Value::int(n))
}

fn recv_dict(a: &[Value]) -> Rc<RefCell<crate::py::vm::value::dict::Dict>> {
    match &a[0] {
        Value::Dict(d) | Value::Set(d) => d.clone(),
        _ => unreachable!("dict method called on a dict"),
    }
}

fn hash_or_err(vm: &mut Vm, k: &Value) -> Result<u32, Flow> {
    key_hash(k).ok_or_else(|| vm.type_error(&format!("unhashable type: '{}'", vm.type_name(k))))
}

/// Data attributes of builtin values (`typecode`, `real`, ...); `None` if not a data attribute.
pub fn builtin_attr(vm: &mut Vm, obj: &Value, name: &str) -> Result<Option<Value>, Flow> {
    let _ = vm;
    Ok(match (obj, name) {
        (Value::Array(a), "typecode") => {
            Some(Value::str(&(a.borrow().typecode as char).to_string()))
        }
        (Value::Range(r), "start") => Some(Value::int(r.start)),
        (Value::Range(r), "stop") => Some(Value::int(r.stop)),
        (Value::Range(r), "step") => Some(Value::int(r.step)),
        (Value::BoundMethod(_), "__self__") => None,
        _ => None,
    })
}

/// The builtin method `name` of `obj`'s type, if any.
pub fn builtin_method(vm: &mut Vm, obj: &Value, name: &str) -> Option<&'static BuiltinDef> {
    let _ = vm;
    let table: &[&BuiltinDef] = match obj {
        Value::Str(_) => self::str::STR_METHODS,
        Value::List(_) => self::list::LIST_METHODS,
        Value::Dict(_) => self::dict::DICT_METHODS,
        Value::Set(_) => self::set::SET_METHODS,
        Value::Tuple(_) => self::tuple::TUPLE_METHODS,
        Value::Bytes(_) | Value::ByteArray(_) => self::bytes::BYTES_METHODS,
        Value::Array(_) => self::array::ARRAY_METHODS,
        Value::Generator(_) => self::generator::GEN_METHODS,
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => self::int::INT_METHODS,
        _ => return None,
    };
    table.iter().copied().find(|d| d.name == name)
}

/// The method `name` of builtin type `tag`, looked up on the type itself (`str.lower`): an
/// unbound method that takes the receiver as its first argument.
pub fn builtin_type_method(tag: TypeTag, name: &str) -> Option<&'static BuiltinDef> {
    let table: &[&BuiltinDef] = match tag {
        TypeTag::Str => self::str::STR_METHODS,
        TypeTag::List => self::list::LIST_METHODS,
        TypeTag::Dict => self::dict::DICT_METHODS,
        TypeTag::Set => self::set::SET_METHODS,
        TypeTag::Tuple => self::tuple::TUPLE_METHODS,
        TypeTag::Bytes | TypeTag::ByteArray => self::bytes::BYTES_METHODS,
        TypeTag::Int => self::int::INT_METHODS,
        _ => return None,
    };
    table.iter().copied().find(|d| d.name == name)
}
