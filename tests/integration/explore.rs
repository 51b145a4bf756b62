//! `irqlab explore` end to end: seeded exploration finds the Pyboard count race with a seed
//! that `irqlab run` replays exactly; shards and thread counts do not change the result;
//! exhaustive interrupt placement proves the ring buffer safe and catches the broken one; and
//! the scenario `vary:` section varies the trace with the seed and only then.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn irqlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_irqlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("irqlab runs")
}

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("irqlab-explore-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `irqlab` with `args` plus `--json FILE`; returns the exit code and the parsed JSON.
#[track_caller]
fn check_json(test: &str, args: &[&str]) -> (i32, Value) {
    let path = temp_dir(test).join(format!("{}.json", args.join("_").replace(['/', ' '], "-")));
    let mut all: Vec<&str> = args.to_vec();
    let p = path.to_str().expect("utf-8 temp path");
    all.extend(["--json", p]);
    let o = irqlab(&all);
    let code = o.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "{args:?}: exit {code}: {}",
        text(&o.stderr)
    );
    let json = std::fs::read_to_string(&path).expect("JSON written");
    (code, serde_json::from_str(&json).expect("valid JSON"))
}

/// Per-run records of a seeded exploration, as (seed, trace hash, findings, failed).
fn per_run(v: &Value) -> Vec<String> {
    v["per_run"]
        .as_array()
        .expect("per_run")
        .iter()
        .map(|r| r.to_string())
        .collect()
}

