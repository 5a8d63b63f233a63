//! Stage 1: topology file -> raw structs, with every shape problem located.

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
            );
            Err(ReadError::Invalid(empty, vec![d]))
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
        routing: sections.routing.and_then(|n| d.one(n, "routing")),
        users: d.map(sections.users, "users"),
        demand: sections.demand.and_then(|n| d.one(n, "demand")),
        services: d.map(sections.services, "services"),
        datastores: d.map(sections.datastores, "datastores"),
        objectives: sections
            .objectives
            .filter(|n| !yaml::is_null(n))
            .and_then(|n| d.one(n, "objectives")),
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
                    .at(positions.value("")),
            );
        }
    }
    if decoder.diagnostics.is_empty() {
        Ok(Loaded { raw, positions })
    } else {
        Err(decoder.diagnostics)
    }
}

struct Decoder<'a> {
    positions: &'a Positions,
    diagnostics: Vec<Diagnostic>,
}

impl Decoder<'_> {
    /// Decodes one node at `path`; on failure records a located diagnostic.
    fn one<T: DeserializeOwned>(&mut self, node: Node, path: &str) -> Option<T> {
        match yaml::decode::<T>(node) {
            Ok(v) => Some(v),
            Err(e) => {
                let inner = match (path.is_empty(), e.path.is_empty()) {
                    (_, true) => path.to_string(),
                    (true, false) => e.path.clone(),
                    (false, false) if e.path.starts_with('[') => format!("{path}{}", e.path),
                    (false, false) => yaml::join(path, &e.path),
                };
                self.diagnostics
                    .push(self.decode_diagnostic(&inner, &e.message));
                None
            }
        }
    }

    fn decode_diagnostic(&self, path: &str, message: &str) -> Diagnostic {
        let message = message.replace("\n", " ");
        let field = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string)
        };
        if let Some(name) = field("unknown field `") {
            let full = if path.ends_with(&name) {
                path.to_string()
            } else {
                yaml::join(path, &name)
            };
            let expected: Vec<&str> = message
                .split_once("expected one of ")
                .map(|(_, list)| list.split(", ").map(|s| s.trim_matches('`')).collect())
                .unwrap_or_default();
            let mut d = Diagnostic::error("unknown-key", full.clone(), message.clone())
                .at(self.positions.key(&full));
            if let Some(best) = expected
                .iter()
                .filter(|e| strsim::levenshtein(e, &name) <= 2.max(name.len() / 4))
                .min_by_key(|e| strsim::levenshtein(e, &name))
            {
                d = d.note(format!("did you mean `{best}`?"));
            }
            return d;
        }
        if message.starts_with("missing field") {
            return Diagnostic::error("missing-key", path, message).at(self.positions.key(path));
        }
        if message.starts_with("unknown variant") {
            return Diagnostic::error("unknown-value", path, message)
                .at(self.positions.value(path));
        }
        Diagnostic::error("invalid-value", path, message).at(self.positions.value(path))
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
            return Vec::new();
        };
        items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| self.one(item, &yaml::index(path, i)))
            .collect()
    }
}
