//! The `machine` and `micropython` modules of the esp32 port.
//!
//! `machine.Pin` (ports/esp32/machine_pin.c), `machine.Timer` (ports/esp32/machine_timer.c),
//! `freq`, `disable_irq`/`enable_irq` (extmod/modmachine.c), and `micropython.schedule`,
//! `heap_lock`/`heap_unlock`, `alloc_emergency_exception_buf` (py/modmicropython.c).
//! Argument checking and error texts follow those files (facts §4.2, §4.3, §2.4, §3).

use std::rc::Rc;

use crate::hw::gpio::{Level, PinId, PinMode, Pull, Trigger};
use crate::hw::timer::{PeriodRequest, TimerId, TimerMode};
use crate::py::builtins::{arg, int_arg, kw_get, make_module};
use crate::py::value::*;
use crate::py::vm::{Flow, Host, PyResult, Vm, str_text};
use crate::trace::Kind;

use super::native::{class_with, handle_of, native_obj};
use super::{HwEvent, Runtime, rt, timer_number};

/// The native classes this module creates once per runtime.
pub struct NativeClasses {
    /// `machine.Pin`.
    pub pin: Option<Rc<Class>>,
    /// `machine.Timer`.
    pub timer: Option<Rc<Class>>,
    /// `pyb.Timer`.
    pub pyb_timer: Option<Rc<Class>>,
    /// `pyb.LED`.
    pub led: Option<Rc<Class>>,
    /// `pyb.Pin`, which is `machine.Pin` on the pyboard.
    pub pyb_pin: Option<Rc<Class>>,
}

impl NativeClasses {
    /// Not yet created (they are made on first `import machine`).
    pub fn new() -> NativeClasses {
        NativeClasses {
            pin: None,
            timer: None,
            pyb_timer: None,
            led: None,
            pyb_pin: None,
        }
    }
}

impl Default for NativeClasses {
    fn default() -> Self {
        NativeClasses::new()
    }
}

