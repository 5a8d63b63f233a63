//! Stage 1: topology file -> raw structs, with every shape problem located.

pub mod damage;
pub mod raw;
pub mod yaml;

use std::path::Path;

use anyhow::Context as _;
use indexmap::IndexMap;
use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;
use raw::{RawSections, RawTopology};
use yaml::{Node, Positions};

/// Files larger than this are refused unless the limit is raised: a topology is a few hundred
/// lines, and a huge input is more likely a mistake or an attack than a real estate.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The text of a topology file and the name to show for it in diagnostics.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A topology file decoded into raw structs, and the positions of its keys.
#[derive(Debug)]
pub struct Loaded {
    pub raw: RawTopology,
    pub positions: Positions,
    /// Problems that did not stop decoding (unknown keys, dropped so the rest could be read);
    /// they are errors all the same, reported with validation's findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Values and entries dropped because they could not be decoded: validation's findings
    /// about them are knock-ons and are not reported.
    pub damage: damage::Damage,
}

/// Why a file could not be read: I/O failures are the caller's (exit 3), content problems are
/// the user's (exit 2).
#[derive(Debug)]
pub enum ReadError {
    Io(anyhow::Error),
    Invalid(Source, Vec<Diagnostic>),
}

/// Reads a file from disk. Size and encoding problems are diagnostics, not I/O errors.
pub fn read(path: &Path, max_bytes: u64) -> Result<Source, ReadError> {
    let name = path.display().to_string();
    let bytes = read_limited(path, max_bytes)
        .with_context(|| format!("reading {name}"))
        .map_err(ReadError::Io)?;
    source_from_bytes(name, bytes, max_bytes)
}

fn read_limited(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The start of the first line that is not blank or a comment: where a missing top-level key
/// is reported.
fn first_content(text: &str) -> crate::diagnostic::Location {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim_start();
        if !t.is_empty() && !t.starts_with('#') && t != "---\n" && t != "---" {
            return crate::diagnostic::Location {
                line: i + 1,
                column: 1,
                offset,
            };
        }
        offset += line.len();
    }
    crate::diagnostic::Location {
        line: 1,
        column: 1,
        offset: 0,
    }
}

/// Checks size and encoding of bytes read from anywhere (a file, git, standard input).
pub fn source_from_bytes(
    name: String,
    bytes: Vec<u8>,
    max_bytes: u64,
) -> Result<Source, ReadError> {
    let empty = Source {
        name: name.clone(),
        text: String::new(),
    };
    if bytes.len() as u64 > max_bytes {
        let d = Diagnostic::error(
            "file-too-large",
            "",
            format!("the file is larger than the limit of {max_bytes} bytes"),
        )
        .note("raise the limit with --max-file-size if this file is really a topology");
        return Err(ReadError::Invalid(empty, vec![d]));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { name, text }),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
            let line = valid.matches('\n').count() + 1;
            let column = valid.len() - valid.rfind('\n').map_or(0, |i| i + 1) + 1;
            let d = Diagnostic::error(
                "not-utf8",
                "",
                format!("the file is not UTF-8 text: invalid byte at line {line}, column {column}"),
            )
            .at(Some(crate::diagnostic::Location {
                line,
                column,
                offset,
            }));
            let lossy = Source {
                name,
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            Err(ReadError::Invalid(lossy, vec![d]))
        }
    }
}

