//! `update` for live mode: the live clock, revealing events from the newest chunk, breakpoints
//! on the way, and taking chunks. Pure like the `update` module's `update`, which calls it.
//!
//! The app's recording is the *revealed* prefix of the newest chunk: every pane, the findings
//! and the statistics describe the run up to the live clock, never beyond it.

use super::app::{App, Recording, Speed};
use super::live::{Chunk, prefix};

/// Revealed-event counts above this rebuild the view's index only when the count grew by a
/// quarter (or the clock stopped), so a fast live run does not re-index every frame: the
/// re-index (index, summary, findings) costs about 0.5 µs per event (`docs/performance.md`),
/// 10 ms at this count.
const REBUILD_EVERY_FRAME_BELOW: usize = 20_000;

/// The live clock moves by `wall_ns` × speed, up to what the simulation has delivered.
pub fn tick(app: &mut App, wall_ns: u64) {
    let step = app.sim_step_ns(wall_ns);
    let Some(live) = &mut app.live else {
        return;
    };
    if live.paused {
        return;
    }
    let Some(chunk) = &live.chunk else {
        live.waiting = true;
        return;
    };
    let end = chunk.trace.events.last().map_or(0, |e| e.at.as_ns());
    // Before the full run arrives only the events before the horizon are final.
    let limit = if live.done {
        end
    } else {
        live.horizon_ns.saturating_sub(1)
    };
    let mut target = live.now_ns.saturating_add(step).min(limit);
    let mut stop = None;
    if let Some(t) = live.run_to_ns
        && target >= t
    {
        target = t;
        stop = Some(format!("ran to {}", crate::time::SimTime(t)));
    }
    live.waiting = !live.done && target >= limit;
    reveal(app, target, stop);
}

/// Shows the chunk's events up to `target` ns, stopping early at a breakpoint.
fn reveal(app: &mut App, mut target: u64, mut stop: Option<String>) {
    let live = app.live.as_mut().expect("live mode");
    let chunk = live.chunk.as_ref().expect("a chunk to reveal");
    let events = &chunk.trace.events;
    let old_n = app.rec.trace.events.len();
    let mut n = events.partition_point(|e| e.at.as_ns() <= target);
    if !app.breakpoints.is_empty() {
        let hit = (old_n..n).find_map(|i| {
            let e = &events[i];
            let line_hit =
                app.breakpoints.lines.contains(&e.line) && (i == 0 || events[i - 1].line != e.line);
            let source_hit = matches!(e.kind, crate::trace::Kind::IrqRaised { source, .. }
                if app.breakpoints.sources.contains(&source));
            (line_hit || source_hit).then_some((i, source_hit))
        });
        if let Some((i, source_hit)) = hit {
            let e = &events[i];
            n = i + 1;
            target = e.at.as_ns();
            stop = Some(if source_hit {
                "breakpoint: interrupt raised".into()
            } else {
                format!("breakpoint: line {}", e.line)
            });
        }
    }
    let finished = live.done && n == events.len();
    let chunk_outcome = chunk.outcome.clone();
    if stop.is_some() || finished {
        live.paused = true;
        live.run_to_ns = None;
    }
    live.now_ns = live.now_ns.max(target);
    let grew_enough = n < REBUILD_EVERY_FRAME_BELOW || n >= old_n + old_n / 4;
    let revealed = (n != old_n && (grew_enough || live.paused)).then(|| prefix(chunk, n));
    if let Some(rec) = revealed {
        app.set_recording(rec);
    }
    if finished {
        app.rec.outcome = chunk_outcome;
    }
    app.cursor = app.n_events().saturating_sub(1);
    app.playhead_ns = target;
    app.op = None;
    if let Some(msg) = stop {
        app.message = Some(msg);
    } else if finished {
        app.message = Some(format!("run {}: replay", app.rec.outcome));
    }
    app.follow(target);
}

/// The simulation thread's next chunk arrived.
pub fn chunk(app: &mut App, c: Chunk) {
    let Some(live) = &mut app.live else {
        return;
    };
    live.horizon_ns = c.horizon_ns;
    live.done = c.last;
    live.waiting = false;
    live.chunk = Some(c.rec);
}

/// True when the UI should take the next chunk off the channel: live, not done, and the live
/// clock past half the current horizon (or the speed is `max`). Otherwise the chunks wait in
/// the channel and, once it is full, the simulation thread waits.
pub fn wants_chunk(app: &App) -> bool {
    match &app.live {
        Some(live) if !live.done => {
            live.chunk.is_none() || app.speed() == Speed::Max || live.now_ns >= live.horizon_ns / 2
        }
        _ => false,
    }
}

