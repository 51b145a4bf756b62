//! Bounded-exhaustive exploration: one extra interrupt at every bytecode boundary of a window
//! of the main program, and with `--preemptions 2` at every pair of boundaries — the
//! preemption bounding of loom and CHESS, where most concurrency bugs need only one or two
//! preemptions at the right places.
//!
//! A reference run (no injection) lists the main-program op numbers inside the window
//! ([`window::install_counter`]). Then each interleaving is a run of the same seed with
//! [`Injection`]s at those op numbers; it *loses data* if it has a lost-update or
//! torn-read finding or fails an expectation. Pairs are run nearest first (boundaries `k` and
//! `k + 1`, then `k + 2`, …), since an atomicity violation needs both interrupts inside the
//! same short sequence; `--limit` bounds the total and the report says when it cut (single
//! placements beyond the limit are spread evenly over the window).
//!
//! After the first injected interrupt a run may take another path than the reference run
//! (the handler changed the data); the second injection still lands at its op number, which
//! may then lie outside the window. The count of interleavings is therefore of placements,
//! not of distinct program states.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use super::window::{self, Boundaries, Window};
use super::{ExploreArgs, RunRecord, pool, replay_command, run_one, shard_items};
use crate::run::inject::parse_source;
use crate::run::{Injection, RunError};
use crate::scenario::Scenario;
use crate::sim::Machine;
use crate::trace::{Kind, Source};

/// The result of an exhaustive exploration.
pub struct Exhaustive {
    file: PathBuf,
    seed: u64,
    source: Source,
    window: Window,
    preemptions: u8,
    boundaries: Boundaries,
    /// The reference run (no injection).
    reference: RunRecord,
    /// Interleavings that exist within the bound (singles, plus pairs with 2 preemptions).
    total: u64,
    /// The interleavings run (after `--limit` and `--shard`), each with its result.
    pub results: Vec<(Vec<Injection>, RunRecord)>,
    limited: bool,
    shard: (u64, u64),
    /// Interleavings run; used for the speed line.
    pub runs: usize,
}

/// Runs the exhaustive mode of `irqlab explore`.
pub fn explore(
    args: &ExploreArgs,
    sc: &Arc<Scenario>,
    shard: (u64, u64),
    jobs: usize,
) -> Result<Exhaustive, RunError> {
    let seed = args.seed_base.unwrap_or(sc.seed);
    let window = match (&args.window, &args.function) {
        (Some(w), _) => window::parse_window(w).map_err(RunError::bad_option)?,
        (None, Some(f)) => Window::Function(f.clone()),
        (None, None) => Window::All,
    };
    let (boundaries, raised, hash) = reference(sc, seed, &window)?;
    let source = match &args.source {
        Some(s) => parse_source(Some(sc), s).map_err(RunError::bad_option)?,
        None => default_source(&raised)?,
    };
    let reference = run_one(sc, seed, &[], None)?;
    assert_eq!(
        hash, reference.fingerprint,
        "seed {seed}: counting op boundaries changed the run"
    );
    let ops = &boundaries.ops;
    let singles = ops.len() as u64;
    let pairs = if args.preemptions >= 2 {
        singles * singles.saturating_sub(1) / 2
    } else {
        0
    };
    let total = singles + pairs;
    let mut plan: Vec<Vec<Injection>> = Vec::new();
    let at = |k: u64| Injection { at_op: k, source };
    // Singles beyond the limit: evenly spaced over the window, so the cut covers all of it.
    let n_singles = ops.len().min(args.limit);
    plan.extend((0..n_singles).map(|j| vec![at(ops[j * ops.len() / n_singles.max(1)])]));
    if args.preemptions >= 2 {
        'pairs: for d in 1..ops.len() {
            for i in 0..ops.len() - d {
                if plan.len() >= args.limit {
                    break 'pairs;
                }
                plan.push(vec![at(ops[i]), at(ops[i + d])]);
            }
        }
    }
    let limited = (plan.len() as u64) < total;
    let plan = shard_items(plan.into_iter(), shard);
    let records = pool::map(plan.len(), jobs, "interleavings", |i| {
        run_one(sc, seed, &plan[i], None)
    });
    let records = records.into_iter().collect::<Result<Vec<_>, _>>()?;
    let runs = records.len();
    Ok(Exhaustive {
        file: args.file.clone(),
        seed,
        source,
        window,
        preemptions: args.preemptions,
        boundaries,
        reference,
        total,
        results: plan.into_iter().zip(records).collect(),
        limited,
        shard,
        runs,
    })
}

