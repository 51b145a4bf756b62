//! Builtin functions, builtin types and their methods, and the pure-Python-independent
//! modules (`array`, `math`, `sys`, `gc`) — MicroPython's `modbuiltins.c` and `obj*.c`.
//!
//! Modules that touch the board (`machine`, `time`, `micropython`) live in `rt` and reach the
//! VM through the host.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::BigInt;
use num_traits::{Signed, Zero};

pub use super::args::{arg, int_arg, kw_get};
use super::obj::list::list_sort;
use super::obj::{repr, to_str};
use super::vm::value::dict::{Dict, key_hash};
use super::vm::value::*;
use super::vm::{ExcTypes, Flow, Host, PyResult, Types, Vm, qhash, str_text};

use super::args::Kw;

macro_rules! builtin {
    ($id:ident, $name:expr, $f:expr) => {
        /// A builtin function table entry.
        pub static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

/// Creates a class; its `mro` lists its ancestors (itself excluded) in MicroPython's
/// depth-first, left-to-right order.
pub fn make_class(name: &str, bases: Vec<Rc<Class>>, kind: ClassKind, dict: Dict) -> Rc<Class> {
    let mut rest: Vec<Rc<Class>> = Vec::new();
    for b in &bases {
        for c in std::iter::once(b).chain(b.mro.iter()) {
            if !rest.iter().any(|m| Rc::ptr_eq(m, c)) {
                rest.push(c.clone());
            }
        }
    }
    let is_exception = kind == ClassKind::Exception || bases.iter().any(|b| b.is_exception);
    Rc::new(Class {
        name: Rc::new(PyStr::new(name)),
        bases,
        mro: rest,
        dict: RefCell::new(dict),
        kind,
        is_exception,
        serial: next_serial(),
    })
}

/// Builds the builtin classes and exception hierarchy.
#[expect(
    clippy::too_many_lines,
    reason = "one entry per built-in type: a flat table"
)]
pub fn make_types() -> (Types, ExcTypes) {
    use TypeTag::*;
    let object = make_class(
        "object",
        vec![],
        ClassKind::Builtin(Object),
        super::vm::value::dict::Dict::new(),
    );
    let tags = [
        (Object, "object"),
        (Type, "type"),
        (NoneType, "NoneType"),
        (Int, "int"),
        (Bool, "bool"),
        (Float, "float"),
        (Str, "str"),
        (Bytes, "bytes"),
        (ByteArray, "bytearray"),
        (Array, "array"),
        (List, "list"),
        (Tuple, "tuple"),
        (Dict, "dict"),
        (Set, "set"),
        (Range, "range"),
        (Slice, "slice"),
        (Function, "function"),
        (BoundMethod, "bound_method"),
        (Module, "module"),
        (Generator, "generator"),
        (Iterator, "iterator"),
        (Cell, "cell"),
        (StaticMethod, "staticmethod"),
        (ClassMethod, "classmethod"),
        (Property, "property"),
    ];
    let mut by_tag = Vec::new();
    for (tag, name) in tags {
        if tag == Object {
            by_tag.push(object.clone());
        } else {
            // MicroPython's bool is not a subclass of int: isinstance(True, int) is False
            // (py/objbool.c gives mp_type_bool no base).
            let base = object.clone();
            by_tag.push(make_class(
                name,
                vec![base],
                ClassKind::Builtin(tag),
                super::vm::value::dict::Dict::new(),
            ));
        }
    }
    let exc = |name: &str, base: &Rc<Class>| {
        make_class(
            name,
            vec![base.clone()],
            ClassKind::Exception,
            super::vm::value::dict::Dict::new(),
        )
    };
    let base_exception = exc("BaseException", &object);
    let exception = exc("Exception", &base_exception);
    let arithmetic_error = exc("ArithmeticError", &exception);
    let lookup_error = exc("LookupError", &exception);
    let os_error = exc("OSError", &exception);
    let runtime_error = exc("RuntimeError", &exception);
    let value_error = exc("ValueError", &exception);
    let excs = ExcTypes {
        stop_iteration: exc("StopIteration", &exception),
        generator_exit: exc("GeneratorExit", &base_exception),
        keyboard_interrupt: exc("KeyboardInterrupt", &base_exception),
        system_exit: exc("SystemExit", &base_exception),
        zero_division_error: exc("ZeroDivisionError", &arithmetic_error),
        overflow_error: exc("OverflowError", &arithmetic_error),
        assertion_error: exc("AssertionError", &exception),
        attribute_error: exc("AttributeError", &exception),
        index_error: exc("IndexError", &lookup_error),
        key_error: exc("KeyError", &lookup_error),
        memory_error: exc("MemoryError", &exception),
        name_error: exc("NameError", &exception),
        not_implemented_error: exc("NotImplementedError", &runtime_error),
        type_error: exc("TypeError", &exception),
        import_error: exc("ImportError", &exception),
        syntax_error: exc("SyntaxError", &exception),
        unicode_error: exc("UnicodeError", &value_error),
        cancelled_error: exc("CancelledError", &base_exception),
        timeout_error: exc("TimeoutError", &exception),
        base_exception,
        exception,
        arithmetic_error,
        lookup_error,
        os_error,
        runtime_error,
        value_error,
    };
    (Types { object, by_tag }, excs)
}

