//! `irqlab tui FILE`: the interactive trace browser of [`crate::tui`], replayed or live.

use std::path::PathBuf;

use crate::run::{RunError, RunSpec};
use crate::scenario::is_scenario;

/// Arguments of `irqlab tui`.
#[derive(clap::Args, Debug)]
pub struct TuiArgs {
    /// A scenario file (`.yaml`/`.yml`) or a MicroPython program (`.py`).
    pub file: PathBuf,
    /// The seed for every random choice (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop at this simulated time (e.g. `500ms`, `2s`), as `irqlab run --until`.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// The board for a `.py` program: `esp32` (default) or `pyboard` (a scenario names its own).
    #[arg(long, default_value = "esp32")]
    pub board: String,
    /// Live mode: the simulation runs on its own thread while the screen follows it,
    /// paced to wall clock × speed (`<`/`>`), pausable (`space`).
    #[arg(long)]
    pub live: bool,
}

/// The run the TUI shows: the same as `irqlab run --findings FILE [--seed N] [--until T]
/// [--board B]`.
pub fn spec(args: &TuiArgs) -> Result<RunSpec, RunError> {
    let board = if is_scenario(&args.file) {
        None
    } else {
        Some(super::parse_board(&args.board)?)
    };
    Ok(RunSpec {
        board,
        seed: args.seed,
        until: super::parse_until(args.until.as_deref())?,
        track_access: true,
        ..RunSpec::file(args.file.clone())
    })
}

/// Runs the TUI; returns the exit code.
pub fn run(args: TuiArgs) -> Result<i32, RunError> {
    crate::tui::run(spec(&args)?, args.live)
}
