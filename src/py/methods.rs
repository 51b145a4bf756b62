//! Methods of the builtin types (`str`, `list`, `dict`, `set`, `tuple`, `bytes`, `array`,
//! generators, `int`) and the `math`, `gc` and `sys` module functions — MicroPython's `obj*.c`
//! method tables. Each method receives its receiver as `args[0]`.

use std::cell::RefCell;
use std::rc::Rc;

use super::args::{Kw, arg, int_arg, kw_get};
use super::dict::key_hash;
use super::ops::bytes_of;
use super::value::*;
use super::vm::{Flow, Host, PyResult, Resumed, Vm};

macro_rules! method {
    ($id:ident, $name:expr, $f:expr) => {
        /// A method table entry.
        pub static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

fn recv_str(a: &[Value]) -> Rc<PyStr> {
    match &a[0] {
        Value::Str(s) => s.clone(),
        _ => unreachable!("str method called on a str"),
    }
}

fn str_arg(vm: &mut Vm, a: &[Value], i: usize) -> Result<String, Flow> {
    match arg(vm, a, i)? {
        Value::Str(s) => Ok(s.text.to_string()),
        other => Err(vm.type_error(&format!(
            "can't convert '{}' object to str implicitly",
            vm.type_name(&other)
        ))),
    }
}

fn new_str(vm: &mut Vm, s: &str) -> PyResult {
    vm.heap_alloc(16 + s.len())?;
    Ok(Value::str(s))
}

fn new_list(vm: &mut Vm, items: Vec<Value>) -> PyResult {
    vm.heap_alloc(16 + 4 * items.len())?;
    Ok(Value::list(items))
}

/// Methods of `str`.
pub static STR_METHODS: &[&BuiltinDef] = &[
    &S_SPLIT,
    &S_RSPLIT,
    &S_JOIN,
    &S_STRIP,
    &S_LSTRIP,
    &S_RSTRIP,
    &S_UPPER,
    &S_LOWER,
    &S_REPLACE,
    &S_FIND,
    &S_RFIND,
    &S_INDEX,
    &S_STARTSWITH,
    &S_ENDSWITH,
    &S_FORMAT,
    &S_ISDIGIT,
    &S_ISALPHA,
    &S_ISSPACE,
    &S_ISUPPER,
    &S_ISLOWER,
    &S_COUNT,
    &S_ENCODE,
    &S_SPLITLINES,
    &S_PARTITION,
    &S_CENTER,
];
method!(S_SPLIT, "split", |vm, _, a, kw| {
    let s = recv_str(a);
    let sep = a
        .get(1)
        .or_else(|| kw_get(kw, "sep"))
        .cloned()
        .unwrap_or(Value::None);
    let maxsplit = a
        .get(2)
        .or_else(|| kw_get(kw, "maxsplit"))
        .and_then(|v| {
            if let Value::Int(n) = v {
                Some(*n)
            } else {
                None
            }
        })
        .unwrap_or(-1);
    let parts: Vec<String> = match &sep {
        Value::None => {
            if maxsplit < 0 {
                s.text.split_whitespace().map(String::from).collect()
            } else {
                let mut out = Vec::new();
                let mut rest = s.text.trim_start();
                for _ in 0..maxsplit {
                    match rest.find(char::is_whitespace) {
                        Some(p) => {
                            out.push(rest[..p].to_string());
                            rest = rest[p..].trim_start();
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    out.push(rest.to_string());
                }
                out
            }
        }
        Value::Str(sep) => {
            if sep.text.is_empty() {
                return Err(vm.value_error("empty separator"));
            }
            if maxsplit < 0 {
                s.text.split(&*sep.text).map(String::from).collect()
            } else {
                s.text
                    .splitn(maxsplit as usize + 1, &*sep.text)
                    .map(String::from)
                    .collect()
            }
        }
        _ => return Err(vm.type_error("must use keyword argument for key function")),
    };
    let items = parts.iter().map(|p| Value::str(p)).collect();
    new_list(vm, items)
});
method!(S_RSPLIT, "rsplit", |vm, _, a, _| {
    let s = recv_str(a);
    let sep = str_arg(vm, a, 1)?;
    let maxsplit = match a.get(2) {
        Some(Value::Int(n)) => *n,
        _ => -1,
    };
    let mut parts: Vec<String> = if maxsplit < 0 {
        s.text.split(sep.as_str()).map(String::from).collect()
    } else {
        s.text
            .rsplitn(maxsplit as usize + 1, sep.as_str())
            .map(String::from)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect()
    };
    if maxsplit < 0 {
        parts = parts.into_iter().collect();
    }
    let items = parts.iter().map(|p| Value::str(p)).collect();
    new_list(vm, items)
});
method!(S_JOIN, "join", |vm, host, a, _| {
    let s = recv_str(a);
    let items = vm.collect_iter(host, &arg(vm, a, 1)?)?;
    let mut out = String::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&s.text);
        }
        match it {
            Value::Str(p) => out.push_str(&p.text),
            other => {
                return Err(vm.type_error(&format!(
                    "join expects a list of str/bytes objects consistent with self object, not {}",
                    vm.type_name(other)
                )));
            }
        }
    }
    new_str(vm, &out)
});
fn strip_chars(vm: &mut Vm, a: &[Value]) -> Result<Option<Vec<char>>, Flow> {
    match a.get(1) {
        None | Some(Value::None) => Ok(None),
        Some(_) => Ok(Some(str_arg(vm, a, 1)?.chars().collect())),
    }
}
method!(S_STRIP, "strip", |vm, _, a, _| {
    let s = recv_str(a);
    let r = match strip_chars(vm, a)? {
        None => s.text.trim().to_string(),
        Some(cs) => s.text.trim_matches(|c| cs.contains(&c)).to_string(),
    };
    new_str(vm, &r)
});
method!(S_LSTRIP, "lstrip", |vm, _, a, _| {
    let s = recv_str(a);
    let r = match strip_chars(vm, a)? {
        None => s.text.trim_start().to_string(),
        Some(cs) => s.text.trim_start_matches(|c| cs.contains(&c)).to_string(),
    };
    new_str(vm, &r)
});
method!(S_RSTRIP, "rstrip", |vm, _, a, _| {
    let s = recv_str(a);
    let r = match strip_chars(vm, a)? {
        None => s.text.trim_end().to_string(),
        Some(cs) => s.text.trim_end_matches(|c| cs.contains(&c)).to_string(),
    };
    new_str(vm, &r)
});
method!(S_UPPER, "upper", |vm, _, a, _| {
    let s = recv_str(a).text.to_uppercase();
    new_str(vm, &s)
});
method!(S_LOWER, "lower", |vm, _, a, _| {
    let s = recv_str(a).text.to_lowercase();
    new_str(vm, &s)
});
method!(S_REPLACE, "replace", |vm, _, a, _| {
    let s = recv_str(a);
    let (old, new) = (str_arg(vm, a, 1)?, str_arg(vm, a, 2)?);
    let r = match a.get(3) {
        Some(Value::Int(n)) if *n >= 0 => s.text.replacen(old.as_str(), &new, *n as usize),
        _ => s.text.replace(old.as_str(), &new),
    };
    new_str(vm, &r)
});
fn char_index(text: &str, byte: usize) -> i64 {
    text[..byte].chars().count() as i64
}
method!(S_FIND, "find", |vm, _, a, _| {
    let s = recv_str(a);
    let sub = str_arg(vm, a, 1)?;
    Ok(Value::int(
        s.text
            .find(sub.as_str())
            .map_or(-1, |b| char_index(&s.text, b)),
    ))
});
method!(S_RFIND, "rfind", |vm, _, a, _| {
    let s = recv_str(a);
    let sub = str_arg(vm, a, 1)?;
    Ok(Value::int(
        s.text
            .rfind(sub.as_str())
            .map_or(-1, |b| char_index(&s.text, b)),
    ))
});
method!(S_INDEX, "index", |vm, _, a, _| {
    let s = recv_str(a);
    let sub = str_arg(vm, a, 1)?;
    match s.text.find(sub.as_str()) {
        Some(b) => Ok(Value::int(char_index(&s.text, b))),
        None => Err(vm.value_error("substring not found")),
    }
});
fn affix_test(vm: &mut Vm, a: &[Value], start: bool) -> PyResult {
    let s = recv_str(a);
    let candidates: Vec<Value> = match arg(vm, a, 1)? {
        Value::Tuple(t) => t.to_vec(),
        v => vec![v],
    };
    for c in candidates {
        let Value::Str(c) = c else {
            return Err(vm.type_error("startswith/endswith expects str"));
        };
        let hit = if start {
            s.text.starts_with(&*c.text)
        } else {
            s.text.ends_with(&*c.text)
        };
        if hit {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}
method!(S_STARTSWITH, "startswith", |vm, _, a, _| affix_test(
    vm, a, true
));
method!(S_ENDSWITH, "endswith", |vm, _, a, _| affix_test(
    vm, a, false
));
method!(S_FORMAT, "format", |vm, host, a, kw| {
    let s = recv_str(a);
    let out = super::strfmt::str_format(vm, host, &s.text, &a[1..], kw)?;
    new_str(vm, &out)
});
fn all_chars(a: &[Value], f: fn(char) -> bool) -> PyResult {
    let s = recv_str(a);
    Ok(Value::Bool(!s.text.is_empty() && s.text.chars().all(f)))
}
method!(S_ISDIGIT, "isdigit", |_, _, a, _| all_chars(a, |c| c
    .is_ascii_digit()));
method!(S_ISALPHA, "isalpha", |_, _, a, _| all_chars(a, |c| c
    .is_alphabetic()));
method!(S_ISSPACE, "isspace", |_, _, a, _| all_chars(a, |c| c
    .is_whitespace()));
method!(S_ISUPPER, "isupper", |_, _, a, _| {
    let s = recv_str(a);
    Ok(Value::Bool(
        s.text.chars().any(|c| c.is_alphabetic()) && !s.text.chars().any(|c| c.is_lowercase()),
    ))
});
method!(S_ISLOWER, "islower", |_, _, a, _| {
    let s = recv_str(a);
    Ok(Value::Bool(
        s.text.chars().any(|c| c.is_alphabetic()) && !s.text.chars().any(|c| c.is_uppercase()),
    ))
});
method!(S_COUNT, "count", |vm, _, a, _| {
    let s = recv_str(a);
    let sub = str_arg(vm, a, 1)?;
    let n = if sub.is_empty() {
        s.text.chars().count() + 1
    } else {
        s.text.matches(sub.as_str()).count()
    };
    Ok(Value::int(n as i64))
});
method!(S_ENCODE, "encode", |vm, _, a, _| {
    let s = recv_str(a);
    vm.heap_alloc(16 + s.text.len())?;
    Ok(Value::Bytes(Rc::new(s.text.as_bytes().to_vec())))
});
method!(S_SPLITLINES, "splitlines", |vm, _, a, _| {
    let s = recv_str(a);
    let items = s.text.lines().map(Value::str).collect();
    new_list(vm, items)
});
method!(S_PARTITION, "partition", |vm, _, a, _| {
    let s = recv_str(a);
    let sep = str_arg(vm, a, 1)?;
    let parts = match s.text.find(sep.as_str()) {
        Some(p) => vec![
            Value::str(&s.text[..p]),
            Value::str(&sep),
            Value::str(&s.text[p + sep.len()..]),
        ],
        None => vec![Value::str(&s.text), Value::str(""), Value::str("")],
    };
    vm.heap_alloc(32)?;
    Ok(Value::tuple(parts))
});
method!(S_CENTER, "center", |vm, _, a, _| {
    let s = recv_str(a);
    let width = int_arg(vm, a, 1)? as usize;
    let len = s.text.chars().count();
    if width <= len {
        return Ok(a[0].clone());
    }
    let left = (width - len) / 2;
    let r = format!(
        "{}{}{}",
        " ".repeat(left),
        s.text,
        " ".repeat(width - len - left)
    );
    new_str(vm, &r)
});

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
    if super::ops::list_grows_at(len as usize) {
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
fn seq_index(vm: &mut Vm, host: &mut dyn Host, items: &[Value], x: &Value) -> PyResult {
    for (i, it) in items.iter().enumerate() {
        if vm.eq(host, it, x)? {
            return Ok(Value::int(i as i64));
        }
    }
    Err(vm.value_error("object not in sequence"))
}
fn seq_count(vm: &mut Vm, host: &mut dyn Host, items: &[Value], x: &Value) -> PyResult {
    let mut n = 0;
    for it in items {
        if vm.eq(host, it, x)? {
            n += 1;
        }
    }
    Ok(Value::int(n))
}
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

fn recv_dict(a: &[Value]) -> Rc<RefCell<super::dict::Dict>> {
    match &a[0] {
        Value::Dict(d) | Value::Set(d) => d.clone(),
        _ => unreachable!("dict method called on a dict"),
    }
}

fn hash_or_err(vm: &mut Vm, k: &Value) -> Result<u32, Flow> {
    key_hash(k).ok_or_else(|| vm.type_error(&format!("unhashable type: '{}'", vm.type_name(k))))
}

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
    let s = Value::Set(Rc::new(RefCell::new(super::dict::Dict::new())));
    for it in vm.collect_iter(host, v)? {
        vm.set_add(&s, it)?;
    }
    Ok(s)
}
fn set_binop(
    vm: &mut Vm,
    host: &mut dyn Host,
    a: &[Value],
    op: super::bytecode::BinaryOp,
) -> PyResult {
    let other = set_from(vm, host, &arg(vm, a, 1)?)?;
    vm.binary_op(host, op, a[0].clone(), other)
}
method!(SET_UNION, "union", |vm, host, a, _| set_binop(
    vm,
    host,
    a,
    super::bytecode::BinaryOp::Or
));
method!(
    SET_INTERSECTION,
    "intersection",
    |vm, host, a, _| set_binop(vm, host, a, super::bytecode::BinaryOp::And)
);
method!(SET_DIFFERENCE, "difference", |vm, host, a, _| set_binop(
    vm,
    host,
    a,
    super::bytecode::BinaryOp::Subtract
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

/// Methods of generators.
pub static GEN_METHODS: &[&BuiltinDef] = &[&G_SEND, &G_THROW, &G_CLOSE, &G_NEXT];
fn gen_of(a: &[Value]) -> Rc<RefCell<Generator>> {
    match &a[0] {
        Value::Generator(g) => g.clone(),
        _ => unreachable!("generator method"),
    }
}
fn resumed(vm: &mut Vm, r: Resumed) -> PyResult {
    match r {
        Resumed::Yield(v) => Ok(v),
        Resumed::Return(v) => {
            let c = vm.exc.stop_iteration.clone();
            let args = if matches!(v, Value::None) {
                vec![]
            } else {
                vec![v]
            };
            Err(Flow::Exception(vm.new_exception(&c, args)))
        }
    }
}
method!(G_SEND, "send", |vm, host, a, _| {
    let g = gen_of(a);
    let r = vm.resume(host, &g, arg(vm, a, 1)?, None)?;
    resumed(vm, r)
});
method!(G_NEXT, "__next__", |vm, host, a, _| {
    let g = gen_of(a);
    let r = vm.resume(host, &g, Value::None, None)?;
    resumed(vm, r)
});
method!(G_THROW, "throw", |vm, host, a, _| {
    let g = gen_of(a);
    let e = arg(vm, a, 1)?;
    let exc = match &e {
        Value::Class(_) => vm.call(host, &e, &[], &[])?,
        _ => e,
    };
    let r = vm.resume(host, &g, Value::None, Some(exc))?;
    resumed(vm, r)
});
method!(G_CLOSE, "close", |vm, host, a, _| {
    let g = gen_of(a);
    let state = g.borrow().state;
    if state != GenState::Suspended {
        g.borrow_mut().state = GenState::Finished;
        return Ok(Value::None);
    }
    let c = vm.exc.generator_exit.clone();
    let exit = vm.new_exception(&c, vec![]);
    match vm.resume(host, &g, Value::None, Some(exit)) {
        Ok(Resumed::Yield(_)) => Err(vm.new_exc_msg(
            &vm.exc.runtime_error.clone(),
            "generator ignored GeneratorExit",
        )),
        Ok(Resumed::Return(_)) => Ok(Value::None),
        Err(Flow::Exception(e))
            if vm.is_instance_of(&e, &c)
                || vm.is_instance_of(&e, &vm.exc.stop_iteration.clone()) =>
        {
            Ok(Value::None)
        }
        Err(e) => Err(e),
    }
});

/// Methods of `int`.
pub static INT_METHODS: &[&BuiltinDef] = &[&I_TO_BYTES];
method!(I_TO_BYTES, "to_bytes", |vm, _, a, _| {
    let n = int_arg(vm, a, 0)?;
    let len = int_arg(vm, a, 1)? as usize;
    let little = matches!(a.get(2), Some(Value::Str(s)) if &*s.text == "little");
    let mut out: Vec<u8> = (0..len).map(|i| (n >> (8 * i)) as u8).collect();
    if !little {
        out.reverse();
    }
    vm.heap_alloc(16 + len)?;
    Ok(Value::Bytes(Rc::new(out)))
});

// ---------------------------------------------------------------- math, gc, sys

fn float_arg(vm: &mut Vm, a: &[Value], i: usize) -> Result<f32, Flow> {
    match arg(vm, a, i)? {
        Value::Float(x) => Ok(x),
        Value::Int(n) => Ok(n as f32),
        Value::Bool(b) => Ok(b as i32 as f32),
        Value::BigInt(n) => Ok(num_traits::ToPrimitive::to_f32(&*n).unwrap_or(f32::INFINITY)),
        other => Err(vm.type_error(&format!("can't convert {} to float", vm.type_name(&other)))),
    }
}

macro_rules! math1 {
    ($id:ident, $name:expr, $f:expr) => {
        method!($id, $name, |vm, _, a, _| {
            let x = float_arg(vm, a, 0)?;
            let f: fn(f32) -> f32 = $f;
            vm.make_float(f(x))
        });
    };
}
math1!(M_SQRT, "sqrt", f32::sqrt);
math1!(M_SIN, "sin", f32::sin);
math1!(M_COS, "cos", f32::cos);
math1!(M_TAN, "tan", f32::tan);
math1!(M_EXP, "exp", f32::exp);
math1!(M_LOG10, "log10", f32::log10);
math1!(M_FABS, "fabs", f32::abs);
math1!(M_ATAN, "atan", f32::atan);
math1!(M_ASIN, "asin", f32::asin);
math1!(M_ACOS, "acos", f32::acos);
method!(M_LOG, "log", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    if x <= 0.0 {
        return Err(vm.value_error("math domain error"));
    }
    let r = match a.get(1) {
        Some(_) => x.ln() / float_arg(vm, a, 1)?.ln(),
        None => x.ln(),
    };
    vm.make_float(r)
});
method!(M_FLOOR, "floor", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_int(x.floor() as i64)
});
method!(M_CEIL, "ceil", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_int(x.ceil() as i64)
});
method!(M_TRUNC, "trunc", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_int(x.trunc() as i64)
});
method!(M_POW, "pow", |vm, _, a, _| {
    let (x, y) = (float_arg(vm, a, 0)?, float_arg(vm, a, 1)?);
    vm.make_float(x.powf(y))
});
method!(M_ATAN2, "atan2", |vm, _, a, _| {
    let (y, x) = (float_arg(vm, a, 0)?, float_arg(vm, a, 1)?);
    vm.make_float(y.atan2(x))
});
method!(M_ISNAN, "isnan", |vm, _, a, _| Ok(Value::Bool(
    float_arg(vm, a, 0)?.is_nan()
)));
method!(M_ISINF, "isinf", |vm, _, a, _| Ok(Value::Bool(
    float_arg(vm, a, 0)?.is_infinite()
)));
method!(M_RADIANS, "radians", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_float(x.to_radians())
});
method!(M_DEGREES, "degrees", |vm, _, a, _| {
    let x = float_arg(vm, a, 0)?;
    vm.make_float(x.to_degrees())
});

