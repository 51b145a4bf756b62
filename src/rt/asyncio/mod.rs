//! The `asyncio` module (also importable as `uasyncio`), facts §5.
//!
//! The event loop, `Task`, `TaskQueue`, `Event`, `ThreadSafeFlag`, `Lock`, `gather` and
//! `wait_for` are Python (`core.py`, irqlab's own code following the algorithm of facts §5.2
//! and §5.4), compiled at the first import and run on the VM like the frozen bytecode runs on
//! the board: every op of the loop is charged. Like the frozen module (compiled at opt=3, no
//! line numbers) its tracebacks name `asyncio/core.py`, line 1.
//!
//! The runtime supplies what is C on the board, injected into the module's globals:
//! * `_rt_ipoll(dt, waits)` — `select.ipoll(dt)` over the waited-on `ThreadSafeFlag`s, with
//!   the esp32 poll hook: callbacks run while it waits, an ISR wakes it early, otherwise it
//!   re-checks every FreeRTOS tick ([`ipoll`]);
//! * `_rt_trace(code, obj, arg)` — a task event for the trace ([`Kind::Task`]);
//! * `_rt_task_next(task)` — `Task.__next__`, C on the board (no frame in tracebacks);
//! * `_rt_tq_push(list, task, key)` — the body of `TaskQueue.push` (a C pairing heap there);
//! * `_print_exception(exc)` — `sys.print_exception` for the default exception handler.

use std::cell::RefCell;
use std::rc::Rc;

use crate::py::builtins::{arg, int_arg};
use crate::py::bytecode::CodeObject;
use crate::py::dict::Dict;
use crate::py::value::{BuiltinDef, Module, PyStr, Value};
use crate::py::vm::{Flow, FrameMode, Vm, qhash};
use crate::time::SimTime;
use crate::trace::{Kind, TaskEv, WaitOn};

use super::time_mod::TICKS_PERIOD;
use super::{Runtime, rt};

/// The loop's source.
const CORE_PY: &str = include_str!("core.py");
/// The file name its tracebacks show (facts §5).
const CORE_FILE: &str = "asyncio/core.py";

/// Compiles and runs `core.py` into a new module named `asyncio`. `None` if running it failed
/// (it does not, short of the heap running out).
pub fn module(rt: &mut Runtime, vm: &mut Vm) -> Option<Value> {
    let code = crate::py::compiler::compile_module(CORE_PY, CORE_FILE)
        .expect("the embedded asyncio core compiles");
    let code = frozen_lines(&code);
    rt.asyncio_unsafe = unsafe_codes(&code);
    let mut d = Dict::new();
    d.insert_hashed(
        Value::str("__name__"),
        qhash("__name__"),
        Value::str("asyncio"),
    );
    for def in [&IPOLL, &TRACE, &TASK_NEXT, &TQ_PUSH] {
        d.insert_hashed(Value::str(def.name), qhash(def.name), Value::Builtin(def));
    }
    d.insert_hashed(
        Value::str("_print_exception"),
        qhash("_print_exception"),
        Value::Builtin(&crate::py::modules::sys::SYS_PRINT_EXCEPTION),
    );
    let globals = Rc::new(RefCell::new(d));
    let info = vm.code_info(&code);
    let frame = crate::py::vm::Frame::new(
        code,
        globals.clone(),
        Some(globals.clone()),
        FrameMode::Boundary,
        info,
    );
    match vm.run_frame(rt, frame) {
        Ok(_) => Some(Value::Module(Rc::new(Module {
            name: Rc::new(PyStr::new("asyncio")),
            dict: globals,
        }))),
        Err(_) => None,
    }
}

/// The code object with every line number set to 1, as frozen opt=3 bytecode reports.
fn frozen_lines(code: &Rc<CodeObject>) -> Rc<CodeObject> {
    let mut c = (**code).clone();
    for l in &mut c.lines {
        *l = 1;
    }
    c.first_line = 1;
    c.children = c.children.iter().map(frozen_lines).collect();
    Rc::new(c)
}

static IPOLL: BuiltinDef = BuiltinDef {
    name: "_rt_ipoll",
    func: |vm, host, a, _| {
        let dt = int_arg(vm, a, 0)?;
        let waits = arg(vm, a, 1)?;
        ipoll(rt(host), vm, dt, &waits)?;
        Ok(Value::None)
    },
};

