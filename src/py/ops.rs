//! Operations on values: truth, arithmetic, comparison, attributes, subscripts, iteration,
//! `repr`/`str` — MicroPython's `mp_binary_op`, `mp_load_attr`, `mp_getiter` and friends.
//!
//! Small-int arithmetic never allocates; results outside the 31-bit range become big ints and
//! are charged to the heap, as are float results (boxed on the board, facts §3).

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use super::bytecode::{BinaryOp, UnaryOp};
use super::dict::{Dict, key_eq, key_hash};
use super::value::*;
use super::vm::{AllocWhat, Flow, Host, PyResult, Resumed, Vm, str_text};

/// A number widened for arithmetic.
enum Num {
    Int(BigInt),
    Float(f64),
}

fn as_num(v: &Value) -> Option<Num> {
    Some(match v {
        Value::Bool(b) => Num::Int(BigInt::from(*b as i32)),
        Value::Int(n) => Num::Int(BigInt::from(*n)),
        Value::BigInt(n) => Num::Int((**n).clone()),
        Value::Float(x) => Num::Float(*x as f64),
        _ => return None,
    })
}

fn small(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n as i64),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

impl Vm {
    /// Python truth (`mp_obj_is_true`).
    pub fn truthy(&mut self, host: &mut dyn Host, v: &Value) -> Result<bool, Flow> {
        Ok(match v {
            Value::None | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(n) => *n != 0,
            Value::Float(x) => *x != 0.0,
            Value::BigInt(n) => !n.is_zero(),
            Value::Str(s) => !s.text.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::ByteArray(b) => !b.borrow().is_empty(),
            Value::Array(a) => a.borrow().items_len() > 0,
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Instance(i) => {
                if let Some(f) = self.lookup_class_attr(&i.class, "__bool__") {
                    let r = self.call(host, &f, std::slice::from_ref(v), &[])?;
                    return self.truthy(host, &r);
                }
                if let Some(f) = self.lookup_class_attr(&i.class, "__len__") {
                    let r = self.call(host, &f, std::slice::from_ref(v), &[])?;
                    return Ok(!matches!(r, Value::Int(0)));
                }
                true
            }
            _ => true,
        })
    }