/// Installs builtins into `vm.builtins`.
pub fn install(vm: &mut Vm) {
    let mut d = vm.builtins.borrow_mut();
    let mut put = |name: &str, v: Value| {
        d.insert_hashed(Value::str(name), qhash(name), v);
    };
    for def in BUILTIN_FUNCS {
        put(def.name, Value::Builtin(def));
    }
    for c in &vm.types.by_tag {
        let name = c.name.text.to_string();
        if !matches!(
            name.as_str(),
            "NoneType"
                | "function"
                | "bound_method"
                | "module"
                | "generator"
                | "iterator"
                | "cell"
                | "array"
        ) {
            put(&name, Value::Class(c.clone()));
        }
    }
    let e = &vm.exc;
    for c in [
        &e.base_exception,
        &e.exception,
        &e.stop_iteration,
        &e.generator_exit,
        &e.keyboard_interrupt,
        &e.system_exit,
        &e.arithmetic_error,
        &e.zero_division_error,
        &e.overflow_error,
        &e.assertion_error,
        &e.attribute_error,
        &e.lookup_error,
        &e.index_error,
        &e.key_error,
        &e.memory_error,
        &e.name_error,
        &e.os_error,
        &e.runtime_error,
        &e.not_implemented_error,
        &e.type_error,
        &e.value_error,
        &e.import_error,
        &e.syntax_error,
        &e.unicode_error,
    ] {
        put(&c.name.text.clone(), Value::Class(c.clone()));
    }
    // Ends an `async for` (the compiler loads it by name); only the loop body ever raises it.
    let stop_async = make_class(
        "StopAsyncIteration",
        vec![e.exception.clone()],
        ClassKind::Exception,
        super::vm::value::dict::Dict::new(),
    );
    put("StopAsyncIteration", Value::Class(stop_async));
    put("NotImplemented", Value::None);
}

static BUILTIN_FUNCS: &[&BuiltinDef] = &[
    &PRINT,
    &LEN,
    &ABS,
    &MIN,
    &MAX,
    &SUM,
    &DIVMOD,
    &ROUND,
    &HEX,
    &BIN,
    &OCT,
    &ORD,
    &CHR,
    &REPR,
    &ISINSTANCE,
    &ISSUBCLASS,
    &HASATTR,
    &GETATTR,
    &SETATTR,
    &ID,
    &ITER,
    &NEXT,
    &ENUMERATE,
    &ZIP,
    &MAP,
    &FILTER,
    &SORTED,
    &REVERSED,
    &ANY,
    &ALL,
    &SUPER,
    &CALLABLE,
    &HASH,
    &POW,
    &DELATTR,
];

