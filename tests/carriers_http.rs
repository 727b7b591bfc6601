//! `CarrierClient` against real HTTP servers on loopback, speaking each
//! carrier's wire format: OAuth tokens fetched once and reused, refreshed
//! after a 401; retries on 429 (honouring `Retry-After`) and 5xx; bodies cut
//! short; DHL's key header; and credentials that never reach a message.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orderdeck::connectors::carriers::{
    Carrier, CarrierClient, CarrierError, Credentials, RetryPolicy,
};
use orderdeck::domain::ShipmentStatus;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLIENT_ID: &str = "client-id-7c1f";
/// With characters a form body percent-encodes, so that an echo of the
/// encoded form must be caught too.
const CLIENT_SECRET: &str = "s3cret+Zq9/never=shown";
const DHL_KEY: &str = "dhl-key-4b2e-never-shown";

/// Counts and remembers what the fake carrier saw.
#[derive(Default)]
struct Seen {
    tokens: AtomicUsize,
    tracks: AtomicUsize,
    /// `Authorization` of each track request, in order.
    authorizations: Mutex<Vec<String>>,
    /// Headers of the last track request.
    headers: Mutex<HeaderMap>,
    /// Body of the last token or track request.
    bodies: Mutex<Vec<String>>,
}

type Shared = Arc<Seen>;

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    }
}

fn client(carrier: Carrier, base: &str) -> CarrierClient {
    let credentials = match carrier {
        Carrier::Dhl => Credentials::api_key(DHL_KEY),
        _ => Credentials::oauth(CLIENT_ID, CLIENT_SECRET),
    };
    CarrierClient::new(carrier, base, credentials, reqwest::Client::new())
        .unwrap()
        .with_retry_policy(fast())
}

fn numbers(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_string()).collect()
}

/// `a=b&c=d` into decoded pairs (axum's form extractor is not built in).
fn form(body: &str) -> HashMap<String, String> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                other => out.push(other),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn token(name: &str, expires_in: serde_json::Value) -> Response {
    json(
        StatusCode::OK,
        serde_json::json!({ "access_token": name, "token_type": "Bearer", "expires_in": expires_in }),
    )
}

fn fedex_in_transit(numbers: &[String]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = numbers
        .iter()
        .map(|n| {
            serde_json::json!({
                "trackingNumber": n,
                "trackResults": [{
                    "trackingNumberInfo": { "trackingNumber": n },
                    "latestStatusDetail": { "code": "IT", "derivedCode": "IT", "description": "In transit" },
                    "scanEvents": [{ "date": "2026-11-05T10:00:00-05:00", "eventType": "IT", "eventDescription": "In transit" }]
                }]
            })
        })
        .collect();
    serde_json::json!({ "transactionId": "t-1", "output": { "completeTrackResults": results } })
}

async fn fedex_token(State(seen): State<Shared>, body: String) -> Response {
    let n = seen.tokens.fetch_add(1, Ordering::SeqCst) + 1;
    seen.bodies.lock().unwrap().push(body.clone());
    let fields = form(&body);
    let ok = fields.get("grant_type").map(String::as_str) == Some("client_credentials")
        && fields.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && fields.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !ok {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({ "errors": [{ "code": "NOT.AUTHORIZED.ERROR" }] }),
        );
    }
    token(&format!("fedex-token-{n}"), serde_json::json!(3599))
}