static TASK_NEXT: BuiltinDef = BuiltinDef {
    name: "_rt_task_next",
    func: |vm, host, a, _| {
        let task = arg(vm, a, 0)?;
        let attr = |vm: &mut Vm, host: &mut dyn crate::py::vm::Host, o: &Value, n: &str| {
            vm.load_attr(host, o, &Value::str(n))
        };
        let state = attr(vm, host, &task, "state")?;
        if !vm.truthy(host, &state)? {
            // Done: its outcome is StopIteration(result) or the exception it raised.
            let data = attr(vm, host, &task, "data")?;
            let exc = match data {
                Value::Instance(ref i) if i.class.is_exception => data,
                Value::Class(ref c) if c.is_exception => vm.call(host, &data, &[], &[])?,
                _ => {
                    let c = vm.exc.stop_iteration.clone();
                    vm.new_exception(&c, vec![])
                }
            };
            return Err(Flow::Exception(exc));
        }
        // Running: queue the current task on its awaiters and link it to this task.
        let module = rt(host).asyncio.clone().expect("asyncio is imported");
        let cur = attr(vm, host, &module, "cur_task")?;
        let push = attr(vm, host, &state, "push")?;
        vm.call(host, &push, std::slice::from_ref(&cur), &[])?;
        vm.store_attr(host, &cur, &Value::str("data"), task)?;
        Ok(Value::None)
    },
};

static TQ_PUSH: BuiltinDef = BuiltinDef {
    name: "_rt_tq_push",
    func: |vm, host, a, _| {
        let q = arg(vm, a, 0)?;
        let t = arg(vm, a, 1)?;
        let key = match arg(vm, a, 2)? {
            Value::None => {
                let now = rt(host).now(vm).as_ms() as i64;
                Value::int(now & (TICKS_PERIOD - 1))
            }
            k => k,
        };
        let Value::Int(k) = key else {
            return Err(vm.type_error("can't convert to int"));
        };
        vm.store_attr(host, &t, &Value::str("data"), Value::None)?;
        vm.store_attr(host, &t, &Value::str("ph_key"), key.clone())?;
        let Value::List(l) = q else {
            return Err(vm.type_error("expected a list"));
        };
        // A stable priority queue on (ticks key, push order), facts §5.1: go past every
        // task whose key is not later than k (ticks_diff, modulo 2³⁰).
        let half = TICKS_PERIOD / 2;
        let later = |other: &Value| match attr_of(other, "ph_key") {
            Some(Value::Int(o)) => {
                ((k as i64 - o as i64 + half).rem_euclid(TICKS_PERIOD) - half) < 0
            }
            _ => false,
        };
        let pos = {
            let items = l.borrow();
            let mut i = items.len();
            while i > 0 && later(&items[i - 1]) {
                i -= 1;
            }
            i
        };
        // No heap charge: the pairing heap links live in the Task itself.
        l.borrow_mut().insert(pos, t);
        Ok(Value::None)
    },
};

/// True if any `[flag, task]` entry of `waits` has its flag's `state` set (the flag's
/// `ioctl(MP_STREAM_POLL)`, done in C by `poll_set_poll_once`).
fn any_flag_up(waits: &Value) -> bool {
    let Value::List(l) = waits else {
        return false;
    };
    l.borrow().iter().any(|e| {
        let Value::List(pair) = e else {
            return false;
        };
        let Some(Value::Instance(flag)) = pair.borrow().first().cloned() else {
            return false;
        };
        let state = flag.attrs.borrow().get_str("state").cloned();
        matches!(state, Some(Value::Int(n)) if n != 0) || matches!(state, Some(Value::Bool(true)))
    })
}

