//! The command line: `irqlab run`, `irqlab explore`, `irqlab disasm`, `irqlab bench`, `irqlab tui`,
//! `irqlab fuzz`.
//!
//! [`Cli`] is clap's raw view of the arguments; each subcommand's file turns its arguments into
//! a typed [`crate::run::RunSpec`] (or its front end's options), calls the front end and prints
//! what it returns. [`run`] maps the result to the exit code: 0 when the program ran and every
//! expectation held, 1 when an expectation failed, 2 for bad input (unreadable file, invalid
//! scenario, Python syntax error, bad option) — ripgrep's and LabWired's convention
//! (anchors.md §4) — and 3 when the run reached a limit of irqlab's (the event queue, the
//! trace: `crate::rt::RunLimit`) and stopped there. Nothing imports this module but `main.rs`.

pub mod bench;
pub mod disasm;
pub mod explore;
pub mod fuzz;
pub mod run;
pub mod tui;

use clap::{Parser, Subcommand};

use crate::hw::BoardKind;
use crate::run::RunError;
use crate::scenario::units::parse_duration;
use crate::time::SimDuration;

/// irqlab: run MicroPython programs on a deterministic virtual ESP32 and see every interrupt.
#[derive(Parser, Debug)]
#[command(name = "irqlab", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario (`.yaml`) or a MicroPython program (`.py`) and report its interrupts.
    Run(run::RunArgs),
    /// Run a scenario under many interrupt timings (seeds, or every op boundary of a window)
    /// and report worst latencies and findings with the command that replays each.
    Explore(crate::explore::ExploreArgs),
    /// Print the bytecode of a program, with source lines and the cost of each op.
    Disasm(disasm::DisasmArgs),
    /// Measure irqlab's speed (VM throughput against CPython, simulated vs host time).
    Bench(bench::BenchArgs),
    /// Run generated and mutated programs and scenarios, catching panics and hangs.
    Fuzz(fuzz::FuzzArgs),
    /// Run a scenario or program, then browse its trace: timeline, pins, source, latencies,
    /// findings; `--live` watches the simulation run instead.
    Tui(tui::TuiArgs),
}

/// Runs the command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let res = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Explore(args) => explore::run(&args),
        Command::Disasm(args) => disasm::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Tui(args) => tui::run(args),
        Command::Fuzz(args) => fuzz::run(&args),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("irqlab: {e}");
            2
        }
    }
}

/// `--until TIME` (the scenario-file duration syntax: `500ms`, `2s`, `250us`, `250µs`).
fn parse_until(text: Option<&str>) -> Result<Option<SimDuration>, RunError> {
    text.map(|t| parse_duration(t).map_err(|e| RunError::bad_option(format!("--until: {e}"))))
        .transpose()
}

/// `--board NAME`.
fn parse_board(name: &str) -> Result<BoardKind, RunError> {
    BoardKind::from_name(name).ok_or_else(|| {
        RunError::bad_option(format!(
            "--board: unknown board '{name}' (known: {})",
            BoardKind::NAMES.join(", ")
        ))
    })
}
