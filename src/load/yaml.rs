//! The only module that knows which YAML library drplan uses.
//!
//! serde_yaml is archived upstream, so everything YAML-specific stays here: a maintained fork can
//! replace it by changing this file alone. Two passes over the text:
//! 1. an event pass (yaml-rust2) that maps every key path to its line and column and reports
//!    duplicate keys with both places (serde_yaml would keep the last one silently in a map), and
//! 2. serde_yaml, which builds the value tree that the raw structs are decoded from.
//!
//! serde_yaml gives no positions for values once they are in a tree; the position map fills that
//! gap so that semantic errors found much later still point at a line and column.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostic::{Diagnostic, Location};

/// A parsed YAML value, opaque outside this module except through [`decode`].
pub type Node = serde_yaml::Value;

/// A parsed document: its value tree and where each key path sits in the text.
#[derive(Debug)]
pub struct Document {
    pub root: Node,
    pub positions: Positions,
}

/// Key path -> position. Paths look like `regions.us-east.azs` and `links[0].between[1]`.
#[derive(Debug, Default)]
pub struct Positions {
    entries: HashMap<String, Entry>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: Option<Location>,
    value: Location,
}

impl Positions {
    /// Where the value at `path` starts. A path that is not in the file (a defaulted key) is
    /// reported at the key of its nearest enclosing entry.
    pub fn value(&self, path: &str) -> Option<Location> {
        match self.entries.get(path) {
            Some(e) => Some(e.value),
            None => self.key(path),
        }
    }

    /// Where the key of `path` is written (its value for sequence items and the root), or of
    /// its nearest enclosing entry.
    pub fn key(&self, path: &str) -> Option<Location> {
        self.find(path).map(|e| e.key.unwrap_or(e.value))
    }

    fn find(&self, path: &str) -> Option<&Entry> {
        let mut p = path;
        loop {
            if let Some(e) = self.entries.get(p) {
                return Some(e);
            }
            if p.is_empty() {
                return None;
            }
            p = parent(p);
        }
    }
}

/// The enclosing path: `a.b[2]` -> `a.b`, `a.b` -> `a`, `a` -> ``.
pub fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(i) => &path[..i],
        None => "",
    }
}

/// `prefix.key`, or `key` at the root.
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `prefix[index]`.
pub fn index(prefix: &str, i: usize) -> String {
    format!("{prefix}[{i}]")
}

/// Parses the text into a document. Syntax errors, several documents in one file and duplicate
/// keys are returned as located diagnostics.
pub fn parse(text: &str) -> Result<Document, Vec<Diagnostic>> {
    let chars = CharOffsets::new(text);
    let mut builder = PositionBuilder {
        chars: &chars,
        stack: Vec::new(),
        positions: Positions::default(),
        duplicates: Vec::new(),
        documents: 0,
        second_document: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        let m = e.marker();
        return Err(vec![
            Diagnostic::error("yaml-syntax", "", format!("invalid YAML: {}", e.info()))
                .at(Some(chars.location(m))),
        ]);
    }
    if builder.documents > 1 {
        return Err(vec![
            Diagnostic::error(
                "multiple-documents",
                "",
                "the file holds several YAML documents; a topology is one document",
            )
            .at(builder.second_document),
        ]);
    }
    if !builder.duplicates.is_empty() {
        return Err(builder.duplicates);
    }
    let root: Node = serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location().map(|l| Location {
            line: l.line(),
            column: l.column(),
            offset: chars.byte(l.index()),
        });
        vec![Diagnostic::error("yaml-syntax", "", format!("invalid YAML: {e}")).at(loc)]
    })?;
    Ok(Document {
        root,
        positions: builder.positions,
    })
}

/// Why a node did not decode into the expected type: the path inside the node and a message.
#[derive(Debug)]
pub struct DecodeError {
    pub path: String,
    pub message: String,
}

/// Decodes a node into a raw struct, reporting where inside the node it failed.
pub fn decode<T: DeserializeOwned>(node: Node) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(node).map_err(|e| {
        let mut path = String::new();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index: i } => path = index(&path, *i),
                serde_path_to_error::Segment::Map { key }
                | serde_path_to_error::Segment::Enum { variant: key } => path = join(&path, key),
                serde_path_to_error::Segment::Unknown => {}
            }
        }
        DecodeError {
            path,
            message: e.into_inner().to_string(),
        }
    })
}

