//! The topology being written: a tree of maps, lists and scalars that carries a comment per item
//! (the resource address it came from) and explicit holes for what the plan cannot know; the
//! overlay merge; and the YAML text.

use indexmap::IndexMap;
use serde_json::Value;

/// A value in the topology being written.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Map(IndexMap<String, Item>),
    Seq(Vec<Item>),
    Scalar(Value),
    /// A value the plan cannot give: written as `null` with a `FILL IN` comment, so that the
    /// validator reports it at its line until the overlay supplies it.
    Missing(String),
}

/// A node and the comment written beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub node: Node,
    pub comment: Option<String>,
}

impl Item {
    pub fn new(node: Node) -> Self {
        Item {
            node,
            comment: None,
        }
    }
    pub fn map() -> Self {
        Item::new(Node::Map(IndexMap::new()))
    }
    pub fn scalar(v: impl Into<Value>) -> Self {
        let v = v.into();
        // Whole numbers as integers: `3`, not `3.0` (counts must be whole).
        let v = match v.as_f64() {
            Some(f) if v.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
            _ => v,
        };
        Item::new(Node::Scalar(v))
    }
    pub fn missing(what: impl Into<String>) -> Self {
        Item::new(Node::Missing(what.into()))
    }
    pub fn seq(items: Vec<Item>) -> Self {
        Item::new(Node::Seq(items))
    }
    pub fn strings<S: AsRef<str>>(items: &[S]) -> Self {
        Item::seq(items.iter().map(|s| Item::scalar(s.as_ref())).collect())
    }
    pub fn with_comment(mut self, c: impl Into<String>) -> Self {
        self.comment = Some(c.into());
        self
    }
    /// Sets `key` in a map item (no effect on other nodes).
    pub fn set(&mut self, key: &str, item: Item) -> &mut Self {
        if let Node::Map(m) = &mut self.node {
            m.insert(key.to_string(), item);
        }
        self
    }
    /// The child map at `key`, created when absent.
    pub fn child(&mut self, key: &str) -> &mut Item {
        if !matches!(self.node, Node::Map(_)) {
            self.node = Node::Map(IndexMap::new());
        }
        match &mut self.node {
            Node::Map(m) => m.entry(key.to_string()).or_insert_with(Item::map),
            _ => unreachable!("made a map above"),
        }
    }
    pub fn get(&self, key: &str) -> Option<&Item> {
        match &self.node {
            Node::Map(m) => m.get(key),
            _ => None,
        }
    }
}

/// Merges an overlay (a topology fragment) into the imported tree. The rules, also in the
/// README: maps merge key by key, recursively; any other overlay value (a scalar, a list)
/// replaces the imported one whole; `null` in the overlay deletes the key.
pub fn merge(base: &mut Item, overlay: &Value) {
    match (overlay, &mut base.node) {
        (Value::Object(o), Node::Map(m)) => {
            for (k, v) in o {
                if v.is_null() {
                    m.shift_remove(k);
                } else if let Some(existing) = m.get_mut(k) {
                    merge(existing, v);
                } else {
                    m.insert(k.clone(), from_json(v).with_comment("from the overlay"));
                }
            }
        }
        (v, _) => {
            let comment = match &base.comment {
                Some(c) if !matches!(base.node, Node::Missing(_)) => {
                    Some(format!("{c}; overlay value"))
                }
                Some(c) => Some(c.clone()),
                None => Some("from the overlay".into()),
            };
            *base = from_json(v);
            base.comment = comment;
        }
    }
}

fn from_json(v: &Value) -> Item {
    match v {
        Value::Object(o) => Item::new(Node::Map(
            o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect(),
        )),
        Value::Array(a) => Item::seq(a.iter().map(from_json).collect()),
        other => Item::scalar(other.clone()),
    }
}

/// Every hole left, as `(key path, what to supply)`.
pub fn missing(item: &Item) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_missing(item, "", &mut out);
    out
}

fn collect_missing(item: &Item, path: &str, out: &mut Vec<(String, String)>) {
    match &item.node {
        Node::Missing(what) => out.push((path.to_string(), what.clone())),
        Node::Map(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                collect_missing(v, &p, out);
            }
        }
        Node::Seq(s) => {
            for (i, v) in s.iter().enumerate() {
                collect_missing(v, &format!("{path}[{i}]"), out);
            }
        }
        Node::Scalar(_) => {}
    }
}

/// The tree as block-style YAML with comments.
pub fn to_yaml(root: &Item) -> String {
    let mut out = String::new();
    if let Node::Map(m) = &root.node {
        write_map(m, 0, &mut out);
    }
    out
}

