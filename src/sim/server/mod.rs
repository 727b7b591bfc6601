//! The HTTP side: one axum router with each backend under its own prefix,
//! the world's clock, request counting, rate limits and injected faults.

mod carriers;
mod deliveries;
mod inventory;
mod limits;
mod shipstation;
mod shopify;
pub mod vendors;
mod writes;

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use http_body::Frame;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::options::{Backend, Endpoint, Exchange, Faults, Limits};
use super::plan::{Carrier, WhState};
use super::world::World;
use limits::{Bucket, Window};

/// A mutex whose holder panicked still guards consistent data here (every
/// critical section is a few assignments), so a poisoned lock is used as is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The world's clock: real time scaled by `speed` from a mark, moved on by
/// `advance`.
pub struct Clock {
    state: Mutex<(DateTime<Utc>, Instant)>,
    speed: f64,
}

impl Clock {
    pub fn new(start: DateTime<Utc>, speed: f64) -> Self {
        Clock {
            state: Mutex::new((start, Instant::now())),
            speed: speed.max(0.0),
        }
    }

    fn read(&self, mark: &(DateTime<Utc>, Instant)) -> DateTime<Utc> {
        let elapsed = mark.1.elapsed().as_secs_f64() * self.speed;
        mark.0 + TimeDelta::milliseconds((elapsed * 1000.0) as i64)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.read(&lock(&self.state))
    }

    pub fn advance(&self, by: TimeDelta) {
        let mut mark = lock(&self.state);
        let now = self.read(&mark);
        *mark = (now + by, Instant::now());
    }
}

/// An issued OAuth token: whose, and until when (real time).
struct Token {
    carrier: Carrier,
    expires: Instant,
}

/// Each warehouse order's state at one moment, in `orderId` order (`None`
/// where the warehouse does not have the order yet).
type WarehouseStates = Arc<Vec<Option<WhState>>>;

/// Everything the handlers share.
pub struct Shared {
    pub world: World,
    pub clock: Clock,
    pub base_url: String,
    faults: Faults,
    pub limits: Limits,
    counters: [AtomicU64; Endpoint::ALL.len()],
    started: Instant,
    journal: Mutex<Vec<Exchange>>,
    /// One stream of fault draws per backend, so that what one backend
    /// draws does not depend on how requests to the others interleave.
    fault_rng: [Mutex<StdRng>; Backend::ALL.len()],
    shopify_bucket: Mutex<Bucket>,
    shipstation_window: Mutex<Window>,
    /// Every warehouse order's state (in `orderId` order) at one moment:
    /// while the clock stands still, paging through a large shop works
    /// them out once, not once a page.
    warehouse_states: Mutex<Option<(DateTime<Utc>, WarehouseStates)>>,
    tokens: Mutex<HashMap<String, Token>>,
    serial: AtomicU64,
    /// What operators' writes changed, laid over the planned world.
    writes: Mutex<writes::Writes>,
    /// The simulated vendors' purchase orders.
    pub vendors: Mutex<vendors::VendorBook>,
}

impl Shared {
    pub fn new(
        world: World,
        clock: Clock,
        base_url: String,
        faults: Faults,
        limits: Limits,
    ) -> Self {
        let seed = world.seed();
        let delayed = Backend::ALL
            .into_iter()
            .map(|backend| (backend, faults.of(backend).delayed_writes))
            .collect();
        Shared {
            world,
            clock,
            base_url,
            faults,
            counters: std::array::from_fn(|_| AtomicU64::new(0)),
            started: Instant::now(),
            journal: Mutex::new(Vec::new()),
            fault_rng: std::array::from_fn(|i| {
                Mutex::new(StdRng::seed_from_u64(seed ^ 0xFA17 ^ ((i as u64) << 32)))
            }),
            shopify_bucket: Mutex::new(Bucket::new(
                limits.shopify_bucket,
                limits.shopify_leak_per_second,
            )),
            shipstation_window: Mutex::new(Window::new(limits.shipstation_per_minute)),
            warehouse_states: Mutex::new(None),
            limits,
            tokens: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(1),
            writes: Mutex::new(writes::Writes::new(delayed)),
            vendors: Mutex::new(vendors::VendorBook::default()),
        }
    }

    pub fn requests(&self, endpoint: Endpoint) -> u64 {
        self.counters[endpoint.slot()].load(Ordering::Relaxed)
    }

