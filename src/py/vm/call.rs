//! Calls and argument binding: preparing a call from the stack, binding positional, keyword,
//! default and star arguments to a new frame, instantiating classes and making function
//! objects. MicroPython: py/bc.c (`mp_setup_code_state`), the call parts of py/runtime.c
//! (`mp_call_function_n_kw`, `mp_call_method_n_kw_var`) and py/objfun.c / py/objtype.c.

use super::*;

impl Vm {
    /// Binds arguments and either finishes the call (native callables) or returns the frame to run.
    pub fn prepare_call(
        &mut self,
        host: &mut dyn Host,
        f: &Value,
        args: &[Value],
        kw: &[(Value, Value)],
        mode: FrameMode,
    ) -> Result<Called, Flow> {
        match f {
            Value::Function(func) => {
                let frame = self.bind_args(func, args, kw, mode)?;
                if self.track_access && !(func.code.flags.generator || func.code.flags.coroutine) {
                    host.on_enter(self, &func.code);
                }
                if func.code.flags.generator || func.code.flags.coroutine {
                    self.heap_alloc(64)?;
                    let mut frame = frame;
                    frame.is_generator = true;
                    let generator = Generator {
                        frame: Some(frame),
                        state: GenState::Created,
                        name: func.code.name.clone(),
                        serial: next_serial(),
                        is_coroutine: func.code.flags.coroutine,
                    };
                    return Ok(Called::Done(Value::Generator(Rc::new(RefCell::new(
                        generator,
                    )))));
                }
                Ok(Called::Frame(frame))
            }
            Value::Builtin(def) => Ok(Called::Done((def.func)(self, host, args, kw)?)),
            Value::BoundMethod(bm) => {
                let mut full = Vec::with_capacity(args.len() + 1);
                full.push(bm.receiver.clone());
                full.extend_from_slice(args);
                let func = bm.func.clone();
                self.prepare_call(host, &func, &full, kw, mode)
            }
            Value::Class(cls) => self.instantiate(host, cls, args, kw, mode),
            Value::Instance(inst) => {
                let call = self.lookup_class_attr(&inst.class, "__call__");
                match call {
                    Some(c) => {
                        let bound = Value::BoundMethod(Rc::new(BoundMethod {
                            receiver: f.clone(),
                            func: c,
                        }));
                        self.prepare_call(host, &bound, args, kw, mode)
                    }
                    None => {
                        Err(self
                            .type_error(&format!("'{}' object isn't callable", self.type_name(f))))
                    }
                }
            }
            _ => Err(self.type_error(&format!("'{}' object isn't callable", self.type_name(f)))),
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "binds positional, keyword, default and star arguments in bc.c's order, kept whole to read beside mp_setup_code_state"
    )]
    pub(super) fn instantiate(
        &mut self,
        host: &mut dyn Host,
        cls: &Rc<Class>,
        args: &[Value],
        kw: &[(Value, Value)],
        mode: FrameMode,
    ) -> Result<Called, Flow> {
        match cls.kind {
            ClassKind::Builtin(tag) => {
                Ok(Called::Done(self.construct_builtin(host, tag, args, kw)?))
            }
            ClassKind::Exception => Ok(Called::Done(
                self.new_exception_from_python(cls, args.to_vec()),
            )),
            ClassKind::Native => {
                let ctor = self.lookup_class_attr(cls, "__new__");
                match ctor {
                    Some(Value::Builtin(def)) => {
                        let mut full = vec![Value::Class(cls.clone())];
                        full.extend_from_slice(args);
                        Ok(Called::Done((def.func)(self, host, &full, kw)?))
                    }
                    _ => {
                        Err(self
                            .type_error(&format!("cannot create '{}' instances", cls.name.text)))
                    }
                }
            }
            ClassKind::User => {
                self.heap_alloc(32)?;
                let exc = if cls.is_exception {
                    Some(RefCell::new(ExcState {
                        args: args.to_vec(),
                        traceback: vec![],
                        no_traceback: false,
                    }))
                } else {
                    None
                };
                let inst = Value::Instance(Rc::new(Instance {
                    class: cls.clone(),
                    attrs: RefCell::new(Dict::new()),
                    exc,
                    serial: next_serial(),
                }));
                match self.lookup_class_attr(cls, "__init__") {
                    Some(Value::Function(init)) => {
                        let mut full = Vec::with_capacity(args.len() + 1);
                        full.push(inst.clone());
                        full.extend_from_slice(args);
                        let init_mode = match mode {
                            FrameMode::Boundary => FrameMode::Boundary,
                            _ => FrameMode::Init(inst.clone()),
                        };
                        let frame = self.bind_args(&init, &full, kw, init_mode.clone())?;
                        if let FrameMode::Boundary = init_mode {
                            // Run __init__ now and hand back the instance.
                            self.run_frame(host, frame)?;
                            return Ok(Called::Done(inst));
                        }
                        Ok(Called::Frame(frame))
                    }
                    Some(other) => {
                        let mut full = vec![inst.clone()];
                        full.extend_from_slice(args);
                        self.call(host, &other, &full, kw)?;
                        Ok(Called::Done(inst))
                    }
                    None => {
                        if !args.is_empty() && !cls.is_exception {
                            return Err(self.type_error(
                                "function takes 0 positional arguments but 1 were given",
                            ));
                        }
                        Ok(Called::Done(inst))
                    }
                }
            }
        }
    }

