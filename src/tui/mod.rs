//! `irqlab tui`: an interactive view of a run's trace, replayed or live.
//!
//! Replay: the simulation runs to completion first (exactly as `irqlab run --findings` does,
//! same trace). Live ([`live`]): a simulation thread hands the run over in chunks through a
//! bounded channel and the view reveals it paced to the wall clock. Either way the TUI is a
//! view of a [`crate::trace::Trace`] in The Elm Architecture: one [`app::App`] model, a closed
//! [`message::Message`] set, a pure [`update::update`] (and [`live_update`]) and a
//! [`view::view`] that draws the panes of [`widgets`]. [`ops`] finds the bytecode op at a
//! moment by a deterministic re-run. [`terminal`] owns raw mode and its restoration on exit
//! and on panic.
//!
//! This module is the edge: it reads the terminal, `NO_COLOR`, and — only for playback pacing
//! and in [`measure`] — the wall clock. The core it calls stays deterministic.

pub mod app;
pub mod index;
pub mod layout;
pub mod live;
pub mod live_update;
pub mod message;
pub mod ops;
pub mod runs;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};
use ratatui::layout::Rect;

use crate::bench::Figure;
use crate::run::{RunError, RunSpec};
use crate::time::SimTime;
use crate::trace::{Ctx, Kind, Source, Trace};
use app::{App, Recording};
use message::{ChunkMsg, Message};
pub use runs::{load, simulate, tracked};

/// `irqlab tui`: replay (`live = false`: run `spec` to completion, then browse its trace) or
/// live mode (the simulation runs on its own thread while the screen follows it). Returns the
/// exit code (0), or an error for bad input or a terminal failure.
pub fn run(spec: RunSpec, live: bool) -> Result<i32, RunError> {
    let spec = tracked(&spec);
    let (mut app, feed) = if live {
        // Bad input is reported before the terminal is touched, as in replay.
        let limit = crate::run::load(&spec)?.limit();
        let rx = live::spawn(spec.clone())?;
        (App::live(spec, limit.as_ns(), color_wanted()), Some(rx))
    } else {
        (App::new(simulate(&spec)?, color_wanted()), None)
    };
    let mut term =
        terminal::init().map_err(|e| RunError::io(format!("cannot set up the terminal: {e}")))?;
    let res = event_loop(&mut term, &mut app, feed.as_ref());
    terminal::restore();
    res.map_err(|e| RunError::io(format!("terminal: {e}")))?;
    Ok(0)
}

/// Colour unless `NO_COLOR` is set to a non-empty value (no-color.org).
fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// How often the screen is redrawn while playing back or running live.
const FRAME: Duration = Duration::from_millis(33);

/// True while the screen changes without input (playback, or an unpaused live run that has
/// more to show).
fn animating(app: &App) -> bool {
    let live_running = app
        .live
        .as_ref()
        .is_some_and(|l| !l.paused && live_update::finished(app).is_none());
    app.playing || live_running
}

fn event_loop(
    term: &mut terminal::Tui,
    app: &mut App,
    feed: Option<&crossbeam_channel::Receiver<live::Feed>>,
) -> io::Result<()> {
    let mut last_tick = now();
    while !app.quit {
        // Live: take a chunk only when the app wants one, never waiting for it.
        if let Some(rx) = feed
            && live_update::wants_chunk(app)
        {
            match rx.try_recv() {
                Ok(live::Feed::Chunk(c)) => update::update(app, Message::Chunk(ChunkMsg(c))),
                Ok(live::Feed::Failed(e)) => update::update(app, Message::LiveFailed(e)),
                Err(_) => {}
            }
        }
        if let Some(app::Request::OpAt(t)) = app.request.take() {
            let res = ops::op_at(&app.rec.spec, t, &app.rec.trace).map(Box::new);
            update::update(app, Message::OpFound(res));
        }
        term.draw(|f| view::view(app, f))?;
        // Nothing animating: block until the next key or resize.
        if animating(app) && !event::poll(FRAME)? {
            let t = now();
            let wall = t.duration_since(last_tick).as_nanos() as u64;
            last_tick = t;
            update::update(app, Message::Tick(wall));
            continue;
        }
        let msg = match event::read()? {
            Event::Key(key) if key.kind == KeyEventKind::Press => message::for_key(&app.mode, key),
            Event::Mouse(m) => {
                let size = term.size()?;
                message::for_mouse(app, Rect::new(0, 0, size.width, size.height), m)
            }
            _ => None,
        };
        if let Some(msg) = msg {
            let was = animating(app);
            update::update(app, msg);
            if animating(app) && !was {
                last_tick = now();
            }
        }
    }
    Ok(())
}

