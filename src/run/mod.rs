//! The one run entry point: [`run`] builds a machine from a typed [`RunSpec`] — a program or a
//! scenario, the board, seed, time limit and options — runs it, and returns the finished
//! [`Run`] or a [`RunError`] (a kind, the message, and file:line:col where there is one).
//! Every front end (`cli`, `tui`, `explore`, `bench`, and the coming REPL) runs programs only
//! through this module.
//!
//! A run has two halves. [`load`] reads and checks the input, resolves board, seed and limit,
//! and compiles the program: every bad-input error is found here, before a machine exists, so
//! a caller can report it once (explore) or show what will run before it ends (the TUI's live
//! mode). [`Loaded::run`] powers the board on, schedules the scenario's stimuli and steps and
//! the injected interrupts, lets the caller's `prepare` hook install observers, runs the
//! program and checks the scenario's expectations; it cannot fail. [`run`] is both.
//!
//! The set-up order is part of the trace (events at the same time run in the order scheduled):
//! stimuli, then steps, then injections, then `prepare`.

pub mod error;
pub mod inject;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

pub use error::{Location, RunError, RunErrorKind};
pub use inject::Injection;

use crate::analysis::report::JsonExpectation;
use crate::hw::BoardKind;
use crate::py::bytecode::CodeObject;
use crate::py::compiler::compile_module;
use crate::scenario::{Scenario, is_scenario, runner};
use crate::sim::{Machine, Outcome, RunConfig};
use crate::time::SimDuration;

/// The simulated-time limit of a program run without `until` (a scenario has its `timeout:`).
pub const DEFAULT_LIMIT: SimDuration = SimDuration::from_secs(10);

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file: a scenario if [`is_scenario`] says so (`.yaml`/`.yml`), else a program, compiled
    /// under the path as given.
    File(PathBuf),
    /// A program's text, compiled under `name` (tracebacks show it).
    Source {
        /// The file name tracebacks show (`main.py`).
        name: String,
        /// The MicroPython source.
        text: String,
    },
    /// A scenario already loaded (explore runs one scenario many times).
    Scenario(Arc<Scenario>),
}

impl Default for Input {
    fn default() -> Input {
        Input::File(PathBuf::new())
    }
}

/// A run, fully described: the input and every option that changes what happens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSpec {
    /// The program or scenario.
    pub input: Input,
    /// The board of a program (default esp32). A scenario names its own; this is ignored.
    pub board: Option<BoardKind>,
    /// Overrides the scenario's seed (a program's is 0).
    pub seed: Option<u64>,
    /// Overrides the scenario's timeout (a program's limit is [`DEFAULT_LIMIT`]).
    pub until: Option<SimDuration>,
    /// Record reads and writes of globals for the race findings (`--findings`). A scenario
    /// that expects findings turns it on itself.
    pub track_access: bool,
    /// Bytes of emergency exception buffer at power-on (0 on the boards; see
    /// [`RunConfig::emergency_buf_bytes`]).
    pub emergency_buf_bytes: usize,
    /// Extra interrupts as written on the command line (`timer 4@op 1234`, or a scenario's
    /// source name before the `@`), parsed against the scenario by [`load`].
    pub inject: Vec<String>,
    /// Extra interrupts already parsed (explore's interleavings).
    pub injections: Vec<Injection>,
    /// Leave a scenario's `steps:` out (the TUI's bytecode inspector owns the step hook then).
    pub skip_steps: bool,
}

impl RunSpec {
    /// The file `path` (scenario or program) with every option at its default.
    pub fn file(path: impl Into<PathBuf>) -> RunSpec {
        RunSpec {
            input: Input::File(path.into()),
            ..RunSpec::default()
        }
    }

    /// The loaded scenario `sc` with every option at its default.
    pub fn scenario(sc: Arc<Scenario>) -> RunSpec {
        RunSpec {
            input: Input::Scenario(sc),
            ..RunSpec::default()
        }
    }

    /// The program `text` compiled under `name`, with every option at its default.
    pub fn source(name: impl Into<String>, text: impl Into<String>) -> RunSpec {
        RunSpec {
            input: Input::Source {
                name: name.into(),
                text: text.into(),
            },
            ..RunSpec::default()
        }
    }

    /// The file the input came from (a loaded scenario's file), if there is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.input {
            Input::File(p) => Some(p),
            Input::Scenario(sc) => Some(&sc.origin.path),
            Input::Source { .. } => None,
        }
    }

    /// The shipped scenario `name` (`scenarios/NAME`) with its own seed and timeout (tests).
    #[cfg(test)]
    pub fn shipped(name: &str) -> RunSpec {
        RunSpec::file(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(name),
        )
    }
}

