//! Text and JSON renderings of a run's [`Summary`].
//!
//! The JSON report is the machine-readable contract for CI: it carries the irqlab version, the
//! seed, a hash of the trace, the outcome and every statistic of the text report. Its shape is
//! documented in `docs/report-format.md` and only grows (fields are never renamed).

use std::fmt::Write as _;

use serde::Serialize;

use super::tasks::TasksSummary;
use super::{Stats, Summary, human, us};
use crate::trace::Source;

/// Renders the summary printed after the program's output.
pub fn text(summary: &Summary, outcome: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "--- irqlab report ---");
    let _ = writeln!(out, "outcome: {outcome}; simulated time {}", summary.end);
    if summary.sources.is_empty() {
        let _ = writeln!(out, "no interrupts or scheduled callbacks");
    } else {
        let _ = writeln!(
            out,
            "{:<10} {:>7} {:>7} {:>7}   latency us (min / p50 / p99 / max)      callback us (p50 / max)",
            "source", "events", "dropped", "masked"
        );
        for (src, s) in &summary.sources {
            let lat = if s.latency.n == 0 {
                "-".to_string()
            } else {
                format!(
                    "{} / {} / {} / {}",
                    us(s.latency.min_ns),
                    us(s.latency.p50_ns),
                    us(s.latency.p99_ns),
                    us(s.latency.max_ns)
                )
            };
            let dur = if s.duration.n == 0 {
                "-".to_string()
            } else {
                format!("{} / {}", us(s.duration.p50_ns), us(s.duration.max_ns))
            };
            let _ = writeln!(
                out,
                "{:<10} {:>7} {:>7} {:>7}   {:<38} {}",
                src.to_string(),
                s.n_events,
                s.n_dropped,
                s.n_masked,
                lat,
                dur
            );
        }
    }
    let total = summary.end.as_ns().max(1);
    let pct = |ns: u64| ns as f64 * 100.0 / total as f64;
    let _ = writeln!(
        out,
        "cpu: main {} ({:.1}%), callbacks {} ({:.1}%), isr {} ({:.1}%), idle {} ({:.1}%)",
        human(summary.main_ns),
        pct(summary.main_ns),
        human(summary.callback_ns),
        pct(summary.callback_ns),
        human(summary.isr_ns),
        pct(summary.isr_ns),
        human(summary.idle_ns),
        pct(summary.idle_ns)
    );
    if summary.n_gc > 0 {
        let _ = writeln!(
            out,
            "gc: {} collections, {} total pause",
            summary.n_gc,
            human(summary.gc_ns)
        );
    }
    let _ = writeln!(out, "schedule queue: deepest {}", summary.max_queue_depth);
    tasks_text(&mut out, &summary.tasks);
    out
}

/// The asyncio part of the text report (nothing without tasks).
fn tasks_text(out: &mut String, t: &TasksSummary) {
    if t.tasks.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "asyncio tasks: {}; worst wake latency {} us; worst wait to start {} us",
        t.tasks.len(),
        us(t.worst_wake_ns),
        us(t.worst_start_wait_ns)
    );
    let _ = writeln!(
        out,
        "{:<4} {:<16} {:<9} {:>6} {:>14} {:>12} {:>14}   wake latency us (p50 / max)",
        "task", "coroutine", "outcome", "slices", "longest us", "cpu us", "start wait us"
    );
    for k in &t.tasks {
        let lat = if k.wake_latency.n == 0 {
            "-".to_string()
        } else {
            format!(
                "{} / {}",
                us(k.wake_latency.p50_ns),
                us(k.wake_latency.max_ns)
            )
        };
        let start = k.start_wait_ns.map_or_else(|| "-".to_string(), us);
        let _ = writeln!(
            out,
            "{:<4} {:<16} {:<9} {:>6} {:>14} {:>12} {:>14}   {}",
            k.index,
            k.name,
            k.outcome,
            k.n_slices,
            us(k.longest_slice_ns),
            us(k.cpu_ns),
            start,
            lat
        );
    }
    for (cause, s) in &t.wakes {
        let _ = writeln!(
            out,
            "wake by {:<15} n {:>5}   latency us (min / p50 / max) {} / {} / {}",
            cause.name(),
            s.n,
            us(s.min_ns),
            us(s.p50_ns),
            us(s.max_ns)
        );
    }
    let e = &t.irq_to_task;
    if e.n > 0 {
        let _ = writeln!(
            out,
            "interrupt -> ISR -> callback -> ThreadSafeFlag -> task resumed  n {}   us (min / p50 / max) {} / {} / {}",
            e.n,
            us(e.min_ns),
            us(e.p50_ns),
            us(e.max_ns)
        );
    }
}