/// `select.ipoll(dt)` on esp32 (extmod/modselect.c `poll_set_poll_until_ready_or_timeout`,
/// facts §2.5, §5.2): `mp_handle_pending` once on entry; then until a flag is up or `dt` ms
/// have passed (`dt < 0`: no limit), `MICROPY_EVENT_POLL_HOOK` — one pending callback, then
/// `ulTaskNotifyTake(pdFALSE, 1)`: block until the next FreeRTOS tick or an ISR notification.
/// A flag set by a callback run in the hook is therefore seen one wake-up later.
fn ipoll(r: &mut Runtime, vm: &mut Vm, dt: i64, waits: &Value) -> Result<(), Flow> {
    let t0_ms = r.now(vm).as_ms();
    vm.run_one_pending(r)?;
    loop {
        if any_flag_up(waits) {
            return Ok(());
        }
        if dt >= 0 && r.now(vm).as_ms().saturating_sub(t0_ms) >= dt as u64 {
            return Ok(());
        }
        vm.run_one_pending(r)?;
        let tick = r.profile.rtos_tick();
        let now = r.now(vm);
        // The FreeRTOS tick is not aligned with the esp_timer clock that `ticks_ms` reads; on
        // the board its phase is arbitrary. irqlab fixes it at half a tick for this wait, so a
        // short asyncio sleep (deadline 1 ms away) is not rounded onto the same tick as a
        // longer one (10 ms) — as the recorded `task_exception` run shows.
        let phase = tick.as_ns() / 2;
        let next_tick = if now.0 < phase {
            SimTime(phase)
        } else {
            SimTime(((now.0 - phase) / tick.as_ns() + 1) * tick.as_ns() + phase)
        };
        r.wait_until(vm, next_tick, true)?;
        let wake = r.cost.sleep_wake_cycles().0 + r.cost.task_wake_cycles().0;
        r.charge(vm, wake);
    }
}

fn serial(v: &Value) -> u32 {
    match v {
        Value::Instance(i) => i.serial,
        _ => 0,
    }
}

static TRACE: BuiltinDef = BuiltinDef {
    name: "_rt_trace",
    func: |vm, host, a, _| {
        let code = int_arg(vm, a, 0)?;
        let obj = arg(vm, a, 1)?;
        let third = arg(vm, a, 2)?;
        let n = match third {
            Value::Int(n) => n as i64,
            _ => 0,
        };
        let id = serial(&obj);
        let (ev, on) = match code {
            0 => (TaskEv::Created, WaitOn::Ready),
            1 => (TaskEv::Resumed, WaitOn::Ready),
            2 => (TaskEv::Suspended, waits_on(rt(host), vm, &obj)),
            3 => {
                let by = match (n, a.get(3)) {
                    (2, _) => WaitOn::Event,
                    (3, _) => WaitOn::Lock,
                    (4, f) => WaitOn::Flag {
                        flag: f.map_or(0, serial),
                    },
                    (5, _) => WaitOn::Task,
                    (6, _) => WaitOn::Gather,
                    _ => WaitOn::Ready,
                };
                (TaskEv::Woken, by)
            }
            4 => {
                let ev = if vm.is_instance_of(&third, &vm.exc.stop_iteration.clone()) {
                    TaskEv::Finished
                } else if vm.is_instance_of(&third, &vm.exc.exception.clone()) {
                    TaskEv::Failed
                } else {
                    // CancelledError is the only BaseException the loop catches.
                    TaskEv::Cancelled
                };
                (ev, WaitOn::Ready)
            }
            6 => (TaskEv::CancelRequested, WaitOn::Ready),
            _ => (TaskEv::Created, WaitOn::Ready),
        };
        let kind = if code == 7 {
            Kind::FlagSet { flag: id }
        } else {
            Kind::Task { task: id, ev, on }
        };
        let r = rt(host);
        // The line shown with the event: where the task's coroutine stands (its `await`) when
        // it is resumed or suspended, else the program's line running now (`line_now`).
        let line = match code {
            1 | 2 => coro_line(&obj),
            _ => None,
        }
        .unwrap_or_else(|| r.line_now(vm));
        let now = r.now(vm);
        r.record_line(now, line, kind);
        if code == 0
            && let Some(Value::Generator(g)) = a.get(3)
        {
            let name = g.borrow().name.clone();
            let (offset, len) = r.trace.add_text(&name);
            r.record(
                vm,
                now,
                Kind::TaskName {
                    task: id,
                    offset,
                    len,
                },
            );
        }
        Ok(Value::None)
    },
};

/// The line a task's (suspended) coroutine is at.
fn coro_line(task: &Value) -> Option<u32> {
    match attr_of(task, "coro")? {
        Value::Generator(g) => g.borrow().frame.as_ref().map(|f| f.current_line()),
        _ => None,
    }
}

fn attr_of(v: &Value, name: &str) -> Option<Value> {
    match v {
        Value::Instance(i) => i.attrs.borrow().get_str(name).cloned(),
        _ => None,
    }
}

