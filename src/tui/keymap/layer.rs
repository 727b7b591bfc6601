//! One keymap file, read and checked entry by entry before it is laid over
//! the keymap, so an error can name the exact line.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::{Action, Context, EntryProblem, Key, KeymapError, Origin};

/// The prefix that lets a context binding win over `[global]`.
const OVERRIDE: &str = "override:";

pub(super) struct Layer {
    pub(super) tables: Vec<(Context, Vec<Entry>)>,
}

pub(super) struct Entry {
    pub(super) key: Key,
    /// `None` unbinds the key.
    pub(super) action: Option<Action>,
    pub(super) overrides_global: bool,
    pub(super) written: String,
    pub(super) at: Origin,
}

impl Layer {
    /// `file` is how errors name the file.
    pub(super) fn parse(file: &str, text: &str) -> Result<Layer, KeymapError> {
        let raw: BTreeMap<Spanned<String>, RawTable> =
            toml::from_str(text).map_err(|e| KeymapError::Syntax {
                file: file.to_string(),
                line: e.span().map(|span| line_of(text, span.start)),
                message: one_line(e.message()),
            })?;
        let mut tables = Vec::new();
        for (name, RawTable(raw_entries)) in raw {
            let at = |start: usize| Origin {
                file: file.to_string(),
                line: line_of(text, start),
            };
            let context: Context =
                name.get_ref()
                    .parse()
                    .map_err(|()| KeymapError::UnknownContext {
                        at: at(name.span().start),
                        context: name.get_ref().clone(),
                    })?;
            let mut entries: Vec<Entry> = Vec::new();
            for (written, value) in raw_entries {
                let entry_at = at(written.span().start);
                let written = written.into_inner();
                let fail = |problem| KeymapError::Entry {
                    at: entry_at.clone(),
                    context,
                    key: written.clone(),
                    problem,
                };
                let key: Key = written
                    .parse()
                    .map_err(|reason| fail(EntryProblem::BadKey(reason)))?;
                if let Some(earlier) = entries.iter().find(|e| e.key == key) {
                    return Err(fail(EntryProblem::SameKeyTwice {
                        other: earlier.written.clone(),
                        line: earlier.at.line,
                    }));
                }
                let toml::Value::String(value) = value.into_inner() else {
                    return Err(fail(EntryProblem::NotAString));
                };
                let (action, overrides_global) = parse_value(context, &value).map_err(fail)?;
                if action.is_some() && context.is_text_entry() && key.is_text_editing() {
                    return Err(fail(EntryProblem::TextKey));
                }
                entries.push(Entry {
                    key,
                    action,
                    overrides_global,
                    written,
                    at: entry_at,
                });
            }
            tables.push((context, entries));
        }
        Ok(Layer { tables })
    }
}

/// `"ACTION"`, `"override:ACTION"`, or `"none"`/`""` to unbind.
fn parse_value(context: Context, value: &str) -> Result<(Option<Action>, bool), EntryProblem> {
    let (name, overrides_global) = match value.strip_prefix(OVERRIDE) {
        Some(_) if context == Context::Global => return Err(EntryProblem::OverrideInGlobal),
        Some("" | "none") => return Err(EntryProblem::OverrideNothing),
        Some(name) => (name, true),
        None if value.is_empty() || value == "none" => return Ok((None, false)),
        None => (value, false),
    };
    let action = name
        .parse()
        .map_err(|()| EntryProblem::UnknownAction(name.to_string()))?;
    Ok((Some(action), overrides_global))
}

/// TOML's messages can run over several lines; errors here are one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// One context table's entries in file order, keys and values with their
/// places in the file.
struct RawTable(Vec<(Spanned<String>, Spanned<toml::Value>)>);

impl<'de> Deserialize<'de> for RawTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawTable, D::Error> {
        struct TableVisitor;

        impl<'de> Visitor<'de> for TableVisitor {
            type Value = RawTable;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a context table such as [queue] holding \"key\" = \"action\" entries")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawTable, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawTable(entries))
            }
        }

        deserializer.deserialize_map(TableVisitor)
    }
}
