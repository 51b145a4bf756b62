//! The bytecode VM: frames on an explicit stack, one dispatch loop, MicroPython's semantics.
//!
//! Python-to-Python calls push a [`Frame`] and continue in the same loop (no Rust recursion).
//! Native code that must call back into Python (a class's `__init__` is *not* such a case;
//! `sorted(key=...)`, `__repr__` from `print`, resuming a generator, a scheduled callback) runs
//! a nested loop over the frames it pushed; nesting is bounded by the frame limit, which raises
//! `RuntimeError: maximum recursion depth exceeded` as MicroPython's stack check does.
//!
//! Time: every op adds its cost in CPU cycles to [`Vm::cycles`]; when the count reaches
//! [`Vm::deadline_cycles`] the VM calls [`Host::on_deadline`] between two ops, which is where the
//! machine delivers hardware events (ISRs queue soft callbacks, hard handlers run at once).
//!
//! Soft callbacks queued in [`Vm::sched`] run only at the seven pending-check ops
//! ([`Op::is_pending_check`], facts §1.1), one per check, never while the scheduler is locked
//! (facts §2.2).
//!
//! The VM knows nothing about the ESP32: the machine is behind the [`Host`] trait.

use std::cell::RefCell;
use std::rc::Rc;

use super::bytecode::{CodeObject, Const, Op};
use super::dict::{Dict, key_hash};
use super::heap::Heap;
use super::sched::Scheduler;
use super::value::*;
pub use crate::trace::{AccessKind, AllocWhat};

/// The outcome of anything that runs Python code.
pub type PyResult = Result<Value, Flow>;

/// Why Python execution stopped abnormally.
#[derive(Clone)]
pub enum Flow {
    /// A Python exception (an exception instance) is propagating; Python code can catch it.
    Exception(Value),
    /// The simulation is stopping (time limit, host request); Python code cannot catch it.
    Abort(AbortReason),
}

/// Why the host aborted execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AbortReason {
    /// The run reached its simulated time limit.
    TimeLimit,
    /// The host asked to stop (e.g. the user quit the TUI).
    Stopped,
}

/// Where a tracked access goes (see [`Host::on_access`]).
#[derive(Clone, Copy, Debug)]
pub enum AccessAt<'a> {
    /// The global (or module-level name) `name`; `value` is the value read (`Null` for stores).
    Global(&'a Value, &'a Value),
    /// Attribute `name` of `obj`; `value` as for globals.
    Attr(&'a Value, &'a Value, &'a Value),
    /// Element `key` of container `obj`.
    Item(&'a Value, &'a Value),
    /// The whole container `obj` (slices, iteration, mutating methods).
    Whole(&'a Value),
}

/// What the machine provides to the VM.
pub trait Host {
    /// Called between two ops once `vm.cycles >= vm.deadline_cycles`: deliver due hardware
    /// events, set the next deadline, maybe run hard handlers. Returning `Err(Flow::Abort)`
    /// stops the program.
    fn on_deadline(&mut self, vm: &mut Vm) -> Result<(), Flow>;
    /// The program wrote to stdout (the REPL UART). The host charges the UART's cost.
    fn write_stdout(&mut self, vm: &mut Vm, text: &str);
    /// An exception escaped a callback and is printed (its traceback text); by default it is
    /// plain output.
    fn write_exception(&mut self, vm: &mut Vm, text: &str) {
        self.write_stdout(vm, text);
    }
    /// Returns a native module by name (`machine`, `time`, `micropython`, ...), if the host has it.
    fn import_native(&mut self, vm: &mut Vm, name: &str) -> Option<Value>;
    /// A scheduled callback is about to run (`start = true`) or has finished.
    fn on_callback(&mut self, vm: &mut Vm, func: &Value, start: bool);
    /// An op is about to execute the line `line` of `code` (called only when
    /// `vm.trace_lines` is set).
    fn on_line(&mut self, _vm: &mut Vm, _code: &Rc<CodeObject>, _line: u32) {}
    /// Shared state was read or written at an op whose location the VM has not cached yet
    /// (called only when `vm.track_access` is set; the race analysis uses it). Reads are
    /// reported after the load, with the value read. Returns the location's number, or `None`
    /// if the access is not tracked (code, types); the VM caches either per op site.
    fn on_access(&mut self, _vm: &mut Vm, _at: AccessAt<'_>, _kind: AccessKind) -> Option<u32> {
        None
    }
    /// Shared state was accessed at an op site whose location `loc` is cached.
    fn on_access_loc(&mut self, _vm: &mut Vm, _loc: u32, _kind: AccessKind) {}
    /// A Python function's frame is about to be pushed (called only when `vm.track_access` is
    /// set): the host checks for re-entry from interrupt context.
    fn on_enter(&mut self, _vm: &mut Vm, _code: &Rc<CodeObject>) {}
    /// The host itself, for native functions that need its concrete type.
    fn as_any(&mut self) -> &mut dyn std::any::Any;
}

/// The cost of each op in CPU cycles, set by the machine from the board profile.
pub trait OpCost {
    /// Cycles charged for executing `op` once.
    fn op_cycles(&self, op: &Op) -> u64;
}

/// A cost model that charges nothing (for tests of pure language behaviour).
pub struct ZeroCost;
impl OpCost for ZeroCost {
    fn op_cycles(&self, _op: &Op) -> u64 {
        0
    }
}

/// How a frame hands back its result.
#[derive(Clone)]
pub enum FrameMode {
    /// Push the return value onto the caller's stack.
    Normal,
    /// `__init__` of a new instance: check it returned None, push the instance.
    Init(Value),
    /// The bottom frame of a nested run: return to the native caller.
    Boundary,
}

/// An exception-handler block (MicroPython's `mp_exc_stack_t`).
#[derive(Clone)]
pub struct Block {
    /// Op index of the handler.
    pub handler: u32,
    /// Value-stack height when the block was pushed.
    pub sp: u32,
    /// True for finally (and with) blocks, false for except blocks.
    pub is_finally: bool,
    /// The exception being handled once the handler is active (for bare `raise`).
    pub prev_exc: Option<Value>,
}

/// One activation of a code object.
pub struct Frame {
    /// The code being run.
    pub code: Rc<CodeObject>,
    /// Index of the next op.
    pub ip: usize,
    /// Value stack.
    pub stack: Vec<Value>,
    /// Fast locals (cells in the slots the code marks).
    pub locals: Vec<Value>,
    /// Exception blocks, innermost last.
    pub blocks: Vec<Block>,
    /// Module globals.
    pub globals: Rc<RefCell<Dict>>,
    /// Locals dict for module and class bodies (`LOAD_NAME`/`STORE_NAME`).
    pub names: Option<Rc<RefCell<Dict>>>,
    /// How the result is handed back.
    pub mode: FrameMode,
    /// An exception to raise at the resume point (generator `throw`).
    pub inject: Option<Value>,
    /// True when this frame belongs to a generator.
    pub is_generator: bool,
    /// Interned names and op costs, shared by every frame of the same function.
    pub info: Rc<CodeInfo>,
    /// Serial number of this call (from [`Vm::frame_serial`]; 0 for frames the VM did not
    /// number): tells two calls of one function apart in access events.
    pub serial: u32,
}

/// What a nested run ended with.
pub enum Exit {
    /// The frame returned.
    Return(Value),
    /// The (generator) frame yielded; the frame is handed back to be stored.
    Yield(Value, Box<Frame>),
}

/// The builtin classes.
pub struct Types {
    /// `object`.
    pub object: Rc<Class>,
    /// Class of each builtin type, indexed by [`TypeTag`] order.
    pub by_tag: Vec<Rc<Class>>,
}

/// The builtin exception classes the runtime raises itself.
#[allow(missing_docs)]
pub struct ExcTypes {
    pub base_exception: Rc<Class>,
    pub exception: Rc<Class>,
    pub stop_iteration: Rc<Class>,
    pub generator_exit: Rc<Class>,
    pub keyboard_interrupt: Rc<Class>,
    pub system_exit: Rc<Class>,
    pub arithmetic_error: Rc<Class>,
    pub zero_division_error: Rc<Class>,
    pub overflow_error: Rc<Class>,
    pub assertion_error: Rc<Class>,
    pub attribute_error: Rc<Class>,
    pub lookup_error: Rc<Class>,
    pub index_error: Rc<Class>,
    pub key_error: Rc<Class>,
    pub memory_error: Rc<Class>,
    pub name_error: Rc<Class>,
    pub os_error: Rc<Class>,
    pub runtime_error: Rc<Class>,
    pub not_implemented_error: Rc<Class>,
    pub type_error: Rc<Class>,
    pub value_error: Rc<Class>,
    pub import_error: Rc<Class>,
    pub syntax_error: Rc<Class>,
    pub unicode_error: Rc<Class>,
    pub cancelled_error: Rc<Class>,
    pub timeout_error: Rc<Class>,
}

/// The virtual machine: frames, module state, heap and scheduler.
pub struct Vm {
    /// Active frames, innermost last.
    pub frames: Vec<Box<Frame>>,
    /// The builtins module dict.
    pub builtins: Rc<RefCell<Dict>>,
    /// Imported modules by name.
    pub modules: Dict,
    /// Builtin classes.
    pub types: Types,
    /// Builtin exception classes.
    pub exc: ExcTypes,
    /// The heap model (allocation accounting, lock, GC).
    pub heap: Heap,
    /// The `micropython.schedule` queue.
    pub sched: Scheduler,
    /// CPU cycles consumed so far.
    pub cycles: u64,
    /// When `cycles` reaches this, the host is called between two ops.
    pub deadline_cycles: u64,
    /// Per-op cost.
    pub cost: Rc<dyn OpCost>,
    /// An exception to raise at the next pending check (KeyboardInterrupt; facts §2.6).
    pub pending_exception: Option<Value>,
    /// Ops executed so far.
    pub n_ops: u64,
    /// Maximum frame depth before `RuntimeError: maximum recursion depth exceeded`.
    pub max_frames: usize,
    /// When true, the host's `on_line` is called when the executing line changes.
    pub trace_lines: bool,
    /// When true, reads and writes of globals and module-level names are reported to the host
    /// (`Host::on_access`) for the race analysis; off by default, so plain runs pay one branch.
    pub track_access: bool,
    /// The `__main__` module globals.
    pub main_globals: Rc<RefCell<Dict>>,
    /// Interned `__init__` and other names the VM looks up often.
    pub names: CommonNames,
    /// Things that happened inside the VM for the host to trace (drained by the host).
    pub events: Vec<VmEvent>,
    /// Values the host keeps alive (IRQ handlers, timer callbacks): GC roots.
    pub extra_roots: Vec<Value>,
    /// Size of the emergency exception buffer (`alloc_emergency_exception_buf`; esp32 has
    /// none until the program allocates one, facts §3).
    pub emergency_buf_bytes: usize,
    /// Serial numbers handed to frames so far (module and function calls).
    pub frame_serial: u32,
    /// Names and op costs per code object (see [`Vm::code_info`]).
    code_infos: std::collections::BTreeMap<usize, (Rc<CodeObject>, Rc<CodeInfo>)>,
}

/// Things the VM records for the host's trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmEvent {
    /// An allocation of `bytes` failed because the heap was locked.
    HeapLocked {
        /// Cycle count at the failure.
        at_cycles: u64,
        /// Requested size.
        bytes: usize,
        /// What it was for.
        what: AllocWhat,
    },
    /// A garbage collection ran at `start_cycles` and paused for `pause_cycles`.
    Gc {
        /// Cycle count when it started.
        start_cycles: u64,
        /// Its cost.
        pause_cycles: u64,
        /// Live heap it found.
        live_bytes: usize,
    },
}