/// The reference run: the window's boundaries, and the interrupt sources raised.
fn reference(
    sc: &Arc<Scenario>,
    seed: u64,
    window: &Window,
) -> Result<(Boundaries, Vec<Source>, u64), RunError> {
    let out = Rc::new(RefCell::new(Boundaries::default()));
    let hook_out = out.clone();
    let window = window.clone();
    let prepare =
        move |m: &mut Machine| window::install_counter(m, window.clone(), hook_out.clone());
    let run = crate::run::run_with(&super::spec(sc, seed), &prepare)?;
    let mut raised: Vec<Source> = run
        .machine
        .trace()
        .events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::IrqRaised { source, .. } => Some(source),
            _ => None,
        })
        .collect();
    raised.sort();
    raised.dedup();
    let hash = super::fingerprint(run.machine.trace());
    drop(run);
    let b = out.borrow().clone();
    Ok((b, raised, hash))
}

fn default_source(raised: &[Source]) -> Result<Source, RunError> {
    match raised {
        [one] => Ok(*one),
        [] => Err(RunError::bad_option(
            "--exhaustive: the reference run raised no interrupt; name one with --source",
        )),
        many => Err(RunError::bad_option(format!(
            "--exhaustive: the reference run raised several interrupts ({}); choose one with --source",
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

impl Exhaustive {
    /// Interleavings that lost data.
    pub fn n_lost(&self) -> usize {
        self.results.iter().filter(|(_, r)| r.lost_data()).count()
    }

    /// 1 if the reference run or any interleaving lost data, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.reference.lost_data() || self.n_lost() > 0)
    }

    fn first_lost(&self) -> Option<&(Vec<Injection>, RunRecord)> {
        self.results.iter().find(|(_, r)| r.lost_data())
    }

    fn replay(&self, injections: &[Injection]) -> String {
        let extra: String = injections
            .iter()
            .map(|i| format!(" --inject \"{i}\""))
            .collect();
        replay_command(&self.file, self.seed, &extra)
    }

    /// The text report.
    pub fn text(&self) -> String {
        let mut s = format!(
            "--- irqlab explore --exhaustive: {} ---\nseed {}; injecting {}; window: {}; preemptions <= {}\n",
            self.file.display(),
            self.seed,
            self.source,
            self.window,
            self.preemptions
        );
        s.push_str(&format!(
            "reference run: {} main-program ops, {} op boundaries in the window{}; {}\n",
            self.boundaries.main_ops,
            self.boundaries.ops.len(),
            if self.boundaries.truncated {
                " (more not listed)"
            } else {
                ""
            },
            if self.reference.lost_data() {
                "it already loses data"
            } else {
                "no data lost"
            }
        ));
        s.push_str(&format!(
            "interleavings: {} run of {} within the bound{}{}\n",
            self.results.len(),
            self.total,
            match (self.limited, self.preemptions) {
                (false, _) => "",
                (true, _) if self.results.len() < self.boundaries.ops.len() =>
                    " (cut by --limit: boundaries evenly spaced over the window)",
                (true, _) => " (cut by --limit: every boundary, then the nearest pairs)",
            },
            match self.shard {
                (i, n) if n > 1 => format!(", shard {i}/{n}"),
                _ => String::new(),
            }
        ));
        s.push_str(&format!("lost data: {} interleaving(s)\n", self.n_lost()));
        if let Some((inj, r)) = self.first_lost() {
            s.push_str(&self.first_lost_text(inj, r));
        }
        s
    }

    /// The report's lines about the first interleaving that lost data.
    fn first_lost_text(&self, inj: &[Injection], r: &RunRecord) -> String {
        let what: Vec<String> = r
            .findings
            .iter()
            .filter(|k| {
                matches!(
                    k.rule,
                    crate::analysis::findings::Rule::LostUpdate
                        | crate::analysis::findings::Rule::TornRead
                )
            })
            .map(|k| format!("{} `{}`{}", k.rule.name(), k.subject, k.lines_text()))
            .chain(r.failed.iter().map(|f| format!("expectation failed: {f}")))
            .collect();
        format!(
            "first: {}\n  {}\n  replay: {}\n",
            inj.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" + "),
            what.join("\n  "),
            self.replay(inj)
        )
    }

    /// The JSON report.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let first = self.first_lost().map(|(inj, _)| {
            json!({
                "injections": inj.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "replay": self.replay(inj),
            })
        });
        json!({
            "irqlab": env!("CARGO_PKG_VERSION"),
            "mode": "exhaustive",
            "scenario": self.file.display().to_string(),
            "seed": self.seed,
            "source": self.source.to_string(),
            "window": self.window.to_string(),
            "preemptions": self.preemptions,
            "main_ops": self.boundaries.main_ops,
            "boundaries": self.boundaries.ops.len(),
            "reference_lost_data": self.reference.lost_data(),
            "interleavings_total": self.total,
            "interleavings_run": self.results.len(),
            "limited": self.limited,
            "shard": format!("{}/{}", self.shard.0, self.shard.1),
            "lost": self.n_lost(),
            "first_lost": first,
            "exit_code": self.exit_code(),
        })
    }
}