    /// Binds `args`/`kw` to a new frame for `func`, as `mp_setup_code_state` does.
    pub(super) fn bind_args(
        &mut self,
        func: &Rc<Function>,
        args: &[Value],
        kw: &[(Value, Value)],
        mode: FrameMode,
    ) -> Result<Box<Frame>, Flow> {
        let code = &func.code;
        let n_pos = code.n_pos_args as usize;
        let n_kwonly = code.n_kwonly_args as usize;
        let mut locals = vec![Value::Null; code.n_locals as usize];
        let n_given = args.len();
        if n_given > n_pos && !code.flags.varargs {
            return Err(self.type_error(&format!(
                "function takes {} positional arguments but {} were given",
                n_pos, n_given
            )));
        }
        for (i, a) in args.iter().take(n_pos).enumerate() {
            locals[i] = a.clone();
        }
        let mut slot = n_pos + n_kwonly;
        if code.flags.varargs {
            let extra: Vec<Value> = if n_given > n_pos {
                args[n_pos..].to_vec()
            } else {
                Vec::new()
            };
            locals[slot] = Value::tuple(extra);
            slot += 1;
        }
        let mut kwargs_dict: Option<Dict> = if code.flags.varkeywords {
            Some(Dict::new())
        } else {
            None
        };
        self.bind_keywords(
            code,
            n_pos + n_kwonly,
            &mut locals,
            kw,
            kwargs_dict.as_mut(),
        )?;
        self.fill_defaults(func, &mut locals)?;
        if let Some(d) = kwargs_dict {
            locals[slot] = Value::Dict(Rc::new(RefCell::new(d)));
        }
        for &c in &code.cell_slots {
            let c = c as usize;
            let v = std::mem::replace(&mut locals[c], Value::Null);
            locals[c] = Value::Cell(Rc::new(RefCell::new(v)));
        }
        let n_free = code.n_free as usize;
        let first_free = code.n_locals as usize - n_free;
        for (i, cell) in func.closure.iter().enumerate().take(n_free) {
            locals[first_free + i] = cell.clone();
        }
        let mut frame = Frame::new(
            code.clone(),
            func.globals.clone(),
            None,
            mode,
            func.info.clone(),
        );
        frame.locals = locals;
        frame.serial = self.next_frame_serial();
        Ok(frame)
    }

    /// Binds keyword arguments to the first `n_named` parameters, or into `**kwargs`
    /// (py/bc.c `mp_setup_code_state`, the keyword loop).
    #[inline]
    fn bind_keywords(
        &self,
        code: &CodeObject,
        n_named: usize,
        locals: &mut [Value],
        kw: &[(Value, Value)],
        mut kwargs_dict: Option<&mut Dict>,
    ) -> Result<(), Flow> {
        for (k, v) in kw {
            let name = match k {
                Value::Str(s) => s.clone(),
                _ => return Err(self.type_error("keywords must be strings")),
            };
            let pos = code.arg_names[..n_named]
                .iter()
                .position(|a| **a == *name.text);
            match pos {
                Some(i) => {
                    if !locals[i].is_null() {
                        return Err(self.type_error(&format!(
                            "function got multiple values for argument '{}'",
                            name.text
                        )));
                    }
                    locals[i] = v.clone();
                }
                None => match kwargs_dict.as_deref_mut() {
                    Some(d) => {
                        d.insert_hashed(k.clone(), name.hash, v.clone());
                    }
                    None => {
                        return Err(self
                            .type_error(&format!("unexpected keyword argument '{}'", name.text)));
                    }
                },
            }
        }
        Ok(())
    }

