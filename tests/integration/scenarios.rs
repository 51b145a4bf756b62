//! The shipped scenarios (`scenarios/*.yaml`): each run must show the lesson it exists for,
//! asserted on numbers computed from the trace.

use std::path::Path;

use irqlab::analysis::summarize;
use irqlab::run::{Run as ScenarioRun, RunSpec};
use irqlab::scenario::Scenario;
use irqlab::trace::{Kind, Source};

fn run(name: &str) -> ScenarioRun {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let sc = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    match irqlab::run::run(&RunSpec::scenario(sc.into())) {
        Ok(r) => r,
        Err(e) => panic!("{name}: {e}"),
    }
}

fn all_ok(r: &ScenarioRun) {
    for e in &r.expectations {
        assert!(e.ok, "expectation failed: {} (actual {})", e.what, e.actual);
    }
}

/// Time from each rising/falling edge on `from` to the next edge on `to`, in ns.
fn edge_delays_ns(r: &ScenarioRun, from: u8, to: u8) -> Vec<u64> {
    let mut out = Vec::new();
    let mut pending = None;
    for e in &r.machine.trace().events {
        if let Kind::PinLevel { pin, .. } = e.kind {
            if pin == from {
                pending = Some(e.at);
            } else if pin == to
                && let Some(t0) = pending.take()
            {
                out.push(e.at.as_ns() - t0.as_ns());
            }
        }
    }
    out
}

// (a) Two timers, two bound-method callbacks with their own state: 10 and 4 toggles.
#[test]
fn two_leds_blink_independently() {
    let r = run("two_leds.yaml");
    all_ok(&r);
    assert!(
        r.machine
            .trace()
            .console()
            .contains("red toggled 10 times; green toggled 4 times")
    );
}

// (b) The callback waits for the main loop's next jump: a long body means a longer wait.
#[test]
fn busy_loop_latency_grows_with_body_length() {
    let short = summarize(run("busy_loop_short.yaml").machine.trace());
    let long = summarize(run("busy_loop_long.yaml").machine.trace());
    let (s, l) = (
        &short.sources[&Source::Pin(4)],
        &long.sources[&Source::Pin(4)],
    );
    assert!(s.n_callbacks > 40 && l.n_callbacks > 40);
    assert!(
        l.latency.max_ns > 3 * s.latency.max_ns,
        "long {} vs short {}",
        l.latency.max_ns,
        s.latency.max_ns
    );
    assert!(l.latency.p50_ns > 2 * s.latency.p50_ns);
}

// (c) Contact bounce fills the 8-deep schedule queue; the rest of the edges are dropped.
#[test]
fn bounce_overflows_schedule_queue() {
    let r = run("bounce.yaml");
    all_ok(&r);
    let s = summarize(r.machine.trace());
    assert_eq!(s.max_queue_depth, 8);
    let pin = &s.sources[&Source::Pin(4)];
    assert!(pin.n_dropped > 0);
    assert_eq!(
        pin.n_events,
        pin.n_callbacks + pin.n_dropped,
        "every edge either ran or was dropped"
    );
}

fn lost(r: &ScenarioRun) -> i64 {
    let console = r.machine.trace().console();
    let line = console
        .lines()
        .find(|l| l.starts_with("produced"))
        .expect("the program reports its counts");
    line.split_whitespace().last().unwrap().parse().unwrap()
}

// (d) Without a critical section samples are lost; with disable_irq/enable_irq none are.
#[test]
fn shared_buffer_needs_a_critical_section() {
    let race = run("shared_buffer_race.yaml");
    let safe = run("shared_buffer_safe.yaml");
    assert!(
        lost(&race) > 10,
        "the race loses samples: {}",
        race.machine.trace().console()
    );
    assert_eq!(lost(&safe), 0, "{}", safe.machine.trace().console());
    // The hand-over ran under disable_irq() every time (short enough that no finding fires).
    let sections = safe
        .machine
        .trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, irqlab::trace::Kind::IrqDisable { depth: 1 }))
        .count();
    assert!(sections >= 70, "{sections} critical sections");
}

