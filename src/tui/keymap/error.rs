//! Keymap errors: each displays as one line naming the file, the line, the
//! context and the key, so it can be printed before raw mode starts.

use std::fmt;
use std::path::PathBuf;

use super::{Action, Context};

/// Where an entry was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file's path, or "built-in keymap.toml".
    pub file: String,
    /// 1-based.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.file, self.line)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap {}: cannot read it: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not valid TOML, including a key written twice in one table.
    #[error("keymap {file}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Syntax {
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error(
        "keymap {at}: [{context}] is not a context; the contexts are {}",
        Context::names()
    )]
    UnknownContext { at: Origin, context: String },
    #[error("keymap {at}: [{context}] \"{key}\": {problem}")]
    Entry {
        at: Origin,
        context: Context,
        /// As written in the file.
        key: String,
        problem: EntryProblem,
    },
    /// A context binds a key `[global]` binds too, without `override:`.
    #[error(
        "keymap: [{context}] \"{key}\" = \"{action}\" ({at}) and [global] \"{global_key}\" = \"{global_action}\" ({global_at}) bind the same key; write \"override:{action}\" in [{context}] to let it win there, or bind one of them to \"none\""
    )]
    GlobalClash {
        context: Context,
        key: String,
        action: Action,
        at: Origin,
        global_key: String,
        global_action: Action,
        global_at: Origin,
    },
}

/// What is wrong with one `"key" = "action"` entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    #[error("bad key name: {0}")]
    BadKey(String),
    #[error("\"{0}\" is not an action; the actions are {names}", names = Action::names())]
    UnknownAction(String),
    #[error("the action must be a string such as \"down\", or \"none\" to unbind the key")]
    NotAString,
    /// Two spellings of one key, like "G" and "shift-g", in one table.
    #[error("the same key as \"{other}\" on line {line}; a table binds each key once")]
    SameKeyTwice { other: String, line: usize },
    #[error("this context takes typed text, so the key types rather than acting; bind a ctrl- or named key instead")]
    TextKey,
    #[error("\"override:\" lets a context win over [global] and means nothing in [global] itself")]
    OverrideInGlobal,
    #[error("\"override:\" needs an action after it; \"none\" alone unbinds the key")]
    OverrideNothing,
}
