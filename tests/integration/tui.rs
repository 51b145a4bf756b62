//! The TUI (`irqlab tui`): full screens of shipped scenarios at chosen moments, rendered with
//! ratatui's `TestBackend` and compared with insta snapshots; single panes rendered into a
//! `Buffer`; and the frame-time measurement on a synthetic trace.

use std::path::Path;

use irqlab::trace::Kind;
use irqlab::tui::app::{App, Mode};
use irqlab::tui::message::{Message, for_mouse};
use irqlab::tui::update::update;
use irqlab::tui::view::view;
use irqlab::tui::widgets::console::Console;
use irqlab::tui::widgets::detail::Detail;
use irqlab::tui::widgets::pins::Pins;
use irqlab::tui::widgets::timeline::Timeline;
use irqlab::tui::{load, measure, synthetic_trace};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

fn app(scenario: &str) -> App {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(scenario);
    let rec = load(&path, None).unwrap_or_else(|e| panic!("{scenario}: {e}"));
    App::new(rec, false)
}

/// Sends `NextEvent` until the event at the cursor matches `pred` (the `n`-th such event).
fn goto(app: &mut App, n: usize, pred: impl Fn(&Kind) -> bool) {
    let mut seen = 0;
    while app.cursor + 1 < app.n_events() {
        update(app, Message::NextEvent);
        if pred(&app.trace().events[app.cursor].kind) {
            seen += 1;
            if seen == n {
                return;
            }
        }
    }
    panic!("no event #{n} matching");
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    term.draw(|f| view(app, f)).expect("test backend");
    term.backend().to_string()
}

/// Snapshots of `app` at 80×24 and 120×40.
#[track_caller]
fn check_screens(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40));
}

// bounce.yaml at its first dropped callback, zoomed to 1 ms: the queue lane is full (█) and
// marked × where edges were dropped; the detail pane shows the drop's breakdown.
#[test]
fn bounce_at_first_drop() {
    let mut a = app("bounce.yaml");
    goto(&mut a, 1, |k| matches!(k, Kind::CallbackDropped { .. }));
    for _ in 0..a.zoom - 6 {
        update(&mut a, Message::ZoomIn);
    }
    assert_eq!(a.span_ns(), 1_000_000);
    check_screens("bounce_first_drop", &a);
}

// bounce.yaml as it opens: the whole run in view, two bursts of bounce with drops (×).
#[test]
fn bounce_whole_run() {
    let a = app("bounce.yaml");
    insta::assert_snapshot!("bounce_whole_run_120x40", screen(&a, 120, 40));
}

// two_leds.yaml at the third timer callback, whole run in view: two periodic timers, the
// two LED pins toggling, the callback's line highlighted.
#[test]
fn two_leds_third_callback() {
    let mut a = app("two_leds.yaml");
    goto(&mut a, 3, |k| matches!(k, Kind::CallbackStart { .. }));
    check_screens("two_leds_third_callback", &a);
}

// busy_loop_long.yaml at the first callback start, zoomed in to 200 µs: the callback waited
// for the main loop's next backward jump.
#[test]
fn busy_loop_long_first_callback() {
    let mut a = app("busy_loop_long.yaml");
    goto(&mut a, 1, |k| matches!(k, Kind::CallbackStart { .. }));
    while a.span_ns() > 200_000 {
        update(&mut a, Message::ZoomIn);
    }
    check_screens("busy_loop_long_first_callback", &a);
}

// The help overlay lists the keys over the screen; any key closes it.
#[test]
fn help_overlay() {
    let mut a = app("sensor_interrupt.yaml");
    update(&mut a, Message::ToggleHelp);
    insta::assert_snapshot!("help_80x24", screen(&a, 80, 24));
    update(&mut a, Message::ToggleHelp);
    assert_eq!(a.mode, Mode::Normal);
}

// A click on the timeline moves the cursor to that column's time; the wheel zooms; clicks
// elsewhere do nothing.
#[test]
fn mouse_clicks_jump_and_wheel_zooms() {
    let mut a = app("two_leds.yaml");
    let screen = Rect::new(0, 0, 80, 24);
    let mouse = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // 2 s over 69 columns: column 35 (x = 1 + 9 + 35) ends 1 ns before 2 s × 36 / 69.
    let click = mouse(MouseEventKind::Down(MouseButton::Left), 45, 3);
    let msg = for_mouse(&a, screen, click);
    assert_eq!(msg, Some(Message::JumpTo(1_043_478_259)));
    update(&mut a, msg.expect("a click on the timeline"));
    assert!(a.cursor_ns() <= 1_043_478_259);
    assert!(a.trace().events[a.cursor + 1].at.as_ns() > 1_043_478_259);
    let label = mouse(MouseEventKind::Down(MouseButton::Left), 3, 3);
    assert_eq!(for_mouse(&a, screen, label), None);
    let below = mouse(MouseEventKind::Down(MouseButton::Left), 45, 15);
    assert_eq!(for_mouse(&a, screen, below), None);
    let wheel = mouse(MouseEventKind::ScrollUp, 45, 15);
    assert_eq!(for_mouse(&a, screen, wheel), Some(Message::ZoomIn));
}

