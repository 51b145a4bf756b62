//! `irqlab explore`: run one scenario under many interrupt timings and collect what went wrong.
//!
//! Two modes (docs/explore.md):
//!
//! * **seeded** (`--runs N`): seeds `B..B+N`, each a full run with access tracking on. What a
//!   seed varies is declared by the scenario (`vary:` — timer phase, ISR entry jitter, program
//!   start — and its stimuli's jitter), so `irqlab run SCENARIO --seed S` replays any run
//!   exactly. The report gives the worst latency per interrupt source, each distinct finding
//!   with the number of runs that had it and the first seed that shows it, and failed
//!   expectations per seed.
//! * **bounded-exhaustive** (`--exhaustive`, [`exhaustive`]): one extra interrupt at every
//!   bytecode boundary of a window of the main program, or two (preemption bound 2).
//!
//! This is an edge module like `cli` and `bench`: it spreads whole runs over host threads
//! ([`pool`]) and reads the wall clock for the runs-per-minute line on stderr. Each run stays
//! single-threaded and deterministic, and the report (stdout, `--json`) is sorted by seed, so it
//! is the same for any `--jobs`.

pub mod exhaustive;
pub mod pool;
pub mod window;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::findings::{self, Rule, Severity, Thresholds};
use crate::run::{Injection, RunError, RunSpec};
use crate::scenario::{Scenario, is_scenario};
use crate::sim::Machine;
use crate::trace::Source;

/// Arguments of `irqlab explore`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    /// The scenario file (`.yaml`/`.yml`).
    pub file: PathBuf,
    /// How many seeds to run (seeded mode).
    #[arg(long, default_value_t = 100)]
    pub runs: u64,
    /// Worker threads (default: the host's cores). The report does not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// The first seed (default: the scenario's seed). Exhaustive mode runs with this seed.
    #[arg(long)]
    pub seed_base: Option<u64>,
    /// Run only shard I of N (`0/4`): every N-th seed (or interleaving) starting at I, so N
    /// machines split one exploration exactly.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write the report as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Bounded-exhaustive mode: one extra interrupt at every op boundary of the window.
    #[arg(long)]
    pub exhaustive: bool,
    /// The interrupt to inject (`timer 4`, `pin 5`, or a scenario source name); default: the
    /// only source the reference run raised.
    #[arg(long)]
    pub source: Option<String>,
    /// Lines of the main program to place interrupts in (`12-20`).
    #[arg(long, conflicts_with = "function")]
    pub window: Option<String>,
    /// Place interrupts while this function is on the main program's stack.
    #[arg(long)]
    pub function: Option<String>,
    /// Preemption bound: 1 (every boundary) or 2 (also every pair of boundaries).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub preemptions: u8,
    /// The most interleavings to run in exhaustive mode (nearest pairs first).
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
}

/// What an exploration found, ready to print.
pub struct Report {
    /// The exit code: 0 clean, 1 failures found.
    pub exit_code: i32,
    /// The text report (stdout).
    pub text: String,
    /// The JSON report (`--json`).
    pub json: serde_json::Value,
    /// Runs made.
    pub runs: usize,
    /// Worker threads used.
    pub jobs: usize,
    /// Host seconds the runs took (wall clock, for the speed line only).
    pub host_secs: f64,
}

impl Report {
    /// The speed line printed on stderr: runs, host time, threads, runs per minute.
    pub fn speed_line(&self) -> String {
        format!(
            "irqlab: {} runs in {:.2} s on {} thread{} ({:.0} runs per minute)",
            self.runs,
            self.host_secs,
            self.jobs,
            if self.jobs == 1 { "" } else { "s" },
            self.runs as f64 * 60.0 / self.host_secs.max(1e-9)
        )
    }
}

