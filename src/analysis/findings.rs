//! Race findings computed from the trace's `Access` events (recorded with `--findings`).
//!
//! So far one rule, **lost update**: a context reads a global and later writes it (a
//! read-modify-write such as `count += 1`, compiled to `LOAD_GLOBAL count … STORE_GLOBAL count`),
//! and *another* context — a hard interrupt handler, a soft callback, or the main program —
//! wrote the same global in between. The second write overwrites the other context's update.
//!
//! On the ESP32 soft callbacks run only at jump opcodes, so a read-modify-write with no jump in
//! it can never be split (facts §1.2); with hard IRQs (Pyboard) it can be split between any two
//! bytecodes. The analysis does not assume either: it reports what the trace shows happened.

use std::collections::BTreeMap;

use crate::time::SimTime;
use crate::trace::{Ctx, Kind, Trace};

/// One distinct finding (identical interleavings are counted, not repeated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule, e.g. `lost-update`.
    pub rule: &'static str,
    /// The shared global.
    pub name: String,
    /// The context whose read-modify-write was split (its write overwrote the other's).
    pub ctx: Ctx,
    /// Source line of its read.
    pub read_line: u32,
    /// Source line of its write.
    pub write_line: u32,
    /// The context that wrote in between.
    pub other_ctx: Ctx,
    /// Source line of that write.
    pub other_line: u32,
    /// First occurrence: the read, the other write, the overwriting write.
    pub first: (SimTime, SimTime, SimTime),
    /// How many times this interleaving happened.
    pub count: usize,
}

impl Finding {
    /// One paragraph for people: what happened and the remedy.
    pub fn explain(&self) -> String {
        format!(
            "{rule}: `{name}` read by {ctx} at line {rl} ({t0}), written by {octx} at line {ol} \
             ({t1}), then written by {ctx} at line {wl} ({t2}) — the update made in between is \
             lost ({n} time(s)). Protect the read-modify-write with disable_irq()/enable_irq(), or \
             let only one context write `{name}` (e.g. the handler counts, main reads).",
            rule = self.rule,
            name = self.name,
            ctx = ctx_name(self.ctx),
            rl = self.read_line,
            t0 = self.first.0,
            octx = ctx_name(self.other_ctx),
            ol = self.other_line,
            t1 = self.first.1,
            wl = self.write_line,
            t2 = self.first.2,
            n = self.count,
        )
    }
}

/// The context's name in findings.
pub fn ctx_name(c: Ctx) -> &'static str {
    match c {
        Ctx::Main => "the main program",
        Ctx::Callback => "a soft callback",
        Ctx::Isr => "an ISR",
        Ctx::HardIrq => "a hard IRQ handler",
        Ctx::Idle => "the idle loop",
    }
}

/// Key identifying one interleaving: (name, ctx, read line, write line, other ctx, other line).
type Key = (u32, Ctx, u32, u32, Ctx, u32);

/// Lost updates in `trace` (empty without access tracking).
pub fn lost_updates(trace: &Trace) -> Vec<Finding> {
    // Per (name, context): the pending read (time, line).
    let mut reads: BTreeMap<(u32, Ctx), (SimTime, u32)> = BTreeMap::new();
    // Per name: writes so far (time, ctx, line), in time order.
    let mut writes: BTreeMap<u32, Vec<(SimTime, Ctx, u32)>> = BTreeMap::new();
    let mut found: BTreeMap<Key, Finding> = BTreeMap::new();
    for e in &trace.events {
        let Kind::Access { name, write } = e.kind else {
            continue;
        };
        if !write {
            reads.insert((name, e.ctx), (e.at, e.line));
            continue;
        }
        if let Some((t_read, read_line)) = reads.remove(&(name, e.ctx)) {
            let ws = writes.entry(name).or_default();
            let from = ws.partition_point(|(t, _, _)| *t < t_read);
            if let Some(&(t_other, other_ctx, other_line)) =
                ws[from..].iter().find(|(_, c, _)| *c != e.ctx)
            {
                let key = (name, e.ctx, read_line, e.line, other_ctx, other_line);
                found
                    .entry(key)
                    .and_modify(|f| f.count += 1)
                    .or_insert_with(|| Finding {
                        rule: "lost-update",
                        name: trace.names.get(name as usize).cloned().unwrap_or_default(),
                        ctx: e.ctx,
                        read_line,
                        write_line: e.line,
                        other_ctx,
                        other_line,
                        first: (t_read, t_other, e.at),
                        count: 1,
                    });
            }
        }
        writes.entry(name).or_default().push((e.at, e.ctx, e.line));
    }
    found.into_values().collect()
}
