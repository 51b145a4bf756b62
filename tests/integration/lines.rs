//! Line attribution is exact (issue 14): every trace event of every shipped scenario that
//! comes from Python code carries a line of its program that holds code, and the findings of
//! the ISR guide's critical-section program name exactly the lines of `disable_irq()` and
//! `enable_irq()`.

use std::path::{Path, PathBuf};

use irqlab::analysis::findings::{Thresholds, all};
use irqlab::run::{Run, RunSpec};
use irqlab::scenario::Scenario;
use irqlab::trace::{Ctx, Kind, Source, TraceEvent};

/// The shipped scenarios, sorted by path.
fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// `path` run through the one entry point, with access tracking on (so reads and writes are
/// traced and checked too).
fn run(path: &Path) -> Run {
    let sc = Scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    let spec = RunSpec {
        track_access: true,
        ..RunSpec::scenario(sc.into())
    };
    irqlab::run::run(&spec).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether line `n` (1-based) of `source` holds code: inside the file, not blank, not only a
/// comment.
fn holds_code(source: &str, n: u32) -> bool {
    let Some(text) = source.lines().nth((n as usize).wrapping_sub(1)) else {
        return false;
    };
    let t = text.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// The line a printed traceback says the exception was raised at: its last `File` entry
/// that is not the frozen asyncio core's.
fn raised_at(text: &str) -> Option<u32> {
    text.lines()
        .rev()
        .filter(|l| l.trim_start().starts_with("File \"") && !l.contains("asyncio/"))
        .find_map(|l| l.split(", line ").nth(1)?.split(',').next()?.parse().ok())
}

/// What the source line of a native call's event must contain (one of these calls).
fn called_on(kind: &Kind) -> Option<&'static [&'static str]> {
    match kind {
        Kind::IrqDisable { .. } => Some(&["disable_irq("]),
        Kind::IrqEnable { .. } => Some(&["enable_irq("]),
        Kind::TimerInit { .. } => Some(&["Timer(", ".init("]),
        _ => None,
    }
}

/// Whether `e` comes from Python code (an op of the program, or of the frozen asyncio core on
/// the program's behalf). The exempt set — events with no Python cause — is everything else:
/// program start and end, the time limit, pin edges driven by stimuli, interrupt entry and
/// exit (raised, masked, coalesced, ISR run, callback queued from an ISR or dropped, callback
/// and hard-handler start and end) and the idle loop.
fn from_python(e: &TraceEvent) -> bool {
    match e.kind {
        Kind::PinLevel { by_program, .. } => by_program,
        Kind::CallbackQueued { source, .. } => source == Source::Schedule && e.ctx != Ctx::Isr,
        Kind::Print { .. }
        | Kind::Exception { .. }
        | Kind::TimerInit { .. }
        | Kind::TimerDeinit { .. }
        | Kind::SleepStart { .. }
        | Kind::SleepEnd
        | Kind::Gc { .. }
        | Kind::IrqDisable { .. }
        | Kind::IrqEnable { .. }
        | Kind::HeapLockedAlloc { .. }
        | Kind::Access { .. }
        | Kind::Reentered { .. }
        | Kind::AsyncioFromIrq { .. }
        | Kind::Led { .. }
        | Kind::CpuFreq { .. }
        | Kind::Task { .. }
        | Kind::TaskName { .. }
        | Kind::FlagSet { .. } => true,
        Kind::ProgramStart
        | Kind::ProgramEnd { .. }
        | Kind::TimeLimit
        | Kind::IrqRaised { .. }
        | Kind::IrqMasked { .. }
        | Kind::IsrRun { .. }
        | Kind::IrqCoalesced { .. }
        | Kind::CallbackDropped { .. }
        | Kind::CallbackStart { .. }
        | Kind::CallbackEnd { .. }
        | Kind::HardStart { .. }
        | Kind::HardEnd { .. }
        | Kind::IdleLoop
        | Kind::IdleStart
        | Kind::IdleEnd => false,
    }
}

#[test]
fn every_python_event_of_every_scenario_is_on_a_line_of_code() {
    let mut bad = Vec::new();
    for path in scenarios() {
        let r = run(&path);
        let trace = r.machine.trace();
        for e in trace.events.iter().filter(|e| from_python(e)) {
            let raised = match e.kind {
                Kind::Exception { offset, len } => raised_at(trace.text_of(offset, len)),
                _ => None,
            };
            let text = r.source.lines().nth((e.line as usize).wrapping_sub(1));
            let named = called_on(&e.kind)
                .is_none_or(|calls| text.is_some_and(|t| calls.iter().any(|c| t.contains(c))));
            if !holds_code(&r.source, e.line) || raised.is_some_and(|l| l != e.line) || !named {
                bad.push(format!(
                    "{}: L{} {:?} {:?} at {:?}",
                    path.file_name().unwrap().to_string_lossy(),
                    e.line,
                    e.ctx,
                    e.kind,
                    e.at
                ));
            }
        }
    }
    // Events with no Python cause carry the line the program was interrupted at (or none).
    for path in scenarios() {
        let r = run(&path);
        for e in r.machine.trace().events.iter().filter(|e| !from_python(e)) {
            if e.line != 0 && !holds_code(&r.source, e.line) {
                bad.push(format!(
                    "{}: L{} {:?} {:?} (no Python cause)",
                    path.file_name().unwrap().to_string_lossy(),
                    e.line,
                    e.ctx,
                    e.kind
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} events off a line of code, first:\n{}",
        bad.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}

#[test]
fn the_guide_critical_section_is_found_at_its_disable_and_enable_lines() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/isr_guide_critical_section.yaml");
    let r = run(&path);
    let findings = all(r.machine.trace(), &Thresholds::default());
    let mut lines: Vec<u32> = findings
        .iter()
        .flat_map(|f| {
            let steps = f.steps.iter().map(|s| s.line);
            [f.line, f.other_line].into_iter().chain(steps)
        })
        .filter(|&l| l != 0)
        .collect();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(lines, [23, 27], "{findings:#?}");
    assert!(r.source.lines().nth(22).unwrap().contains("disable_irq()"));
    assert!(r.source.lines().nth(26).unwrap().contains("enable_irq("));
}