/// The `math` module's attributes.
pub fn math_module() -> Vec<(&'static str, Value)> {
    let mut v: Vec<(&'static str, Value)> = vec![
        ("pi", Value::Float(std::f32::consts::PI)),
        ("e", Value::Float(std::f32::consts::E)),
        ("inf", Value::Float(f32::INFINITY)),
        ("nan", Value::Float(f32::NAN)),
    ];
    for d in [
        &M_SQRT, &M_SIN, &M_COS, &M_TAN, &M_EXP, &M_LOG, &M_LOG10, &M_FABS, &M_ATAN, &M_ASIN,
        &M_ACOS, &M_FLOOR, &M_CEIL, &M_TRUNC, &M_POW, &M_ATAN2, &M_ISNAN, &M_ISINF, &M_RADIANS,
        &M_DEGREES,
    ] {
        v.push((d.name, Value::Builtin(d)));
    }
    v
}

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

method!(SYS_EXIT, "exit", |vm, _, a, _| {
    let c = vm.exc.system_exit.clone();
    Err(Flow::Exception(vm.new_exception(&c, a.to_vec())))
});
method!(SYS_PRINT_EXCEPTION, "print_exception", |vm, host, a, _| {
    let e = arg(vm, a, 0)?;
    let text = vm.format_exception(host, &e);
    host.write_stdout(vm, &text);
    Ok(Value::None)
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
            super::bytecode::BinaryOp::Less,
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
