//! Parsing Python source into an AST, and the diagnostics the front end reports.
//!
//! The parser is `ruff_python_parser`; this module wraps it so that the rest of the compiler sees
//! one error type, [`Diagnostic`], with 1-based line and column numbers, and can render it the
//! way MicroPython prints a `SyntaxError` (most parse errors are just "invalid syntax" there) or
//! as a one-line CLI message with ruff's more precise detail.
//!
//! It also holds [`repl_continue_with_input`], MicroPython's heuristic for whether the REPL
//! should ask for another line.
//!
//! This module must not emit bytecode or decide what a program means: it only turns text into a
//! tree and errors into [`Diagnostic`] values. It never panics on user input.

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{Visitor, walk_stmt};
use ruff_python_ast::{Expr, ModModule, PySourceType, Stmt};
use ruff_python_parser::{LexicalErrorType, ParseErrorType, Parsed};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextSize};

use crate::limits::{MAX_BRACKET_DEPTH, MAX_SEGMENT_TOKENS};

/// What kind of problem a [`Diagnostic`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// The program is not valid MicroPython; the board would print a `SyntaxError`.
    SyntaxError,
    /// Bad indentation; the board would print an `IndentationError`.
    IndentationError,
    /// Valid MicroPython that irqlab cannot compile (yet). Not an error of the program.
    NotSupported,
}

impl DiagnosticKind {
    /// The exception name MicroPython would print for this kind of problem.
    ///
    /// A [`DiagnosticKind::NotSupported`] construct would run on the board, so there is no real
    /// MicroPython exception; we use `NotImplementedError`, the closest in spirit.
    pub fn exception_name(self) -> &'static str {
        match self {
            DiagnosticKind::SyntaxError => "SyntaxError",
            DiagnosticKind::IndentationError => "IndentationError",
            DiagnosticKind::NotSupported => "NotImplementedError",
        }
    }
}

/// A problem found while parsing or compiling a program: a user error, never our bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Syntax error, indentation error or unsupported construct.
    pub kind: DiagnosticKind,
    /// The message MicroPython prints (e.g. "invalid syntax", "'break' outside loop"), or for
    /// [`DiagnosticKind::NotSupported`] a sentence naming the construct.
    pub message: String,
    /// A more precise explanation when we have one (ruff's parser message), shown by the CLI.
    pub detail: Option<String>,
    /// The file name as given to the compiler (`main.py`, `<stdin>`).
    pub filename: Rc<str>,
    /// 1-based source line.
    pub line: u32,
    /// 1-based column (in characters).
    pub col: u32,
    /// The code block MicroPython names in the traceback (`<module>`, a function name), or
    /// `None` for parse errors, which MicroPython reports without a block.
    pub block: Option<Rc<str>>,
}

impl Diagnostic {
    /// Renders the diagnostic as MicroPython prints an uncaught syntax error:
    ///
    /// ```text
    /// Traceback (most recent call last):
    ///   File "main.py", line 3
    /// SyntaxError: invalid syntax
    /// ```
    ///
    /// Lines end in `\n`; the caller converts to CRLF where the board would.
    pub fn render_micropython(&self) -> String {
        let block = match &self.block {
            Some(name) => format!(", in {name}"),
            None => String::new(),
        };
        format!(
            "Traceback (most recent call last):\n  File \"{}\", line {}{}\n{}: {}\n",
            self.filename,
            self.line,
            block,
            self.kind.exception_name(),
            self.message
        )
    }

    /// Renders the diagnostic as one CLI line: `main.py:3:5: SyntaxError: <detail>`.
    ///
    /// The detail is ruff's message when there is one, else the MicroPython message.
    pub fn render_cli(&self) -> String {
        let label = match self.kind {
            DiagnosticKind::NotSupported => "not supported",
            kind => kind.exception_name(),
        };
        let text = self.detail.as_deref().unwrap_or(&self.message);
        format!(
            "{}:{}:{}: {}: {}",
            self.filename, self.line, self.col, label, text
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_cli())
    }
}