/// A checked, compiled run that has not started: what [`load`] resolved.
pub struct Loaded {
    /// What the run is called: the scenario's `name:`, or the program's path or name.
    pub name: String,
    /// The program's source text.
    pub source: String,
    /// The scenario, for a scenario run.
    pub scenario: Option<Arc<Scenario>>,
    /// The machine's configuration: board, seed, time limit, tracking, timing variation.
    pub config: RunConfig,
    code: Rc<CodeObject>,
    injections: Vec<Injection>,
    steps: bool,
}

/// A finished run.
pub struct Run {
    /// The machine after the run: its trace, VM and runtime.
    pub machine: Machine,
    /// How the run ended (a scenario whose steps all completed counts as finished).
    pub outcome: Outcome,
    /// A scenario's expectations (its steps first), each with its result; none for a program.
    pub expectations: Vec<JsonExpectation>,
    /// What the run is called (as [`Loaded::name`]).
    pub name: String,
    /// The program's source text.
    pub source: String,
    /// The board it ran on.
    pub board: BoardKind,
    /// The seed used.
    pub seed: u64,
}

/// Loads, checks and compiles `spec`, then runs it.
pub fn run(spec: &RunSpec) -> Result<Run, RunError> {
    Ok(load(spec)?.run(None))
}

/// [`run`], with `prepare` called on the powered-on machine just before the program starts
/// (to install a trace observer, an op hook or a step hook).
pub fn run_with(spec: &RunSpec, prepare: &dyn Fn(&mut Machine)) -> Result<Run, RunError> {
    Ok(load(spec)?.run(Some(prepare)))
}

/// Reads and checks `spec`'s input and options and compiles the program, without running it.
pub fn load(spec: &RunSpec) -> Result<Loaded, RunError> {
    match &spec.input {
        Input::File(path) if is_scenario(path) => {
            let sc = Scenario::load(path)?;
            load_scenario(spec, Arc::new(sc))
        }
        Input::File(path) => {
            let text = read_program(path)?;
            load_program(spec, path.to_string_lossy().into_owned(), text)
        }
        Input::Source { name, text } => load_program(spec, name.clone(), text.clone()),
        Input::Scenario(sc) => load_scenario(spec, sc.clone()),
    }
}

fn compile(source: &str, filename: &str) -> Result<Rc<CodeObject>, RunError> {
    compile_module(source, filename).map_err(|d| RunError::from(&d))
}

/// A scenario's program does not compile: the error at the program file's path (as the
/// scenario names it) or at the line and column inside the scenario's `inline:` block. The
/// MicroPython text (for `--quiet`) keeps the name the program is compiled under.
fn program_error(sc: &Scenario, d: &crate::py::parse::Diagnostic) -> RunError {
    let mut e = RunError::from(d);
    if let Some((file, line, col)) = sc.program_location(d.line, d.col) {
        let mut at = d.clone();
        at.filename = file.to_string_lossy().into();
        (at.line, at.col) = (line, col);
        e.message = at.render_cli();
        e.location = Some(error::Location { file, line, col });
    }
    e
}

/// Reads a program file: UTF-8 (MicroPython's source encoding), or an error at the line and
/// column of the first byte that is not.
pub fn read_program(path: &Path) -> Result<String, RunError> {
    let bytes = std::fs::read(path)
        .map_err(|e| RunError::io(format!("{}: cannot read: {e}", path.display())))?;
    crate::py::parse::decode_source(&bytes, &path.to_string_lossy()).map_err(|d| RunError::from(&d))
}

fn config(spec: &RunSpec, board: BoardKind, seed: u64, limit: SimDuration) -> RunConfig {
    let mut cfg = RunConfig::for_board(board, limit);
    cfg.seed = seed;
    cfg.track_access = spec.track_access;
    cfg.emergency_buf_bytes = spec.emergency_buf_bytes;
    cfg
}

fn load_program(spec: &RunSpec, name: String, source: String) -> Result<Loaded, RunError> {
    let code = compile(&source, &name)?;
    let injections = parse_injections(spec, None)?;
    let board = spec.board.unwrap_or(BoardKind::Esp32);
    let limit = spec.until.unwrap_or(DEFAULT_LIMIT);
    Ok(Loaded {
        name,
        source,
        scenario: None,
        config: config(spec, board, spec.seed.unwrap_or(0), limit),
        code,
        injections,
        steps: false,
    })
}

