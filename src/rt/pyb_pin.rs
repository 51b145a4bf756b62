//! `pyb.Pin` (which is also `machine.Pin` on the pyboard) and `pyb.ExtInt`: the stm32 port's
//! pins and external interrupts (ports/stm32/pin.c, ports/stm32/extint.c).
//!
//! A pin is found by board name (`'X1'`), CPU name (`'A0'`), `Pin.board.X1`, `Pin.cpu.A0` or a
//! Pin object (`pin_find`); each stands for one simulator GPIO ([`crate::hw::stm32::PINS`]).
//! Modes and pulls are the STM32 HAL values the port exports (`Pin.IN` = 0, `Pin.OUT_PP` = 1,
//! `Pin.OUT_OD` = 0x11, `PULL_UP` = 1, `PULL_DOWN` = 2, `IRQ_RISING` = 0x10110000, …).
//!
//! Interrupts: `pyb.ExtInt(pin, mode, pull, callback)` registers a **hard** handler called with
//! the EXTI line number; `pin.irq(handler, trigger, hard=False)` registers a soft or hard one
//! called with the pin. Both share the 16 EXTI lines (pin `A0` and `B0` are both line 0), at
//! priority `IRQ_PRI_EXTINT`. A hard EXTI handler that raises prints `uncaught exception in
//! ExtInt interrupt handler line N` and is disabled (`Handle_EXTI_Irq`).

use crate::hw::gpio::{PinId, PinMode, Pull, Trigger};
use crate::hw::stm32::{self, PybPin};
use crate::py::builtins::{int_arg, kw_get, make_module};
use crate::py::value::{BuiltinDef, Class, Value};
use crate::py::vm::{Flow, Host, PyResult, Vm, str_text};
use std::rc::Rc;

use super::native::{class_with, handle_of, native_obj};
use super::{Runtime, rt};

macro_rules! native {
    ($id:ident, $name:expr, $f:expr) => {
        static $id: BuiltinDef = BuiltinDef {
            name: $name,
            func: $f,
        };
    };
}

/// Handles of pyboard `Pin` objects: `PIN_HANDLE_BASE + gpio`.
const PIN_HANDLE_BASE: u32 = 4000;
/// Handles of `ExtInt` objects: `EXTINT_HANDLE_BASE + mode index * 256 + gpio`.
const EXTINT_HANDLE_BASE: u32 = 5000;

/// `GPIO_MODE_INPUT` and the other HAL mode values (stm32f4xx_hal_gpio.h).
const MODE_IN: i64 = 0;
const MODE_OUT_PP: i64 = 1;
const MODE_OUT_OD: i64 = 0x11;
const MODE_AF_PP: i64 = 2;
const MODE_AF_OD: i64 = 0x12;
const MODE_ANALOG: i64 = 3;
/// `GPIO_MODE_IT_RISING`, `_FALLING`, `_RISING_FALLING` and the `EVT_` variants.
const IT_RISING: i64 = 0x1011_0000;
const IT_FALLING: i64 = 0x1021_0000;
const IT_RISING_FALLING: i64 = 0x1031_0000;
const EVT_RISING: i64 = 0x1012_0000;
const EVT_FALLING: i64 = 0x1022_0000;
const EVT_RISING_FALLING: i64 = 0x1032_0000;

