//! `update`: the only function that changes the [`App`]; pure and unit-tested.
//!
//! Cursor moves use the index (binary search over event indices), never a scan of the trace,
//! and keep the cursor inside the visible window by re-centring the window when it leaves.

use super::app::{
    App, Mode, PromptKind, Request, SPEED_REAL_TIME, SPEED_WINDOW, Side, Speed, ZOOM_LEVELS_NS,
};
use super::message::Message;
use crate::trace::{Kind, Source};

/// Applies `msg` to `app`: each group of messages has its own function.
pub fn update(app: &mut App, msg: Message) {
    app.message = None;
    match msg {
        Message::NextEvent
        | Message::PrevEvent
        | Message::NextIrq
        | Message::PrevIrq
        | Message::NextSameSource
        | Message::PrevSameSource
        | Message::NextDrop
        | Message::PrevDrop
        | Message::NextLine
        | Message::PrevLine
        | Message::Home
        | Message::End
        | Message::JumpTo(_) => navigate(app, &msg),
        Message::TogglePlay
        | Message::Tick(_)
        | Message::Faster
        | Message::Slower
        | Message::Chunk(_)
        | Message::LiveFailed(_)
        | Message::StepOp
        | Message::OpFound(_) => playback(app, msg),
        Message::ToggleLineBreak
        | Message::ToggleSourceBreak
        | Message::Continue
        | Message::ReverseContinue
        | Message::RunTo(_)
        | Message::NextFinding
        | Message::PrevFinding
        | Message::NextBar
        | Message::PrevBar => breakpoints(app, &msg),
        Message::ZoomIn
        | Message::ZoomOut
        | Message::PanLeft
        | Message::PanRight
        | Message::ToggleSide
        | Message::ToggleHelp
        | Message::OpenRunToPrompt
        | Message::OpenBreakPrompt
        | Message::OpenPrompt
        | Message::PromptInput(_)
        | Message::PromptBackspace
        | Message::PromptSubmit
        | Message::Cancel
        | Message::Quit => screen(app, &msg),
    }
}

/// Cursor moves: by event, interrupt, source, drop, line; to the ends; to a time.
fn navigate(app: &mut App, msg: &Message) {
    let (list, next, none) = match msg {
        Message::NextEvent => return move_cursor(app, app.cursor + 1),
        Message::PrevEvent => return move_cursor(app, app.cursor.saturating_sub(1)),
        Message::NextSameSource | Message::PrevSameSource => {
            return same_source(app, *msg == Message::NextSameSource);
        }
        Message::Home => return move_cursor(app, 0),
        Message::End => return move_cursor(app, app.n_events().saturating_sub(1)),
        Message::JumpTo(t) => return move_cursor(app, app.event_at(*t)),
        Message::NextIrq => (&app.index.irqs, true, "no later interrupt"),
        Message::PrevIrq => (&app.index.irqs, false, "no earlier interrupt"),
        Message::NextDrop => (&app.index.drop_events, true, "no later drop"),
        Message::PrevDrop => (&app.index.drop_events, false, "no earlier drop"),
        Message::NextLine => (&app.index.line_changes, true, "no later line change"),
        Message::PrevLine => (&app.index.line_changes, false, "no earlier line change"),
        _ => return, // another group's message (`update` routes each to its group)
    };
    let to = if next {
        next_in(list, app.cursor)
    } else {
        prev_in(list, app.cursor)
    };
    jump_or_say(app, to, none);
}

/// Playback and live mode: play/pause, the clock tick, speed, live chunks, bytecode steps.
fn playback(app: &mut App, msg: Message) {
    match msg {
        Message::TogglePlay => toggle_play(app),
        Message::Tick(wall_ns) => {
            if app.live.is_some() {
                super::live_update::tick(app, wall_ns);
            } else {
                play(app, wall_ns);
            }
        }
        Message::Faster => {
            app.speed = match app.speed {
                SPEED_WINDOW => SPEED_REAL_TIME,
                i => (i + 1).min(SPEED_WINDOW - 1),
            };
            app.message = Some(format!("speed {}", app.speed().label()));
        }
        Message::Slower => {
            app.speed = match app.speed {
                SPEED_WINDOW => SPEED_REAL_TIME - 1,
                i => i.saturating_sub(1),
            };
            app.message = Some(format!("speed {}", app.speed().label()));
        }
        Message::Chunk(c) => super::live_update::chunk(app, *c.0),
        Message::LiveFailed(e) => {
            if let Some(live) = &mut app.live {
                live.done = true;
                live.paused = true;
            }
            app.message = Some(e);
        }
        Message::StepOp => {
            let from = app.op.as_ref().map_or(app.cursor_ns(), |o| o.at_ns);
            app.request = Some(Request::OpAt(from + 1));
        }
        Message::OpFound(Ok(op)) => {
            let at = op.at_ns;
            app.op = Some(*op);
            let keep = app.op.take();
            move_cursor(app, app.event_at(at));
            app.op = keep;
            app.playhead_ns = at;
        }
        Message::OpFound(Err(e)) => app.message = Some(e),
        _ => {} // another group's message
    }
}

