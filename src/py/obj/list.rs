//! `list` methods and `list.sort` (py/objlist.c).

use super::*;

fn recv_list(a: &[Value]) -> Rc<RefCell<Vec<Value>>> {
    match &a[0] {
        Value::List(l) => l.clone(),
        _ => unreachable!("list method called on a list"),
    }
}

/// Methods of `list`.
pub static LIST_METHODS: &[&BuiltinDef] = &[
    &L_APPEND, &L_EXTEND, &L_INSERT, &L_POP, &L_REMOVE, &L_INDEX, &L_COUNT, &L_SORT, &L_REVERSE,
    &L_CLEAR, &L_COPY,
];
method!(L_APPEND, "append", |vm, _, a, _| {
    let v = arg(vm, a, 1)?;
    vm.list_append(&a[0], v)?;
    Ok(Value::None)
});
method!(L_EXTEND, "extend", |vm, host, a, _| {
    let items = vm.collect_iter(host, &arg(vm, a, 1)?)?;
    vm.heap_alloc(4 * items.len())?;
    recv_list(a).borrow_mut().extend(items);
    Ok(Value::None)
});
method!(L_INSERT, "insert", |vm, _, a, _| {
    let l = recv_list(a);
    let i = int_arg(vm, a, 1)?;
    let v = arg(vm, a, 2)?;
    let len = l.borrow().len() as i64;
    let i = if i < 0 { (i + len).max(0) } else { i.min(len) };
    if list_grows_at(len as usize) {
        vm.heap_alloc(8 * len as usize)?;
    }
    l.borrow_mut().insert(i as usize, v);
    Ok(Value::None)
});
method!(L_POP, "pop", |vm, _, a, _| {
    let l = recv_list(a);
    let len = l.borrow().len() as i64;
    if len == 0 {
        let c = vm.exc.index_error.clone();
        return Err(vm.new_exc_msg(&c, "pop from empty list"));
    }
    let i = if a.len() > 1 { int_arg(vm, a, 1)? } else { -1 };
    let j = if i < 0 { i + len } else { i };
    if j < 0 || j >= len {
        let c = vm.exc.index_error.clone();
        return Err(vm.new_exc_msg(&c, "list index out of range"));
    }
    Ok(l.borrow_mut().remove(j as usize))
});
method!(L_REMOVE, "remove", |vm, host, a, _| {
    let l = recv_list(a);
    let x = arg(vm, a, 1)?;
    let items = l.borrow().clone();
    for (i, it) in items.iter().enumerate() {
        if vm.eq(host, it, &x)? {
            l.borrow_mut().remove(i);
            return Ok(Value::None);
        }
    }
    Err(vm.value_error("object not in sequence"))
});

method!(L_INDEX, "index", |vm, host, a, _| {
    let items = recv_list(a).borrow().clone();
    let x = arg(vm, a, 1)?;
    seq_index(vm, host, &items, &x)
});
method!(L_COUNT, "count", |vm, host, a, _| {
    let items = recv_list(a).borrow().clone();
    let x = arg(vm, a, 1)?;
    seq_count(vm, host, &items, &x)
});
method!(L_SORT, "sort", |vm, host, a, kw| list_sort(vm, host, a, kw));
method!(L_REVERSE, "reverse", |_, _, a, _| {
    recv_list(a).borrow_mut().reverse();
    Ok(Value::None)
});
method!(L_CLEAR, "clear", |_, _, a, _| {
    recv_list(a).borrow_mut().clear();
    Ok(Value::None)
});
method!(L_COPY, "copy", |vm, _, a, _| {
    let items = recv_list(a).borrow().clone();
    new_list(vm, items)
});

/// `list.sort(key=, reverse=)` — a stable merge sort that can call back into Python.
pub fn list_sort(vm: &mut Vm, host: &mut dyn Host, a: &[Value], kw: Kw) -> PyResult {
    let Value::List(l) = &a[0] else {
        return Err(vm.type_error("sort needs a list"));
    };
    let items = l.borrow().clone();
    let key = kw_get(kw, "key")
        .cloned()
        .filter(|k| !matches!(k, Value::None));
    let reverse = match kw_get(kw, "reverse") {
        Some(v) => vm.truthy(host, &v.clone())?,
        None => false,
    };
    let mut keyed = Vec::with_capacity(items.len());
    for it in items {
        let k = match &key {
            Some(f) => vm.call(host, f, std::slice::from_ref(&it), &[])?,
            None => it.clone(),
        };
        keyed.push((k, it));
    }
    let sorted = merge_sort(vm, host, keyed, reverse)?;
    *l.borrow_mut() = sorted.into_iter().map(|(_, v)| v).collect();
    Ok(Value::None)
}

fn merge_sort(
    vm: &mut Vm,
    host: &mut dyn Host,
    mut v: Vec<(Value, Value)>,
    reverse: bool,
) -> Result<Vec<(Value, Value)>, Flow> {
    if v.len() <= 1 {
        return Ok(v);
    }
    let right = v.split_off(v.len() / 2);
    let left = merge_sort(vm, host, v, reverse)?;
    let right = merge_sort(vm, host, right, reverse)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        // Take from the right only when strictly before the left: keeps the sort stable.
        let ord = vm.ordering(
            host,
            &right[j].0,
            &left[i].0,
            crate::py::bytecode::BinaryOp::Less,
        )?;
        let take_right = if reverse {
            ord == std::cmp::Ordering::Greater
        } else {
            ord == std::cmp::Ordering::Less
        };
        if take_right {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    Ok(out)
}

/// True if appending to a list of `len` items reallocates its item array. A list starts with
/// room for at least 4 items (`LIST_MIN_ALLOC`) and doubles when full (py/objlist.c
/// `mp_obj_list_append`), so `[]` takes 4 appends without allocating, even with the heap
/// locked. irqlab does not keep each list's allocated size: lists are taken to have been
/// created with at most 4 items, or a power of two.
pub fn list_grows_at(len: usize) -> bool {
    len >= 4 && len.is_power_of_two()
}