// (e) Polling keeps the CPU busy and notices changes late; the interrupt version idles and
// mirrors the sensor within tens of microseconds.
#[test]
fn polling_versus_interrupt() {
    let poll = run("sensor_polling.yaml");
    let irq = run("sensor_interrupt.yaml");
    all_ok(&poll);
    all_ok(&irq);
    let (sp, si) = (
        summarize(poll.machine.trace()),
        summarize(irq.machine.trace()),
    );
    assert!(
        si.idle_ns > 9 * si.end.as_ns() / 10,
        "the interrupt version idles"
    );
    let poll_delay = edge_delays_ns(&poll, 5, 2);
    let irq_delay = edge_delays_ns(&irq, 5, 2);
    assert_eq!(poll_delay.len(), 10);
    assert_eq!(irq_delay.len(), 10);
    assert!(irq_delay.iter().all(|d| *d < 100_000), "{irq_delay:?}");
    assert!(
        poll_delay.iter().max().unwrap() > &1_000_000,
        "{poll_delay:?}"
    );
    assert!(sp.main_ns > si.main_ns);
}

// (f) asyncio: the pin callback runs within microseconds, but the ThreadSafeFlag waiter only
// runs after the loop has polled and every task already due has run its blocking slice:
// 50 + 30 + 25 + 10 = 115 ms, plus up to one FreeRTOS tick (10 ms) when the flag was set while
// the loop was waiting (the poll re-checks once per tick), plus the loop's own overheads.
#[test]
fn asyncio_flag_waits_for_blocking_tasks() {
    let r = run("asyncio_115ms.yaml");
    all_ok(&r);
    let s = summarize(r.machine.trace());
    let pin = &s.sources[&Source::Pin(4)];
    assert!(pin.latency.max_ns < 1_000_000, "{:?}", pin.latency);
    let names: Vec<&str> = s.tasks.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "main",
            "blocker",
            "blocker",
            "blocker",
            "blocker",
            "responder"
        ]
    );
    let longest: Vec<u64> = s.tasks.tasks[1..5]
        .iter()
        .map(|t| t.longest_slice_ns / 1_000_000)
        .collect();
    assert_eq!(longest, [50, 30, 25, 10], "blocking time per task, ms");
    let responder = &s.tasks.tasks[5];
    assert!(responder.n_slices > 40, "{responder:?}");
    let worst = responder.wake_latency.max_ns;
    assert!(
        (115_000_000..130_000_000).contains(&worst),
        "worst flag wake latency {worst} ns"
    );
    assert_eq!(s.tasks.worst_wake_ns, worst);
    let flag = &s.tasks.wakes[&irqlab::analysis::tasks::WakeCause::Flag];
    assert!(
        flag.p50_ns <= 10_500_000,
        "most edges come while the loop idles: seen within a tick"
    );
}

fn lost_updates(r: &ScenarioRun) -> i64 {
    let console = r.machine.trace().console();
    let line = console
        .lines()
        .find(|l| l.starts_with("expected"))
        .expect("the program reports its counts");
    line.split_whitespace().last().unwrap().parse().unwrap()
}

// `count += 1` loses updates under the Pyboard's hard timer IRQ (it preempts between the load
// and the store) and none under the ESP32's soft callbacks (they run only at jumps).
#[test]
fn count_increment_races_only_with_hard_irqs() {
    let pyboard = run("count_race_pyboard.yaml");
    let esp32 = run("count_race_esp32.yaml");
    all_ok(&pyboard);
    all_ok(&esp32);
    assert!(
        lost_updates(&pyboard) > 50,
        "{}",
        pyboard.machine.trace().console()
    );
    assert_eq!(
        lost_updates(&esp32),
        0,
        "{}",
        esp32.machine.trace().console()
    );
    let hard = pyboard
        .machine
        .trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::HardStart { .. }))
        .count();
    assert!(
        hard > 500,
        "the pyb.Timer callback ran as a hard handler {hard} times"
    );
}

// The 115 ms lesson's variant: with blocking slices of 5/3/2/1 ms the flag waiter's worst wake
// latency shrinks accordingly (and the scenario's own `expect: tasks:` bounds hold).
#[test]
fn asyncio_wake_latency_shrinks_with_shorter_blocking() {
    let long = run("asyncio_115ms.yaml");
    let short = run("asyncio_short_blocking.yaml");
    all_ok(&long);
    all_ok(&short);
    let worst = |r: &ScenarioRun| {
        irqlab::analysis::tasks::summarize(r.machine.trace())
            .tasks
            .iter()
            .filter(|t| t.name == "responder")
            .map(|t| t.wake_latency.max_ns)
            .max()
            .unwrap()
    };
    let (l, s) = (worst(&long), worst(&short));
    assert!(
        l > 110_000_000 && s < 25_000_000 && s * 4 < l,
        "long {l} ns, short {s} ns"
    );
}