/// Breakpoints, continuing to them, findings and latency bars.
fn breakpoints(app: &mut App, msg: &Message) {
    match *msg {
        Message::ToggleLineBreak => toggle_line_break(app),
        Message::ToggleSourceBreak => {
            match app
                .trace()
                .events
                .get(app.cursor)
                .and_then(|e| source_of(&e.kind))
            {
                Some(s) => toggle_source_break(app, s),
                None => app.message = Some("the selected event has no interrupt source".into()),
            }
        }
        Message::Continue => {
            let to = next_break(app, app.cursor, true);
            jump_or_say(app, to, "no breakpoint hit later");
        }
        Message::ReverseContinue => {
            let to = next_break(app, app.cursor, false);
            jump_or_say(app, to, "no breakpoint hit earlier");
        }
        Message::RunTo(t) => run_to(app, t),
        Message::NextFinding | Message::PrevFinding => {
            let n = app.findings.len();
            if n == 0 {
                app.message = Some("no findings in this run".into());
            } else {
                let i = match (app.finding, *msg == Message::NextFinding) {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                };
                select_finding(app, i);
            }
        }
        Message::NextBar | Message::PrevBar => select_bar(app, *msg == Message::NextBar),
        _ => {} // another group's message
    }
}

/// The screen: zoom, pan, panes, help, the prompt, quitting.
fn screen(app: &mut App, msg: &Message) {
    match *msg {
        Message::ZoomIn => zoom(app, app.zoom.saturating_sub(1)),
        Message::ZoomOut => zoom(app, (app.zoom + 1).min(ZOOM_LEVELS_NS.len() - 1)),
        Message::PanLeft => app.view_start_ns = app.view_start_ns.saturating_sub(app.span_ns() / 4),
        Message::PanRight => {
            app.view_start_ns = (app.view_start_ns + app.span_ns() / 4).min(app.index.end);
        }
        Message::ToggleSide => {
            app.side = match app.side {
                Side::Latency => Side::Findings,
                Side::Findings => Side::Latency,
            };
        }
        Message::ToggleHelp => {
            app.mode = if app.mode == Mode::Help {
                Mode::Normal
            } else {
                Mode::Help
            };
        }
        Message::OpenRunToPrompt => app.mode = Mode::Prompt(PromptKind::RunTo, String::new()),
        Message::OpenBreakPrompt => app.mode = Mode::Prompt(PromptKind::Break, String::new()),
        Message::OpenPrompt => app.mode = Mode::Prompt(PromptKind::Jump, String::new()),
        Message::PromptInput(c) => {
            if let Mode::Prompt(_, text) = &mut app.mode
                && text.len() < 32
            {
                text.push(c);
            }
        }
        Message::PromptBackspace => {
            if let Mode::Prompt(_, text) = &mut app.mode {
                text.pop();
            }
        }
        Message::PromptSubmit => submit_prompt(app),
        Message::Cancel => {
            if app.mode == Mode::Normal {
                app.bar = None;
            }
            app.mode = Mode::Normal;
        }
        Message::Quit => app.quit = true,
        _ => {} // another group's message
    }
}

fn submit_prompt(app: &mut App) {
    let Mode::Prompt(kind, text) = std::mem::replace(&mut app.mode, Mode::Normal) else {
        return;
    };
    if kind == PromptKind::Break {
        match parse_break(&text) {
            Ok(Break::Line(l)) => set_line_break(app, l),
            Ok(Break::Source(s)) => toggle_source_break(app, s),
            Err(e) => app.message = Some(e),
        }
        return;
    }
    match crate::scenario::units::parse_duration(&text) {
        Ok(d) if kind == PromptKind::Jump => update(app, Message::JumpTo(d.as_ns())),
        Ok(d) => update(app, Message::RunTo(d.as_ns())),
        Err(e) => app.message = Some(e),
    }
}

