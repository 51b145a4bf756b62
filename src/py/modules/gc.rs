//! The `gc` module (py/modgc.c) over the heap model.

use super::*;

method!(GC_COLLECT, "collect", |vm, _, _, _| {
    vm.collect_garbage();
    Ok(Value::None)
});
method!(GC_MEM_FREE, "mem_free", |vm, _, _, _| Ok(Value::int(
    vm.heap.free_bytes() as i64
)));
method!(GC_MEM_ALLOC, "mem_alloc", |vm, _, _, _| Ok(Value::int(
    vm.heap.used_bytes as i64
)));
method!(GC_THRESHOLD, "threshold", |vm, _, a, _| {
    if a.is_empty() {
        return Ok(Value::int(vm.heap.threshold_bytes.map_or(-1, |t| t as i64)));
    }
    let n = int_arg(vm, a, 0)?;
    vm.heap.threshold_bytes = if n < 0 { None } else { Some(n as usize) };
    Ok(Value::None)
});
method!(GC_NOOP, "enable", |_, _, _, _| Ok(Value::None));
method!(GC_DISABLE, "disable", |_, _, _, _| Ok(Value::None));

/// The `gc` module's attributes.
pub fn gc_module() -> Vec<(&'static str, Value)> {
    [
        &GC_COLLECT,
        &GC_MEM_FREE,
        &GC_MEM_ALLOC,
        &GC_THRESHOLD,
        &GC_NOOP,
        &GC_DISABLE,
    ]
    .iter()
    .map(|d| (d.name, Value::Builtin(d)))
    .collect()
}
