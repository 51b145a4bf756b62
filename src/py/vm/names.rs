//! Name lookup and import: `LOAD_NAME`, `LOAD_GLOBAL`, storing names, constants and
//! `IMPORT_NAME`. MicroPython: the name parts of py/runtime.c (`mp_load_name`,
//! `mp_load_global`) and py/builtinimport.c.

use super::*;

impl Vm {
    /// `LOAD_NAME`: locals dict, globals, builtins.
    pub fn load_name(&mut self, name: &Value) -> PyResult {
        let f = self.frames.last().expect("frame");
        let hash = str_hash(name);
        if let Some(names) = &f.names
            && let Some(v) = names.borrow().get_hashed(name, hash)
        {
            return Ok(v.clone());
        }
        self.load_global(name)
    }

    /// `LOAD_GLOBAL`: globals, then builtins.
    pub fn load_global(&mut self, name: &Value) -> PyResult {
        let hash = str_hash(name);
        let f = self.frames.last().expect("frame");
        if let Some(v) = f.globals.borrow().get_hashed(name, hash) {
            return Ok(v.clone());
        }
        if let Some(v) = self.builtins.borrow().get_hashed(name, hash) {
            return Ok(v.clone());
        }
        Err(self.name_error(name))
    }

    pub(super) fn dict_store_name(
        &mut self,
        dict: &Rc<RefCell<Dict>>,
        name: Value,
        v: Value,
    ) -> Result<(), Flow> {
        let hash = str_hash(&name);
        if let Some(slot) = dict.borrow_mut().get_mut_hashed(&name, hash) {
            *slot = v;
            return Ok(());
        }
        // A new key allocates only when the table must grow (facts §8: a new global can raise
        // MemoryError with the heap locked).
        let grow = dict.borrow().growth_bytes_for(&name, hash);
        if grow > 0 {
            self.heap_alloc(grow)?;
        }
        dict.borrow_mut().insert_hashed(name, hash, v);
        Ok(())
    }

    pub(super) fn import(&mut self, host: &mut dyn Host, name: &Value) -> PyResult {
        let text = str_text(name).to_string();
        let hash = str_hash(name);
        if let Some(m) = self.modules.get_hashed(name, hash) {
            return Ok(m.clone());
        }
        let alias = match text.as_str() {
            "utime" => "time",
            "umachine" => "machine",
            "uarray" => "array",
            "usys" => "sys",
            "ugc" => "gc",
            "umath" => "math",
            other => other,
        };
        let m = match self.builtin_module(alias) {
            Some(m) => Some(m),
            None => host.import_native(self, alias),
        };
        match m {
            Some(m) => {
                self.modules.insert_hashed(name.clone(), hash, m.clone());
                Ok(m)
            }
            None => Err(self.new_exc_msg(
                &self.exc.import_error.clone(),
                &format!("no module named '{text}'"),
            )),
        }
    }

    pub(super) fn name_at(&self, i: u16) -> Value {
        self.frames.last().expect("frame").info.names[i as usize].clone()
    }

    pub(super) fn const_str(&self, i: u16) -> Value {
        self.name_at(i)
    }

    pub(super) fn const_value(&self, c: &Const) -> Value {
        match c {
            Const::BigInt(digits) => self
                .bigint_consts
                .borrow_mut()
                .entry(digits.clone())
                .or_insert_with(|| {
                    let n: num_bigint::BigInt =
                        digits.parse().expect("compiler emits valid decimal digits");
                    Value::from_bigint(n)
                })
                .clone(),
            Const::Float(x) => Value::Float(*x),
            Const::Str(s) => Value::str(s),
            Const::Bytes(b) => Value::Bytes(Rc::new(b.to_vec())),
            Const::Tuple(items) => {
                Value::tuple(items.iter().map(|c| self.const_value(c)).collect())
            }
            Const::SmallInt(n) => Value::Int(*n),
            Const::None => Value::None,
            Const::Bool(b) => Value::Bool(*b),
            // FIXME: no Ellipsis object yet; `...` is rare in the programs irqlab targets.
            Const::Ellipsis => Value::None,
        }
    }
}