/// A breakpoint typed into the prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// A source line.
    Line(u32),
    /// An interrupt source.
    Source(Source),
}

/// Parses `12`, `line 12`, `L12`, `pin 4`, `timer 0`, `timer -1`, `schedule`.
pub fn parse_break(text: &str) -> Result<Break, String> {
    let t = text.trim().to_ascii_lowercase();
    let words: Vec<&str> = t.split_whitespace().collect();
    let number = |s: &str| s.parse::<i64>().ok();
    let bad =
        || format!("breakpoint '{text}': give a line (12, line 12) or a source (pin 4, timer 0)");
    match words.as_slice() {
        [n] if n.starts_with('l') => number(&n[1..])
            .filter(|&l| l > 0)
            .map(|l| Break::Line(l as u32)),
        [n] if *n == "schedule" => Some(Break::Source(Source::Schedule)),
        [n] => number(n).filter(|&l| l > 0).map(|l| Break::Line(l as u32)),
        ["line", n] => number(n).filter(|&l| l > 0).map(|l| Break::Line(l as u32)),
        ["pin", n] => number(n)
            .filter(|&p| (0..=255).contains(&p))
            .map(|p| Break::Source(Source::Pin(p as u8))),
        ["timer", n] => number(n)
            .filter(|&p| (-128..=127).contains(&p))
            .map(|p| Break::Source(Source::Timer(p as i8))),
        _ => None,
    }
    .ok_or_else(bad)
}

fn toggle_play(app: &mut App) {
    if let Some(live) = &mut app.live {
        live.paused = !live.paused;
        live.run_to_ns = None;
        let what = if live.paused { "paused" } else { "running" };
        app.message = Some(what.into());
        return;
    }
    app.playing = !app.playing && app.cursor + 1 < app.n_events();
    app.playhead_ns = app.playhead_ns.max(app.cursor_ns());
    if app.playing && app.speed() == Speed::Max {
        // As fast as possible: straight to the end, or to the first breakpoint.
        app.playing = false;
        run_to(app, app.index.end);
    }
}

fn toggle_line_break(app: &mut App) {
    let line = app.op.as_ref().map_or(app.cursor_line(), |o| o.line);
    if line == 0 {
        app.message = Some("no source line at the cursor".into());
        return;
    }
    if app.breakpoints.lines.remove(&line) {
        app.message = Some(format!("breakpoint on line {line} cleared"));
    } else {
        set_line_break(app, line);
    }
}

fn set_line_break(app: &mut App, line: u32) {
    if line as usize > app.source_lines.len() {
        app.message = Some(format!(
            "line {line}: the program has {} lines",
            app.source_lines.len()
        ));
        return;
    }
    app.breakpoints.lines.insert(line);
    app.message = Some(format!("breakpoint on line {line} set"));
}

fn toggle_source_break(app: &mut App, s: Source) {
    if app.breakpoints.sources.remove(&s) {
        app.message = Some(format!("breakpoint on {s} cleared"));
    } else {
        app.breakpoints.sources.insert(s);
        app.message = Some(format!("breakpoint on {s} set"));
    }
}

/// The first event after `from` (`forward`) or the last before it that hits a breakpoint: the
/// main line changes to a breakpoint line, or a breakpoint source raises an interrupt.
pub fn next_break(app: &App, from: usize, forward: bool) -> Option<usize> {
    let find = |list: &[u32]| {
        if forward {
            next_in(list, from)
        } else {
            prev_in(list, from)
        }
    };
    let lines = app.breakpoints.lines.iter().filter_map(|l| {
        app.index
            .line_events
            .get(l)
            .and_then(|v| find(v.as_slice()))
    });
    let sources = app.breakpoints.sources.iter().filter_map(|s| {
        app.index
            .irqs_by_source
            .get(s)
            .and_then(|v| find(v.as_slice()))
    });
    let all = lines.chain(sources);
    if forward { all.min() } else { all.max() }
}

/// What breakpoint event `i` hits, for the status bar.
pub fn break_label(app: &App, i: usize) -> String {
    let e = &app.trace().events[i];
    match source_of(&e.kind) {
        Some(s) if app.breakpoints.sources.contains(&s) => format!("breakpoint: {s} raised"),
        _ => format!("breakpoint: line {}", e.line),
    }
}

