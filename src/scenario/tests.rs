//! Tests of scenario loading: the example files parse to the expected `Scenario`, and every
//! class of bad input in tests/data/scenarios/bad/ gives a located `ScenarioError`, never a
//! panic.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::*;
use crate::hw::gpio::{Drive, Level};
use crate::rng::Rng;
use crate::time::SimTime;

fn data(name: &str) -> PathBuf {
    Path::new("tests/data/scenarios").join(name)
}

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(text, Path::new("inline.yaml"))
}

#[track_caller]
fn check_error(text: &str, kind: ScenarioErrorKind, expected: &str) {
    let error = parse(text).expect_err("the scenario should be rejected");
    assert_eq!(error.kind, kind, "{error}");
    assert_eq!(error.to_string(), expected);
}

// The documented example parses, with every section as the docs describe it.
#[test]
fn example_scenario_parses() {
    let scenario = Scenario::load(&data("example.yaml")).unwrap();
    assert_eq!(scenario.name, "Button counter with bounce");
    assert_eq!((scenario.board, scenario.seed), (BoardKind::Esp32, 42));
    assert_eq!(scenario.timeout, SimDuration::from_secs(2));
    let program = scenario.program.as_ref().unwrap();
    assert_eq!(
        program.origin,
        ProgramOrigin::File(data("button_counter.py"))
    );
    assert!(program.source.contains("button.irq(handler=on_press"));
    insta::assert_debug_snapshot!(
        "example_scenario",
        (
            &scenario.source_names,
            &scenario.stimuli,
            &scenario.steps,
            &scenario.expect
        )
    );
    assert_eq!(scenario.step_location(1), Some((42, 5)));
}

// The example's stimuli expand deterministically from its seed (golden file).
#[test]
fn example_stimuli_expand_from_the_seed() {
    let scenario = Scenario::load(&data("example.yaml")).unwrap();
    let root = Rng::from_seed(scenario.seed);
    let mut out = String::new();
    for spec in &scenario.stimuli {
        let (edges, _) = stimuli::expand(spec, &root, SimTime(120_000_000));
        let listing: Vec<String> = edges
            .iter()
            .map(|e| format!("{} {:?}", e.at, e.drive))
            .collect();
        writeln!(
            out,
            "# {} (pin {})\n{}\n",
            spec.name,
            spec.pin.number(),
            listing.join("\n")
        )
        .unwrap();
    }
    insta::assert_snapshot!("example_stimuli_120ms", out);
}

// A Wokwi-style file (name, version, steps only) parses with irqlab's defaults.
#[test]
fn wokwi_style_scenario_parses() {
    let scenario = Scenario::load(&data("wokwi_style.yaml")).unwrap();
    assert_eq!(
        (scenario.seed, scenario.timeout, scenario.program),
        (0, DEFAULT_TIMEOUT, None)
    );
    let kinds: Vec<&StepKind> = scenario.steps.iter().map(|s| &s.kind).collect();
    assert_eq!(
        kinds,
        [
            &StepKind::WaitSerial {
                text: "Hello".into(),
                timeout: None
            },
            &StepKind::Delay(SimDuration::from_ms(500)),
            &StepKind::ExpectPin {
                pin: PinId::new(2).unwrap(),
                value: Level::High
            },
            &StepKind::Delay(SimDuration::from_ms(500)),
        ]
    );
    assert_eq!(scenario.steps[3].name.as_deref(), Some("read it again"));
}

// Every bad file is rejected with the class, location and message in the golden file.
#[test]
fn bad_scenarios_are_rejected_with_locations() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data("bad"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut out = String::new();
    for path in &paths {
        match Scenario::load(path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(error) => writeln!(out, "{:?}\n  {error}", error.kind).unwrap(),
        }
    }
    insta::assert_snapshot!("bad_scenarios", out);
}

// One check per error class, so a regression names the class that broke.
#[test]
fn each_error_class_is_reported() {
    use ScenarioErrorKind::{Invalid, Io, Program, Schema, Syntax};
    let cases = [
        ("syntax.yaml", Syntax, 5, 4),
        ("unknown_key.yaml", Schema, 5, 5),
        ("unitless_duration.yaml", Schema, 3, 10),
        ("negative_period.yaml", Schema, 5, 22),
        ("duty_over_100.yaml", Schema, 5, 33),
        ("zero_period.yaml", Invalid, 6, 15),
        ("unknown_board.yaml", Invalid, 3, 8),
        ("missing_program.yaml", Program, 3, 10),
        ("unknown_source.yaml", Invalid, 6, 5),
        ("empty.yaml", Schema, 1, 1),
    ];
    for (name, kind, line, col) in cases {
        let error = Scenario::load(&data("bad").join(name)).unwrap_err();
        assert_eq!(
            (error.kind, error.line, error.col),
            (kind, line, col),
            "{error}"
        );
    }
    let missing = Scenario::load(&data("no_such_scenario.yaml")).unwrap_err();
    assert_eq!((missing.kind, missing.line), (Io, 0));
    assert_eq!(
        missing.to_string(),
        "tests/data/scenarios/no_such_scenario.yaml: cannot read the scenario: no such file"
    );
}

