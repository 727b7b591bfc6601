//! The carriers' tracking APIs and the OAuth token endpoints in front of
//! them: FedEx Track API (`POST /oauth/token`, form client credentials;
//! `POST /track/v1/trackingnumbers`), UPS Track API (`POST
//! /security/v1/oauth/token` with Basic auth; `GET
//! /api/track/v1/details/{inquiryNumber}` with `transId` and
//! `transactionSrc`), USPS Tracking v3 (`POST /oauth2/v3/token`; `GET
//! /tracking/v3/tracking/{n}?expand=DETAIL`), DHL Shipment Tracking -
//! Unified (`GET /track/shipments?trackingNumber=` with `DHL-API-Key`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::{basic_credentials, endpoint, error, form_pairs, lock, param, reply, Shared};
use crate::sim::options::{
    Backend, Endpoint, DHL_API_KEY, FEDEX_CLIENT_ID, FEDEX_CLIENT_SECRET, UPS_CLIENT_ID,
    UPS_CLIENT_SECRET, USPS_CLIENT_ID, USPS_CLIENT_SECRET,
};
use crate::sim::plan::{Carrier, ParcelPlan};
use crate::sim::wire::carriers as wire;

/// Token lifetimes the carriers state, in seconds.
const FEDEX_TOKEN_SECONDS: u64 = 3599;
const UPS_TOKEN_SECONDS: u64 = 14399;
const USPS_TOKEN_SECONDS: u64 = 28799;
/// FedEx tracks at most 30 numbers per request.
const FEDEX_MAX_NUMBERS: usize = 30;

pub fn fedex_routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/oauth/token",
            endpoint(shared, Endpoint::FedexToken, post(fedex_token)),
        )
        .route(
            "/track/v1/trackingnumbers",
            endpoint(shared, Endpoint::FedexTrack, post(fedex_track)),
        )
}

pub fn ups_routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/security/v1/oauth/token",
            endpoint(shared, Endpoint::UpsToken, post(ups_token)),
        )
        .route(
            "/api/track/v1/details/{number}",
            endpoint(shared, Endpoint::UpsTrack, get(ups_track)),
        )
}

pub fn usps_routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/oauth2/v3/token",
            endpoint(shared, Endpoint::UspsToken, post(usps_token)),
        )
        .route(
            "/tracking/v3/tracking/{number}",
            endpoint(shared, Endpoint::UspsTrack, get(usps_track)),
        )
}

pub fn dhl_routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new().route(
        "/track/shipments",
        endpoint(shared, Endpoint::DhlTrack, get(dhl_track)),
    )
}

/// The parcel behind `number`, a world order's, one a drop-ship vendor
/// shipped or one our warehouse shipped goods moved to it in, with only the
/// scans its carrier has made by the backend's moment; `None` while the
/// carrier knows nothing of it.
fn tracked(
    shared: &Shared,
    carrier: Carrier,
    backend: Backend,
    number: &str,
) -> Option<ParcelPlan> {
    let at = shared.view(backend);
    let parcel = match shared
        .world
        .parcel(carrier, number)
        .and_then(|plan| plan.parcel.as_ref())
    {
        Some(parcel) => parcel.clone(),
        None => {
            let vendors = lock(&shared.vendors).parcel(carrier, number, at);
            match vendors {
                Some(parcel) => parcel,
                None => lock(&shared.writes).moved_parcel(carrier, number)?.clone(),
            }
        }
    };
    let seen = parcel.scans_at(at).len();
    (seen > 0).then(|| ParcelPlan {
        scans: parcel.scans[..seen].to_vec(),
        ..parcel
    })
}

// ---- FedEx ---------------------------------------------------------------

fn fedex_error(shared: &Shared, status: StatusCode, code: &str, message: &str) -> Response {
    reply(
        status,
        &json!({
            "transactionId": shared.transaction_id(),
            "errors": [{"code": code, "message": message}],
        }),
    )
}