impl std::error::Error for Diagnostic {}

/// A parsed module with what the compiler needs to report positions.
pub struct ParsedModule {
    parsed: Parsed<ModModule>,
    source: SourceInfo,
}

impl ParsedModule {
    /// The module's AST.
    pub fn module(&self) -> &ModModule {
        self.parsed.syntax()
    }

    /// Source text, file name and line table.
    pub fn source(&self) -> &SourceInfo {
        &self.source
    }

    /// Where each identifier first occurs in the token stream. MicroPython's parser interns
    /// every name it meets, which decides how later string literals are loaded.
    pub fn first_name_offsets(&self) -> BTreeMap<Rc<str>, TextSize> {
        let mut first = BTreeMap::new();
        for token in self.parsed.tokens().iter() {
            if matches!(
                token.kind(),
                TokenKind::Name | TokenKind::Match | TokenKind::Case | TokenKind::Type
            ) {
                let text: Rc<str> = Rc::from(&self.source.text[token.range()]);
                first.entry(text).or_insert(token.start());
            }
        }
        first
    }
}

/// Source text with its file name and line index, for turning offsets into positions.
pub struct SourceInfo {
    text: String,
    filename: Rc<str>,
    lines: LineIndex,
}

impl SourceInfo {
    /// Wraps `text` with a line index.
    pub fn new(text: &str, filename: &str) -> SourceInfo {
        SourceInfo {
            text: text.to_owned(),
            filename: Rc::from(filename),
            lines: LineIndex::from_source_text(text),
        }
    }

    /// The source text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file name.
    pub fn filename(&self) -> &Rc<str> {
        &self.filename
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: TextSize) -> u32 {
        u32::try_from(self.lines.line_index(offset).get()).unwrap_or(u32::MAX)
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: TextSize) -> (u32, u32) {
        let lc = self.lines.line_column(offset, &self.text);
        let line = u32::try_from(lc.line.get()).unwrap_or(u32::MAX);
        let col = u32::try_from(lc.column.get()).unwrap_or(u32::MAX);
        (line, col)
    }

    /// A diagnostic located at `offset`.
    pub fn diagnostic(
        &self,
        kind: DiagnosticKind,
        message: impl Into<String>,
        offset: TextSize,
    ) -> Diagnostic {
        let (line, col) = self.line_col(offset);
        Diagnostic {
            kind,
            message: message.into(),
            detail: None,
            filename: self.filename.clone(),
            line,
            col,
            block: None,
        }
    }
}

/// Decodes a program file's bytes as UTF-8, MicroPython's source encoding.
///
/// Errors: a [`DiagnosticKind::SyntaxError`] "invalid UTF-8" at the line and column of the
/// first byte that is not UTF-8 (the column counts the characters before it, plus one).
pub fn decode_source(bytes: &[u8], filename: &str) -> Result<String, Diagnostic> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = std::str::from_utf8(&good[line_start..]).map_or(0, |s| s.chars().count()) + 1;
            Err(Diagnostic {
                kind: DiagnosticKind::SyntaxError,
                message: "invalid UTF-8".to_string(),
                detail: Some(format!(
                    "byte 0x{:02x} is not UTF-8",
                    bytes[e.valid_up_to()]
                )),
                filename: Rc::from(filename),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                col: u32::try_from(col).unwrap_or(u32::MAX),
                block: None,
            })
        }
    }
}