// Exploring the Pyboard count race finds the lost update of `count`; the printed replay seed,
// run with `irqlab run --seed S --findings`, shows the same finding and the same trace hash.
#[test]
fn explore_finds_the_count_race_and_its_seed_replays() {
    let scenario = "scenarios/count_race_pyboard.yaml";
    let (code, ex) = check_json("count", &["explore", scenario, "--runs", "3"]);
    assert_eq!(code, 1, "an unexpected error finding fails the exploration");
    let f = ex["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "lost-update" && f["subject"] == "count")
        .unwrap_or_else(|| panic!("no lost update of count: {ex:#}"));
    assert_eq!(f["runs"], 3, "every run of this scenario loses updates");
    let seed = f["first_seed"].as_u64().unwrap();
    let replay = f["replay"].as_str().unwrap();
    assert!(
        replay.contains(&format!("--seed {seed} --findings")),
        "{replay}"
    );
    let (_, run) = check_json(
        "count",
        &["run", scenario, "--seed", &seed.to_string(), "--findings"],
    );
    let again = run["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["rule"] == "lost-update" && g["subject"] == "count")
        .expect("the replay shows the lost update");
    assert_eq!(
        (&again["line"], &again["other_line"]),
        (&f["line"], &f["other_line"])
    );
    assert_eq!(f["replay_trace_hash"], run["trace_hash"], "replay is exact");
}

// Two shards (0/2, 1/2) together run exactly the seeds of the unsharded exploration, with the
// same per-run results; --jobs 1 and --jobs 2 give byte-identical reports.
#[test]
fn shards_and_jobs_do_not_change_results() {
    let scenario = "scenarios/ring_buffer_safe.yaml";
    let base = ["explore", scenario, "--runs", "10", "--seed-base", "100"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        check_json("shards", &a).1
    };
    let whole = with(&["--jobs", "2"]);
    let s0 = with(&["--shard", "0/2"]);
    let s1 = with(&["--shard", "1/2"]);
    let mut merged = per_run(&s0);
    merged.extend(per_run(&s1));
    let seed_of = |r: &String| serde_json::from_str::<Value>(r).unwrap()["seed"].as_u64();
    merged.sort_by_key(seed_of);
    assert_eq!(merged, per_run(&whole));
    assert_eq!(per_run(&s0).len(), 5);
    assert!(
        whole["distinct_traces"].as_u64().unwrap() > 1,
        "vary: changes the trace"
    );
    let one = with(&["--jobs", "1"]);
    assert_eq!(one, whole);
    let out = |jobs: &str| {
        let mut a = base.to_vec();
        a.extend(["--jobs", jobs]);
        text(&irqlab(&a).stdout)
    };
    assert_eq!(out("1"), out("2"));
}

// Exhaustive placement of one and two extra timer interrupts in the ring buffer's consumer
// loses nothing; in the broken version (a count shared by both sides) some placements lose
// data, and the printed --inject replay reproduces the loss.
#[test]
fn exhaustive_proves_the_ring_buffer_and_catches_the_broken_one() {
    let safe = "scenarios/ring_buffer_safe.yaml";
    for p in ["1", "2"] {
        let (code, v) = check_json(
            "ring",
            &[
                "explore",
                safe,
                "--exhaustive",
                "--function",
                "consume",
                "--preemptions",
                p,
                "--limit",
                "400",
            ],
        );
        assert_eq!(code, 0, "{v:#}");
        assert_eq!(v["lost"], 0);
        assert!(v["boundaries"].as_u64().unwrap() > 100, "{v:#}");
        assert!(v["interleavings_run"].as_u64().unwrap() >= 200, "{v:#}");
        assert_eq!(v["limited"], p == "2", "pairs are cut by --limit");
    }
    let broken = "scenarios/ring_buffer_broken.yaml";
    let (code, v) = check_json(
        "ring",
        &["explore", broken, "--exhaustive", "--function", "consume"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        v["reference_lost_data"], false,
        "only some placements lose data"
    );
    assert!(v["lost"].as_u64().unwrap() > 0, "{v:#}");
    let injection = v["first_lost"]["injections"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let o = irqlab(&["run", broken, "--findings", "--inject", &injection]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(out.contains("error lost-update: `count`"), "{out}");
    assert!(!out.contains(" lost 0"), "the replay loses an item: {out}");
}

/// Writes a scenario running `scenarios/<program>` with the `vary:` line given (or none).
fn vary_scenario(test: &str, program: &str, vary: &str) -> PathBuf {
    let prog = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(program);
    let path = temp_dir(test).join(format!("s{}.yaml", vary.len()));
    let body = format!(
        "name: vary test\nversion: 1\nboard: pyboard\nprogram: {}\ntimeout: 1s\n{vary}\n",
        prog.display()
    );
    std::fs::write(&path, body).expect("write scenario");
    path
}

fn trace_hash(scenario: &Path, seed: &str) -> Value {
    check_json("vary", &["run", scenario.to_str().unwrap(), "--seed", seed]).1["trace_hash"].clone()
}

/// The time of the first `irq raised` line of the timeline.
fn first_irq(scenario: &Path, seed: &str) -> String {
    let o = irqlab(&[
        "run",
        scenario.to_str().unwrap(),
        "--seed",
        seed,
        "--timeline",
    ]);
    let out = text(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("irq raised"))
        .expect("an IRQ");
    line.split_whitespace().next().unwrap().to_owned()
}

// `vary:` makes the trace depend on the seed; without it (or with every kind off) the seed
// changes nothing and the trace is the unvaried one; adding ISR jitter does not move the timer
// phase drawn for the same seed (separate streams).
#[test]
fn vary_changes_the_trace_with_the_seed_and_only_then() {
    let program = "ring_buffer_safe.py";
    let plain = vary_scenario("vary", program, "");
    let off = vary_scenario(
        "vary",
        program,
        "vary: {timer-phase: false, irq-jitter: 0us}",
    );
    let phase = vary_scenario("vary", program, "vary: {timer-phase: true}");
    let both = vary_scenario(
        "vary",
        program,
        "vary: {timer-phase: true, irq-jitter: 3us}",
    );
    assert_eq!(trace_hash(&plain, "1"), trace_hash(&plain, "2"));
    assert_eq!(trace_hash(&plain, "1"), trace_hash(&off, "7"));
    assert_ne!(trace_hash(&phase, "1"), trace_hash(&phase, "2"));
    assert_ne!(trace_hash(&phase, "1"), trace_hash(&plain, "1"));
    assert_ne!(first_irq(&phase, "1"), first_irq(&phase, "2"));
    for seed in ["1", "2", "3"] {
        assert_eq!(first_irq(&phase, seed), first_irq(&both, seed));
        assert_ne!(trace_hash(&phase, seed), trace_hash(&both, seed));
    }
}

// Seed 280 of the safe ring buffer delays an ISR entry (irq-jitter) while `pyb.delay`
// busy-waits; the wait must serve it on time (it used to be served at the end of the wait, and
// the next timer interrupts then re-entered the late handler).
#[test]
fn jittered_isr_entry_is_served_during_a_busy_wait() {
    let (code, v) = check_json(
        "busywait",
        &[
            "run",
            "scenarios/ring_buffer_safe.yaml",
            "--seed",
            "280",
            "--findings",
        ],
    );
    assert_eq!(code, 0, "{v:#}");
    let worst = v["sources"][0]["latency_ns"]["max"].as_u64();
    assert!(worst.is_some_and(|ns| ns < 10_000), "{:#}", v["sources"]);
}

// Bad explore and inject arguments are user errors: exit code 2 and a message saying what to
// write, never a panic.
#[test]
fn bad_arguments_are_user_errors() {
    for (args, says) in [
        (
            &["explore", "scenarios/count_race_pyboard.py"][..],
            "needs a scenario",
        ),
        (
            &[
                "explore",
                "scenarios/count_race_pyboard.yaml",
                "--shard",
                "2/2",
            ][..],
            "I/N",
        ),
        (
            &[
                "explore",
                "scenarios/ring_buffer_safe.yaml",
                "--exhaustive",
                "--source",
                "uart 1",
            ][..],
            "not an interrupt source",
        ),
        (
            &[
                "explore",
                "scenarios/ring_buffer_safe.yaml",
                "--exhaustive",
                "--window",
                "9-3",
            ][..],
            "FIRST-LAST",
        ),
        (
            &[
                "run",
                "scenarios/ring_buffer_safe.yaml",
                "--inject",
                "timer 4",
            ][..],
            "SOURCE@op N",
        ),
    ] {
        let o = irqlab(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

// `vary: start` moves the program's start after power-on by a seed-drawn delay within the
// bound (its phase against the stimuli).
#[test]
fn vary_start_delays_the_program_within_the_bound() {
    let sc = vary_scenario("start", "ring_buffer_safe.py", "vary: {start: 1ms}");
    let start_ns = |seed: &str| {
        let o = irqlab(&["run", sc.to_str().unwrap(), "--seed", seed, "--timeline"]);
        let out = text(&o.stdout);
        let line = out
            .lines()
            .find(|l| l.contains("program start"))
            .expect("a start");
        let secs = line
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('s');
        (secs.parse::<f64>().unwrap() * 1e9).round() as u64
    };
    let starts: Vec<u64> = ["1", "2", "3"].iter().map(|s| start_ns(s)).collect();
    assert!(starts.iter().all(|&ns| ns <= 1_000_000), "{starts:?}");
    assert!(
        starts[0] != starts[1] || starts[1] != starts[2],
        "{starts:?}"
    );
}

// The text report prints no lines for a finding that has none and no latency heading without
// interrupts (issue 14: `lines 0/0`, an empty `worst latency per source:`).
#[test]
fn explore_text_shows_only_what_there_is() {
    let o = irqlab(&["explore", "scenarios/bounce.yaml", "--runs", "2"]);
    let out = text(&o.stdout);
    assert!(
        out.contains("  error queue-overflow `pin 4`: 2 of 2 runs; first seed 7\n"),
        "{out}"
    );
    assert!(!out.contains("lines 0/0"), "{out}");
    let sc = temp_dir("quiet").join("quiet.yaml");
    std::fs::write(
        &sc,
        "name: q\nversion: 1\nprogram: {inline: \"print(1)\"}\n",
    )
    .unwrap();
    let o = irqlab(&["explore", sc.to_str().unwrap(), "--runs", "2"]);
    let out = text(&o.stdout);
    assert!(out.contains("distinct traces: 1"), "{out}");
    assert!(!out.contains("worst latency per source"), "{out}");
}