async fn fedex_token(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let pairs = form_pairs(&body);
    if param(&pairs, "grant_type") != Some("client_credentials") {
        return fedex_error(
            &shared,
            StatusCode::BAD_REQUEST,
            "BAD.REQUEST.ERROR",
            "The given grant_type is not supported; use client_credentials.",
        );
    }
    if param(&pairs, "client_id") != Some(FEDEX_CLIENT_ID)
        || param(&pairs, "client_secret") != Some(FEDEX_CLIENT_SECRET)
    {
        return fedex_error(
            &shared,
            StatusCode::UNAUTHORIZED,
            "NOT.AUTHORIZED.ERROR",
            "The given client credentials were not valid. Please modify your request and try again.",
        );
    }
    let lifetime = shared.token_seconds(FEDEX_TOKEN_SECONDS);
    let token = shared.issue_token(Carrier::Fedex, lifetime);
    reply(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": "CXS-TP",
        }),
    )
}

async fn fedex_track(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !shared.bearer_ok(&headers, Carrier::Fedex) {
        return fedex_error(
            &shared,
            StatusCode::UNAUTHORIZED,
            "NOT.AUTHORIZED.ERROR",
            "The given JWT is invalid. Please modify your request and try again.",
        );
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let numbers: Vec<String> = request["trackingInfo"]
        .as_array()
        .map(|infos| {
            infos
                .iter()
                .filter_map(|info| info["trackingNumberInfo"]["trackingNumber"].as_str())
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if numbers.is_empty() {
        return fedex_error(
            &shared,
            StatusCode::BAD_REQUEST,
            "TRACKING.TRACKINGNUMBER.EMPTY",
            "Please provide tracking number.",
        );
    }
    if numbers.len() > FEDEX_MAX_NUMBERS {
        return fedex_error(
            &shared,
            StatusCode::BAD_REQUEST,
            "TRACKING.TRACKINGNUMBER.LIMIT.EXCEEDED",
            "Please provide at most 30 tracking numbers.",
        );
    }
    let detailed = request["includeDetailedScans"].as_bool().unwrap_or(false);
    let results: Vec<Value> = numbers
        .iter()
        .map(
            |number| match tracked(&shared, Carrier::Fedex, Backend::Fedex, number) {
                Some(parcel) => {
                    let mut result = wire::fedex::track(&parcel, &parcel.scans);
                    if !detailed {
                        result["trackResults"][0]["scanEvents"] = json!([]);
                    }
                    result
                }
                None => wire::fedex::not_found(number),
            },
        )
        .collect();
    let customer_id = headers
        .get("x-customer-transaction-id")
        .and_then(|v| v.to_str().ok());
    let mut body = json!({
        "transactionId": shared.transaction_id(),
        "output": {"completeTrackResults": results},
    });
    if let Some(id) = customer_id {
        body["customerTransactionId"] = json!(id);
    }
    reply(StatusCode::OK, &body)
}

// ---- UPS -----------------------------------------------------------------

fn ups_error(status: StatusCode, code: &str, message: &str) -> Response {
    reply(
        status,
        &json!({"response": {"errors": [{"code": code, "message": message}]}}),
    )
}

async fn ups_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let pairs = form_pairs(&body);
    if param(&pairs, "grant_type") != Some("client_credentials") {
        return ups_error(
            StatusCode::BAD_REQUEST,
            "10400",
            "Invalid/Missing grant_type",
        );
    }
    let valid = basic_credentials(&headers)
        .is_some_and(|(id, secret)| id == UPS_CLIENT_ID && secret == UPS_CLIENT_SECRET);
    if !valid {
        return ups_error(StatusCode::UNAUTHORIZED, "10401", "ClientId is Invalid");
    }
    let lifetime = shared.token_seconds(UPS_TOKEN_SECONDS);
    let token = shared.issue_token(Carrier::Ups, lifetime);
    reply(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "issued_at": shared.clock.now().timestamp_millis().to_string(),
            "client_id": UPS_CLIENT_ID,
            "access_token": token,
            "expires_in": lifetime.to_string(),
            "refresh_count": "0",
            "status": "approved",
        }),
    )
}