/// The JSON report's shape.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    /// irqlab's version.
    pub irqlab_version: &'a str,
    /// The seed of the run.
    pub seed: u64,
    /// FNV-1a hash of the trace's text form, hex.
    pub trace_hash: String,
    /// `finished`, `uncaught-exception` or `time-limit`.
    pub outcome: &'a str,
    /// Simulated end time in nanoseconds.
    pub end_ns: u64,
    /// Per source.
    pub sources: Vec<JsonSource>,
    /// CPU time per context, ns.
    pub cpu_ns: JsonCpu,
    /// Garbage collections.
    pub gc: JsonGc,
    /// asyncio tasks (empty without asyncio).
    pub tasks: Vec<JsonTask>,
    /// asyncio wake latencies by cause (`sleep deadline`, `Event`, `ThreadSafeFlag`, ...).
    pub wakes: Vec<JsonWake>,
    /// End to end: hardware event → ISR → callback → `ThreadSafeFlag.set()` → task resumed.
    pub irq_to_task_ns: JsonStats,
    /// Findings (race findings need `--findings`; the ISR rules are always checked).
    pub findings: Vec<JsonFinding>,
    /// Results of the scenario's expectations (empty without a scenario).
    pub expectations: Vec<JsonExpectation>,
    /// What the program printed.
    pub console: String,
}

/// One finding in the JSON report (see docs/findings.md).
#[derive(Serialize)]
pub struct JsonFinding {
    /// Rule name (`lost-update`, …).
    pub rule: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The variable, function or source it is about.
    pub subject: String,
    /// The context at fault.
    pub context: String,
    /// Its source line (0: none).
    pub line: u32,
    /// The other context, if any.
    pub other_context: Option<String>,
    /// Its source line (0: none).
    pub other_line: u32,
    /// First occurrence, ns since power-on.
    pub first_ns: u64,
    /// Occurrences.
    pub count: usize,
    /// What went wrong.
    pub message: String,
    /// What to do.
    pub remedy: String,
    /// The interleaving of the first occurrence.
    pub steps: Vec<JsonStep>,
}

/// One step of a finding's interleaving.
#[derive(Serialize)]
pub struct JsonStep {
    /// ns since power-on.
    pub at_ns: u64,
    /// Context.
    pub context: String,
    /// Source line (0: unknown).
    pub line: u32,
    /// What it did.
    pub what: String,
}

/// The JSON form of findings.
pub fn json_findings(
    trace: &crate::trace::Trace,
    findings: &[crate::analysis::findings::Finding],
) -> Vec<JsonFinding> {
    use crate::analysis::findings::who_name;
    findings
        .iter()
        .map(|f| JsonFinding {
            rule: f.rule.name(),
            severity: f.severity().name(),
            subject: f.subject.clone(),
            context: who_name(trace, f.who),
            line: f.line,
            other_context: f.other.map(|o| who_name(trace, o)),
            other_line: f.other_line,
            first_ns: f.at().0,
            count: f.count,
            message: f.message.clone(),
            remedy: f.remedy.clone(),
            steps: f
                .steps
                .iter()
                .map(|s| JsonStep {
                    at_ns: s.at.0,
                    context: who_name(trace, s.who),
                    line: s.line,
                    what: s.what.clone(),
                })
                .collect(),
        })
        .collect()
}

/// One source in the JSON report.
#[derive(Serialize)]
pub struct JsonSource {
    /// `pin 4`, `timer 0`, `schedule`.
    pub source: String,
    /// Events raised.
    pub events: usize,
    /// Events lost to a full queue.
    pub dropped: usize,
    /// Events raised while masked.
    pub masked: usize,
    /// Latency statistics, ns.
    pub latency_ns: JsonStats,
    /// Callback duration statistics, ns.
    pub callback_ns: JsonStats,
}

