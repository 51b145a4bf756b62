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
    // No emergency buffer: the exception has no args and no traceback, so MicroPython prints
    // neither the message nor a `Traceback` header (py/objexcept.c, py/obj.c; facts §3).
    assert!(
        console.ends_with("Uncaught exception in IRQ callback handler\nMemoryError: \n"),
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

/// Runs `src` on the pyboard for at most `limit_ms` of simulated time.
fn run_pyboard(src: &str, limit_ms: u64) -> Machine {
    let cfg = RunConfig::for_board(
        irqlab::hw::BoardKind::Pyboard,
        SimDuration::from_ms(limit_ms),
    );
    let mut m = Machine::new(&cfg);
    let code = compile_module(src, "main.py").expect("test program compiles");
    m.run_program(code);
    m
}

/// Per hard handler run of `inner`, whether it started while a handler of `outer` was running
/// (nested HardStart inside outer's HardStart/HardEnd), as (nested runs, all runs).
fn nested_in(m: &Machine, inner: Source, outer: Source) -> (usize, usize) {
    let mut open: Vec<Source> = Vec::new();
    let (mut nested, mut all) = (0, 0);
    for e in &m.trace().events {
        match e.kind {
            Kind::HardStart { source, .. } => {
                if source == inner {
                    all += 1;
                    nested += usize::from(open.contains(&outer));
                }
                open.push(source);
            }
            Kind::HardEnd { source, .. } => {
                assert_eq!(open.pop(), Some(source), "hard handlers nest properly");
            }
            _ => {}
        }
    }
    (nested, all)
}

const SLOW_FAST: &str = "\
import pyb
slow_runs = 0
fast_runs = 0
def slow(t):
    global slow_runs
    for i in range(300):
        pass
    slow_runs += 1
def fast(t):
    global fast_runs
    fast_runs += 1
";

// A fast TIM5 handler (IRQ_PRI_TIM5 = 6) preempts a slow TIM4 handler (IRQ_PRI_TIMX = 13):
// its runs nest inside the slow one's, and none is lost.
#[test]
fn higher_priority_timer_preempts_a_slow_handler() {
    let src = format!(
        "{SLOW_FAST}s = pyb.Timer(4, freq=100, callback=slow)\n\
         f = pyb.Timer(5, freq=5000, callback=fast)\npyb.delay(50)\n\
         s.deinit()\nf.deinit()\nprint(slow_runs, fast_runs)\n"
    );
    let m = run_pyboard(&src, 200);
    let (nested, all) = nested_in(&m, Source::Timer(5), Source::Timer(4));
    assert!(all >= 240, "the 5 kHz handler ran {all} times in 50 ms");
    assert!(
        nested >= 5,
        "{nested} of {all} fast runs preempted the slow handler"
    );
    let coalesced = m
        .trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::IrqCoalesced { .. }))
        .count();
    assert_eq!(coalesced, 0, "no interrupt is lost");
    assert!(
        m.trace().console().starts_with('5'),
        "{}",
        m.trace().console()
    );
}

// The other way round: a slow TIM5 handler holds the fast TIM4 interrupt pending. TIM4 never
// starts inside it; its raises during the slow handler run when it returns (tail-chained),
// and the ones beyond the first are merged into the pending bit (lost).
#[test]
fn lower_priority_timer_waits_for_a_slow_handler() {
    let src = format!(
        "{SLOW_FAST}s = pyb.Timer(5, freq=100, callback=slow)\n\
         f = pyb.Timer(4, freq=5000, callback=fast)\npyb.delay(50)\n\
         s.deinit()\nf.deinit()\nprint(slow_runs, fast_runs)\n"
    );
    let m = run_pyboard(&src, 200);
    let (nested, all) = nested_in(&m, Source::Timer(4), Source::Timer(5));
    assert_eq!(nested, 0, "the lower-priority handler never preempts");
    assert!(all > 100, "{all}");
    // Each slow run ends with the pending TIM4 interrupt taken at once.
    let ev = &m.trace().events;
    let mut chained = 0;
    for (i, e) in ev.iter().enumerate() {
        if let Kind::HardEnd {
            source: Source::Timer(5),
            ..
        } = e.kind
        {
            let next = ev[i + 1..]
                .iter()
                .find(|n| matches!(n.kind, Kind::HardStart { .. }));
            if let Some(n) = next
                && matches!(
                    n.kind,
                    Kind::HardStart {
                        source: Source::Timer(4),
                        ..
                    }
                )
                && n.at.as_ns() - e.at.as_ns() < 5_000
            {
                chained += 1;
            }
        }
    }
    assert!(chained >= 4, "{chained} TIM4 runs tail-chained after TIM5");
    let coalesced = ev
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                Kind::IrqCoalesced {
                    source: Source::Timer(4),
                    ..
                }
            )
        })
        .count();
    assert!(coalesced >= 4, "{coalesced} TIM4 events merged while held");
}

// A hard pin IRQ (EXTI, priority 14) is preempted by a timer (13); ExtInt.swint() runs the
// handler at once from the main program, with the line number as its argument.
#[test]
fn timer_preempts_a_hard_pin_handler() {
    let src = format!(
        "{SLOW_FAST}\nlines = []\ndef on_line(line):\n    global slow_runs\n    slow(line)\n\
         e = pyb.ExtInt('X1', pyb.ExtInt.IRQ_RISING, pyb.Pin.PULL_DOWN, on_line)\n\
         f = pyb.Timer(2, freq=5000, callback=fast)\n\
         for i in range(5):\n    e.swint()\n    pyb.delay(2)\n\
         f.deinit()\nprint(slow_runs, e)\n"
    );
    let m = run_pyboard(&src, 200);
    assert_eq!(m.trace().console(), "5 <ExtInt line=0>\n");
    let (nested, _) = nested_in(&m, Source::Timer(2), Source::Pin(1));
    assert!(nested >= 1, "the timer preempted the EXTI handler");
    let (back, _) = nested_in(&m, Source::Pin(1), Source::Timer(2));
    assert_eq!(back, 0);
}

/// Runs `pyboard/<name>.py` from the conformance folder on the pyboard and compares its output
/// with `<name>.exp` (expected outputs reasoned from the stm32 port's source; see the folder's
/// README).
#[track_caller]
fn check_pyboard(name: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance");
    let rel = format!("pyboard/{name}.py");
    let expected = std::fs::read_to_string(root.join(format!("pyboard/{name}.exp")))
        .expect("every pyboard program has a .exp");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_irqlab"))
        .current_dir(&root)
        .args(["run", "--quiet", "--board", "pyboard", &rel])
        .output()
        .expect("irqlab runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        expected,
        "{rel} (stderr: {})",
        String::from_utf8_lossy(&out.stderr)
    );
}

// The guide's `set_volume` with its default bytearray, from main and from a hard handler.
#[test]
fn pyboard_set_volume() {
    check_pyboard("set_volume");
}

// pyb.Pin names, modes and repr; pyb.ExtInt hard handlers, swint, enable/disable, conflicts.
#[test]
fn pyboard_pin_extint() {
    check_pyboard("pin_extint");
}

// Appending to a full list and float arithmetic in hard handlers: MemoryError, disabled.
#[test]
fn pyboard_hard_alloc() {
    check_pyboard("hard_alloc");
}

// machine.Timer (the soft timer, hard=True) and machine.Pin.irq hard versus soft on the pyboard.
#[test]
fn pyboard_machine_api() {
    check_pyboard("machine_api");
}
