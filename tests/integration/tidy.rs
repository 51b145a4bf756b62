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
