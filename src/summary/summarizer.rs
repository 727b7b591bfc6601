//! Who writes an order's summary, and what the operator is shown when the
//! model cannot be reached, answers late, or answers beyond the facts: the
//! offline summary, always with the reason.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use chrono_tz::Tz;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{brief, offline, verify, AiSettings, Author, Provider, Summary};
use crate::connectors::openai::{ChatClient, ChatOptions, Completion};
use crate::connectors::secret::Secret;
use crate::engine::timeline;
use crate::store::{CachedSummary, OrderDetail, Store};

/// A summary to show, and how far to trust it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryOutcome {
    /// What to show first: the model's text, or the offline summary.
    #[serde(flatten)]
    pub shown: Summary,
    /// The model that wrote `shown`, when one did.
    pub model: Option<String>,
    /// Answered from the summary cache, without a call.
    pub cached: bool,
    /// The model named something the facts do not hold.
    pub unverified: bool,
    /// What it named: "number 1Z999…", "status \"delivered\"".
    pub unverified_terms: Vec<String>,
    /// The offline summary, shown beside an unverified one.
    pub offline: Option<Summary>,
    /// Why the offline summary stands in for the model's.
    pub fallback_reason: Option<String>,
}

impl SummaryOutcome {
    fn offline(summary: Summary) -> SummaryOutcome {
        SummaryOutcome {
            shown: summary,
            model: None,
            cached: false,
            unverified: false,
            unverified_terms: Vec::new(),
            offline: None,
            fallback_reason: None,
        }
    }

    fn fallback(summary: Summary, reason: String) -> SummaryOutcome {
        SummaryOutcome {
            fallback_reason: Some(reason),
            ..SummaryOutcome::offline(summary)
        }
    }

    /// Whether the model was asked and did not answer.
    pub fn failed(&self) -> bool {
        self.fallback_reason.is_some()
    }
}

enum Writer {
    Offline,
    Model(Box<ChatClient>),
    /// Configured for a model that cannot be asked (no key): every summary
    /// falls back, with this reason.
    Unavailable(String),
}

struct Inner {
    writer: Writer,
    zone: Tz,
    timeout: Duration,
    send_personal_data: bool,
}

/// Cheap to clone: one per console, handed to background tasks.
#[derive(Clone)]
pub struct Summarizer {
    inner: Arc<Inner>,
}

impl Summarizer {
    /// As configured, with the API key read from the variable `[ai]
    /// api_key_env` names.
    pub fn new(settings: &AiSettings, zone: Tz) -> Summarizer {
        let key = match (&settings.provider, &settings.api_key_env) {
            (Provider::OpenAi, Some(variable)) => match Secret::from_env(variable) {
                Ok(key) => Some(key),
                Err(reason) => {
                    return Summarizer::with_writer(
                        settings,
                        zone,
                        Writer::Unavailable(format!("no API key: {reason}")),
                    )
                }
            },
            _ => None,
        };
        Summarizer::with_key(settings, zone, key)
    }

    /// As configured, with `key` as the API key.
    pub fn with_key(settings: &AiSettings, zone: Tz, key: Option<Secret>) -> Summarizer {
        let writer = match settings.provider {
            Provider::Offline => Writer::Offline,
            Provider::OpenAi => {
                let options = ChatOptions {
                    base_url: settings.base_url.clone(),
                    model: settings.model.clone(),
                    max_tokens: settings.max_tokens,
                    temperature: settings.temperature,
                    requests_per_minute: settings.requests_per_minute,
                    retries: settings.retries,
                    // The whole budget is enforced around the exchange, and
                    // says so; the transport's own limit is only a backstop.
                    timeout: settings.timeout + Duration::from_secs(1),
                };
                match ChatClient::new(options, key) {
                    Ok(client) => Writer::Model(Box::new(client)),
                    Err(e) => Writer::Unavailable(e.to_string()),
                }
            }
        };
        Summarizer::with_writer(settings, zone, writer)
    }

