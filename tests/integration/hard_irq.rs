//! The hard-handler path that boards with hard IRQs use (the esp32 has none for Pin/Timer):
//! a hard handler runs inside the ISR with the heap locked; an exception prints
//! `Uncaught exception in IRQ callback handler` and disables that IRQ (shared/runtime/mpirq.c,
//! facts §2.7).

use irqlab::hw::timer::{PeriodRequest, TimerId, TimerMode};
use irqlab::py::compiler::compile_module;
use irqlab::py::value::Value;
use irqlab::rt::HwEvent;
use irqlab::sim::{Machine, RunConfig};
use irqlab::time::{SimDuration, SimTime};
use irqlab::trace::{Kind, Source};

/// Runs `src`, whose global `handler` becomes a *hard* handler of timer 0 (period 1 ms).
fn run_with_hard_timer(src: &str, limit_ms: u64) -> Machine {
    let mut m = Machine::new(&RunConfig::esp32(SimDuration::from_ms(limit_ms)));
    let setup = compile_module(src, "main.py").expect("test program compiles");
    m.run_program(setup);
    let handler =
        m.vm.main_globals
            .borrow()
            .get_str("handler")
            .cloned()
            .expect("handler defined");
    let id = TimerId::hardware(0).expect("timer 0 exists");
    let now = m.now();
    let alarm =
        m.rt.board
            .timers
            .get_mut(id)
            .init(
                now,
                TimerMode::Periodic,
                PeriodRequest::Period {
                    period: 1,
                    tick_hz: 1000,
                },
            )
            .unwrap();
    m.rt.set_timer_cb(&mut m.vm, 0, handler, Value::None, true);
    m.rt.push_event(alarm.at, HwEvent::Timer { id, alarm });
    m.rt.set_deadline(&mut m.vm);
    // Let the idle loop deliver the alarms.
    let idle = compile_module("import time\ntime.sleep_ms(5)\n", "idle.py").unwrap();
    m.run_program(idle);
    m
}

// A hard handler that allocates fails (heap locked), is reported once and then disabled.
#[test]
fn failing_hard_handler_is_disabled() {
    let m = run_with_hard_timer(
        "calls = []\ndef handler(t):\n    calls.append(1)\n    x = [t]\n",
        100,
    );
    let console = m.trace().console();
    assert_eq!(
        console
            .matches("Uncaught exception in IRQ callback handler")
            .count(),
        1,
        "{console}"
    );
    assert!(
        console.contains("MemoryError: memory allocation failed, heap is locked"),
        "{console}"
    );
    let hard_runs = m
        .trace()
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                Kind::HardStart {
                    source: Source::Timer(0),
                    ..
                }
            )
        })
        .count();
    assert_eq!(hard_runs, 1, "the IRQ is disabled after its handler raised");
    assert!(m.now() >= SimTime(5_000_000));
}

// A well-behaved hard handler runs at every alarm, inside the ISR, without the scheduler.
#[test]
fn hard_handler_runs_every_alarm() {
    let m = run_with_hard_timer("n = 0\ndef handler(t):\n    global n\n    n += 1\n", 100);
    let n = m.vm.main_globals.borrow().get_str("n").cloned();
    assert!(matches!(n, Some(Value::Int(k)) if k >= 5), "{n:?}");
    assert!(
        !m.trace()
            .events
            .iter()
            .any(|e| matches!(e.kind, Kind::CallbackQueued { .. }))
    );
}
