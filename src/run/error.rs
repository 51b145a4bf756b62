//! [`RunError`]: why a run could not be made — bad input found before the machine starts.
//!
//! The message is the whole line a front end shows (the CLI prints it after `irqlab: ` and
//! exits with code 2); it already names the file, line and column where there is one, and
//! [`RunError::location`] gives them typed for callers that point at the place themselves.

use std::fmt;
use std::path::PathBuf;

use crate::py::parse::Diagnostic;
use crate::scenario::{ScenarioError, ScenarioErrorKind};

/// The class of problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunErrorKind {
    /// A file could not be read or written (or the host refused a terminal or a thread).
    Io,
    /// The program does not compile: a syntax or indentation error, or a construct irqlab
    /// does not support.
    Syntax,
    /// The scenario file is malformed or inconsistent, or names no program.
    Scenario,
    /// An option's value is wrong (`--until soon`, `--inject`, `--board`, `--shard`, …).
    BadOption,
}

/// Where in a file the problem is (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user named it (a program is named as it was compiled).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub col: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// Why a run could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    /// The class of problem.
    pub kind: RunErrorKind,
    /// The whole message, location included (`bad.py:2:5: SyntaxError: ...`).
    pub message: String,
    /// The file, line and column, where there is one.
    pub location: Option<Location>,
    /// For a program that does not compile: the error as MicroPython prints it (a traceback
    /// ending in `SyntaxError: invalid syntax`), which `irqlab run --quiet` prints on stdout.
    pub micropython: Option<String>,
}

impl RunError {
    /// An error of `kind` without a location.
    pub fn new(kind: RunErrorKind, message: impl Into<String>) -> RunError {
        RunError {
            kind,
            message: message.into(),
            location: None,
            micropython: None,
        }
    }

    /// A file that could not be read or written, or another host failure.
    pub fn io(message: impl Into<String>) -> RunError {
        RunError::new(RunErrorKind::Io, message)
    }

    /// A bad option value.
    pub fn bad_option(message: impl Into<String>) -> RunError {
        RunError::new(RunErrorKind::BadOption, message)
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RunError {}

impl From<ScenarioError> for RunError {
    fn from(e: ScenarioError) -> RunError {
        let kind = match e.kind {
            ScenarioErrorKind::Io | ScenarioErrorKind::Program => RunErrorKind::Io,
            _ => RunErrorKind::Scenario,
        };
        let location = (e.line != 0).then(|| Location {
            file: e.path.clone(),
            line: u32::try_from(e.line).unwrap_or(u32::MAX),
            col: u32::try_from(e.col).unwrap_or(u32::MAX),
        });
        RunError {
            kind,
            message: e.to_string(),
            location,
            micropython: None,
        }
    }
}

impl From<&Diagnostic> for RunError {
    fn from(d: &Diagnostic) -> RunError {
        RunError {
            kind: RunErrorKind::Syntax,
            message: d.render_cli(),
            location: Some(Location {
                file: PathBuf::from(&*d.filename),
                line: d.line,
                col: d.col,
            }),
            micropython: Some(d.render_micropython()),
        }
    }
}