async fn fedex_track(State(seen): State<Shared>, headers: HeaderMap, body: String) -> Response {
    seen.tracks.fetch_add(1, Ordering::SeqCst);
    let authorization = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    seen.authorizations.lock().unwrap().push(authorization);
    seen.bodies.lock().unwrap().push(body.clone());
    let request: serde_json::Value = serde_json::from_str(&body).unwrap();
    let asked: Vec<String> = request["trackingInfo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["trackingNumberInfo"]["trackingNumber"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    json(StatusCode::OK, fedex_in_transit(&asked))
}

/// A FedEx token and tracking endpoint that note what they were sent.
async fn fedex_server(seen: &Shared) -> String {
    serve(
        Router::new()
            .route("/oauth/token", post(fedex_token))
            .route("/track/v1/trackingnumbers", post(fedex_track))
            .with_state(seen.clone()),
    )
    .await
}

#[tokio::test]
async fn fedex_token_is_fetched_once_and_reused() {
    let seen = Shared::default();
    let base = fedex_server(&seen).await;
    let fedex = client(Carrier::Fedex, &base);

    let first = fedex
        .track(&numbers(&["794600000001", "794600000002"]))
        .await
        .unwrap();
    let second = fedex.track(&numbers(&["794600000003"])).await.unwrap();

    assert_eq!(seen.tokens.load(Ordering::SeqCst), 1);
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 2);
    assert_eq!(
        *seen.authorizations.lock().unwrap(),
        vec!["Bearer fedex-token-1", "Bearer fedex-token-1"]
    );
    let tracked: Vec<&str> = first
        .iter()
        .chain(&second)
        .map(|s| s.tracking_number.as_str())
        .collect();
    assert_eq!(tracked, ["794600000001", "794600000002", "794600000003"]);
    assert!(first
        .iter()
        .all(|s| s.status == ShipmentStatus::InTransit && s.carrier == "FedEx"));
    let request: serde_json::Value =
        serde_json::from_str(seen.bodies.lock().unwrap().last().unwrap()).unwrap();
    assert_eq!(request["includeDetailedScans"], serde_json::json!(true));
}

#[tokio::test]
async fn fedex_numbers_go_in_batches_of_thirty() {
    let seen = Shared::default();
    let base = fedex_server(&seen).await;
    let asked: Vec<String> = (0..65).map(|i| format!("7946{i:08}")).collect();
    let shipments = client(Carrier::Fedex, &base).track(&asked).await.unwrap();
    assert_eq!(shipments.len(), 65);
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 3);
    assert_eq!(seen.tokens.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn each_number_of_a_fedex_batch_keeps_its_own_entry_of_the_reply() {
    let seen = Shared::default();
    let base = fedex_server(&seen).await;
    let asked = numbers(&["794600000001", "794600000002", "794600000003"]);
    let replies = client(Carrier::Fedex, &base)
        .track_replies(&asked)
        .await
        .unwrap();
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 1);
    let sent = fedex_in_transit(&asked);
    assert_eq!(replies.len(), 3);
    for (reply, (number, entry)) in replies.iter().zip(
        asked
            .iter()
            .zip(sent["output"]["completeTrackResults"].as_array().unwrap()),
    ) {
        assert_eq!(reply.shipments.len(), 1);
        assert_eq!(&reply.shipments[0].tracking_number, number);
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(body["transactionId"], "t-1");
        assert_eq!(
            body["output"]["completeTrackResults"],
            serde_json::json!([entry])
        );
        // Read back as a saved reply, it is that parcel.
        assert_eq!(
            orderdeck::connectors::carriers::parse_tracking(Carrier::Fedex, &reply.body).unwrap(),
            reply.shipments
        );
    }
}

