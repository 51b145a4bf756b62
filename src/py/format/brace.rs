//! `str.format` (and f-strings, which MicroPython compiles to it): the replacement-field
//! parser, field numbering and the complete driver, reproducing
//! `mp_obj_str_format_helper` (py/objstr.c) on the ESP32 build.
//!
//! Supported as on the board: `{{`/`}}`, auto and manual numbering (no mixing), keyword
//! names, `!r`/`!s`, and `{}` fields nested in the format spec (expanded with the same
//! numbering). Attribute and index lookups (`{0.x}`, `{a[1]}`) raise
//! `NotImplementedError("attributes not supported")`, as MicroPython does.

use super::spec::{FormatSpec, format_value_into, parse_format_spec, take_uint};
use super::{ArgKind, ExcType, FormatError, FormatHost};

/// One replacement field as written: `{name!conversion:spec}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatField {
    /// The field name (`None` for `{}` / `{:...}` / `{!r}`), possibly with a `.attr` /
    /// `[index]` tail, which [`FieldNumbering::resolve`] rejects.
    pub name: Option<String>,
    /// `r` or `s` from `!r` / `!s`. When both this and `spec` are absent MicroPython
    /// converts with `str()` (so `'{}'.format(True)` is `True` but `'{:d}'` gives `1`).
    pub conversion: Option<char>,
    /// The raw spec text after `:` (`None` for no spec or an empty one). It may contain
    /// nested fields: expand it with the same [`FieldNumbering`] before
    /// [`parse_format_spec`], after the field's own argument was fetched.
    pub spec: Option<String>,
}

/// A piece of a `str.format` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatPiece {
    /// Literal text (`{{` and `}}` already unescaped).
    Literal(String),
    /// A replacement field.
    Field(FormatField),
}

fn err(msg: &str) -> FormatError {
    FormatError::new(ExcType::ValueError, msg)
}

/// A scanned `str.format` pattern: the pieces before the first syntax error, and that
/// error. MicroPython parses field by field while formatting, so a syntax error is raised
/// only after every earlier piece was processed (arguments fetched, `str()` called):
/// process `pieces`, then raise `error`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormatScan {
    /// Literal text and fields, in order.
    pub pieces: Vec<FormatPiece>,
    /// The syntax error that ends the pattern early, if any:
    /// `ValueError("single '}' encountered in format string")`,
    /// `ValueError("bad conversion specifier")`, `ValueError("unmatched '{' in format")`,
    /// `ValueError("expected ':' after format specifier")`.
    pub error: Option<FormatError>,
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Parses the field that starts after the `{` at `s[*pos]`.
fn scan_field(s: &[u8], pos: &mut usize) -> Result<FormatField, FormatError> {
    let top = s.len();
    let mut p = *pos;
    let stop = |c: u8| matches!(c, b'}' | b'!' | b':');
    let mut name = None;
    if p < top && !stop(s[p]) {
        let start = p;
        while p < top && !stop(s[p]) {
            p += 1;
        }
        name = Some(lossy(&s[start..p]));
    }
    let mut conversion = None;
    if p < top && s[p] == b'!' {
        p += 1;
        if p < top && (s[p] == b'r' || s[p] == b's') {
            conversion = Some(char::from(s[p]));
            p += 1;
        } else {
            return Err(err("bad conversion specifier"));
        }
    }
    let mut spec = None;
    if p < top && s[p] == b':' {
        p += 1;
        if p >= top || s[p] != b'}' {
            let start = p;
            let mut nest = 1;
            while p < top {
                if s[p] == b'{' {
                    nest += 1;
                } else if s[p] == b'}' {
                    nest -= 1;
                    if nest == 0 {
                        break;
                    }
                }
                p += 1;
            }
            spec = Some(lossy(&s[start..p]));
        }
    }
    if p >= top {
        return Err(err("unmatched '{' in format"));
    }
    if s[p] != b'}' {
        return Err(err("expected ':' after format specifier"));
    }
    *pos = p + 1;
    Ok(FormatField {
        name,
        conversion,
        spec,
    })
}