    fn warehouse_states(&self, at: DateTime<Utc>) -> WarehouseStates {
        let mut cached = lock(&self.warehouse_states);
        match &*cached {
            Some((moment, states)) if *moment == at => states.clone(),
            _ => {
                let states: WarehouseStates = Arc::new(
                    self.world
                        .warehouse_orders()
                        .map(|(_, plan)| plan.warehouse_state(at))
                        .collect(),
                );
                *cached = Some((at, states.clone()));
                states
            }
        }
    }

    /// Writes that changed something (repeats under a known idempotency
    /// key and refusals do not count).
    pub fn writes_applied(&self) -> u64 {
        lock(&self.writes).applied()
    }

    /// The promise dates written to Shopify order metafields, by order id.
    pub fn metafields(&self, order_id: u64) -> Vec<Value> {
        lock(&self.writes).metafields(order_id)
    }

    /// The location a reroute moved the order's fulfilment order to.
    pub fn moved_location(&self, order_id: u64) -> Option<u64> {
        lock(&self.writes).moved_location(order_id)
    }

    pub fn journal(&self) -> Vec<Exchange> {
        lock(&self.journal).clone()
    }

    /// Every token issued so far stops working, as when a carrier revokes
    /// them or restarts.
    pub fn expire_tokens(&self) {
        lock(&self.tokens).clear();
    }

    /// Whether the backend's order listings break this order (by number).
    fn breaks(&self, backend: Backend, order_number: &str) -> bool {
        self.faults
            .of(backend)
            .broken_orders
            .iter()
            .any(|name| name.trim().trim_start_matches('#') == order_number)
    }

    /// The moment `backend` shows its data as of: the clock, unless the
    /// backend has been frozen earlier.
    fn view(&self, backend: Backend) -> DateTime<Utc> {
        let now = self.clock.now();
        match self.faults.of(backend).frozen_at {
            Some(frozen) => now.min(frozen),
            None => now,
        }
    }

    fn next_serial(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::Relaxed)
    }

    /// A token's lifetime in seconds: the carrier's own, unless the
    /// simulator's limits say otherwise.
    fn token_seconds(&self, carrier_default: u64) -> u64 {
        self.limits
            .token_lifetime
            .map_or(carrier_default, |lifetime| lifetime.as_secs().max(1))
    }

    fn issue_token(&self, carrier: Carrier, lifetime_seconds: u64) -> String {
        let serial = self.next_serial();
        let token = format!(
            "sim.{}.{:016x}{:08x}",
            carrier.key(),
            self.world.seed().wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ serial,
            serial
        );
        lock(&self.tokens).insert(
            token.clone(),
            Token {
                carrier,
                expires: Instant::now() + std::time::Duration::from_secs(lifetime_seconds),
            },
        );
        token
    }

    /// Whether the request carries a live bearer token issued for `carrier`.
    fn bearer_ok(&self, headers: &HeaderMap, carrier: Carrier) -> bool {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
        else {
            return false;
        };
        lock(&self.tokens)
            .get(token.trim())
            .is_some_and(|t| t.carrier == carrier && t.expires > Instant::now())
    }

    /// A request id in the form the carriers use (a UUID).
    fn transaction_id(&self) -> String {
        let n = self.next_serial();
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            n as u32,
            (n >> 8) as u16,
            n % 0xfff,
            (n * 7) % 0xfff,
            self.world.seed() % 0xffff_ffff_ffff
        )
    }
}

/// The whole router: each backend under its prefix.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest(Backend::Shopify.prefix(), shopify::routes(&shared))
        .nest(Backend::ShipStation.prefix(), shipstation::routes(&shared))
        .nest(Backend::Fedex.prefix(), carriers::fedex_routes(&shared))
        .nest(Backend::Ups.prefix(), carriers::ups_routes(&shared))
        .nest(Backend::Usps.prefix(), carriers::usps_routes(&shared))
        .nest(Backend::Dhl.prefix(), carriers::dhl_routes(&shared))
        .nest(Backend::Vendors.prefix(), vendors::routes(&shared))
        .with_state(shared)
}

/// Wraps one endpoint's handler: counts the request and applies its
/// backend's faults.
fn endpoint(
    shared: &Arc<Shared>,
    which: Endpoint,
    handler: MethodRouter<Arc<Shared>>,
) -> MethodRouter<Arc<Shared>> {
    handler.layer(from_fn_with_state((shared.clone(), which), guard))
}