/// Strings the VM looks up by name on hot paths, interned once.
#[allow(missing_docs)]
pub struct CommonNames {
    pub init: Value,
    pub name: Value,
    pub class: Value,
}

fn rc_ptr_eq<T>(a: &Rc<T>, b: &Rc<T>) -> bool {
    Rc::ptr_eq(a, b)
}

impl Vm {
    /// A fresh VM with builtins, the given heap size in bytes and scheduler depth.
    pub fn new(heap_bytes: usize, sched_depth: usize, cost: Rc<dyn OpCost>) -> Vm {
        reset_serials();
        let (types, exc) = super::builtins::make_types();
        let builtins = Rc::new(RefCell::new(Dict::new()));
        let main_globals = Rc::new(RefCell::new(Dict::new()));
        let mut vm = Vm {
            frames: Vec::new(),
            builtins,
            modules: Dict::new(),
            types,
            exc,
            heap: Heap::new(heap_bytes),
            sched: Scheduler::new(sched_depth),
            cycles: 0,
            deadline_cycles: u64::MAX,
            cost,
            pending_exception: None,
            n_ops: 0,
            max_frames: crate::limits::MAX_FRAMES,
            trace_lines: false,
            track_access: false,
            main_globals,
            events: Vec::new(),
            extra_roots: Vec::new(),
            emergency_buf_bytes: 0,
            code_infos: std::collections::BTreeMap::new(),
            frame_serial: 0,
            names: CommonNames {
                init: Value::str("__init__"),
                name: Value::str("__name__"),
                class: Value::str("__class__"),
            },
        };
        super::builtins::install(&mut vm);
        vm.main_globals.borrow_mut().insert_hashed(
            vm.names.name.clone(),
            qhash("__name__"),
            Value::str("__main__"),
        );
        vm
    }

    /// The shared names and op costs of `code`, made once per code object.
    pub fn code_info(&mut self, code: &Rc<CodeObject>) -> Rc<CodeInfo> {
        // Keyed by address only for lookup (never iterated); the entry keeps the code alive
        // so the address cannot be reused.
        let key = Rc::as_ptr(code) as usize;
        if let Some((_, info)) = self.code_infos.get(&key) {
            return info.clone();
        }
        let info = Rc::new(CodeInfo {
            names: code.names.iter().map(|n| Value::str(n)).collect(),
            costs: code
                .ops
                .iter()
                .map(|op| self.cost.op_cycles(op).min(u32::MAX as u64) as u32)
                .collect(),
            hints: code
                .ops
                .iter()
                .map(|_| std::cell::Cell::new(u32::MAX))
                .collect(),
            access: code
                .ops
                .iter()
                .map(|_| {
                    std::cell::Cell::new(AccessSite {
                        obj: 0,
                        key: 0,
                        loc: AccessSite::UNKNOWN,
                    })
                })
                .collect(),
        });
        self.code_infos.insert(key, (code.clone(), info.clone()));
        info
    }

    /// Runs a module's code object in `__main__`'s globals until it finishes.
    pub fn run_module(&mut self, host: &mut dyn Host, code: Rc<CodeObject>) -> Result<(), Flow> {
        let globals = self.main_globals.clone();
        // pyexec_file sets `__file__` next to `__name__`.
        let file = Value::str(&code.filename);
        globals
            .borrow_mut()
            .insert_hashed(Value::str("__file__"), qhash("__file__"), file);
        let info = self.code_info(&code);
        let mut frame = Frame::new(
            code,
            globals.clone(),
            Some(globals),
            FrameMode::Boundary,
            info,
        );
        frame.serial = self.next_frame_serial();
        self.run_frame(host, frame).map(|_| ())
    }

    // ---------------------------------------------------------------- calling

    /// Calls any callable with positional and keyword arguments and runs it to completion.
    pub fn call(
        &mut self,
        host: &mut dyn Host,
        f: &Value,
        args: &[Value],
        kw: &[(Value, Value)],
    ) -> PyResult {
        match self.prepare_call(host, f, args, kw, FrameMode::Boundary)? {
            Called::Done(v) => Ok(v),
            Called::Frame(frame) => match self.run_frame(host, frame)? {
                Exit::Return(v) => Ok(v),
                Exit::Yield(..) => unreachable!("a function frame (not a generator) never yields"),
            },
        }
    }

    /// Runs a scheduled callback `f(arg)` the way `mp_sched_run_pending` does: scheduler
    /// locked, exceptions printed and swallowed (facts §2.2).
    pub fn run_scheduled(&mut self, host: &mut dyn Host, f: Value, arg: Value) -> Result<(), Flow> {
        self.sched.lock();
        host.on_callback(self, &f, true);
        let res = self.call(host, &f, &[arg], &[]);
        // The exception is printed inside the protected call, before the callback ends.
        let res = match res {
            Err(Flow::Exception(e)) => {
                let text = self.format_exception(host, &e);
                host.write_exception(self, &text);
                Ok(Value::None)
            }
            other => other,
        };
        host.on_callback(self, &f, false);
        self.sched.unlock();
        res.map(|_| ())
    }