/// Removes a key from a mapping node; returns whether it was there.
pub fn remove_key(node: &mut Node, key: &str) -> bool {
    match node {
        Node::Mapping(m) => m.remove(key).is_some(),
        _ => false,
    }
}

/// Removes the entry at a relative path (`a.b[2].c`) inside a node; returns whether it was
/// there.
pub fn remove_path(node: &mut Node, path: &str) -> bool {
    let mut segments: Vec<String> = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                segments.push(rest[..i].to_string());
            }
            rest = &rest[i..];
            while let Some(end) = rest.find(']') {
                segments.push(rest[..=end].to_string());
                rest = &rest[end + 1..];
            }
        } else if !rest.is_empty() {
            segments.push(rest.to_string());
        }
    }
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut here = node;
    for seg in parents {
        let next = match (
            seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')),
            here,
        ) {
            (Some(i), Node::Sequence(items)) => {
                i.parse::<usize>().ok().and_then(|i| items.get_mut(i))
            }
            (None, Node::Mapping(m)) => m.get_mut(seg.as_str()),
            _ => None,
        };
        match next {
            Some(n) => here = n,
            None => return false,
        }
    }
    remove_key(here, last)
}

/// An empty mapping node.
pub fn empty_mapping() -> Node {
    Node::Mapping(serde_yaml::Mapping::new())
}

/// Whether a node is YAML null (an empty file, or a key with no value).
pub fn is_null(node: &Node) -> bool {
    node.is_null()
}

/// The entries of a mapping node in file order, or `None` if it is not a mapping.
pub fn entries(node: Node) -> Option<Vec<(String, Node)>> {
    match node {
        Node::Mapping(m) => Some(m.into_iter().map(|(k, v)| (scalar_text(&k), v)).collect()),
        _ => None,
    }
}

/// The items of a sequence node, or `None` if it is not a sequence.
pub fn items(node: Node) -> Option<Vec<Node>> {
    match node {
        Node::Sequence(s) => Some(s),
        _ => None,
    }
}

fn scalar_text(node: &Node) -> String {
    match node {
        Node::String(s) => s.clone(),
        Node::Number(n) => n.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Null => "null".into(),
        _ => "?".into(),
    }
}

/// Byte offsets of characters. Both YAML parsers count positions in characters (yaml-rust2's
/// `Marker::index`, serde_yaml's `Location::index`), while diagnostics slice the text by bytes:
/// used as a byte offset, a character index points past the right place after any non-ASCII
/// text (a wrong line and caret), or into the middle of a character (a panic).
struct CharOffsets<'t> {
    text: &'t str,
    /// The byte offset of every `STRIDE`-th character (empty for ASCII text, where the two
    /// agree).
    checkpoints: Vec<usize>,
}

impl<'t> CharOffsets<'t> {
    const STRIDE: usize = 256;

    fn new(text: &'t str) -> Self {
        let checkpoints = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .step_by(Self::STRIDE)
                .map(|(i, _)| i)
                .collect()
        };
        CharOffsets { text, checkpoints }
    }

    /// The byte offset of the character at `index` (the text's length past its end).
    fn byte(&self, index: usize) -> usize {
        if self.checkpoints.is_empty() {
            return index.min(self.text.len());
        }
        let Some(&start) = self.checkpoints.get(index / Self::STRIDE) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth(index % Self::STRIDE)
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    fn location(&self, m: &Marker) -> Location {
        Location {
            line: m.line(),
            column: m.col() + 1,
            offset: self.byte(m.index()),
        }
    }
}

enum Frame {
    Map {
        path: String,
        pending_key: Option<(String, Location)>,
        seen: HashMap<String, Location>,
    },
    Seq {
        path: String,
        next: usize,
    },
    /// A complex (non-scalar) mapping key: its contents have no path.
    Skip(usize),
}

struct PositionBuilder<'c> {
    chars: &'c CharOffsets<'c>,
    stack: Vec<Frame>,
    positions: Positions,
    duplicates: Vec<Diagnostic>,
    documents: usize,
    second_document: Option<Location>,
}

