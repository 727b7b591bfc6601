//! ShipStation API V1: `GET /orders`, `GET /orders/{orderId}` and
//! `GET /shipments`, paged by `page`/`pageSize` (at most 500), filtered by
//! date windows given in Pacific time without an offset (as every ShipStation
//! time is); HTTP Basic auth; 40 requests a minute with
//! `X-Rate-Limit-Limit`/`-Remaining`/`-Reset` on every answer and 429 past
//! the limit.
//!
//! Orders: `orderNumber` (starts with), `orderStatus`, `orderDateStart/End`,
//! `createDateStart/End`, `modifyDateStart/End`, `sortBy` (OrderDate,
//! ModifyDate, CreateDate; default: by `orderId`), `sortDir`. Shipments:
//! `orderNumber`, `orderId`, `trackingNumber`, `createDateStart/End`,
//! `shipDateStart/End`, `includeShipmentItems`, `sortBy` (ShipDate,
//! CreateDate), `sortDir`. Filters ShipStation has that the simulator does not
//! model are refused with 400.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use serde_json::{json, Value};

use super::limits::Allowance;
use super::{basic_credentials, endpoint, error, form_pairs, lock, param, reply, Shared};
use crate::sim::options::{Backend, Endpoint, SHIPSTATION_API_KEY, SHIPSTATION_API_SECRET};
use crate::sim::plan::{OrderPlan, WhState};
use crate::sim::wire;

const MAX_PAGE_SIZE: usize = 500;
const DEFAULT_PAGE_SIZE: usize = 100;
const UNMODELLED: [&str; 8] = [
    "customerName",
    "itemKeyword",
    "paymentDateStart",
    "paymentDateEnd",
    "tagId",
    "recipientName",
    "voidDateStart",
    "voidDateEnd",
];

pub fn routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/orders",
            endpoint(shared, Endpoint::ShipStationOrders, get(orders)),
        )
        .route(
            "/orders/{id}",
            endpoint(shared, Endpoint::ShipStationOrder, get(order)),
        )
        .route(
            "/shipments",
            endpoint(shared, Endpoint::ShipStationShipments, get(shipments)),
        )
        .route(
            "/orders/holduntil",
            endpoint(
                shared,
                Endpoint::ShipStationHold,
                post(super::writes::shipstation_hold),
            ),
        )
        .route(
            "/orders/restorefromhold",
            endpoint(
                shared,
                Endpoint::ShipStationRestore,
                post(super::writes::shipstation_restore),
            ),
        )
        .route(
            "/orders/createorder",
            endpoint(
                shared,
                Endpoint::ShipStationCreateOrder,
                post(super::writes::shipstation_create_order),
            ),
        )
}

fn rate_headers(response: &mut Response, limit: u32, remaining: u32, reset: u64) {
    let headers = response.headers_mut();
    headers.insert("x-rate-limit-limit", HeaderValue::from(limit));
    headers.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
    headers.insert("x-rate-limit-reset", HeaderValue::from(reset));
}

/// Checks Basic auth and takes a place in the per-minute allowance: the
/// allowance to report, or the refusal to send.
fn admit(shared: &Shared, headers: &HeaderMap) -> Result<Allowance, Box<Response>> {
    let authorised = basic_credentials(headers).is_some_and(|(key, secret)| {
        key == SHIPSTATION_API_KEY && secret == SHIPSTATION_API_SECRET
    });
    if !authorised {
        return Err(Box::new(error(
            Backend::ShipStation,
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
        )));
    }
    let allowance = lock(&shared.shipstation_window).take();
    if allowance.allowed {
        return Ok(allowance);
    }
    let mut response = error(
        Backend::ShipStation,
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests. Please wait for the rate limit window to reset.",
    );
    with_allowance(&mut response, &allowance);
    Err(Box::new(response))
}

fn with_allowance(response: &mut Response, allowance: &Allowance) {
    rate_headers(
        response,
        allowance.limit,
        allowance.remaining,
        allowance.reset_seconds,
    );
}

/// Answers with `handle` once admitted, every answer carrying the
/// rate-limit headers.
fn serve(shared: &Shared, headers: &HeaderMap, handle: impl FnOnce() -> Response) -> Response {
    match admit(shared, headers) {
        Ok(allowance) => {
            let mut response = handle();
            with_allowance(&mut response, &allowance);
            response
        }
        Err(refusal) => *refusal,
    }
}

/// `serve` for a handler that waits (the writes).
pub(super) async fn serve_async<F: std::future::Future<Output = Response>>(
    shared: &Shared,
    headers: &HeaderMap,
    handle: impl FnOnce() -> F,
) -> Response {
    match admit(shared, headers) {
        Ok(allowance) => {
            let mut response = handle().await;
            with_allowance(&mut response, &allowance);
            response
        }
        Err(refusal) => *refusal,
    }
}

