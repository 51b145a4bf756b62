//! `irqlab run FILE`: run a scenario or a program, print its output, the report, the
//! findings and the expectations, and write the JSON report.

use std::io::Write as _;
use std::path::PathBuf;

use crate::analysis::{self, report};
use crate::run::{Run, RunError, RunSpec};
use crate::scenario::is_scenario;
use crate::sim::Outcome;

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

/// The run `args` describe.
pub fn spec(args: &RunArgs) -> Result<RunSpec, RunError> {
    let board = if is_scenario(&args.file) {
        None
    } else {
        Some(super::parse_board(&args.board)?)
    };
    Ok(RunSpec {
        board,
        seed: args.seed,
        until: super::parse_until(args.until.as_deref())?,
        track_access: args.findings,
        emergency_buf_bytes: args.emergency_exception_buf,
        inject: args.inject.clone(),
        ..RunSpec::file(args.file.clone())
    })
}

/// Runs the command; returns the exit code.
pub fn run(args: &RunArgs) -> Result<i32, RunError> {
    let spec = spec(args)?;
    match crate::run::run(&spec) {
        Ok(run) => finish(args, &run),
        Err(e) => {
            if args.quiet
                && let Some(text) = &e.micropython
            {
                print!("{text}");
            }
            Err(e)
        }
    }
}

/// Prints the output, report, timeline and JSON of a finished run; returns the exit code.
pub fn finish(args: &RunArgs, run: &Run) -> Result<i32, RunError> {
    let m = &run.machine;
    let trace = m.trace();
    let console = trace.console();
    let outcome_text = run.outcome.name();
    let mut stdout = std::io::stdout().lock();
    if args.quiet {
        let _ = stdout.write_all(console.as_bytes());
    } else {
        let _ = stdout.write_all(escape_controls(&console).as_bytes());
    }
    let summary = analysis::summarize(trace);
    let findings = analysis::findings::all(trace, &analysis::findings::Thresholds::default());
    if !args.quiet {
        if args.timeline {
            let _ = writeln!(stdout, "--- timeline ---");
            let _ = stdout.write_all(trace.timeline().as_bytes());
        }
        if run.outcome == Outcome::TimeLimit {
            let _ = writeln!(
                stdout,
                "irqlab: stopped at the time limit ({}) with the program or its callbacks still live",
                m.rt.limit
            );
        }
        let _ = stdout.write_all(report::text(&summary, outcome_text).as_bytes());
        let _ = stdout.write_all(findings_text(trace, &findings, m.vm.track_access).as_bytes());
        for e in &run.expectations {
            let _ = writeln!(
                stdout,
                "expect {}: {} (actual: {})",
                if e.ok { "ok  " } else { "FAIL" },
                e.what,
                e.actual
            );
        }
    }
    if let Outcome::LimitReached(limit) = &run.outcome {
        eprintln!(
            "irqlab: {limit}; the run stopped at {} (exit code 3)",
            m.now()
        );
    }
    let failed = run.expectations.iter().any(|e| !e.ok);
    if let Some(path) = &args.json {
        let findings = report::json_findings(trace, &findings);
        let text = report::json(
            &summary,
            run.seed,
            trace.hash(),
            outcome_text,
            run.expectations.clone(),
            console,
            findings,
        );
        std::fs::write(path, text)
            .map_err(|e| RunError::io(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(exit_code(&run.outcome, failed))
}

/// The exit code of a finished run: 3 when it stopped at a limit of irqlab's (the report is
/// then partial), 1 when an expectation failed, 0 otherwise.
pub fn exit_code(outcome: &Outcome, failed: bool) -> i32 {
    match outcome {
        Outcome::LimitReached(_) => 3,
        _ if failed => 1,
        _ => 0,
    }
}

/// `text` with control characters other than `\n`, `\r` and `\t` shown as escapes (`\x00`,
/// `\x1b`, `\x85`), so what a program prints cannot drive the terminal. `--quiet` output
/// stays byte-exact (the conformance tests compare it).
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let keep = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
    if text.chars().all(keep) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if keep(c) => out.push(c),
            // Unicode's control characters (Cc) are all below U+0100.
            c => out.push_str(&format!("\\x{:02x}", c as u32)),
        }
    }
    std::borrow::Cow::Owned(out)
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

    // Exit codes: a reached limit (3) outranks a failed expectation (1).
    #[test]
    fn exit_codes() {
        let limit = Outcome::LimitReached(crate::rt::RunLimit::Trace { max_events: 1 });
        assert_eq!(exit_code(&limit, true), 3);
        assert_eq!(exit_code(&Outcome::Finished, true), 1);
        assert_eq!(exit_code(&Outcome::TimeLimit, false), 0);
        assert_eq!(exit_code(&Outcome::UncaughtException, false), 0);
    }

    // Control characters a program prints are escaped in the report mode (issue 14: a NUL was
    // written raw to the terminal).
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("a\0b\x07\x1b[2J\u{85}"),
            "a\\x00b\\x07\\x1b[2J\\x85"
        );
        assert!(matches!(
            escape_controls("ok\r\n\tµ"),
            std::borrow::Cow::Borrowed("ok\r\n\tµ")
        ));
    }
}