    /// Runs one pending scheduled callback, if any and the scheduler is not locked.
    /// Returns true if one ran.
    pub fn run_one_pending(&mut self, host: &mut dyn Host) -> Result<bool, Flow> {
        if let Some(exc) = self.pending_exception.take() {
            return Err(Flow::Exception(exc));
        }
        match self.sched.pop() {
            Some((f, arg)) => {
                self.run_scheduled(host, f, arg)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs `frame` (and everything it calls) until it returns or yields.
    pub fn run_frame(&mut self, host: &mut dyn Host, frame: Box<Frame>) -> Result<Exit, Flow> {
        if self.frames.len() >= self.max_frames {
            return Err(self.new_exc_msg(
                &self.exc.runtime_error.clone(),
                "maximum recursion depth exceeded",
            ));
        }
        let base = self.frames.len();
        self.frames.push(frame);
        loop {
            match self.dispatch(host, base) {
                Ok(exit) => return Ok(exit),
                Err(Flow::Exception(exc)) => {
                    if !self.unwind(exc.clone(), base) {
                        return Err(Flow::Exception(exc));
                    }
                }
                Err(abort) => {
                    self.frames.truncate(base);
                    return Err(abort);
                }
            }
        }
    }

    /// Finds a handler for `exc` in the frames above `base`, popping frames without one.
    /// Returns false (with the frames above `base` gone) when none handles it.
    fn unwind(&mut self, exc: Value, base: usize) -> bool {
        loop {
            let frame = self.frames.last_mut().expect("unwinding needs a frame");
            let fault_ip = frame.ip.saturating_sub(1);
            let fault_op = frame.code.ops.get(fault_ip).copied();
            // Re-raises do not add a traceback line (vm.c: END_FINALLY, RAISE_LAST).
            if !matches!(fault_op, Some(Op::EndFinally) | Some(Op::RaiseLast))
                && !frame.is_generator_exit(&exc)
            {
                add_traceback(
                    &exc,
                    &frame.code,
                    frame.code.lines.get(fault_ip).copied().unwrap_or(0),
                );
            }
            while let Some(b) = frame.blocks.last() {
                if b.handler as usize <= fault_ip {
                    frame.blocks.pop();
                } else {
                    break;
                }
            }
            if let Some(b) = frame.blocks.last_mut() {
                b.prev_exc = Some(exc.clone());
                let (sp, handler) = (b.sp as usize, b.handler as usize);
                frame.stack.truncate(sp);
                frame.stack.push(exc);
                frame.ip = handler;
                return true;
            }
            self.frames.pop();
            if self.frames.len() <= base {
                return false;
            }
        }
    }

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

    fn instantiate(
        &mut self,
        host: &mut dyn Host,
        cls: &Rc<Class>,
        args: &[Value],
        kw: &[(Value, Value)],
        mode: FrameMode,
    ) -> Result<Called, Flow> {
        match cls.kind {
            ClassKind::Builtin(tag) => Ok(Called::Done(super::builtins::construct(
                self, host, tag, args, kw,
            )?)),
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
    fn bind_args(
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
        for (k, v) in kw {
            let name = match k {
                Value::Str(s) => s.clone(),
                _ => return Err(self.type_error("keywords must be strings")),
            };
            let pos = code.arg_names[..n_pos + n_kwonly]
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
                None => match kwargs_dict.as_mut() {
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

    // ---------------------------------------------------------------- dispatch

    /// Runs ops of the top frame (and frames it pushes) until the frame at `base` exits.
    #[allow(
        clippy::too_many_lines,
        reason = "the opcode match is one flat table, as vm.c's"
    )]
    fn dispatch(&mut self, host: &mut dyn Host, base: usize) -> Result<Exit, Flow> {
        macro_rules! top {
            () => {
                self.frames.last_mut().expect("dispatch runs with a frame")
            };
        }
        macro_rules! pop {
            () => {
                top!()
                    .stack
                    .pop()
                    .expect("value stack underflow: compiler bug")
            };
        }
        macro_rules! push {
            ($v:expr) => {{
                let v = $v;
                top!().stack.push(v)
            }};
        }
        // A generator throw() or a KeyboardInterrupt injected at resume.
        if let Some(exc) = top!().inject.take() {
            return Err(Flow::Exception(exc));
        }
        loop {
            let frame = top!();
            let op = frame.code.ops[frame.ip];
            frame.ip += 1;
            self.n_ops += 1;
            self.cycles += frame.info.costs[frame.ip - 1] as u64;
            if self.cycles >= self.deadline_cycles {
                host.on_deadline(self)?;
            }
            match op {
                Op::LoadConstFalse => push!(Value::Bool(false)),
                Op::LoadConstNone => push!(Value::None),
                Op::LoadConstTrue => push!(Value::Bool(true)),
                Op::LoadConstSmallInt(n) => push!(Value::Int(n)),
                Op::LoadConstString(i) => {
                    let s = self.const_str(i);
                    push!(s)
                }
                Op::LoadConstObj(i) => {
                    let c = top!().code.consts[i as usize].clone();
                    let v = self.const_value(&c);
                    push!(v)
                }
                Op::LoadNull => push!(Value::Null),
                Op::LoadFast(n) => {
                    let f = top!();
                    let v = f.locals[n as usize].clone();
                    if v.is_null() {
                        return Err(self.new_exc_msg(
                            &self.exc.name_error.clone(),
                            "local variable referenced before assignment",
                        ));
                    }
                    f.stack.push(v);
                }
                Op::LoadDeref(n) => {
                    let v = match &top!().locals[n as usize] {
                        Value::Cell(c) => c.borrow().clone(),
                        _ => panic!("LOAD_DEREF of a non-cell slot: compiler bug"),
                    };
                    if v.is_null() {
                        return Err(self.new_exc_msg(
                            &self.exc.name_error.clone(),
                            "local variable referenced before assignment",
                        ));
                    }
                    push!(v)
                }
                Op::LoadName(i) | Op::LoadGlobal(i) => {
                    // Inline cache: the slot where this op last found its name (re-checked).
                    let f = top!();
                    let found = {
                        let info = &f.info;
                        let name = &info.names[i as usize];
                        let dict = match (op, &f.names) {
                            (Op::LoadName(_), Some(n)) => n,
                            _ => &f.globals,
                        };
                        let hint = &info.hints[f.ip - 1];
                        dict.borrow()
                            .get_hinted(name, str_hash(name), hint)
                            .cloned()
                    };
                    match found {
                        Some(v) => f.stack.push(v),
                        None => {
                            let name = self.name_at(i);
                            let v = match op {
                                Op::LoadName(_) => self.load_name(&name)?,
                                _ => self.load_global(&name)?,
                            };
                            push!(v)
                        }
                    }
                    if self.track_access && !self.track_hit(host, (0, 0), AccessKind::Read) {
                        let name = self.name_at(i);
                        let v = top!().stack.last().cloned().unwrap_or(Value::Null);
                        let at = AccessAt::Global(&name, &v);
                        self.track_miss(host, (0, 0), at, AccessKind::Read);
                    }
                }
                Op::LoadAttr(i) => {
                    let name = self.name_at(i);
                    let obj = pop!();
                    let v = self.load_attr(host, &obj, &name)?;
                    if self.track_access {
                        let site = (obj.heap_addr().unwrap_or(1), 0);
                        if !self.track_hit(host, site, AccessKind::Read) {
                            let at = AccessAt::Attr(&obj, &name, &v);
                            self.track_miss(host, site, at, AccessKind::Read);
                        }
                    }
                    push!(v)
                }
                Op::LoadMethod(i) => {
                    let name = self.name_at(i);
                    let obj = pop!();
                    if self.track_access
                        && let Some(kind) = container_method_access(&obj, &name)
                    {
                        self.track_whole(host, &obj, kind);
                    }
                    let (m, s) = self.load_method(host, &obj, &name)?;
                    push!(m);
                    push!(s);
                }
                Op::LoadSuperMethod(i) => {
                    let name = self.name_at(i);
                    let this = pop!();
                    let cls = pop!();
                    let _super = pop!();
                    let (m, s) = self.load_super_method(&cls, &this, &name)?;
                    push!(m);
                    push!(s);
                }
                Op::LoadBuildClass => push!(Value::Builtin(&super::builtins::BUILD_CLASS)),
                Op::LoadSubscr => {
                    if self.track_access {
                        let f = top!();
                        let n = f.stack.len();
                        let (obj, index) = (f.stack[n - 2].clone(), f.stack[n - 1].clone());
                        self.track_item(host, &obj, &index, false);
                    }
                    // Fast path: list[small int] in range.
                    let f = top!();
                    let n = f.stack.len();
                    if let (Value::List(l), Value::Int(i)) = (&f.stack[n - 2], &f.stack[n - 1]) {
                        let l = l.borrow();
                        let len = l.len() as i64;
                        let j = if *i < 0 { *i as i64 + len } else { *i as i64 };
                        if (0..len).contains(&j) {
                            let v = l[j as usize].clone();
                            drop(l);
                            f.stack.truncate(n - 1);
                            f.stack[n - 2] = v;
                            continue;
                        }
                    }
                    let index = pop!();
                    let obj = pop!();
                    let v = self.subscr(host, &obj, &index)?;
                    push!(v)
                }
                Op::StoreFast(n) => {
                    let f = top!();
                    let v = f.stack.pop().expect("value stack underflow: compiler bug");
                    f.locals[n as usize] = v;
                }
                Op::StoreDeref(n) => {
                    let v = pop!();
                    match &top!().locals[n as usize] {
                        Value::Cell(c) => *c.borrow_mut() = v,
                        _ => panic!("STORE_DEREF of a non-cell slot: compiler bug"),
                    }
                }
                Op::StoreName(i) | Op::StoreGlobal(i) => {
                    if self.track_access && !self.track_hit(host, (0, 0), AccessKind::Write) {
                        let name = self.name_at(i);
                        let v = top!().stack.last().cloned().unwrap_or(Value::Null);
                        let at = AccessAt::Global(&name, &v);
                        self.track_miss(host, (0, 0), at, AccessKind::Write);
                    }
                    let f = top!();
                    let mut v = f.stack.pop();
                    let dict = match (op, &f.names) {
                        (Op::StoreName(_), Some(n)) => n.clone(),
                        _ => f.globals.clone(),
                    };
                    {
                        // Inline cache for an existing name, as for loads.
                        let name = &f.info.names[i as usize];
                        let hint = &f.info.hints[f.ip - 1];
                        let mut d = dict.borrow_mut();
                        if let Some(slot) = d.get_mut_hinted(name, str_hash(name), hint) {
                            *slot = v.take().expect("STORE_NAME has a value");
                        }
                    }
                    if let Some(v) = v {
                        let name = self.name_at(i);
                        self.dict_store_name(&dict, name, v)?;
                    }
                }
                Op::StoreAttr(i) => {
                    let name = self.name_at(i);
                    let obj = pop!();
                    let v = pop!();
                    if self.track_access {
                        let site = (obj.heap_addr().unwrap_or(1), 0);
                        if !self.track_hit(host, site, AccessKind::Write) {
                            let at = AccessAt::Attr(&obj, &name, &v);
                            self.track_miss(host, site, at, AccessKind::Write);
                        }
                    }
                    self.store_attr(host, &obj, &name, v)?;
                }
                Op::StoreSubscr => {
                    let index = pop!();
                    let obj = pop!();
                    let v = pop!();
                    if self.track_access {
                        self.track_item(host, &obj, &index, true);
                    }
                    self.store_subscr(host, &obj, &index, v)?;
                }
                Op::DeleteFast(n) => {
                    let f = top!();
                    if f.locals[n as usize].is_null() {
                        return Err(self.new_exc_msg(
                            &self.exc.name_error.clone(),
                            "local variable referenced before assignment",
                        ));
                    }
                    f.locals[n as usize] = Value::Null;
                }
                Op::DeleteDeref(n) => {
                    if let Value::Cell(c) = &top!().locals[n as usize] {
                        *c.borrow_mut() = Value::Null;
                    }
                }
                Op::DeleteName(i) | Op::DeleteGlobal(i) => {
                    let name = self.name_at(i);
                    let f = top!();
                    let dict = match op {
                        Op::DeleteName(_) => f.names.clone().unwrap_or_else(|| f.globals.clone()),
                        _ => f.globals.clone(),
                    };
                    let hash = str_hash(&name);
                    if dict.borrow_mut().remove_hashed(&name, hash).is_none() {
                        return Err(self.name_error(&name));
                    }
                }
                Op::DupTop => {
                    let v = top!().stack.last().expect("DUP_TOP on empty stack").clone();
                    push!(v)
                }
                Op::DupTopTwo => {
                    let f = top!();
                    let n = f.stack.len();
                    let (a, b) = (f.stack[n - 2].clone(), f.stack[n - 1].clone());
                    f.stack.push(a);
                    f.stack.push(b);
                }
                Op::PopTop => {
                    pop!();
                }
                Op::RotTwo => {
                    let f = top!();
                    let n = f.stack.len();
                    f.stack.swap(n - 1, n - 2);
                }
                Op::RotThree => {
                    // (a b c -- c a b)
                    let f = top!();
                    let c = f.stack.pop().expect("ROT_THREE underflow");
                    let n = f.stack.len();
                    f.stack.insert(n - 2, c);
                }
                Op::Jump(t) => {
                    top!().ip = t as usize;
                    self.pending_check(host)?;
                }
                Op::PopJumpIfTrue(t) => {
                    let v = pop!();
                    if self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    }
                    self.pending_check(host)?;
                }
                Op::PopJumpIfFalse(t) => {
                    let v = pop!();
                    if !self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    }
                    self.pending_check(host)?;
                }
                Op::JumpIfTrueOrPop(t) => {
                    let v = top!().stack.last().expect("underflow").clone();
                    if self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    } else {
                        pop!();
                    }
                    self.pending_check(host)?;
                }
                Op::JumpIfFalseOrPop(t) => {
                    let v = top!().stack.last().expect("underflow").clone();
                    if !self.truthy(host, &v)? {
                        top!().ip = t as usize;
                    } else {
                        pop!();
                    }
                    self.pending_check(host)?;
                }
                Op::UnwindJump {
                    target,
                    n_unwind,
                    pop_iter,
                } => {
                    push!(Value::Int(target as i32));
                    let unum = n_unwind as u32 | if pop_iter { 0x80 } else { 0 };
                    self.unwind_jump(unum)?;
                    self.pending_check(host)?;
                }
                Op::SetupWith(t) => {
                    let mgr = pop!();
                    let exit = self.load_attr(host, &mgr, &Value::str("__exit__"))?;
                    let enter = self.load_attr(host, &mgr, &Value::str("__enter__"))?;
                    let ret = self.call(host, &enter, &[], &[])?;
                    push!(exit);
                    push!(mgr);
                    let f = top!();
                    let sp = f.stack.len() as u32;
                    f.blocks.push(Block {
                        handler: t,
                        sp,
                        is_finally: true,
                        prev_exc: None,
                    });
                    f.stack.push(ret);
                }
                Op::WithCleanup => self.with_cleanup(host)?,
                Op::SetupExcept(t) | Op::SetupFinally(t) => {
                    let f = top!();
                    let sp = f.stack.len() as u32;
                    f.blocks.push(Block {
                        handler: t,
                        sp,
                        is_finally: matches!(op, Op::SetupFinally(_)),
                        prev_exc: None,
                    });
                }
                Op::EndFinally => {
                    let f = top!();
                    f.blocks.pop();
                    let tos = f.stack.pop().expect("END_FINALLY underflow");
                    match tos {
                        Value::None => {}
                        Value::Int(cause) if cause < 0 => {
                            // Resume an unwinding return: the value is below the marker.
                            let ret = f.stack.pop().expect("return value under the marker");
                            if let Some(exit) = self.unwind_return(ret)?
                                && self.frames.len() == base
                            {
                                return Ok(exit);
                            }
                        }
                        Value::Int(cause) => {
                            self.unwind_jump(cause as u32)?;
                            self.pending_check(host)?;
                        }
                        exc => return Err(Flow::Exception(exc)),
                    }
                }
                Op::GetIter | Op::GetIterStack => {
                    if self.track_access {
                        let obj = top!().stack.last().cloned().unwrap_or(Value::Null);
                        if container_method_access(&obj, &Value::str("__iter__")).is_some() {
                            self.track_whole(host, &obj, AccessKind::ReadAll);
                        }
                    }
                    let obj = pop!();
                    let it = self.get_iter(host, &obj)?;
                    push!(it)
                }
                Op::ForIter(t) => {
                    let it = top!()
                        .stack
                        .last()
                        .expect("FOR_ITER without iterator")
                        .clone();
                    match self.iter_next(host, &it)? {
                        Some(v) => push!(v),
                        None => {
                            let f = top!();
                            f.stack.pop();
                            f.ip = t as usize;
                        }
                    }
                }
                Op::PopExceptJump(t) => {
                    let f = top!();
                    f.blocks.pop();
                    f.ip = t as usize;
                    self.pending_check(host)?;
                }
                Op::BuildTuple(n) => {
                    let f = top!();
                    let items = f.stack.split_off(f.stack.len() - n as usize);
                    if n > 0 {
                        self.heap_alloc(8 + 4 * n as usize)?;
                    }
                    push!(Value::tuple(items))
                }
                Op::BuildList(n) => {
                    let f = top!();
                    let items = f.stack.split_off(f.stack.len() - n as usize);
                    self.heap_alloc(16 + 4 * n as usize)?;
                    push!(Value::list(items))
                }
                Op::BuildMap(n) => {
                    self.heap_alloc(16 + 8 * n as usize)?;
                    push!(Value::Dict(Rc::new(RefCell::new(Dict::with_alloc(
                        n as usize
                    )))))
                }
                Op::StoreMap => {
                    let key = pop!();
                    let v = pop!();
                    let map = top!().stack.last().expect("STORE_MAP without map").clone();
                    self.setitem(host, &map, key, v)?;
                }
                Op::BuildSet(n) => {
                    let f = top!();
                    let items = f.stack.split_off(f.stack.len() - n as usize);
                    self.heap_alloc(16 + 8 * n as usize)?;
                    let set = Value::Set(Rc::new(RefCell::new(Dict::new())));
                    for it in items {
                        self.set_add(&set, it)?;
                    }
                    push!(set)
                }
                Op::BuildSlice(n) => {
                    let step = if n == 3 { pop!() } else { Value::None };
                    let stop = pop!();
                    let start = pop!();
                    self.heap_alloc(16)?;
                    push!(Value::Slice(Rc::new(Slice { start, stop, step })))
                }
                Op::StoreComp { kind, depth } => {
                    use super::bytecode::CompKind;
                    let f = top!();
                    match kind {
                        CompKind::List => {
                            let v = f.stack.pop().expect("underflow");
                            let coll = f.stack[f.stack.len() - depth as usize - 1].clone();
                            self.list_append(&coll, v)?;
                        }
                        CompKind::Set => {
                            let v = f.stack.pop().expect("underflow");
                            let coll = f.stack[f.stack.len() - depth as usize - 1].clone();
                            self.set_add(&coll, v)?;
                        }
                        CompKind::Dict => {
                            let k = f.stack.pop().expect("underflow");
                            let v = f.stack.pop().expect("underflow");
                            let coll = f.stack[f.stack.len() - depth as usize - 1].clone();
                            self.setitem(host, &coll, k, v)?;
                        }
                    }
                }
                Op::UnpackSequence(n) => {
                    let seq = pop!();
                    let items = self.unpack(host, &seq, n as usize)?;
                    let f = top!();
                    f.stack.extend(items.into_iter().rev());
                }
                Op::UnpackEx { n_before, n_after } => {
                    let seq = pop!();
                    let items = self.collect_iter(host, &seq)?;
                    let (nb, na) = (n_before as usize, n_after as usize);
                    if items.len() < nb + na {
                        return Err(self.value_error(&format!(
                            "need more than {} values to unpack",
                            items.len()
                        )));
                    }
                    let mid = Value::list(items[nb..items.len() - na].to_vec());
                    let f = top!();
                    for v in items[items.len() - na..].iter().rev() {
                        f.stack.push(v.clone());
                    }
                    f.stack.push(mid);
                    for v in items[..nb].iter().rev() {
                        f.stack.push(v.clone());
                    }
                }
                Op::MakeFunction(c) => {
                    let v = self.make_function(c, None, None, Vec::new())?;
                    push!(v)
                }
                Op::MakeFunctionDefargs(c) => {
                    let kwd = pop!();
                    let defs = pop!();
                    let v = self.make_function(c, Some(defs), Some(kwd), Vec::new())?;
                    push!(v)
                }
                Op::MakeClosure { child, n_closed }
                | Op::MakeClosureDefargs { child, n_closed } => {
                    let f = top!();
                    let cells = f.stack.split_off(f.stack.len() - n_closed as usize);
                    let (defs, kwd) = if matches!(op, Op::MakeClosureDefargs { .. }) {
                        let kwd = pop!();
                        let defs = pop!();
                        (Some(defs), Some(kwd))
                    } else {
                        (None, None)
                    };
                    let v = self.make_function(child, defs, kwd, cells)?;
                    push!(v)
                }
                Op::CallFunction { n_pos, n_kw } | Op::CallFunctionVarKw { n_pos, n_kw } => {
                    let star = matches!(op, Op::CallFunctionVarKw { .. });
                    let (fun, args, kw) = self.take_call_args(host, n_pos, n_kw, star, false)?;
                    self.do_call(host, fun, args, kw)?;
                }
                Op::CallMethod { n_pos, n_kw } | Op::CallMethodVarKw { n_pos, n_kw } => {
                    let star = matches!(op, Op::CallMethodVarKw { .. });
                    let (fun, args, kw) = self.take_call_args(host, n_pos, n_kw, star, true)?;
                    self.do_call(host, fun, args, kw)?;
                }
                Op::ReturnValue => {
                    let v = pop!();
                    if let Some(exit) = self.unwind_return(v)?
                        && self.frames.len() == base
                    {
                        return Ok(exit);
                    }
                }
                Op::RaiseLast => {
                    let f = top!();
                    let prev = f.blocks.iter().rev().find_map(|b| b.prev_exc.clone());
                    return Err(match prev {
                        Some(e) => Flow::Exception(e),
                        None => self.new_exc_msg(
                            &self.exc.runtime_error.clone(),
                            "no active exception to reraise",
                        ),
                    });
                }
                Op::RaiseObj => {
                    let v = pop!();
                    return Err(Flow::Exception(self.make_raise_obj(host, v)?));
                }
                Op::RaiseFrom => {
                    let _cause = pop!();
                    let v = pop!();
                    return Err(Flow::Exception(self.make_raise_obj(host, v)?));
                }
                Op::YieldValue => {
                    let v = pop!();
                    let frame = self.frames.pop().expect("yield from a frame");
                    assert!(
                        self.frames.len() == base,
                        "a generator frame is always the base of its nested run"
                    );
                    return Ok(Exit::Yield(v, frame));
                }
                Op::YieldFrom => {
                    let send = pop!();
                    let sub = top!()
                        .stack
                        .last()
                        .expect("YIELD_FROM without iterator")
                        .clone();
                    match self.resume_value(host, &sub, send, None)? {
                        Resumed::Yield(v) => {
                            top!().ip -= 1;
                            let frame = self.frames.pop().expect("yield from a frame");
                            assert!(
                                self.frames.len() == base,
                                "a generator frame is always the base of its nested run"
                            );
                            return Ok(Exit::Yield(v, frame));
                        }
                        Resumed::Return(v) => {
                            pop!();
                            push!(v);
                        }
                    }
                }
                Op::ImportName(i) => {
                    let name = self.name_at(i);
                    let _level = pop!();
                    let _fromlist = pop!();
                    let m = self.import(host, &name)?;
                    push!(m)
                }
                Op::ImportFrom(i) => {
                    let name = self.name_at(i);
                    let m = top!()
                        .stack
                        .last()
                        .expect("IMPORT_FROM without module")
                        .clone();
                    let v = match self.load_attr(host, &m, &name) {
                        Ok(v) => v,
                        Err(Flow::Exception(_)) => {
                            return Err(self.new_exc_msg(
                                &self.exc.import_error.clone(),
                                &format!("can't import name {}", str_text(&name)),
                            ));
                        }
                        Err(e) => return Err(e),
                    };
                    push!(v)
                }
                Op::ImportStar => {
                    let m = pop!();
                    if let Value::Module(m) = m {
                        let items: Vec<(Value, Value)> = m
                            .dict
                            .borrow()
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        let dict = top!()
                            .names
                            .clone()
                            .unwrap_or_else(|| top!().globals.clone());
                        for (k, v) in items {
                            if !str_text(&k).starts_with('_') {
                                self.dict_store_name(&dict, k, v)?;
                            }
                        }
                    }
                }
                Op::UnaryOp(u) => {
                    let a = pop!();
                    let v = self.unary_op(host, u, &a)?;
                    push!(v)
                }
                Op::BinaryOp(b) => {
                    // Fast path: small ints, the common case in loops (no allocation).
                    let f = top!();
                    let n = f.stack.len();
                    if let (Value::Int(x), Value::Int(y)) = (&f.stack[n - 2], &f.stack[n - 1])
                        && let Some(r) = small_int_op(b, *x as i64, *y as i64)
                    {
                        f.stack.truncate(n - 1);
                        f.stack[n - 2] = r;
                        continue;
                    }
                    let rhs = pop!();
                    let lhs = pop!();
                    let v = self.binary_op(host, b, lhs, rhs)?;
                    push!(v)
                }
            }
        }
    }

    /// The pending check of vm.c (`pending_exception_check`): raise a pending
    /// KeyboardInterrupt, else run at most one scheduled callback (facts §1.1, §2.2).
    #[inline]
    fn pending_check(&mut self, host: &mut dyn Host) -> Result<(), Flow> {
        if self.pending_exception.is_some() || self.sched.is_pending() {
            self.run_one_pending(host)?;
        }
        Ok(())
    }

    /// Pops a call's function and arguments from the stack.
    fn take_call_args(
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

    fn do_call(
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

    /// Handles `return v` in the top frame: runs pending finally blocks first
    /// (vm.c `unwind_return`). Returns `Some(exit)` when the frame actually exited.
    fn unwind_return(&mut self, v: Value) -> Result<Option<Exit>, Flow> {
        let f = self.frames.last_mut().expect("return needs a frame");
        while let Some(b) = f.blocks.last() {
            if b.is_finally {
                if b.handler as usize >= f.ip {
                    // An inactive finally: run it, then come back here (marker -1).
                    let sp = b.sp as usize;
                    f.stack.truncate(sp);
                    f.stack.push(v);
                    f.stack.push(Value::Int(-1));
                    f.ip = b.handler as usize;
                    return Ok(None);
                }
                cancel_active_finally(&mut f.stack);
            }
            f.blocks.pop();
        }
        let frame = self.frames.pop().expect("frame to return from");
        match frame.mode {
            FrameMode::Boundary => {
                if frame.is_generator {
                    return Ok(Some(Exit::Return(v)));
                }
                Ok(Some(Exit::Return(v)))
            }
            FrameMode::Normal => {
                self.frames
                    .last_mut()
                    .expect("caller of a normal frame")
                    .stack
                    .push(v);
                Ok(None)
            }
            FrameMode::Init(inst) => {
                if !matches!(v, Value::None) {
                    return Err(self.type_error("__init__() should return None"));
                }
                self.frames
                    .last_mut()
                    .expect("caller of __init__")
                    .stack
                    .push(inst);
                Ok(None)
            }
        }
    }

    /// `break`/`continue` through `finally` blocks (vm.c `unwind_jump`). The destination op
    /// index sits on the stack under nothing; `unum` counts blocks, 0x80 pops the iterator.
    fn unwind_jump(&mut self, mut unum: u32) -> Result<(), Flow> {
        let f = self.frames.last_mut().expect("unwind needs a frame");
        while unum & 0x7f > 0 {
            unum -= 1;
            let b = f
                .blocks
                .last()
                .expect("UNWIND_JUMP past the block stack: compiler bug");
            if b.is_finally {
                if b.handler as usize >= f.ip {
                    f.stack.push(Value::Int(unum as i32));
                    f.ip = b.handler as usize;
                    return Ok(());
                }
                cancel_active_finally(&mut f.stack);
            }
            f.blocks.pop();
        }
        let dest = match f.stack.pop() {
            Some(Value::Int(d)) => d as usize,
            _ => panic!("UNWIND_JUMP destination missing: compiler bug"),
        };
        if unum != 0 {
            f.stack.pop();
        }
        f.ip = dest;
        Ok(())
    }

    fn with_cleanup(&mut self, host: &mut dyn Host) -> Result<(), Flow> {
        let f = self.frames.last_mut().expect("with needs a frame");
        let tos = f.stack.last().expect("WITH_CLEANUP underflow").clone();
        match tos {
            Value::None => {
                // (exit mgr None -- None)
                f.stack.pop();
                let _mgr = f.stack.pop();
                let exit = f.stack.pop().expect("__exit__");
                self.call(host, &exit, &[Value::None, Value::None, Value::None], &[])?;
                self.frames
                    .last_mut()
                    .expect("frame")
                    .stack
                    .push(Value::None);
            }
            Value::Int(_) => {
                // (exit mgr data cause -- data cause)
                let cause = f.stack.pop().expect("cause");
                let data = f.stack.pop().expect("data");
                let _mgr = f.stack.pop();
                let exit = f.stack.pop().expect("__exit__");
                self.call(host, &exit, &[Value::None, Value::None, Value::None], &[])?;
                let f = self.frames.last_mut().expect("frame");
                f.stack.push(data);
                f.stack.push(cause);
            }
            exc => {
                f.stack.pop();
                let _mgr = f.stack.pop();
                let exit = f.stack.pop().expect("__exit__");
                let ty = self.type_of(&exc);
                let r = self.call(host, &exit, &[ty, exc.clone(), Value::None], &[])?;
                let swallow = self.truthy(host, &r)?;
                let f = self.frames.last_mut().expect("frame");
                f.stack.push(if swallow { Value::None } else { exc });
            }
        }
        Ok(())
    }

    fn make_function(
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

    // ---------------------------------------------------------------- generators

    /// Resumes a generator (or any iterator, for `yield from`) with `send` or a thrown exception.
    pub fn resume_value(
        &mut self,
        host: &mut dyn Host,
        it: &Value,
        send: Value,
        throw: Option<Value>,
    ) -> Result<Resumed, Flow> {
        match it {
            Value::Generator(g) => self.resume(host, g, send, throw),
            other => {
                if let Some(exc) = throw {
                    return Err(Flow::Exception(exc));
                }
                if !matches!(send, Value::None) {
                    let m = self.load_attr(host, other, &Value::str("send"))?;
                    return match self.call(host, &m, &[send], &[]) {
                        Ok(v) => Ok(Resumed::Yield(v)),
                        Err(Flow::Exception(e))
                            if self.is_instance_of(&e, &self.exc.stop_iteration.clone()) =>
                        {
                            Ok(Resumed::Return(self.stop_iteration_value(&e)))
                        }
                        Err(e) => Err(e),
                    };
                }
                // An instance's `__next__` may end with `StopIteration(value)`: that value is
                // the result of `yield from` / `await` (mp_resume; how a Task hands back its
                // result, facts §5.1).
                if let Value::Instance(i) = other
                    && let Some(f) = self.lookup_class_attr(&i.class, "__next__")
                {
                    return match self.call(host, &f, std::slice::from_ref(other), &[]) {
                        Ok(v) => Ok(Resumed::Yield(v)),
                        Err(Flow::Exception(e))
                            if self.is_instance_of(&e, &self.exc.stop_iteration.clone()) =>
                        {
                            Ok(Resumed::Return(self.stop_iteration_value(&e)))
                        }
                        Err(e) => Err(e),
                    };
                }
                match self.iter_next(host, other)? {
                    Some(v) => Ok(Resumed::Yield(v)),
                    None => Ok(Resumed::Return(Value::None)),
                }
            }
        }
    }

    /// Resumes generator `g`.
    pub fn resume(
        &mut self,
        host: &mut dyn Host,
        g: &Rc<RefCell<Generator>>,
        send: Value,
        throw: Option<Value>,
    ) -> Result<Resumed, Flow> {
        let mut frame = {
            let mut gstate = g.borrow_mut();
            match gstate.state {
                GenState::Running => {
                    drop(gstate);
                    return Err(self.value_error("generator already executing"));
                }
                GenState::Finished => {
                    drop(gstate);
                    if let Some(exc) = throw {
                        return Err(Flow::Exception(exc));
                    }
                    return Ok(Resumed::Return(Value::None));
                }
                GenState::Created if !matches!(send, Value::None) && throw.is_none() => {
                    drop(gstate);
                    return Err(
                        self.type_error("can't send non-None value to a just-started generator")
                    );
                }
                _ => {}
            }
            gstate.state = GenState::Running;
            gstate
                .frame
                .take()
                .expect("a suspended generator keeps its frame")
        };
        let started = frame.ip > 0;
        if let Some(exc) = throw {
            // Throw into a delegating `yield from`: pass it down first.
            if started && matches!(frame.code.ops[frame.ip], Op::YieldFrom) {
                frame.stack.push(Value::Null);
                frame.inject = None;
                frame.mode = FrameMode::Boundary;
                let sub = frame.stack[frame.stack.len() - 2].clone();
                frame.stack.pop();
                // Run the sub-iterator's throw in a nested resume, then continue here.
                let r = self.resume_value(host, &sub, Value::None, Some(exc));
                match r {
                    Ok(Resumed::Yield(v)) => {
                        let mut gstate = g.borrow_mut();
                        gstate.frame = Some(frame);
                        gstate.state = GenState::Suspended;
                        return Ok(Resumed::Yield(v));
                    }
                    Ok(Resumed::Return(v)) => {
                        frame.stack.pop();
                        frame.stack.push(v);
                        frame.ip += 1;
                    }
                    Err(Flow::Exception(e)) => {
                        frame.stack.pop();
                        frame.ip += 1;
                        frame.inject = Some(e);
                    }
                    Err(abort) => {
                        g.borrow_mut().state = GenState::Finished;
                        return Err(abort);
                    }
                }
            } else {
                frame.inject = Some(exc);
            }
        } else if started {
            frame.stack.push(send);
        }
        frame.mode = FrameMode::Boundary;
        let r = self.run_frame(host, frame);
        let mut gstate = g.borrow_mut();
        match r {
            Ok(Exit::Yield(v, frame)) => {
                gstate.frame = Some(frame);
                gstate.state = GenState::Suspended;
                Ok(Resumed::Yield(v))
            }
            Ok(Exit::Return(v)) => {
                gstate.state = GenState::Finished;
                Ok(Resumed::Return(v))
            }
            Err(e) => {
                gstate.state = GenState::Finished;
                Err(e)
            }
        }
    }

    // ---------------------------------------------------------------- names

    // ---------------------------------------------------------------- access tracking

    /// Reports an access at the current op if its site cache matches `site` (object address,
    /// key); false if the host must be asked ([`Vm::track_miss`]).
    #[inline]
    fn track_hit(&mut self, host: &mut dyn Host, site: (usize, i64), kind: AccessKind) -> bool {
        let f = self.frames.last().expect("tracking runs in a frame");
        let s = f.info.access[f.ip - 1].get();
        if s.loc == AccessSite::UNKNOWN || (s.obj, s.key) != site {
            return false;
        }
        if s.loc != AccessSite::IGNORED {
            host.on_access_loc(self, s.loc, kind);
        }
        true
    }

    /// Asks the host for the location of an access and caches it at the current op.
    fn track_miss(
        &mut self,
        host: &mut dyn Host,
        site: (usize, i64),
        at: AccessAt<'_>,
        kind: AccessKind,
    ) {
        let loc = host.on_access(self, at, kind);
        let f = self.frames.last().expect("tracking runs in a frame");
        f.info.access[f.ip - 1].set(AccessSite {
            obj: site.0,
            key: site.1,
            loc: loc.unwrap_or(AccessSite::IGNORED),
        });
    }

    /// A whole-container access (`append`, iteration, a slice).
    fn track_whole(&mut self, host: &mut dyn Host, obj: &Value, kind: AccessKind) {
        let site = (obj.heap_addr().unwrap_or(1), i64::MIN);
        if !self.track_hit(host, site, kind) {
            self.track_miss(host, site, AccessAt::Whole(obj), kind);
        }
    }

    /// `obj[index]` read or written (a slice index is a whole-container access).
    fn track_item(&mut self, host: &mut dyn Host, obj: &Value, index: &Value, write: bool) {
        let (kind, whole) = match (index, write) {
            (Value::Slice(_), false) => (AccessKind::ReadAll, true),
            (Value::Slice(_), true) => (AccessKind::WriteAll, true),
            (_, false) => (AccessKind::Read, false),
            (_, true) => (AccessKind::Write, false),
        };
        if whole {
            return self.track_whole(host, obj, kind);
        }
        let key = match index {
            Value::Int(n) => *n as i64,
            Value::Bool(b) => *b as i64,
            // Other keys are rare in shared data: ask the host every time.
            _ => {
                self.track_miss(host, (0, i64::MAX), AccessAt::Item(obj, index), kind);
                return;
            }
        };
        let site = (obj.heap_addr().unwrap_or(1), key);
        if !self.track_hit(host, site, kind) {
            self.track_miss(host, site, AccessAt::Item(obj, index), kind);
        }
    }

    /// A fresh frame serial number.
    pub fn next_frame_serial(&mut self) -> u32 {
        self.frame_serial = self.frame_serial.wrapping_add(1);
        self.frame_serial
    }

    /// The serial of the running call (0 when none).
    pub fn current_frame_serial(&self) -> u32 {
        self.frames.last().map_or(0, |f| f.serial)
    }

    fn name_at(&self, i: u16) -> Value {
        self.frames.last().expect("frame").info.names[i as usize].clone()
    }

    fn const_str(&self, i: u16) -> Value {
        self.name_at(i)
    }

    fn const_value(&self, c: &Const) -> Value {
        match c {
            Const::BigInt(digits) => {
                let n: num_bigint::BigInt =
                    digits.parse().expect("compiler emits valid decimal digits");
                Value::from_bigint(n)
            }
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

    fn dict_store_name(
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

    fn import(&mut self, host: &mut dyn Host, name: &Value) -> PyResult {
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
        let m = match super::builtins::builtin_module(self, alias) {
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

    // ---------------------------------------------------------------- heap

    /// Charges an allocation of `bytes` to the heap model: `MemoryError` when the heap is
    /// locked or full after a collection (facts §3).
    pub fn heap_alloc(&mut self, bytes: usize) -> Result<(), Flow> {
        self.heap_alloc_for(bytes, AllocWhat::Object)
    }

    /// [`Vm::heap_alloc`] for an object of kind `what` (recorded when the heap is locked).
    pub fn heap_alloc_for(&mut self, bytes: usize, what: AllocWhat) -> Result<(), Flow> {
        use super::heap::AllocError;
        match self.heap.try_alloc(bytes) {
            Ok(()) => Ok(()),
            Err(AllocError::Locked) => {
                if self.events.len() < crate::limits::MAX_VM_EVENTS {
                    self.events.push(VmEvent::HeapLocked {
                        at_cycles: self.cycles,
                        bytes,
                        what,
                    });
                }
                Err(self.memory_error("memory allocation failed, heap is locked"))
            }
            Err(AllocError::Full) => {
                self.collect_garbage();
                match self.heap.alloc_after_collect(bytes) {
                    Ok(()) => Ok(()),
                    Err(_) => Err(self.memory_error(&format!(
                        "memory allocation failed, allocating {bytes} bytes"
                    ))),
                }
            }
        }
    }

    /// Runs a collection now (`gc.collect()`, or an allocation that did not fit): measures the
    /// live heap from the roots, charges the pause and records it for the trace.
    pub fn collect_garbage(&mut self) {
        let roots = self.gc_roots();
        let live = super::heap::mark_live_bytes(&roots);
        let start_cycles = self.cycles;
        let pause = self.heap.collected(live);
        self.cycles += pause;
        if self.events.len() < crate::limits::MAX_VM_EVENTS {
            self.events.push(VmEvent::Gc {
                start_cycles,
                pause_cycles: pause,
                live_bytes: live,
            });
        }
    }

    /// Everything the GC treats as reachable: frames, globals, modules, the schedule queue
    /// and the host's registered handlers.
    fn gc_roots(&self) -> Vec<Value> {
        let mut roots: Vec<Value> = vec![Value::Dict(self.main_globals.clone())];
        for f in &self.frames {
            roots.extend(f.stack.iter().cloned());
            roots.extend(f.locals.iter().cloned());
            roots.push(Value::Dict(f.globals.clone()));
            if let Some(n) = &f.names {
                roots.push(Value::Dict(n.clone()));
            }
        }
        for (k, v) in self.modules.iter() {
            roots.push(k.clone());
            roots.push(v.clone());
        }
        for (f, a) in self.sched.entries() {
            roots.push(f.clone());
            roots.push(a.clone());
        }
        roots.extend(self.extra_roots.iter().cloned());
        roots
    }

    fn memory_error(&mut self, msg: &str) -> Flow {
        // m_malloc_fail raises with mp_obj_new_exception_msg, which needs a string object:
        // with the heap locked and no emergency buffer it makes the exception without args
        // (`MemoryError: `) and no traceback is recorded (py/objexcept.c, facts §3).
        let cls = self.exc.memory_error.clone();
        Flow::Exception(self.new_exception_from_python(&cls, vec![Value::str(msg)]))
    }

    // ---------------------------------------------------------------- exceptions

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

    fn make_raise_obj(&mut self, host: &mut dyn Host, v: Value) -> PyResult {
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
            1 => super::ops::to_str(self, host, &args[0]).unwrap_or_default(),
            _ => super::ops::repr(self, host, &Value::tuple(args)).unwrap_or_default(),
        };
        format!("{name}: {msg}")
    }
}

/// A call's function, positional arguments and keyword arguments, taken from the stack.
type CallArgs = (Value, Vec<Value>, Vec<(Value, Value)>);

/// What frames of one code object share: its names as string values and the cycle cost of
/// each op under the board's cost model (so dispatch charges with one array read).
pub struct CodeInfo {
    /// `code.names` as `Value::Str`.
    pub names: Vec<Value>,
    /// `cost.op_cycles(op)` for each op of `code.ops`.
    pub costs: Vec<u32>,
    /// Per op, the dict slot where a name op last found its name (an inline cache; always
    /// re-checked, so it never changes behaviour).
    pub hints: Vec<std::cell::Cell<u32>>,
    /// Per op, the tracked location it last accessed (access tracking only).
    pub access: Vec<std::cell::Cell<AccessSite>>,
}

/// An op site's cached access location: valid while the op sees the same object and key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessSite {
    /// Address of the object accessed (0 for globals).
    pub obj: usize,
    /// Element key (0 for globals and attributes).
    pub key: i64,
    /// The location, [`AccessSite::UNKNOWN`] or [`AccessSite::IGNORED`].
    pub loc: u32,
}

impl AccessSite {
    /// Not looked up yet.
    pub const UNKNOWN: u32 = u32::MAX;
    /// Looked up: not tracked.
    pub const IGNORED: u32 = u32::MAX - 1;
}

/// Result of preparing a call.
pub enum Called {
    /// A native callee already produced its value.
    Done(Value),
    /// A Python frame to run.
    Frame(Box<Frame>),
}

/// Result of resuming a generator.
pub enum Resumed {
    /// It yielded a value.
    Yield(Value),
    /// It returned (StopIteration with this value).
    Return(Value),
}

impl Frame {
    /// A frame for `code` with empty locals.
    pub fn new(
        code: Rc<CodeObject>,
        globals: Rc<RefCell<Dict>>,
        names: Option<Rc<RefCell<Dict>>>,
        mode: FrameMode,
        info: Rc<CodeInfo>,
    ) -> Box<Frame> {
        let n_locals = code.n_locals as usize;
        let max_stack = code.max_stack as usize;
        Box::new(Frame {
            code,
            ip: 0,
            stack: Vec::with_capacity(max_stack + 2),
            locals: vec![Value::Null; n_locals],
            blocks: Vec::new(),
            globals,
            names,
            mode,
            inject: None,
            is_generator: false,
            info,
            serial: 0,
        })
    }

    fn is_generator_exit(&self, _exc: &Value) -> bool {
        false
    }

    /// The source line of the op that executes next (or last executed).
    pub fn current_line(&self) -> u32 {
        let i = self
            .ip
            .saturating_sub(1)
            .min(self.code.lines.len().saturating_sub(1));
        self.code.lines.get(i).copied().unwrap_or(0)
    }
}

/// Small-int arithmetic and comparison that stays small (no allocation), or `None` to take
/// the general path (overflow to big ints, division by zero, other operators).
#[inline]
fn small_int_op(op: super::bytecode::BinaryOp, a: i64, b: i64) -> Option<Value> {
    use super::bytecode::BinaryOp::*;
    let r = match op {
        Add | InplaceAdd => a + b,
        Subtract | InplaceSubtract => a - b,
        And | InplaceAnd => a & b,
        Or | InplaceOr => a | b,
        Xor | InplaceXor => a ^ b,
        Less => return Some(Value::Bool(a < b)),
        More => return Some(Value::Bool(a > b)),
        LessEqual => return Some(Value::Bool(a <= b)),
        MoreEqual => return Some(Value::Bool(a >= b)),
        Equal => return Some(Value::Bool(a == b)),
        NotEqual => return Some(Value::Bool(a != b)),
        _ => return None,
    };
    if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&r) {
        Some(Value::Int(r as i32))
    } else {
        None
    }
}

/// CANCEL_ACTIVE_FINALLY of vm.c: leaving an active finally block through return/break drops
/// what the finally was carrying (an exception, None, or a previous unwind).
fn cancel_active_finally(stack: &mut Vec<Value>) {
    let top = stack.pop().expect("cancel finally underflow");
    let n = stack.len();
    if matches!(stack[n - 1], Value::Int(_)) && n >= 2 {
        // (..., prev_dest, prev_cause, top) -> (..., top)
        stack.truncate(n - 2);
    } else {
        // (..., None/exception, top) -> (..., top)
        stack.truncate(n - 1);
    }
    stack.push(top);
}

fn add_traceback(exc: &Value, code: &CodeObject, line: u32) {
    if let Value::Instance(i) = exc
        && let Some(st) = &i.exc
    {
        let mut st = st.borrow_mut();
        if !st.no_traceback && st.traceback.len() < crate::limits::MAX_TRACEBACK_ENTRIES {
            st.traceback.push(TracebackEntry {
                filename: code.filename.clone(),
                line,
                scope: code.name.clone(),
            });
        }
    }
}

/// The text of a `Value::Str` (empty for anything else).
pub fn str_text(v: &Value) -> &str {
    match v {
        Value::Str(s) => &s.text,
        _ => "",
    }
}

fn str_hash(v: &Value) -> u32 {
    match v {
        Value::Str(s) => s.hash,
        other => key_hash(other).unwrap_or(0),
    }
}

/// `qstr_hash` of a Rust string.
pub fn qhash(s: &str) -> u32 {
    super::qstr::qstr_hash(s.as_bytes())
}

/// How calling method `name` on `obj` touches a shared container, for access tracking:
/// mutating list/bytearray/array/dict methods change the whole container, the others read it.
fn container_method_access(obj: &Value, name: &Value) -> Option<AccessKind> {
    if !matches!(
        obj,
        Value::List(_) | Value::ByteArray(_) | Value::Array(_) | Value::Dict(_) | Value::Set(_)
    ) {
        return None;
    }
    let name = str_text(name);
    Some(match name {
        "append" | "extend" | "insert" | "pop" | "remove" | "clear" | "sort" | "reverse"
        | "update" | "setdefault" | "popitem" | "add" | "discard" => AccessKind::WriteAll,
        _ => AccessKind::ReadAll,
    })
}