/// A warehouse order's planned state now (writes not included), among the
/// world's and those for goods `moved` to the warehouse.
pub(super) fn state_of(shared: &Shared, moved: &[OrderPlan], order_id: u64) -> Option<WhState> {
    visible(shared, moved)
        .into_iter()
        .find(|(id, _, _)| *id == order_id)
        .map(|(_, _, state)| state)
}

/// The `orderId` of the warehouse order with this `orderKey`.
pub(super) fn order_id_by_key(shared: &Shared, moved: &[OrderPlan], key: &str) -> Option<u64> {
    visible(shared, moved)
        .into_iter()
        .find(|(_, plan, _)| plan.order_key.to_string() == key.trim())
        .map(|(id, _, _)| id)
}

fn bad_request(message: String) -> Response {
    error(Backend::ShipStation, StatusCode::BAD_REQUEST, &message)
}

/// A ShipStation date parameter: Pacific wall-clock time, with a space or a
/// `T`, optional fraction, or a bare date (its start).
fn pacific(key: &str, text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let naive = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(chrono::NaiveTime::MIN))
    })
    .ok_or_else(|| format!("{key}: {text:?} is not a date-time such as 2026-11-20 08:30:00"))?;
    Los_Angeles
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{key}: {text:?} does not exist in Pacific time"))
}

type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn range(pairs: &[(String, String)], start: &str, end: &str) -> Result<Range, String> {
    Ok((
        param(pairs, start).map(|t| pacific(start, t)).transpose()?,
        param(pairs, end).map(|t| pacific(end, t)).transpose()?,
    ))
}

fn within(t: DateTime<Utc>, (start, end): Range) -> bool {
    start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)
}

fn paging(pairs: &[(String, String)]) -> Result<(usize, usize), String> {
    let page = match param(pairs, "page").map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return Err("page: must be a whole number from 1".to_string()),
    };
    let size = match param(pairs, "pageSize").map(str::parse::<usize>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => return Err(format!("pageSize: must be between 1 and {MAX_PAGE_SIZE}")),
    };
    Ok((page, size))
}

/// `{key: [...], total, page, pages}` for one page of `items`; only the
/// page's own items are rendered.
fn page_of<T>(
    key: &str,
    items: Vec<T>,
    page: usize,
    size: usize,
    render: impl Fn(&T) -> Value,
) -> Response {
    let total = items.len();
    let pages = total.div_ceil(size);
    let shown: Vec<Value> = items
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(render)
        .collect();
    reply(
        StatusCode::OK,
        &json!({ key: shown, "total": total, "page": page, "pages": pages }),
    )
}

fn refuse_unmodelled(pairs: &[(String, String)]) -> Result<(), String> {
    match pairs.iter().find(|(k, _)| UNMODELLED.contains(&k.as_str())) {
        Some((key, _)) => Err(format!(
            "{key}: this filter is not modelled by the orderdeck simulator"
        )),
        None => Ok(()),
    }
}

fn descending(pairs: &[(String, String)]) -> bool {
    param(pairs, "sortDir").is_some_and(|d| d.eq_ignore_ascii_case("DESC"))
}

/// The warehouse orders at the backend's moment, in `orderId` order: the
/// world's and those for drop-shipped goods `moved` to the warehouse.
fn visible<'a>(shared: &'a Shared, moved: &'a [OrderPlan]) -> Vec<(u64, &'a OrderPlan, WhState)> {
    let at = shared.view(Backend::ShipStation);
    let states = shared.warehouse_states(at);
    let mut visible: Vec<(u64, &OrderPlan, WhState)> = shared
        .world
        .warehouse_orders()
        .zip(states.iter())
        .filter_map(|((id, plan), state)| state.clone().map(|state| (id, plan, state)))
        .collect();
    let before = visible.len();
    visible.extend(moved.iter().filter_map(|plan| {
        let order_id = plan.warehouse.as_ref()?.order_id;
        Some((order_id, plan, plan.warehouse_state(at)?))
    }));
    if visible.len() > before {
        visible.sort_by_key(|(id, ..)| *id);
    }
    visible
}

/// The orders the warehouse ships for moved goods, as they stand now.
fn moved(shared: &Shared) -> Vec<OrderPlan> {
    lock(&shared.writes).warehouse_orders().to_vec()
}

