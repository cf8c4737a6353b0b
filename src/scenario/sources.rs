//! Where a scenario's values come from: the comments of its TOML file, kept by field path.
//!
//! A preset (or a council's own scenario file) says where each value comes from in a comment
//! on its line (`under_18 = 57000  # sources §1 ...`) or above its table header. Those comments
//! are read with the file and kept beside the scenario, so the assumptions sheet of a workbook
//! can give each parameter's source. A value's source is the comment on its own line, else the
//! nearest enclosing table's (a table's comment speaks for its fields). A value that a later
//! file or an override replaces loses the source of the value it replaced.

use serde_json::Value;
use std::collections::BTreeMap;
use toml_edit::{DocumentMut, Item, Table};

/// The source of each commented value of a scenario, by field path (`population.under_18`,
/// `hazards.not_known`, `changes[2].set.early_help`).
///
/// Sources are commentary, not part of the model: two scenarios with the same values are equal
/// whatever their comments say.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    by_path: BTreeMap<String, String>,
}

impl PartialEq for Sources {
    fn eq(&self, _: &Sources) -> bool {
        true
    }
}

impl Sources {
    /// The sources given in the comments of TOML `text` (none if it does not parse: the
    /// scenario reader reports the syntax error).
    pub fn from_toml(text: &str) -> Sources {
        let mut sources = Sources::default();
        if let Ok(doc) = text.parse::<DocumentMut>() {
            sources.read_table(doc.as_table(), "");
        }
        sources
    }

    /// The source of the value at `path`: its own comment, else its nearest enclosing table's.
    pub fn of(&self, path: &str) -> Option<&str> {
        // Parameter paths quote keys such as `rates."2016/17"`; the file's keys are bare.
        let bare = path.replace('"', "");
        let mut at = bare.as_str();
        loop {
            if let Some(s) = self.by_path.get(at) {
                // An empty entry marks a replaced value: its table's source is not its own.
                return (!s.is_empty()).then_some(s.as_str());
            }
            at = parent(at)?;
        }
    }

    /// Every commented path and its comment, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.by_path.iter().filter(|(_, s)| !s.is_empty()).map(|(p, s)| (p.as_str(), s.as_str()))
    }

    /// Whether no value has a source.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The value at `path` was replaced (by an override or a parameter set from outside): it no
    /// longer has the source of the value it replaced, nor its table's.
    pub(crate) fn replaced(&mut self, path: &str) {
        self.by_path.retain(|p, _| !is_below(p, path));
        self.by_path.insert(path.to_string(), String::new());
    }

    /// The sources after `overlay` (with its own sources `overlay_sources`) is deep-merged over
    /// the values these describe, as [`super::merge`] merges: a replaced value drops its source.
    pub(crate) fn overlaid(mut self, overlay: &Value, overlay_sources: Sources) -> Sources {
        self.forget_replaced(overlay, "");
        self.by_path.extend(overlay_sources.by_path);
        self
    }

    /// A policy change inserted at position `at` of `changes`: later changes' sources move up one.
    pub(crate) fn change_inserted(&mut self, at: usize) {
        let old = std::mem::take(&mut self.by_path);
        self.by_path = old
            .into_iter()
            .map(|(path, source)| match change_index(&path) {
                Some((i, rest)) if i >= at => (format!("changes[{}]{rest}", i + 1), source),
                _ => (path, source),
            })
            .collect();
    }

    fn forget_replaced(&mut self, overlay: &Value, path: &str) {
        match overlay {
            // Tables merge key by key (a distribution is replaced whole, as `merge` does).
            Value::Object(map) if !map.contains_key("dist") => {
                for (key, value) in map {
                    self.forget_replaced(value, &join(path, key));
                }
            }
            _ => self.replaced(path),
        }
    }

    fn read_table(&mut self, table: &Table, path: &str) {
        for (key, item) in table.iter() {
            let here = join(path, key);
            // Comment lines just above a key speak for it; above the first keys of the file they
            // are its header, not a source.
            let above = if path.is_empty() {
                None
            } else {
                table.key(key).and_then(|k| k.leaf_decor().prefix()).and_then(|r| r.as_str()).and_then(last_block)
            };
            match item {
                Item::Value(value) => {
                    let inline = value.decor().suffix().and_then(|r| r.as_str()).and_then(last_block);
                    self.note(&here, above, inline);
                }
                Item::Table(t) => self.read_header_and_table(t, &here),
                Item::ArrayOfTables(tables) => {
                    // The comment above the first `[[header]]` speaks for the whole list.
                    if let Some(first) = tables.iter().next() {
                        let above = first.decor().prefix().and_then(|r| r.as_str()).and_then(last_block);
                        self.note(&here, above, None);
                    }
                    for (i, t) in tables.iter().enumerate() {
                        let inline = t.decor().suffix().and_then(|r| r.as_str()).and_then(last_block);
                        let above = if i == 0 {
                            None
                        } else {
                            t.decor().prefix().and_then(|r| r.as_str()).and_then(last_block)
                        };
                        let item = format!("{here}[{i}]");
                        self.note(&item, above, inline);
                        self.read_table(t, &item);
                    }
                }
                Item::None => {}
            }
        }
    }

    fn read_header_and_table(&mut self, table: &Table, path: &str) {
        let above = table.decor().prefix().and_then(|r| r.as_str()).and_then(last_block);
        let inline = table.decor().suffix().and_then(|r| r.as_str()).and_then(last_block);
        self.note(path, above, inline);
        self.read_table(table, path);
    }

    fn note(&mut self, path: &str, above: Option<String>, inline: Option<String>) {
        let text = match (above, inline) {
            (Some(a), Some(i)) => format!("{a} {i}"),
            (Some(s), None) | (None, Some(s)) => s,
            (None, None) => return,
        };
        self.by_path.insert(path.to_string(), text);
    }
}

