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