fn list_orders(shared: &Shared, pairs: &[(String, String)]) -> Result<Response, String> {
    refuse_unmodelled(pairs)?;
    let (page, size) = paging(pairs)?;
    let number = param(pairs, "orderNumber");
    let status = param(pairs, "orderStatus");
    let ordered = range(pairs, "orderDateStart", "orderDateEnd")?;
    let created = range(pairs, "createDateStart", "createDateEnd")?;
    let modified = range(pairs, "modifyDateStart", "modifyDateEnd")?;
    let moved = moved(shared);
    let mut found: Vec<(u64, &OrderPlan, WhState)> = visible(shared, &moved)
        .into_iter()
        .filter(|(_, plan, state)| {
            number.is_none_or(|n| plan.order_number().starts_with(n.trim_start_matches('#')))
                && status.is_none_or(|s| state.status.as_str() == s)
                && within(plan.created_at, ordered)
                && within(state.created_at, created)
                && within(state.modified_at, modified)
        })
        .collect();
    match param(pairs, "sortBy") {
        None => {}
        Some("OrderDate") => found.sort_by_key(|(id, plan, _)| (plan.created_at, *id)),
        Some("ModifyDate") => found.sort_by_key(|(id, _, state)| (state.modified_at, *id)),
        Some("CreateDate") => found.sort_by_key(|(id, _, state)| (state.created_at, *id)),
        Some(other) => {
            return Err(format!(
                "sortBy: {other:?} is not OrderDate, ModifyDate or CreateDate"
            ))
        }
    }
    if descending(pairs) {
        found.reverse();
    }
    Ok(page_of("orders", found, page, size, |(id, plan, state)| {
        let mut order = wire::shipstation::order(plan, *id, state);
        lock(&shared.writes).warehouse_overlay(*id, &mut order);
        if shared.breaks(Backend::ShipStation, plan.order_number()) {
            order["orderStatus"] = json!(42);
        }
        order
    }))
}

async fn orders(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    serve(&shared, &headers, || {
        let pairs = form_pairs(query.as_deref().unwrap_or(""));
        list_orders(&shared, &pairs).unwrap_or_else(bad_request)
    })
}

async fn order(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(&shared, &headers, || {
        let moved = moved(&shared);
        let found = id.parse::<u64>().ok().and_then(|id| {
            visible(&shared, &moved)
                .into_iter()
                .find(|(order_id, _, _)| *order_id == id)
        });
        match found {
            Some((id, plan, state)) => {
                let mut order = wire::shipstation::order(plan, id, &state);
                lock(&shared.writes).warehouse_overlay(id, &mut order);
                reply(StatusCode::OK, &order)
            }
            None => error(
                Backend::ShipStation,
                StatusCode::NOT_FOUND,
                "Order not found",
            ),
        }
    })
}

/// A shipment found for a listing: rendered only if its page is asked for.
struct Shipped<'w> {
    at: DateTime<Utc>,
    /// The order's and the shipment's ids.
    ids: (u64, u64),
    plan: &'w OrderPlan,
    state: WhState,
}

fn list_shipments(shared: &Shared, pairs: &[(String, String)]) -> Result<Response, String> {
    refuse_unmodelled(pairs)?;
    let (page, size) = paging(pairs)?;
    let number = param(pairs, "orderNumber");
    let order_id = param(pairs, "orderId");
    let tracking = param(pairs, "trackingNumber");
    let created = range(pairs, "createDateStart", "createDateEnd")?;
    let shipped = range(pairs, "shipDateStart", "shipDateEnd")?;
    let with_items =
        param(pairs, "includeShipmentItems").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let at = shared.view(Backend::ShipStation);
    let mut found: Vec<Shipped> = Vec::new();
    let moved = moved(shared);
    for (id, plan, state) in visible(shared, &moved) {
        let Some((shipped_at, tracked)) = state.shipped else {
            continue;
        };
        let ids = (id, plan.warehouse.as_ref().map_or(0, |w| w.shipment_id));
        let number_now = plan
            .parcel
            .as_ref()
            .filter(|_| tracked)
            .map(|p| p.tracking_number.as_str());
        // The ship date is a calendar day, so its window compares days.
        let ship_day = shipped_at.with_timezone(&Los_Angeles).date_naive();
        let day_within = |bound: Option<DateTime<Utc>>, later: bool| {
            bound.is_none_or(|b| {
                let day = b.with_timezone(&Los_Angeles).date_naive();
                if later {
                    ship_day >= day
                } else {
                    ship_day <= day
                }
            })
        };
        let admitted = number
            .is_none_or(|n| plan.order_number().starts_with(n.trim_start_matches('#')))
            && order_id.is_none_or(|o| o == id.to_string())
            && tracking.is_none_or(|t| number_now == Some(t))
            && within(shipped_at, created)
            && day_within(shipped.0, true)
            && day_within(shipped.1, false);
        if !admitted {
            continue;
        }
        found.push(Shipped {
            at: shipped_at,
            ids,
            plan,
            state,
        });
    }
    match param(pairs, "sortBy") {
        None => found.sort_by_key(|s| s.ids.1),
        Some("ShipDate") | Some("CreateDate") => found.sort_by_key(|s| (s.at, s.ids.1)),
        Some(other) => return Err(format!("sortBy: {other:?} is not ShipDate or CreateDate")),
    }
    if descending(pairs) {
        found.reverse();
    }
    Ok(page_of("shipments", found, page, size, |s| {
        let notified = s
            .plan
            .storefront_state(at)
            .is_some_and(|sf| sf.fulfilled.is_some());
        wire::shipstation::shipment(s.plan, s.ids, &s.state, notified, with_items)
            .unwrap_or(Value::Null)
    }))
}

async fn shipments(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    serve(&shared, &headers, || {
        let pairs = form_pairs(query.as_deref().unwrap_or(""));
        list_shipments(&shared, &pairs).unwrap_or_else(bad_request)
    })
}
