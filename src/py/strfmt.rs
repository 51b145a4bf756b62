//! `%`-formatting and `str.format` drivers (temporary minimal version).

use super::ops::{repr, to_str};
use super::value::Value;
use super::vm::{Flow, Host, Vm};

/// `fmt % args`.
pub fn percent_format(vm: &mut Vm, host: &mut dyn Host, fmt: &str, args: &Value) -> Result<String, Flow> {
    let items = match args {
        Value::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
    };
    let mut out = String::new();
    let mut it = items.into_iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('r') => out.push_str(&repr(vm, host, &it.next().unwrap_or(Value::None))?),
            Some(_) => out.push_str(&to_str(vm, host, &it.next().unwrap_or(Value::None))?),
            None => {}
        }
    }
    Ok(out)
}

/// `fmt.format(*args, **kw)`.
pub fn str_format(vm: &mut Vm, host: &mut dyn Host, fmt: &str, args: &[Value], _kw: &[(Value, Value)]) -> Result<String, Flow> {
    let mut out = String::new();
    let mut i = 0;
    let mut rest = fmt;
    while let Some(p) = rest.find('{') {
        out.push_str(&rest[..p]);
        let end = rest[p..].find('}').map_or(rest.len(), |e| p + e);
        out.push_str(&to_str(vm, host, args.get(i).unwrap_or(&Value::None))?);
        i += 1;
        rest = &rest[(end + 1).min(rest.len())..];
    }
    out.push_str(rest);
    Ok(out)
}
