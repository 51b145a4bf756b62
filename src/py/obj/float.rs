//! `float`: boxed floats and mixed int/float arithmetic in single precision (py/objfloat.c);
//! floats are boxed on the board and charged to the heap (facts §3).

use super::*;

impl Vm {
    /// A float result: boxed on the board, so it is charged to the heap.
    pub fn make_float(&mut self, x: f32) -> PyResult {
        self.heap_alloc_for(8, AllocWhat::Float)?;
        Ok(Value::Float(x))
    }

    pub(super) fn numeric_op(&mut self, op: BinaryOp, a: Num, b: Num) -> PyResult {
        use BinaryOp::*;
        match (a, b) {
            (Num::Int(a), Num::Int(b)) => self.int_op(op, a, b),
            (a, b) => {
                let x = match a {
                    Num::Int(n) => n.to_f64().unwrap_or(f64::INFINITY),
                    Num::Float(x) => x,
                } as f32;
                let y = match b {
                    Num::Int(n) => n.to_f64().unwrap_or(f64::INFINITY),
                    Num::Float(x) => x,
                } as f32;
                let r = match op {
                    Add => x + y,
                    Subtract => x - y,
                    Multiply => x * y,
                    TrueDivide => {
                        if y == 0.0 {
                            return Err(self.zero_division());
                        }
                        x / y
                    }
                    FloorDivide => {
                        if y == 0.0 {
                            return Err(self.zero_division());
                        }
                        crate::py::num::float_floordiv(x, y)
                    }
                    Modulo => {
                        if y == 0.0 {
                            return Err(self.zero_division());
                        }
                        crate::py::num::float_mod(x, y)
                    }
                    Power => {
                        if x == 0.0 && y < 0.0 {
                            return Err(self.zero_division());
                        }
                        x.powf(y)
                    }
                    _ => return Err(self.type_error("unsupported types for float operation")),
                };
                self.make_float(r)
            }
        }
    }
}

/// `float(x)` (py/objfloat.c `float_make_new`).
pub(crate) fn float_new(vm: &mut Vm, a: &[Value]) -> PyResult {
    match a.first() {
        None => Ok(Value::Float(0.0)),
        Some(Value::Float(x)) => Ok(Value::Float(*x)),
        Some(Value::Int(n)) => vm.make_float(*n as f32),
        Some(Value::Bool(b)) => vm.make_float(*b as i32 as f32),
        Some(Value::BigInt(n)) => vm.make_float(n.to_f32().unwrap_or(f32::INFINITY)),
        Some(Value::Str(s)) => match crate::py::format::parse_float(&s.text) {
            Ok(x) => vm.make_float(x),
            Err(e) => Err(super::strfmt::format_error(vm, e)),
        },
        Some(other) => {
            Err(vm.type_error(&format!("can't convert {} to float", vm.type_name(other))))
        }
    }
}
