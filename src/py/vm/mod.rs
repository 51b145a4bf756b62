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
//!
//! Files, as MicroPython's: this one holds the VM state (py/mpstate.h) and the run entry
//! points; `dispatch` the opcode loop (py/vm.c), `call` argument binding (py/bc.c and
//! runtime.c's calls), `unwind` exception/return unwinding, `generator` (py/objgen.c),
//! `names` (name lookup and import: runtime.c, builtinimport.c), `exceptions`
//! (py/objexcept.c), `gc` (py/gc.c's entry points), `track` (irqlab's access hooks), and the
//! object model `value` (py/obj.h), `heap` (py/gc.c's accounting) and `sched` (py/scheduler.c).

mod call;
mod dispatch;
mod exceptions;
mod gc;
mod generator;
pub mod heap;
mod names;
pub mod sched;
mod track;
mod unwind;
pub mod value;

use std::cell::RefCell;
use std::rc::Rc;

use self::heap::Heap;
use self::sched::Scheduler;
use self::value::dict::{Dict, key_hash};
use self::value::*;
use super::bytecode::{CodeObject, Const, Op};
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
    /// An exception `exc` escaped a callback and is printed (its traceback text); by default
    /// it is plain output.
    fn write_exception(&mut self, vm: &mut Vm, exc: &Value, text: &str) {
        let _ = exc;
        self.write_stdout(vm, text);
    }
    /// Returns a native module by name (`machine`, `time`, `micropython`, ...), if the host has it.
    fn import_native(&mut self, vm: &mut Vm, name: &str) -> Option<Value>;
    /// A scheduled callback is about to run (`start = true`) or has finished.
    fn on_callback(&mut self, vm: &mut Vm, func: &Value, start: bool);
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

    /// Cycles of one step of big-int work: one 16-bit digit added, shifted or multiplied
    /// into another (py/mpz.c works in 16-bit digits on 32-bit ports, `MPZ_DIG_SIZE`). The
    /// VM charges it per digit step on top of the op, so a big-int op costs what its size
    /// costs on the board (and host time stays proportional to simulated time).
    fn bigint_digit_cycles(&self) -> u64 {
        0
    }
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
    /// Big-int constants already built, by their decimal digits: MicroPython builds each
    /// constant object once when the code is loaded (`LOAD_CONST_OBJ` pushes that object), so
    /// a loop over `x = 3 ** 100000` (folded) must not re-parse 47 000 digits per iteration.
    bigint_consts: std::cell::RefCell<std::collections::BTreeMap<Rc<str>, Value>>,
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
    /// Whether a file (by its name) is library code (the frozen `asyncio/core.py`) whose ops
    /// [`Vm::program_line`] attributes to the program line that called into it; none by
    /// default.
    pub is_library: fn(&str) -> bool,
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

impl Vm {
    /// The program's source line running now, computed from the frames when asked (the
    /// dispatch loop only moves `ip`, so exact lines cost nothing per op): the line of the op
    /// the innermost frame that is not [`Vm::is_library`] code executes (a native call runs
    /// inside its `CALL_FUNCTION` op). `None` with no such frame (before or after the program).
    pub fn program_line(&self) -> Option<u32> {
        self.frames
            .iter()
            .rev()
            .find(|f| !(self.is_library)(&f.code.filename))
            .map(|f| f.current_line())
    }

    /// The program line exception `exc` was raised at: its innermost traceback entry that is
    /// not library code (where the traceback printed for it points). `None` without one.
    pub fn raise_line(&self, exc: &Value) -> Option<u32> {
        let Value::Instance(i) = exc else {
            return None;
        };
        let st = i.exc.as_ref()?.borrow();
        // Entries are pushed while unwinding: the first is the innermost.
        st.traceback
            .iter()
            .find(|tb| !(self.is_library)(&tb.filename))
            .map(|tb| tb.line)
    }
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
        /// The program line of the allocating op ([`Vm::program_line`]; 0 when none).
        line: u32,
    },
    /// A garbage collection ran at `start_cycles` and paused for `pause_cycles`.
    Gc {
        /// Cycle count when it started.
        start_cycles: u64,
        /// Its cost.
        pause_cycles: u64,
        /// Live heap it found.
        live_bytes: usize,
        /// The program line of the op that triggered it ([`Vm::program_line`]; 0 when none).
        line: u32,
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
        let (types, exc) = Vm::builtin_types();
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
            bigint_consts: std::cell::RefCell::default(),
            deadline_cycles: u64::MAX,
            cost,
            pending_exception: None,
            n_ops: 0,
            max_frames: crate::limits::MAX_FRAMES,
            is_library: |_| false,
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
        vm.install_builtins();
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
                host.write_exception(self, &e, &text);
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

    /// A fresh frame serial number.
    pub fn next_frame_serial(&mut self) -> u32 {
        self.frame_serial = self.frame_serial.wrapping_add(1);
        self.frame_serial
    }

    /// The serial of the running call (0 when none).
    pub fn current_frame_serial(&self) -> u32 {
        self.frames.last().map_or(0, |f| f.serial)
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