// Inline programs, source names, default stimulus names and `timer -1` resolve as documented.
#[test]
fn names_and_inline_programs() {
    let text = "\
name: names
version: 1
program: {inline: \"print(1)\"}
sources: {tick: timer 3, soft: timer -1}
stimuli:
  - {pin: 4, edges: [{at: 1ms, level: 1}]}
  - {pin: 4, edges: [{at: 2ms, level: 0}]}
  - {pin: 5, name: clock, square: {period: 1ms, high: 100us}}
expect:
  irq:
    tick: {dropped: 0}
    soft: {latency: {max: 1ms}}
    clock: {dropped: {min: 1}}
    pin 4: {latency: {p99: 250us}}
";
    let scenario = parse(text).unwrap();
    assert_eq!(
        scenario.program.unwrap(),
        Program {
            origin: ProgramOrigin::Inline,
            source: "print(1)".into()
        }
    );
    let names: Vec<&str> = scenario.stimuli.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["pin 4", "pin 4 #2", "clock"]);
    let pin5 = IrqSource::Pin(PinId::new(5).unwrap());
    assert_eq!(
        scenario.source_names,
        [
            ("tick".into(), IrqSource::Timer(3)),
            ("soft".into(), IrqSource::VirtualTimers),
            ("clock".into(), pin5)
        ]
    );
    let sources: Vec<IrqSource> = scenario.expect.irq.iter().map(|e| e.source).collect();
    assert_eq!(
        sources[..3],
        [IrqSource::Timer(3), IrqSource::VirtualTimers, pin5]
    );
    assert_eq!(
        scenario.expect.irq[2].dropped,
        Some(CountBound { min: 1, max: None })
    );
}

// Smaller semantic checks, each with its exact message.
#[test]
fn semantic_errors_have_exact_messages() {
    let header = "name: x\nversion: 1\n";
    check_error(
        &format!("{header}steps:\n  - {{}}\n"),
        ScenarioErrorKind::Invalid,
        "inline.yaml:4:5: steps[0]: a step needs a command: delay, wait-serial, write-serial, expect-pin, set-pin or wait-pin",
    );
    check_error(
        &format!("{header}sources:\n  pin 3: timer 0\n"),
        ScenarioErrorKind::Invalid,
        "inline.yaml:4:3: sources.pin 3: `pin 3` cannot be a name: it already means a source",
    );
    check_error(
        &format!("{header}expect:\n  irq:\n    timer 4: {{dropped: 0}}\n"),
        ScenarioErrorKind::Invalid,
        "inline.yaml:5:5: expect.irq.timer 4: no timer 4: hardware timers are 0-3, virtual timers -1",
    );
    check_error(
        &format!("{header}expect:\n  irq:\n    timer 0: {{dropped: {{min: 3, max: 1}}}}\n"),
        ScenarioErrorKind::Invalid,
        "inline.yaml:5:24: expect.irq.timer 0.dropped: `min` is larger than `max`",
    );
    check_error(
        &format!(
            "{header}stimuli:\n  - {{pin: 4, square: {{period: 1ms, duty: 50%, high: 1us}}}}\n"
        ),
        ScenarioErrorKind::Invalid,
        "inline.yaml:4:22: stimuli[0].square: give exactly one of `duty` (e.g. 50%) and `high` (e.g. 200us)",
    );
    check_error(
        &format!("{header}steps:\n  - write-serial: [3, 256]\n"),
        ScenarioErrorKind::Schema,
        "inline.yaml:4:23: steps[0].write-serial[1]: invalid value: integer `256`, expected u8",
    );
}

// Values with units, levels and byte lists convert exactly.
#[test]
fn step_values_convert_exactly() {
    let text = "\
name: steps
version: 1
steps:
  - wait-pin: {pin: 36, value: 0, timeout: 1.5ms}
  - set-pin: {pin: 4, value: z}
  - write-serial: \"a\\x03\"
  - write-serial: [3, 4]
";
    let kinds: Vec<StepKind> = parse(text)
        .unwrap()
        .steps
        .into_iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            StepKind::WaitPin {
                pin: PinId::new(36).unwrap(),
                value: Level::Low,
                timeout: Some(SimDuration::from_us(1_500))
            },
            StepKind::SetPin {
                pin: PinId::new(4).unwrap(),
                drive: Drive::Float
            },
            StepKind::WriteSerial(vec![b'a', 3]),
            StepKind::WriteSerial(vec![3, 4]),
        ]
    );
}

