//! Argument helpers shared by builtin functions, builtin methods and the port's modules:
//! positional arguments with MicroPython's "missing argument" `TypeError`, small-int
//! extraction (`mp_obj_get_int`, py/obj.c) and keyword lookup (py/argcheck.c's role).

use num_traits::ToPrimitive;

use super::vm::value::Value;
use super::vm::{Flow, PyResult, Vm, str_text};

/// Keyword arguments as the VM passes them: (name, value) pairs in call order.
pub type Kw<'a> = &'a [(Value, Value)];

/// Positional argument `i`, or `TypeError` when missing.
pub fn arg(vm: &Vm, a: &[Value], i: usize) -> PyResult {
    match a.get(i) {
        Some(v) => Ok(v.clone()),
        None => Err(vm.type_error(&format!(
            "function missing {} required positional arguments",
            i + 1 - a.len()
        ))),
    }
}

/// Positional argument `i` as a small int.
pub fn int_arg(vm: &mut Vm, a: &[Value], i: usize) -> Result<i64, Flow> {
    match arg(vm, a, i)? {
        Value::Int(n) => Ok(n as i64),
        Value::Bool(b) => Ok(b as i64),
        Value::BigInt(n) => n.to_i64().ok_or_else(|| {
            let c = vm.exc.overflow_error.clone();
            vm.new_exc_msg(&c, "overflow converting long int to machine word")
        }),
        other => Err(vm.type_error(&format!("can't convert {} to int", vm.type_name(&other)))),
    }
}

/// The value of keyword `name`.
pub fn kw_get<'a>(kw: Kw<'a>, name: &str) -> Option<&'a Value> {
    kw.iter().find(|(k, _)| str_text(k) == name).map(|(_, v)| v)
}