/// Parses `source` as a module (file input).
///
/// Errors are [`Diagnostic`]s for the first parse error ruff reports, with the message and
/// line MicroPython gives for the same mistake ("invalid syntax" for most; the compile-time
/// messages such as "can't assign to expression" where MicroPython's parser accepts the code
/// and its compiler rejects it) and ruff's text as the detail.
pub fn parse_module(source: &str, filename: &str) -> Result<ParsedModule, Diagnostic> {
    let info = SourceInfo::new(source, filename);
    if let Some(deep) = too_deep(source) {
        let mut diag = info.diagnostic(
            DiagnosticKind::SyntaxError,
            "too deeply nested",
            deep.offset,
        );
        diag.detail = Some(deep.detail);
        return Err(diag);
    }
    let parsed =
        ruff_python_parser::parse_unchecked_source(source, ruff_python_ast::PySourceType::Python);
    // MicroPython's grammar takes an unparenthesized generator as any call argument, as in
    // `array.array('i', 0 for x in range(n))` of its "Writing interrupt handlers" guide
    // (py/grammar.h `arglist`); CPython and ruff accept it only as the sole argument. ruff
    // still builds the call with the generator in it, so that error is not one for us.
    let first = parsed
        .errors()
        .iter()
        .find(|e| !matches!(e.error, ParseErrorType::UnparenthesizedGeneratorExpression));
    match first {
        None => Ok(ParsedModule {
            parsed,
            source: info,
        }),
        Some(err) => Err(parse_error_diagnostic(&info, err)),
    }
}

/// The MicroPython-style diagnostic for a ruff parse error.
fn parse_error_diagnostic(info: &SourceInfo, err: &ruff_python_parser::ParseError) -> Diagnostic {
    let offset = err.location.start();
    let (kind, message, block) = match compile_time_message(&err.error) {
        Some((message, in_function)) => {
            let block = enclosing_block(info.text(), offset, in_function);
            (DiagnosticKind::SyntaxError, message, Some(block))
        }
        None => {
            let (kind, message) = micropython_message(&err.error);
            (kind, message, None)
        }
    };
    let mut diag = info.diagnostic(kind, message, offset);
    let line = micropython_error_line(info, &err.error, offset);
    if line != diag.line {
        // The column was for ruff's position, on another line.
        diag.line = line;
        diag.col = 1;
    }
    // ruff's wording is kept as the detail where it says more than MicroPython's message;
    // for indentation MicroPython's own words are the whole story.
    if kind != DiagnosticKind::IndentationError {
        diag.detail = Some(err.error.to_string());
    }
    diag.block = block;
    diag
}

/// Errors ruff finds while parsing that MicroPython's parser lets through and its compiler
/// rejects, with the compiler's message. The flag says the error belongs to the function
/// being defined (its parameter list) rather than to the enclosing scope.
fn compile_time_message(err: &ParseErrorType) -> Option<(&'static str, bool)> {
    let found = match err {
        ParseErrorType::InvalidAssignmentTarget
        | ParseErrorType::InvalidAnnotatedAssignmentTarget
        | ParseErrorType::InvalidAugmentedAssignmentTarget
        | ParseErrorType::InvalidNamedAssignmentTarget => ("can't assign to expression", false),
        ParseErrorType::InvalidDeleteTarget => ("can't delete expression", false),
        ParseErrorType::PositionalAfterKeywordArgument => {
            ("positional arg after keyword arg", false)
        }
        ParseErrorType::PositionalAfterKeywordUnpacking => ("positional arg after **", false),
        ParseErrorType::InvalidArgumentUnpackingOrder => ("* arg after **", false),
        ParseErrorType::NonDefaultParamAfterDefaultParam => {
            ("non-default argument follows default argument", false)
        }
        ParseErrorType::ParamAfterVarKeywordParam => ("invalid syntax", true),
        _ => return None,
    };
    Some(found)
}

/// The code block MicroPython would name for a compile error at `offset`: the innermost
/// `def`/`class` whose body contains it (or whose parameters do, with `in_function`).
fn enclosing_block(source: &str, offset: TextSize, in_function: bool) -> Rc<str> {
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    let mut finder = BlockFinder {
        offset,
        in_function,
        block: Rc::from("<module>"),
        depth: 0,
    };
    finder.visit_body(&parsed.syntax().body);
    finder.block
}

