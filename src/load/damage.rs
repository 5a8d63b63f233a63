//! What a decoding problem leaves behind, so that validation's knock-on findings are not shown.
//!
//! When a value inside an entry cannot be decoded, the value is dropped and the rest of the
//! entry is still read (so every problem in it is reported); when the entry cannot be read at
//! all, the entry is dropped. Validation then runs on what is left, so the problems of the other
//! sections are reported in the same run. What validation would say about a dropped value or
//! entry (a missing value, a reference to a dropped entry, shares that no longer sum to 1) is a
//! consequence of the first problem, not a new one, and is left out.

use crate::diagnostic::Diagnostic;

/// The paths of dropped values and dropped entries.
#[derive(Clone, Debug, Default)]
pub struct Damage {
    /// Values dropped inside entries that were still decoded (`users.east.share`).
    pub values: Vec<String>,
    /// Entries dropped entirely (`services.web`, `scenarios[2]`, `routing`).
    pub entries: Vec<String>,
}

impl Damage {
    /// Whether nothing was dropped.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.entries.is_empty()
    }

    /// Whether a validation finding may only be a consequence of something dropped: it is about
    /// a dropped path, inside it or around it, or it names a dropped entry's id.
    pub fn hides(&self, d: &Diagnostic) -> bool {
        let near = |p: &String| related(&d.path, p);
        self.values.iter().chain(&self.entries).any(near)
            || self.entries.iter().filter_map(|p| entry_id(p)).any(|id| {
                d.message.contains(&format!("`{id}`"))
                    || d.notes.iter().any(|n| n.contains(&format!("`{id}`")))
            })
    }

    /// Removes the knock-on findings among `diagnostics[from..]` (validation's own findings;
    /// the decoding problems before `from` are kept).
    pub fn remove_knock_ons(&self, diagnostics: &mut Vec<Diagnostic>, from: usize) {
        if self.is_empty() || from >= diagnostics.len() {
            return;
        }
        let new = diagnostics.split_off(from);
        diagnostics.extend(new.into_iter().filter(|d| !self.hides(d)));
    }
}

/// Whether one path is the other, or inside it.
fn related(a: &str, b: &str) -> bool {
    under(a, b) || under(b, a)
}

/// Whether `path` is `parent` or inside it (`a.b[1]` is inside `a.b` and `a`, not `a.bc`).
fn under(path: &str, parent: &str) -> bool {
    parent.is_empty()
        || path
            .strip_prefix(parent)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// The id of a mapping entry (`services.web` -> `web`); none for list items and sections.
fn entry_id(path: &str) -> Option<&str> {
    if path.ends_with(']') {
        return None;
    }
    path.rsplit_once('.').map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_related_by_whole_segments() {
        assert!(related("users", "users.east.share"));
        assert!(related("users.east.share", "users.east"));
        assert!(related("scenarios[1].fail[0]", "scenarios[1]"));
        assert!(!related("users.eastern", "users.east"));
        assert!(!related("scenarios[10]", "scenarios[1]"));
        assert!(!related("regions.a", "users.a"));
    }

    #[test]
    fn a_dropped_entry_hides_references_to_it() {
        let damage = Damage {
            values: vec!["users.east.share".into()],
            entries: vec!["datastores.db".into()],
        };
        let dangling = Diagnostic::error(
            "dangling-reference",
            "services.web.depends_on[0]",
            "`db` is not a service, datastore or external",
        );
        assert!(damage.hides(&dangling));
        let other = Diagnostic::error(
            "dangling-reference",
            "services.web.depends_on[1]",
            "`cache` is not a service, datastore or external",
        );
        assert!(!damage.hides(&other));
        let shares = Diagnostic::error("shares-not-one", "users", "shares sum to 0.3");
        assert!(damage.hides(&shares));
        let mut all = vec![shares.clone(), other.clone(), dangling];
        damage.remove_knock_ons(&mut all, 1);
        assert_eq!(all.len(), 2, "the first is a decoding problem and is kept");
        assert_eq!(all[1].path, other.path);
    }
}
