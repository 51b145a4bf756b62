//! The `sys` module (py/modsys.c) as the esp32 port configures it.

use super::*;

method!(SYS_EXIT, "exit", |vm, _, a, _| {
    let c = vm.exc.system_exit.clone();
    Err(Flow::Exception(vm.new_exception(&c, a.to_vec())))
});
method!(SYS_PRINT_EXCEPTION, "print_exception", |vm, host, a, _| {
    let e = arg(vm, a, 0)?;
    let text = vm.format_exception(host, &e);
    host.write_stdout(vm, &text);
    Ok(Value::None)
});

/// The `sys` module's attributes.
pub fn sys_module() -> Vec<(&'static str, Value)> {
    vec![
        ("platform", Value::str("esp32")),
        ("maxsize", Value::int(SMALL_INT_MAX)),
        ("byteorder", Value::str("little")),
        (
            "implementation",
            Value::tuple(vec![
                Value::str("micropython"),
                Value::tuple(vec![Value::Int(1), Value::Int(28), Value::Int(0)]),
            ]),
        ),
        ("version", Value::str("3.4.0; MicroPython v1.28.0 (irqlab)")),
        ("exit", Value::Builtin(&SYS_EXIT)),
        ("print_exception", Value::Builtin(&SYS_PRINT_EXCEPTION)),
    ]
}
