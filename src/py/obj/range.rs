//! `range` objects (py/objrange.c); their iteration is in `obj/iter.rs`.

use super::*;

/// `range(stop)`, `range(start, stop[, step])` (py/objrange.c `range_make_new`).
pub(crate) fn range_new(vm: &mut Vm, a: &[Value]) -> PyResult {
    let n = |vm: &mut Vm, i| int_arg(vm, a, i);
    let (start, stop, step) = match a.len() {
        1 => (0, n(vm, 0)?, 1),
        2 => (n(vm, 0)?, n(vm, 1)?, 1),
        3 => (n(vm, 0)?, n(vm, 1)?, n(vm, 2)?),
        _ => return Err(vm.type_error("range expected 1 to 3 arguments")),
    };
    if step == 0 {
        return Err(vm.value_error("zero step"));
    }
    vm.heap_alloc(16)?;
    Ok(Value::Range(Rc::new(crate::py::vm::value::Range {
        start,
        stop,
        step,
    })))
}
