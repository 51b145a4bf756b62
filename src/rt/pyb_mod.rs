//! The `pyb` module of the Pyboard (ports/stm32): the subset teaching material uses.
//!
//! `pyb.Timer(n, freq=..., callback=f)` calls `f(timer)` as a **hard** interrupt handler
//! (stm32 timer.c dispatches through `mp_irq_dispatch` with `ishard`): between any two
//! bytecodes, with the heap locked; an exception prints `Uncaught exception in IRQ callback
//! handler` and disables that callback (facts §2.7). `pyb.disable_irq()` returns whether IRQs
//! were enabled and `pyb.enable_irq(state=True)` restores that state — PRIMASK, not a nesting
//! count (ports/stm32/irq.c). `pyb.LED(n)` drives the four LEDs; `pyb.rng()` draws from the
//! run's seed; `delay`, `udelay`, `millis`, `micros` are `time.sleep_ms`, `sleep_us`,
//! `ticks_ms`, `ticks_us` themselves (as in ports/stm32/modpyb.c); `elapsed_millis`,
//! `elapsed_micros`.
//!
//! Timers are modelled on the simulator's virtual timer slots (1 µs resolution); the trace
//! names them with their pyb number.

use crate::hw::timer::{PeriodRequest, TimerId, TimerMode};
use crate::py::builtins::{arg, int_arg, kw_get, make_module};
use crate::py::value::{BuiltinDef, Value};
use crate::py::vm::{Flow, Host, PyResult, Vm};
use crate::trace::Kind;

use super::native::{class_with, handle_of, native_obj};
use super::{HwEvent, Runtime, rt, time_mod};