/// `irqlab explore`: runs the exploration `args` describe and returns its report.
pub fn explore(args: &ExploreArgs) -> Result<Report, RunError> {
    if !is_scenario(&args.file) {
        return Err(RunError::bad_option(format!(
            "{}: explore needs a scenario file (.yaml)",
            args.file.display()
        )));
    }
    let sc = Arc::new(Scenario::load(&args.file)?);
    // A bad program is reported once, not once per run.
    crate::run::load(&RunSpec::scenario(sc.clone()))?;
    let shard = parse_shard(args.shard.as_deref()).map_err(RunError::bad_option)?;
    let jobs = args.jobs.unwrap_or_else(pool::default_jobs).max(1);
    let t0 = wall_now();
    let (exit_code, text, json, runs) = if args.exhaustive {
        let r = exhaustive::explore(args, &sc, shard, jobs)?;
        (r.exit_code(), r.text(), r.json(), r.runs)
    } else {
        let seeds = shard_items(
            (0..args.runs).map(|i| args.seed_base.unwrap_or(sc.seed).wrapping_add(i)),
            shard,
        );
        let records = pool::map(seeds.len(), jobs, "runs", |i| {
            run_one(&sc, seeds[i], &[], None)
        });
        let records = records.into_iter().collect::<Result<Vec<_>, _>>()?;
        let mut r = Exploration::of(&args.file, &sc, shard, records);
        r.add_replay_hashes(&sc)?;
        (r.exit_code(), r.text(), r.json(), r.records.len())
    };
    Ok(Report {
        exit_code,
        text,
        json,
        runs,
        jobs,
        host_secs: t0.elapsed().as_secs_f64(),
    })
}

#[expect(
    clippy::disallowed_methods,
    reason = "explore reports host speed on stderr; the simulations never see the wall clock"
)]
fn wall_now() -> std::time::Instant {
    std::time::Instant::now()
}

/// `--shard i/n` as `(i, n)`; `(0, 1)` without it.
pub fn parse_shard(text: Option<&str>) -> Result<(u64, u64), String> {
    let Some(text) = text else {
        return Ok((0, 1));
    };
    let bad = || format!("--shard `{text}`: write I/N with 0 <= I < N, e.g. 0/4");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let i: u64 = i.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Every `n`-th item starting at `i`.
pub fn shard_items<T>(items: impl Iterator<Item = T>, (i, n): (u64, u64)) -> Vec<T> {
    items
        .enumerate()
        .filter(|(k, _)| *k as u64 % n == i)
        .map(|(_, t)| t)
        .collect()
}

/// A finding as exploration tells findings apart: rule, subject and lines.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingKey {
    /// The rule.
    pub rule: Rule,
    /// What it is about (`count`, `buf[]`, a function, a source).
    pub subject: String,
    /// The line at fault (0: none, e.g. a queue overflow).
    pub line: u32,
    /// The other context's line (0: none).
    pub other_line: u32,
}

impl FindingKey {
    /// ` lines 12/30`, ` line 12`, or nothing for a finding without lines (a queue overflow).
    pub fn lines_text(&self) -> String {
        match (self.line, self.other_line) {
            (0, 0) => String::new(),
            (a, 0) | (0, a) => format!(" line {a}"),
            (a, b) => format!(" lines {a}/{b}"),
        }
    }
}

/// What one run left behind (a run's `Machine` is not kept: it is large and not `Send`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    /// The seed.
    pub seed: u64,
    /// The run's fingerprint ([`fingerprint`]): equal for equal interleavings.
    pub fingerprint: u64,
    /// Distinct findings.
    pub findings: Vec<FindingKey>,
    /// Error-severity findings of rules the scenario does not expect.
    pub unexpected_errors: usize,
    /// Failed expectations: `what (actual: ...)`.
    pub failed: Vec<String>,
    /// Worst latency per interrupt source, in ns.
    pub worst_latency_ns: Vec<(Source, u64)>,
    /// The limit of irqlab's the run reached (it stopped there), if any.
    pub limit: Option<crate::rt::RunLimit>,
}

impl RunRecord {
    /// True if the run lost data: a lost update, a torn read, or a failed expectation.
    pub fn lost_data(&self) -> bool {
        !self.failed.is_empty()
            || self
                .findings
                .iter()
                .any(|f| matches!(f.rule, Rule::LostUpdate | Rule::TornRead))
    }
}