builtin!(BUILD_CLASS, "__build_class__", build_class);
builtin!(PRINT, "print", print);
builtin!(LEN, "len", |vm, host, a, _| {
    let v = arg(vm, a, 0)?;
    if let Some(n) = vm.len_of(&v) {
        return Ok(Value::int(n as i64));
    }
    if let Value::Instance(i) = &v
        && let Some(f) = vm.lookup_class_attr(&i.class, "__len__")
    {
        return vm.call(host, &f, std::slice::from_ref(&v), &[]);
    }
    Err(vm.type_error(&format!(
        "object of type '{}' has no len()",
        vm.type_name(&v)
    )))
});
builtin!(ABS, "abs", |vm, host, a, _| {
    let v = arg(vm, a, 0)?;
    match &v {
        Value::Int(n) => vm.make_int((*n as i64).abs()),
        Value::Bool(b) => Ok(Value::Int(*b as i32)),
        Value::BigInt(n) => vm.make_bigint(n.abs()),
        Value::Float(x) => vm.make_float(x.abs()),
        Value::Instance(i) => match vm.lookup_class_attr(&i.class, "__abs__") {
            Some(f) => vm.call(host, &f, std::slice::from_ref(&v), &[]),
            None => Err(vm.type_error("bad operand type for abs()")),
        },
        _ => Err(vm.type_error(&format!(
            "unsupported type for __abs__: '{}'",
            vm.type_name(&v)
        ))),
    }
});
builtin!(MIN, "min", |vm, host, a, kw| min_max(vm, host, a, kw, true));
builtin!(MAX, "max", |vm, host, a, kw| min_max(
    vm, host, a, kw, false
));
builtin!(SUM, "sum", |vm, host, a, _| {
    let items = vm.collect_iter(host, &arg(vm, a, 0)?)?;
    let mut acc = a.get(1).cloned().unwrap_or(Value::Int(0));
    for it in items {
        acc = vm.binary_op(host, super::bytecode::BinaryOp::Add, acc, it)?;
    }
    Ok(acc)
});
builtin!(DIVMOD, "divmod", |vm, host, a, _| {
    use super::bytecode::BinaryOp;
    let (x, y) = (arg(vm, a, 0)?, arg(vm, a, 1)?);
    let q = vm.binary_op(host, BinaryOp::FloorDivide, x.clone(), y.clone())?;
    let r = vm.binary_op(host, BinaryOp::Modulo, x, y)?;
    vm.heap_alloc(16)?;
    Ok(Value::tuple(vec![q, r]))
});
builtin!(ROUND, "round", round);
builtin!(HEX, "hex", |vm, _, a, _| radix(vm, a, 16));
builtin!(BIN, "bin", |vm, _, a, _| radix(vm, a, 2));
builtin!(OCT, "oct", |vm, _, a, _| radix(vm, a, 8));
builtin!(ORD, "ord", |vm, _, a, _| {
    let v = arg(vm, a, 0)?;
    let text = str_text(&v);
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(Value::int(c as i64)),
        _ => match &v {
            Value::Bytes(b) if b.len() == 1 => Ok(Value::Int(b[0] as i32)),
            _ => Err(vm.type_error("ord expects a character")),
        },
    }
});
builtin!(CHR, "chr", |vm, _, a, _| {
    let n = int_arg(vm, a, 0)?;
    match u32::try_from(n).ok().and_then(char::from_u32) {
        Some(c) => Ok(Value::str(&c.to_string())),
        None => Err(vm.value_error("chr() arg not in range(0x110000)")),
    }
});
builtin!(REPR, "repr", |vm, host, a, _| {
    let v = arg(vm, a, 0)?;
    let s = repr(vm, host, &v)?;
    vm.heap_alloc(16 + s.len())?;
    Ok(Value::str(&s))
});
builtin!(ISINSTANCE, "isinstance", |vm, _, a, _| {
    let (v, c) = (arg(vm, a, 0)?, arg(vm, a, 1)?);
    let cls = vm.class_of(&v);
    Ok(Value::Bool(class_matches(vm, &cls, &c)))
});
builtin!(ISSUBCLASS, "issubclass", |vm, _, a, _| {
    let (v, c) = (arg(vm, a, 0)?, arg(vm, a, 1)?);
    match v {
        Value::Class(cls) => Ok(Value::Bool(class_matches(vm, &cls, &c))),
        _ => Err(vm.type_error("issubclass() arg 1 must be a class")),
    }
});
builtin!(HASATTR, "hasattr", |vm, host, a, _| {
    let (v, name) = (arg(vm, a, 0)?, arg(vm, a, 1)?);
    match vm.load_attr(host, &v, &name) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(Flow::Exception(_)) => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
});
builtin!(GETATTR, "getattr", |vm, host, a, _| {
    let (v, name) = (arg(vm, a, 0)?, arg(vm, a, 1)?);
    match vm.load_attr(host, &v, &name) {
        Ok(r) => Ok(r),
        Err(Flow::Exception(_)) if a.len() > 2 => Ok(a[2].clone()),
        Err(e) => Err(e),
    }
});
builtin!(SETATTR, "setattr", |vm, host, a, _| {
    let (v, name, val) = (arg(vm, a, 0)?, arg(vm, a, 1)?, arg(vm, a, 2)?);
    vm.store_attr(host, &v, &name, val)?;
    Ok(Value::None)
});
builtin!(DELATTR, "delattr", |vm, host, a, _| {
    let (v, name) = (arg(vm, a, 0)?, arg(vm, a, 1)?);
    vm.store_attr(host, &v, &name, Value::Null)?;
    Ok(Value::None)
});
builtin!(ID, "id", |vm, _, a, _| {
    let v = arg(vm, a, 0)?;
    Ok(Value::int(
        0x3ffb_0000 + 16 * key_hash(&v).unwrap_or(0) as i64 % 0x4_0000,
    ))
});
builtin!(HASH, "hash", |vm, _, a, _| {
    let v = arg(vm, a, 0)?;
    match key_hash(&v) {
        Some(h) => Ok(Value::int(h as i64)),
        None => Err(vm.type_error(&format!("unhashable type: '{}'", vm.type_name(&v)))),
    }
});
builtin!(CALLABLE, "callable", |vm, _, a, _| {
    let v = arg(vm, a, 0)?;
    Ok(Value::Bool(
        matches!(
            v,
            Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_) | Value::Class(_)
        ) || matches!(&v, Value::Instance(i) if vm.lookup_class_attr(&i.class, "__call__").is_some()),
    ))
});
builtin!(POW, "pow", |vm, host, a, _| {
    let (x, y) = (arg(vm, a, 0)?, arg(vm, a, 1)?);
    if let Some(m) = a.get(2) {
        let (Some(b), Some(e), Some(m)) = (to_bigint(&x), to_bigint(&y), to_bigint(m)) else {
            return Err(vm.type_error("pow() with 3 arguments requires integers"));
        };
        // objint_mpz.c `mp_obj_int_pow3`: a zero modulus raises; mpz.c `mpz_pow3_inpl` gives 0
        // for a negative exponent (it computes no inverse) and otherwise Python's floor modulo.
        if m.is_zero() {
            return Err(vm.value_error("divide by zero"));
        }
        if e.is_negative() {
            return Ok(Value::int(0));
        }
        return vm.make_bigint(b.modpow(&e, &m));
    }
    vm.binary_op(host, super::bytecode::BinaryOp::Power, x, y)
});
builtin!(ITER, "iter", |vm, host, a, _| {
    let v = arg(vm, a, 0)?;
    vm.get_iter(host, &v)
});
builtin!(NEXT, "next", |vm, host, a, _| {
    let it = arg(vm, a, 0)?;
    match vm.iter_next(host, &it)? {
        Some(v) => Ok(v),
        None => match a.get(1) {
            Some(d) => Ok(d.clone()),
            None => {
                let c = vm.exc.stop_iteration.clone();
                Err(Flow::Exception(vm.new_exception(&c, vec![])))
            }
        },
    }
});
builtin!(ENUMERATE, "enumerate", |vm, host, a, kw| {
    let it = vm.get_iter(host, &arg(vm, a, 0)?)?;
    let start = match a.get(1).or_else(|| kw_get(kw, "start")) {
        Some(v) => v.clone(),
        None => Value::Int(0),
    };
    let start = match start {
        Value::Int(n) => n as i64,
        _ => 0,
    };
    new_iter(vm, PyIter::Enumerate(it, start))
});
builtin!(ZIP, "zip", |vm, host, a, _| {
    let mut its = Vec::new();
    for v in a {
        its.push(vm.get_iter(host, v)?);
    }
    new_iter(vm, PyIter::Zip(its))
});
builtin!(MAP, "map", |vm, host, a, _| {
    let f = arg(vm, a, 0)?;
    let mut its = Vec::new();
    for v in &a[1..] {
        its.push(vm.get_iter(host, v)?);
    }
    new_iter(vm, PyIter::Map(f, its))
});
builtin!(FILTER, "filter", |vm, host, a, _| {
    let f = arg(vm, a, 0)?;
    let it = vm.get_iter(host, &arg(vm, a, 1)?)?;
    new_iter(vm, PyIter::Filter(f, it))
});
builtin!(SORTED, "sorted", |vm, host, a, kw| {
    let items = vm.collect_iter(host, &arg(vm, a, 0)?)?;
    vm.heap_alloc(16 + 4 * items.len())?;
    let list = Value::list(items);
    list_sort(vm, host, std::slice::from_ref(&list), kw)?;
    Ok(list)
});
builtin!(REVERSED, "reversed", |vm, host, a, _| {
    let v = arg(vm, a, 0)?;
    let mut items = vm.collect_iter(host, &v)?;
    items.reverse();
    new_iter(vm, PyIter::Snapshot(items, 0))
});
builtin!(ANY, "any", |vm, host, a, _| {
    let it = vm.get_iter(host, &arg(vm, a, 0)?)?;
    while let Some(v) = vm.iter_next(host, &it)? {
        if vm.truthy(host, &v)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
});
builtin!(ALL, "all", |vm, host, a, _| {
    let it = vm.get_iter(host, &arg(vm, a, 0)?)?;
    while let Some(v) = vm.iter_next(host, &it)? {
        if !vm.truthy(host, &v)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
});
builtin!(SUPER, "super", |vm, _, _, _| Err(vm.type_error(
    "irqlab supports super() only as super().method(...)"
)));

fn new_iter(vm: &mut Vm, it: PyIter) -> PyResult {
    vm.heap_alloc(16)?;
    Ok(Value::Iterator(Rc::new(RefCell::new(it))))
}

fn to_bigint(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(n) => Some(BigInt::from(*n)),
        Value::Bool(b) => Some(BigInt::from(*b as i32)),
        Value::BigInt(n) => Some((**n).clone()),
        _ => None,
    }
}

fn class_matches(vm: &Vm, cls: &Rc<Class>, pattern: &Value) -> bool {
    match pattern {
        Value::Class(p) => {
            Rc::ptr_eq(cls, p)
                || cls.mro.iter().any(|m| Rc::ptr_eq(m, p))
                || Rc::ptr_eq(p, &vm.types.object)
        }
        Value::Tuple(items) => items.iter().any(|p| class_matches(vm, cls, p)),
        _ => false,
    }
}

fn print(vm: &mut Vm, host: &mut dyn Host, a: &[Value], kw: Kw) -> PyResult {
    let sep = match kw_get(kw, "sep") {
        Some(Value::Str(s)) => s.text.to_string(),
        _ => " ".into(),
    };
    let end = match kw_get(kw, "end") {
        Some(Value::Str(s)) => s.text.to_string(),
        _ => "\n".into(),
    };
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        out.push_str(&to_str(vm, host, v)?);
    }
    out.push_str(&end);
    host.write_stdout(vm, &out);
    Ok(Value::None)
}

