//! `tuple` methods (py/objtuple.c).

use super::*;

/// Methods of `tuple`.
pub static TUPLE_METHODS: &[&BuiltinDef] = &[&T_INDEX, &T_COUNT];
method!(T_INDEX, "index", |vm, host, a, _| {
    let Value::Tuple(t) = &a[0] else {
        unreachable!("tuple method")
    };
    let items = t.to_vec();
    let x = arg(vm, a, 1)?;
    seq_index(vm, host, &items, &x)
});
method!(T_COUNT, "count", |vm, host, a, _| {
    let Value::Tuple(t) = &a[0] else {
        unreachable!("tuple method")
    };
    let items = t.to_vec();
    let x = arg(vm, a, 1)?;
    seq_count(vm, host, &items, &x)
});
