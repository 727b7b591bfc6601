//! The order summary in the detail pane and `orderdeck show`: a short
//! paragraph an operator can read instead of three systems. The built-in
//! offline summariser is the default; a language model can take its place
//! behind the same `Summary` type (a later provider), never replacing the
//! findings it cites.

mod offline;

pub use offline::summarise;

use serde::Serialize;

use crate::domain::FindingCode;

/// Who wrote a summary: operators are told when a model did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub text: String,
    pub author: Author,
    /// The findings the text relies on.
    pub cites: Vec<FindingCode>,
}