fn min_max(vm: &mut Vm, host: &mut dyn Host, a: &[Value], kw: Kw, want_min: bool) -> PyResult {
    let items = if a.len() == 1 {
        vm.collect_iter(host, &a[0])?
    } else {
        a.to_vec()
    };
    let key = kw_get(kw, "key").cloned();
    let mut best: Option<(Value, Value)> = None;
    for it in items {
        let k = match &key {
            Some(f) => vm.call(host, f, std::slice::from_ref(&it), &[])?,
            None => it.clone(),
        };
        let better = match &best {
            None => true,
            Some((bk, _)) => {
                let ord = vm.ordering(host, &k, bk, super::bytecode::BinaryOp::Less)?;
                if want_min {
                    ord == std::cmp::Ordering::Less
                } else {
                    ord == std::cmp::Ordering::Greater
                }
            }
        };
        if better {
            best = Some((k, it));
        }
    }
    match best {
        Some((_, v)) => Ok(v),
        None => match kw_get(kw, "default") {
            Some(d) => Ok(d.clone()),
            None => Err(vm.value_error("arg is an empty sequence")),
        },
    }
}

fn round(vm: &mut Vm, _host: &mut dyn Host, a: &[Value], _kw: Kw) -> PyResult {
    let v = arg(vm, a, 0)?;
    let nd = match a.get(1) {
        Some(Value::None) | None => None,
        Some(Value::Int(n)) => Some(*n),
        Some(_) => return Err(vm.type_error("can't convert to int")),
    };
    match (&v, nd) {
        (Value::Int(_) | Value::BigInt(_) | Value::Bool(_), _) => Ok(v.clone()),
        (Value::Float(x), None) => {
            let r = round_half_even(*x as f64);
            vm.make_int(r as i64)
        }
        (Value::Float(x), Some(n)) => {
            let m = 10f32.powi(n);
            let r = round_half_even((*x * m) as f64) as f32 / m;
            vm.make_float(r)
        }
        _ => Err(vm.type_error("can't round this type")),
    }
}

fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

fn radix(vm: &mut Vm, a: &[Value], base: u32) -> PyResult {
    let v = arg(vm, a, 0)?;
    let Some(n) = to_bigint(&v) else {
        return Err(vm.type_error(&format!("can't convert {} to int", vm.type_name(&v))));
    };
    let prefix = match base {
        16 => "0x",
        8 => "0o",
        _ => "0b",
    };
    let digits = n.abs().to_str_radix(base);
    let s = if n.is_negative() {
        format!("-{prefix}{digits}")
    } else {
        format!("{prefix}{digits}")
    };
    vm.heap_alloc(16 + s.len())?;
    Ok(Value::str(&s))
}

/// `__build_class__(body, name, *bases)`: runs the class body with a fresh locals dict and
/// makes the class (py/modbuiltins.c `mp_builtin___build_class__`).
fn build_class(vm: &mut Vm, host: &mut dyn Host, a: &[Value], _kw: Kw) -> PyResult {
    let body = arg(vm, a, 0)?;
    let name = str_text(&arg(vm, a, 1)?).to_string();
    let mut bases = Vec::new();
    for b in &a[2..] {
        match b {
            Value::Class(c) => {
                if let ClassKind::Builtin(tag) = c.kind
                    && tag != TypeTag::Object
                {
                    return Err(vm.type_error(&format!(
                        "irqlab does not support subclassing '{}' yet",
                        c.name.text
                    )));
                }
                bases.push(c.clone())
            }
            _ => return Err(vm.type_error("bases must be classes")),
        }
    }
    let Value::Function(f) = &body else {
        return Err(vm.type_error("class body must be a function"));
    };
    let ns = Rc::new(RefCell::new(Dict::new()));
    let mut frame = super::vm::Frame::new(
        f.code.clone(),
        f.globals.clone(),
        Some(ns.clone()),
        super::vm::FrameMode::Boundary,
        f.info.clone(),
    );
    let n_free = f.code.n_free as usize;
    let first_free = f.code.n_locals as usize - n_free;
    for &c in &f.code.cell_slots {
        frame.locals[c as usize] = Value::Cell(Rc::new(RefCell::new(Value::Null)));
    }
    for (i, cell) in f.closure.iter().enumerate().take(n_free) {
        frame.locals[first_free + i] = cell.clone();
    }
    let ret = vm.run_frame(host, frame)?;
    vm.heap_alloc(64)?;
    let dict = ns.borrow().clone();
    let cls = make_class(&name, bases, ClassKind::User, dict);
    // The body returns the `__class__` cell (if any method uses super()); fill it.
    if let super::vm::Exit::Return(Value::Cell(cell)) = ret {
        *cell.borrow_mut() = Value::Class(cls.clone());
    }
    Ok(Value::Class(cls))
}