// The REPL lesson: asyncio.run() of an endless clock never returns (the run stops at the
// limit, still ticking), and a task created before any loop ran has not run.
#[test]
fn asyncio_run_never_returns_and_create_task_needs_a_loop() {
    let r = run("asyncio_forever.yaml");
    all_ok(&r);
    assert_eq!(r.outcome, irqlab::sim::Outcome::TimeLimit);
    let console = r.machine.trace().console();
    assert!(
        console.contains("tick 0\ntick 1\ntick 2\ntick 3\n"),
        "{console}"
    );
    assert!(
        console.starts_with("worker ran before any loop ran: False\n"),
        "{console}"
    );
}

// Polling with sleep_ms(0) among five tasks keeps the board 100 % busy (about half of it in
// the scheduler itself); the interrupt-driven version idles.
#[test]
fn asyncio_polling_versus_interrupt() {
    let poll = run("asyncio_sensor_polling.yaml");
    let irq = run("asyncio_sensor_irq.yaml");
    all_ok(&poll);
    all_ok(&irq);
    let (sp, si) = (
        summarize(poll.machine.trace()),
        summarize(irq.machine.trace()),
    );
    assert_eq!(sp.idle_ns, 0, "polling never idles");
    assert!(
        si.idle_ns > 9 * si.end.as_ns() / 10,
        "the interrupt version idles"
    );
    let tasks = irqlab::analysis::tasks::summarize(poll.machine.trace());
    let task_cpu: u64 = tasks.tasks.iter().map(|t| t.cpu_ns).sum();
    let overhead = sp.main_ns.saturating_sub(task_cpu);
    assert!(
        overhead > sp.main_ns / 4,
        "the scheduler itself takes a large share: {overhead} of {}",
        sp.main_ns
    );
}

fn worst_ms(r: &ScenarioRun) -> u64 {
    let console = r.machine.trace().console();
    let line = console
        .lines()
        .find(|l| l.starts_with("handled"))
        .expect("the program reports its latency");
    line.split_whitespace().nth(4).unwrap().parse().unwrap()
}

// Interrupt → asyncio: a task made with create_task() in the callback waits for the loop's
// poll timeout (the next unrelated deadline); a ThreadSafeFlag wakes the poll within a tick.
#[test]
fn asyncio_bridge_threadsafeflag_beats_create_task() {
    let wrong = run("asyncio_bridge_wrong.yaml");
    let right = run("asyncio_bridge_right.yaml");
    all_ok(&wrong);
    all_ok(&right);
    assert!(
        worst_ms(&wrong) > 100,
        "create_task waited {} ms",
        worst_ms(&wrong)
    );
    assert!(
        worst_ms(&right) <= 11,
        "the flag waiter waited {} ms",
        worst_ms(&right)
    );
}

// End to end through the bridge: edge → ISR → callback → ThreadSafeFlag → task resumed is at
// least the flag wake latency and close to it (the ISR and callback take microseconds).
#[test]
fn asyncio_end_to_end_latency_from_the_edge() {
    let r = run("asyncio_bridge_right.yaml");
    let t = irqlab::analysis::tasks::summarize(r.machine.trace());
    let flag = &t.wakes[&irqlab::analysis::tasks::WakeCause::Flag];
    assert_eq!(t.irq_to_task.n, 3);
    assert!(t.irq_to_task.max_ns >= flag.max_ns);
    assert!(
        t.irq_to_task.max_ns - flag.max_ns < 100_000,
        "{:?} vs {:?}",
        t.irq_to_task,
        flag
    );
}

fn findings_of(name: &str) -> Vec<irqlab::analysis::findings::Finding> {
    use irqlab::analysis::findings::{Thresholds, all};
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let sc = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let spec = RunSpec {
        track_access: true,
        ..RunSpec::scenario(sc.into())
    };
    let r = irqlab::run::run(&spec).unwrap_or_else(|e| panic!("{e}"));
    all(r.machine.trace(), &Thresholds::default())
}

fn of_rule(
    fs: &[irqlab::analysis::findings::Finding],
    rule: irqlab::analysis::findings::Rule,
) -> Vec<irqlab::analysis::findings::Finding> {
    fs.iter().filter(|f| f.rule == rule).cloned().collect()
}