/// Finds the innermost definition around an offset (see [`enclosing_block`]).
struct BlockFinder {
    offset: TextSize,
    in_function: bool,
    block: Rc<str>,
    depth: u32,
}

impl<'a> Visitor<'a> for BlockFinder {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth > MAX_BRACKET_DEPTH as u32 {
            return;
        }
        let hit = |body: &[Stmt], offset: TextSize| {
            body.first().is_some_and(|first| first.start() <= offset)
                && body.last().is_some_and(|last| offset <= last.end())
        };
        match stmt {
            Stmt::FunctionDef(f) => {
                let in_params = self.in_function && f.parameters.range.contains(self.offset);
                if hit(&f.body, self.offset) || in_params {
                    self.block = Rc::from(f.name.id.as_str());
                }
            }
            Stmt::ClassDef(c) if hit(&c.body, self.offset) => {
                self.block = Rc::from(c.name.id.as_str());
            }
            _ => {}
        }
        self.depth += 1;
        walk_stmt(self, stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {
        // Definitions only appear as statements; expressions need no walking.
    }
}

/// The kind and message MicroPython's parser gives for a parse error.
fn micropython_message(err: &ParseErrorType) -> (DiagnosticKind, &'static str) {
    match err {
        ParseErrorType::UnexpectedIndentation => {
            (DiagnosticKind::IndentationError, "unexpected indent")
        }
        ParseErrorType::Lexical(LexicalErrorType::IndentationError) => (
            DiagnosticKind::IndentationError,
            "unindent doesn't match any outer indent level",
        ),
        _ => (DiagnosticKind::SyntaxError, "invalid syntax"),
    }
}

/// The line MicroPython reports for a parse error ruff found at `offset`: the line of the
/// token its parser failed on.
///
/// Mostly ruff's line. The exceptions come from MicroPython's tokens: a bad dedent is found
/// on the newline token, which carries the line of the last token before it; a missing
/// indented block is found on the token after the header's newline (or at the end of the
/// file); and the end-of-file token sits one line past the last newline, counting the
/// newline MicroPython adds to a file that does not end in one.
fn micropython_error_line(info: &SourceInfo, err: &ParseErrorType, offset: TextSize) -> u32 {
    let text = info.text();
    if let ParseErrorType::Lexical(LexicalErrorType::IndentationError) = err {
        return last_token_line(info, offset);
    }
    let missing_block = matches!(err, ParseErrorType::OtherError(m)
        if m.starts_with("Expected an indented block"));
    if missing_block {
        // Ruff points at the header or at the token after it; start from the header's colon.
        let at = usize::from(offset).min(text.len());
        let colon = text[..at].rfind(':').unwrap_or(at);
        let line_end = text[colon..].find('\n').map_or(text.len(), |i| colon + i);
        return match next_significant_offset(text, line_end) {
            Some(at) => info.line(at),
            None => eof_line(text),
        };
    }
    if usize::from(offset) >= text.len() {
        // Outside brackets, a file without a final newline fails on the newline token
        // MicroPython adds, which belongs to the last line; otherwise on the end token.
        let (_, open_brackets) = scan_quotes_and_brackets(text.as_bytes());
        if text.ends_with('\n') || open_brackets {
            return eof_line(text);
        }
    }
    info.line(offset)
}

/// The line of MicroPython's end-of-file token.
fn eof_line(text: &str) -> u32 {
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    let unterminated = !text.is_empty() && !text.ends_with('\n');
    u32::try_from(newlines + 1 + usize::from(unterminated)).unwrap_or(u32::MAX)
}

/// The offset of the next character after `from` that is not whitespace or in a comment.
fn next_significant_offset(text: &str, from: usize) -> Option<TextSize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => return TextSize::try_from(i).ok(),
        }
    }
    None
}