/// The run of `sc` with `seed` and access tracking on, as every exploration run is.
pub fn spec(sc: &Arc<Scenario>, seed: u64) -> RunSpec {
    RunSpec {
        seed: Some(seed),
        track_access: true,
        ..RunSpec::scenario(sc.clone())
    }
}

/// Runs `sc` with `seed`, access tracking on and `injections`; `prepare` may install hooks.
pub fn run_one(
    sc: &Arc<Scenario>,
    seed: u64,
    injections: &[Injection],
    prepare: Option<&dyn Fn(&mut Machine)>,
) -> Result<RunRecord, RunError> {
    let spec = RunSpec {
        injections: injections.to_vec(),
        ..spec(sc, seed)
    };
    let run = match prepare {
        Some(prepare) => crate::run::run_with(&spec, prepare)?,
        None => crate::run::run(&spec)?,
    };
    let trace = run.machine.trace();
    let found = findings::all(trace, &Thresholds::default());
    let expected = |r: Rule| sc.expect.findings.as_ref().is_some_and(|v| v.contains(&r));
    let unexpected_errors = found
        .iter()
        .filter(|f| f.severity() == Severity::Error && !expected(f.rule))
        .count();
    let keys: BTreeSet<FindingKey> = found
        .iter()
        .map(|f| FindingKey {
            rule: f.rule,
            subject: f.subject.clone(),
            line: f.line,
            other_line: f.other_line,
        })
        .collect();
    let summary = crate::analysis::summarize(trace);
    Ok(RunRecord {
        seed,
        fingerprint: fingerprint(trace),
        findings: keys.into_iter().collect(),
        unexpected_errors,
        failed: run
            .expectations
            .iter()
            .filter(|e| !e.ok)
            .map(|e| format!("{} (actual: {})", e.what, e.actual))
            .collect(),
        worst_latency_ns: summary
            .sources
            .iter()
            .filter(|(_, s)| s.latency.n > 0)
            .map(|(src, s)| (*src, s.latency.max_ns))
            .collect(),
        limit: match run.outcome {
            crate::sim::Outcome::LimitReached(limit) => Some(limit),
            _ => None,
        },
    })
}

/// A cheap fingerprint of a run: every event's time, line, context and kind, and the console
/// text. Two runs with the same interleaving have the same fingerprint; it is not the trace
/// hash of `irqlab run --json` (that one formats the whole timeline, which costs more than the
/// run itself), which the report gives for each finding's replay seed instead.
pub fn fingerprint(trace: &crate::trace::Trace) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for e in &trace.events {
        h.write_u64(e.at.as_ns());
        h.write_u32(e.line);
        h.write_u8(e.ctx as u8);
        std::mem::discriminant(&e.kind).hash(&mut h);
    }
    h.write(trace.console().as_bytes());
    h.finish()
}

/// FNV-1a as a `Hasher` (deterministic, unlike the standard library's keyed hasher).
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The `irqlab run` command that replays `seed` (plus `extra` options).
pub fn replay_command(file: &Path, seed: u64, extra: &str) -> String {
    let path = file.display().to_string();
    let path = if path.contains(' ') {
        format!("'{path}'")
    } else {
        path
    };
    format!("irqlab run {path} --seed {seed}{extra} --findings")
}

/// The aggregated result of a seeded exploration.
pub struct Exploration {
    file: PathBuf,
    shard: (u64, u64),
    /// Every run, by seed.
    pub records: Vec<RunRecord>,
    hashes: BTreeSet<u64>,
    /// Source → (worst latency ns, first seed with it).
    worst: BTreeMap<Source, (u64, u64)>,
    /// Finding → (runs that had it, first seed).
    findings: BTreeMap<FindingKey, (usize, u64)>,
    expected: Vec<Rule>,
    /// Seed → trace hash (as `irqlab run --json` reports it), for the seeds the report names.
    replay_hashes: BTreeMap<u64, u64>,
}