/// Constructs an instance of a builtin type (`int(...)`, `list(...)`, ...).
#[expect(
    clippy::too_many_lines,
    reason = "one arm per built-in constructor: a flat table"
)]
pub fn construct(vm: &mut Vm, host: &mut dyn Host, tag: TypeTag, a: &[Value], kw: Kw) -> PyResult {
    use TypeTag::*;
    match tag {
        Int => super::obj::int::int_new(vm, host, a),
        Float => super::obj::float::float_new(vm, a),
        Str => match a.first() {
            None => Ok(Value::str("")),
            Some(v) => {
                let s = to_str(vm, host, v)?;
                vm.heap_alloc(16 + s.len())?;
                Ok(Value::str(&s))
            }
        },
        Bool => match a.first() {
            None => Ok(Value::Bool(false)),
            Some(v) => Ok(Value::Bool(vm.truthy(host, v)?)),
        },
        List => {
            let items = match a.first() {
                Some(v) => vm.collect_iter(host, v)?,
                None => Vec::new(),
            };
            vm.heap_alloc(16 + 4 * items.len())?;
            Ok(Value::list(items))
        }
        Tuple => {
            let items = match a.first() {
                Some(v) => vm.collect_iter(host, v)?,
                None => Vec::new(),
            };
            vm.heap_alloc(8 + 4 * items.len())?;
            Ok(Value::tuple(items))
        }
        Dict => {
            let d = Value::Dict(Rc::new(RefCell::new(super::vm::value::dict::Dict::new())));
            vm.heap_alloc(32)?;
            if let Some(src) = a.first() {
                dict_update_from(vm, host, &d, src)?;
            }
            for (k, v) in kw {
                vm.setitem(host, &d, k.clone(), v.clone())?;
            }
            Ok(d)
        }
        Set => {
            let s = Value::Set(Rc::new(RefCell::new(super::vm::value::dict::Dict::new())));
            vm.heap_alloc(32)?;
            if let Some(src) = a.first() {
                for it in vm.collect_iter(host, src)? {
                    vm.set_add(&s, it)?;
                }
            }
            Ok(s)
        }
        Range => super::obj::range::range_new(vm, a),
        Bytes | ByteArray => super::obj::bytes::bytes_new(vm, host, tag, a),
        Object => {
            vm.heap_alloc(16)?;
            let obj = vm.types.object.clone();
            Ok(Value::Instance(Rc::new(Instance {
                class: obj,
                attrs: RefCell::new(super::vm::value::dict::Dict::new()),
                exc: None,
                serial: next_serial(),
            })))
        }
        Type => match a.len() {
            1 => Ok(vm.type_of(&a[0])),
            _ => Err(vm.type_error("irqlab supports type(obj) only")),
        },
        StaticMethod => Ok(Value::Wrapper(Rc::new(Wrapper::StaticMethod(arg(
            vm, a, 0,
        )?)))),
        ClassMethod => Ok(Value::Wrapper(Rc::new(Wrapper::ClassMethod(arg(
            vm, a, 0,
        )?)))),
        Property => Ok(Value::Wrapper(Rc::new(Wrapper::Property {
            fget: arg(vm, a, 0)?,
            fset: a.get(1).cloned().unwrap_or(Value::None),
        }))),
        Slice => super::obj::slice::slice_new(vm, a),
        _ => Err(vm.type_error(&format!(
            "cannot create '{}' instances",
            vm.types.by_tag[tag as usize].name.text
        ))),
    }
}

