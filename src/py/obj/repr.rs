//! `str()` and `repr()` of values (py/obj.c `mp_obj_print_helper`, the `print` functions of
//! py/objstr.c, objlist.c, objdict.c, ...), and the byte view of bytes-like objects.

use super::*;

/// The bytes of a bytes-like value.
pub fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Bytes(b) => Some((**b).clone()),
        Value::ByteArray(b) => Some(b.borrow().clone()),
        _ => None,
    }
}

// ---------------------------------------------------------------- repr and str

/// `str(v)`.
pub fn to_str(vm: &mut Vm, host: &mut dyn Host, v: &Value) -> Result<String, Flow> {
    match v {
        Value::Str(s) => Ok(s.text.to_string()),
        Value::Instance(i) => {
            if let Some(f) = vm.lookup_class_attr(&i.class, "__str__") {
                let r = vm.call(host, &f, std::slice::from_ref(v), &[])?;
                return Ok(str_text(&r).to_string());
            }
            if let (Some(st), None) = (&i.exc, vm.lookup_class_attr(&i.class, "__repr__")) {
                let args = st.borrow().args.clone();
                return match args.len() {
                    0 => Ok(String::new()),
                    1 => to_str(vm, host, &args[0]),
                    _ => repr(vm, host, &Value::tuple(args)),
                };
            }
            repr(vm, host, v)
        }
        _ => repr(vm, host, v),
    }
}

/// `repr(v)`.
pub fn repr(vm: &mut Vm, host: &mut dyn Host, v: &Value) -> Result<String, Flow> {
    let mut out = String::new();
    repr_into(vm, host, v, &mut out, 0)?;
    Ok(out)
}

fn fake_addr(serial: u32) -> String {
    // Deterministic stand-in for an object address on the board's heap (0x3ffb....).
    format!(
        "0x{:08x}",
        0x3ffb_0000u32.wrapping_add(serial.wrapping_mul(16))
    )
}