/// The `Pin` class of the pyboard, with `Pin.board` and `Pin.cpu` filled, and its pin objects
/// registered in the runtime. Made once; `pyb` and `machine` share it.
pub fn pin_class(rt: &mut Runtime) -> Rc<Class> {
    if let Some(c) = rt.classes.pyb_pin.clone() {
        return c;
    }
    let class = class_with(
        "Pin",
        &[
            &PIN_NEW, &PIN_INIT, &PIN_VALUE, &PIN_ON, &PIN_OFF, &PIN_HIGH, &PIN_LOW, &PIN_IRQ,
            &PIN_NAME, &PIN_NAMES, &PIN_PIN, &PIN_REPR,
        ],
        &[
            ("IN", MODE_IN),
            ("OUT", MODE_OUT_PP),
            ("OUT_PP", MODE_OUT_PP),
            ("OPEN_DRAIN", MODE_OUT_OD),
            ("OUT_OD", MODE_OUT_OD),
            ("ALT", MODE_AF_PP),
            ("AF_PP", MODE_AF_PP),
            ("ALT_OPEN_DRAIN", MODE_AF_OD),
            ("AF_OD", MODE_AF_OD),
            ("ANALOG", MODE_ANALOG),
            ("PULL_NONE", 0),
            ("PULL_UP", 1),
            ("PULL_DOWN", 2),
            ("IRQ_RISING", IT_RISING),
            ("IRQ_FALLING", IT_FALLING),
        ],
    );
    let mut board = Vec::new();
    let mut cpu = Vec::new();
    let cpu_names: Vec<String> = stm32::PINS.iter().map(PybPin::cpu_name).collect();
    for (p, cpu_name) in stm32::PINS.iter().zip(&cpu_names) {
        let handle = PIN_HANDLE_BASE + u32::from(p.gpio);
        let obj = native_obj(&class, handle);
        rt.objects.insert(handle, obj.clone());
        board.push((p.board, obj.clone()));
        cpu.push((cpu_name.as_str(), obj));
    }
    {
        let mut d = class.dict.borrow_mut();
        for (name, v) in [
            ("board", make_module("board", board)),
            ("cpu", make_module("cpu", cpu)),
        ] {
            d.insert_hashed(Value::str(name), crate::py::vm::qhash(name), v);
        }
    }
    rt.classes.pyb_pin = Some(class.clone());
    class
}

/// The `ExtInt` class.
pub fn extint_class() -> Rc<Class> {
    class_with(
        "ExtInt",
        &[
            &EXTINT_NEW,
            &EXTINT_LINE,
            &EXTINT_ENABLE,
            &EXTINT_DISABLE,
            &EXTINT_SWINT,
            &EXTINT_REPR,
        ],
        &[
            ("IRQ_RISING", IT_RISING),
            ("IRQ_FALLING", IT_FALLING),
            ("IRQ_RISING_FALLING", IT_RISING_FALLING),
            ("EVT_RISING", EVT_RISING),
            ("EVT_FALLING", EVT_FALLING),
            ("EVT_RISING_FALLING", EVT_RISING_FALLING),
        ],
    )
}

// ---------------------------------------------------------------- Pin

/// `pin_find`: a Pin object or a board/CPU name.
fn find_pin(vm: &mut Vm, v: &Value) -> Result<&'static PybPin, Flow> {
    if let Value::Native(n) = v
        && let Some(p) = n
            .handle
            .checked_sub(PIN_HANDLE_BASE)
            .and_then(|g| u8::try_from(g).ok())
            .and_then(stm32::pin_by_gpio)
    {
        return Ok(p);
    }
    match v {
        Value::Str(_) => {
            let name = str_text(v);
            stm32::pin_by_name(name)
                .ok_or_else(|| vm.value_error(&format!("Pin({name}) doesn't exist")))
        }
        other => Err(vm.type_error(&format!(
            "can't convert '{}' object to str implicitly",
            vm.type_name(other)
        ))),
    }
}

fn pin_of(obj: &Value) -> &'static PybPin {
    stm32::pin_by_gpio((handle_of(obj) - PIN_HANDLE_BASE) as u8)
        .expect("pyboard Pin objects are made from PINS")
}

fn pin_obj(rt: &Runtime, p: &PybPin) -> Value {
    rt.objects
        .get(&(PIN_HANDLE_BASE + u32::from(p.gpio)))
        .cloned()
        .expect("pin objects are made with the class")
}

native!(PIN_NEW, "__new__", |vm, host, a, kw| {
    let id = a
        .get(1)
        .cloned()
        .ok_or_else(|| vm.type_error("function missing 1 required positional arguments"))?;
    let p = find_pin(vm, &id)?;
    let obj = pin_obj(rt(host), p);
    if a.len() > 2 || !kw.is_empty() {
        let mut init_args = vec![obj.clone()];
        init_args.extend_from_slice(a.get(2..).unwrap_or(&[]));
        (PIN_INIT.func)(vm, host, &init_args, kw)?;
    }
    Ok(obj)
});