    /// `UNARY_OP`.
    pub fn unary_op(&mut self, host: &mut dyn Host, op: UnaryOp, a: &Value) -> PyResult {
        if op == UnaryOp::Not {
            return Ok(Value::Bool(!self.truthy(host, a)?));
        }
        match (op, a) {
            (UnaryOp::Positive, Value::Int(_) | Value::BigInt(_) | Value::Float(_)) => {
                Ok(a.clone())
            }
            (UnaryOp::Positive, Value::Bool(b)) => Ok(Value::Int(*b as i32)),
            (UnaryOp::Negative, Value::Int(n)) => self.make_int(-(*n as i64)),
            (UnaryOp::Negative, Value::Bool(b)) => Ok(Value::Int(-(*b as i32))),
            (UnaryOp::Negative, Value::BigInt(n)) => self.make_bigint(-(**n).clone()),
            (UnaryOp::Negative, Value::Float(x)) => self.make_float(-*x),
            (UnaryOp::Invert, Value::Int(n)) => Ok(Value::Int(!*n)),
            (UnaryOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(*b as i32))),
            (UnaryOp::Invert, Value::BigInt(n)) => self.make_bigint(-(**n).clone() - 1),
            (_, Value::Instance(i)) => {
                let name = match op {
                    UnaryOp::Positive => "__pos__",
                    UnaryOp::Negative => "__neg__",
                    _ => "__invert__",
                };
                match self.lookup_class_attr(&i.class, name) {
                    Some(f) => self.call(host, &f, std::slice::from_ref(a), &[]),
                    None => Err(self.unsupported_unary(op, a)),
                }
            }
            _ => Err(self.unsupported_unary(op, a)),
        }
    }

    fn unsupported_unary(&mut self, op: UnaryOp, a: &Value) -> Flow {
        let sym = match op {
            UnaryOp::Positive => "+",
            UnaryOp::Negative => "-",
            UnaryOp::Invert => "~",
            UnaryOp::Not => "not",
        };
        let t = self.type_name(a);
        self.type_error(&format!("unsupported type for {sym}: '{t}'"))
    }

    /// An int result: small when it fits, else a heap-allocated big int.
    pub fn make_int(&mut self, n: i64) -> PyResult {
        if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&n) {
            Ok(Value::Int(n as i32))
        } else {
            self.heap_alloc_for(16, AllocWhat::BigInt)?;
            Ok(Value::BigInt(Rc::new(BigInt::from(n))))
        }
    }

    /// A big-int result, normalised; allocation charged when it stays big.
    pub fn make_bigint(&mut self, n: BigInt) -> PyResult {
        let v = Value::from_bigint(n);
        if let Value::BigInt(b) = &v {
            self.heap_alloc_for(16 + (b.bits() as usize).div_ceil(8), AllocWhat::BigInt)?;
        }
        Ok(v)
    }

    /// A float result: boxed on the board, so it is charged to the heap.
    pub fn make_float(&mut self, x: f32) -> PyResult {
        self.heap_alloc_for(8, AllocWhat::Float)?;
        Ok(Value::Float(x))
    }

    /// `BINARY_OP`.
    pub fn binary_op(
        &mut self,
        host: &mut dyn Host,
        op: BinaryOp,
        lhs: Value,
        rhs: Value,
    ) -> PyResult {
        use BinaryOp::*;
        // Fast path: small ints.
        if let (Value::Int(a), Value::Int(b)) = (&lhs, &rhs) {
            let (a, b) = (*a as i64, *b as i64);
            let r = match op.non_inplace() {
                Add => Some(a + b),
                Subtract => Some(a - b),
                Multiply => Some(a * b),
                And => Some(a & b),
                Or => Some(a | b),
                Xor => Some(a ^ b),
                Less => return Ok(Value::Bool(a < b)),
                More => return Ok(Value::Bool(a > b)),
                LessEqual => return Ok(Value::Bool(a <= b)),
                MoreEqual => return Ok(Value::Bool(a >= b)),
                Equal => return Ok(Value::Bool(a == b)),
                NotEqual => return Ok(Value::Bool(a != b)),
                Is => return Ok(Value::Bool(a == b)),
                FloorDivide if b != 0 => Some(Integer::div_floor(&a, &b)),
                Modulo if b != 0 => Some(Integer::mod_floor(&a, &b)),
                Rshift if b >= 0 => Some(a >> b.min(63)),
                _ => None,
            };
            if let Some(r) = r {
                return self.make_int(r);
            }
        }
        match op {
            Is => return Ok(Value::Bool(lhs.is(&rhs))),
            In => return Ok(Value::Bool(self.contains(host, &rhs, &lhs)?)),
            ExceptionMatch => return Ok(Value::Bool(self.exception_match(&lhs, &rhs))),
            Equal => return Ok(Value::Bool(self.eq(host, &lhs, &rhs)?)),
            NotEqual => return Ok(Value::Bool(!self.eq(host, &lhs, &rhs)?)),
            Less | More | LessEqual | MoreEqual => return self.compare(host, op, &lhs, &rhs),
            _ => {}
        }
        if let (Some(a), Some(b)) = (as_num(&lhs), as_num(&rhs)) {
            return self.numeric_op(op.non_inplace(), a, b);
        }
        self.sequence_op(host, op, lhs, rhs)
    }

    fn numeric_op(&mut self, op: BinaryOp, a: Num, b: Num) -> PyResult {
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

    fn int_op(&mut self, op: BinaryOp, a: BigInt, b: BigInt) -> PyResult {
        use BinaryOp::*;
        let r = match op {
            Add => a + b,
            Subtract => a - b,
            Multiply => a * b,
            And => a & b,
            Or => a | b,
            Xor => a ^ b,
            FloorDivide => {
                if b.is_zero() {
                    return Err(self.zero_division());
                }
                a.div_floor(&b)
            }
            Modulo => {
                if b.is_zero() {
                    return Err(self.zero_division());
                }
                a.mod_floor(&b)
            }
            TrueDivide => {
                if b.is_zero() {
                    return Err(self.zero_division());
                }
                let x = a.to_f64().unwrap_or(f64::INFINITY) / b.to_f64().unwrap_or(f64::INFINITY);
                return self.make_float(x as f32);
            }
            Lshift | Rshift => {
                let Some(s) = b.to_i64().filter(|s| *s >= 0) else {
                    return Err(self.value_error("negative shift count"));
                };
                if op == Lshift {
                    if s > 100_000 {
                        return Err(self.memory_error_public());
                    }
                    a << (s as usize)
                } else {
                    a >> (s.min(1 << 20) as usize)
                }
            }
            Power => {
                if b.is_negative() {
                    let x = a
                        .to_f64()
                        .unwrap_or(f64::INFINITY)
                        .powf(b.to_f64().unwrap_or(0.0));
                    return self.make_float(x as f32);
                }
                let Some(e) = b.to_u32().filter(|e| *e <= 100_000) else {
                    return Err(self.memory_error_public());
                };
                num_traits::pow(a, e as usize)
            }
            _ => return Err(self.type_error("unsupported types for int operation")),
        };
        self.make_bigint(r)
    }

    /// A `MemoryError` for results too large to represent on the board.
    pub fn memory_error_public(&mut self) -> Flow {
        let c = self.exc.memory_error.clone();
        self.new_exc_msg(&c, "memory allocation failed")
    }

    fn zero_division(&mut self) -> Flow {
        let c = self.exc.zero_division_error.clone();
        self.new_exc_msg(&c, "divide by zero")
    }

    fn sequence_op(
        &mut self,
        host: &mut dyn Host,
        op: BinaryOp,
        lhs: Value,
        rhs: Value,
    ) -> PyResult {
        use BinaryOp::*;
        let plain = op.non_inplace();
        match (plain, &lhs, &rhs) {
            (Add, Value::Str(a), Value::Str(b)) => {
                self.heap_alloc(16 + a.text.len() + b.text.len())?;
                let mut s = String::with_capacity(a.text.len() + b.text.len());
                s.push_str(&a.text);
                s.push_str(&b.text);
                Ok(Value::str(&s))
            }
            (Add, Value::List(a), Value::List(b)) => {
                if op == InplaceAdd {
                    let extra = b.borrow().clone();
                    self.heap_alloc(4 * extra.len())?;
                    a.borrow_mut().extend(extra);
                    return Ok(lhs.clone());
                }
                let mut v = a.borrow().clone();
                v.extend(b.borrow().iter().cloned());
                self.heap_alloc(16 + 4 * v.len())?;
                Ok(Value::list(v))
            }
            (Add, Value::Tuple(a), Value::Tuple(b)) => {
                let mut v = a.to_vec();
                v.extend(b.iter().cloned());
                self.heap_alloc(8 + 4 * v.len())?;
                Ok(Value::tuple(v))
            }
            (Add, Value::Bytes(a), Value::Bytes(b)) => {
                let mut v = (**a).clone();
                v.extend_from_slice(b);
                self.heap_alloc(16 + v.len())?;
                Ok(Value::Bytes(Rc::new(v)))
            }
            (Add, Value::ByteArray(a), Value::Bytes(_) | Value::ByteArray(_)) => {
                let extra = bytes_of(&rhs).unwrap_or_default();
                if op == InplaceAdd {
                    a.borrow_mut().extend(extra);
                    return Ok(lhs.clone());
                }
                let mut v = a.borrow().clone();
                v.extend(extra);
                self.heap_alloc(16 + v.len())?;
                Ok(Value::ByteArray(Rc::new(RefCell::new(v))))
            }
            (
                Multiply,
                Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Bytes(_),
                Value::Int(_) | Value::Bool(_),
            ) => self.repeat(&lhs, small(&rhs).unwrap_or(0)),
            (
                Multiply,
                Value::Int(_) | Value::Bool(_),
                Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Bytes(_),
            ) => self.repeat(&rhs, small(&lhs).unwrap_or(0)),
            (Modulo, Value::Str(fmt), _) => {
                let s = super::strfmt::percent_format(self, host, &fmt.text, &rhs)?;
                self.heap_alloc(16 + s.len())?;
                Ok(Value::str(&s))
            }
            (Or, Value::Set(_), Value::Set(_))
            | (And, Value::Set(_), Value::Set(_))
            | (Subtract, Value::Set(_), Value::Set(_))
            | (Xor, Value::Set(_), Value::Set(_)) => self.set_op(plain, &lhs, &rhs),
            _ => {
                if let Value::Instance(i) = &lhs {
                    let inplace = op != plain;
                    if inplace && let Some(f) = self.lookup_class_attr(&i.class, op.dunder()) {
                        return self.call(host, &f, &[lhs.clone(), rhs.clone()], &[]);
                    }
                    if let Some(f) = self.lookup_class_attr(&i.class, plain.dunder()) {
                        return self.call(host, &f, &[lhs.clone(), rhs.clone()], &[]);
                    }
                }
                let (a, b) = (self.type_name(&lhs), self.type_name(&rhs));
                Err(self.type_error(&format!(
                    "unsupported types for {}: '{a}', '{b}'",
                    plain.dunder()
                )))
            }
        }
    }

    fn repeat(&mut self, v: &Value, n: i64) -> PyResult {
        let n = n.max(0) as usize;
        let len = self.len_of(v).unwrap_or(0);
        if len.saturating_mul(n) > crate::limits::MAX_CONTAINER_ITEMS {
            return Err(self.memory_error_public());
        }
        Ok(match v {
            Value::Str(s) => {
                self.heap_alloc(16 + s.text.len() * n)?;
                Value::str(&s.text.repeat(n))
            }
            Value::Bytes(b) => {
                self.heap_alloc(16 + b.len() * n)?;
                Value::Bytes(Rc::new(b.repeat(n)))
            }
            Value::List(l) => {
                let items: Vec<Value> = l.borrow().iter().cloned().cycle().take(len * n).collect();
                self.heap_alloc(16 + 4 * items.len())?;
                Value::list(items)
            }
            Value::Tuple(t) => {
                let items: Vec<Value> = t.iter().cloned().cycle().take(len * n).collect();
                self.heap_alloc(8 + 4 * items.len())?;
                Value::tuple(items)
            }
            _ => unreachable!("repeat is only called for sequences"),
        })
    }

    fn set_op(&mut self, op: BinaryOp, a: &Value, b: &Value) -> PyResult {
        let (Value::Set(x), Value::Set(y)) = (a, b) else {
            unreachable!("set_op on sets")
        };
        let mut out = Dict::new();
        let x = x.borrow();
        let y = y.borrow();
        let in_y = |k: &Value| y.get_hashed(k, key_hash(k).unwrap_or(0)).is_some();
        let in_x = |k: &Value| x.get_hashed(k, key_hash(k).unwrap_or(0)).is_some();
        for (k, _) in x.iter() {
            let keep = match op {
                BinaryOp::Or => true,
                BinaryOp::And => in_y(k),
                BinaryOp::Subtract | BinaryOp::Xor => !in_y(k),
                _ => false,
            };
            if keep {
                out.insert_hashed(k.clone(), key_hash(k).unwrap_or(0), Value::None);
            }
        }
        if matches!(op, BinaryOp::Or | BinaryOp::Xor) {
            for (k, _) in y.iter() {
                if op == BinaryOp::Or || !in_x(k) {
                    out.insert_hashed(k.clone(), key_hash(k).unwrap_or(0), Value::None);
                }
            }
        }
        drop((x, y));
        self.heap_alloc(16 + 8 * out.len())?;
        Ok(Value::Set(Rc::new(RefCell::new(out))))
    }

    fn exception_match(&self, exc: &Value, pattern: &Value) -> bool {
        match pattern {
            Value::Class(c) => self.is_instance_of(exc, c),
            Value::Tuple(items) => items.iter().any(|p| self.exception_match(exc, p)),
            _ => false,
        }
    }

    /// Python `==`.
    pub fn eq(&mut self, host: &mut dyn Host, a: &Value, b: &Value) -> Result<bool, Flow> {
        use Value::*;
        Ok(match (a, b) {
            (List(x), List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                self.seq_eq(host, &x, &y)?
            }
            (Tuple(x), Tuple(y)) => {
                let (x, y) = (x.to_vec(), y.to_vec());
                self.seq_eq(host, &x, &y)?
            }
            (Dict(x), Dict(y)) => {
                let xs: Vec<(Value, Value)> = x
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if xs.len() != y.borrow().len() {
                    return Ok(false);
                }
                for (k, v) in xs {
                    let other = y
                        .borrow()
                        .get_hashed(&k, key_hash(&k).unwrap_or(0))
                        .cloned();
                    match other {
                        Some(o) if self.eq(host, &v, &o)? => {}
                        _ => return Ok(false),
                    }
                }
                true
            }
            (Set(x), Set(y)) => {
                x.borrow().len() == y.borrow().len()
                    && x.borrow()
                        .iter()
                        .all(|(k, _)| y.borrow().get_hashed(k, key_hash(k).unwrap_or(0)).is_some())
            }
            (Bytes(_) | ByteArray(_), Bytes(_) | ByteArray(_)) => bytes_of(a) == bytes_of(b),
            (Range(x), Range(y)) => x.start == y.start && x.stop == y.stop && x.step == y.step,
            (Instance(i), _) | (_, Instance(i)) => {
                let (recv, other) = if matches!(a, Instance(_)) {
                    (a, b)
                } else {
                    (b, a)
                };
                match self.lookup_class_attr(&i.class, "__eq__") {
                    Some(f) => {
                        let r = self.call(host, &f, &[recv.clone(), other.clone()], &[])?;
                        self.truthy(host, &r)?
                    }
                    Option::None => a.is(b),
                }
            }
            _ => key_eq(a, b),
        })
    }

    fn seq_eq(&mut self, host: &mut dyn Host, x: &[Value], y: &[Value]) -> Result<bool, Flow> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (p, q) in x.iter().zip(y) {
            if !self.eq(host, p, q)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `<`, `>`, `<=`, `>=`.
    pub fn compare(&mut self, host: &mut dyn Host, op: BinaryOp, a: &Value, b: &Value) -> PyResult {
        let ord = self.ordering(host, a, b, op)?;
        use std::cmp::Ordering::*;
        Ok(Value::Bool(match op {
            BinaryOp::Less => ord == Less,
            BinaryOp::More => ord == Greater,
            BinaryOp::LessEqual => ord != Greater,
            _ => ord != Less,
        }))
    }

    /// Total order used by comparisons and `sorted`; `TypeError` for unorderable pairs.
    pub fn ordering(
        &mut self,
        host: &mut dyn Host,
        a: &Value,
        b: &Value,
        op: BinaryOp,
    ) -> Result<std::cmp::Ordering, Flow> {
        use std::cmp::Ordering;
        if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
            return Ok(match (x, y) {
                (Num::Int(x), Num::Int(y)) => x.cmp(&y),
                (x, y) => {
                    let f = |n: Num| match n {
                        Num::Int(i) => i.to_f64().unwrap_or(0.0),
                        Num::Float(f) => f,
                    };
                    f(x).partial_cmp(&f(y)).unwrap_or(Ordering::Equal)
                }
            });
        }
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => Ok(x.text.cmp(&y.text)),
            (Value::Bytes(_) | Value::ByteArray(_), Value::Bytes(_) | Value::ByteArray(_)) => {
                Ok(bytes_of(a).cmp(&bytes_of(b)))
            }
            (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
                let x = self.collect_iter(host, a)?;
                let y = self.collect_iter(host, b)?;
                for (p, q) in x.iter().zip(&y) {
                    if !self.eq(host, p, q)? {
                        return self.ordering(host, p, q, op);
                    }
                }
                Ok(x.len().cmp(&y.len()))
            }
            (Value::Instance(i), _) => {
                let name = op.dunder();
                match self.lookup_class_attr(&i.class, name) {
                    Some(f) => {
                        let r = self.call(host, &f, &[a.clone(), b.clone()], &[])?;
                        let t = self.truthy(host, &r)?;
                        Ok(match (op, t) {
                            (BinaryOp::Less, true) | (BinaryOp::LessEqual, true) => Ordering::Less,
                            (BinaryOp::More, true) | (BinaryOp::MoreEqual, true) => {
                                Ordering::Greater
                            }
                            (BinaryOp::Less, false) | (BinaryOp::LessEqual, false) => {
                                Ordering::Greater
                            }
                            _ => Ordering::Less,
                        })
                    }
                    None => Err(self.unorderable(op, a, b)),
                }
            }
            _ => Err(self.unorderable(op, a, b)),
        }
    }

    fn unorderable(&mut self, op: BinaryOp, a: &Value, b: &Value) -> Flow {
        let (x, y) = (self.type_name(a), self.type_name(b));
        self.type_error(&format!(
            "unsupported types for {}: '{x}', '{y}'",
            op.dunder()
        ))
    }

    /// `x in container`.
    pub fn contains(
        &mut self,
        host: &mut dyn Host,
        container: &Value,
        x: &Value,
    ) -> Result<bool, Flow> {
        match container {
            Value::Str(s) => match x {
                Value::Str(sub) => Ok(s.text.contains(&*sub.text)),
                _ => Err(self.type_error("'in <string>' requires string as left operand")),
            },
            Value::Dict(d) | Value::Set(d) => {
                let Some(h) = key_hash(x) else {
                    return Err(self.type_error("unhashable type"));
                };
                Ok(d.borrow().get_hashed(x, h).is_some())
            }
            Value::Bytes(_) | Value::ByteArray(_) => {
                let hay = bytes_of(container).unwrap_or_default();
                match x {
                    Value::Int(n) => Ok(hay.contains(&(*n as u8))),
                    _ => {
                        let needle = bytes_of(x).unwrap_or_default();
                        Ok(needle.is_empty()
                            || hay.windows(needle.len()).any(|w| w == needle.as_slice()))
                    }
                }
            }
            Value::Range(r) => {
                let Some(n) = small(x) else { return Ok(false) };
                let inside = if r.step > 0 {
                    n >= r.start && n < r.stop
                } else {
                    n <= r.start && n > r.stop
                };
                Ok(inside && (n - r.start) % r.step == 0)
            }
            Value::Instance(i) => match self.lookup_class_attr(&i.class, "__contains__") {
                Some(f) => {
                    let r = self.call(host, &f, &[container.clone(), x.clone()], &[])?;
                    self.truthy(host, &r)
                }
                None => self.contains_by_iter(host, container, x),
            },
            _ => self.contains_by_iter(host, container, x),
        }
    }

    fn contains_by_iter(
        &mut self,
        host: &mut dyn Host,
        container: &Value,
        x: &Value,
    ) -> Result<bool, Flow> {
        let it = self.get_iter(host, container)?;
        while let Some(v) = self.iter_next(host, &it)? {
            if self.eq(host, &v, x)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    // ------------------------------------------------------------ types and attributes

    /// The class of `v`.
    pub fn class_of(&self, v: &Value) -> Rc<Class> {
        let tag = match v {
            Value::Instance(i) => return i.class.clone(),
            Value::Native(n) => return n.class.clone(),
            Value::Null | Value::None => TypeTag::NoneType,
            Value::Bool(_) => TypeTag::Bool,
            Value::Int(_) | Value::BigInt(_) => TypeTag::Int,
            Value::Float(_) => TypeTag::Float,
            Value::Str(_) => TypeTag::Str,
            Value::Bytes(_) => TypeTag::Bytes,
            Value::ByteArray(_) => TypeTag::ByteArray,
            Value::Array(_) => TypeTag::Array,
            Value::List(_) => TypeTag::List,
            Value::Tuple(_) => TypeTag::Tuple,
            Value::Dict(_) => TypeTag::Dict,
            Value::Set(_) => TypeTag::Set,
            Value::Range(_) => TypeTag::Range,
            Value::Slice(_) => TypeTag::Slice,
            Value::Function(_) | Value::Builtin(_) => TypeTag::Function,
            Value::BoundMethod(_) => TypeTag::BoundMethod,
            Value::Class(_) => TypeTag::Type,
            Value::Module(_) => TypeTag::Module,
            Value::Cell(_) => TypeTag::Cell,
            Value::Generator(_) => TypeTag::Generator,
            Value::Iterator(_) => TypeTag::Iterator,
            Value::Wrapper(w) => match **w {
                Wrapper::StaticMethod(_) => TypeTag::StaticMethod,
                Wrapper::ClassMethod(_) => TypeTag::ClassMethod,
                Wrapper::Property { .. } => TypeTag::Property,
            },
        };
        self.types.by_tag[tag as usize].clone()
    }

    /// `type(v)` as a value.
    pub fn type_of(&self, v: &Value) -> Value {
        Value::Class(self.class_of(v))
    }

    /// The name of `v`'s type (`'int'`, `'NoneType'`, a class name).
    pub fn type_name(&self, v: &Value) -> String {
        self.class_of(v).name.text.to_string()
    }

    /// Looks `name` up along the MRO of `cls`.
    pub fn lookup_class_attr(&self, cls: &Rc<Class>, name: &str) -> Option<Value> {
        for c in std::iter::once(cls).chain(cls.mro.iter()) {
            if let Some(v) = c.dict.borrow().get_str(name) {
                return Some(v.clone());
            }
        }
        None
    }

    /// `LOAD_ATTR`.
    pub fn load_attr(&mut self, host: &mut dyn Host, obj: &Value, name: &Value) -> PyResult {
        let (m, this) = self.load_method(host, obj, name)?;
        if this.is_null() {
            return Ok(m);
        }
        // A bound method as a value allocates (facts §3).
        self.heap_alloc(16)?;
        Ok(Value::BoundMethod(Rc::new(BoundMethod {
            receiver: this,
            func: m,
        })))
    }

    /// `LOAD_METHOD`: `(method, self)` for a method, `(attr, NULL)` otherwise.
    pub fn load_method(
        &mut self,
        host: &mut dyn Host,
        obj: &Value,
        name: &Value,
    ) -> Result<(Value, Value), Flow> {
        let text = str_text(name);
        let hash = match name {
            Value::Str(s) => s.hash,
            _ => 0,
        };
        match obj {
            Value::Instance(i) => {
                if let Some(v) = i.attrs.borrow().get_hashed(name, hash) {
                    return Ok((v.clone(), Value::Null));
                }
                if let Some(r) = self.special_instance_attr(obj, i, text) {
                    return Ok((r, Value::Null));
                }
                match self.lookup_class_attr(&i.class, text) {
                    Some(v) => {
                        self.bind_class_attr(host, v, obj.clone(), Value::Class(i.class.clone()))
                    }
                    None => {
                        if let Some(ga) = self.lookup_class_attr(&i.class, "__getattr__") {
                            let r = self.call(host, &ga, &[obj.clone(), name.clone()], &[])?;
                            return Ok((r, Value::Null));
                        }
                        Err(self.attr_error(obj, text))
                    }
                }
            }
            Value::Native(n) => {
                if let Some(v) = n.attrs.borrow().get_hashed(name, hash) {
                    return Ok((v.clone(), Value::Null));
                }
                match self.lookup_class_attr(&n.class, text) {
                    Some(v) => {
                        self.bind_class_attr(host, v, obj.clone(), Value::Class(n.class.clone()))
                    }
                    None => Err(self.attr_error(obj, text)),
                }
            }
            Value::Class(c) => {
                if text == "__name__" {
                    return Ok((Value::Str(c.name.clone()), Value::Null));
                }
                if text == "__bases__" {
                    return Ok((
                        Value::tuple(c.bases.iter().map(|b| Value::Class(b.clone())).collect()),
                        Value::Null,
                    ));
                }
                match self.lookup_class_attr(c, text) {
                    Some(Value::Wrapper(w)) => match &*w {
                        Wrapper::StaticMethod(f) => Ok((f.clone(), Value::Null)),
                        Wrapper::ClassMethod(f) => Ok((f.clone(), obj.clone())),
                        Wrapper::Property { .. } => Ok((Value::Wrapper(w.clone()), Value::Null)),
                    },
                    Some(v) => Ok((v, Value::Null)),
                    None => match c.kind {
                        ClassKind::Builtin(tag) => {
                            match super::builtins::builtin_type_method(tag, text) {
                                Some(def) => Ok((Value::Builtin(def), Value::Null)),
                                None => Err(self.attr_error(obj, text)),
                            }
                        }
                        _ => Err(self.attr_error(obj, text)),
                    },
                }
            }
            Value::Module(m) => match m.dict.borrow().get_hashed(name, hash) {
                Some(v) => Ok((v.clone(), Value::Null)),
                None => Err(self.attr_error(obj, text)),
            },
            Value::Function(f) if text == "__name__" => Ok((Value::str(&f.code.name), Value::Null)),
            Value::Builtin(b) if text == "__name__" => Ok((Value::str(b.name), Value::Null)),
            _ => {
                if let Some(v) = super::builtins::builtin_attr(self, obj, text)? {
                    return Ok((v, Value::Null));
                }
                match super::builtins::builtin_method(self, obj, text) {
                    Some(def) => Ok((Value::Builtin(def), obj.clone())),
                    None => Err(self.attr_error(obj, text)),
                }
            }
        }
    }

    fn special_instance_attr(&self, obj: &Value, i: &Rc<Instance>, name: &str) -> Option<Value> {
        match name {
            "__class__" => Some(Value::Class(i.class.clone())),
            "args" if i.exc.is_some() => {
                let st = i.exc.as_ref().expect("checked").borrow();
                Some(Value::tuple(st.args.clone()))
            }
            "value" if self.is_instance_of(obj, &self.exc.stop_iteration) => {
                Some(self.stop_iteration_value(obj))
            }
            "__dict__" => Some(Value::Dict(Rc::new(RefCell::new(i.attrs.borrow().clone())))),
            _ => None,
        }
    }

    fn bind_class_attr(
        &mut self,
        host: &mut dyn Host,
        v: Value,
        this: Value,
        cls: Value,
    ) -> Result<(Value, Value), Flow> {
        match &v {
            Value::Function(_) | Value::Builtin(_) => Ok((v, this)),
            Value::Wrapper(w) => match &**w {
                Wrapper::StaticMethod(f) => Ok((f.clone(), Value::Null)),
                Wrapper::ClassMethod(f) => Ok((f.clone(), cls)),
                Wrapper::Property { fget, .. } => {
                    let r = self.call(host, fget, &[this], &[])?;
                    Ok((r, Value::Null))
                }
            },
            _ => Ok((v, Value::Null)),
        }
    }

    fn attr_error(&mut self, obj: &Value, name: &str) -> Flow {
        let msg = match obj {
            Value::Module(_) => format!("'module' object has no attribute '{name}'"),
            Value::Class(c) => format!("type object '{}' has no attribute '{name}'", c.name.text),
            _ => format!("'{}' object has no attribute '{name}'", self.type_name(obj)),
        };
        let _ = matches!(obj, Value::Module(_));
        let c = self.exc.attribute_error.clone();
        self.new_exc_msg(&c, &msg)
    }

    /// `LOAD_SUPER_METHOD`: look `name` up starting after `cls` in `this`'s MRO.
    pub fn load_super_method(
        &mut self,
        cls: &Value,
        this: &Value,
        name: &Value,
    ) -> Result<(Value, Value), Flow> {
        let Value::Class(cls) = cls else {
            return Err(self.type_error("super() argument must be a type"));
        };
        let text = str_text(name);
        let obj_class = self.class_of(this);
        let mro: Vec<Rc<Class>> = std::iter::once(&obj_class)
            .chain(obj_class.mro.iter())
            .cloned()
            .collect();
        let start = mro
            .iter()
            .position(|c| Rc::ptr_eq(c, cls))
            .map_or(mro.len(), |p| p + 1);
        for c in &mro[start..] {
            if let Some(v) = c.dict.borrow().get_str(text) {
                return Ok(match v {
                    Value::Wrapper(w) => match &**w {
                        Wrapper::StaticMethod(f) => (f.clone(), Value::Null),
                        Wrapper::ClassMethod(f) => (f.clone(), Value::Class(obj_class.clone())),
                        Wrapper::Property { .. } => (v.clone(), Value::Null),
                    },
                    Value::Function(_) | Value::Builtin(_) => (v.clone(), this.clone()),
                    other => (other.clone(), Value::Null),
                });
            }
        }
        if text == "__init__" {
            // object.__init__ (or a builtin exception's): accept and ignore.
            let init = if obj_class.is_exception {
                &super::builtins::EXC_INIT
            } else {
                &super::builtins::OBJECT_INIT
            };
            return Ok((Value::Builtin(init), this.clone()));
        }
        Err(self.attr_error(this, text))
    }

    /// `STORE_ATTR` (value `Null` deletes).
    pub fn store_attr(
        &mut self,
        host: &mut dyn Host,
        obj: &Value,
        name: &Value,
        v: Value,
    ) -> Result<(), Flow> {
        let hash = match name {
            Value::Str(s) => s.hash,
            _ => 0,
        };
        let text = str_text(name).to_string();
        let dict = match obj {
            Value::Instance(i) => {
                if let Some(Value::Wrapper(w)) = self.lookup_class_attr(&i.class, &text)
                    && let Wrapper::Property { fset, .. } = &*w
                {
                    if matches!(fset, Value::None) {
                        return Err(self.attr_error(obj, &text));
                    }
                    let fset = fset.clone();
                    self.call(host, &fset, &[obj.clone(), v], &[])?;
                    return Ok(());
                }
                &i.attrs
            }
            Value::Class(c) => &c.dict,
            Value::Native(n) => &n.attrs,
            Value::Module(m) => {
                m.dict.borrow_mut().insert_hashed(name.clone(), hash, v);
                return Ok(());
            }
            _ => return Err(self.attr_error(obj, &text)),
        };
        if v.is_null() {
            if dict.borrow_mut().remove_hashed(name, hash).is_none() {
                return Err(self.attr_error(obj, &text));
            }
            return Ok(());
        }
        let grow = dict.borrow().growth_bytes_for(name, hash);
        if grow > 0 {
            self.heap_alloc(grow)?;
        }
        dict.borrow_mut().insert_hashed(name.clone(), hash, v);
        Ok(())
    }

    // ------------------------------------------------------------ subscripts

    /// `len(v)` for builtin containers.
    pub fn len_of(&self, v: &Value) -> Option<usize> {
        Some(match v {
            Value::Str(s) => s.text.chars().count(),
            Value::Bytes(b) => b.len(),
            Value::ByteArray(b) => b.borrow().len(),
            Value::Array(a) => a.borrow().items_len(),
            Value::List(l) => l.borrow().len(),
            Value::Tuple(t) => t.len(),
            Value::Dict(d) | Value::Set(d) => d.borrow().len(),
            Value::Range(r) => r.len().max(0) as usize,
            _ => return None,
        })
    }

    fn index_of(&mut self, len: usize, index: &Value, what: &str) -> Result<usize, Flow> {
        let Some(i) = small(index) else {
            return Err(self.type_error(&format!(
                "{what} indices must be integers, not {}",
                self.type_name(index)
            )));
        };
        let j = if i < 0 { i + len as i64 } else { i };
        if j < 0 || j >= len as i64 {
            let c = self.exc.index_error.clone();
            return Err(self.new_exc_msg(&c, &format!("{what} index out of range")));
        }
        Ok(j as usize)
    }

    /// `obj[index]`.
    pub fn subscr(&mut self, host: &mut dyn Host, obj: &Value, index: &Value) -> PyResult {
        if let Value::Slice(s) = index {
            return self.slice_get(obj, s);
        }
        match obj {
            Value::List(l) => {
                let len = l.borrow().len();
                let i = self.index_of(len, index, "list")?;
                Ok(l.borrow()[i].clone())
            }
            Value::Tuple(t) => {
                let i = self.index_of(t.len(), index, "tuple")?;
                Ok(t[i].clone())
            }
            Value::Str(s) => {
                let chars: Vec<char> = s.text.chars().collect();
                let i = self.index_of(chars.len(), index, "string")?;
                Ok(Value::str(&chars[i].to_string()))
            }
            Value::Bytes(_) | Value::ByteArray(_) => {
                let b = bytes_of(obj).unwrap_or_default();
                let what = if matches!(obj, Value::Bytes(_)) {
                    "bytes"
                } else {
                    "bytearray"
                };
                let i = self.index_of(b.len(), index, what)?;
                Ok(Value::Int(b[i] as i32))
            }
            Value::Array(a) => {
                let len = a.borrow().items_len();
                let i = self.index_of(len, index, "array")?;
                let arr = a.borrow();
                match &arr.items {
                    ArrayItems::Int(v) => {
                        let n = v[i];
                        drop(arr);
                        self.make_int(n)
                    }
                    ArrayItems::Float(v) => {
                        let x = v[i] as f32;
                        drop(arr);
                        self.make_float(x)
                    }
                }
            }
            Value::Range(r) => {
                let len = r.len().max(0) as usize;
                let i = self.index_of(len, index, "range")?;
                self.make_int(r.start + r.step * i as i64)
            }
            Value::Dict(d) => {
                let Some(h) = key_hash(index) else {
                    return Err(self.type_error("unhashable type"));
                };
                let found = d.borrow().get_hashed(index, h).cloned();
                match found {
                    Some(v) => Ok(v),
                    None => {
                        let c = self.exc.key_error.clone();
                        Err(Flow::Exception(self.new_exception(&c, vec![index.clone()])))
                    }
                }
            }
            Value::Instance(i) => match self.lookup_class_attr(&i.class, "__getitem__") {
                Some(f) => self.call(host, &f, &[obj.clone(), index.clone()], &[]),
                None => Err(self.type_error(&format!(
                    "'{}' object isn't subscriptable",
                    self.type_name(obj)
                ))),
            },
            _ => Err(self.type_error(&format!(
                "'{}' object isn't subscriptable",
                self.type_name(obj)
            ))),
        }
    }

    fn slice_indices(&mut self, len: usize, s: &Slice) -> Result<(i64, i64, i64), Flow> {
        let step = match &s.step {
            Value::None => 1,
            v => small(v).ok_or_else(|| self.type_error("slice indices must be integers"))?,
        };
        if step == 0 {
            return Err(self.value_error("slice step can't be zero"));
        }
        let len = len as i64;
        let clamp = |v: &Value, default: i64, lo: i64, hi: i64| -> Option<i64> {
            match v {
                Value::None => Some(default),
                v => {
                    let mut i = small(v)?;
                    if i < 0 {
                        i += len;
                    }
                    Some(i.clamp(lo, hi))
                }
            }
        };
        let (start, stop) = if step > 0 {
            (clamp(&s.start, 0, 0, len), clamp(&s.stop, len, 0, len))
        } else {
            (
                clamp(&s.start, len - 1, -1, len - 1),
                clamp(&s.stop, -1, -1, len - 1),
            )
        };
        match (start, stop) {
            (Some(a), Some(b)) => Ok((a, b, step)),
            _ => Err(self.type_error("slice indices must be integers")),
        }
    }

    fn slice_positions(&mut self, len: usize, s: &Slice) -> Result<Vec<usize>, Flow> {
        let (start, stop, step) = self.slice_indices(len, s)?;
        let mut out = Vec::new();
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            out.push(i as usize);
            i += step;
        }
        Ok(out)
    }

    fn slice_get(&mut self, obj: &Value, s: &Slice) -> PyResult {
        match obj {
            Value::List(l) => {
                let items = l.borrow().clone();
                let pos = self.slice_positions(items.len(), s)?;
                self.heap_alloc(16 + 4 * pos.len())?;
                Ok(Value::list(
                    pos.into_iter().map(|i| items[i].clone()).collect(),
                ))
            }
            Value::Tuple(t) => {
                let pos = self.slice_positions(t.len(), s)?;
                self.heap_alloc(8 + 4 * pos.len())?;
                Ok(Value::tuple(
                    pos.into_iter().map(|i| t[i].clone()).collect(),
                ))
            }
            Value::Str(st) => {
                if !matches!(s.step, Value::None | Value::Int(1)) {
                    let c = self.exc.not_implemented_error.clone();
                    return Err(
                        self.new_exc_msg(&c, "only slices with step=1 (aka None) are supported")
                    );
                }
                let chars: Vec<char> = st.text.chars().collect();
                let pos = self.slice_positions(chars.len(), s)?;
                let text: String = pos.into_iter().map(|i| chars[i]).collect();
                self.heap_alloc(16 + text.len())?;
                Ok(Value::str(&text))
            }
            Value::Bytes(_) | Value::ByteArray(_) => {
                let b = bytes_of(obj).unwrap_or_default();
                let pos = self.slice_positions(b.len(), s)?;
                let out: Vec<u8> = pos.into_iter().map(|i| b[i]).collect();
                self.heap_alloc(16 + out.len())?;
                Ok(match obj {
                    Value::Bytes(_) => Value::Bytes(Rc::new(out)),
                    _ => Value::ByteArray(Rc::new(RefCell::new(out))),
                })
            }
            Value::Array(a) => {
                let arr = a.borrow().clone();
                let pos = self.slice_positions(arr.items_len(), s)?;
                let items = match &arr.items {
                    ArrayItems::Int(v) => ArrayItems::Int(pos.iter().map(|&i| v[i]).collect()),
                    ArrayItems::Float(v) => ArrayItems::Float(pos.iter().map(|&i| v[i]).collect()),
                };
                self.heap_alloc(16 + 4 * pos.len())?;
                Ok(Value::Array(Rc::new(RefCell::new(PyArray {
                    typecode: arr.typecode,
                    items,
                }))))
            }
            Value::Range(r) => {
                let pos = self.slice_positions(r.len().max(0) as usize, s)?;
                let vals: Vec<Value> = pos
                    .into_iter()
                    .map(|i| Value::int(r.start + r.step * i as i64))
                    .collect();
                Ok(Value::list(vals))
            }
            _ => Err(self.type_error(&format!(
                "'{}' object isn't subscriptable",
                self.type_name(obj)
            ))),
        }
    }

    /// `obj[index] = v` (`v` Null deletes).
    pub fn store_subscr(
        &mut self,
        host: &mut dyn Host,
        obj: &Value,
        index: &Value,
        v: Value,
    ) -> Result<(), Flow> {
        if v.is_null() {
            return self.del_subscr(obj, index);
        }
        match obj {
            Value::Dict(_) => self.setitem(host, obj, index.clone(), v),
            Value::List(l) => {
                if let Value::Slice(s) = index {
                    let items = self.collect_iter(host, &v)?;
                    let len = l.borrow().len();
                    let (start, stop, step) = self.slice_indices(len, s)?;
                    if step != 1 {
                        return Err(self.value_error("slice assignment with step != 1"));
                    }
                    let stop = stop.max(start);
                    l.borrow_mut().splice(start as usize..stop as usize, items);
                    return Ok(());
                }
                let len = l.borrow().len();
                let i = self.index_of(len, index, "list")?;
                l.borrow_mut()[i] = v;
                Ok(())
            }
            Value::ByteArray(b) => {
                let len = b.borrow().len();
                let i = self.index_of(len, index, "bytearray")?;
                let Some(n) = small(&v) else {
                    return Err(self.type_error("can't convert to int"));
                };
                b.borrow_mut()[i] = n as u8;
                Ok(())
            }
            Value::Array(a) => {
                let len = a.borrow().items_len();
                let i = self.index_of(len, index, "array")?;
                let mut arr = a.borrow_mut();
                let tc = arr.typecode;
                match &mut arr.items {
                    ArrayItems::Int(items) => {
                        let n = match &v {
                            Value::Int(n) => *n as i64,
                            Value::Bool(b) => *b as i64,
                            Value::BigInt(n) => n.to_i64().unwrap_or(0),
                            _ => {
                                drop(arr);
                                return Err(self.type_error("can't convert to int"));
                            }
                        };
                        items[i] = super::methods::array_wrap(tc, n);
                    }
                    ArrayItems::Float(items) => {
                        let x = match &v {
                            Value::Float(x) => *x as f64,
                            Value::Int(n) => *n as f64,
                            _ => {
                                drop(arr);
                                return Err(self.type_error("can't convert to float"));
                            }
                        };
                        items[i] = x;
                    }
                }
                Ok(())
            }
            Value::Instance(i) => match self.lookup_class_attr(&i.class, "__setitem__") {
                Some(f) => self
                    .call(host, &f, &[obj.clone(), index.clone(), v], &[])
                    .map(|_| ()),
                None => Err(self.type_error(&format!(
                    "'{}' object doesn't support item assignment",
                    self.type_name(obj)
                ))),
            },
            _ => Err(self.type_error(&format!(
                "'{}' object doesn't support item assignment",
                self.type_name(obj)
            ))),
        }
    }

    fn del_subscr(&mut self, obj: &Value, index: &Value) -> Result<(), Flow> {
        match obj {
            Value::Dict(d) => {
                let Some(h) = key_hash(index) else {
                    return Err(self.type_error("unhashable type"));
                };
                if d.borrow_mut().remove_hashed(index, h).is_none() {
                    let c = self.exc.key_error.clone();
                    return Err(Flow::Exception(self.new_exception(&c, vec![index.clone()])));
                }
                Ok(())
            }
            Value::List(l) => {
                if let Value::Slice(s) = index {
                    let len = l.borrow().len();
                    let mut pos = self.slice_positions(len, s)?;
                    pos.sort_unstable();
                    for p in pos.into_iter().rev() {
                        l.borrow_mut().remove(p);
                    }
                    return Ok(());
                }
                let len = l.borrow().len();
                let i = self.index_of(len, index, "list")?;
                l.borrow_mut().remove(i);
                Ok(())
            }
            _ => Err(self.type_error(&format!(
                "'{}' object doesn't support item deletion",
                self.type_name(obj)
            ))),
        }
    }

    /// `d[key] = v` for dicts (allocates when the key is new).
    pub fn setitem(
        &mut self,
        host: &mut dyn Host,
        d: &Value,
        key: Value,
        v: Value,
    ) -> Result<(), Flow> {
        match d {
            Value::Dict(d) => {
                let Some(h) = key_hash(&key) else {
                    return Err(
                        self.type_error(&format!("unhashable type: '{}'", self.type_name(&key)))
                    );
                };
                let grow = d.borrow().growth_bytes_for(&key, h);
                if grow > 0 {
                    self.heap_alloc(grow)?;
                }
                d.borrow_mut().insert_hashed(key, h, v);
                Ok(())
            }
            other => self.store_subscr(host, &other.clone(), &key, v),
        }
    }

    /// `list.append`.
    pub fn list_append(&mut self, l: &Value, v: Value) -> Result<(), Flow> {
        let Value::List(l) = l else {
            return Err(self.type_error("append needs a list"));
        };
        let n = l.borrow().len();
        if list_grows_at(n) {
            // The item array doubles: 4-byte slots on the 32-bit board.
            self.heap_alloc(8 * n)?;
        }
        l.borrow_mut().push(v);
        Ok(())
    }

    /// `set.add`.
    pub fn set_add(&mut self, s: &Value, v: Value) -> Result<(), Flow> {
        let Value::Set(d) = s else {
            return Err(self.type_error("add needs a set"));
        };
        let Some(h) = key_hash(&v) else {
            return Err(self.type_error(&format!("unhashable type: '{}'", self.type_name(&v))));
        };
        let grow = d.borrow().growth_bytes_for(&v, h);
        if grow > 0 {
            self.heap_alloc(grow)?;
        }
        d.borrow_mut().insert_hashed(v, h, Value::None);
        Ok(())
    }

    // ------------------------------------------------------------ iteration

    /// `iter(obj)`.
    pub fn get_iter(&mut self, host: &mut dyn Host, obj: &Value) -> PyResult {
        let it = match obj {
            Value::List(l) => PyIter::List(l.clone(), 0),
            Value::Tuple(t) => PyIter::Tuple(t.clone(), 0),
            Value::Range(r) => PyIter::Range {
                next: r.start,
                stop: r.stop,
                step: r.step,
            },
            Value::Str(s) => PyIter::Str(s.clone(), 0),
            Value::Bytes(_) | Value::ByteArray(_) => {
                PyIter::Bytes(bytes_of(obj).unwrap_or_default(), 0)
            }
            Value::Dict(d) | Value::Set(d) => {
                PyIter::Snapshot(d.borrow().iter().map(|(k, _)| k.clone()).collect(), 0)
            }
            Value::Array(a) => {
                let vals = match &a.borrow().items {
                    ArrayItems::Int(v) => v.iter().map(|n| Value::int(*n)).collect(),
                    ArrayItems::Float(v) => v.iter().map(|x| Value::Float(*x as f32)).collect(),
                };
                PyIter::Snapshot(vals, 0)
            }
            Value::Generator(_) | Value::Iterator(_) => return Ok(obj.clone()),
            Value::Instance(i) => {
                return match self.lookup_class_attr(&i.class, "__iter__") {
                    Some(f) => self.call(host, &f, std::slice::from_ref(obj), &[]),
                    None if self.lookup_class_attr(&i.class, "__next__").is_some() => {
                        Ok(obj.clone())
                    }
                    None => Err(self
                        .type_error(&format!("'{}' object isn't iterable", self.type_name(obj)))),
                };
            }
            _ => {
                return Err(
                    self.type_error(&format!("'{}' object isn't iterable", self.type_name(obj)))
                );
            }
        };
        Ok(Value::Iterator(Rc::new(RefCell::new(it))))
    }

    /// `next(it)`: `Some(value)` or `None` when exhausted (StopIteration absorbed).
    pub fn iter_next(&mut self, host: &mut dyn Host, it: &Value) -> Result<Option<Value>, Flow> {
        match it {
            Value::Iterator(cell) => self.builtin_iter_next(host, cell),
            Value::Generator(g) => match self.resume(host, g, Value::None, None)? {
                Resumed::Yield(v) => Ok(Some(v)),
                Resumed::Return(_) => Ok(None),
            },
            Value::Instance(i) => {
                let Some(f) = self.lookup_class_attr(&i.class, "__next__") else {
                    return Err(self.type_error(&format!(
                        "'{}' object isn't an iterator",
                        self.type_name(it)
                    )));
                };
                match self.call(host, &f, std::slice::from_ref(it), &[]) {
                    Ok(v) => Ok(Some(v)),
                    Err(Flow::Exception(e))
                        if self.is_instance_of(&e, &self.exc.stop_iteration.clone()) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
            _ => Err(self.type_error(&format!(
                "'{}' object isn't an iterator",
                self.type_name(it)
            ))),
        }
    }

    fn builtin_iter_next(
        &mut self,
        host: &mut dyn Host,
        cell: &Rc<RefCell<PyIter>>,
    ) -> Result<Option<Value>, Flow> {
        let mut it = cell.borrow_mut();
        match &mut *it {
            PyIter::List(l, i) => {
                let v = l.borrow().get(*i).cloned();
                *i += 1;
                Ok(v)
            }
            PyIter::Tuple(t, i) => {
                let v = t.get(*i).cloned();
                *i += 1;
                Ok(v)
            }
            PyIter::Range { next, stop, step } => {
                if (*step > 0 && *next < *stop) || (*step < 0 && *next > *stop) {
                    let v = *next;
                    *next += *step;
                    drop(it);
                    Ok(Some(self.make_int(v)?))
                } else {
                    Ok(None)
                }
            }
            PyIter::Str(s, pos) => match s.text[*pos..].chars().next() {
                Some(c) => {
                    *pos += c.len_utf8();
                    Ok(Some(Value::str(&c.to_string())))
                }
                None => Ok(None),
            },
            PyIter::Bytes(b, i) => {
                let v = b.get(*i).map(|x| Value::Int(*x as i32));
                *i += 1;
                Ok(v)
            }
            PyIter::Snapshot(v, i) => {
                let r = v.get(*i).cloned();
                *i += 1;
                Ok(r)
            }
            PyIter::Enumerate(inner, n) => {
                let inner = inner.clone();
                let idx = *n;
                *n += 1;
                drop(it);
                match self.iter_next(host, &inner)? {
                    Some(v) => {
                        self.heap_alloc(16)?;
                        Ok(Some(Value::tuple(vec![Value::int(idx), v])))
                    }
                    None => Ok(None),
                }
            }
            PyIter::Zip(its) => {
                let its = its.clone();
                drop(it);
                let mut out = Vec::with_capacity(its.len());
                for i in &its {
                    match self.iter_next(host, i)? {
                        Some(v) => out.push(v),
                        None => return Ok(None),
                    }
                }
                self.heap_alloc(8 + 4 * out.len())?;
                Ok(Some(Value::tuple(out)))
            }
            PyIter::Map(f, its) => {
                let (f, its) = (f.clone(), its.clone());
                drop(it);
                let mut args = Vec::with_capacity(its.len());
                for i in &its {
                    match self.iter_next(host, i)? {
                        Some(v) => args.push(v),
                        None => return Ok(None),
                    }
                }
                Ok(Some(self.call(host, &f, &args, &[])?))
            }
            PyIter::Filter(f, inner) => {
                let (f, inner) = (f.clone(), inner.clone());
                drop(it);
                while let Some(v) = self.iter_next(host, &inner)? {
                    let keep = if matches!(f, Value::None) {
                        self.truthy(host, &v)?
                    } else {
                        let r = self.call(host, &f, std::slice::from_ref(&v), &[])?;
                        self.truthy(host, &r)?
                    };
                    if keep {
                        return Ok(Some(v));
                    }
                }
                Ok(None)
            }
            PyIter::Exhausted => Ok(None),
        }
    }

    /// All items of an iterable.
    pub fn collect_iter(&mut self, host: &mut dyn Host, obj: &Value) -> Result<Vec<Value>, Flow> {
        match obj {
            Value::List(l) => return Ok(l.borrow().clone()),
            Value::Tuple(t) => return Ok(t.to_vec()),
            _ => {}
        }
        let it = self.get_iter(host, obj)?;
        let mut out = Vec::new();
        while let Some(v) = self.iter_next(host, &it)? {
            if out.len() >= crate::limits::MAX_CONTAINER_ITEMS {
                return Err(self.memory_error_public());
            }
            out.push(v);
        }
        Ok(out)
    }

    /// `UNPACK_SEQUENCE`: exactly `n` items.
    pub fn unpack(
        &mut self,
        host: &mut dyn Host,
        seq: &Value,
        n: usize,
    ) -> Result<Vec<Value>, Flow> {
        let items = self.collect_iter(host, seq)?;
        if items.len() < n {
            return Err(
                self.value_error(&format!("need more than {} values to unpack", items.len()))
            );
        }
        if items.len() > n {
            return Err(self.value_error(&format!("too many values to unpack (expected {n})")));
        }
        Ok(items)
    }

    /// The `(key, value)` pairs of a mapping (for `**kwargs` and `dict.update`).
    pub fn mapping_items(
        &mut self,
        _host: &mut dyn Host,
        m: &Value,
    ) -> Result<Vec<(Value, Value)>, Flow> {
        match m {
            Value::Dict(d) => Ok(d
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()),
            _ => Err(self.type_error("argument after ** must be a mapping")),
        }
    }
}

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
        Value::Float(x) => out.push_str(&super::format::float_repr(*x)),
        Value::Str(s) => out.push_str(&super::format::str_repr(&s.text)),
        Value::Bytes(b) => out.push_str(&super::format::bytes_repr(b)),
        Value::ByteArray(b) => {
            out.push_str("bytearray(");
            out.push_str(&super::format::bytes_repr(&b.borrow()));
            out.push(')');
        }
        Value::Array(a) => {
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
                            .map(|x| super::format::float_repr(*x as f32))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                }
                out.push(']');
            }
            out.push(')');
        }
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
        Value::Dict(d) => {
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
        }
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
        Value::BoundMethod(b) => {
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
        Value::Class(c) => out.push_str(&format!("<class '{}'>", c.name.text)),
        Value::Instance(i) => {
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
        }
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

/// True if appending to a list of `len` items reallocates its item array. A list starts with
/// room for at least 4 items (`LIST_MIN_ALLOC`) and doubles when full (py/objlist.c
/// `mp_obj_list_append`), so `[]` takes 4 appends without allocating, even with the heap
/// locked. irqlab does not keep each list's allocated size: lists are taken to have been
/// created with at most 4 items, or a power of two.
pub fn list_grows_at(len: usize) -> bool {
    len >= 4 && len.is_power_of_two()
}