/// The recording of a finished live run (everything revealed), if it is finished.
pub fn finished(app: &App) -> Option<&Recording> {
    app.live_finished()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;
    use crate::trace::{Ctx, Kind, Trace};
    use crate::tui::app::{SPEED_REAL_TIME, SPEEDS};
    use crate::tui::message::{ChunkMsg, Message};
    use crate::tui::update::update;

    /// A chunk of ten events 1 ms apart (line 1, then line 2 from 5 ms), final up to `horizon`.
    fn chunk_msg(horizon_ns: u64, last: bool) -> Message {
        let mut t = Trace::new(100);
        for i in 0..10u64 {
            let line = if i < 5 { 1 } else { 2 };
            t.push(SimTime(i * 1_000_000), Ctx::Main, line, Kind::SleepEnd);
        }
        let rec = Recording {
            trace: t,
            source: "a\nb\n".into(),
            outcome: "finished".into(),
            ..Recording::default()
        };
        Message::Chunk(ChunkMsg(Box::new(Chunk {
            rec,
            horizon_ns,
            last,
        })))
    }

    fn live_app() -> App {
        App::live(crate::run::RunSpec::default(), 10_000_000, false)
    }

    // The live clock follows wall time × speed, reveals only what happened by then, stops at
    // the horizon until the next chunk, and pauses/resumes on space.
    #[test]
    fn live_clock_reveals_events_at_speed() {
        let mut a = live_app();
        assert_eq!(a.speed, SPEED_REAL_TIME);
        assert!(wants_chunk(&a));
        update(&mut a, Message::Tick(1_000_000));
        assert!(a.live.as_ref().unwrap().waiting, "no chunk yet");
        update(&mut a, chunk_msg(5_000_000, false));
        update(&mut a, Message::Tick(2_000_000)); // 2 ms at 1×
        assert_eq!(a.n_events(), 3);
        assert_eq!(a.cursor, 2);
        assert!(!wants_chunk(&a), "still well inside the 5 ms horizon");
        update(&mut a, Message::TogglePlay);
        assert!(a.live.as_ref().unwrap().paused);
        update(&mut a, Message::Tick(50_000_000));
        assert_eq!(a.n_events(), 3, "paused: nothing more");
        update(&mut a, Message::TogglePlay);
        update(&mut a, Message::Tick(50_000_000));
        assert_eq!(a.n_events(), 5, "events before the 5 ms horizon only");
        assert!(a.live.as_ref().unwrap().waiting);
        assert!(wants_chunk(&a));
        update(&mut a, chunk_msg(u64::MAX, true));
        assert!(!wants_chunk(&a));
        update(&mut a, Message::Tick(50_000_000));
        assert_eq!(a.n_events(), 10);
        assert!(finished(&a).is_some());
        assert_eq!(a.rec.outcome, "finished");
        // Slow motion: at 1/1 000 000× a wall second is a simulated microsecond.
        a.speed = 0;
        assert_eq!(SPEEDS[a.speed].label(), "1/1000000×");
    }

    // A line breakpoint pauses the live run at the event where the line starts; run-to stops
    // the live clock at its time.
    #[test]
    fn live_run_stops_at_breakpoints_and_run_to() {
        let mut a = live_app();
        update(&mut a, chunk_msg(u64::MAX, true));
        a.breakpoints.lines.insert(2);
        update(&mut a, Message::Tick(1_000_000_000));
        assert_eq!(a.n_events(), 6);
        assert_eq!(a.message.as_deref(), Some("breakpoint: line 2"));
        assert!(a.live.as_ref().unwrap().paused);
        a.breakpoints.lines.clear();
        update(&mut a, Message::RunTo(7_500_000));
        update(&mut a, Message::Tick(1_000_000_000));
        assert_eq!(a.n_events(), 8);
        assert_eq!(a.live.as_ref().unwrap().now_ns, 7_500_000);
        assert!(a.live.as_ref().unwrap().paused);
    }

    // A failed simulation thread stops the live clock and says why; the run-to prompt parses a
    // time and runs the live clock there.
    #[test]
    fn live_failure_and_run_to_prompt() {
        let mut a = live_app();
        update(&mut a, chunk_msg(u64::MAX, true));
        update(&mut a, Message::OpenRunToPrompt);
        for c in "3ms".chars() {
            update(&mut a, Message::PromptInput(c));
        }
        update(&mut a, Message::PromptSubmit);
        assert_eq!(a.live.as_ref().unwrap().run_to_ns, Some(3_000_000));
        update(&mut a, Message::Tick(1_000_000_000));
        assert_eq!(a.n_events(), 4);
        let mut b = live_app();
        update(&mut b, Message::LiveFailed("main.py:3:1: bad".into()));
        assert!(b.live.as_ref().unwrap().paused);
        assert_eq!(b.message.as_deref(), Some("main.py:3:1: bad"));
        assert!(!wants_chunk(&b));
    }
}
