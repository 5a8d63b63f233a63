//! Problems found in a user's topology file, with where they are.
//!
//! Validation collects every problem it finds instead of stopping at the first, so a user fixes
//! a file in one round. Each diagnostic carries a stable kebab-case code (documented in the
//! README and asserted in tests), the key path inside the document and, where known, the line and
//! column, so the renderer can show the offending line with a caret under it.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// How serious a diagnostic is: errors stop the analysis, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in the source text (1-based line and column, 0-based byte offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// One problem in the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case code, e.g. `dangling-reference`.
    pub code: &'static str,
    pub message: String,
    /// Key path inside the document, e.g. `regions.us-east.azs`; empty for the whole file.
    pub path: String,
    pub location: Option<Location>,
    /// Extra lines: hints, the other place of a duplicate.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            path: path.into(),
            location: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, message)
        }
    }

    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by position (unlocated ones last, then by path) and drops exact repeats,
/// so the output is deterministic whatever order the checks ran in.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.location.is_none(), d.location, d.path.clone(), d.code);
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
    diagnostics.dedup();
}

/// Renders diagnostics against the source text, rustc-style, one after another, followed by a
/// count line. `color` selects ANSI styling.
pub fn render(diagnostics: &[Diagnostic], file_name: &str, source: &str, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut path_note = String::new();
        if !d.path.is_empty() {
            path_note = format!("at `{}`", d.path);
        }
        let title = level.primary_title(d.message.as_str()).id(d.code);
        let located = d
            .location
            .filter(|loc| source.is_char_boundary(loc.offset) && !source.is_empty());
        let mut group = match located {
            Some(loc) => {
                let span = token_span(source, loc.offset);
                title.element(
                    Snippet::source(source)
                        .path(file_name)
                        .annotation(AnnotationKind::Primary.span(span).label(path_note.as_str())),
                )
            }
            None => Group::with_title(title),
        };
        for note in &d.notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        let rendered = renderer.render(&[group]);
        match located {
            Some(_) => {
                let _ = writeln!(out, "{rendered}\n");
            }
            None => {
                // A whole-file problem: name the file (and the position, when known) under the title.
                let (first, rest) = rendered.split_once('\n').unwrap_or((rendered.as_str(), ""));
                let at = d
                    .location
                    .map_or(String::new(), |l| format!(":{}:{}", l.line, l.column));
                let _ = writeln!(out, "{first}\n  --> {file_name}{at}");
                for line in rest.lines().filter(|l| l.trim() != "|") {
                    let _ = writeln!(out, "{line}");
                }
                let _ = writeln!(out);
            }
        }
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let _ = writeln!(
        out,
        "{file_name}: {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    out
}

/// The span of the token starting at `offset`: a quoted string, or up to the end of the line,
/// a comment, a flow delimiter or a `: ` after a key; at least one character.
fn token_span(source: &str, offset: usize) -> std::ops::Range<usize> {
    let rest = &source[offset..];
    if rest.is_empty() || rest.starts_with('\n') {
        return offset..offset;
    }
    let bytes = rest.as_bytes();
    let end = if bytes[0] == b'"' || bytes[0] == b'\'' {
        rest[1..]
            .bytes()
            .position(|b| b == bytes[0] || b == b'\n')
            .map_or(rest.len(), |p| p + 2)
    } else if bytes[0] == b'[' || bytes[0] == b'{' {
        1
    } else {
        let mut end = rest.len();
        for (i, b) in rest.bytes().enumerate() {
            let next = bytes.get(i + 1).copied();
            let stop = matches!(b, b'\n' | b',' | b']' | b'}' | b'#')
                || (b == b':' && matches!(next, None | Some(b' ' | b'\n' | b'\r')));
            if stop {
                end = i;
                break;
            }
        }
        rest[..end].trim_end().len().max(1)
    };
    let end = end.min(rest.len());
    let mut stop = offset + end;
    while !source.is_char_boundary(stop) {
        stop -= 1;
    }
    offset..stop.max(offset)
}

#[cfg(test)]
mod tests {
    use super::token_span;

    #[test]
    fn token_spans_stop_at_key_separators_and_delimiters() {
        let src = "routin: {}\nlist: [a, bb]\nq: \"x y\" # c\n";
        assert_eq!(&src[token_span(src, 0)], "routin");
        let b = src.find("bb").unwrap();
        assert_eq!(&src[token_span(src, b)], "bb");
        let q = src.find('"').unwrap();
        assert_eq!(&src[token_span(src, q)], "\"x y\"");
        assert_eq!(&src[token_span(src, src.find('{').unwrap())], "{");
    }
}
