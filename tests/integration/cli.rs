//! The `irqlab` executable: exit codes, messages naming file:line:col, time limits, MemoryError,
//! determinism of the trace and JSON report, and the disassembly of `count += 1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn irqlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_irqlab"))
        .args(args)
        .output()
        .expect("irqlab runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Writes `text` to a fresh file in a per-test temporary directory and returns its path.
fn temp_file(test: &str, name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("irqlab-test-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// A Python syntax error is exit code 2 with file:line:col, and --quiet shows it as the board does.
#[test]
fn syntax_error_names_file_line_col() {
    let p = temp_file("syntax", "bad.py", "x = 1\nif x\n    pass\n");
    let o = irqlab(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.py:2:"), "{err}");
    assert!(err.contains("SyntaxError"), "{err}");
    let q = irqlab(&["run", "--quiet", p.to_str().unwrap()]);
    assert!(
        stdout(&q).ends_with("SyntaxError: invalid syntax\n"),
        "{}",
        stdout(&q)
    );
}

// An unknown key in a scenario is exit code 2 with path:line:col.
#[test]
fn bad_scenario_names_line_col() {
    let p = temp_file(
        "scenario",
        "bad.yaml",
        "name: x\nversion: 1\nprogram: {inline: \"print(1)\"}\ntimout: 1s\n",
    );
    let o = irqlab(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad.yaml:4:1"), "{err}");
    assert!(err.contains("timout"), "{err}");
}

// A missing file is exit code 2 with a message, never a panic.
#[test]
fn missing_file_is_bad_input() {
    let o = irqlab(&["run", "/nonexistent/prog.py"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

// A program that never ends stops at the time limit with a clear message.
#[test]
fn endless_program_stops_at_time_limit() {
    let p = temp_file("endless", "loop.py", "n = 0\nwhile True:\n    n += 1\n");
    let o = irqlab(&["run", "--until", "20ms", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("stopped at the time limit (0.020000000s)"),
        "{out}"
    );
    assert!(out.contains("outcome: time-limit"), "{out}");
}

// Running out of simulated heap raises MemoryError inside the program, as on the board.
#[test]
fn heap_exhaustion_is_memory_error() {
    let src = "chunks = []\ntry:\n    while True:\n        chunks.append(bytearray(1000))\nexcept MemoryError:\n    print('MemoryError after', len(chunks), 'KB')\n";
    let p = temp_file("heap", "hog.py", src);
    let o = irqlab(&["run", "--quiet", p.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(out.starts_with("MemoryError after "), "{out}");
    let n: u32 = out.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(
        (40..56).contains(&n),
        "a 56 KiB heap holds about 50 such chunks, got {n}"
    );
}

// An uncaught exception prints MicroPython's traceback, with the function name.
#[test]
fn uncaught_exception_traceback() {
    let p = temp_file("exc", "main.py", "def f(x):\n    return 10 // x\n\nf(0)\n");
    let o = irqlab(&["run", "--quiet", p.to_str().unwrap()]);
    let name = p.to_str().unwrap();
    let want = format!(
        "Traceback (most recent call last):\n  File \"{name}\", line 4, in <module>\n  File \"{name}\", line 2, in f\nZeroDivisionError: divide by zero\n"
    );
    assert_eq!(stdout(&o), want);
}

// `Pin.irq(hard=True)` is refused exactly as the esp32 port refuses it.
#[test]
fn pin_irq_has_no_hard_argument() {
    let src = "from machine import Pin\np = Pin(4, Pin.IN)\ntry:\n    p.irq(handler=print, hard=True)\nexcept TypeError as e:\n    print(e)\n";
    let p = temp_file("hard", "hard.py", src);
    assert_eq!(
        stdout(&irqlab(&["run", "--quiet", p.to_str().unwrap()])),
        "extra keyword arguments given\n"
    );
}

// The same scenario and seed give a byte-identical JSON report (which carries the trace hash).
#[test]
fn runs_are_deterministic() {
    let scenario = root().join("scenarios/bounce.yaml");
    let a = temp_file("det", "a.json", "");
    let b = temp_file("det", "b.json", "");
    for out in [&a, &b] {
        let o = irqlab(&[
            "run",
            "--quiet",
            scenario.to_str().unwrap(),
            "--json",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let (ja, jb) = (
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap(),
    );
    assert_eq!(ja, jb);
    assert!(ja.contains("\"trace_hash\""));
    // A different seed moves the bounce edges, so the trace differs.
    let c = temp_file("det", "c.json", "");
    irqlab(&[
        "run",
        "--quiet",
        scenario.to_str().unwrap(),
        "--seed",
        "8",
        "--json",
        c.to_str().unwrap(),
    ]);
    assert_ne!(ja, std::fs::read_to_string(&c).unwrap());
}

// A failed expectation is exit code 1.
#[test]
fn failed_expectation_is_exit_1() {
    let yaml = "name: t\nversion: 1\nprogram: {inline: \"print('hi')\"}\nexpect:\n  serial:\n    contains: bye\n";
    let p = temp_file("fail", "t.yaml", yaml);
    let o = irqlab(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("expect FAIL: serial contains \"bye\""),
        "{}",
        stdout(&o)
    );
}

// `irqlab disasm` shows MicroPython's sequence for `global count; count += 1` with costs.
#[test]
fn disasm_count_increment() {
    let p = temp_file(
        "disasm",
        "count.py",
        "count = 0\n\ndef isr(t):\n    global count\n    count += 1\n",
    );
    let o = irqlab(&["disasm", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o).replace(p.to_str().unwrap(), "count.py");
    insta::assert_snapshot!("disasm_count_increment", text);
}

/// A scenario whose inline program is `program` and whose only stimulus on pin 4 is `square`.
fn square_scenario(test: &str, timeout: &str, program: &str, square: &str) -> PathBuf {
    let yaml = format!(
        "name: {test}\nversion: 1\ntimeout: {timeout}\nprogram:\n  inline: |\n{}stimuli:\n  - name: s\n    pin: 4\n    square: {{{square}}}\n",
        program
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    temp_file(test, "s.yaml", &yaml)
}

// A stimulus of more edges than the event queue holds runs (issue 14: it panicked with
// `QueueFull { capacity: 65536 }`): edges are queued one per stimulus at a time.
#[test]
fn long_square_wave_runs_to_the_end() {
    let p = square_scenario(
        "sq40",
        "41s",
        "import time\ntime.sleep(40)\n",
        "period: 1ms, duty: 50%, start: 0ms, stop: 40s",
    );
    let o = irqlab(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("outcome: finished"), "{}", stdout(&o));
    let mut yaml = "name: many\nversion: 1\ntimeout: 1s\nprogram: {inline: \"import time\\ntime.sleep(1)\"}\nstimuli:\n".to_string();
    for i in 0..256 {
        yaml += &format!(
            "  - name: s{i}\n    pin: 4\n    square: {{period: 1ms, duty: 50%, start: 0ms, stop: 1s}}\n"
        );
    }
    let p = temp_file("many", "many.yaml", &yaml);
    let o = irqlab(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// A 10 MHz square wave on an IRQ pin for 1 s saturates the board and stops at the time
// limit within seconds of host time (was a panic; then every due edge was delivered past the
// limit).
#[test]
#[allow(clippy::disallowed_methods)] // host time is what this test measures
fn ten_mhz_square_wave_is_bounded() {
    let program =
        "from machine import Pin\ndef h(p):\n    pass\nPin(4, Pin.IN).irq(h, Pin.IRQ_RISING)\n";
    let p = square_scenario(
        "sq10m",
        "1s",
        program,
        "period: 100ns, duty: 50%, start: 0ms, stop: 1s",
    );
    let start = std::time::Instant::now();
    let o = irqlab(&["run", p.to_str().unwrap()]);
    let host = start.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("outcome: time-limit; simulated time 1.000000000s"),
        "{}",
        stdout(&o)
    );
    assert!(host.as_secs() < 10, "took {host:?}");
}

// A scenario's program error is reported where it is (issue 14: it said `main.py:2:5` or the
// program file's basename): inside the scenario's inline block, or at the program file's path.
#[test]
fn scenario_program_errors_are_located() {
    let yaml = "name: e\nversion: 1\nprogram:\n  inline: |\n    print(1)\n    x = = 2\n";
    let p = temp_file("inline-err", "inl.yaml", yaml);
    let o = irqlab(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let want = format!("irqlab: {}:6:9: SyntaxError", p.display());
    assert!(stderr(&o).starts_with(&want), "{}", stderr(&o));

    let yaml = "name: e\nversion: 1\nprogram: {inline: \"x = = 2\"}\n";
    let p = temp_file("inline-err", "flow.yaml", yaml);
    let o = irqlab(&["run", p.to_str().unwrap()]);
    let want = format!("irqlab: {}:3:24: SyntaxError", p.display());
    assert!(stderr(&o).starts_with(&want), "{}", stderr(&o));

    let dir = temp_file("file-err", "p.py", "print(1)\nx = = 2\n");
    let yaml = temp_file("file-err", "f.yaml", "name: e\nversion: 1\nprogram: p.py\n");
    let o = irqlab(&["run", yaml.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let want = format!("irqlab: {}:2:5: SyntaxError", dir.display());
    assert!(stderr(&o).starts_with(&want), "{}", stderr(&o));
}

// A program file that is not UTF-8 is bad input at the line and column of the first bad
// byte, in `run`, `disasm` and a scenario's program file (issue 14: no line:col).
#[test]
fn invalid_utf8_is_located() {
    let p = temp_file("utf8", "bad.py", "print(1)\nx = \"\u{e9}");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.truncate(bytes.len() - 2);
    bytes.extend_from_slice(b"\xff\"\n");
    std::fs::write(&p, &bytes).unwrap();
    let want = format!(
        "irqlab: {}:2:6: SyntaxError: byte 0xff is not UTF-8",
        p.display()
    );
    for cmd in ["run", "disasm"] {
        let o = irqlab(&[cmd, p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).starts_with(&want), "{cmd}: {}", stderr(&o));
    }
    let yaml = temp_file("utf8", "s.yaml", "name: e\nversion: 1\nprogram: bad.py\n");
    let o = irqlab(&["run", yaml.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with(&want), "{}", stderr(&o));
}

// A NUL or escape the program prints is shown escaped in the report mode; `--quiet` stays
// byte-exact (issue 14: it was written raw to the terminal).
#[test]
fn control_characters_are_escaped_in_the_report() {
    let p = temp_file("nul", "nul.py", "print('a\\x00b\\x1bc')\n");
    let o = irqlab(&["run", p.to_str().unwrap()]);
    assert!(
        stdout(&o).starts_with("a\\x00b\\x1bc\n---"),
        "{}",
        stdout(&o)
    );
    let o = irqlab(&["run", "--quiet", p.to_str().unwrap()]);
    assert_eq!(o.stdout, b"a\x00b\x1bc\n");
}