/// Scans a `str.format` pattern into pieces (see [`FormatScan`]); never fails or panics.
pub fn scan_format_string(pattern: &str) -> FormatScan {
    let s = pattern.as_bytes();
    let mut scan = FormatScan::default();
    let mut lit: Vec<u8> = Vec::new();
    let mut pos = 0;
    while pos < s.len() {
        let c = s[pos];
        if c == b'}' {
            if s.get(pos + 1) == Some(&b'}') {
                lit.push(b'}');
                pos += 2;
                continue;
            }
            scan.error = Some(err("single '}' encountered in format string"));
            break;
        }
        if c != b'{' {
            lit.push(c);
            pos += 1;
            continue;
        }
        if s.get(pos + 1) == Some(&b'{') {
            lit.push(b'{');
            pos += 2;
            continue;
        }
        pos += 1;
        if !lit.is_empty() {
            scan.pieces.push(FormatPiece::Literal(lossy(&lit)));
            lit.clear();
        }
        match scan_field(s, &mut pos) {
            Ok(f) => scan.pieces.push(FormatPiece::Field(f)),
            Err(e) => {
                scan.error = Some(e);
                break;
            }
        }
    }
    if !lit.is_empty() {
        scan.pieces.push(FormatPiece::Literal(lossy(&lit)));
    }
    scan
}