fn dict_update_from(vm: &mut Vm, host: &mut dyn Host, d: &Value, src: &Value) -> Result<(), Flow> {
    if let Value::Dict(s) = src {
        let items: Vec<(Value, Value)> = s
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in items {
            vm.setitem(host, d, k, v)?;
        }
        return Ok(());
    }
    for item in vm.collect_iter(host, src)? {
        let kv = vm.unpack(host, &item, 2)?;
        vm.setitem(host, d, kv[0].clone(), kv[1].clone())?;
    }
    Ok(())
}

// ---------------------------------------------------------------- modules

pub use super::modules::make_module;

impl Vm {
    /// The builtin types and exception classes a new VM starts with ([`make_types`]).
    pub(crate) fn builtin_types() -> (Types, ExcTypes) {
        make_types()
    }

    /// Installs the builtin functions and types in the builtins dict ([`install`]).
    pub(crate) fn install_builtins(&mut self) {
        install(self);
    }

    /// Calls builtin type `tag` as a constructor (`int(x)`, `list(it)`, ...).
    pub(crate) fn construct_builtin(
        &mut self,
        host: &mut dyn Host,
        tag: TypeTag,
        a: &[Value],
        kw: Kw,
    ) -> PyResult {
        construct(self, host, tag, a, kw)
    }

    /// `__build_class__`, which `LOAD_BUILD_CLASS` pushes.
    pub(crate) fn build_class_fn() -> Value {
        Value::Builtin(&BUILD_CLASS)
    }
}
