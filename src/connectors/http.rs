//! HTTP plumbing every backend shares (storefront, warehouse, carriers, the
//! language model): a rate limiter per backend (governor), timeouts, and
//! retries with exponential backoff and jitter (backon) that give way to the
//! server's own `Retry-After`. A `Retry-After` holds back every request to
//! that backend, not only the one refused: the allowance it speaks of is
//! shared by all of them. Retries are logged by status alone, never with
//! what the server said: a body may echo a credential.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response, StatusCode};

/// Why a request to a backend failed, naming the backend and never a secret.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{backend}: {method} {path}: {source}")]
    Transport {
        backend: &'static str,
        method: String,
        path: String,
        /// Tries made, this one included (`u32` keeps the error small).
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    #[error("{backend}: {method} {path}: HTTP {status}{detail}")]
    Status {
        backend: &'static str,
        method: String,
        path: String,
        status: StatusCode,
        /// What the server said, trimmed.
        detail: String,
        /// The start of the body, whole enough for a JSON error object to
        /// parse (the API's own message, type and code). Boxed: errors
        /// travel in every `Result` of every backend.
        body: Box<String>,
        retry_after: Option<Duration>,
        /// Tries made, this one included (`u32` keeps the error small).
        attempts: u32,
    },
    #[error("{backend}: {what}")]
    Config { backend: &'static str, what: String },
}

impl HttpError {
    fn retryable(&self) -> bool {
        match self {
            HttpError::Transport { source, .. } => {
                source.is_timeout()
                    || source.is_connect()
                    || source.is_request()
                    || source.is_body()
                    || source.is_decode()
            }
            HttpError::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            HttpError::Config { .. } => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the request may have reached the backend and been applied
    /// although no answer says so: a timeout, a connection lost after
    /// sending, or a server error, as opposed to a refusal or a connection
    /// never made.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            HttpError::Transport { source, .. } => !source.is_connect() && !source.is_builder(),
            HttpError::Status { status, .. } => status.is_server_error(),
            HttpError::Config { .. } => false,
        }
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn set_attempts(&mut self, tries: usize) {
        match self {
            HttpError::Transport { attempts, .. } | HttpError::Status { attempts, .. } => {
                *attempts = u32::try_from(tries).unwrap_or(u32::MAX);
            }
            HttpError::Config { .. } => {}
        }
    }

    /// What went wrong in a few words, for a log line: never the body.
    fn summary(&self) -> String {
        match self {
            HttpError::Status { status, .. } => format!("HTTP {}", status.as_u16()),
            HttpError::Transport { source, .. } if source.is_timeout() => "a timeout".into(),
            HttpError::Transport { .. } => "a connection failure".into(),
            HttpError::Config { .. } => "a configuration error".into(),
        }
    }
}

/// How hard to try before giving up.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A server asking for a longer pause than this is treated as down.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// One backend's client: shared connection pool, its own request budget.
#[derive(Clone)]
pub struct Backend {
    pub name: &'static str,
    pub client: reqwest::Client,
    /// `None`: the backend states no allowance, and none is kept.
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    /// No request leaves before this moment: the server asked for a pause.
    paused_until: Arc<Mutex<Option<tokio::time::Instant>>>,
    /// Counts requests let go after a pause, to stagger them.
    resumed: Arc<AtomicU32>,
    retry: RetryPolicy,
    /// Each request's own time limit, body included, when the client's
    /// (shared with other backends) is not the one.
    timeout: Option<Duration>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("name", &self.name)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Requests held back by a pause restart in this many staggered slots.
const RESUME_SLOTS: u32 = 8;

fn quota(per_minute: u32, burst: u32) -> Quota {
    let nonzero = |n: u32| NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(nonzero(per_minute)).allow_burst(nonzero(burst))
}

impl Backend {
    /// `per_minute` is the backend's allowance; all of it may be spent at
    /// once unless [`Backend::with_burst`] says otherwise.
    pub fn new(
        name: &'static str,
        per_minute: u32,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("orderdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpError::Config {
                backend: name,
                what: format!("cannot build an HTTP client: {e}"),
            })?;
        Ok(Backend::over(name, client, retry).with_burst(per_minute, per_minute))
    }

    /// A backend over a client built elsewhere (a pool shared with other
    /// backends), with no allowance until one is given.
    pub fn over(name: &'static str, client: reqwest::Client, retry: RetryPolicy) -> Self {
        Backend {
            name,
            client,
            limiter: None,
            paused_until: Arc::new(Mutex::new(None)),
            resumed: Arc::new(AtomicU32::new(0)),
            retry,
            timeout: None,
        }
    }

    /// At most `burst` requests back to back, then `per_minute` spread
    /// evenly: the shape of a leaky bucket of that size.
    pub fn with_burst(self, per_minute: u32, burst: u32) -> Self {
        Backend {
            limiter: Some(Arc::new(RateLimiter::direct(quota(per_minute, burst)))),
            ..self
        }
    }

    /// Each request gives up after `timeout`, body included.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Backend {
            timeout: Some(timeout),
            ..self
        }
    }

    pub fn with_retry(self, retry: RetryPolicy) -> Self {
        Backend { retry, ..self }
    }

    /// The per-request time limit set with [`Backend::with_timeout`].
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }

    /// Holds back every request to this backend for `wait` from now (a
    /// pause already longer stands).
    pub fn pause(&self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        if let Ok(mut paused) = self.paused_until.lock() {
            *paused = Some(paused.map_or(until, |p| p.max(until)));
        }
    }

    async fn wait_for_pause(&self) {
        let mut staggered = false;
        loop {
            let until = self.paused_until.lock().map(|p| *p).unwrap_or(None);
            match until {
                Some(until) if until > tokio::time::Instant::now() => {
                    tokio::time::sleep_until(until).await;
                    if !staggered {
                        // Let go all at once, the requests held back would
                        // spend the refilled allowance in one burst and be
                        // refused again, the same unlucky ones each time
                        // until their retries ran out. The pause is looked
                        // at again after: a later 429 may have renewed it.
                        staggered = true;
                        let slot = self.resumed.fetch_add(1, Ordering::Relaxed) % RESUME_SLOTS;
                        tokio::time::sleep(self.retry.min_delay / 4 * slot).await;
                    }
                }
                _ => return,
            }
        }
    }

    /// Sends the request `build` makes (called again for each attempt),
    /// waiting for the rate limiter first and retrying what a retry can fix.
    /// Any non-success status that is left is an error.
    pub async fn send(&self, build: impl Fn() -> RequestBuilder) -> Result<Fetched, HttpError> {
        self.exchange(build).await?.success(self.name)
    }

    /// As [`Backend::send`], but an answer no retry can change (a 4xx, say,
    /// whose body is the API's own word on what was asked) comes back as it
    /// is, status and whole body; only what is still failing after the
    /// retries (a 429, a 5xx, no answer) is an error.
    pub async fn exchange(&self, build: impl Fn() -> RequestBuilder) -> Result<Fetched, HttpError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.attempts.saturating_sub(1))
            .with_jitter();
        let max_retry_after = self.retry.max_retry_after;
        let attempts = AtomicUsize::new(0);
        let outcome = (|| async {
            attempts.fetch_add(1, Ordering::Relaxed);
            let fetched = self.attempt(&build).await?;
            if fetched.status == StatusCode::TOO_MANY_REQUESTS || fetched.status.is_server_error() {
                return Err(fetched.into_error(self.name));
            }
            Ok(fetched)
        })
        .retry(backoff)
        .when(|e: &HttpError| {
            e.retryable() && e.retry_after().is_none_or(|wait| wait <= max_retry_after)
        })
        // The server's pause is kept by `attempt` for every caller, so
        // backon need not sleep as well; the attempts stay bounded.
        .adjust(|e: &HttpError, planned| {
            planned.map(|backoff| e.retry_after().map_or(backoff, |_| Duration::ZERO))
        })
        .notify(|e: &HttpError, wait| {
            tracing::warn!(backend = self.name, ?wait, "retrying after {}", e.summary());
        })
        .await;
        let tries = attempts.load(Ordering::Relaxed);
        match outcome {
            Ok(fetched) => Ok(Fetched {
                attempts: tries,
                ..fetched
            }),
            Err(mut e) => {
                e.set_attempts(tries);
                Err(e)
            }
        }
    }

    /// One write (`method` to `url`, a JSON body, signed by `auth`), sent
    /// once after the rate limiter: whether to try again is the caller's
    /// decision, under its idempotency key, not the plumbing's. The key
    /// travels as `Idempotency-Key`, which servers that honour it use to
    /// answer a repeat with the first answer.
    pub async fn write(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &serde_json::Value,
        idempotency_key: &str,
        auth: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Fetched, HttpError> {
        let build = || {
            auth(self.client.request(method.clone(), url))
                .header("Accept", "application/json")
                .header("Idempotency-Key", idempotency_key)
                .json(body)
        };
        self.attempt(&build).await?.success(self.name)
    }

    /// One request, after the pause and the limiter: whatever status
    /// answers it, read whole.
    async fn attempt(&self, build: &impl Fn() -> RequestBuilder) -> Result<Fetched, HttpError> {
        // A pause may be asked for while this request waits for its turn.
        self.wait_for_pause().await;
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
            self.wait_for_pause().await;
        }
        let mut request = build().build().map_err(|source| HttpError::Transport {
            backend: self.name,
            method: "?".into(),
            path: "?".into(),
            attempts: 1,
            source,
        })?;
        if let Some(timeout) = self.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        let method = request.method().to_string();
        let path = request.url().path().to_string();
        let transport = |source| HttpError::Transport {
            backend: self.name,
            method: method.clone(),
            path: path.clone(),
            attempts: 1,
            source,
        };
        let response = self.client.execute(request).await.map_err(transport)?;
        let status = response.status();
        let retry_after = retry_after(&response);
        if !status.is_success() {
            if let Some(wait) = retry_after.filter(|wait| *wait <= self.retry.max_retry_after) {
                self.pause(wait);
            }
        }
        let url = response.url().to_string();
        let headers = response.headers().clone();
        // The body is read inside the attempt: a connection dropped
        // half-way through it is retried like any other failure.
        let body = response.bytes().await.map_err(transport)?;
        Ok(Fetched {
            url,
            method,
            path,
            status,
            headers,
            body: body.to_vec(),
            retry_after,
            attempts: 1,
        })
    }
}

