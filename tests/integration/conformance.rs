//! Conformance: each program in `tests/data/conformance/` must print exactly what
//! real MicroPython printed (`.exp`, recorded from MicroPython, see the folder's README), when
//! run as `irqlab run --quiet <dir>/<name>.py` from that folder. `esp32/` holds irqlab's own
//! programs for the board's machine API, whose expected outputs are reasoned from the facts.

use std::path::Path;
use std::process::Command;

fn irqlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_irqlab"))
}

/// Runs one program from the conformance folder and compares its output with the `.exp`.
#[track_caller]
fn check(rel: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance");
    let exp_path = root.join(rel).with_extension("exp");
    let expected =
        std::fs::read_to_string(&exp_path).expect("every conformance program has a .exp");
    // Outputs recorded from MicroPython's unix port had its static 256-byte emergency exception
    // buffer (MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE); the boards start with none.
    let recorded_on_unix = ["lang/", "sched/", "asyncio/", "irqlab_lang/"]
        .iter()
        .any(|d| rel.starts_with(d));
    let emergency = if recorded_on_unix { "256" } else { "0" };
    let out = irqlab()
        .current_dir(&root)
        .args([
            "run",
            "--quiet",
            "--emergency-exception-buf",
            emergency,
            rel,
        ])
        .output()
        .expect("irqlab runs");
    let actual = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        actual,
        expected,
        "{rel}: output differs from MicroPython's (stderr: {})",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every `.py` under the conformance folder, as paths relative to it, sorted.
fn all_programs() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("conformance folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "py") {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

// Every program of the conformance folder with its `.exp` prints exactly what MicroPython
// printed; the pyboard's programs run on the pyboard (tests/integration/hard_irq.rs), the rest
// here. A new pair is run as soon as it is added.
#[test]
fn every_conformance_program_matches_its_recording() {
    let programs: Vec<String> = all_programs()
        .into_iter()
        .filter(|p| !p.starts_with("pyboard/"))
        .collect();
    assert!(
        programs.len() >= 30,
        "only {} programs found",
        programs.len()
    );
    for rel in &programs {
        check(rel);
    }
}
