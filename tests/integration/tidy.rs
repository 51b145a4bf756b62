//! Tidy checks over the source tree (rust-analyzer's `tidy` idea): every Rust file starts
//! with a `//!` module doc, and no test is skipped or expected to panic.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    files.sort();
    files
}

// Every file says what it is in a `//!` doc comment on its first line.
#[test]
fn every_file_starts_with_module_doc() {
    let missing: Vec<String> = all_sources()
        .into_iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! doc: {missing:?}"
    );
}

// Tests are honest: none is ignored, none passes by panicking.
#[test]
fn no_ignored_or_should_panic_tests() {
    let banned = [concat!("#[", "ignore"), concat!("#[", "should_panic")];
    for p in all_sources() {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        for b in banned {
            assert!(!text.contains(b), "{} contains {b}", p.display());
        }
    }
}

fn repo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The backticked words of `text` (`` `like/this.rs` ``).
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

// ARCHITECTURE.md's code map names only files and folders that exist: every backticked word
// that looks like a path (has a `/` or a file extension) is found from the repository root,
// from `src/`, or — inside a code-map row — somewhere under that row's folder (a row for
// `py/` may name `vm/dispatch.rs` or just `dispatch.rs`).
#[test]
fn architecture_names_existing_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = repo_file("ARCHITECTURE.md");
    let mut missing = Vec::new();
    for line in text.lines() {
        let words = backticked(line);
        let row_dir = line
            .starts_with("| `")
            .then(|| words.first())
            .flatten()
            .map(|first| root.join("src").join(first))
            .filter(|d| d.is_dir());
        for word in words {
            let looks_like_path = !word.contains(' ')
                && !word.contains("::")
                && !word.contains('*')
                && (word.contains('/')
                    || [".rs", ".toml", ".md", ".py", ".yaml"]
                        .iter()
                        .any(|ext| word.ends_with(ext)));
            let found = root.join(word).exists()
                || root.join("src").join(word).exists()
                || row_dir
                    .as_deref()
                    .is_some_and(|d| exists_under(d, word.trim_end_matches('/')));
            if looks_like_path && !found {
                missing.push(word.to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

/// Whether `dir` or a folder below it holds `rel` (a file or folder path).
fn exists_under(dir: &Path, rel: &str) -> bool {
    if dir.join(rel).exists() {
        return true;
    }
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .any(|p| exists_under(&p, rel))
}

// README's table of shipped scenarios lists each file of `scenarios/*.yaml` exactly once, and
// nothing else.
#[test]
fn readme_lists_every_shipped_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut shipped: Vec<String> = std::fs::read_dir(root.join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    shipped.sort();
    let readme = repo_file("README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Shipped scenarios"))
        .expect("README has a `## Shipped scenarios` section");
    let mut listed: Vec<String> = section
        .lines()
        .filter(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(backticked)
        .filter(|w| w.ends_with(".yaml"))
        .map(str::to_string)
        .collect();
    listed.sort();
    assert_eq!(
        listed, shipped,
        "README's scenario table against scenarios/*.yaml"
    );
}

/// Source files may be at most this long; the VM's flat opcode match is the one exception
/// (style.md §8.7: a registry or a flat match may be longer, logic may not).
const MAX_FILE_LINES: usize = 1000;

// No file in `src/` is over MAX_FILE_LINES lines except the flat opcode dispatch.
#[test]
fn no_file_over_the_line_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|p| !p.ends_with("src/py/vm/dispatch.rs"))
        .filter_map(|p| {
            let n = std::fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .count();
            (n > MAX_FILE_LINES).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines: {long:?}"
    );
}

/// How many functions may carry `#[expect(clippy::too_many_lines)]`. Lower it whenever a
/// function leaves the list; never raise it (the list may only shrink).
const LONG_FUNCTIONS_CEILING: usize = 22;

// The functions allowed past clippy's `too_many_lines` threshold (clippy.toml) are exactly the
// ones listed in tests/data/long_functions.txt, and the list is no longer than the ceiling.
// `#[expect]` (never `allow`) makes clippy fail once a listed function gets short, so the list
// cannot keep a name that no longer needs it.
#[test]
fn long_functions_are_exactly_the_allow_list() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut in_code = Vec::new();
    for p in &files {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        let rel = p.strip_prefix(root).unwrap_or(p).display().to_string();
        for (at, _) in text.match_indices("clippy::too_many_lines") {
            let attr_start = text[..at]
                .rfind("#[")
                .expect("the lint is named in an attribute");
            let attr = &text[attr_start..at];
            assert!(
                attr.starts_with("#[expect("),
                "{rel}: too_many_lines must be `#[expect]`ed, not allowed: {attr}"
            );
            let after = &text[at..];
            let name = after
                .split("fn ")
                .nth(1)
                .and_then(|rest| rest.split(['(', '<']).next())
                .expect("a function follows the attribute")
                .trim();
            in_code.push(format!("{rel} {name}"));
        }
    }
    in_code.sort();
    let mut listed: Vec<String> = repo_file("tests/data/long_functions.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    listed.sort();
    assert_eq!(
        in_code, listed,
        "#[expect(clippy::too_many_lines)] against the allow-list"
    );
    assert!(
        listed.len() <= LONG_FUNCTIONS_CEILING,
        "{} long functions, ceiling {LONG_FUNCTIONS_CEILING}",
        listed.len()
    );
}