    /// Fills missing positional parameters from the defaults and keyword-only ones from the
    /// keyword defaults, or raises the "missing argument" `TypeError` (py/bc.c).
    #[inline]
    fn fill_defaults(&self, func: &Function, locals: &mut [Value]) -> Result<(), Flow> {
        let code = &func.code;
        let n_pos = code.n_pos_args as usize;
        let n_kwonly = code.n_kwonly_args as usize;
        // Defaults for missing positional parameters.
        let n_defaults = func.defaults.len();
        for i in 0..n_pos {
            if locals[i].is_null() {
                if i + n_defaults >= n_pos {
                    locals[i] = func.defaults[i + n_defaults - n_pos].clone();
                } else {
                    let missing = (i..n_pos - n_defaults)
                        .filter(|j| locals[*j].is_null())
                        .count();
                    return Err(self.type_error(&format!(
                        "function missing {missing} required positional arguments"
                    )));
                }
            }
        }
        for (slot, name) in locals
            .iter_mut()
            .zip(&code.arg_names)
            .skip(n_pos)
            .take(n_kwonly)
        {
            if slot.is_null() {
                let default = func
                    .kw_defaults
                    .as_ref()
                    .and_then(|d| d.borrow().get_str(name).cloned());
                match default {
                    Some(v) => *slot = v,
                    None => {
                        return Err(self.type_error(&format!(
                            "function missing required keyword argument '{name}'"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Pops a call's function and arguments from the stack.
    pub(super) fn take_call_args(
        &mut self,
        host: &mut dyn Host,
        n_pos: u8,
        n_kw: u8,
        star: bool,
        method: bool,
    ) -> Result<CallArgs, Flow> {
        let f = self.frames.last_mut().expect("call needs a frame");
        let bitmap = if star {
            f.stack.pop().expect("star bitmap")
        } else {
            Value::Int(0)
        };
        let kw_flat = f.stack.split_off(f.stack.len() - 2 * n_kw as usize);
        let pos = f.stack.split_off(f.stack.len() - n_pos as usize);
        let (fun, mut args) = if method {
            let this = f.stack.pop().expect("method self");
            let m = f.stack.pop().expect("method");
            if this.is_null() {
                (m, Vec::with_capacity(pos.len()))
            } else {
                (m, vec![this])
            }
        } else {
            (
                f.stack.pop().expect("function"),
                Vec::with_capacity(pos.len()),
            )
        };
        let bits = match bitmap {
            Value::Int(b) => b as u32,
            _ => 0,
        };
        for (i, a) in pos.into_iter().enumerate() {
            if star && bits & (1 << i) != 0 {
                let items = self.collect_iter(host, &a)?;
                args.extend(items);
            } else {
                args.push(a);
            }
        }
        let mut kw = Vec::with_capacity(n_kw as usize);
        let mut it = kw_flat.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            if k.is_null() {
                // `**mapping`
                let items = self.mapping_items(host, &v)?;
                kw.extend(items);
            } else {
                kw.push((k, v));
            }
        }
        Ok((fun, args, kw))
    }

    pub(super) fn do_call(
        &mut self,
        host: &mut dyn Host,
        fun: Value,
        args: Vec<Value>,
        kw: Vec<(Value, Value)>,
    ) -> Result<(), Flow> {
        if self.frames.len() >= self.max_frames {
            return Err(self.new_exc_msg(
                &self.exc.runtime_error.clone(),
                "maximum recursion depth exceeded",
            ));
        }
        match self.prepare_call(host, &fun, &args, &kw, FrameMode::Normal)? {
            Called::Done(v) => self.frames.last_mut().expect("caller frame").stack.push(v),
            Called::Frame(frame) => self.frames.push(frame),
        }
        Ok(())
    }

    pub(super) fn make_function(
        &mut self,
        child: u16,
        defs: Option<Value>,
        kwd: Option<Value>,
        closure: Vec<Value>,
    ) -> PyResult {
        let f = self.frames.last().expect("frame");
        let code = f.code.children[child as usize].clone();
        let globals = f.globals.clone();
        let defaults = match defs {
            Some(Value::Tuple(t)) => t.to_vec(),
            _ => Vec::new(),
        };
        let kw_defaults = match kwd {
            Some(Value::Dict(d)) => Some(d),
            _ => None,
        };
        self.heap_alloc(if closure.is_empty() {
            16
        } else {
            16 + 4 * closure.len()
        })?;
        let info = self.code_info(&code);
        Ok(Value::Function(Rc::new(Function {
            code,
            globals,
            defaults,
            kw_defaults,
            closure,
            info,
            serial: next_serial(),
        })))
    }
}