/// Cursor forward to the last event at or before `t`, or to the first breakpoint hit before it.
fn run_to(app: &mut App, t: u64) {
    if let Some(live) = &mut app.live
        && t > live.now_ns
    {
        live.run_to_ns = Some(t);
        live.paused = false;
        return;
    }
    let target = app.event_at(t).max(app.cursor);
    match next_break(app, app.cursor, true).filter(|&b| b <= target) {
        Some(b) => {
            move_cursor(app, b);
            app.message = Some(break_label(app, b));
        }
        None => move_cursor(app, target),
    }
}

/// Selects finding `i`: the cursor goes to the first event of its first step, the side pane to
/// the findings.
pub fn select_finding(app: &mut App, i: usize) {
    app.finding = Some(i);
    app.side = Side::Findings;
    let at = app.findings[i].at().as_ns();
    let first = app
        .trace()
        .events
        .partition_point(|e| e.at.as_ns() < at)
        .min(app.n_events().saturating_sub(1));
    move_cursor(app, first);
}

fn same_source(app: &mut App, next: bool) {
    if let Some((source, bin)) = app.bar {
        let list = in_bar(app, source, bin);
        let to = if next {
            next_in(&list, app.cursor)
        } else {
            prev_in(&list, app.cursor)
        };
        let otherwise = format!(
            "no {} {source} interrupt in the selected bar",
            if next { "later" } else { "earlier" }
        );
        return jump_or_say(app, to, &otherwise);
    }
    let source = app
        .trace()
        .events
        .get(app.cursor)
        .and_then(|e| source_of(&e.kind));
    let Some(source) = source else {
        app.message = Some("the selected event has no interrupt source".into());
        return;
    };
    let list = app
        .index
        .irqs_by_source
        .get(&source)
        .map_or(&[][..], Vec::as_slice);
    let to = if next {
        next_in(list, app.cursor)
    } else {
        prev_in(list, app.cursor)
    };
    let otherwise = format!(
        "no {} interrupt from {source}",
        if next { "later" } else { "earlier" }
    );
    jump_or_say(app, to, &otherwise);
}

/// The latency of the interrupt raised at event `i` (hardware event → first bytecode of its
/// handler), if its handler ran.
pub fn latency_at(app: &App, i: u32) -> Option<u64> {
    let trace = app.trace();
    let Kind::IrqRaised { event, .. } = trace.events.get(i as usize)?.kind else {
        return None;
    };
    let start = app.index.parts.get(event as usize)?.start;
    let started = trace.events.get(start as usize)?.at;
    let raised = trace.event_times.get(event as usize)?;
    Some(started.0.saturating_sub(raised.0))
}

/// Event indices of `source`'s interrupts whose latency falls into histogram bin `bin`.
pub fn in_bar(app: &App, source: Source, bin: usize) -> Vec<u32> {
    let Some(h) = app.histograms.get(&source) else {
        return Vec::new();
    };
    app.index
        .irqs_by_source
        .get(&source)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .copied()
        .filter(|&i| latency_at(app, i).is_some_and(|ns| h.bin_of(ns) == bin))
        .collect()
}

/// `x`/`X`: the next (previous) non-empty bar, over all sources in report order.
fn select_bar(app: &mut App, next: bool) {
    let bars: Vec<(Source, usize)> = app
        .histograms
        .iter()
        .flat_map(|(s, h)| {
            h.bins
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(move |(b, _)| (*s, b))
        })
        .collect();
    if bars.is_empty() {
        app.message = Some("no latency samples".into());
        return;
    }
    let at = app.bar.and_then(|b| bars.iter().position(|x| *x == b));
    let k = match (at, next) {
        (None, true) => 0,
        (None, false) => bars.len() - 1,
        (Some(k), true) => (k + 1) % bars.len(),
        (Some(k), false) => (k + bars.len() - 1) % bars.len(),
    };
    let (source, bin) = bars[k];
    app.bar = Some((source, bin));
    let h = &app.histograms[&source];
    let (lo, hi) = h.range_ns(bin);
    let us = |ns: u64| format!("{}.{}", ns / 1_000, ns % 1_000 / 100);
    app.message = Some(format!(
        "{source} latency {}-{} us: {} interrupts; }} {{ step through them, Esc clears",
        us(lo),
        us(hi),
        h.bins[bin]
    ));
}

