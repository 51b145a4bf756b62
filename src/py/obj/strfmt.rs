//! Connects the VM to the formatting drivers of [`crate::py::format`]: `str % args`,
//! `str.format(...)` (and f-strings, which compile to it).
//!
//! [`VmFormat`] implements [`FormatHost`]: it classifies values, calls `str()`/`repr()` (which
//! may run user `__str__`/`__repr__`), and turns a [`FormatError`] into the Python exception
//! MicroPython raises.

use num_bigint::BigInt;

use super::{repr, to_str};
use crate::py::format::{self, ArgKind, ExcType, FormatError, FormatHost, PercentArgs};
use crate::py::vm::value::Value;
use crate::py::vm::{Flow, Host, Vm};

/// The VM seen by the formatters.
pub struct VmFormat<'a> {
    /// The VM.
    pub vm: &'a mut Vm,
    /// Its host (for user `__str__` code that prints or sleeps).
    pub host: &'a mut dyn Host,
}

impl FormatHost for VmFormat<'_> {
    type Obj = Value;
    type Error = Flow;

    fn kind(&mut self, obj: &Value) -> ArgKind {
        match obj {
            Value::Int(n) => ArgKind::Int(BigInt::from(*n)),
            Value::BigInt(n) => ArgKind::Int((**n).clone()),
            Value::Bool(b) => ArgKind::Bool(*b),
            Value::Float(x) => ArgKind::Float(*x),
            Value::Str(s) => ArgKind::Str(s.text.to_string()),
            Value::Bytes(b) => ArgKind::Bytes((**b).clone()),
            other => ArgKind::Other(self.vm.type_name(other)),
        }
    }

    fn str(&mut self, obj: &Value) -> Result<String, Flow> {
        to_str(self.vm, self.host, obj)
    }

    fn repr(&mut self, obj: &Value) -> Result<String, Flow> {
        repr(self.vm, self.host, obj)
    }

    fn error(&mut self, err: FormatError) -> Flow {
        format_error(self.vm, err)
    }

    fn dict_get(&mut self, dict: &Value, key: &str) -> Result<Value, Flow> {
        let k = Value::str(key);
        self.vm.subscr(self.host, dict, &k)
    }
}

/// The Python exception for a formatting error.
pub fn format_error(vm: &mut Vm, err: FormatError) -> Flow {
    let cls = match err.exc {
        ExcType::ValueError => vm.exc.value_error.clone(),
        ExcType::TypeError => vm.exc.type_error.clone(),
        ExcType::IndexError => vm.exc.index_error.clone(),
        ExcType::KeyError => vm.exc.key_error.clone(),
        ExcType::OverflowError => vm.exc.overflow_error.clone(),
        ExcType::NotImplementedError => vm.exc.not_implemented_error.clone(),
        ExcType::MemoryError => vm.exc.memory_error.clone(),
        ExcType::RuntimeError => vm.exc.runtime_error.clone(),
    };
    vm.new_exc_msg(&cls, &err.message)
}

/// `fmt % args` (py/objstr.c `str_modulo_format`).
pub fn percent_format(
    vm: &mut Vm,
    host: &mut dyn Host,
    fmt: &str,
    args: &Value,
) -> Result<String, Flow> {
    let mut h = VmFormat { vm, host };
    match args {
        Value::Tuple(items) => {
            let items = items.to_vec();
            format::percent_format(&mut h, fmt, PercentArgs::Tuple(&items))
        }
        Value::Dict(_) => format::percent_format(&mut h, fmt, PercentArgs::Dict(args)),
        other => format::percent_format(&mut h, fmt, PercentArgs::Single(other)),
    }
}

/// `fmt.format(*args, **kw)` (py/objstr.c `mp_obj_str_format`).
pub fn str_format(
    vm: &mut Vm,
    host: &mut dyn Host,
    fmt: &str,
    args: &[Value],
    kw: &[(Value, Value)],
) -> Result<String, Flow> {
    let mut h = VmFormat { vm, host };
    format::str_format(&mut h, fmt, args, |name| {
        kw.iter()
            .find(|(k, _)| crate::py::vm::str_text(k) == name)
            .map(|(_, v)| v.clone())
    })
}
