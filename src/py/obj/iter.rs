//! Iteration: `iter()`, `next()`, the builtin iterators, unpacking (py/runtime.c
//! `mp_getiter`, `mp_iternext`, `mp_unpack_sequence`; py/objgetitemiter.c).

use super::*;

impl Vm {
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

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per built-in iterable type: a flat table like the types' iternext slots"
    )]
    pub(crate) fn builtin_iter_next(
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
