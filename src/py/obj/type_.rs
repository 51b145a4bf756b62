//! Types and attributes: the class of a value, attribute load/store, method binding and
//! `super()` (py/objtype.c and py/runtime.c's `mp_load_attr` / `mp_load_method`).

use super::*;

impl Vm {
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
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per built-in type's methods: a flat table"
    )]
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
                        ClassKind::Builtin(tag) => match super::builtin_type_method(tag, text) {
                            Some(def) => Ok((Value::Builtin(def), Value::Null)),
                            None => Err(self.attr_error(obj, text)),
                        },
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
                if let Some(v) = super::builtin_attr(self, obj, text)? {
                    return Ok((v, Value::Null));
                }
                match super::builtin_method(self, obj, text) {
                    Some(def) => Ok((Value::Builtin(def), obj.clone())),
                    None => Err(self.attr_error(obj, text)),
                }
            }
        }
    }

    pub(crate) fn special_instance_attr(
        &self,
        obj: &Value,
        i: &Rc<Instance>,
        name: &str,
    ) -> Option<Value> {
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

    pub(crate) fn bind_class_attr(
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

    pub(crate) fn attr_error(&mut self, obj: &Value, name: &str) -> Flow {
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
                &super::exception::EXC_INIT
            } else {
                &OBJECT_INIT
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
}

// `object.__init__`: accepts nothing and does nothing (py/objobject.c).
method!(OBJECT_INIT, "__init__", |_, _, _, _| Ok(Value::None));
