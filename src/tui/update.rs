//! `update`: the only function that changes the [`App`]; pure and unit-tested.
//!
//! Cursor moves use the index (binary search over event indices), never a scan of the trace,
//! and keep the cursor inside the visible window by re-centring the window when it leaves.

use super::app::{App, Mode, PLAY_SECONDS_PER_WINDOW, ZOOM_LEVELS_NS};
use super::message::Message;
use crate::trace::{Kind, Source};

/// Applies `msg` to `app`.
pub fn update(app: &mut App, msg: Message) {
    app.message = None;
    match msg {
        Message::NextEvent => move_cursor(app, app.cursor + 1),
        Message::PrevEvent => move_cursor(app, app.cursor.saturating_sub(1)),
        Message::NextIrq => {
            let to = next_in(&app.index.irqs, app.cursor);
            jump_or_say(app, to, "no later interrupt");
        }
        Message::PrevIrq => {
            let to = prev_in(&app.index.irqs, app.cursor);
            jump_or_say(app, to, "no earlier interrupt");
        }
        Message::NextSameSource | Message::PrevSameSource => {
            let next = msg == Message::NextSameSource;
            same_source(app, next);
        }
        Message::NextDrop => {
            let to = next_in(&app.index.drop_events, app.cursor);
            jump_or_say(app, to, "no later drop");
        }
        Message::PrevDrop => {
            let to = prev_in(&app.index.drop_events, app.cursor);
            jump_or_say(app, to, "no earlier drop");
        }
        Message::TogglePlay => {
            app.playing = !app.playing && app.cursor + 1 < app.n_events();
            app.playhead_ns = app.playhead_ns.max(app.cursor_ns());
        }
        Message::Tick(wall_ns) => play(app, wall_ns),
        Message::NextLine => {
            let to = next_in(&app.index.line_changes, app.cursor);
            jump_or_say(app, to, "no later line change");
        }
        Message::PrevLine => {
            let to = prev_in(&app.index.line_changes, app.cursor);
            jump_or_say(app, to, "no earlier line change");
        }
        Message::Home => move_cursor(app, 0),
        Message::End => move_cursor(app, app.n_events().saturating_sub(1)),
        Message::JumpTo(t) => {
            let i = app.event_at(t);
            move_cursor(app, i);
        }
        Message::ZoomIn => zoom(app, app.zoom.saturating_sub(1)),
        Message::ZoomOut => zoom(app, (app.zoom + 1).min(ZOOM_LEVELS_NS.len() - 1)),
        Message::PanLeft => app.view_start_ns = app.view_start_ns.saturating_sub(app.span_ns() / 4),
        Message::PanRight => {
            app.view_start_ns = (app.view_start_ns + app.span_ns() / 4).min(app.index.end);
        }
        Message::ToggleHelp => {
            app.mode = if app.mode == Mode::Help {
                Mode::Normal
            } else {
                Mode::Help
            };
        }
        Message::OpenPrompt => app.mode = Mode::JumpPrompt(String::new()),
        Message::PromptInput(c) => {
            if let Mode::JumpPrompt(text) = &mut app.mode
                && text.len() < 32
            {
                text.push(c);
            }
        }
        Message::PromptBackspace => {
            if let Mode::JumpPrompt(text) = &mut app.mode {
                text.pop();
            }
        }
        Message::PromptSubmit => submit_prompt(app),
        Message::Cancel => app.mode = Mode::Normal,
        Message::Quit => app.quit = true,
    }
}

fn submit_prompt(app: &mut App) {
    let Mode::JumpPrompt(text) = std::mem::replace(&mut app.mode, Mode::Normal) else {
        return;
    };
    match crate::cli::parse_duration(&text) {
        Ok(d) => update(app, Message::JumpTo(d.as_ns())),
        Err(e) => app.message = Some(e),
    }
}

fn same_source(app: &mut App, next: bool) {
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

fn jump_or_say(app: &mut App, to: Option<usize>, otherwise: &str) {
    match to {
        Some(i) => move_cursor(app, i),
        None => app.message = Some(otherwise.to_string()),
    }
}

/// The first index in the sorted `list` after `cursor`.
fn next_in(list: &[u32], cursor: usize) -> Option<usize> {
    let k = list.partition_point(|&i| i as usize <= cursor);
    list.get(k).map(|&i| i as usize)
}

/// The last index in the sorted `list` before `cursor`.
fn prev_in(list: &[u32], cursor: usize) -> Option<usize> {
    let k = list.partition_point(|&i| (i as usize) < cursor);
    k.checked_sub(1).map(|k| list[k] as usize)
}

/// Advances the playhead by `wall_ns` of wall-clock time; the window pages along with it.
fn play(app: &mut App, wall_ns: u64) {
    if !app.playing {
        return;
    }
    let span = app.span_ns();
    let step = wall_ns as u128 * span as u128 / (PLAY_SECONDS_PER_WINDOW as u128 * 1_000_000_000);
    app.playhead_ns = app.playhead_ns.saturating_add(step as u64);
    if app.playhead_ns >= app.index.end {
        app.playhead_ns = app.index.end;
        app.playing = false;
    }
    app.cursor = app.event_at(app.playhead_ns);
    let t = app.playhead_ns;
    if t < app.view_start_ns || t >= app.view_start_ns + span {
        app.view_start_ns = t.saturating_sub(span / 4);
    }
}

fn move_cursor(app: &mut App, to: usize) {
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
    use crate::tui::app::Recording;

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
            ..Recording::default()
        };
        App::new(rec, false)
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
}
