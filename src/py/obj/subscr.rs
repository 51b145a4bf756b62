//! Length, indexing and item assignment (py/obj.c `mp_obj_len`, `mp_obj_subscr`,
//! `mp_get_index`), and the list/set appends the compiler's comprehensions use.

use super::*;

impl Vm {
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

    pub(crate) fn index_of(
        &mut self,
        len: usize,
        index: &Value,
        what: &str,
    ) -> Result<usize, Flow> {
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
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per built-in container type: a flat dispatch like the types' subscr slots"
    )]
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

    /// `obj[index] = v` (`v` Null deletes).
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per built-in container type: a flat dispatch like the types' subscr slots"
    )]
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
                        items[i] = super::array::array_wrap(tc, n);
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

    pub(crate) fn del_subscr(&mut self, obj: &Value, index: &Value) -> Result<(), Flow> {
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
}
