//! `bytes` and `bytearray` methods (py/objstr.c bytes parts, py/objarray.c bytearray).

use super::*;

/// Methods of `bytes` and `bytearray`.
pub static BYTES_METHODS: &[&BuiltinDef] = &[&B_DECODE, &B_APPEND, &B_EXTEND, &B_HEX];
method!(B_DECODE, "decode", |vm, _, a, _| {
    let b = bytes_of(&a[0]).unwrap_or_default();
    match String::from_utf8(b) {
        Ok(s) => new_str(vm, &s),
        Err(_) => {
            let c = vm.exc.unicode_error.clone();
            Err(vm.new_exc_msg(&c, ""))
        }
    }
});
method!(B_APPEND, "append", |vm, _, a, _| {
    let Value::ByteArray(b) = &a[0] else {
        return Err(vm.type_error("bytes has no append"));
    };
    let n = int_arg(vm, a, 1)?;
    b.borrow_mut().push(n as u8);
    Ok(Value::None)
});
method!(B_EXTEND, "extend", |vm, host, a, _| {
    let Value::ByteArray(b) = &a[0] else {
        return Err(vm.type_error("bytes has no extend"));
    };
    let src = arg(vm, a, 1)?;
    let extra = match bytes_of(&src) {
        Some(x) => x,
        None => vm
            .collect_iter(host, &src)?
            .iter()
            .map(|v| if let Value::Int(n) = v { *n as u8 } else { 0 })
            .collect(),
    };
    b.borrow_mut().extend(extra);
    Ok(Value::None)
});
method!(B_HEX, "hex", |vm, _, a, _| {
    let b = bytes_of(&a[0]).unwrap_or_default();
    let s: String = b.iter().map(|x| format!("{x:02x}")).collect();
    new_str(vm, &s)
});

/// `bytes(x)` / `bytearray(x)` (py/objstr.c `bytes_make_new`, py/objarray.c).
pub(crate) fn bytes_new(vm: &mut Vm, host: &mut dyn Host, tag: TypeTag, a: &[Value]) -> PyResult {
    let data: Vec<u8> = match a.first() {
        None => Vec::new(),
        Some(Value::Int(n)) => vec![0; (*n).max(0) as usize],
        Some(Value::Str(s)) => s.text.as_bytes().to_vec(),
        Some(v @ (Value::Bytes(_) | Value::ByteArray(_))) => bytes_of(v).unwrap_or_default(),
        Some(v) => {
            let items = vm.collect_iter(host, v)?;
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Value::Int(n) if (0..256).contains(&n) => out.push(n as u8),
                    _ => return Err(vm.value_error("bytes value out of range")),
                }
            }
            out
        }
    };
    if data.len() > crate::limits::MAX_CONTAINER_ITEMS {
        return Err(vm.memory_error_public());
    }
    vm.heap_alloc(16 + data.len())?;
    Ok(if tag == TypeTag::Bytes {
        Value::Bytes(Rc::new(data))
    } else {
        Value::ByteArray(Rc::new(RefCell::new(data)))
    })
}