// Race findings: the lost updates the programs report are found, attributed to the right
// contexts and lines, and the corrected versions give no false alarm.
#[test]
fn lost_update_findings_match_the_lost_counts() {
    use irqlab::analysis::findings::{Rule, Who};
    use irqlab::trace::Source;
    let pyb = findings_of("count_race_pyboard.yaml");
    assert_eq!(pyb.len(), 1, "{pyb:?}");
    let f = &pyb[0];
    assert_eq!(
        (f.rule, f.subject.as_str(), f.who, f.other),
        (
            Rule::LostUpdate,
            "count",
            Who::Main,
            Some(Who::HardIrq(Source::Timer(4)))
        )
    );
    assert_eq!(
        f.count as i64,
        lost_updates(&run("count_race_pyboard.yaml"))
    );
    assert!(findings_of("count_race_esp32.yaml").is_empty());
    let race = of_rule(&findings_of("shared_buffer_race.yaml"), Rule::LostUpdate);
    assert_eq!(race.len(), 1, "{race:?}");
    assert_eq!(
        (race[0].subject.as_str(), race[0].other),
        ("idx", Some(Who::Callback(Source::Timer(0))))
    );
    assert_eq!(race[0].count as i64, lost(&run("shared_buffer_race.yaml")));
    assert!(findings_of("shared_buffer_safe.yaml").is_empty());
    let bounce = findings_of("bounce.yaml");
    assert_eq!(
        bounce.iter().map(|f| f.rule).collect::<Vec<_>>(),
        [Rule::QueueOverflow]
    );
}

/// The number after `key` on the program's output line that starts with `first`.
fn printed(r: &ScenarioRun, first: &str, key: &str) -> i64 {
    let console = r.machine.trace().console();
    let line = console
        .lines()
        .find(|l| l.starts_with(first))
        .unwrap_or_else(|| panic!("no line starting with {first:?} in {console}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let i = words
        .iter()
        .position(|w| *w == key)
        .unwrap_or_else(|| panic!("no {key:?} in {line:?}"));
    words[i + 1].parse().unwrap()
}

fn rules(fs: &[irqlab::analysis::findings::Finding]) -> Vec<irqlab::analysis::findings::Rule> {
    fs.iter().map(|f| f.rule).collect()
}

// The guide's two LEDs, unmodified on the pyboard: TIM4 at 1 Hz toggles LED 1 at 1, 2, 3, 4 s;
// TIM2 at 0.8 Hz toggles LED 2 at 1.25, 2.5, 3.75 s — each through its own Foo instance.
#[test]
fn isr_guide_two_leds_toggle_at_their_rates() {
    let r = run("isr_guide_two_leds.yaml");
    all_ok(&r);
    let toggles = |n: u8| -> Vec<u64> {
        r.machine
            .trace()
            .events
            .iter()
            .filter_map(|e| match e.kind {
                Kind::Led { led, .. } if led == n => Some(e.at.as_ns() / 1_000_000),
                _ => None,
            })
            .collect()
    };
    assert_eq!(toggles(1), [1000, 2000, 3000, 4000]);
    assert_eq!(toggles(2), [1250, 2500, 3750]);
}

// The guide's critical-section example, unmodified: every 10 ms tick's 5 readings are printed
// as one block of 5 numbers below 2**30 followed by `loop N`, N increasing; no
// BoundsException; the prints inside the section make it long (~4.6 ms at 115200 baud).
#[test]
fn isr_guide_critical_section_prints_each_tick() {
    use irqlab::analysis::findings::Rule;
    let r = run("isr_guide_critical_section.yaml");
    all_ok(&r);
    let console = r.machine.trace().console();
    assert!(!console.contains("BoundsException"), "{console}");
    let (mut numbers, mut last_loop, mut blocks) = (0, -1_i64, 0);
    for line in console.lines() {
        if let Some(n) = line.strip_prefix("loop ") {
            let n: i64 = n.parse().unwrap();
            assert_eq!(numbers, 5, "a block of 5 readings before loop {n}");
            assert!(n > last_loop);
            (numbers, last_loop, blocks) = (0, n, blocks + 1);
        } else {
            let v: i64 = line.parse().unwrap();
            assert!((0..1 << 30).contains(&v));
            numbers += 1;
        }
    }
    assert!(blocks > 200, "{blocks} blocks");
    let long = of_rule(
        &findings_of("isr_guide_critical_section.yaml"),
        Rule::LongCriticalSection,
    );
    assert_eq!(long.len(), 1);
    assert!(long[0].count as i64 >= blocks - 1, "{:?}", long[0]);
}

// (a) Without the critical section the hard timer IRQ lands between `n = index` and
// `index = 0` in every drain (the drain outlasts the 1 ms period): 5 readings lost each time,
// found as a lost update of `index` once per drain. With it, nothing lost, no finding.
#[test]
fn critical_section_stops_lost_readings() {
    use irqlab::analysis::findings::{Rule, Who};
    use irqlab::trace::Source;
    let wrong = run("critical_section_wrong.yaml");
    let right = run("critical_section_right.yaml");
    all_ok(&wrong);
    all_ok(&right);
    let lost = printed(&wrong, "produced", "lost");
    assert!(lost >= 100, "{lost} readings lost");
    assert_eq!(printed(&right, "produced", "lost"), 0);
    assert!(printed(&right, "produced", "produced") >= 950);
    let f = of_rule(
        &findings_of("critical_section_wrong.yaml"),
        Rule::LostUpdate,
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].subject.as_str(), f[0].who, f[0].other),
        ("index", Who::Main, Some(Who::HardIrq(Source::Timer(4))))
    );
    assert_eq!(
        f[0].count as i64 * 5,
        lost,
        "each lost update loses one tick's 5 readings"
    );
    assert!(findings_of("critical_section_right.yaml").is_empty());
}

