//! Conformance: each program in `tests/data/conformance/{lang,sched,asyncio}` must print exactly what
//! real MicroPython printed (`.exp`, recorded from MicroPython, see the folder's README), when
//! run as `irqlab run --quiet <dir>/<name>.py` from that folder. `esp32/` holds irqlab's own
//! programs for the board's machine API, whose expected outputs are reasoned from the facts.

use std::path::Path;
use std::process::Command;

fn irqlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_irqlab"))
}

/// Runs one program from the conformance folder and compares its output with the `.exp`.
#[track_caller]
fn check(rel: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance");
    let exp_path = root.join(rel).with_extension("exp");
    let expected =
        std::fs::read_to_string(&exp_path).expect("every conformance program has a .exp");
    // Outputs recorded from MicroPython's unix port had its static 256-byte emergency exception
    // buffer (MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE); the boards start with none.
    let recorded_on_unix = ["lang/", "sched/", "asyncio/", "irqlab_lang/"]
        .iter()
        .any(|d| rel.starts_with(d));
    let emergency = if recorded_on_unix { "256" } else { "0" };
    let out = irqlab()
        .current_dir(&root)
        .args([
            "run",
            "--quiet",
            "--emergency-exception-buf",
            emergency,
            rel,
        ])
        .output()
        .expect("irqlab runs");
    let actual = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        actual,
        expected,
        "{rel}: output differs from MicroPython's (stderr: {})",
        String::from_utf8_lossy(&out.stderr)
    );
}

macro_rules! conformance {
    ($($name:ident => $path:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check($path);
            }
        )*
    };
}

conformance! {
    asyncio_await_errors => "asyncio/await_errors.py",
    asyncio_await_failed_task => "asyncio/await_failed_task.py",
    asyncio_cancel => "asyncio/cancel.py",
    asyncio_cancel_more => "asyncio/cancel_more.py",
    asyncio_coroutine_protocol => "asyncio/coroutine_protocol.py",
    asyncio_loop_api => "asyncio/loop_api.py",
    asyncio_run_errors => "asyncio/run_errors.py",
    asyncio_create_task_needs_loop => "asyncio/create_task_needs_loop.py",
    asyncio_event_fair => "asyncio/event_fair.py",
    asyncio_gather_wait_for => "asyncio/gather_wait_for.py",
    asyncio_lock_fifo => "asyncio/lock_fifo.py",
    asyncio_run_queue_order => "asyncio/run_queue_order.py",
    asyncio_sleep_order => "asyncio/sleep_order.py",
    asyncio_task_exception => "asyncio/task_exception.py",
    asyncio_threadsafeflag_schedule => "asyncio/threadsafeflag_schedule.py",
    lang_classes => "lang/classes.py",
    lang_containers => "lang/containers.py",
    lang_exceptions => "lang/exceptions.py",
    lang_floats => "lang/floats.py",
    lang_generators => "lang/generators.py",
    lang_small_ints => "lang/small_ints.py",
    lang_strings => "lang/strings.py",
    sched_check_points => "sched/check_points.py",
    sched_exception_in_callback => "sched/exception_in_callback.py",
    sched_heap_lock => "sched/heap_lock.py",
    sched_nested => "sched/nested.py",
    // irqlab's own esp32 programs: outputs reasoned from the facts, see each file's header.
    esp32_machine_api => "esp32/machine_api.py",
    esp32_timer_pin_callbacks => "esp32/timer_pin_callbacks.py",
    esp32_emergency_buffer => "esp32/emergency_buffer.py",
    // irqlab's own language programs, outputs recorded from an ESP32-like MicroPython build.
    irqlab_lang_features => "irqlab_lang/features.py",
    irqlab_lang_features2 => "irqlab_lang/features2.py",
    irqlab_lang_float_floordiv => "irqlab_lang/float_floordiv.py",
}