native!(PIN_INIT, "init", |vm, host, a, kw| {
    for (k, _) in kw {
        if !["mode", "pull", "af", "value", "alt"].contains(&str_text(k)) {
            return Err(vm.type_error("unexpected keyword argument"));
        }
    }
    let p = pin_of(&a[0]);
    let mode = match a.get(1).or_else(|| kw_get(kw, "mode")) {
        Some(Value::Int(m)) => i64::from(*m),
        Some(_) => return Err(vm.type_error("can't convert to int")),
        None => return Err(vm.type_error("'mode' argument required")),
    };
    let mode = match mode {
        MODE_IN | MODE_AF_PP | MODE_AF_OD | MODE_ANALOG => PinMode::In,
        MODE_OUT_PP => PinMode::Out,
        MODE_OUT_OD => PinMode::OpenDrain,
        m => return Err(vm.value_error(&format!("invalid pin mode: {m}"))),
    };
    let pull = match a.get(2).or_else(|| kw_get(kw, "pull")) {
        None | Some(Value::None) | Some(Value::Int(0)) => Pull::None,
        Some(Value::Int(1)) => Pull::Up,
        Some(Value::Int(2)) => Pull::Down,
        Some(Value::Int(n)) => return Err(vm.value_error(&format!("invalid pin pull: {n}"))),
        Some(_) => return Err(vm.type_error("can't convert to int")),
    };
    if let Some(v) = kw_get(kw, "value").cloned() {
        let high = vm.truthy(host, &v)?;
        write(vm, host, p, high)?;
    }
    let r = rt(host);
    let change = r
        .board
        .gpio
        .configure(p.pin_id(), Some(mode), Some(pull))
        .map_err(|e| vm.value_error(&e.to_string()))?;
    let now = r.now(vm);
    r.pin_change(vm, now, change, true)?;
    Ok(Value::None)
});

fn write(vm: &mut Vm, host: &mut dyn Host, p: &PybPin, high: bool) -> PyResult {
    let r = rt(host);
    let change = r
        .board
        .gpio
        .write(p.pin_id(), crate::hw::gpio::Level::from_truth(high));
    let now = r.now(vm);
    r.pin_change(vm, now, change, true)?;
    Ok(Value::None)
}

native!(PIN_VALUE, "value", |vm, host, a, _| match a.get(1) {
    None => Ok(Value::Int(
        rt(host).board.gpio.level(pin_of(&a[0]).pin_id()).as_u8() as i32
    )),
    Some(v) => {
        let high = vm.truthy(host, v)?;
        write(vm, host, pin_of(&a[0]), high)
    }
});
native!(PIN_ON, "on", |vm, host, a, _| write(
    vm,
    host,
    pin_of(&a[0]),
    true
));
native!(PIN_OFF, "off", |vm, host, a, _| write(
    vm,
    host,
    pin_of(&a[0]),
    false
));
native!(PIN_HIGH, "high", |vm, host, a, _| write(
    vm,
    host,
    pin_of(&a[0]),
    true
));
native!(PIN_LOW, "low", |vm, host, a, _| write(
    vm,
    host,
    pin_of(&a[0]),
    false
));
native!(PIN_NAME, "name", |_, _, a, _| Ok(Value::str(
    &pin_of(&a[0]).cpu_name()
)));
native!(PIN_NAMES, "names", |vm, _, a, _| {
    let p = pin_of(&a[0]);
    vm.heap_alloc(32)?;
    Ok(Value::list(vec![
        Value::str(&p.cpu_name()),
        Value::str(p.board),
    ]))
});
native!(PIN_PIN, "pin", |_, _, a, _| Ok(Value::Int(i32::from(
    pin_of(&a[0]).number
))));
native!(PIN_REPR, "__repr__", |_, host, a, _| {
    // pin.c `pin_print`: `Pin(Pin.cpu.A0, mode=Pin.IN, pull=Pin.PULL_UP)`.
    let p = pin_of(&a[0]);
    let state = *rt(host).board.gpio.pin(p.pin_id());
    let mode = match state.mode {
        Some(PinMode::Out) => "OUT",
        Some(PinMode::OpenDrain) => "OPEN_DRAIN",
        Some(PinMode::In) | None => "IN",
    };
    let pull = match state.pull {
        Pull::Up => ", pull=Pin.PULL_UP",
        Pull::Down => ", pull=Pin.PULL_DOWN",
        Pull::None => "",
    };
    Ok(Value::str(&format!(
        "Pin(Pin.cpu.{}, mode=Pin.{mode}{pull})",
        p.cpu_name()
    )))
});