/// One asyncio task in the JSON report.
#[derive(Serialize)]
pub struct JsonTask {
    /// Creation order, from 1.
    pub task: usize,
    /// The coroutine's name.
    pub coroutine: String,
    /// `finished`, `failed`, `cancelled` or `pending`.
    pub outcome: &'static str,
    /// Times the loop resumed it.
    pub slices: usize,
    /// Longest run between two awaits, ns.
    pub longest_slice_ns: u64,
    /// Total time in its slices, ns.
    pub cpu_ns: u64,
    /// Wake latency statistics, ns.
    pub wake_latency_ns: JsonStats,
}

/// Wake latencies of one cause in the JSON report.
#[derive(Serialize)]
pub struct JsonWake {
    /// What woke the tasks.
    pub cause: &'static str,
    /// Latency statistics, ns.
    pub latency_ns: JsonStats,
}

/// Statistics in the JSON report.
#[derive(Serialize)]
pub struct JsonStats {
    /// Samples.
    pub n: usize,
    /// Minimum.
    pub min: u64,
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Maximum.
    pub max: u64,
    /// Mean.
    pub mean: u64,
}

/// CPU time per context.
#[derive(Serialize)]
pub struct JsonCpu {
    /// Main program.
    pub main: u64,
    /// Soft callbacks.
    pub callbacks: u64,
    /// ISRs.
    pub isr: u64,
    /// Idle.
    pub idle: u64,
}

/// Garbage collection totals.
#[derive(Serialize)]
pub struct JsonGc {
    /// Collections.
    pub collections: usize,
    /// Total pause, ns.
    pub pause_ns: u64,
}

/// One expectation's result.
#[derive(Serialize, Clone, Debug)]
pub struct JsonExpectation {
    /// What was expected, in words.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// What was measured.
    pub actual: String,
}

fn stats(s: &Stats) -> JsonStats {
    JsonStats {
        n: s.n,
        min: s.min_ns,
        p50: s.p50_ns,
        p99: s.p99_ns,
        max: s.max_ns,
        mean: s.mean_ns,
    }
}

/// Builds the JSON report.
pub fn json(
    summary: &Summary,
    seed: u64,
    trace_hash: u64,
    outcome: &str,
    expectations: Vec<JsonExpectation>,
    console: String,
    findings: Vec<JsonFinding>,
) -> String {
    let report = JsonReport {
        findings,
        irqlab_version: env!("CARGO_PKG_VERSION"),
        seed,
        trace_hash: format!("{trace_hash:016x}"),
        outcome,
        end_ns: summary.end.as_ns(),
        sources: summary
            .sources
            .iter()
            .map(|(src, s): (&Source, _)| JsonSource {
                source: src.to_string(),
                events: s.n_events,
                dropped: s.n_dropped,
                masked: s.n_masked,
                latency_ns: stats(&s.latency),
                callback_ns: stats(&s.duration),
            })
            .collect(),
        cpu_ns: JsonCpu {
            main: summary.main_ns,
            callbacks: summary.callback_ns,
            isr: summary.isr_ns,
            idle: summary.idle_ns,
        },
        gc: JsonGc {
            collections: summary.n_gc,
            pause_ns: summary.gc_ns,
        },
        tasks: summary
            .tasks
            .tasks
            .iter()
            .map(|k| JsonTask {
                task: k.index,
                coroutine: k.name.clone(),
                outcome: k.outcome,
                slices: k.n_slices,
                longest_slice_ns: k.longest_slice_ns,
                cpu_ns: k.cpu_ns,
                wake_latency_ns: stats(&k.wake_latency),
            })
            .collect(),
        wakes: summary
            .tasks
            .wakes
            .iter()
            .map(|(c, s)| JsonWake {
                cause: c.name(),
                latency_ns: stats(s),
            })
            .collect(),
        irq_to_task_ns: stats(&summary.tasks.irq_to_task),
        expectations,
        console,
    };
    serde_json::to_string_pretty(&report).expect("the report serialises") + "\n"
}
