//! One request, with the retries a carrier's rate limits and bad moments
//! call for: a 429 or a 5xx, or no answer at all, is tried again after an
//! exponential backoff with jitter — or exactly as long as the carrier's
//! `Retry-After` asks, when that is not unreasonably long.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};

use super::{Carrier, CarrierError};

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries after the first.
    pub retries: usize,
    /// The first backoff; each later one doubles, with jitter.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a carrier asking for more ends
    /// the request with an error rather than stalling a sync.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// A carrier's answer, whatever its status, once no retry is called for.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    /// How many tries it took.
    pub(super) attempts: usize,
    pub(super) body: Vec<u8>,
}

enum Failure {
    Transport(reqwest::Error),
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
}

impl Failure {
    fn retryable(&self) -> bool {
        match self {
            // A request that could not even be built will not build next time.
            Failure::Transport(err) => !err.is_builder(),
            Failure::Status { .. } => true,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status { retry_after, .. } => *retry_after,
            Failure::Transport(_) => None,
        }
    }
}

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

/// Sends the request `build` makes (afresh for every try) until it gets an
/// answer that is not worth retrying, or the policy runs out.
pub(super) async fn send(
    call: &Call<'_>,
    build: impl Fn() -> RequestBuilder,
) -> Result<Reply, CarrierError> {
    let attempts = AtomicUsize::new(0);
    let policy = call.policy;
    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_max_times(policy.retries)
        .with_jitter();
    let outcome = (|| async {
        attempts.fetch_add(1, Ordering::Relaxed);
        attempt(build().timeout(call.timeout)).await
    })
    .retry(backoff)
    .when(Failure::retryable)
    .adjust(|failure, next| match failure.retry_after() {
        Some(wait) if wait <= policy.max_retry_after => next.map(|_| wait),
        Some(_) => None,
        None => next,
    })
    .notify(|failure, wait| {
        tracing::warn!(
            carrier = call.carrier.as_str(),
            endpoint = call.endpoint,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying after {}",
            summary(failure)
        );
    })
    .await;
    let attempts = attempts.load(Ordering::Relaxed);
    outcome
        .map(|reply| Reply { attempts, ..reply })
        .map_err(|failure| match failure {
            Failure::Status {
                retry_after: Some(wait),
                ..
            } if wait > policy.max_retry_after => CarrierError::RetryTooLate {
                carrier: call.carrier,
                endpoint: call.endpoint.to_owned(),
                retry_after: wait,
                limit: policy.max_retry_after,
            },
            Failure::Status { status, body, .. } => CarrierError::Status {
                carrier: call.carrier,
                endpoint: call.endpoint.to_owned(),
                status: status.as_u16(),
                attempts,
                detail: excerpt(&body, call.secrets),
            },
            Failure::Transport(err) => CarrierError::Transport {
                carrier: call.carrier,
                endpoint: call.endpoint.to_owned(),
                attempts,
                detail: scrub(&transport(&err, call.timeout), call.secrets),
            },
        })
}

async fn attempt(request: RequestBuilder) -> Result<Reply, Failure> {
    let response = request.send().await.map_err(Failure::Transport)?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    // A body cut off mid-transfer is a transport failure too, and as
    // retryable.
    let body = response.bytes().await.map_err(Failure::Transport)?.to_vec();
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(Failure::Status {
            status,
            retry_after,
            body,
        });
    }
    Ok(Reply {
        status,
        attempts: 0,
        body,
    })
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

fn summary(failure: &Failure) -> String {
    match failure {
        Failure::Status { status, .. } => format!("HTTP {}", status.as_u16()),
        Failure::Transport(err) if err.is_timeout() => "a timeout".to_owned(),
        Failure::Transport(_) => "a connection failure".to_owned(),
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
