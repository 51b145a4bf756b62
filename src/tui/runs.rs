//! The TUI's runs: every run it shows goes through [`crate::run`], always with access
//! tracking (the findings pane), and becomes a [`Recording`] — the trace plus what the panes
//! show about the run (program text, name, seed, board, outcome) and its [`RunSpec`], so the
//! bytecode inspector (`ops.rs`) can run it again.

use std::path::Path;

use super::app::Recording;
use crate::run::{Loaded, Run, RunError, RunSpec};
use crate::trace::Trace;

/// `spec` as the TUI runs it: always with access tracking, for the findings pane (the same
/// run as `irqlab run --findings`).
pub fn tracked(spec: &RunSpec) -> RunSpec {
    RunSpec {
        track_access: true,
        ..spec.clone()
    }
}

/// What a run of `spec` shows besides its trace: program text, name, seed, board (the outcome
/// is `running` until the run ends).
pub fn meta(loaded: &Loaded, spec: &RunSpec) -> Recording {
    Recording {
        trace: Trace::default(),
        source: loaded.source.clone(),
        name: loaded.name.clone(),
        seed: loaded.seed(),
        board: loaded.board().name().to_string(),
        outcome: "running".into(),
        spec: spec.clone(),
    }
}

/// The finished `run` of `spec` as the TUI shows it (its trace moved out of the machine).
pub fn recording(mut run: Run, spec: &RunSpec) -> Recording {
    Recording {
        trace: std::mem::take(&mut run.machine.rt.trace),
        source: run.source,
        name: run.name,
        seed: run.seed,
        board: run.board.name().to_string(),
        outcome: run.outcome.name().to_string(),
        spec: spec.clone(),
    }
}

/// Runs `spec` (with access tracking) to its end and keeps what the TUI shows.
pub fn simulate(spec: &RunSpec) -> Result<Recording, RunError> {
    let spec = tracked(spec);
    Ok(recording(crate::run::run(&spec)?, &spec))
}

/// Runs a scenario (`.yaml`/`.yml`) or a program to completion and keeps what the TUI needs.
pub fn load(file: &Path, seed: Option<u64>) -> Result<Recording, RunError> {
    simulate(&RunSpec {
        seed,
        ..RunSpec::file(file)
    })
}
