//! The fuzzer inside the suite: a bounded campaign of generated and mutated programs and
//! scenarios (about 20 s), and a replay of every saved regression in `tests/data/fuzz/`.
//! The long campaigns run with `irqlab fuzz` (docs/reliability.md).

use std::path::Path;

use irqlab::fuzz::{Campaign, CaseInput, Corpus, Kind, check_input, fuzz};

/// Cases of the in-suite campaign (half programs, half scenarios).
const SUITE_CASES: u64 = 20_000;

// No generated or mutated input panics irqlab or runs for seconds of host time.
#[test]
fn bounded_campaign_finds_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = Corpus::load(root);
    let campaign = Campaign {
        seed: 2026,
        start: 0,
        cases: SUITE_CASES,
        kind: Kind::Mixed,
        jobs: 2,
        minimize: false,
    };
    let outcome = fuzz(&campaign, &corpus, &|_| {});
    assert_eq!(outcome.programs + outcome.scenarios, SUITE_CASES);
    let report: Vec<String> = outcome
        .failures
        .iter()
        .map(|f| {
            format!(
                "case {} ({}): {}\n  replay: irqlab fuzz --seed {} --start {} --cases 1",
                f.case.index,
                match f.case.input {
                    CaseInput::Program(_) => "program",
                    CaseInput::Scenario(_) => "scenario",
                },
                f.message,
                f.case.seed,
                f.case.index
            )
        })
        .collect();
    assert!(report.is_empty(), "fuzz failures:\n{}", report.join("\n"));
}

// Every input that once failed (saved, minimized, by `irqlab fuzz --save tests/data/fuzz`)
// now runs cleanly.
#[test]
fn saved_regressions_run_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/fuzz exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py" || e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the regression corpus is empty");
    for path in files {
        let bytes = std::fs::read(&path).expect("readable");
        let input = if path.extension().is_some_and(|e| e == "py") {
            CaseInput::Program(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            CaseInput::Scenario(bytes)
        };
        if let Err(message) = check_input(&input) {
            panic!("{}: {message}", path.display());
        }
    }
}