/// The interrupt source an event belongs to, if any.
pub fn source_of(kind: &Kind) -> Option<Source> {
    match *kind {
        Kind::IrqRaised { source, .. }
        | Kind::IrqMasked { source, .. }
        | Kind::IsrRun { source, .. }
        | Kind::IrqCoalesced { source, .. }
        | Kind::CallbackQueued { source, .. }
        | Kind::CallbackDropped { source, .. }
        | Kind::CallbackStart { source, .. }
        | Kind::CallbackEnd { source, .. }
        | Kind::HardStart { source, .. }
        | Kind::HardEnd { source, .. } => Some(source),
        _ => None,
    }
}

pub(crate) fn jump_or_say(app: &mut App, to: Option<usize>, otherwise: &str) {
    match to {
        Some(i) => move_cursor(app, i),
        None => app.message = Some(otherwise.to_string()),
    }
}

/// The first index in the sorted `list` after `cursor`.
pub(crate) fn next_in(list: &[u32], cursor: usize) -> Option<usize> {
    let k = list.partition_point(|&i| i as usize <= cursor);
    list.get(k).map(|&i| i as usize)
}

/// The last index in the sorted `list` before `cursor`.
pub(crate) fn prev_in(list: &[u32], cursor: usize) -> Option<usize> {
    let k = list.partition_point(|&i| (i as usize) < cursor);
    k.checked_sub(1).map(|k| list[k] as usize)
}

/// Advances the playhead by `wall_ns` of wall-clock time; the window pages along with it.
fn play(app: &mut App, wall_ns: u64) {
    if !app.playing {
        return;
    }
    let step = app.sim_step_ns(wall_ns);
    app.playhead_ns = app.playhead_ns.saturating_add(step);
    if app.playhead_ns >= app.index.end {
        app.playhead_ns = app.index.end;
        app.playing = false;
    }
    let to = app.event_at(app.playhead_ns);
    if let Some(b) = next_break(app, app.cursor, true).filter(|&b| b <= to) {
        app.playing = false;
        move_cursor(app, b);
        app.message = Some(break_label(app, b));
        return;
    }
    app.cursor = to;
    app.op = None;
    app.follow(app.playhead_ns);
}

fn move_cursor(app: &mut App, to: usize) {
    app.op = None;
    app.cursor = to.min(app.n_events().saturating_sub(1));
    let t = app.cursor_ns();
    app.playhead_ns = t;
    let span = app.span_ns();
    if t < app.view_start_ns || t >= app.view_start_ns + span {
        app.view_start_ns = t.saturating_sub(span / 2);
    }
}

