//! `set` methods and operators (py/objset.c).

use super::dict::{D_CLEAR, D_COPY};
use super::*;

/// Methods of `set`.
pub static SET_METHODS: &[&BuiltinDef] = &[
    &SET_ADD,
    &SET_REMOVE,
    &SET_DISCARD,
    &SET_POP,
    &D_CLEAR,
    &SET_UPDATE,
    &D_COPY,
    &SET_UNION,
    &SET_INTERSECTION,
    &SET_DIFFERENCE,
    &SET_ISSUBSET,
];
method!(SET_ADD, "add", |vm, _, a, _| {
    let v = arg(vm, a, 1)?;
    vm.set_add(&a[0], v)?;
    Ok(Value::None)
});
method!(SET_REMOVE, "remove", |vm, _, a, _| {
    let k = arg(vm, a, 1)?;
    let h = hash_or_err(vm, &k)?;
    if recv_dict(a).borrow_mut().remove_hashed(&k, h).is_none() {
        let c = vm.exc.key_error.clone();
        return Err(Flow::Exception(vm.new_exception(&c, vec![k])));
    }
    Ok(Value::None)
});
method!(SET_DISCARD, "discard", |vm, _, a, _| {
    let k = arg(vm, a, 1)?;
    let h = hash_or_err(vm, &k)?;
    recv_dict(a).borrow_mut().remove_hashed(&k, h);
    Ok(Value::None)
});
method!(SET_POP, "pop", |vm, _, a, _| {
    let r = recv_dict(a).borrow_mut().pop_last();
    match r {
        Some((k, _)) => Ok(k),
        None => {
            let c = vm.exc.key_error.clone();
            Err(vm.new_exc_msg(&c, "pop from an empty set"))
        }
    }
});
method!(SET_UPDATE, "update", |vm, host, a, _| {
    for src in &a[1..] {
        for it in vm.collect_iter(host, src)? {
            vm.set_add(&a[0], it)?;
        }
    }
    Ok(Value::None)
});
fn set_from(vm: &mut Vm, host: &mut dyn Host, v: &Value) -> PyResult {
    let s = Value::Set(Rc::new(RefCell::new(
        crate::py::vm::value::dict::Dict::new(),
    )));
    for it in vm.collect_iter(host, v)? {
        vm.set_add(&s, it)?;
    }
    Ok(s)
}
fn set_binop(
    vm: &mut Vm,
    host: &mut dyn Host,
    a: &[Value],
    op: crate::py::bytecode::BinaryOp,
) -> PyResult {
    let other = set_from(vm, host, &arg(vm, a, 1)?)?;
    vm.binary_op(host, op, a[0].clone(), other)
}
method!(SET_UNION, "union", |vm, host, a, _| set_binop(
    vm,
    host,
    a,
    crate::py::bytecode::BinaryOp::Or
));
method!(
    SET_INTERSECTION,
    "intersection",
    |vm, host, a, _| set_binop(vm, host, a, crate::py::bytecode::BinaryOp::And)
);
method!(SET_DIFFERENCE, "difference", |vm, host, a, _| set_binop(
    vm,
    host,
    a,
    crate::py::bytecode::BinaryOp::Subtract
));
method!(SET_ISSUBSET, "issubset", |vm, host, a, _| {
    let other = set_from(vm, host, &arg(vm, a, 1)?)?;
    let (Value::Set(x), Value::Set(y)) = (&a[0], &other) else {
        unreachable!("sets")
    };
    let ok = x
        .borrow()
        .iter()
        .all(|(k, _)| y.borrow().get_hashed(k, key_hash(k).unwrap_or(0)).is_some());
    Ok(Value::Bool(ok))
});

impl Vm {
    pub(crate) fn set_op(&mut self, op: BinaryOp, a: &Value, b: &Value) -> PyResult {
        let (Value::Set(x), Value::Set(y)) = (a, b) else {
            unreachable!("set_op on sets")
        };
        let mut out = Dict::new();
        let x = x.borrow();
        let y = y.borrow();
        let in_y = |k: &Value| y.get_hashed(k, key_hash(k).unwrap_or(0)).is_some();
        let in_x = |k: &Value| x.get_hashed(k, key_hash(k).unwrap_or(0)).is_some();
        for (k, _) in x.iter() {
            let keep = match op {
                BinaryOp::Or => true,
                BinaryOp::And => in_y(k),
                BinaryOp::Subtract | BinaryOp::Xor => !in_y(k),
                _ => false,
            };
            if keep {
                out.insert_hashed(k.clone(), key_hash(k).unwrap_or(0), Value::None);
            }
        }
        if matches!(op, BinaryOp::Or | BinaryOp::Xor) {
            for (k, _) in y.iter() {
                if op == BinaryOp::Or || !in_x(k) {
                    out.insert_hashed(k.clone(), key_hash(k).unwrap_or(0), Value::None);
                }
            }
        }
        drop((x, y));
        self.heap_alloc(16 + 8 * out.len())?;
        Ok(Value::Set(Rc::new(RefCell::new(out))))
    }
}
