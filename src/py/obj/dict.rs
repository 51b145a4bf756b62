//! `dict` methods and views (py/objdict.c).

use super::*;

/// Methods of `dict`.
pub static DICT_METHODS: &[&BuiltinDef] = &[
    &D_GET,
    &D_KEYS,
    &D_VALUES,
    &D_ITEMS,
    &D_POP,
    &D_POPITEM,
    &D_SETDEFAULT,
    &D_UPDATE,
    &D_CLEAR,
    &D_COPY,
];
method!(D_GET, "get", |vm, _, a, _| {
    let k = arg(vm, a, 1)?;
    let h = hash_or_err(vm, &k)?;
    Ok(recv_dict(a)
        .borrow()
        .get_hashed(&k, h)
        .cloned()
        .unwrap_or_else(|| a.get(2).cloned().unwrap_or(Value::None)))
});
fn dict_view(vm: &mut Vm, a: &[Value], which: u8) -> PyResult {
    let d = recv_dict(a);
    let items: Vec<Value> = d
        .borrow()
        .iter()
        .map(|(k, v)| match which {
            0 => k.clone(),
            1 => v.clone(),
            _ => Value::tuple(vec![k.clone(), v.clone()]),
        })
        .collect();
    vm.heap_alloc(16)?;
    // A view is shown as a list-like iterator; iterating it snapshots the dict.
    Ok(Value::Iterator(Rc::new(RefCell::new(PyIter::Snapshot(
        items, 0,
    )))))
}
method!(D_KEYS, "keys", |vm, _, a, _| dict_view(vm, a, 0));
method!(D_VALUES, "values", |vm, _, a, _| dict_view(vm, a, 1));
method!(D_ITEMS, "items", |vm, _, a, _| dict_view(vm, a, 2));
method!(D_POP, "pop", |vm, _, a, _| {
    let k = arg(vm, a, 1)?;
    let h = hash_or_err(vm, &k)?;
    let r = recv_dict(a).borrow_mut().remove_hashed(&k, h);
    match (r, a.get(2)) {
        (Some(v), _) => Ok(v),
        (None, Some(d)) => Ok(d.clone()),
        (None, None) => {
            let c = vm.exc.key_error.clone();
            Err(Flow::Exception(vm.new_exception(&c, vec![k])))
        }
    }
});
method!(D_POPITEM, "popitem", |vm, _, a, _| {
    let r = recv_dict(a).borrow_mut().pop_last();
    match r {
        Some((k, v)) => {
            vm.heap_alloc(16)?;
            Ok(Value::tuple(vec![k, v]))
        }
        None => {
            let c = vm.exc.key_error.clone();
            Err(vm.new_exc_msg(&c, "popitem(): dictionary is empty"))
        }
    }
});
method!(D_SETDEFAULT, "setdefault", |vm, host, a, _| {
    let k = arg(vm, a, 1)?;
    let h = hash_or_err(vm, &k)?;
    let existing = recv_dict(a).borrow().get_hashed(&k, h).cloned();
    match existing {
        Some(v) => Ok(v),
        None => {
            let d = a.get(2).cloned().unwrap_or(Value::None);
            vm.setitem(host, &a[0], k, d.clone())?;
            Ok(d)
        }
    }
});
method!(D_UPDATE, "update", |vm, host, a, kw| {
    if let Some(src) = a.get(1) {
        let pairs = match src {
            Value::Dict(_) => vm.mapping_items(host, src)?,
            other => {
                let mut out = Vec::new();
                for item in vm.collect_iter(host, other)? {
                    let kv = vm.unpack(host, &item, 2)?;
                    out.push((kv[0].clone(), kv[1].clone()));
                }
                out
            }
        };
        for (k, v) in pairs {
            vm.setitem(host, &a[0], k, v)?;
        }
    }
    for (k, v) in kw {
        vm.setitem(host, &a[0], k.clone(), v.clone())?;
    }
    Ok(Value::None)
});
method!(D_CLEAR, "clear", |_, _, a, _| {
    recv_dict(a).borrow_mut().clear();
    Ok(Value::None)
});
method!(D_COPY, "copy", |vm, _, a, _| {
    let d = recv_dict(a).borrow().clone();
    vm.heap_alloc(16 + 8 * d.len())?;
    Ok(match &a[0] {
        Value::Set(_) => Value::Set(Rc::new(RefCell::new(d))),
        _ => Value::Dict(Rc::new(RefCell::new(d))),
    })
});
