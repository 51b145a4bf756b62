//! Exception matching for `except` clauses (py/objexcept.c, `mp_obj_exception_match`).

use super::*;

impl Vm {
    pub(crate) fn exception_match(&self, exc: &Value, pattern: &Value) -> bool {
        match pattern {
            Value::Class(c) => self.is_instance_of(exc, c),
            Value::Tuple(items) => items.iter().any(|p| self.exception_match(exc, p)),
            _ => false,
        }
    }
}

method!(EXC_INIT, "__init__", |_, _, a, _| {
    // BaseException.__init__(self, *args) stores args (py/objexcept.c).
    if let Some(Value::Instance(i)) = a.first()
        && let Some(st) = &i.exc
    {
        st.borrow_mut().args = a[1..].to_vec();
    }
    Ok(Value::None)
});
