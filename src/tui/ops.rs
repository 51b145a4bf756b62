//! The bytecode inspector behind "step one bytecode" (`s`): which op runs at a moment.
//!
//! The trace records events, not ops (a run executes millions of ops; recording each would
//! cost far more than the trace itself). So the inspector re-runs the same deterministic
//! simulation — same program, stimuli, seed, board and access tracking as the recorded run —
//! with one extra hardware event at the moment asked for, handled by the runtime's step hook
//! (the hook scenario steps use). The VM charges each op's cycles before executing it and
//! delivers due hardware events right after, so when the hook runs, the op on top of the frame
//! stack is the first op charged at or after that moment, not yet executed. The hook reads its
//! code object, index, line and the context, then stops the run. Stepping again asks for one
//! nanosecond after that op's time: the next op.
//!
//! The extra event changes nothing before its time (it records nothing), so the re-run's
//! events before the moment must equal the recording's, access events aside (the tracker keeps
//! a location's last access pending and the stopped re-run writes out one the full run
//! replaced); the inspector checks that and refuses when they differ. That is how scenarios with `steps:` are handled: the inspector leaves the
//! steps out (the runner owns the only step hook), which is exact as long as the steps drove no
//! pin before the moment (`wait-serial`, `delay`, `expect-pin` never do).
//!
//! Each step costs one run from the start to the cursor (the shipped scenarios: milliseconds;
//! a busy program runs about 30 simulated seconds per host second, `docs/performance.md`).

use std::cell::RefCell;
use std::rc::Rc;

use super::app::OpInfo;
use crate::py::disasm::disassemble;
use crate::py::vm::{AbortReason, Flow, Vm};
use crate::rt::{HwEvent, Runtime};
use crate::run::RunSpec;
use crate::sim::Machine;
use crate::time::SimTime;
use crate::trace::{Kind, Trace, TraceEvent};

/// Disassembly rows shown around the op.
pub const LISTING_ROWS: usize = 7;

/// What the hook saw.
fn inspect(rt: &Runtime, vm: &Vm) -> Result<OpInfo, String> {
    let when = rt.now(vm);
    let Some(frame) = vm.frames.last() else {
        return Err(format!(
            "no Python code runs at {when}: the board idles after the program"
        ));
    };
    let ip = frame.ip.saturating_sub(1);
    let code = &frame.code;
    let line = code.lines.get(ip).copied().unwrap_or(0);
    let text = disassemble(code, None);
    // The first code object's op rows (its children follow after a blank line).
    let rows: Vec<String> = text
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.trim_end().to_string())
        .collect();
    let first = ip
        .saturating_sub(LISTING_ROWS / 2)
        .min(rows.len().saturating_sub(LISTING_ROWS));
    Ok(OpInfo {
        at_ns: when.as_ns(),
        ctx: rt.ctx(),
        line,
        code: code.name.to_string(),
        ip: ip as u32,
        row: ip - first,
        listing: rows
            .iter()
            .skip(first)
            .take(LISTING_ROWS)
            .cloned()
            .collect(),
    })
}

/// The op of `spec`'s run charged first at or after `at_ns`, or why there is none. `recorded`
/// is the trace the user is looking at: the re-run must agree with it before `at_ns`.
pub fn op_at(spec: &RunSpec, at_ns: u64, recorded: &Trace) -> Result<OpInfo, String> {
    let when = SimTime(at_ns);
    let end = recorded.events.last().map_or(0, |e| e.at.as_ns());
    if at_ns > end && recorded.events.last().is_some() {
        return Err(format!(
            "no bytecode runs at {when}: the recording ends at {}",
            SimTime(end)
        ));
    }
    // The recorded run without its steps (the step hook is the inspector's).
    let spec = RunSpec {
        skip_steps: true,
        ..super::runs::tracked(spec)
    };
    let seen: Rc<RefCell<Option<Result<OpInfo, String>>>> = Rc::default();
    let prepare = |m: &mut Machine| {
        let out = seen.clone();
        m.rt.push_event(when, HwEvent::Step(0));
        m.rt.set_deadline(&mut m.vm);
        m.rt.step_hook = Some(Box::new(move |rt: &mut Runtime, vm: &mut Vm, _n: u32| {
            *out.borrow_mut() = Some(inspect(rt, vm));
            Err(Flow::Abort(AbortReason::Stopped))
        }));
    };
    let run = crate::run::run_with(&spec, &prepare).map_err(|e| e.message)?;
    let m = &run.machine;
    let res = seen.borrow_mut().take().unwrap_or_else(|| {
        Err(format!(
            "no bytecode runs at or after {when}: the run has ended"
        ))
    });
    if !same_before(&m.trace().events, &recorded.events, at_ns) {
        return Err(format!(
            "cannot inspect bytecode at {when}: the re-run differs from the recording \
             (a scenario step drove a pin before it)"
        ));
    }
    res
}

