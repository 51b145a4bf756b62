//! `irqlab fuzz`: generated and mutated programs and scenarios run in-process through the one
//! run entry point ([`crate::run::run`]), each case's panic caught and reported with its input
//! (issue 14; docs/reliability.md).
//!
//! A case is a pure function of `(seed, index)`: even indices are programs, odd ones scenarios;
//! within each kind, half are written by the grammar ([`program::generate`],
//! [`scenario::generate`]) and half are mutations of the shipped corpus
//! (`tests/data/conformance/**.py`, `scenarios/*.yaml`). Every case runs with a short
//! simulated-time limit. What counts as a failure: a panic (our bug), or a case whose host
//! time exceeds [`SLOW_CASE_MS`] (an input that makes host time outgrow simulated time).
//! A Python exception, a syntax error or a refused scenario is the program's or the file's
//! behaviour, not a failure.
//!
//! Failures are minimized (lines, then bytes, removed while the failure stays) and can be
//! saved into the corpus of regressions, `tests/data/fuzz/`, which the test suite replays.

pub mod program;
pub mod scenario;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::rng::{Rng, stream_id};
use crate::run::{RunSpec, run};
use crate::time::SimDuration;

/// Simulated time each case may run: long enough for timers, stimuli and asyncio to act.
pub const CASE_LIMIT: SimDuration = SimDuration::from_ms(50);

/// A case slower than this on the host is a failure (a hang, or host time outgrowing the
/// simulated time limit; docs/reliability.md states the bound).
pub const SLOW_CASE_MS: u64 = 5_000;

/// What one fuzz case feeds irqlab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseInput {
    /// A MicroPython program's text.
    Program(String),
    /// A scenario file's bytes (not necessarily UTF-8).
    Scenario(Vec<u8>),
}

/// One case: where it came from and its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The fuzz seed.
    pub seed: u64,
    /// The case's index under that seed.
    pub index: u64,
    /// The input.
    pub input: CaseInput,
}

/// A case that failed, with what went wrong.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The case (minimized when the driver was asked to).
    pub case: Case,
    /// The panic message, or why the case counts as a hang.
    pub message: String,
}

/// The corpus the mutators start from: real programs and scenarios of the repository.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    /// Program texts (the conformance programs).
    pub programs: Vec<String>,
    /// Scenario texts (the shipped scenarios, their programs inlined where they are files).
    pub scenarios: Vec<String>,
}

impl Corpus {
    /// The corpus of the repository at `root`: `tests/data/conformance/**.py` and
    /// `scenarios/*.yaml` (sorted by path, so a seed means the same cases everywhere).
    pub fn load(root: &Path) -> Corpus {
        let mut programs = files_under(&root.join("tests/data/conformance"), "py");
        programs.sort();
        let mut scenarios = files_under(&root.join("scenarios"), "yaml");
        scenarios.sort();
        let read = |paths: Vec<PathBuf>| -> Vec<String> {
            paths
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        };
        Corpus {
            programs: read(programs),
            scenarios: read(scenarios),
        }
    }
}

fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out
}

/// Case `index` of `seed`: a pure function of its arguments and the corpus.
pub fn case(seed: u64, index: u64, corpus: &Corpus) -> Case {
    let mut rng = Rng::from_seed(seed).fork(stream_id("fuzz")).fork(index);
    let mutate = rng.below(2) == 0;
    let input = if index.is_multiple_of(2) {
        if mutate && !corpus.programs.is_empty() {
            let base = &corpus.programs[rng.below(corpus.programs.len() as u64) as usize];
            CaseInput::Program(program::mutate(&mut rng, base))
        } else {
            let n = 4 + rng.below(16) as usize;
            CaseInput::Program(program::generate(&mut rng, n))
        }
    } else if mutate && !corpus.scenarios.is_empty() {
        let base = &corpus.scenarios[rng.below(corpus.scenarios.len() as u64) as usize];
        CaseInput::Scenario(scenario::mutate_bytes(&mut rng, base.as_bytes()))
    } else {
        CaseInput::Scenario(scenario::generate(&mut rng).into_bytes())
    };
    Case { seed, index, input }
}

/// Runs `input` once through the run entry point; `Err` with the panic message if irqlab
/// panicked. Errors of the input (syntax, scenario) and Python exceptions are `Ok`.
pub fn run_input(input: &CaseInput) -> Result<(), String> {
    let spec = match input {
        CaseInput::Program(text) => RunSpec::source("fuzz.py", text.clone()),
        CaseInput::Scenario(bytes) => {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return Ok(()); // refused as unreadable before parsing: nothing to run
            };
            // A scenario names its program relative to its own folder: the shipped ones'
            // programs are found from `scenarios/`.
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fuzz.yaml");
            match crate::scenario::Scenario::parse(text, &path) {
                Ok(sc) => RunSpec::scenario(Arc::new(sc)),
                Err(_) => return Ok(()),
            }
        }
    };
    let spec = RunSpec {
        until: Some(CASE_LIMIT),
        ..spec
    };
    match std::panic::catch_unwind(AssertUnwindSafe(|| run(&spec).map(|_| ()))) {
        Ok(_) => Ok(()),
        Err(payload) => Err(panic_text(payload.as_ref())),
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Runs `input` and times it on the host; a panic or a case slower than [`SLOW_CASE_MS`] is
/// a failure message.
pub fn check_input(input: &CaseInput) -> Result<(), String> {
    let started = wall_clock();
    run_input(input)?;
    let host = wall_clock().saturating_duration_since(started);
    if host > Duration::from_millis(SLOW_CASE_MS) {
        return Err(format!(
            "took {} ms of host time for at most {} of simulated time",
            host.as_millis(),
            CASE_LIMIT
        ));
    }
    Ok(())
}

#[expect(
    clippy::disallowed_methods,
    reason = "the fuzzer is a front end: it times cases on the host to find hangs"
)]
fn wall_clock() -> std::time::Instant {
    std::time::Instant::now()
}