// (c) Float arithmetic in a hard handler: MemoryError printed as MicroPython prints it (with the
// emergency buffer: message and traceback), the handler disabled after its one run. The
// preallocated version runs at every tick with no finding.
#[test]
fn allocation_in_hard_handler_fails_and_preallocation_fixes_it() {
    use irqlab::analysis::findings::{Rule, Who};
    use irqlab::trace::Source;
    let wrong = run("alloc_hard_wrong.yaml");
    let right = run("alloc_hard_right.yaml");
    all_ok(&wrong);
    all_ok(&right);
    assert_eq!(
        wrong.machine.trace().console(),
        "Uncaught exception in IRQ callback handler\n\
         Traceback (most recent call last):\n  \
         File \"alloc_hard_wrong.py\", line 21, in on_sample\n\
         MemoryError: memory allocation failed, heap is locked\n\
         samples 0 average 0.0\n"
    );
    let hard = |r: &ScenarioRun| {
        r.machine
            .trace()
            .events
            .iter()
            .filter(|e| matches!(e.kind, Kind::HardStart { .. }))
            .count()
    };
    assert_eq!(hard(&wrong), 1, "disabled after the exception");
    assert_eq!(hard(&right), 20);
    assert_eq!(printed(&right, "samples", "samples"), 20);
    // The traceback is printed inside the ISR (mp_irq_dispatch), ~150 bytes at 115200 baud;
    // that run's length is the exception's, so no separate long-hard-irq finding.
    let f = findings_of("alloc_hard_wrong.yaml");
    assert_eq!(rules(&f), [Rule::FloatInHardIrq, Rule::CallbackException]);
    assert!(
        f.iter().all(|f| f.who == Who::HardIrq(Source::Timer(4))),
        "{f:?}"
    );
    assert!(findings_of("alloc_hard_right.yaml").is_empty());
}

// (d) set_volume's shared default buffer: the hard handler re-enters the function under the
// main program and frames go out with the handler's volume; with its own function and buffer
// the handler corrupts nothing and nothing is found.
#[test]
fn reentered_function_corrupts_its_shared_buffer() {
    use irqlab::analysis::findings::{Rule, Who};
    use irqlab::trace::Source;
    let wrong = run("reentrant_wrong.yaml");
    let right = run("reentrant_right.yaml");
    all_ok(&wrong);
    all_ok(&right);
    assert!(printed(&wrong, "frames", "corrupted") > 10);
    assert_eq!(printed(&right, "frames", "corrupted"), 0);
    let f = of_rule(&findings_of("reentrant_wrong.yaml"), Rule::Reentrancy);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].subject.as_str(), f[0].who),
        ("set_volume", Who::HardIrq(Source::Timer(4)))
    );
    let reentered = wrong
        .machine
        .trace()
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Reentered { .. }))
        .count();
    assert!(reentered >= 10, "{reentered}");
    assert_eq!(f[0].count, reentered);
    assert!(findings_of("reentrant_right.yaml").is_empty());
}