fn load_scenario(spec: &RunSpec, sc: Arc<Scenario>) -> Result<Loaded, RunError> {
    let injections = parse_injections(spec, Some(&sc))?;
    let program = sc.program.as_ref().ok_or_else(|| {
        RunError::new(
            RunErrorKind::Scenario,
            format!(
                "{}: the scenario names no program",
                sc.origin.path.display()
            ),
        )
    })?;
    let code = compile_module(&program.source, &runner::program_name(program))
        .map_err(|d| program_error(&sc, &d))?;
    let seed = spec.seed.unwrap_or(sc.seed);
    let mut config = config(spec, sc.board, seed, spec.until.unwrap_or(sc.timeout));
    config.track_access |= sc.expect.findings.is_some();
    config.vary = sc.vary;
    Ok(Loaded {
        name: sc.name.clone(),
        source: program.source.clone(),
        config,
        code,
        injections,
        steps: !spec.skip_steps,
        scenario: Some(sc),
    })
}

fn parse_injections(spec: &RunSpec, sc: Option<&Scenario>) -> Result<Vec<Injection>, RunError> {
    let mut v = inject::parse_injections(sc, &spec.inject).map_err(RunError::bad_option)?;
    v.extend_from_slice(&spec.injections);
    v.sort();
    Ok(v)
}

impl Loaded {
    /// The board the run uses.
    pub fn board(&self) -> BoardKind {
        self.config.board
    }

    /// The seed the run uses.
    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// The simulated-time limit of the run.
    pub fn limit(&self) -> SimDuration {
        self.config.limit
    }