/// Parses a whole `str.format` pattern; the first syntax error wins (use
/// [`scan_format_string`] to keep MicroPython's ordering against argument errors).
pub fn parse_format_string(pattern: &str) -> Result<Vec<FormatPiece>, FormatError> {
    let scan = scan_format_string(pattern);
    match scan.error {
        Some(e) => Err(e),
        None => Ok(scan.pieces),
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRef {
    /// Positional argument `index` (0-based, not counting the pattern).
    Positional(usize),
    /// Keyword argument `name`. If `has_tail`, the field had a `.attr`/`[i]` tail: after a
    /// successful lookup (a missing key is `KeyError(name)` first) raise
    /// `NotImplementedError("attributes not supported")`.
    Keyword {
        /// The keyword.
        name: String,
        /// A `.`/`[` tail followed the name.
        has_tail: bool,
    },
}

/// The automatic/manual numbering state of one `str.format` call (`arg_i` in
/// `mp_obj_str_format_helper`), shared with nested fields in specs.
#[derive(Debug, Clone, Default)]
pub struct FieldNumbering {
    /// Next automatic index; -1 once manual numbering was used.
    next: i32,
}

impl FieldNumbering {
    /// Fresh state for one call.
    pub fn new() -> Self {
        FieldNumbering { next: 0 }
    }

    /// Resolves a field name against `n_positional` positional arguments:
    /// `ValueError("can't switch from automatic field numbering to manual field
    /// specification")` and the reverse, `IndexError("tuple index out of range")`, and
    /// `NotImplementedError("attributes not supported")` for a numbered field with a tail.
    pub fn resolve(
        &mut self,
        name: Option<&str>,
        n_positional: usize,
    ) -> Result<FieldRef, FormatError> {
        let out_of_range = || FormatError::new(ExcType::IndexError, "tuple index out of range");
        match name {
            Some(n) if n.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) => {
                if self.next > 0 {
                    return Err(err(
                        "can't switch from automatic field numbering to manual field specification",
                    ));
                }
                let bytes = n.as_bytes();
                let mut p = 0;
                let index = take_uint(bytes, &mut p).unwrap_or(0);
                // C compares as unsigned: a wrapped negative index is out of range.
                if index < 0 || index as usize >= n_positional {
                    return Err(out_of_range());
                }
                self.next = -1;
                if p < bytes.len() {
                    return Err(FormatError::new(
                        ExcType::NotImplementedError,
                        "attributes not supported",
                    ));
                }
                Ok(FieldRef::Positional(index as usize))
            }
            Some(n) => {
                let end = n.find(['.', '[']).unwrap_or(n.len());
                Ok(FieldRef::Keyword {
                    name: n[..end].to_string(),
                    has_tail: end < n.len(),
                })
            }
            None => {
                if self.next < 0 {
                    return Err(err(
                        "can't switch from manual field specification to automatic field numbering",
                    ));
                }
                let index = self.next as usize;
                if index >= n_positional {
                    return Err(out_of_range());
                }
                self.next += 1;
                Ok(FieldRef::Positional(index))
            }
        }
    }
}

/// How deep `{}` fields may nest inside format specs before MicroPython's C-stack check
/// fires (`RuntimeError("maximum recursion depth exceeded")`). The board's real limit
/// depends on its stack; any sane pattern stays far below this.
pub const MAX_SPEC_NESTING: usize = 32;

/// `mp_obj_str_format` (py/objstr.c): the complete `pattern.format(*args, **kwargs)`.
/// `kwargs` looks a keyword argument up (`None` raises `KeyError(name)`).
pub fn str_format<H: FormatHost>(
    host: &mut H,
    pattern: &str,
    args: &[H::Obj],
    mut kwargs: impl FnMut(&str) -> Option<H::Obj>,
) -> Result<String, H::Error> {
    let mut numbering = FieldNumbering::new();
    let mut out = Vec::with_capacity(pattern.len() + 16);
    expand(
        host,
        pattern,
        args,
        &mut kwargs,
        &mut numbering,
        &mut out,
        0,
    )?;
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn expand<H: FormatHost>(
    host: &mut H,
    pattern: &str,
    args: &[H::Obj],
    kwargs: &mut dyn FnMut(&str) -> Option<H::Obj>,
    numbering: &mut FieldNumbering,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), H::Error> {
    let scan = scan_format_string(pattern);
    for piece in scan.pieces {
        let field = match piece {
            FormatPiece::Literal(t) => {
                out.extend_from_slice(t.as_bytes());
                continue;
            }
            FormatPiece::Field(f) => f,
        };
        let fetched;
        let arg: &H::Obj = match numbering.resolve(field.name.as_deref(), args.len()) {
            Ok(FieldRef::Positional(i)) => &args[i],
            Ok(FieldRef::Keyword { name, has_tail }) => {
                let Some(v) = kwargs(&name) else {
                    return Err(host.error(FormatError::new(ExcType::KeyError, name)));
                };
                if has_tail {
                    return Err(host.error(FormatError::new(
                        ExcType::NotImplementedError,
                        "attributes not supported",
                    )));
                }
                fetched = v;
                &fetched
            }
            Err(e) => return Err(host.error(e)),
        };
        let conversion = match (field.conversion, &field.spec) {
            (None, None) => Some('s'),
            (c, _) => c,
        };
        let kind = match conversion {
            Some('r') => ArgKind::Str(host.repr(arg)?),
            Some(_) => ArgKind::Str(host.str(arg)?),
            None => host.kind(arg),
        };
        let spec = match &field.spec {
            None => FormatSpec::default(),
            Some(text) => {
                if depth >= MAX_SPEC_NESTING {
                    return Err(host.error(FormatError::new(
                        ExcType::RuntimeError,
                        "maximum recursion depth exceeded",
                    )));
                }
                let mut expanded = Vec::new();
                expand(
                    host,
                    text,
                    args,
                    kwargs,
                    numbering,
                    &mut expanded,
                    depth + 1,
                )?;
                match parse_format_spec(&String::from_utf8_lossy(&expanded)) {
                    Ok(s) => s,
                    Err(e) => return Err(host.error(e)),
                }
            }
        };
        if let Err(e) = format_value_into(out, kind.as_value(), &spec) {
            return Err(host.error(e));
        }
    }
    match scan.error {
        Some(e) => Err(host.error(e)),
        None => Ok(()),
    }
}
