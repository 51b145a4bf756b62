//! `irqlab bench`: the speed figures recorded in `docs/performance.md`.
//!
//! This is an edge module like the CLI: it reads the wall clock (to time host work) and starts
//! `python3` as the reference. The simulation it measures is unchanged by being timed.
//!
//! Measured:
//! 1. VM throughput on a pure-Python loop, in bytecodes per host second, and the same program
//!    under CPython (`python3`) in the same run;
//! 2. simulated seconds per host second for the shipped scenario `busy_loop_long.yaml`
//!    (scenario (b)), and for a mostly idle timer scenario;
//! 3. the cost of access tracking (`--findings`) on two scenarios, and `irqlab explore` runs
//!    per minute on the Pyboard count race (issue 4).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use crate::run::{RunError, RunSpec};
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// The pure-Python loop both interpreters run (prints its result so work cannot be skipped).
pub const LOOP_PROGRAM: &str = "\
def work(n):
    total = 0
    lst = [1, 2, 3, 4, 5, 6, 7, 8]
    for i in range(n):
        total += lst[i & 7]
    return total
print(work(N))
";

/// The asyncio benchmark of issue 3: 100 tasks sleeping and waking at 1–10 ms periods.
pub const ASYNCIO_PROGRAM: &str = "\
import asyncio
switches = 0
async def sleeper(period):
    global switches
    while True:
        await asyncio.sleep_ms(period)
        switches += 1
async def main():
    for i in range(100):
        asyncio.create_task(sleeper(1 + i % 10))
    await asyncio.sleep_ms(SECONDS * 1000)
    print('switches', switches)
asyncio.run(main())
";

/// One measured figure.
pub struct Figure {
    /// What was measured.
    pub what: String,
    /// The value, in `unit`.
    pub value: f64,
    /// Unit.
    pub unit: &'static str,
}

#[expect(
    clippy::disallowed_methods,
    reason = "benchmarks time host work with the wall clock"
)]
fn now() -> Instant {
    Instant::now()
}

/// Best of `runs` timings of `f`, in seconds.
fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t0 = now();
        f();
        best = best.min(t0.elapsed().as_secs_f64());
    }
    best
}

/// Runs every benchmark; `scenarios_dir` holds the shipped scenarios.
pub fn run_all(scenarios_dir: &Path, iterations: u64) -> Result<Vec<Figure>, RunError> {
    let mut out = Vec::new();
    let program = LOOP_PROGRAM.replace('N', &iterations.to_string());
    let spec = RunSpec {
        until: Some(SimDuration::from_secs(100_000)),
        ..RunSpec::source("bench.py", program.clone())
    };
    crate::run::load(&spec)?; // bad input is an error here, not a panic while timing
    let mut n_ops = 0;
    let vm_s = best_of(3, || {
        let run = crate::run::run(&spec).expect("loaded above");
        n_ops = run.machine.vm.n_ops;
    });
    out.push(Figure {
        what: format!("VM: pure-Python loop, {iterations} iterations"),
        value: vm_s,
        unit: "s",
    });
    out.push(Figure {
        what: "VM throughput".into(),
        value: n_ops as f64 / vm_s / 1e6,
        unit: "M bytecodes/s",
    });
    let script = std::env::temp_dir().join(format!("irqlab-bench-{}.py", std::process::id()));
    std::fs::write(&script, &program)
        .map_err(|e| RunError::io(format!("{}: cannot write: {e}", script.display())))?;
    let mut cpython_ok = true;
    let py_s = best_of(3, || {
        cpython_ok &= Command::new("python3")
            .arg(&script)
            .output()
            .is_ok_and(|o| o.status.success());
    });
    let _ = std::fs::remove_file(&script);
    if cpython_ok {
        out.push(Figure {
            what: "CPython (python3) on the same loop, incl. startup".into(),
            value: py_s,
            unit: "s",
        });
        out.push(Figure {
            what: "irqlab time / CPython time".into(),
            value: vm_s / py_s,
            unit: "x",
        });
    }
    scenario_figures(&mut out, scenarios_dir)?;
    asyncio_figures(&mut out, 60)?;
    tracking_figures(&mut out, scenarios_dir)?;
    explore_figures(&mut out, scenarios_dir, 200)?;
    Ok(out)
}

/// Simulated time per host time and bytecode rates for a busy and a mostly idle scenario.
fn scenario_figures(out: &mut Vec<Figure>, scenarios_dir: &Path) -> Result<(), RunError> {
    for name in ["busy_loop_long.yaml", "two_leds.yaml"] {
        let spec = RunSpec::scenario(Arc::new(Scenario::load(&scenarios_dir.join(name))?));
        let mut simulated = SimDuration::ZERO;
        let mut n_ops = 0;
        let host_s = best_of(3, || {
            let r = crate::run::run(&spec).expect("shipped scenarios run");
            simulated = SimDuration(r.machine.now().as_ns());
            n_ops = r.machine.vm.n_ops;
        });
        let sim_s = simulated.as_ns() as f64 / 1e9;
        let what = |s: &str| format!("scenario {name}: {s}");
        out.push(Figure {
            what: what("simulated s per host s"),
            value: sim_s / host_s,
            unit: "x real time",
        });
        out.push(Figure {
            what: what("bytecodes per simulated s"),
            value: n_ops as f64 / sim_s / 1e6,
            unit: "M/s (board)",
        });
        out.push(Figure {
            what: what("bytecodes per host s"),
            value: n_ops as f64 / host_s / 1e6,
            unit: "M/s (host)",
        });
    }
    Ok(())
}