// (b) asyncio.create_task from a soft timer callback on the esp32: found once per call (12
// ticks); the ThreadSafeFlag version does the same work with no asyncio call in the callback.
#[test]
fn asyncio_from_callback_is_found_and_threadsafeflag_is_clean() {
    use irqlab::analysis::findings::{Rule, Who};
    use irqlab::trace::Source;
    let wrong = run("asyncio_from_irq_wrong.yaml");
    let right = run("asyncio_from_irq_right.yaml");
    all_ok(&wrong);
    all_ok(&right);
    assert_eq!(printed(&wrong, "handled", "handled"), 11);
    assert_eq!(printed(&right, "handled", "handled"), 11);
    let f = findings_of("asyncio_from_irq_wrong.yaml");
    assert_eq!(rules(&f), [Rule::AsyncioFromIrq]);
    assert_eq!(
        (f[0].subject.as_str(), f[0].who, f[0].count),
        ("create_task", Who::Callback(Source::Timer(0)), 12)
    );
    assert!(findings_of("asyncio_from_irq_right.yaml").is_empty());
}

// A trace observer (the TUI's live mode) only reads: a watched run records exactly what an
// unwatched one does, and each prefix it saw is the start of the final trace, final before the
// time it was handed over at.
#[test]
fn a_watched_run_records_the_same_trace() {
    use std::cell::RefCell;
    use std::rc::Rc;

    use irqlab::time::SimTime;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/count_race_pyboard.yaml");
    let sc = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let seen: Rc<RefCell<Vec<(usize, u64)>>> = Rc::default();
    let prepare = |m: &mut irqlab::sim::Machine| {
        let seen = seen.clone();
        m.rt.set_observer(
            SimTime(1_000_000),
            Box::new(move |trace, at| {
                seen.borrow_mut().push((trace.events.len(), at.0));
                SimTime(at.0 * 2)
            }),
        );
    };
    let spec = RunSpec {
        track_access: true,
        ..RunSpec::scenario(sc.into())
    };
    let watched = irqlab::run::run_with(&spec, &prepare).unwrap_or_else(|e| panic!("{e}"));
    let plain = irqlab::run::run(&spec).unwrap_or_else(|e| panic!("{e}"));
    let (w, p) = (watched.machine.trace(), plain.machine.trace());
    assert_eq!(w.hash(), p.hash());
    let seen = seen.borrow();
    assert!(seen.len() >= 5, "{seen:?}");
    for &(n, at) in seen.iter() {
        assert!(p.events[..n].iter().all(|e| e.at.0 <= at));
        assert!(p.events[n..].iter().all(|e| e.at.0 >= at));
    }
}

// The wrong asyncio bridge's report shows the wait it is about: a task created in the pin
// callback waits ~385 ms for its first run (issue 14: the task table showed only `-`).
#[test]
fn bridge_wrong_report_shows_the_start_wait() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_irqlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "scenarios/asyncio_bridge_wrong.yaml"])
        .output()
        .expect("irqlab runs");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("worst wait to start 385025.462 us"), "{out}");
    let handle = out
        .lines()
        .find(|l| l.starts_with("3    handle"))
        .expect("the first handle task");
    assert!(handle.contains("385025.462"), "{handle}");
}

// Determinism, for every shipped scenario: two runs with the same seed record byte-identical
// traces (same hash, same console output and outcome).
#[test]
fn every_shipped_scenario_runs_the_same_twice() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 29, "only {} scenarios", names.len());
    for name in &names {
        let (a, b) = (run(name), run(name));
        let (ta, tb) = (a.machine.trace(), b.machine.trace());
        assert_eq!(
            ta.hash(),
            tb.hash(),
            "{name}: the trace differs between runs"
        );
        assert_eq!(ta.console(), tb.console(), "{name}: the output differs");
        assert_eq!(a.outcome, b.outcome, "{name}: the outcome differs");
    }
}

// Big-int work costs what its size costs (py/mpz.c's digit loops): a 2 000-digit power takes
// simulated milliseconds, a small one microseconds, so host time cannot outgrow simulated time
// on big-int loops (docs/reliability.md).
#[test]
fn big_int_work_is_charged_by_size() {
    let src = "import time\nx = 3\nfor e in (40, 20000):\n    t = time.ticks_us()\n    y = x ** e\n    print(time.ticks_diff(time.ticks_us(), t))\n";
    let r = irqlab::run::run(&RunSpec::source("big.py", src)).expect("runs");
    let us: Vec<u64> = r
        .machine
        .trace()
        .console()
        .lines()
        .map(|l| l.trim().parse().expect("a number"))
        .collect();
    assert!(us[0] < 100, "a 64-bit power took {} us", us[0]);
    assert!(us[1] > 100_000, "a 31 700-bit power took only {} us", us[1]);
}