impl PositionBuilder<'_> {
    /// Records a node that starts at `loc`; returns the path of the node, or None when it is a
    /// key (or inside a complex key).
    fn node(
        &mut self,
        loc: Location,
        key_text: Option<&str>,
        is_container: bool,
    ) -> Option<String> {
        let path = match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Skip(depth)) => {
                if is_container {
                    *depth += 1;
                }
                return None;
            }
            Some(Frame::Seq { path, next }) => {
                let p = index(path, *next);
                *next += 1;
                Some(p)
            }
            Some(Frame::Map {
                path,
                pending_key,
                seen,
            }) => match pending_key.take() {
                None => {
                    let key = key_text.unwrap_or("?").to_string();
                    if let Some(first) = seen.get(&key) {
                        self.duplicates.push(
                            Diagnostic::error(
                                "duplicate-key",
                                join(path, &key),
                                format!(
                                    "duplicate key `{key}`: a key may appear once in a mapping"
                                ),
                            )
                            .at(Some(loc))
                            .note(format!(
                                "first written at line {}, column {}",
                                first.line, first.column
                            )),
                        );
                    } else {
                        seen.insert(key.clone(), loc);
                    }
                    *pending_key = Some((key, loc));
                    if is_container {
                        self.stack.push(Frame::Skip(1));
                    }
                    return None;
                }
                Some((key, key_loc)) => {
                    let p = join(path, &key);
                    self.positions.entries.insert(
                        p.clone(),
                        Entry {
                            key: Some(key_loc),
                            value: loc,
                        },
                    );
                    if is_container {
                        self.push_container(p.clone(), key_text.is_none());
                    }
                    return Some(p);
                }
            },
        }?;
        self.positions.entries.entry(path.clone()).or_insert(Entry {
            key: None,
            value: loc,
        });
        if is_container {
            self.push_container(path.clone(), key_text.is_none());
        }
        Some(path)
    }

    fn push_container(&mut self, path: String, is_map: bool) {
        self.stack.push(if is_map {
            Frame::Map {
                path,
                pending_key: None,
                seen: HashMap::new(),
            }
        } else {
            Frame::Seq { path, next: 0 }
        });
    }

    fn end(&mut self) {
        if let Some(Frame::Skip(depth)) = self.stack.last_mut() {
            *depth -= 1;
            if *depth > 0 {
                return;
            }
        }
        self.stack.pop();
    }
}

impl MarkedEventReceiver for PositionBuilder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let loc = self.chars.location(&mark);
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = Some(loc);
                }
            }
            Event::Scalar(text, ..) => {
                self.node(loc, Some(&text), false);
            }
            Event::Alias(_) => {
                self.node(loc, Some("*alias"), false);
            }
            // The key text distinguishes maps (None) from sequences (Some) in push_container.
            Event::MappingStart(..) => {
                self.node(loc, None, true);
            }
            Event::SequenceStart(..) => {
                self.node(loc, Some("[]"), true);
            }
            Event::MappingEnd | Event::SequenceEnd => self.end(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_key_paths_to_lines_and_columns() {
        let text = "a:\n  b: 1\n  c: [x, y]\nd:\n  - e: 2\n";
        let doc = parse(text).unwrap();
        let p = &doc.positions;
        assert_eq!(p.key("a.b").map(|l| (l.line, l.column)), Some((2, 3)));
        assert_eq!(p.value("a.b").map(|l| (l.line, l.column)), Some((2, 6)));
        assert_eq!(p.value("a.c[1]").map(|l| (l.line, l.column)), Some((3, 10)));
        assert_eq!(p.key("d[0].e").map(|l| (l.line, l.column)), Some((5, 5)));
        assert_eq!(p.value("a.missing").map(|l| l.line), Some(1));
        let offset = p.value("a.c[1]").unwrap().offset;
        assert_eq!(&text[offset..offset + 1], "y");
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let errors = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "duplicate-key");
        assert_eq!(errors[0].location.map(|l| l.line), Some(3));
        assert!(errors[0].notes.iter().any(|n| n.contains("line 1")));
    }

    #[test]
    fn several_documents_are_refused() {
        let errors = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(errors[0].code, "multiple-documents");
    }

    #[test]
    fn syntax_errors_are_located() {
        let errors = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(errors[0].code, "yaml-syntax");
        assert!(errors[0].location.is_some());
    }
}