macro_rules! native {
    ($id:ident, $name:expr, $f:expr) => {
        static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

/// The `machine` module.
pub fn module(rt: &mut Runtime, _vm: &mut Vm) -> Value {
    let pin = class_with(
        "Pin",
        &[
            &PIN_NEW, &PIN_INIT, &PIN_VALUE, &PIN_ON, &PIN_OFF, &PIN_IRQ, &PIN_REPR,
        ],
        &[
            ("IN", 1),
            ("OUT", 3),
            ("OPEN_DRAIN", 7),
            ("PULL_UP", 2),
            ("PULL_DOWN", 1),
            ("IRQ_RISING", 1),
            ("IRQ_FALLING", 2),
            ("WAKE_LOW", 4),
            ("WAKE_HIGH", 5),
        ],
    );
    let timer = class_with(
        "Timer",
        &[
            &TIMER_NEW,
            &TIMER_INIT,
            &TIMER_DEINIT,
            &TIMER_VALUE,
            &TIMER_REPR,
        ],
        &[("ONE_SHOT", 0), ("PERIODIC", 1)],
    );
    rt.classes.pin = Some(pin.clone());
    rt.classes.timer = Some(timer.clone());
    // On the pyboard `machine.Pin` is the stm32 port's `pyb.Pin` (ports/stm32/modmachine.c).
    let pin = if rt.board.kind == crate::hw::BoardKind::Pyboard {
        super::pyb_pin::pin_class(rt)
    } else {
        pin
    };
    make_module(
        "machine",
        vec![
            ("Pin", Value::Class(pin)),
            ("Timer", Value::Class(timer)),
            ("freq", Value::Builtin(&FREQ)),
            ("disable_irq", Value::Builtin(&DISABLE_IRQ)),
            ("enable_irq", Value::Builtin(&ENABLE_IRQ)),
            ("idle", Value::Builtin(&IDLE)),
            ("unique_id", Value::Builtin(&UNIQUE_ID)),
        ],
    )
}

fn reject_unknown_kw(vm: &mut Vm, kw: &[(Value, Value)], allowed: &[&str]) -> Result<(), Flow> {
    for (k, _) in kw {
        if !allowed.contains(&str_text(k)) {
            // py/argcheck.c: unknown keywords are "extra keyword arguments given".
            return Err(vm.type_error("extra keyword arguments given"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- Pin

native!(PIN_NEW, "__new__", |vm, host, a, kw| {
    let id = int_arg(vm, a, 1)?;
    let pin = PinId::new(id).map_err(|_| vm.value_error("invalid pin"))?;
    let rt = rt(host);
    let class = rt
        .classes
        .pin
        .clone()
        .expect("Pin class exists once machine is imported");
    let handle = pin.number() as u32;
    let obj = match rt.objects.get(&handle) {
        Some(o) => o.clone(),
        None => {
            let o = native_obj(&class, handle);
            rt.objects.insert(handle, o.clone());
            o
        }
    };
    let mut init_args = vec![obj.clone()];
    init_args.extend_from_slice(a.get(2..).unwrap_or(&[]));
    (PIN_INIT.func)(vm, host, &init_args, kw)?;
    Ok(obj)
});

native!(PIN_INIT, "init", |vm, host, a, kw| {
    reject_unknown_kw(vm, kw, &["mode", "pull", "value", "drive", "hold"])?;
    let pin = PinId::new(handle_of(&a[0]) as i64).map_err(|_| vm.value_error("invalid pin"))?;
    let mode_v = a.get(1).or_else(|| kw_get(kw, "mode")).cloned();
    let pull_v = a.get(2).or_else(|| kw_get(kw, "pull")).cloned();
    let mode = match mode_v {
        None | Some(Value::None) => None,
        Some(Value::Int(1)) => Some(PinMode::In),
        Some(Value::Int(3)) => Some(PinMode::Out),
        Some(Value::Int(7)) => Some(PinMode::OpenDrain),
        Some(Value::Int(-1)) => None,
        Some(_) => return Err(vm.value_error("invalid pin mode")),
    };
    let pull = match pull_v {
        None | Some(Value::Int(-1)) => None,
        Some(Value::None) => Some(Pull::None),
        Some(Value::Int(2)) => Some(Pull::Up),
        Some(Value::Int(1)) => Some(Pull::Down),
        Some(_) => return Err(vm.value_error("invalid pull")),
    };
    let rt = rt(host);
    if let Some(v) = kw_get(kw, "value") {
        let level = Level::from_truth(vm.truthy(rt, &v.clone())?);
        let change = rt.board.gpio.write(pin, level);
        let now = rt.now(vm);
        rt.pin_change(vm, now, change, true)?;
    }
    let change = rt
        .board
        .gpio
        .configure(pin, mode, pull)
        .map_err(|e| vm.value_error(&e.to_string()))?;
    let now = rt.now(vm);
    rt.pin_change(vm, now, change, true)?;
    Ok(Value::None)
});

fn pin_write(vm: &mut Vm, host: &mut dyn Host, pin_obj: &Value, high: bool) -> PyResult {
    let pin = PinId::new(handle_of(pin_obj) as i64).map_err(|_| vm.value_error("invalid pin"))?;
    let rt = rt(host);
    let change = rt.board.gpio.write(pin, Level::from_truth(high));
    let now = rt.now(vm);
    rt.pin_change(vm, now, change, true)?;
    Ok(Value::None)
}

native!(PIN_VALUE, "value", |vm, host, a, _| {
    match a.get(1) {
        None => {
            let pin =
                PinId::new(handle_of(&a[0]) as i64).map_err(|_| vm.value_error("invalid pin"))?;
            Ok(Value::Int(rt(host).board.gpio.level(pin).as_u8() as i32))
        }
        Some(v) => {
            let high = vm.truthy(host, v)?;
            pin_write(vm, host, &a[0], high)
        }
    }
});
native!(PIN_ON, "on", |vm, host, a, _| pin_write(
    vm, host, &a[0], true
));
native!(PIN_OFF, "off", |vm, host, a, _| pin_write(
    vm, host, &a[0], false
));
native!(PIN_REPR, "__repr__", |_, _, a, _| Ok(Value::str(&format!(
    "Pin({})",
    handle_of(&a[0])
))));

native!(PIN_IRQ, "irq", |vm, host, a, kw| {
    // machine_pin.c: irq(handler=None, trigger=IRQ_FALLING|IRQ_RISING, wake=None); no `hard`.
    // esp32's Pin.irq has no `hard` (facts §4.2); boards with hard IRQs (mpirq.c) do.
    let allowed: &[&str] = if rt(host).board.kind == crate::hw::BoardKind::Esp32 {
        &["handler", "trigger", "wake"]
    } else {
        &["handler", "trigger", "priority", "wake", "hard"]
    };
    reject_unknown_kw(vm, kw, allowed)?;
    let hard = match kw_get(kw, "hard") {
        Some(h) => vm.truthy(host, &h.clone())?,
        None => false,
    };
    if a.len() > 4 {
        return Err(vm.type_error("function takes 4 positional arguments but 5 were given"));
    }
    let pin_obj = a[0].clone();
    if a.len() == 1 && kw.is_empty() {
        return Ok(pin_obj);
    }
    let handler = a
        .get(1)
        .or_else(|| kw_get(kw, "handler"))
        .cloned()
        .unwrap_or(Value::None);
    let trigger = match a.get(2).or_else(|| kw_get(kw, "trigger")) {
        Some(Value::Int(t)) => *t as i64,
        Some(_) => return Err(vm.type_error("can't convert to int")),
        None => 3,
    };
    let pin = PinId::new(handle_of(&pin_obj) as i64).map_err(|_| vm.value_error("invalid pin"))?;
    let trig = if matches!(handler, Value::None) {
        Trigger::Disabled
    } else {
        Trigger::from_python(trigger).map_err(|e| vm.value_error(&e.to_string()))?
    };
    let rt = rt(host);
    rt.set_pin_irq(vm, pin.number(), handler, pin_obj.clone(), hard);
    let change = rt.board.gpio.set_trigger(pin, trig);
    let now = rt.now(vm);
    rt.pin_change(vm, now, change, true)?;
    Ok(pin_obj)
});

// ---------------------------------------------------------------- Timer

native!(TIMER_NEW, "__new__", |vm, host, a, kw| {
    let id = match a.get(1) {
        Some(Value::Int(n)) => *n as i64,
        Some(_) => return Err(vm.type_error("can't convert to int")),
        None => -1,
    };
    let rt = rt(host);
    // stm32: only the soft timer, id -1 (extmod/machine_timer.c).
    if id != -1 && rt.board.kind == crate::hw::BoardKind::Pyboard {
        return Err(vm.value_error("Timer doesn't exist"));
    }
    let tid = if id == -1 {
        rt.board
            .timers
            .create_virtual()
            .map_err(|e| vm.value_error(&e.to_string()))?
    } else {
        TimerId::hardware(id).map_err(|_| {
            vm.value_error(&format!(
                "Timer({id}) doesn't exist, there are only {} hardware timers",
                rt.profile.n_hw_timers()
            ))
        })?
    };
    let class = rt
        .classes
        .timer
        .clone()
        .expect("Timer class exists once machine is imported");
    let handle = 1000 + (timer_number(tid) as i32 + 100) as u32;
    let obj = native_obj(&class, handle);
    rt.objects.insert(handle, obj.clone());
    if !kw.is_empty() || a.len() > 2 {
        let mut init_args = vec![obj.clone()];
        init_args.extend_from_slice(a.get(2..).unwrap_or(&[]));
        (TIMER_INIT.func)(vm, host, &init_args, kw)?;
    }
    Ok(obj)
});

fn timer_id_of(obj: &Value) -> TimerId {
    let n = handle_of(obj) as i32 - 1000 - 100;
    if n >= 0 {
        TimerId::hardware(n as i64).expect("handle made from a valid id")
    } else {
        TimerId::Virtual((-1 - n) as u16)
    }
}

native!(TIMER_INIT, "init", |vm, host, a, kw| {
    reject_unknown_kw(
        vm,
        kw,
        &["mode", "callback", "period", "tick_hz", "freq", "hard"],
    )?;
    let hard = match kw_get(kw, "hard") {
        Some(h) => vm.truthy(host, &h.clone())?,
        None => false,
    };
    // esp32: `hard=True` is refused (facts §4.3); boards with hard IRQs accept it.
    if hard && rt(host).board.kind == crate::hw::BoardKind::Esp32 {
        return Err(vm.value_error("hard Timers are not implemented"));
    }
    let mode = match kw_get(kw, "mode") {
        Some(Value::Int(m)) => TimerMode::from_python(*m as i64),
        _ => TimerMode::Periodic,
    };
    let callback = kw_get(kw, "callback").cloned().unwrap_or(Value::None);
    let request = match kw_get(kw, "freq") {
        Some(Value::Float(f)) => PeriodRequest::Freq { freq_hz: *f },
        Some(Value::Int(f)) => PeriodRequest::Freq { freq_hz: *f as f32 },
        _ => {
            let period = match kw_get(kw, "period") {
                Some(Value::Int(p)) => *p as u64,
                Some(Value::BigInt(p)) => num_traits::ToPrimitive::to_u64(&**p).unwrap_or(u64::MAX),
                _ => 0xffff_ffff,
            };
            let tick_hz = match kw_get(kw, "tick_hz") {
                Some(Value::Int(t)) => *t as u64,
                _ => 1000,
            };
            PeriodRequest::Period { period, tick_hz }
        }
    };
    let id = timer_id_of(&a[0]);
    let rt = rt(host);
    let now = rt.now(vm);
    let alarm = rt
        .board
        .timers
        .get_mut(id)
        .init(now, mode, request)
        .map_err(|e| vm.value_error(&e.to_string()))?;
    let period_ns = rt.board.timers.get(id).period_ns().unwrap_or(0);
    rt.set_timer_cb(vm, timer_number(id), callback, a[0].clone(), hard);
    rt.record(
        vm,
        now,
        Kind::TimerInit {
            timer: timer_number(id),
            period_ns,
            periodic: mode == TimerMode::Periodic,
        },
    );
    rt.push_event(alarm.at, HwEvent::Timer { id, alarm });
    rt.set_deadline(vm);
    Ok(Value::None)
});

native!(TIMER_DEINIT, "deinit", |vm, host, a, _| {
    let id = timer_id_of(&a[0]);
    let rt = rt(host);
    rt.board.timers.get_mut(id).deinit();
    rt.set_timer_cb(vm, timer_number(id), Value::None, Value::None, false);
    let now = rt.now(vm);
    rt.record(
        vm,
        now,
        Kind::TimerDeinit {
            timer: timer_number(id),
        },
    );
    Ok(Value::None)
});

native!(TIMER_VALUE, "value", |vm, host, a, _| {
    let id = timer_id_of(&a[0]);
    let rt = rt(host);
    let now = rt.now(vm);
    let v = rt
        .board
        .timers
        .get(id)
        .value_ms(now)
        .map_err(|e| vm.value_error(&e.to_string()))?;
    Ok(Value::int(v as i64))
});

native!(TIMER_REPR, "__repr__", |_, host, a, _| {
    let id = timer_id_of(&a[0]);
    let rt = rt(host);
    let t = rt.board.timers.get(id);
    if rt.board.kind == crate::hw::BoardKind::Pyboard {
        // extmod/machine_timer.c (the stm32 soft timer): `Timer(mode=PERIODIC, period=N)`.
        let mode = match t.mode() {
            Some(TimerMode::OneShot) => "ONE_SHOT",
            _ => "PERIODIC",
        };
        let period_ms = t.period_ns().map_or(1000, |p| p / 1_000_000);
        return Ok(Value::str(&format!(
            "Timer(mode={mode}, period={period_ms})"
        )));
    }
    let text = match (t.mode(), t.period_ns()) {
        // machine_timer.c prints the mode inverted (facts §4.3 quirk).
        (Some(m), Some(p)) => format!(
            "Timer({}; alarm_en=1, auto_reload={}, counter_en=1, period={})",
            timer_number(id),
            (m == TimerMode::Periodic) as u8,
            p / 1_000_000
        ),
        _ => format!("Timer({})", timer_number(id)),
    };
    Ok(Value::str(&text))
});

// ---------------------------------------------------------------- functions

native!(FREQ, "freq", |vm, host, a, _| {
    let rt = rt(host);
    match a.first() {
        None => Ok(Value::int(rt.freq_hz() as i64)),
        Some(_) => {
            let hz = int_arg(vm, a, 0)? as u64;
            if !rt.profile.allows_cpu_freq_hz(hz) {
                return Err(
                    vm.value_error("frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz")
                );
            }
            rt.set_freq(vm, hz);
            Ok(Value::None)
        }
    }
});
native!(DISABLE_IRQ, "disable_irq", |vm, host, _, _| {
    rt(host).disable_irq(vm);
    // extmod/modmachine.c on esp32: always returns 0.
    Ok(Value::Int(0))
});
native!(ENABLE_IRQ, "enable_irq", |vm, host, a, _| {
    let _state = arg(vm, a, 0)?;
    rt(host).enable_irq(vm)?;
    Ok(Value::None)
});
native!(IDLE, "idle", |vm, host, _, _| {
    let rt = rt(host);
    let now = rt.now(vm);
    let tick = rt.profile.rtos_tick();
    let next_tick = crate::time::SimTime((now.0 / tick.as_ns() + 1) * tick.as_ns());
    rt.wait_until(vm, next_tick, true)?;
    Ok(Value::None)
});
native!(UNIQUE_ID, "unique_id", |vm, _, _, _| {
    vm.heap_alloc(22)?;
    Ok(Value::Bytes(Rc::new(vec![
        0x24, 0x0a, 0xc4, 0x00, 0x01, 0x10,
    ])))
});

// ---------------------------------------------------------------- micropython

/// The `micropython` module.
pub fn micropython_module() -> Value {
    make_module(
        "micropython",
        vec![
            ("schedule", Value::Builtin(&SCHEDULE)),
            ("heap_lock", Value::Builtin(&HEAP_LOCK)),
            ("heap_unlock", Value::Builtin(&HEAP_UNLOCK)),
            (
                "alloc_emergency_exception_buf",
                Value::Builtin(&EMERGENCY_BUF),
            ),
            ("const", Value::Builtin(&CONST)),
            ("opt_level", Value::Builtin(&OPT_LEVEL)),
            ("mem_info", Value::Builtin(&MEM_INFO)),
            ("kbd_intr", Value::Builtin(&KBD_INTR)),
        ],
    )
}

native!(SCHEDULE, "schedule", |vm, host, a, _| {
    if a.len() != 2 {
        return Err(vm.type_error(&format!(
            "function takes 2 positional arguments but {} were given",
            a.len()
        )));
    }
    if !rt(host).schedule_from_python(vm, a[0].clone(), a[1].clone()) {
        let c = vm.exc.runtime_error.clone();
        return Err(vm.new_exc_msg(&c, "schedule queue full"));
    }
    Ok(Value::None)
});
native!(HEAP_LOCK, "heap_lock", |vm, _, _, _| {
    vm.heap.lock_depth += 1;
    Ok(Value::None)
});
native!(HEAP_UNLOCK, "heap_unlock", |vm, _, _, _| {
    vm.heap.lock_depth = vm.heap.lock_depth.saturating_sub(1);
    Ok(Value::int(vm.heap.lock_depth as i64))
});
native!(
    EMERGENCY_BUF,
    "alloc_emergency_exception_buf",
    |vm, _, a, _| {
        let n = int_arg(vm, a, 0)?;
        vm.heap_alloc(n.max(0) as usize)?;
        vm.emergency_buf_bytes = n.max(0) as usize;
        Ok(Value::None)
    }
);
native!(CONST, "const", |vm, _, a, _| arg(vm, a, 0));
native!(OPT_LEVEL, "opt_level", |_, _, _, _| Ok(Value::Int(0)));
native!(KBD_INTR, "kbd_intr", |_, _, _, _| Ok(Value::None));
native!(MEM_INFO, "mem_info", |vm, host, _, _| {
    let text = format!(
        "stack: 736 out of 15360\nGC: total: {}, used: {}, free: {}\n",
        vm.heap.size_bytes,
        vm.heap.used_bytes,
        vm.heap.free_bytes()
    );
    host.write_stdout(vm, &text);
    Ok(Value::None)
});