#[tokio::test]
async fn an_expired_token_is_fetched_again() {
    async fn short_token(State(seen): State<Shared>) -> Response {
        let n = seen.tokens.fetch_add(1, Ordering::SeqCst) + 1;
        // USPS sends expires_in as a string.
        token(&format!("usps-token-{n}"), serde_json::json!("2"))
    }
    async fn usps_track(State(seen): State<Shared>, Path(number): Path<String>) -> Response {
        seen.tracks.fetch_add(1, Ordering::SeqCst);
        json(StatusCode::OK, usps_delivered(&number))
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/oauth2/v3/token", post(short_token))
            .route("/tracking/v3/tracking/{number}", get(usps_track))
            .with_state(seen.clone()),
    )
    .await;
    let usps = client(Carrier::Usps, &base);
    usps.track(&numbers(&["9400109104250532908587"]))
        .await
        .unwrap();
    usps.track(&numbers(&["9400109104250532908587"]))
        .await
        .unwrap();
    assert_eq!(seen.tokens.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    usps.track(&numbers(&["9400109104250532908587"]))
        .await
        .unwrap();
    assert_eq!(seen.tokens.load(Ordering::SeqCst), 2);
}

fn ups_delivered(number: &str) -> serde_json::Value {
    serde_json::json!({ "trackResponse": { "shipment": [{ "inquiryNumber": number, "package": [{
        "trackingNumber": number,
        "currentStatus": { "type": "D", "description": "DELIVERED", "code": "20260106" },
        "activity": [{
            "location": { "address": { "city": "PARAMUS", "stateProvince": "NJ", "countryCode": "US" } },
            "status": { "type": "D", "description": "DELIVERED ", "code": "F4" },
            "date": "20260106", "time": "163000"
        }]
    }]}]}})
}

async fn ups_token(State(seen): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let n = seen.tokens.fetch_add(1, Ordering::SeqCst) + 1;
    let basic = headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(basic.starts_with("Basic "), "{basic}");
    assert_eq!(
        form(&body).get("grant_type").map(String::as_str),
        Some("client_credentials")
    );
    // UPS sends expires_in as a string.
    token(&format!("ups-token-{n}"), serde_json::json!("14399"))
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    async fn ups_track(
        State(seen): State<Shared>,
        Path(number): Path<String>,
        headers: HeaderMap,
    ) -> Response {
        seen.tracks.fetch_add(1, Ordering::SeqCst);
        *seen.headers.lock().unwrap() = headers.clone();
        let authorization = headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        seen.authorizations
            .lock()
            .unwrap()
            .push(authorization.clone());
        // The first token is revoked behind the client's back.
        if authorization == "Bearer ups-token-1" {
            return json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({ "response": { "errors": [{ "code": "250002", "message": "Invalid Authentication Information." }] } }),
            );
        }
        json(StatusCode::OK, ups_delivered(&number))
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/security/v1/oauth/token", post(ups_token))
            .route("/api/track/v1/details/{number}", get(ups_track))
            .with_state(seen.clone()),
    )
    .await;
    let shipments = client(Carrier::Ups, &base)
        .track(&numbers(&["1Z999AA10123456784"]))
        .await
        .unwrap();
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].status, ShipmentStatus::Delivered);
    assert_eq!(seen.tokens.load(Ordering::SeqCst), 2);
    assert_eq!(
        *seen.authorizations.lock().unwrap(),
        vec!["Bearer ups-token-1", "Bearer ups-token-2"]
    );
    let headers = seen.headers.lock().unwrap().clone();
    let trans_id = headers.get("transId").unwrap().to_str().unwrap();
    assert!(!trans_id.is_empty() && trans_id.len() <= 32, "{trans_id}");
    assert_eq!(headers.get("transactionSrc").unwrap(), "orderdeck");
}

#[tokio::test]
async fn a_401_after_a_fresh_token_is_an_error_not_a_loop() {
    async fn always_401(State(seen): State<Shared>) -> Response {
        seen.tracks.fetch_add(1, Ordering::SeqCst);
        json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({ "response": { "errors": [{ "code": "250002", "message": "Invalid Authentication Information." }] } }),
        )
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/security/v1/oauth/token", post(ups_token))
            .route("/api/track/v1/details/{number}", get(always_401))
            .with_state(seen.clone()),
    )
    .await;
    let err = client(Carrier::Ups, &base)
        .track(&numbers(&["1Z999AA10123456784"]))
        .await
        .expect_err("still refused");
    assert!(
        matches!(
            err,
            CarrierError::Unauthorized {
                carrier: Carrier::Ups,
                status: 401,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(seen.tokens.load(Ordering::SeqCst), 2);
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn ups_not_found_answer_names_the_number_asked() {
    async fn not_found() -> Response {
        json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "response": { "errors": [{ "code": "TW0001", "message": "Tracking Information Not Found" }] } }),
        )
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/security/v1/oauth/token", post(ups_token))
            .route("/api/track/v1/details/{number}", get(not_found))
            .with_state(seen.clone()),
    )
    .await;
    let shipments = client(Carrier::Ups, &base)
        .track(&numbers(&["1Z999AA10123456784"]))
        .await
        .unwrap();
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].status, ShipmentStatus::Unknown);
    assert!(shipments[0].scans.is_empty());
    assert_eq!(shipments[0].tracking_number, "1Z999AA10123456784");
    assert_eq!(shipments[0].raw_status, "TW0001");
}