/// Whether two runs did the same before `at_ns`: the same events, access events aside. Those
/// are a compacted view (`rt/tracker.rs`): a location's last access in an epoch waits as
/// "pending" and is replaced by a later one, so a run stopped mid-epoch (the inspector's)
/// writes out an access the full run replaced, though both ran the same ops.
fn same_before(again: &[TraceEvent], recorded: &[TraceEvent], at_ns: u64) -> bool {
    let behaviour = |events: &[TraceEvent]| {
        let n = events.partition_point(|e| e.at.as_ns() < at_ns);
        events[..n]
            .iter()
            .filter(|e| !matches!(e.kind, Kind::Access { .. }))
            .cloned()
            .collect::<Vec<_>>()
    };
    behaviour(again) == behaviour(recorded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Ctx;

    fn spec(name: &str) -> RunSpec {
        RunSpec::shipped(name)
    }

    // Stepping moves op by op: each step is a later time, and on the Pyboard count race the
    // main loop's `count += 1` ops (line 18) come up with their mnemonics.
    #[test]
    fn steps_go_op_by_op() {
        let s = spec("count_race_pyboard.yaml");
        let rec = crate::tui::runs::simulate(&s).expect("runs");
        let mut at = 1_000_000; // 1 ms: the main loop is running
        let mut seen = Vec::new();
        for _ in 0..12 {
            let op = op_at(&s, at, &rec.trace).expect("the loop runs");
            assert!(op.at_ns >= at, "{} < {at}", op.at_ns);
            assert!(op.listing[op.row].contains(&format!("{:>4} ", op.ip)));
            seen.push((op.ctx, op.line, op.listing[op.row].clone()));
            at = op.at_ns + 1;
        }
        assert!(
            seen.iter()
                .all(|(c, _, _)| *c == Ctx::Main || *c == Ctx::HardIrq || *c == Ctx::Callback)
        );
        assert!(
            seen.iter()
                .any(|(_, l, t)| *l == 18 && t.contains("STORE_GLOBAL count")),
            "{seen:#?}"
        );
        // Twelve steps, twelve distinct (time, op) positions.
        let mut ips: Vec<&String> = seen.iter().map(|(_, _, t)| t).collect();
        ips.dedup();
        assert!(ips.len() > 6, "{seen:#?}");
    }

    // On the bouncing button (access tracking on, callbacks mid-epoch), stepping on from the
    // first drop keeps agreeing with the recording: the re-run stops with a pending access
    // written out that the full run replaced, which is not a difference (was refused at the
    // eighth step).
    #[test]
    fn bounce_steps_after_the_first_drop() {
        let s = spec("bounce.yaml");
        let rec = crate::tui::runs::simulate(&s).expect("runs");
        let ix = crate::tui::index::TraceIndex::new(&rec.trace);
        let mut at = rec.trace.events[ix.drop_events[0] as usize].at.as_ns() + 1;
        for step in 0..12 {
            let op = op_at(&s, at, &rec.trace).unwrap_or_else(|e| panic!("step {step}: {e}"));
            assert!(op.at_ns >= at);
            at = op.at_ns + 1;
        }
    }

    // Past the end of the recording there is no op, and the message says so; during a sleep
    // the op shown is the call that sleeps.
    #[test]
    fn no_op_after_the_end() {
        let s = spec("bounce.yaml");
        let rec = crate::tui::runs::simulate(&s).expect("runs");
        let e = op_at(&s, 10_000_000_000, &rec.trace).expect_err("ended");
        assert!(e.contains("ends at"), "{e}");
        // While the program sleeps, the op is the call into `time.sleep*`, in the idle context.
        let op = op_at(&s, 250_000_000, &rec.trace).expect("sleeping");
        assert_eq!(op.ctx, Ctx::Idle);
        assert!(op.listing[op.row].contains("CALL"), "{:?}", op.listing);
    }
}