impl Exploration {
    /// Aggregates `records` (sorted here by seed).
    pub fn of(file: &Path, sc: &Scenario, shard: (u64, u64), mut records: Vec<RunRecord>) -> Self {
        records.sort_by_key(|r| r.seed);
        let mut worst: BTreeMap<Source, (u64, u64)> = BTreeMap::new();
        let mut found: BTreeMap<FindingKey, (usize, u64)> = BTreeMap::new();
        for r in &records {
            for (src, ns) in &r.worst_latency_ns {
                let e = worst.entry(*src).or_insert((*ns, r.seed));
                if *ns > e.0 {
                    *e = (*ns, r.seed);
                }
            }
            for f in &r.findings {
                found.entry(f.clone()).or_insert((0, r.seed)).0 += 1;
            }
        }
        Exploration {
            file: file.to_owned(),
            shard,
            hashes: records.iter().map(|r| r.fingerprint).collect(),
            records,
            worst,
            findings: found,
            expected: sc.expect.findings.clone().unwrap_or_default(),
            replay_hashes: BTreeMap::new(),
        }
    }

    /// Re-runs each seed a finding names to record its full trace hash, so a replay can be
    /// checked against `irqlab run --seed S --findings --json`.
    pub fn add_replay_hashes(&mut self, sc: &Arc<Scenario>) -> Result<(), RunError> {
        let seeds: BTreeSet<u64> = self.findings.values().map(|(_, seed)| *seed).collect();
        for seed in seeds {
            let run = crate::run::run(&spec(sc, seed))?;
            self.replay_hashes.insert(seed, run.machine.trace().hash());
        }
        Ok(())
    }

    fn replay_hash(&self, seed: u64) -> String {
        self.replay_hashes
            .get(&seed)
            .map_or_else(String::new, |h| format!("{h:016x}"))
    }