/// Parses and decodes the text. Returns every shape problem found (unknown keys, wrong types,
/// missing required keys) across all entries, not just the first.
pub fn parse(source: &Source) -> Result<Loaded, Vec<Diagnostic>> {
    let doc = yaml::parse(&source.text)?;
    let positions = doc.positions;
    let mut decoder = Decoder {
        positions: &positions,
        diagnostics: Vec::new(),
        fatal: false,
        damage: damage::Damage::default(),
    };
    if yaml::is_null(&doc.root) {
        return Err(vec![Diagnostic::error(
            "empty-file",
            "",
            "the file is empty; a topology needs at least `version`, `regions`, `routing`, `users`, `demand` and `services`",
        )]);
    }
    // Unknown top-level keys are reported and dropped, so the rest of the file is still
    // checked.
    let mut root = doc.root;
    let sections = loop {
        match yaml::decode::<RawSections>(root.clone()) {
            Ok(sections) => break sections,
            Err(e) => {
                let d = decoder.decode_diagnostic(&e.path, &e.message);
                let unknown_top = d.code == "unknown-key" && !d.path.contains(['.', '[']);
                decoder.diagnostics.push(d);
                if !(unknown_top
                    && yaml::remove_key(
                        &mut root,
                        &decoder.diagnostics[decoder.diagnostics.len() - 1].path,
                    ))
                {
                    return Err(decoder.diagnostics);
                }
            }
        }
    };
    let d = &mut decoder;
    let raw = RawTopology {
        version: sections.version.and_then(|n| d.one(n, "version")),
        name: sections.name,
        description: sections.description,
        regions: d.map(sections.regions, "regions"),
        links: d.seq(sections.links, "links"),
        shared_fate: d.map(sections.shared_fate, "shared_fate"),
        externals: d.map(sections.externals, "externals"),
        control_planes: d.map(sections.control_planes, "control_planes"),
        routing: sections.routing.and_then(|n| d.one(n, "routing")),
        users: d.map(sections.users, "users"),
        demand: sections.demand.and_then(|n| d.one(n, "demand")),
        services: d.map(sections.services, "services"),
        datastores: d.map(sections.datastores, "datastores"),
        objectives: sections
            .objectives
            .filter(|n| !yaml::is_null(n))
            .and_then(|n| d.one(n, "objectives")),
        changes: d.map(sections.changes, "changes"),
        scenarios: d.seq(sections.scenarios, "scenarios"),
    };
    for (key, present) in [
        ("version", raw.version.is_some()),
        ("routing", raw.routing.is_some()),
        ("demand", raw.demand.is_some()),
    ] {
        let had_error = decoder.diagnostics.iter().any(|d| d.path.starts_with(key));
        if !present && !had_error {
            decoder.diagnostics.push(
                Diagnostic::error("missing-key", "", format!("missing required key `{key}`"))
                    .at(Some(first_content(&source.text))),
            );
            decoder.fatal = true;
        }
    }
    let (fatal, diagnostics, damage) = (decoder.fatal, decoder.diagnostics, decoder.damage);
    if fatal {
        Err(diagnostics)
    } else {
        Ok(Loaded {
            raw,
            positions,
            diagnostics,
            damage,
        })
    }
}

struct Decoder<'a> {
    positions: &'a Positions,
    diagnostics: Vec<Diagnostic>,
    /// A section could not be decoded at all: validation would only report knock-on errors.
    fatal: bool,
    /// Values and entries dropped so that the rest could be read.
    damage: damage::Damage,
}

/// The names serde says it expected, from any of its wordings: "expected `a`", "expected `a`
/// or `b`", "expected one of `a`, `b`, `c`" ("there are no fields" gives none).
fn expected_names(message: &str) -> Vec<&str> {
    let Some((_, list)) = message.split_once(", expected ") else {
        return Vec::new();
    };
    let list = list.strip_prefix("one of ").unwrap_or(list);
    list.split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|s| s.trim().trim_matches('`'))
        .filter(|s| !s.is_empty())
        .collect()
}

/// "expected one of `a`, `b`", "expected `a` or `b`", "expected `a`", or that there is none.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "no keys are allowed here".to_string(),
        [one] => format!("expected {one}"),
        [a, b] => format!("expected {a} or {b}"),
        many => format!("expected one of {}", many.join(", ")),
    }
}

/// Whether `candidate` is close enough to `name` to be a likely typo of it: a small edit
/// distance, or one name inside the other (`threshold` for `failure_threshold`).
fn likely_typo(name: &str, candidate: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let c = candidate.to_ascii_lowercase();
    strsim::levenshtein(&c, &lower) <= 2.max(lower.len() / 4)
        || (lower.len() >= 3 && c.contains(&lower))
        || (c.len() >= 3 && lower.contains(&c))
}

