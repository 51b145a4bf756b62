//! Races over shared state, from the trace's `Access` events (recorded only with access
//! tracking on).
//!
//! **Lost update.** A context reads a location and later writes it (a read-modify-write such as
//! `count += 1`, compiled to `LOAD_GLOBAL count … STORE_GLOBAL count`), and *another* context
//! wrote the location in between: the second write overwrites the other context's update. On
//! the ESP32 soft callbacks run only at jump opcodes, so a read-modify-write with no jump in it
//! is never split (facts §1.2); hard IRQs (Pyboard) split it between any two bytecodes
//! (facts §2.7). The rule assumes neither: it reports what the trace shows happened.
//!
//! **Torn read.** One activation of a context (a function call, a callback) reads two
//! locations that another context's activation writes together (an index and a buffer, the two
//! halves of a reading), and the reads straddle the writes: one value is from before the
//! update, the other from after it.

use std::collections::BTreeMap;

use super::{Finding, Rule, Step, Who, add, contexts};
use crate::time::SimTime;
use crate::trace::{AccessKind, Kind, Trace};

/// One access, with its context resolved.
#[derive(Clone, Copy, Debug)]
struct Acc {
    at: SimTime,
    who: Who,
    /// The activation: the frame serial in the VM (one per function call).
    frame: u32,
    loc: u32,
    kind: AccessKind,
    line: u32,
    /// Op index in the code: program order within one call.
    op: u16,
}

/// The accesses of `trace`, in order.
fn accesses(trace: &Trace) -> Vec<Acc> {
    let whos = contexts(trace);
    trace
        .events
        .iter()
        .zip(whos)
        .filter_map(|(e, who)| match e.kind {
            Kind::Access {
                loc,
                kind,
                frame,
                op,
            } => Some(Acc {
                op,
                at: e.at,
                who,
                frame,
                loc,
                kind,
                line: e.line,
            }),
            _ => None,
        })
        .collect()
}

/// Lost updates and torn reads in `trace` (none without access tracking).
pub fn find(trace: &Trace) -> Vec<Finding> {
    let acc = accesses(trace);
    let mut out = lost_updates(trace, &acc);
    out.extend(torn_reads(trace, &acc));
    out
}

fn label(trace: &Trace, loc: u32) -> String {
    trace.loc_label(loc).to_string()
}

fn lost_updates(trace: &Trace, acc: &[Acc]) -> Vec<Finding> {
    // Per (location, context, call): its latest read (index into `acc`). A write pairs only
    // with a read of the same call: a read in an earlier call is not what it updates.
    let mut reads: BTreeMap<(u32, Who, u32), usize> = BTreeMap::new();
    // Per location: its writes so far (indices into `acc`), in time order.
    let mut writes: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    let mut found: BTreeMap<(u32, Who, u32, u32, Who, u32), Finding> = BTreeMap::new();
    for (i, a) in acc.iter().enumerate() {
        match a.kind {
            AccessKind::Read => {
                reads.insert((a.loc, a.who, a.frame), i);
            }
            AccessKind::Write => {
                if let Some(r) = reads.remove(&(a.loc, a.who, a.frame)) {
                    let ws = writes.entry(a.loc).or_default();
                    let from = ws.partition_point(|&w| w < r);
                    if let Some(&o) = ws[from..].iter().find(|&&w| acc[w].who != a.who) {
                        let (rd, ot) = (acc[r], acc[o]);
                        let key = (a.loc, a.who, rd.line, a.line, ot.who, ot.line);
                        add(&mut found, key, || {
                            let name = label(trace, a.loc);
                            Finding {
                                rule: Rule::LostUpdate,
                                subject: name.clone(),
                                who: a.who,
                                line: a.line,
                                other: Some(ot.who),
                                other_line: ot.line,
                                steps: vec![
                                    step(&rd, format!("reads `{name}`")),
                                    step(&ot, format!("writes `{name}`")),
                                    step(
                                        a,
                                        format!(
                                            "writes `{name}` from the value it read: the \
                                             write above is lost"
                                        ),
                                    ),
                                ],
                                count: 1,
                                message: format!(
                                    "`{name}` was updated by two contexts at once and one \
                                     update was lost"
                                ),
                                remedy: remedy_lost_update(a.who, ot.who, &name),
                            }
                        });
                    }
                }
                writes.entry(a.loc).or_default().push(i);
            }
            AccessKind::ReadAll | AccessKind::WriteAll => {}
        }
    }
    found.into_values().collect()
}

fn step(a: &Acc, what: String) -> Step {
    Step {
        at: a.at,
        who: a.who,
        line: a.line,
        what,
    }
}

fn remedy_lost_update(who: Who, other: Who, name: &str) -> String {
    if matches!(other, Who::Task(_)) && matches!(who, Who::Task(_) | Who::Main) {
        format!(
            "do not `await` between reading and writing `{name}`, or guard it with an \
             asyncio.Lock"
        )
    } else if other.is_interrupt() || who.is_interrupt() {
        format!(
            "make the read-modify-write a critical section (state = machine.disable_irq(); … \
             machine.enable_irq(state)), or let only one context write `{name}` (the handler \
             counts, the main program only reads), or hand the data over with \
             micropython.schedule or a ring buffer"
        )
    } else {
        format!("let only one context write `{name}`")
    }
}

/// Which of another activation's writes a read saw: none yet, or all of them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Seen {
    Before,
    After,
    Between,
}

