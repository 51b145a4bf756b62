//! Findings on student-style programs (tests/data/findings): each buggy program produces
//! exactly the rules its header names, and its corrected `*_fixed.py` twin produces none.

use std::collections::BTreeSet;
use std::path::Path;

use irqlab::analysis::findings::{Rule, Thresholds, all};
use irqlab::hw::BoardKind;
use irqlab::py::compiler::compile_module;
use irqlab::sim::{Machine, RunConfig};
use irqlab::time::SimDuration;

/// The `# board:` and `# expect:` header of a program.
fn header(src: &str) -> (BoardKind, BTreeSet<Rule>) {
    let field = |key: &str| {
        src.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("missing `{key}` header"))
            .trim()
            .to_string()
    };
    let board = match field("# board:").as_str() {
        "esp32" => BoardKind::Esp32,
        "pyboard" => BoardKind::Pyboard,
        other => panic!("unknown board {other}"),
    };
    let expect = field("# expect:");
    let rules = if expect == "none" {
        BTreeSet::new()
    } else {
        expect
            .split(',')
            .map(|r| Rule::from_name(r.trim()).unwrap_or_else(|| panic!("unknown rule {r}")))
            .collect()
    };
    (board, rules)
}

/// The corpus programs, sorted by path.
fn corpus() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/findings");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    files
}

/// The machine after running `src` on the board its header names, for 5 s at most, with
/// access tracking as `track` says and the tracker's compaction as `compact` says.
fn run(src: &str, track: bool, compact: bool) -> Machine {
    let (board, _) = header(src);
    let mut cfg = RunConfig::for_board(board, SimDuration::from_ms(5000));
    cfg.track_access = track;
    let mut m = Machine::new(&cfg);
    m.rt.tracker.compact = compact;
    m.run_program(compile_module(src, "main.py").expect("test program compiles"));
    m
}

/// The rules found when `src` runs with access tracking, and their explanations.
fn rules_found(src: &str) -> (BTreeSet<Rule>, String) {
    let m = run(src, true, true);
    let found = all(m.trace(), &Thresholds::default());
    let text = found
        .iter()
        .map(|f| irqlab::analysis::findings::explain(m.trace(), f))
        .collect();
    (found.iter().map(|f| f.rule).collect(), text)
}

#[test]
fn each_program_gets_exactly_its_findings_and_each_fix_none() {
    let files = corpus();
    let (mut buggy, mut fixed) = (0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(path).expect("readable");
        let (_, expect) = header(&src);
        if name.ends_with("_fixed.py") {
            assert!(expect.is_empty(), "{name}: a fixed program expects none");
            fixed += 1;
        } else {
            assert!(
                !expect.is_empty(),
                "{name}: a buggy program expects findings"
            );
            let twin = path.with_file_name(name.replace(".py", "_fixed.py"));
            assert!(twin.exists(), "{name} has no corrected twin");
            buggy += 1;
        }
        let (found, text) = rules_found(&src);
        if found != expect {
            failures.push(format!(
                "{name}: expected {expect:?}, found {found:?}\n{text}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every rule the corpus can show is covered by at least one program.
    assert!(
        buggy >= 12 && fixed == buggy,
        "{buggy} buggy, {fixed} fixed"
    );
}

// Without access tracking the race rules are silent (they need the Access events), while the
// ISR rules, which read ordinary trace events, still fire.
#[test]
fn race_rules_need_tracking_and_isr_rules_do_not() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/findings");
    let rules = |file: &str, track: bool| {
        let src = std::fs::read_to_string(dir.join(file)).expect("readable");
        let m = run(&src, track, true);
        all(m.trace(), &Thresholds::default())
            .iter()
            .map(|f| f.rule)
            .collect::<Vec<_>>()
    };
    assert_eq!(rules("lost_update_esp32.py", true), [Rule::LostUpdate]);
    assert!(rules("lost_update_esp32.py", false).is_empty());
    assert_eq!(rules("long_callback.py", false), [Rule::LongCallback]);
}

// The tracker records only the first and last access per location and epoch; that must not
// change what is found: every corpus program gives the same findings (rule, subject, contexts,
// lines) with compaction on and off, and the same lost-update counts.
#[test]
fn compact_access_recording_loses_no_finding() {
    let (mut total_compact, mut total_full) = (0, 0);
    for path in corpus() {
        let src = std::fs::read_to_string(&path).expect("readable");
        let observe = |compact: bool| {
            let m = run(&src, true, compact);
            let n_access = m
                .trace()
                .events
                .iter()
                .filter(|e| matches!(e.kind, irqlab::trace::Kind::Access { .. }))
                .count();
            let found: BTreeSet<_> = all(m.trace(), &Thresholds::default())
                .into_iter()
                .map(|f| {
                    let n = if f.rule == Rule::LostUpdate {
                        f.count
                    } else {
                        0
                    };
                    (f.rule, f.subject, f.who, f.line, f.other, f.other_line, n)
                })
                .collect();
            (found, n_access)
        };
        let (compact, n_compact) = observe(true);
        let (full, n_full) = observe(false);
        assert_eq!(compact, full, "{}", path.display());
        assert!(n_compact <= n_full, "{}", path.display());
        total_compact += n_compact;
        total_full += n_full;
    }
    // ...and it does compact, though the corpus interrupts its loops every millisecond (each
    // interrupt starts an epoch): about half the accesses are recorded (372 399 of 731 675).
    assert!(
        total_compact * 4 < total_full * 3,
        "{total_compact} of {total_full} accesses recorded"
    );
}
