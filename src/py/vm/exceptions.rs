//! Making and describing exceptions: new instances, the common error helpers, `raise` object
//! checks and the uncaught-exception text. MicroPython: py/objexcept.c and the raising
//! helpers of py/runtime.c (`mp_raise_msg`, `mp_raise_TypeError`, ...).

use super::*;

impl Vm {
    pub(super) fn memory_error(&mut self, msg: &str) -> Flow {
        // m_malloc_fail raises with mp_obj_new_exception_msg, which needs a string object:
        // with the heap locked and no emergency buffer it makes the exception without args
        // (`MemoryError: `) and no traceback is recorded (py/objexcept.c, facts §3).
        let cls = self.exc.memory_error.clone();
        Flow::Exception(self.new_exception_from_python(&cls, vec![Value::str(msg)]))
    }

    /// A new exception instance of `cls` with `args`.
    pub fn new_exception(&self, cls: &Rc<Class>, args: Vec<Value>) -> Value {
        Value::Instance(Rc::new(Instance {
            class: cls.clone(),
            attrs: RefCell::new(Dict::new()),
            exc: Some(RefCell::new(ExcState {
                args,
                traceback: Vec::new(),
                no_traceback: false,
            })),
            serial: next_serial(),
        }))
    }

    /// An exception instantiated by Python code. With the heap locked (a hard handler) and no
    /// emergency buffer (`micropython.alloc_emergency_exception_buf`), MicroPython cannot
    /// allocate the args tuple or traceback: the message is lost (`ValueError: `) and no
    /// traceback lines are recorded (py/objexcept.c, facts §3).
    pub fn new_exception_from_python(&self, cls: &Rc<Class>, args: Vec<Value>) -> Value {
        let starved = self.heap.lock_depth > 0 && self.emergency_buf_bytes == 0;
        let args = if starved { Vec::new() } else { args };
        let e = self.new_exception(cls, args);
        if starved
            && let Value::Instance(i) = &e
            && let Some(st) = &i.exc
        {
            st.borrow_mut().no_traceback = true;
        }
        e
    }

    /// A `Flow::Exception` of class `cls` with one message argument.
    pub fn new_exc_msg(&self, cls: &Rc<Class>, msg: &str) -> Flow {
        Flow::Exception(self.new_exception(cls, vec![Value::str(msg)]))
    }

    /// `TypeError(msg)`.
    pub fn type_error(&self, msg: &str) -> Flow {
        let c = self.exc.type_error.clone();
        self.new_exc_msg(&c, msg)
    }

    /// `ValueError(msg)`.
    pub fn value_error(&self, msg: &str) -> Flow {
        let c = self.exc.value_error.clone();
        self.new_exc_msg(&c, msg)
    }

    /// `NameError: name 'x' isn't defined`.
    pub fn name_error(&self, name: &Value) -> Flow {
        let c = self.exc.name_error.clone();
        self.new_exc_msg(&c, &format!("name '{}' isn't defined", str_text(name)))
    }

    pub(super) fn make_raise_obj(&mut self, host: &mut dyn Host, v: Value) -> PyResult {
        match &v {
            Value::Class(c) if c.is_exception => self.call(host, &v, &[], &[]),
            Value::Instance(i) if i.class.is_exception => Ok(v),
            _ => Err(self.type_error("exceptions must derive from BaseException")),
        }
    }

    /// True if `v` is an instance of `cls` (or a subclass).
    pub fn is_instance_of(&self, v: &Value, cls: &Rc<Class>) -> bool {
        let c = self.class_of(v);
        rc_ptr_eq(&c, cls) || c.mro.iter().any(|m| rc_ptr_eq(m, cls))
    }

    /// The `value` of a StopIteration instance (its first arg, or None).
    pub fn stop_iteration_value(&self, e: &Value) -> Value {
        match e {
            Value::Instance(i) => i
                .exc
                .as_ref()
                .and_then(|s| s.borrow().args.first().cloned())
                .unwrap_or(Value::None),
            _ => Value::None,
        }
    }

    /// The text MicroPython prints for an uncaught exception: traceback then `Name: msg`.
    pub fn format_exception(&mut self, host: &mut dyn Host, e: &Value) -> String {
        let mut out = String::new();
        if let Value::Instance(i) = e
            && let Some(st) = &i.exc
            && !st.borrow().traceback.is_empty()
        {
            // mp_obj_print_exception prints the header only above entries (py/obj.c).
            out.push_str("Traceback (most recent call last):\n");
            for tb in st.borrow().traceback.iter().rev() {
                out.push_str(&format!(
                    "  File \"{}\", line {}, in {}\n",
                    tb.filename, tb.line, tb.scope
                ));
            }
        }
        out.push_str(&self.exception_line(host, e));
        out.push('\n');
        out
    }

    /// `Name: message` as `mp_obj_print_exception` prints the last line.
    pub fn exception_line(&mut self, host: &mut dyn Host, e: &Value) -> String {
        let name = self.class_of(e).name.text.to_string();
        let args = match e {
            Value::Instance(i) => i
                .exc
                .as_ref()
                .map(|s| s.borrow().args.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let msg = match args.len() {
            0 => String::new(),
            1 => self.str_of(host, &args[0]).unwrap_or_default(),
            _ => self.repr_of(host, &Value::tuple(args)).unwrap_or_default(),
        };
        format!("{name}: {msg}")
    }
}