fn torn_reads(trace: &Trace, acc: &[Acc]) -> Vec<Finding> {
    type Act = (Who, u32);
    // Per writing activation (context, frame): per location its (first, last) write index.
    let mut wrote: BTreeMap<Act, BTreeMap<u32, (usize, usize)>> = BTreeMap::new();
    // Per location: its writes as runs of one activation, (first, last, activation) in order
    // (an element's write also writes its container).
    let mut writes: BTreeMap<u32, Vec<(usize, usize, Act)>> = BTreeMap::new();
    for (i, a) in acc.iter().enumerate() {
        if a.kind.is_write() {
            let locs = wrote.entry((a.who, a.frame)).or_default();
            for loc in std::iter::once(a.loc).chain(trace.loc_parent(a.loc)) {
                locs.entry(loc)
                    .and_modify(|(_, last)| *last = i)
                    .or_insert((i, i));
                let runs = writes.entry(loc).or_default();
                match runs.last_mut() {
                    Some(r) if r.2 == (a.who, a.frame) => r.1 = i,
                    _ => runs.push((i, i, (a.who, a.frame))),
                }
            }
        }
    }
    // Per reading activation: each location's latest read (index into `acc`).
    let mut last_read: BTreeMap<Act, BTreeMap<u32, usize>> = BTreeMap::new();
    let mut found: BTreeMap<(u32, u32, Who, u32, Who), Finding> = BTreeMap::new();
    for (i, a) in acc.iter().enumerate() {
        if a.kind.is_write() {
            // A context's own write: its earlier read of that location no longer matters.
            if let Some(m) = last_read.get_mut(&(a.who, a.frame)) {
                m.remove(&a.loc);
            }
            continue;
        }
        let reads = last_read.entry((a.who, a.frame)).or_default();
        if let Some(ws) = writes.get(&a.loc) {
            let at = ws.partition_point(|r| r.0 < i);
            // The nearest other activation that wrote this location before the read (the read
            // sees its update) and after it (the read misses it).
            let prev = ws[..at]
                .iter()
                .rev()
                .take(MAX_SCAN)
                .find(|r| r.2.0 != a.who);
            let next = ws[at..].iter().take(MAX_SCAN).find(|r| r.2.0 != a.who);
            for run in prev.into_iter().chain(next) {
                let act = run.2;
                let locs = &wrote[&act];
                if locs.len() < 2 {
                    continue;
                }
                let (y_first, y_last) = locs[&a.loc];
                let seen_y = seen(i, y_first, y_last);
                for (&x, &rx) in reads.iter() {
                    let Some(&(x_first, x_last)) = locs.get(&x) else {
                        continue;
                    };
                    let seen_x = seen(rx, x_first, x_last);
                    // In program order within one pass: a read of `x` by a later op than
                    // this one was made by the previous loop iteration, not paired with it.
                    if x == a.loc
                        || acc[rx].op >= a.op
                        || a.line.abs_diff(acc[rx].line) > MAX_LINE_GAP
                        || seen_x == Seen::Between
                        || seen_y == Seen::Between
                        || seen_x == seen_y
                    {
                        continue;
                    }
                    let key = (x, a.loc, a.who, a.line, act.0);
                    add(&mut found, key, || {
                        torn(trace, acc, (rx, x_first), (i, y_first), seen_x, act.0)
                    });
                }
            }
        }
        reads.insert(a.loc, i);
    }
    found.into_values().collect()
}

/// Two reads count as "related" only within this many source lines of each other (one
/// function call, a few statements apart): `n = idx` then `data = buf[:n]`, not a read at the
/// top of a program and another at its end.
const MAX_LINE_GAP: u32 = 5;

/// How far back (or forward) to look for another context's write of a location.
const MAX_SCAN: usize = 256;

/// The torn-read finding: reads `rx` (of x) and `ry` (of y), the writer's writes `wx`, `wy`.
fn torn(
    trace: &Trace,
    acc: &[Acc],
    (rx, wx): (usize, usize),
    (ry, wy): (usize, usize),
    seen_x: Seen,
    writer: Who,
) -> Finding {
    let (xa, ya) = (acc[rx], acc[ry]);
    let (nx, ny) = (label(trace, xa.loc), label(trace, ya.loc));
    let mut steps = vec![
        step(&xa, format!("reads `{nx}`")),
        step(&acc[wx], format!("writes `{}`", label(trace, acc[wx].loc))),
        step(&acc[wy], format!("writes `{}`", label(trace, acc[wy].loc))),
        step(&ya, format!("reads `{ny}`")),
    ];
    steps.sort_by_key(|s| s.at);
    let (old, new) = if seen_x == Seen::Before {
        (&nx, &ny)
    } else {
        (&ny, &nx)
    };
    Finding {
        rule: Rule::TornRead,
        subject: format!("{nx} + {ny}"),
        who: ya.who,
        line: ya.line,
        other: Some(writer),
        other_line: acc[wy].line,
        steps,
        count: 1,
        message: format!(
            "`{nx}` and `{ny}` are updated together, but one was read before the update and \
             the other after it: the old `{old}` was used with the new `{new}`"
        ),
        remedy: format!(
            "read `{nx}` and `{ny}` together inside a critical section \
             (state = machine.disable_irq(); … machine.enable_irq(state)), or have the writer \
             publish them as one object (one store of a tuple, or a ring buffer whose index is \
             written last)"
        ),
    }
}

fn seen(read: usize, first: usize, last: usize) -> Seen {
    if read < first {
        Seen::Before
    } else if read > last {
        Seen::After
    } else {
        Seen::Between
    }
}