/// Line of the last token before `offset` (skipping blank and comment-only lines).
fn last_token_line(info: &SourceInfo, offset: TextSize) -> u32 {
    let text = &info.text()[..usize::from(offset).min(info.text().len())];
    for (end, line) in line_ends_rev(text) {
        let content = line.trim();
        if !content.is_empty() && !content.starts_with('#') {
            let at = TextSize::try_from(end).unwrap_or_default();
            return info.line(at);
        }
    }
    info.line(offset)
}

/// The lines of `text` from the last to the first, with the offset where each starts.
fn line_ends_rev(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let bounds: Vec<(usize, usize)> = starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).map_or(text.len(), |&next| next);
            (start, end)
        })
        .collect();
    bounds
        .into_iter()
        .rev()
        .map(move |(start, end)| (start, &text[start..end]))
}

/// What the pre-scan found too deep: where, and which limit.
struct TooDeep {
    offset: TextSize,
    detail: String,
}

/// The first place where `source` nests deeper than the parser may recurse: a bracket opening
/// past [`MAX_BRACKET_DEPTH`], or a run of more than [`MAX_SEGMENT_TOKENS`] tokens with no
/// comma, bracket or line end between them (`1+1+…+1`, `- - - 1`, `a.b.c…`, `f()()…`: each
/// token can add a level to the tree).
///
/// A rough scan: it skips comments and string literals (with their escapes) so that what is
/// inside them does not count, and counts a word or number as one token. It only needs to be
/// right for programs that nest absurdly deep.
fn too_deep(source: &str) -> Option<TooDeep> {
    let bytes = source.as_bytes();
    // Tokens since the last comma or line end at each open bracket level (innermost last).
    let mut runs = vec![0usize];
    let at = |i: usize| TextSize::new(u32::try_from(i).unwrap_or(u32::MAX));
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(bytes, i, b);
                bump(&mut runs);
            }
            b'(' | b'[' | b'{' => {
                bump(&mut runs);
                runs.push(0);
                if runs.len() > MAX_BRACKET_DEPTH + 1 {
                    let detail = format!("brackets nested deeper than {MAX_BRACKET_DEPTH} levels");
                    return Some(TooDeep {
                        offset: at(i),
                        detail,
                    });
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                if runs.len() > 1 {
                    runs.pop();
                }
                i += 1;
            }
            b',' | b';' => {
                *runs.last_mut().expect("never empty") = 0;
                i += 1;
            }
            b'\n' if runs.len() == 1 => {
                runs[0] = 0;
                i += 1;
            }
            b if is_word_byte(b) => {
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                bump(&mut runs);
            }
            b if b.is_ascii_whitespace() || b == b'\\' => i += 1,
            _ => {
                bump(&mut runs);
                i += 1;
            }
        }
        if runs.last().is_some_and(|&n| n > MAX_SEGMENT_TOKENS) {
            let detail = format!(
                "more than {MAX_SEGMENT_TOKENS} tokens in one expression without a comma or bracket"
            );
            return Some(TooDeep {
                offset: at(i.saturating_sub(1)),
                detail,
            });
        }
    }
    None
}

/// A byte of a word or number (non-ASCII bytes belong to identifiers).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Counts one token in the innermost open bracket level.
fn bump(runs: &mut [usize]) {
    *runs.last_mut().expect("never empty") += 1;
}

/// Index just past the string literal whose opening quote `q` is at `start`.
fn skip_string(bytes: &[u8], start: usize, q: u8) -> usize {
    let triple = bytes.get(start + 1) == Some(&q) && bytes.get(start + 2) == Some(&q);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' {
            i += 2;
            continue;
        }
        if b == q {
            if !triple {
                return i + 1;
            }
            if bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q) {
                return i + 3;
            }
        }
        if b == b'\n' && !triple {
            return i;
        }
        i += 1;
    }
    i
}

