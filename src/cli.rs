//! The command line: `irqlab run`, `irqlab explore`, `irqlab disasm`, `irqlab bench`, `irqlab tui`.
//!
//! [`Cli`] is clap's raw view of the arguments; [`run`] validates them, runs the simulation and
//! returns the exit code: 0 when the program ran and every expectation held, 1 when an
//! expectation failed, 2 for bad input (unreadable file, invalid scenario, Python syntax
//! error) — ripgrep's and LabWired's convention (anchors.md §4).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::analysis::{self, report};
use crate::hw::profile::BoardProfile;
use crate::py::compiler::compile_module;
use crate::sim::{Machine, Outcome, RunConfig};
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
    Run(RunArgs),
    /// Run a scenario under many interrupt timings (seeds, or every op boundary of a window)
    /// and report worst latencies and findings with the command that replays each.
    Explore(crate::explore::ExploreArgs),
    /// Print the bytecode of a program, with source lines and the cost of each op.
    Disasm {
        /// The `.py` file.
        file: PathBuf,
    },
    /// Measure irqlab's speed (VM throughput against CPython, simulated vs host time).
    Bench {
        /// Iterations of the pure-Python benchmark loop.
        #[arg(long, default_value_t = 2_000_000)]
        iterations: u64,
        /// The folder of shipped scenarios.
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
    },
    /// Run a scenario or program, then browse its trace: timeline, pins, source, latencies,
    /// findings; `--live` watches the simulation run instead.
    Tui {
        /// A scenario file (`.yaml`/`.yml`) or a MicroPython program (`.py`).
        file: PathBuf,
        /// The seed for every random choice (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Stop at this simulated time (e.g. `500ms`, `2s`), as `irqlab run --until`.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Live mode: the simulation runs on its own thread while the screen follows it,
        /// paced to wall clock × speed (`<`/`>`), pausable (`space`).
        #[arg(long)]
        live: bool,
    },
}

/// Arguments of `irqlab run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// A scenario file (`.yaml`/`.yml`) or a MicroPython program (`.py`).
    pub file: PathBuf,
    /// Print only what the program printed (`\n` line endings), for byte-for-byte comparison.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the event timeline after the program's output.
    #[arg(long)]
    pub timeline: bool,
    /// Write a machine-readable report (irqlab version, seed, trace hash, statistics).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Stop at this simulated time (e.g. `500ms`, `2s`, `250us`).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// The seed for every random choice (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Record reads and writes of globals and report race findings (lost updates).
    #[arg(long)]
    pub findings: bool,
    /// The board for a `.py` program: `esp32` (default) or `pyboard` (a scenario names its own).
    #[arg(long, default_value = "esp32")]
    pub board: String,
    /// Start with an emergency exception buffer of this many bytes, as MicroPython's unix port
    /// (256) has: for comparing with outputs recorded there. The boards start with none.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    pub emergency_exception_buf: usize,
    /// Raise one extra interrupt just before the main program's op N (`"timer 4@op 1234"`;
    /// repeatable), as `irqlab explore --exhaustive` prints it.
    #[arg(long, value_name = "SOURCE@op N")]
    pub inject: Vec<String>,
}

/// The default simulated-time limit of a run without `--until` or a scenario timeout.
pub const DEFAULT_LIMIT: SimDuration = SimDuration::from_secs(10);

/// A user-facing error: message (naming file:line:col where known) and exit code 2.
#[derive(Debug)]
pub struct CliError(pub String);

/// Runs the command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let res = match cli.command {
        Command::Run(args) => run_cmd(&args),
        Command::Explore(args) => crate::explore::run(&args),
        Command::Disasm { file } => disasm_cmd(&file),
        Command::Bench {
            iterations,
            scenarios,
        } => bench_cmd(&scenarios, iterations),
        Command::Tui {
            file,
            seed,
            until,
            live,
        } => tui_cmd(file, seed, until.as_deref(), live),
    };
    match res {
        Ok(code) => code,
        Err(CliError(msg)) => {
            eprintln!("irqlab: {msg}");
            2
        }
    }
}

/// Parses `10ms`, `250us`, `2s`, `1.5s`, `100ns` into a duration.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    let (num, unit_ns) = if let Some(n) = t.strip_suffix("ns") {
        (n, 1u64)
    } else if let Some(n) = t.strip_suffix("us") {
        (n, 1_000)
    } else if let Some(n) = t.strip_suffix("ms") {
        (n, 1_000_000)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1_000_000_000)
    } else {
        return Err(format!("'{text}' needs a unit: ns, us, ms or s"));
    };
    let num = num.trim();
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let int: u64 = int
        .parse()
        .map_err(|_| format!("'{text}' is not a duration"))?;
    let mut ns = int
        .checked_mul(unit_ns)
        .ok_or_else(|| format!("'{text}' is too long"))?;
    let mut scale = unit_ns;
    for c in frac.chars() {
        let d = c
            .to_digit(10)
            .ok_or_else(|| format!("'{text}' is not a duration"))? as u64;
        scale /= 10;
        ns += d * scale;
    }
    Ok(SimDuration(ns))
}

fn tui_cmd(
    file: PathBuf,
    seed: Option<u64>,
    until: Option<&str>,
    live: bool,
) -> Result<i32, CliError> {
    let until = match until {
        Some(t) => Some(parse_duration(t).map_err(|e| CliError(format!("--until: {e}")))?),
        None => None,
    };
    crate::tui::run(crate::tui::RunSpec { file, seed, until }, live)
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError(format!("{}: cannot read: {e}", path.display())))
}