// Bad input is reported like `irqlab run` does (exit code 2, file named) before the terminal
// is touched.
#[test]
fn tui_bad_input_exits_2() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_irqlab"))
        .args(["tui", "no_such_program.py"])
        .output()
        .expect("run irqlab");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no_such_program.py: cannot read"), "{err}");
    // Live mode checks the input before it starts the simulation thread or the terminal.
    for args in [
        &["tui", "--live", "no_such_program.py"][..],
        &["tui", "--until", "soon", "scenarios/bounce.yaml"][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_irqlab"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run irqlab");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

// `irqlab tui prog.py --board pyboard` runs the program on the Pyboard, as `irqlab run
// --board pyboard` does: `pyb` imports, the status bar names the board, and the trace is the
// one `irqlab run` records. An unknown board is bad input (exit 2) before the terminal is set up.
#[test]
fn tui_board_option_runs_a_program_on_the_pyboard() {
    use clap::Parser as _;
    use irqlab::cli::{Cli, Command};
    let dir = std::env::temp_dir().join(format!("irqlab-test-tui-board-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let prog = dir.join("prog.py");
    std::fs::write(
        &prog,
        "import pyb\nprint('on', pyb.freq()[0] // 1000000, 'MHz')\n",
    )
    .expect("write program");
    let prog = prog.to_str().expect("utf-8 path");
    let args = |board: &str| {
        let cli = Cli::try_parse_from(["irqlab", "tui", prog, "--board", board]).expect("parses");
        let Command::Tui(args) = cli.command else {
            panic!("a tui command")
        };
        args
    };
    let spec = irqlab::cli::tui::spec(&args("pyboard")).expect("a valid spec");
    let rec = irqlab::tui::simulate(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rec.board, "pyboard");
    assert_eq!(rec.outcome, "finished");
    assert_eq!(rec.trace.console(), "on 168 MHz\n");
    assert!(screen(&App::new(rec.clone(), false), 100, 30).contains("pyboard"));
    let run = irqlab::run::run(&irqlab::run::RunSpec {
        board: Some(irqlab::hw::BoardKind::Pyboard),
        track_access: true,
        ..irqlab::run::RunSpec::file(prog)
    })
    .expect("runs");
    assert_eq!(rec.trace.hash(), run.machine.trace().hash());
    // The default board is still the esp32, which has no `pyb`.
    let esp32 = irqlab::tui::simulate(&irqlab::cli::tui::spec(&args("esp32")).expect("valid"))
        .expect("runs");
    assert_eq!(esp32.board, "esp32");
    assert_eq!(esp32.outcome, "uncaught-exception");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_irqlab"))
        .args(["tui", prog, "--board", "nosuch"])
        .output()
        .expect("run irqlab");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--board: unknown board 'nosuch'"), "{err}");
}

// A trace that hit its size limit says so in the timeline's title.
#[test]
fn full_trace_is_flagged() {
    let mut trace = synthetic_trace(20);
    trace.n_dropped = 5;
    let rec = irqlab::tui::app::Recording {
        trace,
        name: "synthetic".into(),
        ..Default::default()
    };
    let text = screen(&App::new(rec, false), 80, 24);
    assert!(
        text.contains("trace full, 5 later events not recorded"),
        "{text}"
    );
}

// Any sequence of messages leaves a drawable app (scenarios and a bare .py): a seeded random
// walk over every message, drawn at three sizes along the way, never panics and keeps the
// cursor in the trace.
#[test]
fn random_message_walk_never_breaks() {
    let msgs = [
        Message::NextEvent,
        Message::PrevEvent,
        Message::NextIrq,
        Message::PrevIrq,
        Message::NextSameSource,
        Message::PrevSameSource,
        Message::NextDrop,
        Message::PrevDrop,
        Message::NextLine,
        Message::PrevLine,
        Message::Home,
        Message::End,
        Message::JumpTo(123_456_789),
        Message::JumpTo(u64::MAX),
        Message::ZoomIn,
        Message::ZoomOut,
        Message::PanLeft,
        Message::PanRight,
        Message::TogglePlay,
        Message::Tick(700_000_000),
        Message::ToggleHelp,
        Message::OpenPrompt,
        Message::PromptInput('5'),
        Message::PromptInput('m'),
        Message::PromptInput('s'),
        Message::PromptBackspace,
        Message::PromptSubmit,
        Message::Cancel,
        Message::Faster,
        Message::Slower,
        Message::StepOp,
        Message::OpFound(Err("no op".into())),
        Message::ToggleLineBreak,
        Message::ToggleSourceBreak,
        Message::Continue,
        Message::ReverseContinue,
        Message::RunTo(50_000_000),
        Message::NextFinding,
        Message::PrevFinding,
        Message::ToggleSide,
        Message::OpenRunToPrompt,
        Message::OpenBreakPrompt,
    ];
    let mut seed: u64 = 7;
    for scenario in [
        "bounce.yaml",
        "two_leds.yaml",
        "shared_buffer_race.yaml",
        "interrupt.py",
    ] {
        let mut a = app(scenario);
        for step in 0..3000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            update(&mut a, msgs[(seed >> 33) as usize % msgs.len()].clone());
            assert!(a.cursor < a.n_events());
            if step % 100 == 0 {
                for (w, h) in [(80, 24), (120, 40), (250, 70)] {
                    screen(&a, w, h);
                }
            }
        }
    }
}

// Below 80×24 the screen says so instead of drawing a broken layout.
#[test]
fn too_small_terminal_says_so() {
    let a = app("two_leds.yaml");
    assert!(screen(&a, 60, 20).contains("too small"));
}

// The pin pane draws a waveform aligned with the timeline's columns: low, an edge, high.
#[test]
fn pins_widget_draws_waveform() {
    let mut a = App::new(
        irqlab::tui::app::Recording {
            trace: synthetic_trace(20),
            ..Default::default()
        },
        false,
    );
    // Events are 100 µs apart; show 200 µs over 20 columns: 10 µs per column.
    a.zoom = 4;
    a.view_start_ns = 50_000;
    let area = Rect::new(0, 0, 29, 1);
    let mut buf = Buffer::empty(area);
    a.cursor = 0; // at t=0: outside the window, no cursor column
    Pins { app: &a }.render(area, &mut buf);
    let expected = Buffer::with_lines(["pin 4 0  ▁▁▁▁▁│▔▔▔▔▔▔▔▔▔│▁▁▁▁"]);
    assert_eq!(buf, expected);
}

/// The symbols of `buf`, one string per row (styles left out: they depend on `NO_COLOR`).
fn rows(buf: &Buffer) -> String {
    let w = buf.area.width as usize;
    let cells: Vec<&str> = buf.content().iter().map(|c| c.symbol()).collect();
    cells
        .chunks(w)
        .map(|r| r.concat())
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(w: impl Widget, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    w.render(area, &mut buf);
    rows(&buf)
}

/// A synthetic run (a pin interrupt every 100 µs), 200 µs in view over 20 columns.
fn synthetic_app(n_events: usize) -> App {
    let mut a = App::new(
        irqlab::tui::app::Recording {
            trace: synthetic_trace(n_events),
            ..Default::default()
        },
        false,
    );
    a.zoom = 4;
    a
}

// The lanes of one interrupt: the ISR (7 µs), the queue at depth 1 until the callback starts
// at +20 µs, the callback until +40 µs, then idle until the next edge wakes the CPU.
#[test]
fn timeline_widget_draws_lanes() {
    let mut a = synthetic_app(20);
    update(&mut a, Message::NextIrq);
    update(&mut a, Message::NextIrq); // the second edge, at 100 µs
    insta::assert_snapshot!("timeline_widget", render(Timeline { app: &a }, 29, 5));
}

// The console shows the last lines printed up to the cursor; the detail pane the breakdown.
#[test]
fn console_and_detail_widgets() {
    let mut a = synthetic_app(40);
    for _ in 0..3 {
        update(&mut a, Message::NextIrq);
    }
    while !matches!(a.trace().events[a.cursor].kind, Kind::CallbackEnd { .. }) {
        update(&mut a, Message::NextEvent);
    }
    let console = render(Console { app: &a }, 30, 4);
    assert_eq!(console.matches("press").count(), 2, "{console}");
    insta::assert_snapshot!("detail_widget", render(Detail { app: &a }, 40, 9));
}

// The benchmark runs on a synthetic trace and reports every figure. The default size keeps
// CI fast; IRQLAB_TUI_BENCH_EVENTS=10000000 measures the figure quoted in docs/tui.md.
#[test]
fn tui_bench_reports_figures() {
    let n = std::env::var_os("IRQLAB_TUI_BENCH_EVENTS")
        .and_then(|v| v.to_str().and_then(|s| s.parse().ok()))
        .unwrap_or(100_000);
    let figures = measure(n, 250, 70);
    assert_eq!(figures.len(), 7);
    for f in &figures {
        println!("{:<70} {:>10.3} {}", f.what, f.value, f.unit);
        assert!(f.value.is_finite() && f.value >= 0.0, "{}", f.what);
    }
}

// asyncio runs get one timeline lane per task: the four blockers and the ThreadSafeFlag waiter
// of the 115 ms lesson each have a lane, and the waiter's lane shows it ran.
#[test]
fn asyncio_task_lanes() {
    let app = app("asyncio_115ms.yaml");
    let names: Vec<&str> = app.index.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == "blocker").count(),
        4,
        "{names:?}"
    );
    assert!(names.contains(&"responder"), "{names:?}");
    let text = screen(&app, 120, 40);
    for n in 2..=5 {
        assert_eq!(text.matches(&format!("│{n} blocker")).count(), 1, "{text}");
    }
    let responder_row = text
        .lines()
        .find(|l| l.contains("│6 respon…"))
        .expect("a responder lane");
    assert!(
        responder_row.contains('░') || responder_row.contains('▒') || responder_row.contains('█'),
        "{responder_row}"
    );
}

/// Snapshots of `app` at the two sizes the issue names: 80×24 and 200×60.
#[track_caller]
fn check_small_and_large(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_200x60"), screen(app, 200, 60));
}

// count_race_pyboard.yaml after `f`: the lost update of `count` is selected, the cursor is on
// its first step (the main loop reads `count` at line 18), the source pane numbers the
// interleaving's lines and the findings pane lists the steps and the remedy.
#[test]
fn count_race_pyboard_first_finding() {
    let mut a = app("count_race_pyboard.yaml");
    assert!(!a.findings.is_empty());
    update(&mut a, Message::NextFinding);
    let f = &a.findings[0];
    assert_eq!(f.rule.name(), "lost-update");
    assert_eq!(a.cursor_ns(), f.at().as_ns());
    assert_eq!(a.cursor_line(), f.steps[0].line);
    check_small_and_large("count_race_pyboard_finding", &a);
}

// count_race_pyboard.yaml, bytecode by bytecode from the finding's first step: the main loop
// has loaded `count` when the hard timer handler runs its own `count += 1` — the interleaving
// the finding reports, op by op (the ops come from a deterministic re-run, tui::ops).
#[test]
fn count_race_pyboard_bytecode_steps_into_the_handler() {
    let mut a = app("count_race_pyboard.yaml");
    update(&mut a, Message::NextFinding);
    let mut ctxs = Vec::new();
    for _ in 0..4 {
        update(&mut a, Message::StepOp);
        let Some(irqlab::tui::app::Request::OpAt(t)) = a.request.take() else {
            panic!("s asks for an op");
        };
        let op = irqlab::tui::ops::op_at(&a.rec.spec, t, &a.rec.trace).map(Box::new);
        update(&mut a, Message::OpFound(op));
        ctxs.push(a.op.as_ref().expect("an op").ctx);
    }
    assert_eq!(ctxs.last(), Some(&irqlab::trace::Ctx::HardIrq), "{ctxs:?}");
    check_small_and_large("count_race_pyboard_bytecode", &a);
}

// shared_buffer_race.yaml with a breakpoint on the timer's interrupts, continued twice: the
// cursor stops where timer 0 raised its second interrupt; the detail shows what the edge
// preempted (the main loop's line) and the latency breakdown.
#[test]
fn shared_buffer_race_breakpoint_on_timer() {
    let mut a = app("shared_buffer_race.yaml");
    update(&mut a, Message::OpenBreakPrompt);
    for c in "timer 0".chars() {
        update(&mut a, Message::PromptInput(c));
    }
    update(&mut a, Message::PromptSubmit);
    update(&mut a, Message::Continue);
    update(&mut a, Message::Continue);
    assert!(matches!(
        a.trace().events[a.cursor].kind,
        Kind::IrqRaised {
            source: irqlab::trace::Source::Timer(0),
            event: 1
        }
    ));
    for _ in 0..a.zoom.saturating_sub(6) {
        update(&mut a, Message::ZoomIn);
    }
    let text = screen(&a, 200, 60);
    assert!(text.contains("during main L"), "{text}");
    check_small_and_large("shared_buffer_race_timer_break", &a);
}

// bounce.yaml at its first drop at 200×60 too (the 80×24 screen is bounce_first_drop).
#[test]
fn bounce_first_drop_large() {
    let mut a = app("bounce.yaml");
    goto(&mut a, 1, |k| matches!(k, Kind::CallbackDropped { .. }));
    for _ in 0..a.zoom - 6 {
        update(&mut a, Message::ZoomIn);
    }
    insta::assert_snapshot!("bounce_first_drop_200x60", screen(&a, 200, 60));
}

// The findings pane alone, rendered into a Buffer: the selected finding's row, its numbered
// interleaving (line, context, what), its sentence and remedy; an unselected list has a hint.
#[test]
fn findings_widget_lists_and_explains() {
    use irqlab::analysis::findings::{Finding, Rule, Step, Who};
    use irqlab::time::SimTime;
    use irqlab::trace::Source;
    use irqlab::tui::widgets::findings::Findings;
    let mut a = synthetic_app(20);
    let step = |ms: u64, who, line, what: &str| Step {
        at: SimTime(ms * 1_000_000),
        who,
        line,
        what: what.into(),
    };
    a.findings = vec![Finding {
        rule: Rule::LostUpdate,
        subject: "count".into(),
        who: Who::Main,
        line: 18,
        other: Some(Who::Callback(Source::Timer(0))),
        other_line: 12,
        steps: vec![
            step(1, Who::Main, 18, "reads `count`"),
            step(2, Who::Callback(Source::Timer(0)), 12, "writes `count`"),
            step(3, Who::Main, 18, "writes `count`"),
        ],
        count: 3,
        message: "an update was lost".into(),
        remedy: "disable_irq".into(),
    }];
    let text = render(Findings { app: &a }, 44, 8);
    assert_eq!(
        text,
        [
            "┌ findings 1 ──────────────────────────────┐",
            "│f: select, cursor to its interleaving     │",
            "│ E lost-update count ×3                   │",
            "│                                          │",
            "│                                          │",
            "│                                          │",
            "│                                          │",
            "└──────────────────────────────────────────┘",
        ]
        .join("\n")
    );
    update(&mut a, Message::NextFinding);
    let text = render(Findings { app: &a }, 44, 8);
    assert_eq!(
        text,
        [
            "┌ findings 1/1 ────────────────────────────┐",
            "│▶E lost-update count ×3                   │",
            "│ 1 L18  main     reads `count`            │",
            "│ 2 L12  cb timer 0 writes `count`         │",
            "│ 3 L18  main     writes `count`           │",
            "│an update was lost                        │",
            "│fix: disable_irq                          │",
            "└──────────────────────────────────────────┘",
        ]
        .join("\n")
    );
}

// asyncio_bridge_right.yaml: the pin callback sets a ThreadSafeFlag; the breakdown of its edge
// ends with the waiting task resumed by the loop, about 5 ms after the edge (the loop's poll).
#[test]
fn breakdown_follows_the_callback_to_the_task_it_woke() {
    let mut a = app("asyncio_bridge_right.yaml");
    goto(&mut a, 1, |k| matches!(k, Kind::CallbackEnd { .. }));
    let text = render(Detail { app: &a }, 60, 10);
    let resumed = text
        .lines()
        .find(|l| l.contains("resumed"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        resumed.contains("+5.0") && resumed.contains("task ") && !resumed.contains('#'),
        "{text}"
    );
}

// asyncio_115ms.yaml at the first pin callback (it sets the ThreadSafeFlag the responder
// waits on): the detail pane's breakdown ends with the responder resumed, on both screen
// sizes (the row was cut off below the pane), and the five task lanes are told apart by the
// report's task numbers (all four blockers were `t blocker`).
#[test]
fn asyncio_115ms_flag_callback() {
    let mut a = app("asyncio_115ms.yaml");
    goto(&mut a, 1, |k| matches!(k, Kind::CallbackStart { .. }));
    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen(&a, w, h);
        assert!(
            text.lines()
                .any(|l| l.contains("resumed") && l.contains("responder")),
            "{w}x{h}:\n{text}"
        );
    }
    let text = screen(&a, 120, 40);
    for lane in [
        "│2 blocker",
        "│3 blocker",
        "│4 blocker",
        "│5 blocker",
        "│6 respon…",
    ] {
        assert_eq!(text.matches(lane).count(), 1, "{lane}:\n{text}");
    }
    check_screens("asyncio_115ms_flag_callback", &a);
}