/// The known names that are likely typos of `name` (see [`nearest`]), nearest first (ties in
/// the list's order): for "did you mean" lists outside the file (`drplan explain`'s scenario).
pub fn close_names<'a>(name: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut close: Vec<&'a str> = candidates
        .iter()
        .copied()
        .filter(|c| likely_typo(name, c))
        .collect();
    close.sort_by_key(|c| strsim::levenshtein(&c.to_ascii_lowercase(), &lower));
    close
}

/// The known name nearest to `name`, and whether it is close enough to be a likely typo (a small
/// edit distance, or one name inside the other: `threshold` for `failure_threshold`). The
/// nearest is by edit distance, ties broken by the list's order.
fn nearest<'a>(name: &str, candidates: &[&'a str]) -> Option<(&'a str, bool)> {
    let lower = name.to_ascii_lowercase();
    let likely = |c: &str| likely_typo(&lower, c);
    let score = |c: &str| {
        let c = c.to_ascii_lowercase();
        (!likely(&c), strsim::levenshtein(&c, &lower))
    };
    let best = candidates.iter().copied().min_by_key(|c| score(c))?;
    Some((best, likely(best)))
}

/// Rewrites serde's type-error wording ("invalid type: string \"x\", expected f64") in the
/// terms of the file ("expected a number, found the string \"x\"").
fn humanize(message: &str) -> String {
    let Some((found, expected)) = message.split_once(", expected ") else {
        return message.to_string();
    };
    let expected = match expected.trim() {
        "f64" | "f32" => "a number".to_string(),
        "u32" | "u64" | "usize" => "a whole number, 0 or more".to_string(),
        "a boolean" | "bool" => "`true` or `false`".to_string(),
        "a sequence" => "a list".to_string(),
        "a string" => "a string".to_string(),
        e if e.starts_with("struct ") || e.starts_with("a map") => "a mapping of keys".to_string(),
        e => e.to_string(),
    };
    let found = found
        .trim_start_matches("invalid type: ")
        .trim_start_matches("invalid value: ")
        .replace("sequence", "a list")
        .replace("map", "a mapping");
    format!("expected {expected}, found {found}")
}