fn dhl_transit(number: &str) -> serde_json::Value {
    serde_json::json!({ "shipments": [{
        "id": number, "service": "express",
        "status": { "timestamp": "2026-11-05T09:00:00+01:00", "statusCode": "transit", "status": "transit", "description": "Processed at LEIPZIG - GERMANY" },
        "events": [{ "timestamp": "2026-11-05T09:00:00+01:00", "statusCode": "transit", "description": "Processed at LEIPZIG - GERMANY" }]
    }]})
}

#[tokio::test]
async fn dhl_sends_its_key_header_and_retries_after_429() {
    async fn dhl_track(
        State(seen): State<Shared>,
        headers: HeaderMap,
        Query(query): Query<HashMap<String, String>>,
    ) -> Response {
        let n = seen.tracks.fetch_add(1, Ordering::SeqCst) + 1;
        *seen.headers.lock().unwrap() = headers.clone();
        if headers.get("DHL-API-Key").map(|v| v.to_str().unwrap()) != Some(DHL_KEY) {
            return json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({ "title": "Unauthorized", "status": 401 }),
            );
        }
        if n == 1 {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                r#"{"title":"Too many requests","status":429}"#,
            )
                .into_response();
        }
        json(StatusCode::OK, dhl_transit(&query["trackingNumber"]))
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/track/shipments", get(dhl_track))
            .with_state(seen.clone()),
    )
    .await;
    let started = Instant::now();
    let shipments = client(Carrier::Dhl, &base)
        .track(&numbers(&["7777777770"]))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 2);
    // Retry-After: 1, not the 10 ms backoff.
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].carrier, "DHL");
    assert_eq!(shipments[0].tracking_number, "7777777770");
    assert_eq!(shipments[0].status, ShipmentStatus::InTransit);
    let headers = seen.headers.lock().unwrap().clone();
    assert_eq!(headers.get("DHL-API-Key").unwrap(), DHL_KEY);
    assert!(headers.get("authorization").is_none());
}

#[tokio::test]
async fn dhl_retry_after_beyond_the_limit_gives_up_at_once() {
    async fn busy(State(seen): State<Shared>) -> Response {
        seen.tracks.fetch_add(1, Ordering::SeqCst);
        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "3600")], "").into_response()
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/track/shipments", get(busy))
            .with_state(seen.clone()),
    )
    .await;
    let err = client(Carrier::Dhl, &base)
        .track(&numbers(&["7777777770"]))
        .await
        .expect_err("an hour is too long");
    assert!(matches!(err, CarrierError::RetryTooLate { .. }), "{err:?}");
    assert!(err.to_string().contains("asks to retry in 3600s"), "{err}");
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn dhl_404_is_a_number_dhl_does_not_know() {
    async fn missing() -> Response {
        json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "title": "No result found", "detail": "No shipment with given tracking number found.", "status": 404 }),
        )
    }
    let base = serve(Router::new().route("/track/shipments", get(missing))).await;
    let shipments = client(Carrier::Dhl, &base)
        .track(&numbers(&["JJD0099999999"]))
        .await
        .unwrap();
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].status, ShipmentStatus::Unknown);
    assert!(shipments[0].scans.is_empty());
    assert_eq!(shipments[0].tracking_number, "JJD0099999999");
    assert_eq!(
        shipments[0].incident.as_deref(),
        Some("No result found: No shipment with given tracking number found.")
    );
}

