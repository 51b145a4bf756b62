//! The import structure, checked (rust-analyzer's tidy, TigerBeetle's tidy.zig): every
//! `crate::…`, `super::…` and `self::…` path in `src/` is an import edge; edges between
//! top-level modules must follow ARCHITECTURE.md's layer table, and no circle may exist between
//! sibling modules anywhere in the tree.
//!
//! Unit-test items (`#[cfg(test)]`) and comments are left out: tests may drive a whole machine
//! from a low layer, and a doc link is not a dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path below the crate root, e.g. `["py", "vm", "dispatch"]`.
type ModPath = Vec<String>;

/// One import edge, kept with the file it was read in for the failure message.
struct Edge {
    from: ModPath,
    to: ModPath,
    file: PathBuf,
    path_text: String,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every module of the crate with its source text (comments and test items removed).
fn modules() -> BTreeMap<ModPath, (PathBuf, String)> {
    let mut files = Vec::new();
    collect(&root().join("src"), &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(root().join("src")).expect("under src");
        let mut parts: ModPath = rel
            .with_extension("")
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        if matches!(
            parts.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            parts.pop();
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        out.insert(parts, (file, strip_tests(&strip_comments(&text))));
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text with comments blanked out; string and char literals kept (a `"//"` stays).
fn strip_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.extend_from_slice(&b[start..i.min(b.len())]);
            }
            b'r' if raw_string_start(b, i).is_some() => {
                let (hashes, body) = raw_string_start(b, i).expect("checked");
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let end = b[body..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(b.len(), |p| body + p + close.len());
                out.extend_from_slice(&b[i..end]);
                i = end;
            }
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                let start = i;
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
                out.extend_from_slice(&b[start..i.min(b.len())]);
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') => {
                out.extend_from_slice(&b[i..i + 3]);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `r"`, `r#"`, … at `i` (not inside an identifier): the number of `#` and where the body starts.
fn raw_string_start(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some((j - i - 1, j + 1))
}

/// The text without items marked `#[cfg(test)]` (the attribute through the item's closing brace
/// or semicolon).
fn strip_tests(text: &str) -> String {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(ATTR) {
        out.push_str(&rest[..at]);
        let item = &rest[at + ATTR.len()..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (k, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// Every path in `text` that starts with `crate`, `super` or `self`, braces expanded:
/// `crate::{a::b, c}` gives `crate::a::b` and `crate::c`.
fn paths(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for kw in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(p) = text[from..].find(kw) {
            let at = from + p;
            from = at + kw.len();
            let starts_word = at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_');
            let after_path = at >= 2 && &text[at - 2..at] == "::";
            if starts_word && !after_path {
                expand(&kw[..kw.len() - 2], &text[at + kw.len()..], &mut out);
            }
        }
    }
    out
}

/// Appends `prefix::…` for the path (or brace group) at the start of `rest`.
fn expand(prefix: &str, rest: &str, out: &mut Vec<String>) {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0usize;
        let mut start = 0;
        for (k, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(prefix, &group[start..k], out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(prefix, &group[start..k], out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if name_len == 0 {
        out.push(prefix.to_string());
        return;
    }
    let name = &rest[..name_len];
    let full = format!("{prefix}::{name}");
    match rest[name_len..].strip_prefix("::") {
        Some(more) => expand(&full, more, out),
        None => out.push(full),
    }
}

/// The module a path names: its longest prefix that is a module of the crate.
fn resolve(
    from: &ModPath,
    path: &str,
    mods: &BTreeMap<ModPath, (PathBuf, String)>,
) -> Option<ModPath> {
    let mut segs = path.split("::");
    let mut base: ModPath = match segs.next()? {
        "crate" => Vec::new(),
        "self" => from.clone(),
        _super => from[..from.len().checked_sub(1)?].to_vec(),
    };
    for s in segs {
        if s == "super" {
            base.pop();
        } else {
            base.push(s.to_string());
        }
    }
    (0..=base.len())
        .rev()
        .map(|n| base[..n].to_vec())
        .find(|p| !p.is_empty() && mods.contains_key(p))
}

fn edges() -> Vec<Edge> {
    let mods = modules();
    let mut out = Vec::new();
    for (from, (file, text)) in &mods {
        if from.is_empty() {
            continue; // lib.rs / main.rs declare the modules; they import nothing else.
        }
        for p in paths(text) {
            if let Some(to) = resolve(from, &p, &mods)
                && to != *from
            {
                out.push(Edge {
                    from: from.clone(),
                    to,
                    file: file.clone(),
                    path_text: p,
                });
            }
        }
    }
    out
}

/// The two sibling modules an edge connects, under their nearest common ancestor; `None`
/// between a module and its own ancestor or descendant (a folder is one unit).
fn sibling_edge(e: &Edge) -> Option<(ModPath, ModPath)> {
    let common = e.from.iter().zip(&e.to).take_while(|(a, b)| a == b).count();
    (common < e.from.len() && common < e.to.len())
        .then(|| (e.from[..=common].to_vec(), e.to[..=common].to_vec()))
}

/// The layer table of ARCHITECTURE.md's `## Layers` section: layer → (modules, may import).
fn layer_table() -> Vec<(String, Vec<String>, Vec<String>)> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("Layers"))
        .expect("ARCHITECTURE.md has a `## Layers` section");
    let names = |cell: &str| -> Vec<String> {
        cell.split(',')
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty() && s != "—")
            .collect()
    };
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| layer") && !l.contains("---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 3, "layer row needs 3 cells: {l}");
            (
                cells[0].trim().to_string(),
                names(cells[1]),
                names(cells[2]),
            )
        })
        .collect()
}

// Every top-level module belongs to one layer of ARCHITECTURE.md, and every import between
// top-level modules goes to a layer its own layer may import (a layer naming itself may
// import within itself; the circle test keeps that acyclic).
#[test]
fn imports_follow_the_layer_table() {
    let table = layer_table();
    let mut layer_of = BTreeMap::new();
    for (layer, mods, _) in &table {
        for m in mods {
            assert!(
                layer_of.insert(m.clone(), layer.clone()).is_none(),
                "module `{m}` is in two layers"
            );
        }
    }
    let tops: BTreeSet<String> = modules()
        .keys()
        .filter(|p| p.len() == 1)
        .map(|p| p[0].clone())
        .collect();
    let unlisted: Vec<&String> = tops.iter().filter(|t| !layer_of.contains_key(*t)).collect();
    assert!(
        unlisted.is_empty(),
        "modules missing from ARCHITECTURE.md's layer table: {unlisted:?}"
    );
    let may: BTreeMap<&String, &Vec<String>> = table.iter().map(|(l, _, m)| (l, m)).collect();
    let mut bad = BTreeSet::new();
    for e in edges() {
        let (from, to) = (&layer_of[&e.from[0]], &layer_of[&e.to[0]]);
        if e.from[0] != e.to[0]
            && !(from == to && may[from].contains(from))
            && !may[from].contains(to)
        {
            bad.insert(format!(
                "{}: `{}` ({from} may import: {})",
                e.file.strip_prefix(root()).unwrap_or(&e.file).display(),
                e.path_text,
                may[from].join(", ")
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layers:\n{}",
        lines(&bad)
    );
}

// The layer table itself is a stack: following "may import" never leads back to a layer.
#[test]
fn layer_table_has_no_circle() {
    let table = layer_table();
    let graph: BTreeMap<String, Vec<String>> = table
        .iter()
        .map(|(l, _, may)| (l.clone(), may.iter().filter(|m| *m != l).cloned().collect()))
        .collect();
    let circles = strongly_connected(&graph);
    assert!(
        circles.is_empty(),
        "the layer table has circles: {circles:?}"
    );
}

// No two sibling modules import each other, directly or around a circle, at any depth
// (`py::vm` and `py::obj`, `tui::app` and `tui::view`, `rt` and `sim`).
#[test]
fn no_import_circles() {
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut witness: BTreeMap<(String, String), String> = BTreeMap::new();
    for e in edges() {
        if let Some((a, b)) = sibling_edge(&e) {
            let (a, b) = (a.join("::"), b.join("::"));
            graph.entry(a.clone()).or_default().push(b.clone());
            witness.entry((a, b)).or_insert_with(|| {
                format!(
                    "{} uses `{}`",
                    e.file.strip_prefix(root()).unwrap_or(&e.file).display(),
                    e.path_text
                )
            });
        }
    }
    let circles = strongly_connected(&graph);
    let mut report = BTreeSet::new();
    for c in &circles {
        for a in c {
            for b in c {
                if let Some(w) = witness.get(&(a.clone(), b.clone())) {
                    report.insert(format!("{a} -> {b}: {w}"));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles: {circles:?}\n{}",
        lines(&report)
    );
}

fn lines(set: &BTreeSet<String>) -> String {
    set.iter().map(|s| format!("  {s}\n")).collect()
}

/// The strongly connected components of more than one node (Tarjan), each sorted.
fn strongly_connected(graph: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, Vec<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.index.contains_key(w.as_str()) {
                visit(s, w);
                let lw = s.low[w.as_str()];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w.as_str()) {
                let iw = s.index[w.as_str()];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().rposition(|x| *x == v).expect("on stack");
            let mut comp: Vec<String> = s.stack.drain(at..).map(str::to_string).collect();
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    let nodes: BTreeSet<&str> = graph
        .iter()
        .flat_map(|(k, v)| std::iter::once(k.as_str()).chain(v.iter().map(String::as_str)))
        .collect();
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

// The path reader itself: braces expand, comments and test items are not imports.
#[test]
fn path_reader_reads_what_rust_reads() {
    let text = strip_tests(&strip_comments(
        "use crate::{a::b, c::{d, e}};\n// crate::hidden\nlet s = \"//\"; crate::f::g();\n\
         #[cfg(test)]\nmod tests { use crate::t; }\nuse super::h;",
    ));
    let mut got = paths(&text);
    got.sort();
    assert_eq!(
        got,
        [
            "crate::a::b",
            "crate::c::d",
            "crate::c::e",
            "crate::f::g",
            "super::h"
        ]
    );
}