/// The EXTI trigger of a HAL interrupt mode; event modes (`EVT_`) raise no interrupt.
fn trigger_of(mode: i64) -> Option<Trigger> {
    match mode {
        IT_RISING => Some(Trigger::Rising),
        IT_FALLING => Some(Trigger::Falling),
        IT_RISING_FALLING => Some(Trigger::AnyEdge),
        EVT_RISING | EVT_FALLING | EVT_RISING_FALLING => Some(Trigger::Disabled),
        _ => None,
    }
}

/// The pin whose handler owns EXTI line `line` now, if any.
fn line_owner(r: &Runtime, line: u8) -> Option<(u8, Value)> {
    r.pin_irqs.iter().find_map(|(g, irq)| {
        stm32::pin_by_gpio(*g)
            .filter(|p| p.number == line)
            .map(|_| (*g, irq.pin_obj.clone()))
    })
}

/// Points EXTI line of `p` at `handler` (or frees it) with `trigger`.
fn register(
    vm: &mut Vm,
    r: &mut Runtime,
    p: &PybPin,
    handler: Value,
    arg: Value,
    trigger: Trigger,
    hard: bool,
) -> Result<(), Flow> {
    if let Some((g, _)) = line_owner(r, p.number)
        && g != p.gpio
    {
        r.set_pin_irq(vm, g, Value::None, Value::None, false);
        let other = PinId::new(i64::from(g)).expect("owners are valid pads");
        r.board.gpio.set_trigger(other, Trigger::Disabled);
    }
    let trig = if matches!(handler, Value::None) {
        Trigger::Disabled
    } else {
        trigger
    };
    r.set_pin_irq(vm, p.gpio, handler, arg, hard);
    let change = r.board.gpio.set_trigger(p.pin_id(), trig);
    let now = r.now(vm);
    r.pin_change(vm, now, change, true)
}

native!(PIN_IRQ, "irq", |vm, host, a, kw| {
    // pin.c `pin_irq(handler=None, trigger=IRQ_FALLING|IRQ_RISING, hard=False)`: returns None.
    for (k, _) in kw {
        if !["handler", "trigger", "hard"].contains(&str_text(k)) {
            return Err(vm.type_error("unexpected keyword argument"));
        }
    }
    let p = pin_of(&a[0]);
    if a.len() == 1 && kw.is_empty() {
        return Ok(Value::None);
    }
    let handler = a
        .get(1)
        .or_else(|| kw_get(kw, "handler"))
        .cloned()
        .unwrap_or(Value::None);
    let mode = match a.get(2).or_else(|| kw_get(kw, "trigger")) {
        Some(Value::Int(t)) => i64::from(*t),
        Some(_) => return Err(vm.type_error("can't convert to int")),
        None => IT_RISING_FALLING,
    };
    let hard = match a.get(3).or_else(|| kw_get(kw, "hard")).cloned() {
        Some(h) => vm.truthy(host, &h)?,
        None => false,
    };
    let r = rt(host);
    if let Some((g, owner)) = line_owner(r, p.number)
        && g != p.gpio
    {
        let msg = match owner {
            Value::Int(line) => format!("ExtInt vector {line} is already in use"),
            _ => format!(
                "IRQ resource already taken by Pin('{}')",
                stm32::pin_by_gpio(g).map_or(String::new(), PybPin::cpu_name)
            ),
        };
        let c = vm.exc.os_error.clone();
        return Err(vm.new_exc_msg(&c, &msg));
    }
    let trigger = trigger_of(mode).unwrap_or(Trigger::Disabled);
    register(vm, r, p, handler, a[0].clone(), trigger, hard)?;
    Ok(Value::None)
});

// ---------------------------------------------------------------- ExtInt

/// The pin and mode an ExtInt handle encodes.
fn extint_of(obj: &Value) -> (&'static PybPin, i64) {
    let h = handle_of(obj) - EXTINT_HANDLE_BASE;
    let p = stm32::pin_by_gpio((h & 0xff) as u8).expect("ExtInt handles hold a pin");
    let mode = [
        IT_RISING,
        IT_FALLING,
        IT_RISING_FALLING,
        EVT_RISING,
        EVT_FALLING,
        EVT_RISING_FALLING,
    ][(h >> 8) as usize];
    (p, mode)
}