async fn ups_track(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !shared.bearer_ok(&headers, Carrier::Ups) {
        return ups_error(
            StatusCode::UNAUTHORIZED,
            "250002",
            "Invalid Authentication Information.",
        );
    }
    for required in ["transId", "transactionSrc"] {
        if headers.get(required).is_none() {
            return ups_error(
                StatusCode::BAD_REQUEST,
                "VSS000",
                &format!("Missing required header: {required}"),
            );
        }
    }
    match tracked(&shared, Carrier::Ups, Backend::Ups, &number) {
        Some(parcel) => reply(StatusCode::OK, &wire::ups::track(&parcel, &parcel.scans)),
        None => reply(StatusCode::OK, &wire::ups::not_found()),
    }
}

// ---- USPS ----------------------------------------------------------------

async fn usps_token(State(shared): State<Arc<Shared>>, body: String) -> Response {
    // USPS takes the grant as JSON; a form body is read too.
    let pairs: Vec<(String, String)> = match serde_json::from_str::<Value>(&body) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string())))
            .collect(),
        _ => form_pairs(&body),
    };
    if param(&pairs, "grant_type") != Some("client_credentials") {
        return reply(
            StatusCode::BAD_REQUEST,
            &json!({"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"}),
        );
    }
    if param(&pairs, "client_id") != Some(USPS_CLIENT_ID)
        || param(&pairs, "client_secret") != Some(USPS_CLIENT_SECRET)
    {
        return reply(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        );
    }
    let lifetime = shared.token_seconds(USPS_TOKEN_SECONDS);
    let token = shared.issue_token(Carrier::Usps, lifetime);
    reply(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "issued_at": shared.clock.now().timestamp_millis(),
            "expires_in": lifetime,
            "status": "approved",
            "scope": "tracking",
            "issuer": "api.usps.com",
            "client_id": USPS_CLIENT_ID,
            "application_name": "orderdeck-sim",
        }),
    )
}

async fn usps_track(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if !shared.bearer_ok(&headers, Carrier::Usps) {
        return error(Backend::Usps, StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let pairs = form_pairs(query.as_deref().unwrap_or(""));
    let detail = param(&pairs, "expand").is_some_and(|e| e.eq_ignore_ascii_case("DETAIL"));
    match tracked(&shared, Carrier::Usps, Backend::Usps, &number) {
        Some(parcel) => reply(
            StatusCode::OK,
            &wire::usps::track(&parcel, &parcel.scans, detail),
        ),
        None => reply(StatusCode::NOT_FOUND, &wire::usps::not_found(&number)),
    }
}

// ---- DHL -----------------------------------------------------------------

async fn dhl_track(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let key = headers.get("dhl-api-key").and_then(|v| v.to_str().ok());
    if key != Some(DHL_API_KEY) {
        return error(
            Backend::Dhl,
            StatusCode::UNAUTHORIZED,
            "Unauthorized for given resource.",
        );
    }
    let pairs = form_pairs(query.as_deref().unwrap_or(""));
    let Some(number) = param(&pairs, "trackingNumber") else {
        return error(
            Backend::Dhl,
            StatusCode::BAD_REQUEST,
            "The trackingNumber query parameter is required.",
        );
    };
    match tracked(&shared, Carrier::Dhl, Backend::Dhl, number) {
        Some(parcel) => reply(
            StatusCode::OK,
            &json!({"shipments": [wire::dhl::track(&parcel, &parcel.scans)]}),
        ),
        None => reply(StatusCode::NOT_FOUND, &wire::dhl::not_found(number)),
    }
}