#[expect(
    clippy::too_many_lines,
    reason = "one arm per built-in type: a flat table like the types' print slots"
)]
fn repr_into(
    vm: &mut Vm,
    host: &mut dyn Host,
    v: &Value,
    out: &mut String,
    depth: usize,
) -> Result<(), Flow> {
    if depth > 32 {
        out.push_str("...");
        return Ok(());
    }
    match v {
        Value::Null => out.push_str("<NULL>"),
        Value::None => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Int(n) => out.push_str(&n.to_string()),
        Value::BigInt(n) => out.push_str(&n.to_string()),
        Value::Float(x) => out.push_str(&crate::py::format::float_repr(*x)),
        Value::Str(s) => out.push_str(&crate::py::format::str_repr(&s.text)),
        Value::Bytes(b) => out.push_str(&crate::py::format::bytes_repr(b)),
        Value::ByteArray(b) => {
            out.push_str("bytearray(");
            out.push_str(&crate::py::format::bytes_repr(&b.borrow()));
            out.push(')');
        }
        Value::Array(a) => array_repr(a, out),
        Value::List(l) => {
            let items = l.borrow().clone();
            out.push('[');
            seq_repr(vm, host, &items, out, depth)?;
            out.push(']');
        }
        Value::Tuple(t) => {
            out.push('(');
            seq_repr(vm, host, t, out, depth)?;
            if t.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Dict(d) => dict_repr(vm, host, d, out, depth)?,
        Value::Set(d) => {
            let items: Vec<Value> = d.borrow().iter().map(|(k, _)| k.clone()).collect();
            if items.is_empty() {
                out.push_str("set()");
            } else {
                out.push('{');
                seq_repr(vm, host, &items, out, depth)?;
                out.push('}');
            }
        }
        Value::Range(r) => {
            if r.step == 1 {
                out.push_str(&format!("range({}, {})", r.start, r.stop));
            } else {
                out.push_str(&format!("range({}, {}, {})", r.start, r.stop, r.step));
            }
        }
        Value::Slice(s) => {
            out.push_str("slice(");
            repr_into(vm, host, &s.start, out, depth + 1)?;
            out.push_str(", ");
            repr_into(vm, host, &s.stop, out, depth + 1)?;
            out.push_str(", ");
            repr_into(vm, host, &s.step, out, depth + 1)?;
            out.push(')');
        }
        Value::Function(f) => out.push_str(&format!(
            "<function {} at {}>",
            f.code.name,
            fake_addr(f.serial)
        )),
        Value::Builtin(b) => out.push_str(&format!("<function {}>", b.name)),
        Value::BoundMethod(b) => bound_method_repr(vm, b, out),
        Value::Class(c) => out.push_str(&format!("<class '{}'>", c.name.text)),
        Value::Instance(i) => instance_repr(vm, host, v, i, out, depth)?,
        Value::Native(n) => {
            if let Some(f) = vm.lookup_class_attr(&n.class, "__repr__") {
                let r = vm.call(host, &f, std::slice::from_ref(v), &[])?;
                out.push_str(str_text(&r));
            } else {
                out.push_str(&format!("<{}>", n.class.name.text));
            }
        }
        Value::Module(m) => out.push_str(&format!("<module '{}'>", m.name.text)),
        Value::Cell(_) => out.push_str("<cell>"),
        Value::Generator(g) => {
            let g = g.borrow();
            out.push_str(&format!(
                "<generator object '{}' at {}>",
                g.name,
                fake_addr(g.serial)
            ));
        }
        Value::Iterator(_) => out.push_str("<iterator>"),
        Value::Wrapper(_) => out.push_str("<staticmethod>"),
    }
    Ok(())
}

/// `repr` of an `array.array` (py/objarray.c `array_print`).
fn array_repr(a: &RefCell<PyArray>, out: &mut String) {
    let a = a.borrow();
    out.push_str(&format!("array('{}'", a.typecode as char));
    if a.items_len() > 0 {
        out.push_str(", [");
        match &a.items {
            ArrayItems::Int(v) => out.push_str(
                &v.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ArrayItems::Float(v) => out.push_str(
                &v.iter()
                    .map(|x| crate::py::format::float_repr(*x as f32))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
        out.push(']');
    }
    out.push(')');
}

/// `repr` of a dict (py/objdict.c `dict_print`).
fn dict_repr(
    vm: &mut Vm,
    host: &mut dyn Host,
    d: &RefCell<Dict>,
    out: &mut String,
    depth: usize,
) -> Result<(), Flow> {
    let items: Vec<(Value, Value)> = d
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.push('{');
    for (i, (k, val)) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        repr_into(vm, host, k, out, depth + 1)?;
        out.push_str(": ");
        repr_into(vm, host, val, out, depth + 1)?;
    }
    out.push('}');
    Ok(())
}

/// `repr` of a bound method (py/objboundmeth.c).
fn bound_method_repr(vm: &Vm, b: &BoundMethod, out: &mut String) {
    let name = match &b.func {
        Value::Function(f) => f.code.name.to_string(),
        Value::Builtin(d) => d.name.to_string(),
        _ => "?".into(),
    };
    out.push_str(&format!(
        "<bound_method {} {}>",
        vm.type_name(&b.receiver),
        name
    ));
}

/// `repr` of a class instance: its `__repr__`, an exception's `Name(args)`, or the default
/// (py/objtype.c `instance_print`, py/objexcept.c `mp_obj_exception_print`).
fn instance_repr(
    vm: &mut Vm,
    host: &mut dyn Host,
    v: &Value,
    i: &Instance,
    out: &mut String,
    depth: usize,
) -> Result<(), Flow> {
    if let Some(f) = vm.lookup_class_attr(&i.class, "__repr__") {
        let r = vm.call(host, &f, std::slice::from_ref(v), &[])?;
        out.push_str(str_text(&r));
    } else if let Some(st) = &i.exc {
        let args = st.borrow().args.clone();
        out.push_str(&i.class.name.text);
        repr_into(vm, host, &Value::tuple(args), out, depth + 1)?;
    } else {
        out.push_str(&format!(
            "<{} object at {}>",
            i.class.name.text,
            fake_addr(i.serial)
        ));
    }
    Ok(())
}

fn seq_repr(
    vm: &mut Vm,
    host: &mut dyn Host,
    items: &[Value],
    out: &mut String,
    depth: usize,
) -> Result<(), Flow> {
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        repr_into(vm, host, it, out, depth + 1)?;
    }
    Ok(())
}

impl Vm {
    /// `str(v)` as text ([`to_str`]).
    pub fn str_of(&mut self, host: &mut dyn Host, v: &Value) -> Result<String, Flow> {
        to_str(self, host, v)
    }

    /// `repr(v)` as text ([`repr`]).
    pub fn repr_of(&mut self, host: &mut dyn Host, v: &Value) -> Result<String, Flow> {
        repr(self, host, v)
    }
}
