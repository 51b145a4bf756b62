//! Operator dispatch: truth, unary and binary operators, equality, ordering and `in`
//! (py/runtime.c `mp_unary_op` / `mp_binary_op`, py/obj.c `mp_obj_is_true` /
//! `mp_obj_equal`). Type-specific arithmetic lives in the type's own file.

use super::*;

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

    pub(crate) fn unsupported_unary(&mut self, op: UnaryOp, a: &Value) -> Flow {
        let sym = match op {
            UnaryOp::Positive => "+",
            UnaryOp::Negative => "-",
            UnaryOp::Invert => "~",
            UnaryOp::Not => "not",
        };
        let t = self.type_name(a);
        self.type_error(&format!("unsupported type for {sym}: '{t}'"))
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

    /// A `MemoryError` for results too large to represent on the board.
    pub fn memory_error_public(&mut self) -> Flow {
        let c = self.exc.memory_error.clone();
        self.new_exc_msg(&c, "memory allocation failed")
    }

    pub(crate) fn zero_division(&mut self) -> Flow {
        let c = self.exc.zero_division_error.clone();
        self.new_exc_msg(&c, "divide by zero")
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per sequence type and operator: a flat dispatch like the types' binary_op slots"
    )]
    pub(crate) fn sequence_op(
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

    pub(crate) fn repeat(&mut self, v: &Value, n: i64) -> PyResult {
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

    pub(crate) fn seq_eq(
        &mut self,
        host: &mut dyn Host,
        x: &[Value],
        y: &[Value],
    ) -> Result<bool, Flow> {
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

    pub(crate) fn unorderable(&mut self, op: BinaryOp, a: &Value, b: &Value) -> Flow {
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

    pub(crate) fn contains_by_iter(
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
}