    fn with_writer(settings: &AiSettings, zone: Tz, writer: Writer) -> Summarizer {
        Summarizer {
            inner: Arc::new(Inner {
                writer,
                zone,
                timeout: settings.timeout,
                send_personal_data: settings.send_personal_data,
            }),
        }
    }

    /// Whether summaries are written offline by configuration.
    pub fn is_offline(&self) -> bool {
        matches!(self.inner.writer, Writer::Offline)
    }

    /// The order's summary: the model's when it answers within the
    /// timeout (or its answer is cached), else the offline one with the
    /// reason. Never fails and never waits past `[ai] timeout` for the model.
    pub async fn summarize(&self, store: &Store, detail: &OrderDetail) -> SummaryOutcome {
        let inner = &self.inner;
        let offline = offline::summarise(
            &detail.row.name,
            &detail.facts,
            &detail.findings,
            inner.zone,
        );
        let client = match &inner.writer {
            Writer::Offline => return SummaryOutcome::offline(offline),
            Writer::Unavailable(reason) => {
                return SummaryOutcome::fallback(offline, reason.clone())
            }
            Writer::Model(client) => client,
        };
        let events = timeline(&detail.facts);
        let brief = brief::build(detail, &events, inner.zone, inner.send_personal_data);
        let body = client.body(&brief.prompt);
        let key = hex(&Sha256::digest(&body));
        let order = detail.row.name.as_str();

        let cached = match store.cached_summary(&key).await {
            Ok(cached) => cached,
            Err(e) => {
                // A cache that cannot be read costs a call, not the summary.
                tracing::warn!(order, error = %e, "summary cache unreadable");
                None
            }
        };
        let (reply, was_cached) = match cached {
            Some(hit) => (hit.reply, true),
            None => match tokio::time::timeout(inner.timeout, client.send(body)).await {
                Err(_) => {
                    let reason = format!(
                        "model {}: no answer within {}",
                        client.model(),
                        humantime::format_duration(inner.timeout)
                    );
                    tracing::warn!(order, %reason, "summary fell back");
                    return SummaryOutcome::fallback(offline, reason);
                }
                Ok(Err(e)) => {
                    let reason = format!("model {}: {e}", client.model());
                    tracing::warn!(order, %reason, "summary fell back");
                    return SummaryOutcome::fallback(offline, reason);
                }
                Ok(Ok(completion)) => {
                    self.keep(store, &key, detail.row.id, client.model(), &completion)
                        .await;
                    (completion.text, false)
                }
            },
        };
        let checked = verify::check(&reply, &brief.facts, &detail.findings);
        let unverified = !checked.unverified.is_empty();
        tracing::info!(order, cached = was_cached, unverified, "model summary");
        SummaryOutcome {
            shown: Summary {
                text: reply,
                author: Author::Model,
                cites: checked.cites,
            },
            model: Some(client.model().to_string()),
            cached: was_cached,
            unverified,
            unverified_terms: checked.unverified,
            offline: unverified.then_some(offline),
            fallback_reason: None,
        }
    }

    async fn keep(
        &self,
        store: &Store,
        key: &str,
        order_id: i64,
        model: &str,
        completion: &Completion,
    ) {
        let entry = CachedSummary {
            model: model.to_string(),
            reply: completion.text.clone(),
            finish_reason: completion.finish_reason.clone(),
            prompt_tokens: completion.prompt_tokens.and_then(|n| i64::try_from(n).ok()),
            completion_tokens: completion
                .completion_tokens
                .and_then(|n| i64::try_from(n).ok()),
            created_at: Utc::now(),
        };
        if let Err(e) = store.cache_summary(key, order_id, &entry).await {
            // The summary is still shown; only the next look costs a call.
            tracing::warn!(order_id, error = %e, "summary not cached");
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