async fn guard(
    State((shared, which)): State<(Arc<Shared>, Endpoint)>,
    request: Request,
    next: Next,
) -> Response {
    shared.counters[which.slot()].fetch_add(1, Ordering::Relaxed);
    let arrived = shared.started.elapsed();
    let response = faulted(&shared, which, request, next).await;
    lock(&shared.journal).push(Exchange {
        endpoint: which,
        arrived,
        answered: shared.started.elapsed(),
        status: response.status().as_u16(),
    });
    response
}

async fn faulted(shared: &Shared, which: Endpoint, request: Request, next: Next) -> Response {
    let backend = which.backend();
    let faults = shared.faults.of(backend).clone();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let (before, after) = {
        let slot = Backend::ALL.iter().position(|b| *b == backend).unwrap_or(0);
        let mut rng = lock(&shared.fault_rng[slot]);
        (rng.random::<f64>(), rng.random::<f64>())
    };
    if before < faults.too_many_requests {
        let mut response = error(backend, StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        let wait = if backend == Backend::Shopify {
            "1.0"
        } else {
            "1"
        };
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static(wait));
        return response;
    }
    if before < faults.too_many_requests + faults.server_errors {
        let status = match (before * 1000.0) as u32 % 3 {
            0 => StatusCode::INTERNAL_SERVER_ERROR,
            1 => StatusCode::BAD_GATEWAY,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        return error(backend, status, "The service is temporarily unavailable");
    }
    let response = next.run(request).await;
    if after < faults.truncated {
        return truncate(response).await;
    }
    if after < faults.truncated + faults.malformed {
        return malform(response).await;
    }
    response
}

/// The body stops halfway while `Content-Length` announces all of it: the
/// server closes the connection early, as a dropped upstream does.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let half = bytes.slice(..bytes.len() / 2);
    Response::from_parts(
        parts,
        Body::new(CutShort {
            rest: Some(half),
            paused: false,
        }),
    )
}

/// A body that sends what it has, pauses once (so that the head and the
/// first half go out on the wire), then fails. Its length is unknown to
/// hyper, which therefore trusts the `Content-Length` header and, when the
/// body fails short of it, drops the connection.
struct CutShort {
    rest: Option<Bytes>,
    paused: bool,
}

impl http_body::Body for CutShort {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(bytes) = self.rest.take() {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        if !self.paused {
            self.paused = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated truncation",
        ))))
    }
}

/// A complete body that is not JSON any more: a stray control character and
/// markup in the middle, as a misbehaving proxy leaves.
async fn malform(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let middle = bytes.len() / 2;
    let mut broken = bytes[..middle].to_vec();
    broken.extend_from_slice(b"\x00<!-- upstream error -->");
    broken.extend_from_slice(&bytes[middle..]);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(broken))
}

/// A JSON response.
fn reply(status: StatusCode, body: &Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// An error in the backend's own error shape.
fn error(backend: Backend, status: StatusCode, message: &str) -> Response {
    let code = status.as_u16();
    let body = match backend {
        Backend::Shopify => json!({"errors": message}),
        Backend::ShipStation => json!({"Message": message}),
        Backend::Fedex => json!({
            "transactionId": "00000000-0000-4000-a000-000000000000",
            "errors": [{"code": fedex_code(status), "message": message}],
        }),
        Backend::Ups => {
            json!({"response": {"errors": [{"code": code.to_string(), "message": message}]}})
        }
        Backend::Usps => {
            json!({"apiVersion": "v3", "error": {"code": code.to_string(), "message": message}})
        }
        Backend::Dhl => {
            json!({"status": code, "title": status.canonical_reason().unwrap_or("Error"), "detail": message})
        }
        Backend::Vendors => json!({"error": message}),
    };
    reply(status, &body)
}

fn fedex_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "NOT.AUTHORIZED.ERROR",
        StatusCode::BAD_REQUEST => "BAD.REQUEST.ERROR",
        StatusCode::NOT_FOUND => "NOT.FOUND.ERROR",
        StatusCode::TOO_MANY_REQUESTS => "RATE.LIMIT.EXCEEDED",
        StatusCode::SERVICE_UNAVAILABLE => "SERVICE.UNAVAILABLE.ERROR",
        _ => "INTERNAL.SERVER.ERROR",
    }
}

/// `user:password` from an HTTP Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// The pairs of an `application/x-www-form-urlencoded` body or query.
fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match text
                    .get(i + 1..i + 3)
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parameter lookup over query pairs, last one winning.
fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}
