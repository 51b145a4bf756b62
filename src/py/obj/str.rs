//! `str` methods (py/objstr.c, py/objstrunicode.c).

use super::*;

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