fn display_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn run_cmd(args: &RunArgs) -> Result<i32, CliError> {
    let is_scenario = matches!(
        args.file.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    if is_scenario {
        return crate::scenario::runner::run_scenario_cli(args);
    }
    let source = read(&args.file)?;
    let filename = display_name(&args.file);
    let limit = match &args.until {
        Some(t) => parse_duration(t).map_err(|e| CliError(format!("--until: {e}")))?,
        None => DEFAULT_LIMIT,
    };
    let code = match compile_module(&source, &filename) {
        Ok(c) => c,
        Err(d) => {
            if args.quiet {
                print!("{}", d.render_micropython());
            }
            return Err(CliError(d.render_cli()));
        }
    };
    let board = crate::hw::BoardKind::from_name(&args.board).ok_or_else(|| {
        CliError(format!(
            "--board: unknown board '{}' (known: {})",
            args.board,
            crate::hw::BoardKind::NAMES.join(", ")
        ))
    })?;
    let mut cfg = RunConfig::for_board(board, limit);
    cfg.track_access = args.findings;
    cfg.emergency_buf_bytes = args.emergency_exception_buf;
    cfg.seed = args.seed.unwrap_or(0);
    let injections = crate::explore::parse_injections(None, &args.inject).map_err(CliError)?;
    let mut m = Machine::new(&cfg);
    crate::explore::install_injections(&mut m, &injections);
    let outcome = m.run_program(code);
    finish(args, &m, &outcome, cfg.seed, Vec::new())
}

/// Prints the output, report, timeline and JSON of a finished run; returns the exit code.
pub fn finish(
    args: &RunArgs,
    m: &Machine,
    outcome: &Outcome,
    seed: u64,
    expectations: Vec<report::JsonExpectation>,
) -> Result<i32, CliError> {
    let trace = m.trace();
    let console = trace.console();
    let outcome_text = match outcome {
        Outcome::Finished => "finished",
        Outcome::UncaughtException => "uncaught-exception",
        Outcome::TimeLimit => "time-limit",
        Outcome::Stopped => "stopped-by-scenario",
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(console.as_bytes());
    let summary = analysis::summarize(trace);
    let findings = analysis::findings::all(trace, &analysis::findings::Thresholds::default());
    if !args.quiet {
        if args.timeline {
            let _ = writeln!(stdout, "--- timeline ---");
            let _ = stdout.write_all(trace.timeline().as_bytes());
        }
        if *outcome == Outcome::TimeLimit {
            let _ = writeln!(
                stdout,
                "irqlab: stopped at the time limit ({}) with the program or its callbacks still live",
                m.rt.limit
            );
        }
        let _ = stdout.write_all(report::text(&summary, outcome_text).as_bytes());
        let _ = stdout.write_all(findings_text(trace, &findings, m.vm.track_access).as_bytes());
        for e in &expectations {
            let _ = writeln!(
                stdout,
                "expect {}: {} (actual: {})",
                if e.ok { "ok  " } else { "FAIL" },
                e.what,
                e.actual
            );
        }
    }
    let failed = expectations.iter().any(|e| !e.ok);
    if let Some(path) = &args.json {
        let findings = report::json_findings(trace, &findings);
        let text = report::json(
            &summary,
            seed,
            trace.hash(),
            outcome_text,
            expectations,
            console,
            findings,
        );
        std::fs::write(path, text)
            .map_err(|e| CliError(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(if failed { 1 } else { 0 })
}

fn bench_cmd(scenarios: &Path, iterations: u64) -> Result<i32, CliError> {
    let figures = crate::bench::run_all(scenarios, iterations).map_err(CliError)?;
    for f in figures {
        println!("{:<58} {:>12.3} {}", f.what, f.value, f.unit);
    }
    Ok(0)
}

fn disasm_cmd(file: &Path) -> Result<i32, CliError> {
    let source = read(file)?;
    let code =
        compile_module(&source, &display_name(file)).map_err(|d| CliError(d.render_cli()))?;
    let profile = BoardProfile::esp32();
    let cost = profile.cost().clone();
    let f = move |op: &crate::py::bytecode::Op| crate::rt::op_cost::op_cycles(&cost, op).0 as u32;
    print!("{}", crate::py::disasm::disassemble(&code, Some(&f)));
    Ok(0)
}

/// The findings section of the text report.
fn findings_text(
    trace: &crate::trace::Trace,
    findings: &[analysis::findings::Finding],
    tracked: bool,
) -> String {
    let mut out = String::new();
    let errors = findings
        .iter()
        .filter(|f| f.severity() == analysis::findings::Severity::Error)
        .count();
    out.push_str(&format!(
        "findings: {} ({} error{}, {} warning{}){}\n",
        findings.len(),
        errors,
        if errors == 1 { "" } else { "s" },
        findings.len() - errors,
        if findings.len() - errors == 1 {
            ""
        } else {
            "s"
        },
        if tracked {
            ""
        } else {
            "; races not checked (run with --findings)"
        }
    ));
    for f in findings {
        out.push_str("  ");
        out.push_str(&analysis::findings::explain(trace, f));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Durations need a unit and accept decimal fractions exactly.
    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("10ms"), Ok(SimDuration::from_ms(10)));
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration::from_ms(1500)));
        assert_eq!(parse_duration("250us"), Ok(SimDuration::from_us(250)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("x ms").is_err());
    }
}