    /// 3 if a run reached a limit of irqlab's (its results are partial), else 1 if a run failed
    /// an expectation or had an unexpected error finding, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.records.iter().any(|r| r.limit.is_some()) {
            return 3;
        }
        let bad = self
            .records
            .iter()
            .any(|r| !r.failed.is_empty() || r.unexpected_errors > 0);
        i32::from(bad)
    }

    /// The text report.
    pub fn text(&self) -> String {
        let mut s = format!(
            "--- irqlab explore: {} ---\nruns: {}{}; distinct traces: {}\n",
            self.file.display(),
            self.records.len(),
            match (self.records.first(), self.records.last(), self.shard) {
                (Some(a), Some(b), (i, n)) if n > 1 =>
                    format!(" (seeds {}..={}, shard {i}/{n})", a.seed, b.seed),
                (Some(a), Some(b), _) => format!(" (seeds {}..={})", a.seed, b.seed),
                _ => String::new(),
            },
            self.hashes.len()
        );
        if self.hashes.len() == 1 && self.records.len() > 1 {
            s.push_str(
                "note: every seed gave the same trace: the scenario varies nothing with the \
                 seed (add `vary:` or jittered stimuli, docs/explore.md)\n",
            );
        }
        if !self.worst.is_empty() {
            s.push_str("worst latency per source:\n");
        }
        for (src, (ns, seed)) in &self.worst {
            s.push_str(&format!(
                "  {:<10} {:>12} us  seed {seed}\n",
                src.to_string(),
                crate::analysis::us(*ns)
            ));
        }
        s.push_str(&format!("findings: {} distinct\n", self.findings.len()));
        for (k, (n, seed)) in &self.findings {
            let expected = if self.expected.contains(&k.rule) {
                " (expected)"
            } else {
                ""
            };
            s.push_str(&format!(
                "  {} {} `{}`{}: {n} of {} runs{expected}; first seed {seed}\n    replay: {}  (trace hash {})\n",
                k.rule.severity().name(),
                k.rule.name(),
                k.subject,
                k.lines_text(),
                self.records.len(),
                replay_command(&self.file, *seed, ""),
                self.replay_hash(*seed)
            ));
        }
        let failed: Vec<&RunRecord> = self
            .records
            .iter()
            .filter(|r| !r.failed.is_empty())
            .collect();
        s.push_str(&format!("failed expectations: {} run(s)\n", failed.len()));
        for r in failed {
            for f in &r.failed {
                s.push_str(&format!("  seed {}: {f}\n", r.seed));
            }
        }
        for r in self.records.iter().filter(|r| r.limit.is_some()) {
            if let Some(limit) = r.limit {
                s.push_str(&format!("limit reached: seed {}: {limit}\n", r.seed));
            }
        }
        s
    }

    /// The JSON report (per-run records included, so shards can be merged by seed).
    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        json!({
            "irqlab": env!("CARGO_PKG_VERSION"),
            "mode": "seeded",
            "scenario": self.file.display().to_string(),
            "shard": format!("{}/{}", self.shard.0, self.shard.1),
            "runs": self.records.len(),
            "distinct_traces": self.hashes.len(),
            "worst_latency": self.worst.iter().map(|(src, (ns, seed))| json!({
                "source": src.to_string(), "latency_ns": ns, "seed": seed,
            })).collect::<Vec<_>>(),
            "findings": self.findings.iter().map(|(k, (n, seed))| json!({
                "rule": k.rule.name(), "severity": k.rule.severity().name(),
                "subject": k.subject, "line": k.line, "other_line": k.other_line,
                "runs": n, "first_seed": seed,
                "replay": replay_command(&self.file, *seed, ""),
                "replay_trace_hash": self.replay_hash(*seed),
            })).collect::<Vec<_>>(),
            "exit_code": self.exit_code(),
            "per_run": self.records.iter().map(|r| json!({
                "seed": r.seed,
                "fingerprint": format!("{:016x}", r.fingerprint),
                "findings": r.findings.iter().map(|k| format!(
                    "{} {} {}/{}", k.rule.name(), k.subject, k.line, k.other_line
                )).collect::<Vec<_>>(),
                "failed": r.failed,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shards partition the items: every item in exactly one shard, in order.
    #[test]
    fn shards_partition_the_seeds() {
        let all: Vec<u64> = (10..33).collect();
        let mut merged: Vec<u64> = (0..3)
            .flat_map(|i| shard_items(all.iter().copied(), (i, 3)))
            .collect();
        merged.sort_unstable();
        assert_eq!(merged, all);
        assert_eq!(shard_items(all.iter().copied(), (1, 3))[..2], [11, 14]);
        assert_eq!(parse_shard(Some("1/4")), Ok((1, 4)));
        assert!(parse_shard(Some("4/4")).is_err());
        assert!(parse_shard(Some("1")).is_err());
        assert_eq!(parse_shard(None), Ok((0, 1)));
    }

    // A run that reached a limit of irqlab's makes the exploration exit 3 and is named (issue
    // 14: exit codes), before a failed expectation's 1.
    #[test]
    fn a_reached_limit_is_exit_3() {
        let sc = Scenario::parse("name: x\nversion: 1\n", Path::new("x.yaml")).expect("valid");
        let record = |seed, limit| RunRecord {
            seed,
            fingerprint: seed,
            findings: Vec::new(),
            unexpected_errors: 0,
            failed: vec!["x".into()],
            worst_latency_ns: Vec::new(),
            limit,
        };
        let ok = Exploration::of(Path::new("x.yaml"), &sc, (0, 1), vec![record(1, None)]);
        assert_eq!(ok.exit_code(), 1);
        let limit = crate::rt::RunLimit::Trace { max_events: 5 };
        let ex = Exploration::of(
            Path::new("x.yaml"),
            &sc,
            (0, 1),
            vec![record(1, None), record(2, Some(limit))],
        );
        assert_eq!(ex.exit_code(), 3);
        assert!(
            ex.text()
                .contains("limit reached: seed 2: the trace limit (MAX_TRACE_EVENTS = 5 events)"),
            "{}",
            ex.text()
        );
    }
}