/// How to run a fuzz campaign.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// The seed of every case.
    pub seed: u64,
    /// First case index (inclusive).
    pub start: u64,
    /// Number of cases.
    pub cases: u64,
    /// Worker threads (results do not depend on it).
    pub jobs: usize,
    /// Minimize each failure before reporting it.
    pub minimize: bool,
}

/// What a campaign found: counts per kind and the failures, ordered by case index.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Program cases run.
    pub programs: u64,
    /// Scenario cases run.
    pub scenarios: u64,
    /// The failing cases.
    pub failures: Vec<Failure>,
}

/// Runs every case of `campaign`, calling `progress` with the number done after each.
///
/// Panics inside cases are caught; the default panic hook is silenced meanwhile (and put back
/// after), so the terminal shows only the summary.
pub fn fuzz(campaign: &Campaign, corpus: &Corpus, progress: &(dyn Fn(u64) + Sync)) -> Outcome {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let jobs = campaign.jobs.max(1) as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut per_worker: Vec<Vec<Failure>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs)
            .map(|w| {
                let done = &done;
                s.spawn(move || {
                    let mut failures = Vec::new();
                    let mut i = campaign.start + w;
                    while i < campaign.start + campaign.cases {
                        let c = case(campaign.seed, i, corpus);
                        if let Err(message) = check_input(&c.input) {
                            let c = if campaign.minimize { minimize(&c) } else { c };
                            failures.push(Failure { case: c, message });
                        }
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        progress(n);
                        i += jobs;
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("fuzz worker threads catch every panic"))
            .collect()
    });
    std::panic::set_hook(hook);
    let mut failures: Vec<Failure> = per_worker.drain(..).flatten().collect();
    failures.sort_by_key(|f| f.case.index);
    let programs = (campaign.start..campaign.start + campaign.cases)
        .filter(|i| i % 2 == 0)
        .count() as u64;
    Outcome {
        programs,
        scenarios: campaign.cases - programs,
        failures,
    }
}

/// The smallest input found by removing lines (programs) or byte runs (scenarios) of `c`
/// while it still fails; bounded to a few hundred runs.
pub fn minimize(c: &Case) -> Case {
    let fails = |input: &CaseInput| check_input(input).is_err();
    let input = match &c.input {
        CaseInput::Program(text) => {
            let lines: Vec<&str> = text.lines().collect();
            let kept = shrink(lines, |ls| fails(&CaseInput::Program(ls.join("\n") + "\n")));
            CaseInput::Program(kept.join("\n") + "\n")
        }
        CaseInput::Scenario(bytes) => {
            let kept = shrink(bytes.clone(), |bs| fails(&CaseInput::Scenario(bs.to_vec())));
            CaseInput::Scenario(kept)
        }
    };
    Case { input, ..c.clone() }
}

/// Delta debugging light: try removing chunks of halving size while `still_fails` holds;
/// at most [`MAX_MINIMIZE_RUNS`] tries.
fn shrink<T: Clone>(mut items: Vec<T>, still_fails: impl Fn(&[T]) -> bool) -> Vec<T> {
    let mut tries = 0;
    let mut chunk = items.len().div_ceil(2).max(1);
    while chunk >= 1 && tries < MAX_MINIMIZE_RUNS {
        let mut at = 0;
        while at < items.len() && tries < MAX_MINIMIZE_RUNS {
            let end = (at + chunk).min(items.len());
            let mut candidate = items.clone();
            candidate.drain(at..end);
            tries += 1;
            if !candidate.is_empty() && still_fails(&candidate) {
                items = candidate;
            } else {
                at = end;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    items
}

/// Most runs spent minimizing one failure.
pub const MAX_MINIMIZE_RUNS: usize = 400;

/// Saves a failure into `dir` as `<seed>-<index>.py` or `.yaml` (with its message as a first
/// comment line); returns the path.
pub fn save(dir: &Path, f: &Failure) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let first_line = f.message.lines().next().unwrap_or("");
    let (ext, body): (&str, Vec<u8>) = match &f.case.input {
        CaseInput::Program(t) => ("py", t.clone().into_bytes()),
        CaseInput::Scenario(b) => ("yaml", b.clone()),
    };
    let path = dir.join(format!("{}-{}.{ext}", f.case.seed, f.case.index));
    let mut text = format!("# irqlab fuzz: {first_line}\n").into_bytes();
    text.extend(body);
    std::fs::write(&path, text)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases are a function of (seed, index): the same pair gives the same input, and both
    // kinds of input are produced.
    #[test]
    fn cases_are_deterministic() {
        let corpus = Corpus::load(Path::new(env!("CARGO_MANIFEST_DIR")));
        assert!(!corpus.programs.is_empty() && !corpus.scenarios.is_empty());
        for i in 0..20 {
            assert_eq!(case(3, i, &corpus), case(3, i, &corpus));
        }
        assert!(matches!(case(3, 0, &corpus).input, CaseInput::Program(_)));
        assert!(matches!(case(3, 1, &corpus).input, CaseInput::Scenario(_)));
    }

    // Minimizing keeps the failure and drops what it does not need.
    #[test]
    fn shrink_keeps_what_fails() {
        let items: Vec<u32> = (0..100).collect();
        let kept = shrink(items, |xs| xs.contains(&42) && xs.contains(&7));
        assert_eq!(kept, vec![7, 42]);
    }
}