/// Runs [`ASYNCIO_PROGRAM`] for `seconds` of simulated time (best of one: it is long).
fn asyncio_figures(out: &mut Vec<Figure>, seconds: u64) -> Result<(), RunError> {
    let program = ASYNCIO_PROGRAM.replace("SECONDS", &seconds.to_string());
    let spec = RunSpec {
        until: Some(SimDuration::from_secs(seconds + 1)),
        ..RunSpec::source("asyncio_bench.py", program)
    };
    crate::run::load(&spec)?; // bad input is an error here, not a panic while timing
    let mut run = None;
    let host_s = best_of(1, || {
        run = Some(crate::run::run(&spec).expect("loaded above"));
    });
    let m = run.expect("ran once").machine;
    let mut switches = 0u64;
    let console = m.trace().console();
    if let Some(n) = console
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
    {
        switches = n;
    }
    let sim_s = m.now().as_ns() as f64 / 1e9;
    out.push(Figure {
        what: format!("asyncio: 100 tasks, {seconds} s simulated: speed"),
        value: sim_s / host_s,
        unit: "x real time",
    });
    if switches > 0 {
        out.push(Figure {
            what: "asyncio: task switches".into(),
            value: switches as f64,
            unit: "",
        });
        out.push(Figure {
            what: "asyncio: host time per task switch".into(),
            value: host_s / switches as f64 * 1e6,
            unit: "us",
        });
        out.push(Figure {
            what: "asyncio: simulated board time per task switch".into(),
            value: sim_s / switches as f64 * 1e6,
            unit: "us",
        });
    }
    Ok(())
}

/// Access tracking overhead: the same scenario with and without `track_access`, best of five,
/// and the share of that overhead spent building the findings afterwards.
fn tracking_figures(out: &mut Vec<Figure>, scenarios_dir: &Path) -> Result<(), RunError> {
    for name in ["busy_loop_long.yaml", "count_race_pyboard.yaml"] {
        let sc = Arc::new(Scenario::load(&scenarios_dir.join(name))?);
        let spec = |track_access: bool| RunSpec {
            track_access,
            ..RunSpec::scenario(sc.clone())
        };
        let run = |track: bool| {
            best_of(5, || {
                crate::run::run(&spec(track)).expect("shipped scenarios run");
            })
        };
        let plain_s = run(false);
        let tracked_s = run(true);
        let r = crate::run::run(&spec(true)).expect("shipped scenarios run");
        let findings_s = best_of(5, || {
            let f = crate::analysis::findings::all(
                r.machine.trace(),
                &crate::analysis::findings::Thresholds::default(),
            );
            assert!(f.len() < usize::MAX);
        });
        let what = |s: &str| format!("scenario {name}: {s}");
        out.push(Figure {
            what: what("plain run"),
            value: plain_s * 1e3,
            unit: "ms",
        });
        out.push(Figure {
            what: what("run with access tracking"),
            value: tracked_s * 1e3,
            unit: "ms",
        });
        out.push(Figure {
            what: what("access tracking overhead"),
            value: (tracked_s / plain_s - 1.0) * 100.0,
            unit: "%",
        });
        out.push(Figure {
            what: what("findings over the tracked trace"),
            value: findings_s * 1e3,
            unit: "ms",
        });
    }
    Ok(())
}

/// `irqlab explore` of the Pyboard count race: `runs` seeds on every core (run + findings +
/// trace hash per seed, as the command does).
fn explore_figures(
    out: &mut Vec<Figure>,
    scenarios_dir: &Path,
    runs: usize,
) -> Result<(), RunError> {
    use crate::explore::{pool, run_one};
    let sc = Arc::new(Scenario::load(
        &scenarios_dir.join("count_race_pyboard.yaml"),
    )?);
    let jobs = pool::default_jobs();
    let host_s = best_of(1, || {
        let records = pool::map(runs, jobs, "runs", |i| run_one(&sc, i as u64, &[], None));
        assert!(records.iter().all(Result::is_ok), "shipped scenario runs");
    });
    out.push(Figure {
        what: format!("explore count_race_pyboard.yaml: {runs} runs on {jobs} threads"),
        value: runs as f64 * 60.0 / host_s,
        unit: "runs/min",
    });
    let single_s = best_of(3, || {
        run_one(&sc, 0, &[], None).expect("shipped scenario runs");
    });
    out.push(Figure {
        what: "explore count_race_pyboard.yaml: one run (run + findings + hash)".into(),
        value: single_s * 1e3,
        unit: "ms",
    });
    Ok(())
}