/// What a task that just yielded waits on, read from its `data` (facts §5.1): a Task, a
/// TaskQueue (its `_kind` says Event or Lock), the flag waits, gather's `_Remove`, or nothing —
/// then it is on the run queue, sleeping if its key is in the future.
fn waits_on(r: &mut Runtime, vm: &Vm, task: &Value) -> WaitOn {
    let data = attr_of(task, "data").unwrap_or(Value::None);
    match &data {
        Value::Instance(i) => match i.class.name.text.as_ref() {
            "Task" => WaitOn::Task,
            "TaskQueue" => match attr_of(&data, "_kind") {
                Some(Value::Int(2)) => WaitOn::Event,
                Some(Value::Int(3)) => WaitOn::Lock,
                _ => WaitOn::Task,
            },
            "_FlagWaits" => {
                let flag = attr_of(&data, "waits")
                    .and_then(|w| match w {
                        Value::List(l) => l.borrow().iter().find_map(|e| match e {
                            Value::List(pair) => {
                                let pair = pair.borrow();
                                (pair.len() == 2 && serial(&pair[1]) == serial(task))
                                    .then(|| serial(&pair[0]))
                            }
                            _ => None,
                        }),
                        _ => None,
                    })
                    .unwrap_or(0);
                WaitOn::Flag { flag }
            }
            _ => WaitOn::Gather,
        },
        Value::Class(c) if c.name.text.as_ref() == "_Remove" => WaitOn::Gather,
        _ => {
            let key = match attr_of(task, "ph_key") {
                Some(Value::Int(k)) => k as i64,
                _ => 0,
            };
            let now = (r.now(vm).as_ms() as i64) & (TICKS_PERIOD - 1);
            let half = TICKS_PERIOD / 2;
            let dt = (key - now + half).rem_euclid(TICKS_PERIOD) - half;
            if dt > 0 {
                WaitOn::Sleep { ms: dt as u32 }
            } else {
                WaitOn::Ready
            }
        }
    }
}

/// `asyncio` or `uasyncio`: the one module object, built at the first import.
pub fn import(rt: &mut Runtime, vm: &mut Vm) -> Option<Value> {
    if let Some(m) = &rt.asyncio {
        return Some(m.clone());
    }
    let m = module(rt, vm)?;
    rt.asyncio = Some(m.clone());
    Some(m)
}

/// The code objects of core.py's functions that must not be called from interrupt context —
/// everything that touches the run queue or a task's state (`create_task`, `Event.set`,
/// `Task.cancel`, …) — by address, with their API names. `ThreadSafeFlag` is not among them:
/// it exists for exactly this (facts §5.3).
fn unsafe_codes(module: &Rc<CodeObject>) -> Vec<(usize, &'static str)> {
    const UNSAFE: [(&str, &str, &str); 8] = [
        ("", "create_task", "create_task"),
        ("", "run", "run"),
        ("", "run_until_complete", "run_until_complete"),
        ("Loop", "create_task", "create_task"),
        ("Event", "set", "Event.set"),
        ("Event", "clear", "Event.clear"),
        ("Task", "cancel", "Task.cancel"),
        ("Lock", "release", "Lock.release"),
    ];
    let mut out = Vec::new();
    let mut visit = |class: &str, c: &Rc<CodeObject>| {
        if let Some((_, _, api)) = UNSAFE
            .iter()
            .find(|(k, n, _)| *k == class && **n == *c.name)
        {
            out.push((Rc::as_ptr(c) as usize, *api));
        }
    };
    for child in &module.children {
        visit("", child);
        for method in &child.children {
            visit(&child.name, method);
        }
    }
    out
}

/// The asyncio API name of `code` if it is one of core.py's functions that must not be called
/// from interrupt context (see [`unsafe_codes`]).
pub fn unsafe_from_irq(rt: &Runtime, code: &Rc<CodeObject>) -> Option<&'static str> {
    let addr = Rc::as_ptr(code) as usize;
    rt.asyncio_unsafe
        .iter()
        .find(|(a, _)| *a == addr)
        .map(|(_, api)| *api)
}

/// True for code of irqlab's asyncio module (`asyncio/core.py`).
pub fn is_core(code: &crate::py::bytecode::CodeObject) -> bool {
    is_core_file(&code.filename)
}

/// Whether `filename` is the frozen `asyncio/core.py` (see [`is_core`]).
pub fn is_core_file(filename: &str) -> bool {
    filename == CORE_FILE
}