// No prefix of the example (a truncated or half-written file) makes the loader panic.
#[test]
fn truncated_files_never_panic() {
    let text = std::fs::read_to_string(data("example.yaml")).unwrap();
    let path = data("example.yaml");
    let mut n_errors = 0;
    for end in (0..text.len())
        .step_by(5)
        .filter(|&end| text.is_char_boundary(end))
    {
        if Scenario::parse(&text[..end], &path).is_err() {
            n_errors += 1;
        }
    }
    assert!(n_errors > 0);
}

// CountBound is inclusive at both ends.
#[test]
fn count_bounds_are_inclusive() {
    let exactly_zero = CountBound {
        min: 0,
        max: Some(0),
    };
    assert!(exactly_zero.contains(0) && !exactly_zero.contains(1));
    let at_least_two = CountBound { min: 2, max: None };
    assert!(
        !at_least_two.contains(1) && at_least_two.contains(2) && at_least_two.contains(u64::MAX)
    );
}

// The example in docs/scenario-format.md is the example file, byte for byte.
#[test]
fn documented_example_is_the_example_file() {
    let doc = std::fs::read_to_string("docs/scenario-format.md").unwrap();
    let section = &doc[doc
        .find("## Example")
        .expect("the doc has an Example section")..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let end = start + section[start..].find("```\n").unwrap();
    let example = std::fs::read_to_string(data("example.yaml")).unwrap();
    assert_eq!(&section[start..end], example);
}

// Values at the edge of simulated time are refused or handled, never a panic.
#[test]
fn extreme_values_do_not_panic() {
    let header = "name: x\nversion: 1\n";
    let max = "18446744073s"; // just below 2^64 ns
    let bodies = [
        format!("stimuli:\n  - {{pin: 4, button: {{press: {max}, bounces: 1}}}}\n"),
        format!("stimuli:\n  - {{pin: 4, button: {{press: 1ms, release: {max}}}}}\n"),
        format!("stimuli:\n  - {{pin: 4, square: {{period: {max}, high: 1ns, start: {max}}}}}\n"),
        format!(
            "stimuli:\n  - {{pin: 4, jittered: {{period: {max}, jitter: 9000000000s, width: 1ns}}}}\n"
        ),
        format!("stimuli:\n  - {{pin: 4, poisson: {{mean-interval: {max}, width: {max}}}}}\n"),
        format!("timeout: {max}\nsteps:\n  - delay: {max}\n"),
        "seed: 18446744073709551616\n".to_owned(),
        "stimuli:\n  - {pin: 4, button: {press: 1ms, bounces: 4294967295}}\n".to_owned(),
    ];
    let root = Rng::from_seed(0);
    for body in bodies {
        if let Ok(scenario) = parse(&format!("{header}{body}")) {
            for spec in &scenario.stimuli {
                let _ = stimuli::expand(spec, &root, SimTime(u64::MAX));
            }
        }
    }
}

// Timer numbers follow the board: the pyboard's pyb.Timer 1-14 (timer 4 in the ISR guide), the
// esp32's hardware timers 0-3; the other board's numbers are errors located at the key.
#[test]
fn timer_sources_follow_the_board() {
    let text = |board: &str, timer: &str| {
        format!(
            "name: t\nversion: 1\nboard: {board}\nexpect:\n  irq:\n    {timer}: {{dropped: 0}}\n"
        )
    };
    let pyb = parse(&text("pyboard", "timer 4")).expect("pyboard has timer 4");
    assert_eq!(pyb.expect.irq[0].source, IrqSource::Timer(4));
    let err = parse(&text("pyboard", "timer 0")).expect_err("no TIM0 on the STM32F405");
    assert!(err.to_string().contains("6:5"), "{err}");
    assert!(err.to_string().contains("1-14"), "{err}");
    let err = parse(&text("esp32", "timer 4")).expect_err("the esp32 has timers 0-3");
    assert!(err.to_string().contains("0-3"), "{err}");
}

// `.yaml` and `.yml` files are scenarios (for `irqlab run`, `explore`, `tui` and the run
// module alike); anything else is a program.
#[test]
fn scenario_files_by_extension() {
    assert!(is_scenario(Path::new("scenarios/bounce.yaml")));
    assert!(is_scenario(Path::new("b.yml")));
    assert!(!is_scenario(Path::new("bounce.py")));
    assert!(!is_scenario(Path::new("yaml")));
}
