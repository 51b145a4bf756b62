//! asyncio on the simulated board: the trace's task events and the report built from them.

use irqlab::analysis::summarize;
use irqlab::analysis::tasks::WakeCause;
use irqlab::py::compiler::compile_module;
use irqlab::sim::{Machine, RunConfig};
use irqlab::time::SimDuration;
use irqlab::trace::{Kind, TaskEv, WaitOn};

fn run(source: &str) -> Machine {
    let code = compile_module(source, "main.py").expect("test program compiles");
    let mut m = Machine::new(&RunConfig::esp32(SimDuration::from_secs(10)));
    m.run_program(code);
    m
}

// Each task's suspension says what it waits on; wake-ups say what woke it.
#[test]
fn task_events_name_what_a_task_waits_on() {
    let m = run("import asyncio\n\
         ev = asyncio.Event()\n\
         lock = asyncio.Lock()\n\
         async def waiter():\n    await ev.wait()\n    async with lock:\n        pass\n\
         async def main():\n    t = asyncio.create_task(waiter())\n    await asyncio.sleep_ms(20)\n    ev.set()\n    await t\n    print('ok')\n\
         asyncio.run(main())\n");
    let trace = m.trace();
    assert_eq!(trace.console(), "ok\n");
    let events: Vec<(TaskEv, WaitOn)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Task { ev, on, .. } => Some((ev, on)),
            _ => None,
        })
        .collect();
    assert!(events.contains(&(TaskEv::Suspended, WaitOn::Sleep { ms: 20 })));
    assert!(events.contains(&(TaskEv::Suspended, WaitOn::Event)));
    assert!(events.contains(&(TaskEv::Woken, WaitOn::Event)));
    assert!(events.contains(&(TaskEv::Suspended, WaitOn::Task)));
    assert!(events.contains(&(TaskEv::Woken, WaitOn::Task)));
    assert_eq!(
        events
            .iter()
            .filter(|(ev, _)| *ev == TaskEv::Finished)
            .count(),
        2
    );
    let s = summarize(trace);
    let names: Vec<&str> = s.tasks.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["main", "waiter"]);
    assert!(s.tasks.tasks.iter().all(|t| t.outcome == "finished"));
    // main sleeps 20 ms: the loop polls once per FreeRTOS tick, so it resumes within a tick.
    let deadline = &s.tasks.wakes[&WakeCause::Deadline];
    assert_eq!(deadline.n, 1);
    assert!(deadline.max_ns < 10_500_000, "{deadline:?}");
    // Event.set() does not yield: the waiter runs after main suspends on it.
    let event = &s.tasks.wakes[&WakeCause::Event];
    assert_eq!(event.n, 1);
    assert!(event.max_ns < 1_000_000, "{event:?}");
}

// The loop's wait lets timer callbacks run, and a flag set there wakes its waiter.
#[test]
fn timer_callback_sets_flag_during_the_wait() {
    let m = run("import asyncio\n\
         from machine import Timer\n\
         flag = asyncio.ThreadSafeFlag()\n\
         async def main():\n    t = Timer(0)\n    t.init(period=25, mode=Timer.ONE_SHOT, callback=lambda t: flag.set())\n    await flag.wait()\n    print('woken')\n\
         asyncio.run(main())\n");
    let trace = m.trace();
    assert_eq!(trace.console(), "woken\n");
    let s = summarize(trace);
    assert!(
        trace
            .events
            .iter()
            .any(|e| matches!(e.kind, Kind::FlagSet { .. }))
    );
    let flag = &s.tasks.wakes[&WakeCause::Flag];
    assert_eq!(flag.n, 1);
    // Set by the callback in the poll hook: seen at the next tick, at most 10 ms later.
    assert!(flag.max_ns <= 10_500_000, "{flag:?}");
    assert!(s.end.as_ns() >= 25_000_000 && s.end.as_ns() < 40_000_000);
}

// A blocking run between two awaits is measured as the task's longest slice.
#[test]
fn blocking_slice_is_measured() {
    let m = run("import asyncio, time\n\
         async def hog():\n    for i in range(3):\n        time.sleep_ms(7 * (i + 1))\n        await asyncio.sleep_ms(0)\n\
         asyncio.run(hog())\n");
    let s = summarize(m.trace());
    let hog = &s.tasks.tasks[0];
    assert_eq!(hog.name, "hog");
    assert_eq!(hog.n_slices, 4);
    assert_eq!(hog.longest_slice_ns / 1_000_000, 21);
    assert!(hog.cpu_ns >= 42_000_000);
}

// The run queue orders by ticks key compared with ticks_diff (across the 2³⁰ wrap), then by
// push order (facts §5.1).
#[test]
fn task_queue_orders_across_the_ticks_wrap() {
    let m = run("import asyncio\n\
         async def c():\n    pass\n\
         q = asyncio.TaskQueue()\n\
         ts = [asyncio.Task(c()) for i in range(5)]\n\
         for t, k in zip(ts, ((1 << 30) - 5, 3, (1 << 30) - 1, 3, (1 << 30) - 5)):\n    q.push(t, k)\n\
         order = []\n\
         while q.peek():\n    order.append(ts.index(q.pop()))\n\
         print(order)\n");
    assert_eq!(m.trace().console(), "[0, 4, 2, 1, 3]\n");
}

// Lock hand-over and gather show up as what the tasks wait on and what woke them.
#[test]
fn lock_and_gather_wake_ups_are_traced() {
    let m = run("import asyncio\n\
         lock = asyncio.Lock()\n\
         async def user(ms):\n    async with lock:\n        await asyncio.sleep_ms(ms)\n    return ms\n\
         async def main():\n    print(await asyncio.gather(user(3), user(4)))\n\
         asyncio.run(main())\n");
    let trace = m.trace();
    assert_eq!(trace.console(), "[3, 4]\n");
    let has = |ev: TaskEv, on: WaitOn| {
        trace
            .events
            .iter()
            .any(|e| matches!(e.kind, Kind::Task { ev: v, on: o, .. } if v == ev && o == on))
    };
    assert!(has(TaskEv::Suspended, WaitOn::Lock));
    assert!(has(TaskEv::Woken, WaitOn::Lock));
    assert!(has(TaskEv::Suspended, WaitOn::Gather));
    assert!(has(TaskEv::Woken, WaitOn::Gather));
    let s = summarize(trace);
    assert_eq!(s.tasks.wakes[&WakeCause::Lock].n, 1);
    assert_eq!(s.tasks.wakes[&WakeCause::Gather].n, 1);
}
