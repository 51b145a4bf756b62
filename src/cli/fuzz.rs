//! `irqlab fuzz`: run generated and mutated programs and scenarios until something panics or
//! hangs (docs/reliability.md).

use std::path::PathBuf;

use crate::fuzz::{Campaign, CaseInput, Corpus, fuzz, save};
use crate::run::RunError;

/// Arguments of `irqlab fuzz`.
#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// Number of cases (half programs, half scenarios).
    #[arg(long, default_value_t = 10_000)]
    pub cases: u64,
    /// The seed of every case.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Index of the first case (to resume a campaign or replay one case with `--cases 1`).
    #[arg(long, default_value_t = 0)]
    pub start: u64,
    /// Worker threads; results do not depend on it.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Save each failure, minimized, into this folder (the regression corpus is
    /// `tests/data/fuzz/`, which the test suite replays).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// The repository whose conformance programs and scenarios the mutators start from.
    #[arg(long, default_value = ".")]
    pub corpus: PathBuf,
}

/// Runs the campaign, prints a summary and each failure; exit 1 when anything failed.
pub fn run(args: &FuzzArgs) -> Result<i32, RunError> {
    let corpus = Corpus::load(&args.corpus);
    if corpus.programs.is_empty() {
        return Err(RunError::bad_option(format!(
            "--corpus: no conformance programs under {}",
            args.corpus.join("tests/data/conformance").display()
        )));
    }
    let campaign = Campaign {
        seed: args.seed,
        start: args.start,
        cases: args.cases,
        jobs: args.jobs,
        minimize: args.save.is_some(),
    };
    let step = (args.cases / 20).max(1);
    let progress = |n: u64| {
        if n.is_multiple_of(step) {
            eprintln!("irqlab fuzz: {n} of {} cases", args.cases);
        }
    };
    let outcome = fuzz(&campaign, &corpus, &progress);
    println!(
        "fuzz seed {}: {} programs, {} scenarios (cases {}..{}), {} failures",
        args.seed,
        outcome.programs,
        outcome.scenarios,
        args.start,
        args.start + args.cases,
        outcome.failures.len()
    );
    for f in &outcome.failures {
        println!("case {}: {}", f.case.index, f.message);
        match &args.save {
            Some(dir) => {
                let path = save(dir, f)
                    .map_err(|e| RunError::io(format!("{}: cannot write: {e}", dir.display())))?;
                println!("  saved as {}", path.display());
            }
            None => print_input(&f.case.input),
        }
        println!(
            "  replay: irqlab fuzz --seed {} --start {} --cases 1",
            f.case.seed, f.case.index
        );
    }
    Ok(if outcome.failures.is_empty() { 0 } else { 1 })
}

fn print_input(input: &CaseInput) {
    let text = match input {
        CaseInput::Program(t) => t.clone(),
        CaseInput::Scenario(b) => String::from_utf8_lossy(b).into_owned(),
    };
    for line in text.lines().take(40) {
        println!("  | {}", line.escape_debug());
    }
}