fn usps_delivered(number: &str) -> serde_json::Value {
    serde_json::json!({
        "trackingNumber": number,
        "status": "Delivered, In/At Mailbox",
        "statusCategory": "Delivered",
        "trackingEvents": [{
            "eventType": "Delivered, In/At Mailbox", "eventTimestamp": "2026-11-06T11:02:00",
            "GMTTimestamp": "2026-11-06T16:02:10Z", "GMTOffset": "-05:00",
            "eventCity": "HERNANDO", "eventState": "FL", "eventCode": "01"
        }]
    })
}

async fn usps_token(State(seen): State<Shared>, body: String) -> Response {
    let n = seen.tokens.fetch_add(1, Ordering::SeqCst) + 1;
    let request: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(request["grant_type"], "client_credentials");
    assert_eq!(request["client_id"], CLIENT_ID);
    token(&format!("usps-token-{n}"), serde_json::json!("28799"))
}

#[tokio::test]
async fn usps_500_twice_then_success() {
    async fn flaky(
        State(seen): State<Shared>,
        Path(number): Path<String>,
        Query(query): Query<HashMap<String, String>>,
    ) -> Response {
        let n = seen.tracks.fetch_add(1, Ordering::SeqCst) + 1;
        assert_eq!(query.get("expand").map(String::as_str), Some("DETAIL"));
        if n <= 2 {
            return (StatusCode::INTERNAL_SERVER_ERROR, "upstream trouble").into_response();
        }
        json(StatusCode::OK, usps_delivered(&number))
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/oauth2/v3/token", post(usps_token))
            .route("/tracking/v3/tracking/{number}", get(flaky))
            .with_state(seen.clone()),
    )
    .await;
    let shipments = client(Carrier::Usps, &base)
        .track(&numbers(&["9400109104250532908587"]))
        .await
        .unwrap();
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 3);
    assert_eq!(seen.tokens.load(Ordering::SeqCst), 1);
    assert_eq!(shipments[0].status, ShipmentStatus::Delivered);
    assert_eq!(shipments[0].raw_status, "01");
}

#[tokio::test]
async fn usps_500_every_time_gives_up_after_the_policy() {
    async fn down(State(seen): State<Shared>) -> Response {
        seen.tracks.fetch_add(1, Ordering::SeqCst);
        (StatusCode::SERVICE_UNAVAILABLE, "maintenance window").into_response()
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/oauth2/v3/token", post(usps_token))
            .route("/tracking/v3/tracking/{number}", get(down))
            .with_state(seen.clone()),
    )
    .await;
    let err = client(Carrier::Usps, &base)
        .track(&numbers(&["9400109104250532908587"]))
        .await
        .expect_err("down");
    assert_eq!(seen.tracks.load(Ordering::SeqCst), 4);
    let message = err.to_string();
    assert!(
        message.starts_with("USPS: HTTP 503 from GET http://"),
        "{message}"
    );
    assert!(
        message.contains("after 4 attempt(s): maintenance window"),
        "{message}"
    );
}