/// Whether the REPL should read another line before compiling `input` (the lines typed so
/// far, joined with `\n`).
///
/// This is MicroPython's own heuristic (py/repl.c `mp_repl_continue_with_input`), not a parse:
/// continue on an unmatched triple quote, on unmatched brackets outside a one-line quote, after
/// a trailing backslash, and while input that starts with a compound-statement keyword (or `@`)
/// has not ended with an empty line. Like MicroPython it does not know about comments.
pub fn repl_continue_with_input(input: &str) -> bool {
    let bytes = input.as_bytes();
    let Some(&last) = bytes.last() else {
        return false;
    };
    const COMPOUND: [&str; 8] = ["if", "while", "for", "try", "with", "def", "class", "async"];
    let starts_with_compound =
        bytes[0] == b'@' || COMPOUND.iter().any(|kw| starts_with_word(bytes, kw));

    let (quote, open_brackets) = scan_quotes_and_brackets(bytes);
    if quote == Quote::TripleSingle || quote == Quote::TripleDouble {
        return true;
    }
    if open_brackets && quote == Quote::None {
        return true;
    }
    if last == b'\\' {
        return true;
    }
    starts_with_compound && last != b'\n'
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
    TripleSingle,
    TripleDouble,
}

/// The quote state at the end of `bytes`, and whether some bracket kind is left open.
fn scan_quotes_and_brackets(bytes: &[u8]) -> (Quote, bool) {
    let (mut paren, mut brack, mut brace) = (0i32, 0i32, 0i32);
    let mut quote = Quote::None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next_two = |q: u8| bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q);
        match c {
            b'\'' | b'"' => {
                let (one, three) = if c == b'\'' {
                    (Quote::Single, Quote::TripleSingle)
                } else {
                    (Quote::Double, Quote::TripleDouble)
                };
                if (quote == Quote::None || quote == three) && next_two(c) {
                    i += 2;
                    quote = if quote == three { Quote::None } else { three };
                } else if quote == Quote::None || quote == one {
                    quote = if quote == one { Quote::None } else { one };
                }
            }
            b'\\'
                if quote != Quote::None
                    && matches!(bytes.get(i + 1), Some(b'\'' | b'"' | b'\\')) =>
            {
                i += 1;
            }
            b'\\' if matches!(bytes.get(i + 1), Some(b'\'' | b'"' | b'\\')) => {}
            _ if quote == Quote::None => match c {
                b'(' => paren += 1,
                b')' => paren -= 1,
                b'[' => brack += 1,
                b']' => brack -= 1,
                b'{' => brace += 1,
                b'}' => brace -= 1,
                _ => {}
            },
            _ => {}
        }
        i += 1;
    }
    (quote, paren > 0 || brack > 0 || brace > 0)
}

