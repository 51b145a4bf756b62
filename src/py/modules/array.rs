//! The `array` module (py/modarray.c): the `array.array` type, whose methods live in
//! [`crate::py::obj::array`].

use super::*;

/// The `array` module's attributes.
pub fn array_module() -> Vec<(&'static str, Value)> {
    vec![("array", Value::Builtin(&crate::py::obj::array::ARRAY_NEW))]
}
