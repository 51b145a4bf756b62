//! The `time` module of the esp32 port (extmod/modtime.c, ports/esp32/mphalport.c).
//!
//! Ticks are masked to 30 bits (`MICROPY_PY_TIME_TICKS_PERIOD` = 2³⁰, facts §4.4);
//! `ticks_add` rejects deltas outside (−2²⁹, 2²⁹) with `OverflowError: ticks interval
//! overflow`; sleeps go through [`super::Runtime::delay_ms`], which runs callbacks while waiting.

use crate::py::builtins::{arg, int_arg, make_module};
use crate::py::value::{BuiltinDef, Value};
use crate::py::vm::{Flow, Vm};
use crate::time::SimDuration;

use super::rt;

/// 2³⁰: the ticks period.
pub const TICKS_PERIOD: i64 = 1 << 30;
const TICKS_HALF: i64 = TICKS_PERIOD / 2;

macro_rules! native {
    ($vis:vis $id:ident, $name:expr, $f:expr) => {
        $vis static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

/// The `time` module.
pub fn module() -> Value {
    make_module(
        "time",
        [
            &SLEEP,
            &SLEEP_MS,
            &SLEEP_US,
            &TICKS_MS,
            &TICKS_US,
            &TICKS_CPU,
            &TICKS_ADD,
            &TICKS_DIFF,
            &TIME,
            &TIME_NS,
        ]
        .iter()
        .map(|d| (d.name, Value::Builtin(d)))
        .collect(),
    )
}

fn number_secs(vm: &mut Vm, v: &Value) -> Result<f64, Flow> {
    match v {
        Value::Int(n) => Ok(*n as f64),
        Value::Float(x) => Ok(*x as f64),
        Value::Bool(b) => Ok(*b as i32 as f64),
        other => Err(vm.type_error(&format!("can't convert {} to float", vm.type_name(other)))),
    }
}

native!(SLEEP, "sleep", |vm, host, a, _| {
    let v = arg(vm, a, 0)?;
    let secs = number_secs(vm, &v)?;
    // time.sleep(s) = mp_hal_delay_ms(1000 * s) (facts §4.4).
    let ms = (secs * 1000.0) as i64;
    if ms > 0 {
        rt(host).delay_ms(vm, ms as u64)?;
    }
    Ok(Value::None)
});
native!(pub(super) SLEEP_MS, "sleep_ms", |vm, host, a, _| {
    let ms = int_arg(vm, a, 0)?;
    if ms >= 0 {
        rt(host).delay_ms(vm, ms as u64)?;
    }
    Ok(Value::None)
});
native!(pub(super) SLEEP_US, "sleep_us", |vm, host, a, _| {
    let us = int_arg(vm, a, 0)?;
    if us > 0 {
        let r = rt(host);
        let until = r.now(vm) + SimDuration::from_us(us as u64);
        r.delay_us_busy(vm, until)?;
    }
    Ok(Value::None)
});
native!(pub(super) TICKS_MS, "ticks_ms", |vm, host, _, _| {
    let now = rt(host).now(vm);
    Ok(Value::int((now.as_ms() as i64) & (TICKS_PERIOD - 1)))
});
native!(pub(super) TICKS_US, "ticks_us", |vm, host, _, _| {
    let now = rt(host).now(vm);
    Ok(Value::int((now.as_us() as i64) & (TICKS_PERIOD - 1)))
});
native!(TICKS_CPU, "ticks_cpu", |vm, _, _, _| Ok(Value::int(
    (vm.cycles as i64) & (TICKS_PERIOD - 1)
)));
native!(TICKS_ADD, "ticks_add", |vm, _, a, _| {
    let (t, d) = (int_arg(vm, a, 0)?, int_arg(vm, a, 1)?);
    if d <= -TICKS_HALF || d >= TICKS_HALF {
        let c = vm.exc.overflow_error.clone();
        return Err(vm.new_exc_msg(&c, "ticks interval overflow"));
    }
    Ok(Value::int((t + d).rem_euclid(TICKS_PERIOD)))
});
native!(TICKS_DIFF, "ticks_diff", |vm, _, a, _| {
    let (x, y) = (int_arg(vm, a, 0)?, int_arg(vm, a, 1)?);
    Ok(Value::int(
        (x - y + TICKS_HALF).rem_euclid(TICKS_PERIOD) - TICKS_HALF,
    ))
});
native!(TIME, "time", |vm, host, _, _| {
    let now = rt(host).now(vm);
    // The RTC starts at the epoch 2000-01-01 on a board without network time.
    Ok(Value::int((now.as_ns() / 1_000_000_000) as i64))
});
native!(TIME_NS, "time_ns", |vm, host, _, _| {
    let now = rt(host).now(vm);
    vm.heap_alloc(16)?;
    Ok(Value::from_bigint(num_bigint::BigInt::from(now.as_ns())))
});

#[cfg(test)]
mod tests {
    use super::*;

    // ticks_diff wraps as MicroPython documents: results in [-2^29, 2^29).
    #[test]
    fn ticks_diff_wraps() {
        let diff = |x: i64, y: i64| (x - y + TICKS_HALF).rem_euclid(TICKS_PERIOD) - TICKS_HALF;
        assert_eq!(diff(5, 3), 2);
        assert_eq!(diff(1, TICKS_PERIOD - 1), 2);
        assert_eq!(diff(TICKS_PERIOD - 1, 1), -2);
        assert_eq!(diff(TICKS_HALF, 0), -TICKS_HALF);
    }
}
