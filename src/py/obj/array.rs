//! `array.array` methods and C-array element wrapping (py/objarray.c).

use super::*;

/// Methods of `array.array`.
pub static ARRAY_METHODS: &[&BuiltinDef] = &[&A_APPEND, &A_EXTEND];
method!(A_APPEND, "append", |vm, _, a, _| {
    let Value::Array(arr) = &a[0] else {
        unreachable!("array method")
    };
    let v = arg(vm, a, 1)?;
    let mut arr = arr.borrow_mut();
    let tc = arr.typecode;
    match (&mut arr.items, &v) {
        (ArrayItems::Int(items), Value::Int(n)) => items.push(array_wrap(tc, *n as i64)),
        (ArrayItems::Float(items), Value::Float(x)) => items.push(*x as f64),
        (ArrayItems::Float(items), Value::Int(n)) => items.push(*n as f64),
        _ => {
            drop(arr);
            return Err(vm.type_error("array item type mismatch"));
        }
    }
    Ok(Value::None)
});
method!(A_EXTEND, "extend", |vm, host, a, _| {
    let items = vm.collect_iter(host, &arg(vm, a, 1)?)?;
    for it in items {
        (A_APPEND.func)(vm, host, &[a[0].clone(), it], &[])?;
    }
    Ok(Value::None)
});
method!(ARRAY_NEW, "array", |vm, host, a, _| {
    let tc = match arg(vm, a, 0)? {
        Value::Str(s) if s.text.len() == 1 && "bBhHiIlLqQfd".contains(&*s.text) => {
            s.text.as_bytes()[0]
        }
        _ => return Err(vm.value_error("bad typecode")),
    };
    let init = match a.get(1) {
        Some(v) => vm.collect_iter(host, v)?,
        None => Vec::new(),
    };
    let items = if tc == b'f' || tc == b'd' {
        ArrayItems::Float(
            init.iter()
                .map(|v| match v {
                    Value::Float(x) => *x as f64,
                    Value::Int(n) => *n as f64,
                    _ => 0.0,
                })
                .collect(),
        )
    } else {
        let mut out = Vec::with_capacity(init.len());
        for v in &init {
            match v {
                Value::Int(n) => out.push(array_wrap(tc, *n as i64)),
                Value::Bool(b) => out.push(*b as i64),
                _ => return Err(vm.type_error("can't convert to int")),
            }
        }
        ArrayItems::Int(out)
    };
    let size = match tc {
        b'b' | b'B' => 1,
        b'h' | b'H' => 2,
        b'q' | b'Q' | b'd' => 8,
        _ => 4,
    };
    vm.heap_alloc(16 + size * init.len())?;
    Ok(Value::Array(Rc::new(RefCell::new(PyArray {
        typecode: tc,
        items,
    }))))
});

/// Wraps `n` to the range of array typecode `tc` (as storing into a C array does).
pub fn array_wrap(tc: u8, n: i64) -> i64 {
    match tc {
        b'b' => n as i8 as i64,
        b'B' => n as u8 as i64,
        b'h' => n as i16 as i64,
        b'H' => n as u16 as i64,
        b'i' | b'l' => n as i32 as i64,
        b'I' | b'L' => n as u32 as i64,
        _ => n,
    }
}