    /// Powers the board on, sets up the scenario and the injections, calls `prepare`, runs
    /// the program and checks the expectations.
    pub fn run(self, prepare: Option<&dyn Fn(&mut Machine)>) -> Run {
        let cfg = &self.config;
        let mut m = Machine::new(cfg);
        let mut steps = None;
        if let Some(sc) = &self.scenario {
            runner::add_stimuli(&mut m, sc, cfg.seed, cfg.limit);
            if self.steps {
                steps = runner::install_steps(&mut m, sc);
            }
        }
        inject::install_injections(&mut m, &self.injections);
        if let Some(prepare) = prepare {
            prepare(&mut m);
        }
        let mut outcome = m.run_program(self.code);
        let expectations = match &self.scenario {
            Some(sc) => runner::check(sc, steps.as_ref(), &m, &mut outcome),
            None => Vec::new(),
        };
        Run {
            machine: m,
            outcome,
            expectations,
            name: self.name,
            source: self.source,
            board: self.config.board,
            seed: self.config.seed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A program runs on the board the spec names, with its seed and limit; the run says what
    // it ran.
    #[test]
    fn a_program_runs_on_the_named_board() {
        let spec = RunSpec {
            board: Some(BoardKind::Pyboard),
            seed: Some(7),
            until: Some(SimDuration::from_ms(5)),
            ..RunSpec::source("main.py", "import pyb\nprint(pyb.freq()[0])\n")
        };
        let loaded = load(&spec).expect("compiles");
        assert_eq!(
            (loaded.board(), loaded.seed(), loaded.limit()),
            (BoardKind::Pyboard, 7, SimDuration::from_ms(5))
        );
        let run = run(&spec).expect("runs");
        assert_eq!(run.machine.trace().console(), "168000000\n");
        assert_eq!(run.outcome, Outcome::Finished);
        assert_eq!(
            (run.board, run.seed, run.name.as_str()),
            (BoardKind::Pyboard, 7, "main.py")
        );
        assert!(run.expectations.is_empty());
    }

    // Bad input is a typed error: its kind, the message a front end prints, and the place.
    #[test]
    fn bad_input_is_a_typed_error() {
        let e = load(&RunSpec::source("bad.py", "print(1)\nx = = 1\n"))
            .err()
            .expect("syntax error");
        assert_eq!(e.kind, RunErrorKind::Syntax);
        assert!(e.message.starts_with("bad.py:"), "{}", e.message);
        let at = e.location.expect("located");
        assert_eq!((at.file.to_str(), at.line), (Some("bad.py"), 2));
        assert!(
            e.micropython
                .expect("MicroPython's text")
                .contains("SyntaxError")
        );

        let e = load(&RunSpec::file("no/such/file.py"))
            .err()
            .expect("unreadable");
        assert_eq!(e.kind, RunErrorKind::Io);
        assert!(e.message.starts_with("no/such/file.py: cannot read"), "{e}");
        assert_eq!(e.location, None);

        let e = load(&RunSpec {
            inject: vec!["timer 4".into()],
            ..RunSpec::source("main.py", "pass\n")
        })
        .err()
        .expect("bad --inject");
        assert_eq!(e.kind, RunErrorKind::BadOption);
        assert!(e.message.contains("SOURCE@op N"), "{e}");

        let sc = Scenario::parse("name: x\nversion: 1\n", Path::new("x.yaml")).expect("valid");
        let e = load(&RunSpec::scenario(Arc::new(sc)))
            .err()
            .expect("no program");
        assert_eq!(e.kind, RunErrorKind::Scenario);
        assert_eq!(e.message, "x.yaml: the scenario names no program");

        let e = load(&RunSpec::file("no/such/scenario.yaml"))
            .err()
            .expect("unreadable");
        assert_eq!(e.kind, RunErrorKind::Io);
    }

    // A scenario run checks its expectations; with `skip_steps` its steps are left out (and
    // with them their expectation), the rest of the run is the same.
    #[test]
    fn scenario_runs_check_expectations_and_may_skip_steps() {
        let text = "name: s\nversion: 1\ntimeout: 50ms\nprogram: {inline: \"print('hi')\"}\n\
                    steps:\n  - wait-serial: hi\nexpect:\n  serial:\n    contains: hi\n";
        let sc = Arc::new(Scenario::parse(text, Path::new("s.yaml")).expect("valid"));
        let with = run(&RunSpec::scenario(sc.clone())).expect("runs");
        let what: Vec<_> = with
            .expectations
            .iter()
            .map(|e| (e.what.as_str(), e.ok))
            .collect();
        assert_eq!(
            what,
            [("1 steps complete", true), ("serial contains \"hi\"", true)]
        );
        assert_eq!(with.outcome, Outcome::Finished);
        let without = run(&RunSpec {
            skip_steps: true,
            ..RunSpec::scenario(sc)
        })
        .expect("runs");
        assert_eq!(without.expectations.len(), 1);
        assert_eq!(without.machine.trace().console(), "hi\n");
    }

    /// A scenario with `n` 1 kHz square waves on pin 4 for 1 s and a program sleeping 1 s.
    fn squares(n: usize) -> Arc<Scenario> {
        let mut yaml = "name: sq\nversion: 1\ntimeout: 1s\nprogram: {inline: \"import time\\ntime.sleep(1)\"}\nstimuli:\n".to_string();
        for i in 0..n {
            yaml += &format!(
                "  - name: s{i}\n    pin: 4\n    square: {{period: 1ms, duty: 50%, start: 0ms, stop: 1s}}\n"
            );
        }
        Arc::new(Scenario::parse(&yaml, Path::new("sq.yaml")).expect("valid"))
    }

    // A full event queue ends the run with the limit named, not a panic (issue 14).
    #[test]
    fn a_full_event_queue_is_a_reached_limit() {
        let loaded = load(&RunSpec::scenario(squares(3))).expect("loads");
        // Shrink the queue before the stimuli are added: the third finds it full.
        let mut m = Machine::new(&loaded.config);
        m.rt.queue = crate::queue::EventQueue::with_capacity_limit(2);
        let sc = loaded.scenario.clone().expect("a scenario");
        runner::add_stimuli(&mut m, &sc, loaded.seed(), loaded.limit());
        let outcome = m.run_program(loaded.code.clone());
        let limit = crate::rt::RunLimit::EventQueue {
            capacity: 2,
            at: crate::time::SimTime::ZERO,
        };
        assert_eq!(outcome, Outcome::LimitReached(limit));
        assert!(
            limit.to_string().contains("EVENT_QUEUE_CAPACITY = 2"),
            "{limit}"
        );
    }

    // A trace at its limit stops the run with the limit named; stimuli keep one edge each in
    // the queue.
    #[test]
    fn a_full_trace_is_a_reached_limit() {
        let mut loaded = load(&RunSpec::scenario(squares(2))).expect("loads");
        loaded.config.max_trace_events = 100;
        let run = loaded.run(Some(&|m: &mut Machine| {
            assert_eq!(m.rt.queue.len(), 2);
        }));
        assert_eq!(
            run.outcome,
            Outcome::LimitReached(crate::rt::RunLimit::Trace { max_events: 100 })
        );
        assert!(run.machine.now() < crate::time::SimTime::ZERO + SimDuration::from_ms(100));
    }
}
