//! What a carrier's answer means once the shared plumbing
//! (`connectors::http`: rate limit, retries, `Retry-After`) has done its
//! part: its failures as carrier errors, and the carrier's words in a
//! message with every secret scrubbed from them.

use std::time::Duration;

use super::{Carrier, CarrierError};
use crate::connectors::http::{HttpError, RetryPolicy};

/// How hard a carrier is tried unless the client is told otherwise: the
/// tracking APIs answer in well under a second, so a few tries spread over
/// some seconds ride out a bad moment without stalling a sync.
pub(super) const CARRIER_RETRY: RetryPolicy = RetryPolicy {
    attempts: 4,
    min_delay: Duration::from_millis(500),
    max_delay: Duration::from_secs(8),
    // A carrier asking for a longer pause ends the request with an error
    // rather than stalling a sync.
    max_retry_after: Duration::from_secs(60),
};

/// What one request needs besides the request itself.
pub(super) struct Call<'a> {
    pub(super) carrier: Carrier,
    /// "GET https://…", for messages.
    pub(super) endpoint: &'a str,
    pub(super) timeout: Duration,
    pub(super) policy: RetryPolicy,
    /// Scrubbed from anything the carrier sends back into a message.
    pub(super) secrets: &'a [String],
}

/// The plumbing's failure, after its retries, as the carrier's error.
pub(super) fn failed(call: &Call<'_>, err: HttpError) -> CarrierError {
    match err {
        HttpError::Status {
            retry_after: Some(wait),
            ..
        } if wait > call.policy.max_retry_after => CarrierError::RetryTooLate {
            carrier: call.carrier,
            endpoint: call.endpoint.to_owned(),
            retry_after: wait,
            limit: call.policy.max_retry_after,
        },
        HttpError::Status {
            status,
            body,
            attempts,
            ..
        } => CarrierError::Status {
            carrier: call.carrier,
            endpoint: call.endpoint.to_owned(),
            status: status.as_u16(),
            attempts: attempts as usize,
            detail: excerpt(body.as_bytes(), call.secrets),
        },
        HttpError::Transport {
            source, attempts, ..
        } => CarrierError::Transport {
            carrier: call.carrier,
            endpoint: call.endpoint.to_owned(),
            attempts: attempts as usize,
            detail: scrub(&transport(&source, call.timeout), call.secrets),
        },
        HttpError::Config { what, .. } => CarrierError::Config {
            carrier: call.carrier,
            detail: scrub(&what, call.secrets),
        },
    }
}

fn transport(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("no complete answer within {}s", timeout.as_secs_f32());
    }
    // The endpoint is in the message already; the causes say what happened.
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}

/// The start of a body, on one line, for a message. Secrets are scrubbed
/// before the cut, so that no part of one survives it.
pub(super) fn excerpt(body: &[u8], secrets: &[String]) -> String {
    const LIMIT: usize = 300;
    let text = scrub(&String::from_utf8_lossy(body), secrets);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "(empty body)".to_owned();
    }
    match line.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// `text` with every secret replaced: a carrier may echo a credential back
/// in an error body (a rejected client id, say).
pub(super) fn scrub(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "[redacted]")
        })
}
