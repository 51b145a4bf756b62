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

/// The rules found when `src` runs on `board` with access tracking.
fn rules_found(src: &str, board: BoardKind, name: &str) -> (BTreeSet<Rule>, String) {
    let mut cfg = RunConfig::for_board(board, SimDuration::from_ms(5000));
    cfg.track_access = true;
    let mut m = Machine::new(&cfg);
    let code = compile_module(src, name).expect("test program compiles");
    m.run_program(code);
    let found = all(m.trace(), &Thresholds::default());
    let text = found
        .iter()
        .map(|f| irqlab::analysis::findings::explain(m.trace(), f))
        .collect();
    (found.iter().map(|f| f.rule).collect(), text)
}

#[test]
fn each_program_gets_exactly_its_findings_and_each_fix_none() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/findings");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    let (mut buggy, mut fixed) = (0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(path).expect("readable");
        let (board, expect) = header(&src);
        if name.ends_with("_fixed.py") {
            assert!(expect.is_empty(), "{name}: a fixed program expects none");
            fixed += 1;
        } else {
            assert!(
                !expect.is_empty(),
                "{name}: a buggy program expects findings"
            );
            let twin = dir.join(name.replace(".py", "_fixed.py"));
            assert!(twin.exists(), "{name} has no corrected twin");
            buggy += 1;
        }
        let (found, text) = rules_found(&src, board, &name);
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
    let run = |file: &str, track: bool| {
        let src = std::fs::read_to_string(dir.join(file)).expect("readable");
        let (board, _) = header(&src);
        let mut cfg = RunConfig::for_board(board, SimDuration::from_ms(5000));
        cfg.track_access = track;
        let mut m = Machine::new(&cfg);
        m.run_program(compile_module(&src, file).expect("compiles"));
        all(m.trace(), &Thresholds::default())
            .iter()
            .map(|f| f.rule)
            .collect::<Vec<_>>()
    };
    assert_eq!(run("lost_update_esp32.py", true), [Rule::LostUpdate]);
    assert!(run("lost_update_esp32.py", false).is_empty());
    assert_eq!(run("long_callback.py", false), [Rule::LongCallback]);
}

// The tracker records only the first and last access per location and epoch; that must not
// change what is found: every corpus program gives the same findings (rule, subject, contexts,
// lines) with compaction on and off, and the same lost-update counts.
#[test]
fn compact_access_recording_loses_no_finding() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/findings");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    for path in files {
        let src = std::fs::read_to_string(&path).expect("readable");
        let (board, _) = header(&src);
        let run = |compact: bool| {
            let mut cfg = RunConfig::for_board(board, SimDuration::from_ms(5000));
            cfg.track_access = true;
            let mut m = Machine::new(&cfg);
            m.rt.tracker.compact = compact;
            m.run_program(compile_module(&src, "main.py").expect("compiles"));
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
        let (compact, n_compact) = run(true);
        let (full, n_full) = run(false);
        assert_eq!(compact, full, "{}", path.display());
        assert!(n_compact <= n_full, "{}", path.display());
    }
}
