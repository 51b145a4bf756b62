//! A bound on how deep a scenario file nests, checked before the YAML parser sees it.
//!
//! The YAML parser's work grows with the square of the nesting depth (100 000 nested `[` took
//! minutes), and no scenario needs more than a handful of levels. The scan counts flow brackets
//! (`[`, `{`) and block sequence dashes at the start of a line (`- - - x`), skipping quoted
//! scalars and comments; block mappings nest by indentation, which a file of at most a few
//! megabytes cannot make deep.

/// Deepest nesting of flow collections, or of `- ` dashes opening one line, a scenario may have.
pub const MAX_YAML_DEPTH: usize = 64;

/// The 1-based `(line, column)` where `text` first nests deeper than [`MAX_YAML_DEPTH`].
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (line_idx, line) in text.lines().enumerate() {
        let mut chars = line.char_indices().peekable();
        let mut col = 0usize;
        let mut at_line_start = true;
        let mut dashes = 0usize;
        let mut quote: Option<char> = None;
        while let Some((_, c)) = chars.next() {
            col += 1;
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    chars.next();
                    col += 1;
                }
                continue;
            }
            match c {
                '#' if !at_line_start || dashes == 0 => break,
                '\'' | '"' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                '-' if at_line_start && chars.peek().is_none_or(|&(_, n)| n == ' ') => dashes += 1,
                ' ' | '\t' => {}
                _ => at_line_start = false,
            }
            if c != ' ' && c != '\t' && c != '-' {
                at_line_start = false;
            }
            if depth > MAX_YAML_DEPTH || dashes > MAX_YAML_DEPTH {
                return Some((line_idx + 1, col));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // Deep flow nesting and long dash runs are found where they cross the limit; ordinary
    // scenarios, brackets inside quotes and comments are not counted.
    #[test]
    fn finds_absurd_nesting_only() {
        let deep = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(too_deep(&deep), Some((1, 3 + MAX_YAML_DEPTH + 1)));
        let dashes = format!("steps:\n{}x\n", "- ".repeat(MAX_YAML_DEPTH + 1));
        assert_eq!(too_deep(&dashes), Some((2, 2 * MAX_YAML_DEPTH + 1)));
        let fine = "steps:\n  - {set-pin: {pin: 4, value: 1}}  # [[[[\n  - wait-serial: \"[[[[\"\n";
        assert_eq!(too_deep(fine), None);
        let quoted = format!("s: '{}'", "[".repeat(1000));
        assert_eq!(too_deep(&quoted), None);
    }
}
