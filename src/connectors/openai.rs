//! Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style
//! gateways, Ollama, vLLM, llama.cpp server): `POST {base}/v1/chat/completions`
//! with `model`, `messages`, `max_tokens` and `temperature`; the reply's
//! `choices[0].message.content`, `finish_reason` and `usage`; errors as
//! `{"error": {"message", "type", "code"}}`. Retries, `Retry-After` and the
//! rate limit are the shared plumbing's.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::http::{join, Backend, HttpError, RetryPolicy};
use super::secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("the model's reply is not a chat completion: {0}")]
    Malformed(String),
    #[error("the model returned no text (finish_reason {0})")]
    Empty(String),
}

/// What the model was asked: one system instruction, one user message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub system: String,
    pub user: String,
}

/// The model's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    /// `stop`, or `length` when `max_tokens` cut it short.
    pub finish_reason: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: [Message<'a>; 2],
    max_tokens: u32,
    temperature: f64,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Deserialize)]
struct Response {
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ReplyMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ReplyMessage {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<serde_json::Value>,
}

/// How one client is set up.
#[derive(Debug, Clone)]
pub struct ChatOptions {
    pub base_url: String,
    pub model: String,
    pub max_tokens: u32,
    pub temperature: f64,
    pub requests_per_minute: u32,
    pub retries: u32,
    /// Each attempt's limit; the caller bounds the whole exchange.
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct ChatClient {
    backend: Backend,
    url: String,
    key: Option<Secret>,
    options: ChatOptions,
}

impl ChatClient {
    pub fn new(options: ChatOptions, key: Option<Secret>) -> Result<ChatClient, HttpError> {
        let retry = RetryPolicy {
            attempts: options.retries as usize + 1,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            // A pause longer than the whole budget cannot be waited out.
            max_retry_after: options.timeout,
        };
        // Evenly spread: a model's allowance is also counted in tokens a
        // minute, which a burst of long prompts spends at once.
        let backend = Backend::new("ai", options.requests_per_minute, options.timeout, retry)?
            .with_burst(options.requests_per_minute, 1);
        let base = options.base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        Ok(ChatClient {
            backend,
            url: join(base, "v1/chat/completions"),
            key,
            options,
        })
    }

    pub fn model(&self) -> &str {
        &self.options.model
    }

    /// The exact bytes that [`ChatClient::send`] posts for `prompt`: what a
    /// cache of replies is keyed by.
    pub fn body(&self, prompt: &Prompt) -> Vec<u8> {
        let request = Request {
            model: &self.options.model,
            messages: [
                Message {
                    role: "system",
                    content: &prompt.system,
                },
                Message {
                    role: "user",
                    content: &prompt.user,
                },
            ],
            max_tokens: self.options.max_tokens,
            temperature: self.options.temperature,
        };
        // Plain strings and numbers always serialise.
        serde_json::to_vec(&request).unwrap_or_default()
    }

    /// Posts `body` (from [`ChatClient::body`]) and reads the first choice.
    pub async fn send(&self, body: Vec<u8>) -> Result<Completion, ChatError> {
        let fetched = self
            .backend
            .send(|| {
                let request = self
                    .backend
                    .client
                    .post(&self.url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                match &self.key {
                    Some(key) => request.bearer_auth(key.expose()),
                    None => request,
                }
            })
            .await
            .map_err(explain)?;
        let response: Response = serde_json::from_slice(&fetched.body)
            .map_err(|e| ChatError::Malformed(e.to_string()))?;
        let usage = response.usage;
        let choice = response
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| ChatError::Malformed("no choices".to_string()))?;
        let finish_reason = choice.finish_reason;
        let text = choice
            .message
            .content
            .unwrap_or_default()
            .trim()
            .to_string();
        if text.is_empty() || finish_reason.as_deref() == Some("content_filter") {
            return Err(ChatError::Empty(
                finish_reason.unwrap_or_else(|| "none".to_string()),
            ));
        }
        Ok(Completion {
            text,
            finish_reason,
            prompt_tokens: usage.as_ref().and_then(|u| u.prompt_tokens),
            completion_tokens: usage.as_ref().and_then(|u| u.completion_tokens),
        })
    }
}

/// An error status whose body is the API's error object is told by its
/// message, type and code rather than as raw JSON.
fn explain(mut error: HttpError) -> ChatError {
    if let HttpError::Status { detail, body, .. } = &mut error {
        if let Ok(ErrorBody { error }) = serde_json::from_str::<ErrorBody>(body) {
            let mut said = vec![error.message];
            said.extend(error.kind);
            said.extend(error.code.map(|code| match code {
                serde_json::Value::String(code) => code,
                other => other.to_string(),
            }));
            let said: String = said
                .join(", ")
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            *detail = format!(": {said}");
        }
    }
    ChatError::Http(error)
}