macro_rules! native {
    ($id:ident, $name:expr, $f:expr) => {
        static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

/// Handles of `pyb.Timer` objects: `TIMER_HANDLE_BASE + n`.
const TIMER_HANDLE_BASE: u32 = 2000;
/// Handles of `pyb.LED` objects: `LED_HANDLE_BASE + n`.
const LED_HANDLE_BASE: u32 = 3000;

/// The `pyb` module.
pub fn module(rt: &mut Runtime) -> Value {
    let timer = class_with(
        "Timer",
        &[
            &TIMER_NEW,
            &TIMER_INIT,
            &TIMER_CALLBACK,
            &TIMER_DEINIT,
            &TIMER_FREQ,
            &TIMER_REPR,
        ],
        &[],
    );
    let led = class_with(
        "LED",
        &[
            &LED_NEW,
            &LED_ON,
            &LED_OFF,
            &LED_TOGGLE,
            &LED_INTENSITY,
            &LED_REPR,
        ],
        &[],
    );
    rt.classes.pyb_timer = Some(timer.clone());
    rt.classes.led = Some(led.clone());
    let pin = super::pyb_pin::pin_class(rt);
    let extint = super::pyb_pin::extint_class();
    make_module(
        "pyb",
        vec![
            ("Timer", Value::Class(timer)),
            ("LED", Value::Class(led)),
            ("Pin", Value::Class(pin)),
            ("ExtInt", Value::Class(extint)),
            ("disable_irq", Value::Builtin(&DISABLE_IRQ)),
            ("enable_irq", Value::Builtin(&ENABLE_IRQ)),
            ("rng", Value::Builtin(&RNG)),
            ("delay", Value::Builtin(&time_mod::SLEEP_MS)),
            ("udelay", Value::Builtin(&time_mod::SLEEP_US)),
            ("millis", Value::Builtin(&time_mod::TICKS_MS)),
            ("micros", Value::Builtin(&time_mod::TICKS_US)),
            ("elapsed_millis", Value::Builtin(&ELAPSED_MILLIS)),
            ("elapsed_micros", Value::Builtin(&ELAPSED_MICROS)),
            ("freq", Value::Builtin(&FREQ)),
        ],
    )
}

// ---------------------------------------------------------------- Timer

/// The timer clock of STM32F405 timer `n`: 168 MHz for TIM1 and TIM8–11 (APB2 × 2), 84 MHz
/// for the others (APB1 × 2).
fn timer_clock_hz(n: i64) -> f64 {
    if matches!(n, 1 | 8 | 9 | 10 | 11) {
        168e6
    } else {
        84e6
    }
}

/// The simulator slot behind `pyb.Timer(n)`, made on first use.
fn slot_of(vm: &mut Vm, rt: &mut Runtime, n: i64) -> Result<TimerId, Flow> {
    if let Some((id, _)) = rt.pyb.timer_aliases.iter().find(|(_, m)| *m as i64 == n) {
        return Ok(*id);
    }
    let id = rt
        .board
        .timers
        .create_virtual()
        .map_err(|e| vm.value_error(&e.to_string()))?;
    rt.pyb.timer_aliases.push((id, n as i8));
    Ok(id)
}

native!(TIMER_NEW, "__new__", |vm, host, a, kw| {
    let n = int_arg(vm, a, 1)?;
    if !(1..=14).contains(&n) {
        return Err(vm.value_error(&format!("Timer({n}) doesn't exist")));
    }
    let r = rt(host);
    let class = r
        .classes
        .pyb_timer
        .clone()
        .expect("pyb.Timer exists once pyb is imported");
    let handle = TIMER_HANDLE_BASE + n as u32;
    let obj = match r.objects.get(&handle) {
        Some(o) => o.clone(),
        None => {
            let o = native_obj(&class, handle);
            r.objects.insert(handle, o.clone());
            o
        }
    };
    slot_of(vm, r, n)?;
    if !kw.is_empty() {
        (TIMER_INIT.func)(vm, host, std::slice::from_ref(&obj), kw)?;
    }
    Ok(obj)
});

fn timer_n(obj: &Value) -> i64 {
    (handle_of(obj) - TIMER_HANDLE_BASE) as i64
}

native!(TIMER_INIT, "init", |vm, host, a, kw| {
    let n = timer_n(&a[0]);
    let freq_hz = match (
        kw_get(kw, "freq"),
        kw_get(kw, "prescaler"),
        kw_get(kw, "period"),
    ) {
        (Some(Value::Int(f)), _, _) => *f as f64,
        (Some(Value::Float(f)), _, _) => *f as f64,
        (None, Some(Value::Int(p)), Some(Value::Int(q))) => {
            timer_clock_hz(n) / ((*p as f64 + 1.0) * (*q as f64 + 1.0))
        }
        _ => return Err(vm.type_error("can't convert NoneType to int")),
    };
    if freq_hz <= 0.0 {
        return Err(vm.value_error("must have positive freq"));
    }
    let callback = kw_get(kw, "callback").cloned();
    // timer.c: `hard` defaults to True on stm32.
    let hard = match kw_get(kw, "hard").cloned() {
        Some(h) => vm.truthy(host, &h)?,
        None => true,
    };
    let r = rt(host);
    if hard {
        r.pyb.soft_timers &= !(1 << n);
    } else {
        r.pyb.soft_timers |= 1 << n;
    }
    let id = slot_of(vm, r, n)?;
    let now = r.now(vm);
    let alarm = r
        .board
        .timers
        .get_mut(id)
        .init(
            now,
            TimerMode::Periodic,
            PeriodRequest::Freq {
                freq_hz: freq_hz as f32,
            },
        )
        .map_err(|e| vm.value_error(&e.to_string()))?;
    let period_ns = r.board.timers.get(id).period_ns().unwrap_or(0);
    r.record(
        vm,
        now,
        Kind::TimerInit {
            timer: n as i8,
            period_ns,
            periodic: true,
        },
    );
    if let Some(cb) = callback {
        r.set_timer_cb(vm, n as i8, cb, a[0].clone(), hard);
    }
    r.push_event(alarm.at, HwEvent::Timer { id, alarm });
    r.set_deadline(vm);
    Ok(Value::None)
});

native!(TIMER_CALLBACK, "callback", |vm, host, a, _| {
    let n = timer_n(&a[0]);
    let f = arg(vm, a, 1)?;
    let r = rt(host);
    let hard = r.pyb.soft_timers & (1 << n) == 0;
    r.set_timer_cb(vm, n as i8, f, a[0].clone(), hard);
    Ok(Value::None)
});

native!(TIMER_DEINIT, "deinit", |vm, host, a, _| {
    let n = timer_n(&a[0]);
    let r = rt(host);
    let id = slot_of(vm, r, n)?;
    r.board.timers.get_mut(id).deinit();
    r.set_timer_cb(vm, n as i8, Value::None, Value::None, true);
    let now = r.now(vm);
    r.record(vm, now, Kind::TimerDeinit { timer: n as i8 });
    Ok(Value::None)
});

native!(TIMER_FREQ, "freq", |vm, host, a, _| {
    let n = timer_n(&a[0]);
    let r = rt(host);
    let id = slot_of(vm, r, n)?;
    match r.board.timers.get(id).period_ns() {
        Some(p) if p > 0 => Ok(Value::int((1_000_000_000 / p) as i64)),
        _ => Ok(Value::Int(0)),
    }
});

native!(TIMER_REPR, "__repr__", |_, _, a, _| Ok(Value::str(
    &format!("Timer({})", timer_n(&a[0]))
)));

// ---------------------------------------------------------------- LED

fn led_n(obj: &Value) -> u8 {
    (handle_of(obj) - LED_HANDLE_BASE) as u8
}

fn led_set(vm: &mut Vm, host: &mut dyn Host, obj: &Value, on: Option<bool>) -> PyResult {
    let n = led_n(obj);
    let r = rt(host);
    let i = n as usize - 1;
    let new = on.unwrap_or(!r.pyb.leds[i]);
    if new != r.pyb.leds[i] {
        r.pyb.leds[i] = new;
        let now = r.now(vm);
        r.record(vm, now, Kind::Led { led: n, on: new });
    }
    Ok(Value::None)
}

native!(LED_NEW, "__new__", |vm, host, a, _| {
    let n = int_arg(vm, a, 1)?;
    if !(1..=4).contains(&n) {
        return Err(vm.value_error(&format!("LED({n}) doesn't exist")));
    }
    let r = rt(host);
    let class = r
        .classes
        .led
        .clone()
        .expect("pyb.LED exists once pyb is imported");
    let handle = LED_HANDLE_BASE + n as u32;
    let obj = r
        .objects
        .entry(handle)
        .or_insert_with(|| native_obj(&class, handle))
        .clone();
    Ok(obj)
});
native!(LED_ON, "on", |vm, host, a, _| led_set(
    vm,
    host,
    &a[0],
    Some(true)
));
native!(LED_OFF, "off", |vm, host, a, _| led_set(
    vm,
    host,
    &a[0],
    Some(false)
));
native!(LED_TOGGLE, "toggle", |vm, host, a, _| led_set(
    vm, host, &a[0], None
));
native!(LED_INTENSITY, "intensity", |vm, host, a, _| {
    match a.get(1) {
        None => Ok(Value::Int(
            if rt(host).pyb.leds[led_n(&a[0]) as usize - 1] {
                255
            } else {
                0
            },
        )),
        Some(_) => {
            let v = int_arg(vm, a, 1)?;
            led_set(vm, host, &a[0], Some(v > 0))
        }
    }
});
native!(LED_REPR, "__repr__", |_, _, a, _| Ok(Value::str(&format!(
    "LED({})",
    led_n(&a[0])
))));

// ---------------------------------------------------------------- functions

native!(DISABLE_IRQ, "disable_irq", |vm, host, _, _| {
    let r = rt(host);
    let was_enabled = r.board.intc.critical_depth() == 0;
    if was_enabled {
        r.disable_irq(vm);
    }
    Ok(Value::Bool(was_enabled))
});
native!(ENABLE_IRQ, "enable_irq", |vm, host, a, _| {
    let state = match a.first() {
        Some(v) => vm.truthy(host, v)?,
        None => true,
    };
    let r = rt(host);
    if state {
        while r.board.intc.critical_depth() > 0 {
            r.enable_irq(vm)?;
        }
    }
    Ok(Value::None)
});
native!(RNG, "rng", |_, host, _, _| Ok(Value::int(
    (rt(host).rng.u64() & ((1 << 30) - 1)) as i64
)));
native!(ELAPSED_MILLIS, "elapsed_millis", |vm, host, a, _| {
    let start = int_arg(vm, a, 0)?;
    let now = (rt(host).now(vm).as_ms() as i64) & ((1 << 30) - 1);
    Ok(Value::int((now - start) & ((1 << 30) - 1)))
});
native!(ELAPSED_MICROS, "elapsed_micros", |vm, host, a, _| {
    let start = int_arg(vm, a, 0)?;
    let now = (rt(host).now(vm).as_us() as i64) & ((1 << 30) - 1);
    Ok(Value::int((now - start) & ((1 << 30) - 1)))
});
native!(FREQ, "freq", |vm, host, _, _| {
    let hz = rt(host).freq_hz() as i64;
    vm.heap_alloc(32)?;
    Ok(Value::tuple(vec![
        Value::int(hz),
        Value::int(hz),
        Value::int(hz / 4),
        Value::int(hz / 2),
    ]))
});