/// The comment of the last block of consecutive comment lines in `decor` (a blank line ends a
/// block), without the `#`s, its lines joined by spaces.
fn last_block(decor: &str) -> Option<String> {
    let mut block: Vec<&str> = Vec::new();
    for line in decor.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            block.push(comment.trim());
        } else if line.is_empty() {
            block.clear();
        }
    }
    let text = block.into_iter().filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// The path of the table or list holding `path`, if any.
fn parent(path: &str) -> Option<&str> {
    let cut = path.rfind(['.', '['])?;
    Some(&path[..cut])
}

fn is_below(candidate: &str, path: &str) -> bool {
    candidate.strip_prefix(path).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// `(i, rest)` for a path `changes[i]rest`.
fn change_index(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("changes[")?;
    let close = rest.find(']')?;
    Some((rest[..close].parse().ok()?, &rest[close + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# A file's header is not a source.
name = "x"

[population]
under_18 = 57000   # sources §1
family_size = [0.5, 0.5]

# Calibrated to referrals
# of about 600 per 10,000.
[hazards.not_known]
referral = { age_0 = 0.05 }
# assumption above
sibling = 0.4

# Each change as the seed dates it.
[[changes]]
from = "2016-02"
note = "hubs"   # the seed
[[changes]]
from = "2016-04"
"#;

    #[test]
    fn comments_are_read_by_path_and_inherited_from_tables() {
        let s = Sources::from_toml(TEXT);
        assert_eq!(s.of("name"), None);
        assert_eq!(s.of("population.under_18"), Some("sources §1"));
        assert_eq!(s.of("population.family_size"), None);
        assert_eq!(s.of("hazards.not_known.referral.age_0"), Some("Calibrated to referrals of about 600 per 10,000."));
        assert_eq!(s.of("hazards.not_known.sibling"), Some("assumption above"));
        assert_eq!(s.of("changes[0].note"), Some("the seed"));
        assert_eq!(s.of("changes[0].from"), Some("Each change as the seed dates it."));
        assert_eq!(
            s.of("changes[1].from"),
            Some("Each change as the seed dates it."),
            "a list's comment is its items'"
        );
    }

    #[test]
    fn a_replaced_value_loses_its_source_and_takes_the_overlay_s() {
        let base = Sources::from_toml(TEXT);
        let overlay = serde_json::json!({"population": {"under_18": 1000}, "hazards": {"not_known": {"sibling": 0.5}}});
        let mut own = Sources::default();
        own.by_path.insert("hazards.not_known.sibling".into(), "our audit".into());
        let s = base.overlaid(&overlay, own);
        assert_eq!(s.of("population.under_18"), None);
        assert_eq!(s.of("hazards.not_known.sibling"), Some("our audit"));
        assert_eq!(s.of("hazards.not_known.referral.age_0"), Some("Calibrated to referrals of about 600 per 10,000."));
        let mut s = s;
        s.replaced("hazards.not_known.referral.age_0");
        assert_eq!(s.of("hazards.not_known.referral.age_0"), None, "a replaced value does not inherit its table's");
        assert_eq!(s.of("hazards.not_known.referral"), Some("Calibrated to referrals of about 600 per 10,000."));
    }

    #[test]
    fn inserting_a_change_moves_later_changes_sources() {
        let mut s = Sources::from_toml(TEXT);
        s.change_inserted(0);
        assert_eq!(s.of("changes[1].note"), Some("the seed"));
        assert_eq!(s.of("changes[0].note"), Some("Each change as the seed dates it."));
        assert_eq!(s.of("changes[2].note"), Some("Each change as the seed dates it."));
    }
}