/// A synthetic trace of `n_events` events: a bouncing pin every 100 µs whose ISR queues a
/// callback that prints; every 16th event is dropped. For benchmarks and scale tests.
pub fn synthetic_trace(n_events: usize) -> Trace {
    let mut t = Trace::new(n_events);
    let (offset, len) = t.add_text("press\n");
    let src = Source::Pin(4);
    let mut k: u64 = 0;
    while t.events.len() < n_events {
        let base = k * 100_000;
        let event = t.event_times.len() as u32;
        t.event_times.push(SimTime(base));
        let line = 10 + (k % 5) as u32;
        let mut push = |dt: u64, ctx: Ctx, kind: Kind| t.push(SimTime(base + dt), ctx, line, kind);
        let level = (k % 2) as u8;
        push(
            0,
            Ctx::Idle,
            Kind::PinLevel {
                pin: 4,
                level,
                by_program: false,
            },
        );
        push(0, Ctx::Idle, Kind::IrqRaised { source: src, event });
        push(
            0,
            Ctx::Isr,
            Kind::IsrRun {
                source: src,
                event,
                duration_ns: 7_000,
            },
        );
        if k % 16 == 15 {
            push(
                7_000,
                Ctx::Isr,
                Kind::CallbackDropped { source: src, event },
            );
        } else {
            let depth = 1 + (k % 8) as u8;
            push(
                7_000,
                Ctx::Isr,
                Kind::CallbackQueued {
                    source: src,
                    event,
                    depth,
                },
            );
            push(10_000, Ctx::Idle, Kind::IdleEnd);
            push(
                20_000,
                Ctx::Callback,
                Kind::CallbackStart { source: src, event },
            );
            push(25_000, Ctx::Callback, Kind::Print { offset, len });
            push(
                40_000,
                Ctx::Callback,
                Kind::CallbackEnd { source: src, event },
            );
            push(41_000, Ctx::Idle, Kind::IdleStart);
        }
        k += 1;
    }
    t
}

#[expect(
    clippy::disallowed_methods,
    reason = "playback pacing and the TUI benchmark read the wall clock; the simulation does not"
)]
fn now() -> Instant {
    Instant::now()
}

/// Measures the TUI on a synthetic trace of `n_events` events at `width`×`height`: index
/// build time (with the summary and the findings), one full frame (whole run in view, and
/// zoomed in), a scrub (jump to a time and draw), live mode's re-index of a revealed prefix of
/// 100 000 events, and memory per event.
pub fn measure(n_events: usize, width: u16, height: u16) -> Vec<Figure> {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    let fig = |what: &str, value: f64, unit: &'static str| Figure {
        what: format!("tui {n_events} events {width}x{height}: {what}"),
        value,
        unit,
    };
    let trace = synthetic_trace(n_events);
    let t0 = now();
    let mut app = App::new(
        Recording {
            trace,
            name: "synthetic".into(),
            ..Recording::default()
        },
        true,
    );
    let build_ms = t0.elapsed().as_secs_f64() * 1e3;
    let mut term = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    let mut frame_ms = |app: &App| {
        let t0 = now();
        term.draw(|f| view::view(app, f)).expect("test backend");
        t0.elapsed().as_secs_f64() * 1e3
    };
    let best = |f: &mut dyn FnMut() -> f64| (0..10).map(|_| f()).fold(f64::MAX, f64::min);
    let full = best(&mut || frame_ms(&app));
    let end = app.index.end;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut worst_scrub = 0.0f64;
    for _ in 0..10 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let t0 = now();
        update::update(&mut app, Message::JumpTo(seed % end.max(1)));
        term.draw(|f| view::view(&app, f)).expect("test backend");
        worst_scrub = worst_scrub.max(t0.elapsed().as_secs_f64() * 1e3);
    }
    for _ in 0..6 {
        update::update(&mut app, Message::ZoomIn);
    }
    let zoomed = {
        let t0 = now();
        term.draw(|f| view::view(&app, f)).expect("test backend");
        t0.elapsed().as_secs_f64() * 1e3
    };
    let index_bytes = app.index.heap_bytes() as f64 / n_events.max(1) as f64;
    // Live mode re-indexes the revealed prefix when it grows (live_update::reveal).
    let k = n_events.min(100_000);
    let t0 = now();
    let revealed = live::prefix(&app.rec, k);
    app.set_recording(revealed);
    let reveal_ms = t0.elapsed().as_secs_f64() * 1e3;
    let event_bytes = std::mem::size_of::<crate::trace::TraceEvent>() as f64;
    vec![
        fig("index build, summary and findings", build_ms, "ms"),
        fig("frame, whole run in view (best of 10)", full, "ms"),
        fig("frame, zoomed in", zoomed, "ms"),
        fig("scrub: jump + frame (worst of 10)", worst_scrub, "ms"),
        fig(
            &format!("live reveal: re-index {k} events"),
            reveal_ms,
            "ms",
        ),
        fig("trace event", event_bytes, "bytes/event"),
        fig("index", index_bytes, "bytes/event"),
    ]
}
