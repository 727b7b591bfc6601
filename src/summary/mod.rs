//! The order summary in the detail pane and `orderdeck show`: a short
//! paragraph an operator can read instead of three systems. The built-in
//! offline summariser is the default; a language model can take its place
//! behind the same `Summary` type, never replacing the findings it cites,
//! and the offline summary stands in whenever the model cannot be trusted
//! or reached.

mod brief;
mod offline;
mod redact;
mod summarizer;
mod verify;

pub use offline::summarise;
pub use summarizer::{Summarizer, SummaryOutcome};

use std::time::Duration;

use serde::Serialize;

use crate::domain::FindingCode;

/// Who wrote a summary: operators are told when a model did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Offline,
    /// A language model, from the facts and findings alone: check it
    /// against them.
    Model,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub text: String,
    pub author: Author,
    /// The findings the text relies on.
    pub cites: Vec<FindingCode>,
}

/// `[ai] provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Offline,
    /// Any OpenAI-compatible chat-completions endpoint.
    OpenAi,
}

/// `[ai]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AiSettings {
    pub provider: Provider,
    pub base_url: String,
    pub model: String,
    /// The variable holding the API key; `None` sends no key.
    pub api_key_env: Option<String>,
    /// The whole budget of one summary, retries included.
    pub timeout: Duration,
    pub max_tokens: u32,
    pub temperature: f64,
    /// Off unless the config file says otherwise: names, e-mail addresses,
    /// phone numbers and street addresses become placeholders.
    pub send_personal_data: bool,
    pub requests_per_minute: u32,
    pub retries: u32,
    /// Summaries requested at once by `orderdeck summarize`.
    pub parallel: u32,
}