impl Decoder<'_> {
    /// Decodes one node at `path`; on failure records a located diagnostic. Unknown keys are
    /// reported and dropped, and decoding goes on, so one typo does not hide the rest.
    fn one<T: DeserializeOwned>(&mut self, node: Node, path: &str) -> Option<T> {
        let mut node = node;
        loop {
            let e = match yaml::decode::<T>(node.clone()) {
                Ok(v) => return Some(v),
                Err(e) => e,
            };
            let inner = match (path.is_empty(), e.path.is_empty()) {
                (_, true) => path.to_string(),
                (true, false) => e.path.clone(),
                (false, false) if e.path.starts_with('[') => format!("{path}{}", e.path),
                (false, false) => yaml::join(path, &e.path),
            };
            let d = self.decode_diagnostic(&inner, &e.message);
            let relative = d
                .path
                .strip_prefix(path)
                .unwrap_or(&d.path)
                .trim_start_matches('.')
                .to_string();
            let (code, full) = (d.code, d.path.clone());
            // A required value dropped a moment ago is now missing: that is not news.
            let knock_on = code == "missing-key"
                && d.message
                    .split('`')
                    .nth(1)
                    .is_some_and(|key| self.damage.values.contains(&yaml::join(&d.path, key)));
            if !knock_on {
                self.diagnostics.push(d);
            }
            if code == "unknown-key" && yaml::remove_path(&mut node, &relative) {
                continue;
            }
            // A value that cannot be decoded is dropped and the rest of the entry read on, so
            // its other problems are reported too; a missing key means the entry itself cannot
            // be read, and it is dropped. Either way validation still runs on the rest.
            if code != "missing-key"
                && !relative.is_empty()
                && yaml::remove_path(&mut node, &relative)
            {
                self.damage.values.push(full);
                continue;
            }
            self.damage.entries.push(path.to_string());
            return None;
        }
    }

    fn decode_diagnostic(&self, path: &str, message: &str) -> Diagnostic {
        let message = message.replace('\n', " ");
        let quoted = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string)
        };
        let expected = expected_names(&message);
        let did_you_mean = |d: Diagnostic, name: &str| match nearest(name, &expected) {
            Some((best, true)) => d.note(format!("did you mean `{best}`?")),
            Some((best, false)) => d.note(format!("the nearest known name is `{best}`")),
            None => d,
        };
        if let Some(name) = quoted("unknown field `") {
            let full = if path.ends_with(&name) {
                path.to_string()
            } else {
                yaml::join(path, &name)
            };
            let text = format!("unknown key `{name}`; {}", one_of(&expected));
            let d =
                Diagnostic::error("unknown-key", full.clone(), text).at(self.positions.key(&full));
            return did_you_mean(d, &name);
        }
        if let Some(name) = quoted("missing field `") {
            let text = format!("missing required key `{name}`");
            return Diagnostic::error("missing-key", path, text).at(self.positions.key(path));
        }
        if let Some(name) = quoted("unknown variant `") {
            let text = format!("unknown value `{name}`; {}", one_of(&expected));
            let d = Diagnostic::error("unknown-value", path, text).at(self.positions.value(path));
            return did_you_mean(d, &name);
        }
        Diagnostic::error("invalid-value", path, humanize(&message)).at(self.positions.value(path))
    }

    /// Decodes a mapping section entry by entry, keeping file order.
    fn map<T: DeserializeOwned>(&mut self, node: Option<Node>, path: &str) -> IndexMap<String, T> {
        let mut out = IndexMap::new();
        let Some(node) = node.filter(|n| !yaml::is_null(n)) else {
            return out;
        };
        let Some(entries) = yaml::entries(node) else {
            self.diagnostics.push(
                Diagnostic::error(
                    "invalid-value",
                    path,
                    format!("`{path}` must be a mapping of ids to entries"),
                )
                .at(self.positions.value(path)),
            );
            self.fatal = true;
            return out;
        };
        for (id, value) in entries {
            let entry_path = yaml::join(path, &id);
            let value = if yaml::is_null(&value) {
                yaml::empty_mapping()
            } else {
                value
            };
            if let Some(v) = self.one(value, &entry_path) {
                out.insert(id, v);
            }
        }
        out
    }

    /// Decodes a sequence section item by item.
    fn seq<T: DeserializeOwned>(&mut self, node: Option<Node>, path: &str) -> Vec<T> {
        let Some(node) = node.filter(|n| !yaml::is_null(n)) else {
            return Vec::new();
        };
        let Some(items) = yaml::items(node) else {
            self.diagnostics.push(
                Diagnostic::error("invalid-value", path, format!("`{path}` must be a list"))
                    .at(self.positions.value(path)),
            );
            self.fatal = true;
            return Vec::new();
        };
        items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| self.one(item, &yaml::index(path, i)))
            .collect()
    }
}

#[cfg(test)]
mod suggestion_tests {
    use super::*;

    #[test]
    fn every_wording_of_serde_gives_the_expected_names() {
        let one = "unknown field `x`, expected `interval`";
        let two = "unknown field `threshold`, expected `interval` or `failure_threshold`";
        let many = "unknown field `x`, expected one of `a`, `b`, `c`";
        let none = "unknown field `x`, there are no fields";
        assert_eq!(expected_names(one), ["interval"]);
        assert_eq!(expected_names(two), ["interval", "failure_threshold"]);
        assert_eq!(expected_names(many), ["a", "b", "c"]);
        assert!(expected_names(none).is_empty());
        assert_eq!(
            one_of(&expected_names(two)),
            "expected `interval` or `failure_threshold`"
        );
        assert_eq!(one_of(&[]), "no keys are allowed here");
    }

    #[test]
    fn the_nearest_known_name_is_always_given() {
        let keys = ["interval", "failure_threshold"];
        assert_eq!(
            nearest("threshold", &keys),
            Some(("failure_threshold", true))
        );
        assert_eq!(nearest("intervall", &keys), Some(("interval", true)));
        assert_eq!(
            nearest("colour", &keys).map(|(_, likely)| likely),
            Some(false)
        );
        assert_eq!(nearest("x", &[]), None);
    }
}