fn zoom(app: &mut App, level: usize) {
    let t = app.cursor_ns();
    let old_span = app.span_ns();
    // Keep the cursor where it is on screen if it is visible, else centre it.
    let offset = t.checked_sub(app.view_start_ns).filter(|&o| o < old_span);
    app.zoom = level;
    let span = app.span_ns();
    app.view_start_ns = match offset {
        Some(o) => t.saturating_sub((o as u128 * span as u128 / old_span as u128) as u64),
        None => t.saturating_sub(span / 2),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;
    use crate::trace::{Ctx, Trace};
    use crate::tui::app::{HISTOGRAM_BINS, Recording};

    /// Ten events 1 ms apart; an IRQ at events 3 and 7; the line changes at event 5.
    fn app() -> App {
        let mut t = Trace::new(100);
        for i in 0..10u64 {
            let kind = if i == 3 || i == 7 {
                t.event_times.push(SimTime(i * 1_000_000));
                Kind::IrqRaised {
                    source: Source::Pin(4),
                    event: t.event_times.len() as u32 - 1,
                }
            } else {
                Kind::SleepEnd
            };
            let line = if i < 5 { 1 } else { 2 };
            t.push(SimTime(i * 1_000_000), Ctx::Main, line, kind);
        }
        let rec = Recording {
            trace: t,
            source: "x = 1\ny = 2\n".into(),
            ..Recording::default()
        };
        App::new(rec, false)
    }

    /// Three pin-4 interrupts whose callbacks start 10 us, 50 us and 12 us after the edge.
    fn app_with_latencies() -> App {
        let mut t = Trace::new(100);
        for (k, lat_us) in [10u64, 50, 12].into_iter().enumerate() {
            let at = SimTime(k as u64 * 1_000_000);
            t.event_times.push(at);
            let (source, event) = (Source::Pin(4), k as u32);
            t.push(at, Ctx::Main, 1, Kind::IrqRaised { source, event });
            let start = SimTime(at.0 + lat_us * 1_000);
            t.push(
                start,
                Ctx::Callback,
                2,
                Kind::CallbackStart { source, event },
            );
            t.push(start, Ctx::Callback, 2, Kind::CallbackEnd { source, event });
        }
        App::new(
            Recording {
                trace: t,
                source: "x = 1\ny = 2\n".into(),
                ..Recording::default()
            },
            false,
        )
    }

    // Selecting a histogram bar (x) makes } and { visit only the interrupts whose latency is in
    // that bar; the next bar (x) holds the slow one; Esc drops the selection.
    #[test]
    fn a_latency_bar_selects_its_interrupts() {
        let mut a = app_with_latencies();
        update(&mut a, Message::NextBar);
        assert_eq!(a.bar, Some((Source::Pin(4), 0)));
        assert!(
            a.message.as_deref().unwrap().contains("2 interrupts"),
            "{:?}",
            a.message
        );
        // The cursor starts on the first interrupt (10 us, in the bar); the next in the bar
        // skips the 50 us one (event 3) for the 12 us one (event 6).
        update(&mut a, Message::NextSameSource);
        assert_eq!(a.cursor, 6, "the 50 us interrupt is skipped");
        update(&mut a, Message::NextSameSource);
        assert_eq!(a.cursor, 6);
        assert!(a.message.is_some(), "says there is no later one");
        update(&mut a, Message::PrevSameSource);
        assert_eq!(a.cursor, 0);
        update(&mut a, Message::NextBar);
        let (_, bin) = a.bar.expect("a bar");
        assert_eq!(bin, HISTOGRAM_BINS - 1);
        update(&mut a, Message::NextSameSource);
        assert_eq!(a.cursor, 3, "the 50 us interrupt");
        update(&mut a, Message::Cancel);
        assert_eq!(a.bar, None);
        update(&mut a, Message::PrevBar);
        assert_eq!(
            a.bar,
            Some((Source::Pin(4), HISTOGRAM_BINS - 1)),
            "wraps to the last"
        );
    }

    fn check(msgs: &[Message], cursor: usize) -> App {
        let mut a = app();
        for m in msgs {
            update(&mut a, m.clone());
        }
        assert_eq!(a.cursor, cursor, "after {msgs:?}");
        a
    }

    // Event, interrupt and line navigation move the cursor by the index.
    #[test]
    fn navigation_moves_the_cursor() {
        check(&[Message::NextEvent, Message::NextEvent], 2);
        check(&[Message::PrevEvent], 0);
        check(&[Message::NextIrq], 3);
        check(&[Message::NextIrq, Message::NextIrq], 7);
        check(&[Message::End, Message::PrevIrq], 7);
        check(&[Message::NextLine], 5);
        check(&[Message::End, Message::PrevLine], 5);
        check(&[Message::End, Message::PrevLine, Message::PrevLine], 0);
        check(&[Message::End], 9);
        check(&[Message::End, Message::NextEvent], 9);
        check(&[Message::End, Message::Home], 0);
        let a = check(&[Message::End, Message::NextIrq], 9);
        assert_eq!(a.message.as_deref(), Some("no later interrupt"));
    }

    // Playback moves the playhead by a tenth of the window per wall second and stops at the end.
    #[test]
    fn playback_follows_wall_time() {
        let mut a = app();
        update(&mut a, Message::ZoomIn); // 5 ms window: 0.5 ms per second
        update(&mut a, Message::TogglePlay);
        assert!(a.playing);
        update(&mut a, Message::Tick(4_000_000_000));
        assert_eq!(a.playhead_ns, 2_000_000);
        assert_eq!(a.cursor, 2);
        update(&mut a, Message::Tick(100_000_000_000));
        assert!(!a.playing);
        assert_eq!(a.cursor, 9);
        update(&mut a, Message::TogglePlay); // at the end: nothing to play
        assert!(!a.playing);
    }

    // Same-source navigation follows the selected event's source and says when it cannot.
    #[test]
    fn same_source_navigation() {
        let a = check(&[Message::NextSameSource], 0);
        assert!(a.message.is_some());
        check(&[Message::NextIrq, Message::NextSameSource], 7);
        check(
            &[Message::End, Message::PrevIrq, Message::PrevSameSource],
            3,
        );
    }

    // The prompt parses a duration and jumps to the last event at or before it.
    #[test]
    fn jump_prompt_parses_time() {
        let mut msgs = vec![Message::OpenPrompt];
        msgs.extend("4.5ms".chars().map(Message::PromptInput));
        msgs.push(Message::PromptSubmit);
        let a = check(&msgs, 4);
        assert_eq!(a.mode, Mode::Normal);
        let a = check(
            &[
                Message::OpenPrompt,
                Message::PromptInput('x'),
                Message::PromptSubmit,
            ],
            0,
        );
        assert!(a.message.is_some());
        check(&[Message::JumpTo(100_000_000)], 9);
    }

    // Zooming keeps the cursor's time in the window; the window follows the cursor.
    #[test]
    fn zoom_and_pan_keep_the_window_sane() {
        let mut a = app();
        assert_eq!(a.span_ns(), 10_000_000); // all 9 ms fit
        update(&mut a, Message::JumpTo(7_000_000));
        for _ in 0..3 {
            update(&mut a, Message::ZoomIn);
        }
        assert_eq!(a.span_ns(), 1_000_000);
        let t = a.cursor_ns();
        assert!(a.view_start_ns <= t && t < a.view_start_ns + a.span_ns());
        let before = a.view_start_ns;
        update(&mut a, Message::PanLeft);
        assert_eq!(a.view_start_ns, before - 250_000);
        update(&mut a, Message::PanRight);
        assert_eq!(a.view_start_ns, before);
        update(&mut a, Message::Home);
        assert_eq!(a.view_start_ns, 0);
        update(&mut a, Message::ToggleHelp);
        assert_eq!(a.mode, Mode::Help);
        update(&mut a, Message::Quit);
        assert!(a.quit);
    }

    // Speeds step from 1/1 000 000× to max; from the replay's window pace `>` goes to 1×.
    #[test]
    fn speed_keys_step_through_the_speeds() {
        let mut a = app();
        assert_eq!(a.speed(), Speed::Window);
        update(&mut a, Message::Faster);
        assert_eq!(a.speed(), Speed::PerMillion(1_000_000));
        assert_eq!(a.message.as_deref(), Some("speed 1×"));
        for _ in 0..10 {
            update(&mut a, Message::Faster);
        }
        assert_eq!(a.speed(), Speed::Max);
        for _ in 0..20 {
            update(&mut a, Message::Slower);
        }
        assert_eq!(a.speed(), Speed::PerMillion(1));
        assert_eq!(a.speed().label(), "1/1000000×");
        // At 1/1000× a wall second is a simulated millisecond.
        a.speed = 3;
        assert_eq!(a.sim_step_ns(1_000_000_000), 1_000_000);
    }

    // Playback at max speed runs to the end at once, or to the first breakpoint.
    #[test]
    fn max_speed_runs_to_the_end_or_a_breakpoint() {
        let mut a = app();
        a.speed = SPEED_WINDOW - 1;
        update(&mut a, Message::TogglePlay);
        assert_eq!(a.cursor, 9);
        assert!(!a.playing);
        update(&mut a, Message::Home);
        update(&mut a, Message::OpenBreakPrompt);
        for c in "line 2".chars() {
            update(&mut a, Message::PromptInput(c));
        }
        update(&mut a, Message::PromptSubmit);
        assert!(a.breakpoints.lines.contains(&2));
        update(&mut a, Message::TogglePlay);
        assert_eq!(a.cursor, 5, "stopped where line 2 starts");
        assert_eq!(a.message.as_deref(), Some("breakpoint: line 2"));
    }

    // Line and source breakpoints: toggled at the cursor, hit by continue (both ways), by
    // run-to and by playback.
    #[test]
    fn breakpoints_stop_continue_run_to_and_play() {
        let mut a = app();
        update(&mut a, Message::NextIrq); // event 3, pin 4, line 1
        update(&mut a, Message::ToggleSourceBreak);
        assert!(a.breakpoints.sources.contains(&Source::Pin(4)));
        update(&mut a, Message::Home);
        update(&mut a, Message::Continue);
        assert_eq!(a.cursor, 3);
        update(&mut a, Message::Continue);
        assert_eq!(a.cursor, 7);
        update(&mut a, Message::ReverseContinue);
        assert_eq!(a.cursor, 3);
        update(&mut a, Message::ToggleSourceBreak); // cleared
        assert!(a.breakpoints.is_empty());
        update(&mut a, Message::Continue);
        assert_eq!(a.message.as_deref(), Some("no breakpoint hit later"));
        // A line breakpoint from the source pane: the cursor's line.
        update(&mut a, Message::End); // line 2
        update(&mut a, Message::ToggleLineBreak);
        assert!(a.breakpoints.lines.contains(&2));
        update(&mut a, Message::Home);
        update(&mut a, Message::RunTo(8_000_000));
        assert_eq!(a.cursor, 5);
        update(&mut a, Message::RunTo(8_000_000)); // past the breakpoint now
        assert_eq!(a.cursor, 8);
        update(&mut a, Message::Home);
        update(&mut a, Message::TogglePlay);
        update(&mut a, Message::Tick(100_000_000_000));
        assert_eq!(a.cursor, 5);
        assert!(!a.playing);
        // Bad prompt input is a message, not a breakpoint.
        assert_eq!(parse_break("pin 4"), Ok(Break::Source(Source::Pin(4))));
        assert_eq!(
            parse_break("timer -1"),
            Ok(Break::Source(Source::Timer(-1)))
        );
        assert_eq!(parse_break("L12"), Ok(Break::Line(12)));
        assert!(parse_break("banana").is_err());
        update(&mut a, Message::OpenBreakPrompt);
        update(&mut a, Message::PromptInput('x'));
        update(&mut a, Message::PromptSubmit);
        assert!(
            a.message
                .as_deref()
                .is_some_and(|m| m.contains("give a line"))
        );
    }

    // `s` asks the event loop for the op at the cursor (then after the op shown); the answer
    // moves the cursor to the op's time and keeps the op; any other move forgets it.
    #[test]
    fn step_bytecode_requests_and_shows_the_op() {
        use crate::tui::app::OpInfo;
        let mut a = app();
        update(&mut a, Message::JumpTo(2_000_000));
        update(&mut a, Message::StepOp);
        assert_eq!(a.request, Some(Request::OpAt(2_000_001)));
        let op = OpInfo {
            at_ns: 2_500_000,
            ctx: crate::trace::Ctx::Main,
            line: 1,
            code: "<module>".into(),
            ip: 7,
            listing: vec!["     7    1  LOAD_NAME x".into()],
            row: 0,
        };
        a.request = None;
        update(&mut a, Message::OpFound(Ok(Box::new(op.clone()))));
        assert_eq!(a.op.as_ref(), Some(&op));
        assert_eq!(a.cursor, 2);
        // The status bar's time is the op's, not the cursor event's (was 0.002000000s).
        let status = crate::tui::view::status_text(&a);
        assert!(status.contains("t=0.002500000s"), "{status}");
        assert_eq!((a.moment_ns(), a.playhead_ns), (2_500_000, 2_500_000));
        update(&mut a, Message::StepOp);
        assert_eq!(a.request, Some(Request::OpAt(2_500_001)));
        update(&mut a, Message::OpFound(Err("the run has ended".into())));
        assert_eq!(a.message.as_deref(), Some("the run has ended"));
        assert!(a.op.is_some());
        update(&mut a, Message::NextEvent);
        assert!(a.op.is_none());
    }

    // Findings: next/previous cycle through the list, select it, show the findings pane and
    // put the cursor on the first event of its first step.
    #[test]
    fn finding_jump_moves_the_cursor_to_the_interleaving() {
        use crate::analysis::findings::{Finding, Rule, Step, Who};
        let mut a = app();
        update(&mut a, Message::NextFinding);
        assert_eq!(a.message.as_deref(), Some("no findings in this run"));
        let f = |at_ms: u64| Finding {
            rule: Rule::LostUpdate,
            subject: "count".into(),
            who: Who::Main,
            line: 2,
            other: None,
            other_line: 0,
            steps: vec![Step {
                at: SimTime(at_ms * 1_000_000),
                who: Who::Main,
                line: 2,
                what: "reads `count`".into(),
            }],
            count: 1,
            message: "lost".into(),
            remedy: "disable irq".into(),
        };
        a.findings = vec![f(6), f(2)];
        update(&mut a, Message::NextFinding);
        assert_eq!((a.finding, a.cursor, a.side), (Some(0), 6, Side::Findings));
        update(&mut a, Message::NextFinding);
        assert_eq!((a.finding, a.cursor), (Some(1), 2));
        update(&mut a, Message::NextFinding);
        assert_eq!(a.finding, Some(0));
        update(&mut a, Message::PrevFinding);
        assert_eq!(a.finding, Some(1));
        update(&mut a, Message::ToggleSide);
        assert_eq!(a.side, Side::Latency);
    }
}