/// Whether `input` starts with the word `head` (not followed by an identifier character).
fn starts_with_word(input: &[u8], head: &str) -> bool {
    let head = head.as_bytes();
    if !input.starts_with(head) {
        return false;
    }
    match input.get(head.len()) {
        None => true,
        Some(&c) => !(c.is_ascii_alphanumeric() || c == b'_'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A parse error is reported as MicroPython's "invalid syntax" at the right line and column.
    #[test]
    fn parse_error_has_line_and_col() {
        let err = parse_module("x = 1\ny = (2 +\n", "main.py")
            .err()
            .expect("must fail");
        assert_eq!(err.kind, DiagnosticKind::SyntaxError);
        assert_eq!(err.message, "invalid syntax");
        assert!(err.line >= 2, "line {}", err.line);
        let err = parse_module("a = 1\nb = = 2\n", "main.py")
            .err()
            .expect("must fail");
        assert_eq!((err.line, err.col), (2, 5));
        assert_eq!(
            err.render_micropython(),
            "Traceback (most recent call last):\n  File \"main.py\", line 2\nSyntaxError: invalid syntax\n"
        );
        assert!(err.render_cli().starts_with("main.py:2:5: SyntaxError: "));
    }

    // Indentation errors keep MicroPython's exception name and message.
    #[test]
    fn unexpected_indent_is_indentation_error() {
        let err = parse_module("x = 1\n    y = 2\n", "main.py")
            .err()
            .expect("must fail");
        assert_eq!(err.kind, DiagnosticKind::IndentationError);
        assert_eq!(err.message, "unexpected indent");
        assert_eq!(err.line, 2);
    }

    // Errors at the end of the file carry the line of the token MicroPython fails on.
    #[test]
    fn end_of_file_error_lines() {
        let line = |src: &str| parse_module(src, "main.py").err().expect("must fail").line;
        // A missing block: the end-of-file token, past the last newline.
        assert_eq!(line("for i in x:\n    # c\n\n"), 4);
        assert_eq!(line("def f(x):\n   "), 3);
        // A missing block followed by code: that code's line.
        assert_eq!(line("if x:\nfoo()\n"), 2);
        // Unclosed bracket: the end-of-file token, one past the added newline.
        assert_eq!(line("x = (1,"), 2);
        assert_eq!(line("x = (1,\n"), 2);
        // An incomplete last line without a newline: the newline token of that line.
        assert_eq!(line("x = 1\nif x"), 2);
    }

    // Absurd bracket nesting is refused before the recursive parser sees it.
    #[test]
    fn deep_brackets_are_refused() {
        let src = format!("x = {}1{}\n", "(".repeat(300), ")".repeat(300));
        let err = parse_module(&src, "main.py").err().expect("must fail");
        assert_eq!(err.message, "too deeply nested");
        let ok = format!("x = '{}'\n", "(".repeat(300));
        assert!(parse_module(&ok, "main.py").is_ok());
    }

    // The REPL continuation heuristic follows py/repl.c.
    #[test]
    fn repl_continuation() {
        assert!(!repl_continue_with_input(""));
        assert!(!repl_continue_with_input("x = 1"));
        assert!(repl_continue_with_input("if x:"));
        assert!(repl_continue_with_input("if x:\n    y = 1"));
        assert!(!repl_continue_with_input("if x:\n    y = 1\n"));
        assert!(repl_continue_with_input("f(1,"));
        assert!(repl_continue_with_input("s = '''abc"));
        assert!(repl_continue_with_input("x = 1 + \\"));
        assert!(!repl_continue_with_input("iffy = 1"));
        assert!(repl_continue_with_input("@dec"));
        assert!(!repl_continue_with_input("s = '(' "));
    }

    // A program that is not UTF-8 is refused at the first bad byte's line and column.
    #[test]
    fn invalid_utf8_names_line_and_col() {
        let err = decode_source(b"print(1)\nx = '\xc3\xa9\xff'\n", "m.py").unwrap_err();
        assert_eq!((err.line, err.col), (2, 7));
        assert_eq!(
            err.render_cli(),
            "m.py:2:7: SyntaxError: byte 0xff is not UTF-8"
        );
        assert_eq!(decode_source("é".as_bytes(), "m.py").unwrap(), "é");
    }

    // Expressions that would nest past the parser's stack are refused before parsing: long
    // operator chains and unary runs as well as deep brackets; commas and brackets reset the
    // count, so long data tables pass.
    #[test]
    fn absurd_nesting_is_a_syntax_error() {
        for src in [
            format!("x = {}1", "-".repeat(MAX_SEGMENT_TOKENS + 1)),
            format!("x = 1{}", "+1".repeat(MAX_SEGMENT_TOKENS)),
            format!("x = a{}", ".b".repeat(MAX_SEGMENT_TOKENS)),
            format!("x = {}", "(".repeat(MAX_BRACKET_DEPTH + 1)),
        ] {
            let err = parse_module(&src, "m.py").err().expect("refused");
            assert_eq!(err.message, "too deeply nested", "{}", &src[..20]);
        }
        let table = format!("x = [{}]", "-1, ".repeat(3 * MAX_SEGMENT_TOKENS));
        assert!(parse_module(&table, "m.py").is_ok());
    }
}