#[tokio::test]
async fn a_truncated_body_is_a_clear_error() {
    async fn cut() -> Response {
        let whole = ups_delivered("1Z999AA10123456784").to_string();
        (
            StatusCode::OK,
            [("content-type", "application/json")],
            whole[..whole.len() / 2].to_string(),
        )
            .into_response()
    }
    let seen = Shared::default();
    let base = serve(
        Router::new()
            .route("/security/v1/oauth/token", post(ups_token))
            .route("/api/track/v1/details/{number}", get(cut))
            .with_state(seen.clone()),
    )
    .await;
    let err = client(Carrier::Ups, &base)
        .track(&numbers(&["1Z999AA10123456784"]))
        .await
        .expect_err("cut short");
    assert!(
        matches!(
            err,
            CarrierError::Truncated {
                carrier: Carrier::Ups,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("cut short in transfer"), "{err}");
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_retried_then_reported() {
    // Promises 1000 bytes, sends a few, hangs up: no framework would send that.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"shipments\":[{\"id\"")
                .await;
            let _ = socket.shutdown().await;
        }
    });
    let err = client(Carrier::Dhl, &base)
        .track(&numbers(&["7777777770"]))
        .await
        .expect_err("dropped");
    assert!(
        matches!(err, CarrierError::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
    assert!(err.to_string().starts_with("DHL: GET http://"), "{err}");
}

#[tokio::test]
async fn a_slow_carrier_times_out() {
    async fn slow() -> Response {
        tokio::time::sleep(Duration::from_secs(5)).await;
        json(StatusCode::OK, dhl_transit("7777777770"))
    }
    let base = serve(Router::new().route("/track/shipments", get(slow))).await;
    let dhl = client(Carrier::Dhl, &base)
        .with_timeout(Duration::from_millis(200))
        .with_retry_policy(RetryPolicy {
            attempts: 1,
            ..fast()
        });
    let started = Instant::now();
    let err = dhl
        .track(&numbers(&["7777777770"]))
        .await
        .expect_err("too slow");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        err.to_string().contains("no complete answer within 0.2s"),
        "{err}"
    );
}

#[tokio::test]
async fn secrets_never_reach_an_error_or_debug_output() {
    // A token endpoint that echoes the credentials it was sent.
    async fn echo(body: String) -> Response {
        json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({ "errors": [{ "code": "NOT.AUTHORIZED.ERROR", "message": format!("bad client: {body}") }] }),
        )
    }
    async fn echo_key(headers: HeaderMap) -> Response {
        let key = headers
            .get("DHL-API-Key")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "title": format!("Invalid key {key}"), "status": 400 }),
        )
    }
    let base = serve(
        Router::new()
            .route("/oauth/token", post(echo))
            .route("/track/shipments", get(echo_key)),
    )
    .await;
    let fedex = client(Carrier::Fedex, &base);
    let err = fedex
        .track(&numbers(&["794600000001"]))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, CarrierError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    let dhl = client(Carrier::Dhl, &base);
    let dhl_err = dhl
        .track(&numbers(&["7777777770"]))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            dhl_err,
            CarrierError::Rejected {
                status: Some(400),
                ..
            }
        ),
        "{dhl_err:?}"
    );

    for text in [
        err.to_string(),
        format!("{err:?}"),
        dhl_err.to_string(),
        format!("{dhl_err:?}"),
        format!("{fedex:?}"),
        format!("{dhl:?}"),
    ] {
        for secret in [CLIENT_ID, CLIENT_SECRET, DHL_KEY] {
            assert!(!text.contains(secret), "{secret} leaked into: {text}");
        }
    }
    // The echo held the secret form-encoded, as the token request sent it.
    assert!(
        err.to_string().contains("client_secret=[redacted]"),
        "{err}"
    );
    assert!(
        dhl_err.to_string().contains("Invalid key [redacted]"),
        "{dhl_err}"
    );
}

#[test]
fn credentials_must_fit_the_carrier() {
    let http = reqwest::Client::new();
    let err = CarrierClient::new(
        Carrier::Dhl,
        "https://api-eu.dhl.com",
        Credentials::oauth("a", "b"),
        http.clone(),
    )
    .expect_err("DHL takes a key");
    assert_eq!(
        err.to_string(),
        "DHL: the DHL Shipment Tracking – Unified API takes an API key, not an OAuth client"
    );
    let err = CarrierClient::new(
        Carrier::Ups,
        "https://onlinetools.ups.com",
        Credentials::api_key("k"),
        http.clone(),
    )
    .expect_err("UPS takes OAuth");
    assert_eq!(
        err.to_string(),
        "UPS: the UPS Track API takes an OAuth client id and secret, not an API key"
    );
    let err = CarrierClient::new(
        Carrier::Fedex,
        "apis.fedex.com",
        Credentials::oauth("a", "b"),
        http.clone(),
    )
    .expect_err("not a URL");
    assert!(
        err.to_string()
            .starts_with("FedEx: base URL \"apis.fedex.com\" is not a URL"),
        "{err}"
    );
    let err = CarrierClient::new(
        Carrier::Usps,
        "https://apis.usps.com",
        Credentials::oauth("a", ""),
        http,
    )
    .expect_err("empty secret");
    assert_eq!(err.to_string(), "USPS: a credential is empty");
}
