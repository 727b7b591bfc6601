//! The console's keymap: the built-in `keymap.toml` with the user's file laid
//! over it key by key, checked whole before raw mode starts so every mistake
//! prints as one plain line.
//!
//! Lookup: a key bound in the current context wins; otherwise the `[global]`
//! binding applies, except that in a context taking typed text (see
//! [`Context::is_text_entry`]) printable and line-editing keys are text and
//! reach no binding. A context entry whose key `[global]` also binds must say
//! `"override:ACTION"`, so no global key is shadowed by accident.

mod action;
mod error;
mod key;
mod layer;

use std::collections::BTreeMap;
use std::path::Path;

pub use action::{Action, Context};
pub use error::{EntryProblem, KeymapError, Origin};
pub use key::Key;

use layer::Layer;

/// The built-in keymap, which also documents the format.
pub const DEFAULT_KEYMAP: &str = include_str!("../../../keymap.toml");

/// How the built-in keymap is named in error messages.
const BUILT_IN: &str = "built-in keymap.toml";

#[derive(Debug, Clone)]
pub struct Keymap {
    /// Each context's bindings in the order they were first written, which
    /// orders keys sharing an action in the help overlay.
    tables: BTreeMap<Context, Vec<Binding>>,
}

#[derive(Debug, Clone)]
struct Binding {
    key: Key,
    action: Action,
    overrides_global: bool,
    /// The key as written, and where, for error messages.
    written: String,
    at: Origin,
}

impl Keymap {
    /// The built-in keymap alone. It fails only if `keymap.toml` itself is
    /// broken, which the tests catch.
    pub fn default_map() -> Result<Keymap, KeymapError> {
        Keymap::load(None)
    }

    /// The built-in keymap with `user_file` laid over it: each entry replaces
    /// the built-in binding of its key in its context, and `"none"` (or `""`)
    /// unbinds the key. A file that does not exist is an error, so callers
    /// pass one only when the user has one.
    pub fn load(user_file: Option<&Path>) -> Result<Keymap, KeymapError> {
        let mut keymap = Keymap {
            tables: BTreeMap::new(),
        };
        keymap.lay(Layer::parse(BUILT_IN, DEFAULT_KEYMAP)?);
        if let Some(path) = user_file {
            let text = std::fs::read_to_string(path).map_err(|source| KeymapError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            keymap.lay(Layer::parse(&path.display().to_string(), &text)?);
        }
        keymap.check_global_clashes()?;
        Ok(keymap)
    }

    /// The keymap for `--read-only`: every action that would change a
    /// backend is unbound, so its key does nothing.
    pub fn read_only(mut self) -> Keymap {
        for table in self.tables.values_mut() {
            table.retain(|binding| !binding.action.changes_backend());
        }
        self
    }

    /// What `key` does in `context`, if anything.
    pub fn action(&self, context: Context, key: Key) -> Option<Action> {
        if let Some(binding) = self.find(context, key) {
            return Some(binding.action);
        }
        if context == Context::Global || (context.is_text_entry() && key.is_text_editing()) {
            return None;
        }
        self.find(Context::Global, key)
            .map(|binding| binding.action)
    }

    /// The keys bound in `context` itself (not those it inherits from
    /// `[global]`; ask for `Context::Global` for those), ordered by action as
    /// `Action::ALL` lists them, then in file order. `Key`'s `Display` is the
    /// name to show.
    pub fn bindings(&self, context: Context) -> Vec<(Key, Action)> {
        let mut bindings: Vec<(Key, Action)> = self
            .tables
            .get(&context)
            .into_iter()
            .flatten()
            .map(|binding| (binding.key, binding.action))
            .collect();
        bindings.sort_by_key(|(_, action)| *action);
        bindings
    }

    fn find(&self, context: Context, key: Key) -> Option<&Binding> {
        self.tables.get(&context)?.iter().find(|b| b.key == key)
    }

    fn lay(&mut self, layer: Layer) {
        for (context, entries) in layer.tables {
            let table = self.tables.entry(context).or_default();
            for entry in entries {
                let position = table.iter().position(|b| b.key == entry.key);
                match (entry.action, position) {
                    (None, Some(position)) => {
                        table.remove(position);
                    }
                    (None, None) => {}
                    (Some(action), position) => {
                        let binding = Binding {
                            key: entry.key,
                            action,
                            overrides_global: entry.overrides_global,
                            written: entry.written,
                            at: entry.at,
                        };
                        match position {
                            Some(position) => table[position] = binding,
                            None => table.push(binding),
                        }
                    }
                }
            }
        }
    }

    fn check_global_clashes(&self) -> Result<(), KeymapError> {
        for (&context, table) in &self.tables {
            if context == Context::Global {
                continue;
            }
            for binding in table.iter().filter(|b| !b.overrides_global) {
                if let Some(global) = self.find(Context::Global, binding.key) {
                    return Err(KeymapError::GlobalClash {
                        context,
                        key: binding.written.clone(),
                        action: binding.action,
                        at: binding.at.clone(),
                        global_key: global.written.clone(),
                        global_action: global.action,
                        global_at: global.at.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}