native!(EXTINT_NEW, "__new__", |vm, host, a, kw| {
    // extint.c `extint_make_new(pin, mode, pull, callback)`, all required.
    let get = |i: usize, name: &str| a.get(i).or_else(|| kw_get(kw, name)).cloned();
    let (Some(pin), Some(mode), Some(pull), Some(callback)) = (
        get(1, "pin"),
        get(2, "mode"),
        get(3, "pull"),
        get(4, "callback"),
    ) else {
        return Err(vm.type_error("'callback' argument required"));
    };
    let p = find_pin(vm, &pin)?;
    let mode = int_arg(vm, &[mode], 0)?;
    let Some(trigger) = trigger_of(mode) else {
        return Err(vm.value_error(&format!("invalid ExtInt Mode: {mode}")));
    };
    let pull = match int_arg(vm, &[pull], 0)? {
        0 => Pull::None,
        1 => Pull::Up,
        2 => Pull::Down,
        n => return Err(vm.value_error(&format!("invalid ExtInt Pull: {n}"))),
    };
    let r = rt(host);
    if line_owner(r, p.number).is_some() && !matches!(callback, Value::None) {
        return Err(vm.value_error(&format!("ExtInt vector {} is already in use", p.number)));
    }
    // HAL_GPIO_Init with the EXTI mode: the pin becomes an input with the given pull.
    let change = r
        .board
        .gpio
        .configure(p.pin_id(), Some(PinMode::In), Some(pull))
        .map_err(|e| vm.value_error(&e.to_string()))?;
    let now = r.now(vm);
    r.pin_change(vm, now, change, true)?;
    let line = Value::Int(i32::from(p.number));
    register(vm, r, p, callback, line, trigger, true)?;
    let index = [
        IT_RISING,
        IT_FALLING,
        IT_RISING_FALLING,
        EVT_RISING,
        EVT_FALLING,
        EVT_RISING_FALLING,
    ]
    .iter()
    .position(|m| *m == mode)
    .expect("mode checked above") as u32;
    vm.heap_alloc(8)?;
    let class = match &a[0] {
        Value::Class(c) => c.clone(),
        _ => unreachable!("__new__ receives its class"),
    };
    Ok(native_obj(
        &class,
        EXTINT_HANDLE_BASE + index * 256 + u32::from(p.gpio),
    ))
});

native!(EXTINT_LINE, "line", |_, _, a, _| Ok(Value::Int(i32::from(
    extint_of(&a[0]).0.number
))));

native!(EXTINT_ENABLE, "enable", |vm, host, a, _| {
    let (p, mode) = extint_of(&a[0]);
    let r = rt(host);
    if r.pin_irqs.contains_key(&p.gpio) {
        let trig = trigger_of(mode).expect("modes are checked at creation");
        let change = r.board.gpio.set_trigger(p.pin_id(), trig);
        let now = r.now(vm);
        r.pin_change(vm, now, change, true)?;
    }
    Ok(Value::None)
});

native!(EXTINT_DISABLE, "disable", |_, host, a, _| {
    let (p, _) = extint_of(&a[0]);
    rt(host)
        .board
        .gpio
        .set_trigger(p.pin_id(), Trigger::Disabled);
    Ok(Value::None)
});

native!(EXTINT_SWINT, "swint", |vm, host, a, _| {
    // extint_swint: a 0→1 write to SWIER sets the pending bit; the interrupt is taken at once
    // unless masked or held by a running handler of equal or higher priority.
    let (p, _) = extint_of(&a[0]);
    let r = rt(host);
    let enabled = r.board.gpio.pin(p.pin_id()).trigger != Trigger::Disabled;
    if enabled && r.pin_irqs.contains_key(&p.gpio) {
        let now = r.now(vm);
        r.raise(vm, now, crate::trace::Source::Pin(p.gpio))?;
    }
    Ok(Value::None)
});

native!(EXTINT_REPR, "__repr__", |_, _, a, _| Ok(Value::str(
    &format!("<ExtInt line={}>", extint_of(&a[0]).0.number)
)));