fn comment(c: &Option<String>) -> String {
    match c {
        Some(c) => format!("  # {}", c.replace('\n', " ")),
        None => String::new(),
    }
}

fn write_map(m: &IndexMap<String, Item>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for (k, v) in m {
        let key = scalar_text(&Value::String(k.clone()));
        write_entry(&format!("{pad}{key}:"), v, indent, out);
    }
}

fn write_entry(prefix: &str, v: &Item, indent: usize, out: &mut String) {
    match &v.node {
        Node::Map(m) if !m.is_empty() => {
            out.push_str(&format!("{prefix}{}\n", comment(&v.comment)));
            write_map(m, indent + 2, out);
        }
        Node::Seq(s) if !s.is_empty() && !flat(s) => {
            out.push_str(&format!("{prefix}{}\n", comment(&v.comment)));
            let pad = " ".repeat(indent + 2);
            for item in s {
                match &item.node {
                    Node::Map(m) if !m.is_empty() => {
                        // `- key: value` then the rest of the map indented under it.
                        let mut first = true;
                        for (k, child) in m {
                            let key = scalar_text(&Value::String(k.clone()));
                            let p = if first {
                                format!("{pad}- {key}:")
                            } else {
                                format!("{pad}  {key}:")
                            };
                            let mut child = child.clone();
                            if first && child.comment.is_none() {
                                child.comment.clone_from(&item.comment);
                            }
                            first = false;
                            write_entry(&p, &child, indent + 4, out);
                        }
                    }
                    _ => write_entry(&format!("{pad}-"), item, indent + 2, out),
                }
            }
        }
        _ => out.push_str(&format!(
            "{prefix} {}{}\n",
            inline(v),
            comment(&match &v.node {
                Node::Missing(what) => Some(match &v.comment {
                    Some(c) => format!("FILL IN: {what} ({c})"),
                    None => format!("FILL IN: {what}"),
                }),
                _ => v.comment.clone(),
            })
        )),
    }
}

fn flat(s: &[Item]) -> bool {
    s.iter()
        .all(|i| matches!(i.node, Node::Scalar(_)) && i.comment.is_none())
}

fn inline(v: &Item) -> String {
    match &v.node {
        Node::Scalar(s) => scalar_text(s),
        Node::Missing(_) => "null".into(),
        Node::Map(_) => "{}".into(),
        Node::Seq(s) => format!("[{}]", s.iter().map(inline).collect::<Vec<_>>().join(", ")),
    }
}

/// A scalar as YAML: plain when that reads back as the same string, else JSON-quoted (a JSON
/// string is a valid YAML double-quoted scalar).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && !matches!(
                    s.to_ascii_lowercase().as_str(),
                    "true"
                        | "false"
                        | "null"
                        | "yes"
                        | "no"
                        | "on"
                        | "off"
                        | "y"
                        | "n"
                        | "nan"
                        | "inf"
                );
            if plain {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
            }
        }
        Value::Null => "null".into(),
        Value::Array(_) | Value::Object(_) => {
            serde_json::to_string(v).unwrap_or_else(|_| "null".into())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_maps_merge_lists_replace_null_deletes() {
        let mut root = Item::map();
        root.child("services")
            .child("web")
            .set(
                "capacity_per_instance",
                Item::missing("requests per second"),
            )
            .set("depends_on", Item::strings(&["db", "cache"]));
        root.set("routing", Item::map());
        let overlay = serde_json::json!({
            "services": {"web": {"capacity_per_instance": 100, "depends_on": ["db"]}},
            "routing": null,
            "demand": {"peak_rps": 10}
        });
        merge(&mut root, &overlay);
        assert!(missing(&root).is_empty());
        let text = to_yaml(&root);
        assert!(text.contains("capacity_per_instance: 100"), "{text}");
        assert!(text.contains("depends_on: [db]"), "{text}");
        assert!(!text.contains("routing"), "{text}");
        assert!(text.contains("peak_rps: 10"), "{text}");
    }

    #[test]
    fn strings_that_look_like_other_types_are_quoted() {
        assert_eq!(scalar_text(&Value::String("yes".into())), "\"yes\"");
        assert_eq!(scalar_text(&Value::String("1a".into())), "\"1a\"");
        assert_eq!(
            scalar_text(&Value::String("us-east-1a".into())),
            "us-east-1a"
        );
        assert_eq!(scalar_text(&Value::String("a: b".into())), "\"a: b\"");
    }
}