/// A reply, read whole.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL answered, for the stored snapshot's origin.
    pub url: String,
    pub method: String,
    /// The URL's path, for messages.
    pub path: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// How long the server asked to wait, when it did.
    pub retry_after: Option<Duration>,
    /// Tries it took.
    pub attempts: usize,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The reply if its status is a success, else the error it stands for.
    fn success(self, backend: &'static str) -> Result<Fetched, HttpError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(self.into_error(backend))
        }
    }

    fn into_error(self, backend: &'static str) -> HttpError {
        let body: String = String::from_utf8_lossy(&self.body)
            .chars()
            .take(4096)
            .collect();
        let detail: String = body.chars().filter(|c| !c.is_control()).take(200).collect();
        HttpError::Status {
            backend,
            method: self.method,
            path: self.path,
            status: self.status,
            detail: if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            },
            body: Box::new(body),
            retry_after: self.retry_after,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
        }
    }
}
/// `Retry-After` in seconds (the form these APIs use), or an HTTP date; a
/// 429 without one may say when its window resets instead (ShipStation's
/// `X-Rate-Limit-Reset`, in seconds).
fn retry_after(response: &Response) -> Option<Duration> {
    let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
    let Some(value) = header(reqwest::header::RETRY_AFTER.as_str()) else {
        return (response.status() == StatusCode::TOO_MANY_REQUESTS)
            .then(|| header("x-rate-limit-reset"))
            .flatten()
            .and_then(|reset| reset.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
    };
    if let Ok(seconds) = value.trim().parse::<f64>() {
        return Some(Duration::from_secs_f64(seconds.max(0.0)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    wait.to_std().ok()
}

/// The `rel="next"` URL of a `Link` header (Shopify's cursor pagination).
pub fn next_link(fetched: &Fetched) -> Option<String> {
    let header = fetched.header("link")?;
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// A base URL and an API path joined without doubling or dropping a slash.
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}
