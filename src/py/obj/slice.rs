//! Slices: index normalisation and slice reads (py/objslice.c, `mp_seq_get_slice`).

use super::*;

impl Vm {
    pub(crate) fn slice_indices(&mut self, len: usize, s: &Slice) -> Result<(i64, i64, i64), Flow> {
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

    pub(crate) fn slice_positions(&mut self, len: usize, s: &Slice) -> Result<Vec<usize>, Flow> {
        let (start, stop, step) = self.slice_indices(len, s)?;
        let mut out = Vec::new();
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            out.push(i as usize);
            i += step;
        }
        Ok(out)
    }

    pub(crate) fn slice_get(&mut self, obj: &Value, s: &Slice) -> PyResult {
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
}

/// `slice(stop)`, `slice(start, stop[, step])` (py/objslice.c).
pub(crate) fn slice_new(vm: &mut Vm, a: &[Value]) -> PyResult {
    let (start, stop, step) = match a.len() {
        1 => (Value::None, a[0].clone(), Value::None),
        2 => (a[0].clone(), a[1].clone(), Value::None),
        _ => (arg(vm, a, 0)?, arg(vm, a, 1)?, arg(vm, a, 2)?),
    };
    Ok(Value::Slice(Rc::new(crate::py::vm::value::Slice {
        start,
        stop,
        step,
    })))
}
