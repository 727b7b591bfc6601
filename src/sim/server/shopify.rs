//! Shopify REST Admin API: `orders.json` with cursor pagination through the
//! `Link` header (`page_info`; while paging, only `limit` and `fields` may be
//! given), `orders/count.json`, `orders/{id}.json`,
//! `orders/{id}/fulfillment_orders.json` and `inventory_levels.json`; `X-Shopify-Access-Token`; the
//! leaky bucket reported in `X-Shopify-Shop-Api-Call-Limit`, 429 with
//! `Retry-After` when it overflows.
//!
//! Filters: `status` (open, closed, cancelled, any), `ids`, `since_id`,
//! `name`, `created_at_min/max`, `updated_at_min/max`, `fields`. Orders are
//! listed in id order. Shopify filters the simulator does not model
//! (`financial_status`, `fulfillment_status`, `processed_at_*`,
//! `attribution_app_id`) are refused with 400 rather than ignored.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::deliveries::Deliveries;
use super::{endpoint, error, form_pairs, lock, param, reply, Shared};
use crate::sim::options::{Backend, Endpoint, SHOPIFY_ACCESS_TOKEN};
use crate::sim::plan::{OrderPlan, SfState};
use crate::sim::wire;

const CALL_LIMIT: &str = "x-shopify-shop-api-call-limit";
const MAX_LIMIT: usize = 250;
const DEFAULT_LIMIT: usize = 50;
/// Filters Shopify has that the simulator does not model.
const UNMODELLED: [&str; 5] = [
    "financial_status",
    "fulfillment_status",
    "processed_at_min",
    "processed_at_max",
    "attribution_app_id",
];
/// Parameters that shape a page rather than select orders.
const PAGING: [&str; 3] = ["limit", "fields", "page_info"];

pub fn routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/admin/api/{version}/orders.json",
            endpoint(shared, Endpoint::ShopifyOrders, get(list)).merge(endpoint(
                shared,
                Endpoint::ShopifyOrderCreate,
                post(super::writes::shopify_create),
            )),
        )
        .route(
            "/admin/api/{version}/inventory_levels.json",
            endpoint(
                shared,
                Endpoint::ShopifyInventoryLevels,
                get(super::inventory::levels),
            ),
        )
        .route(
            "/admin/api/{version}/orders/{id}/metafields.json",
            endpoint(
                shared,
                Endpoint::ShopifyOrderMetafields,
                get(super::writes::shopify_metafields),
            )
            .merge(endpoint(
                shared,
                Endpoint::ShopifyOrderMetafields,
                post(super::writes::shopify_metafield_create),
            )),
        )
        .route(
            "/admin/api/{version}/orders/count.json",
            endpoint(shared, Endpoint::ShopifyOrderCount, get(count)),
        )
        .route(
            "/admin/api/{version}/orders/{file}",
            endpoint(shared, Endpoint::ShopifyOrder, get(one)).merge(endpoint(
                shared,
                Endpoint::ShopifyOrderUpdate,
                put(super::writes::shopify_update),
            )),
        )
        .route(
            "/admin/api/{version}/fulfillments.json",
            endpoint(
                shared,
                Endpoint::ShopifyFulfillmentCreate,
                post(super::writes::shopify_fulfil),
            ),
        )
        .route(
            "/admin/api/{version}/fulfillment_orders/{id}/move.json",
            endpoint(
                shared,
                Endpoint::ShopifyFulfillmentOrderMove,
                post(super::writes::shopify_move),
            ),
        )
        .route(
            "/admin/api/{version}/orders/{id}/fulfillment_orders.json",
            endpoint(
                shared,
                Endpoint::ShopifyFulfillmentOrders,
                get(fulfillment_orders),
            ),
        )
}

/// Why a request was turned away before it was looked at.
pub(super) enum Refusal {
    Unauthorized,
    Throttled { wait_seconds: f64, capacity: u32 },
}

impl Refusal {
    pub(super) fn response(self) -> Response {
        match self {
            Refusal::Unauthorized => error(
                Backend::Shopify,
                StatusCode::UNAUTHORIZED,
                "[API] Invalid API key or access token (unrecognized login or wrong password)",
            ),
            Refusal::Throttled {
                wait_seconds,
                capacity,
            } => {
                let mut response = error(
                    Backend::Shopify,
                    StatusCode::TOO_MANY_REQUESTS,
                    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
                );
                let headers = response.headers_mut();
                headers.insert(
                    HeaderName::from_static(CALL_LIMIT),
                    header_value(&format!("{capacity}/{capacity}")),
                );
                // Shopify states the wait in seconds with one decimal ("2.0").
                headers.insert(
                    "retry-after",
                    header_value(&format!("{:.1}", wait_seconds.ceil())),
                );
                response
            }
        }
    }
}

/// Checks the token, then takes a place in the bucket; the `Ok` value is
/// the call-limit header to send.
pub(super) fn admit(shared: &Shared, headers: &HeaderMap) -> Result<HeaderValue, Refusal> {
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(SHOPIFY_ACCESS_TOKEN) {
        return Err(Refusal::Unauthorized);
    }
    let mut bucket = lock(&shared.shopify_bucket);
    let capacity = bucket.capacity();
    match bucket.take() {
        Ok(level) => Ok(header_value(&format!("{level}/{capacity}"))),
        Err(wait_seconds) => Err(Refusal::Throttled {
            wait_seconds,
            capacity,
        }),
    }
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(""))
}

fn with_limit(mut response: Response, limit: HeaderValue) -> Response {
    response
        .headers_mut()
        .insert(HeaderName::from_static(CALL_LIMIT), limit);
    response
}

fn bad_request(message: String) -> Response {
    error(Backend::Shopify, StatusCode::BAD_REQUEST, &message)
}

/// The order selection a listing was asked for.
#[derive(Debug, Default)]
struct Filters {
    status: String,
    ids: Option<Vec<u64>>,
    since_id: Option<u64>,
    name: Option<String>,
    created: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    updated: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

fn time_param(pairs: &[(String, String)], key: &str) -> Result<Option<DateTime<Utc>>, String> {
    param(pairs, key)
        .map(|text| {
            DateTime::parse_from_rfc3339(text.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| format!("{key}: {text:?} is not an ISO 8601 time with an offset"))
        })
        .transpose()
}

impl Filters {
    fn parse(pairs: &[(String, String)]) -> Result<Filters, String> {
        if let Some((key, _)) = pairs.iter().find(|(k, _)| UNMODELLED.contains(&k.as_str())) {
            return Err(format!(
                "{key}: this filter is not modelled by the orderdeck simulator"
            ));
        }
        let status = param(pairs, "status").unwrap_or("open").to_string();
        if !matches!(status.as_str(), "open" | "closed" | "cancelled" | "any") {
            return Err(format!(
                "status: {status:?} is not one of open, closed, cancelled, any"
            ));
        }
        let number = |key: &str, text: &str| {
            text.trim()
                .parse::<u64>()
                .map_err(|_| format!("{key}: {text:?} is not an id"))
        };
        let ids = param(pairs, "ids")
            .map(|list| {
                list.split(',')
                    .map(|id| number("ids", id))
                    .collect::<Result<Vec<u64>, String>>()
            })
            .transpose()?;
        let since_id = param(pairs, "since_id")
            .map(|id| number("since_id", id))
            .transpose()?;
        Ok(Filters {
            status,
            ids,
            since_id,
            name: param(pairs, "name").map(|n| n.trim().trim_start_matches('#').to_string()),
            created: (
                time_param(pairs, "created_at_min")?,
                time_param(pairs, "created_at_max")?,
            ),
            updated: (
                time_param(pairs, "updated_at_min")?,
                time_param(pairs, "updated_at_max")?,
            ),
        })
    }

    fn admits(&self, id: u64, plan: &OrderPlan, state: &SfState) -> bool {
        let within =
            |t: DateTime<Utc>, (min, max): (Option<DateTime<Utc>>, Option<DateTime<Utc>>)| {
                min.is_none_or(|min| t >= min) && max.is_none_or(|max| t <= max)
            };
        let status = match self.status.as_str() {
            "open" => state.cancelled.is_none(),
            "cancelled" => state.cancelled.is_some(),
            // No simulated order is ever archived (`closed_at` stays null).
            "closed" => false,
            _ => true,
        };
        status
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&id))
            && self.since_id.is_none_or(|since| id > since)
            && self
                .name
                .as_ref()
                .is_none_or(|name| plan.order_number() == name)
            && within(plan.created_at, self.created)
            && within(state.updated_at, self.updated)
    }
}

/// What a `page_info` token stands for: the first request's filters and
/// where the page starts. Sent as hex so that it is opaque and URL-safe.
#[derive(Serialize, Deserialize)]
struct Cursor {
    filters: Vec<(String, String)>,
    after: Option<u64>,
    before: Option<u64>,
}

impl Cursor {
    fn encode(&self) -> String {
        serde_json::to_vec(self)
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn decode(token: &str) -> Option<Cursor> {
        let bytes: Option<Vec<u8>> = (0..token.len())
            .step_by(2)
            .map(|i| {
                token
                    .get(i..i + 2)
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            })
            .collect();
        serde_json::from_slice(&bytes?).ok()
    }
}

fn fields_of(pairs: &[(String, String)]) -> Option<Vec<String>> {
    param(pairs, "fields").map(|list| list.split(',').map(|f| f.trim().to_string()).collect())
}

fn select(order: Value, fields: &Option<Vec<String>>) -> Value {
    match (order, fields) {
        (Value::Object(map), Some(fields)) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.contains(k))
                .collect::<Map<String, Value>>(),
        ),
        (order, _) => order,
    }
}

/// The order as the storefront has it at `at`, with its state then, if it
/// exists then and passes `filters`.
fn admitted<'w>(
    filters: &Filters,
    at: DateTime<Utc>,
    deliveries: &Deliveries,
    (id, plan): (u64, &'w OrderPlan),
) -> Option<(u64, Cow<'w, OrderPlan>, SfState)> {
    let plan = deliveries.view(plan);
    let state = plan.storefront_state(at)?;
    filters
        .admits(id, &plan, &state)
        .then_some((id, plan, state))
}

/// Orders created through the API, as they stand for one request: their
/// ids come after every planned order's, so listings walk them last.
fn created(shared: &Shared) -> Vec<(u64, OrderPlan)> {
    lock(&shared.writes).created().to_vec()
}

/// How many storefront orders at the backend's moment pass `filters`.
fn matching(shared: &Shared, filters: &Filters) -> usize {
    let at = shared.view(Backend::Shopify);
    let created = created(shared);
    let deliveries = Deliveries::at(shared, at);
    shared
        .world
        .storefront_orders()
        .chain(created.iter().map(|(id, plan)| (*id, plan)))
        .filter_map(|entry| admitted(filters, at, &deliveries, entry))
        .count()
}

/// The order as the plan and any writes since have it.
fn render(shared: &Shared, plan: &OrderPlan, id: u64, state: &SfState) -> Value {
    let tags = plan.storefront.as_ref().map_or("", |sf| sf.tags.as_str());
    let mut order = wire::shopify::order(plan, id, tags, state);
    lock(&shared.writes).storefront_overlay(id, &mut order);
    order
}

/// One order as `GET orders/{id}.json` has it now.
pub(super) fn rendered(shared: &Shared, id: u64) -> Option<Value> {
    let id_text = id.to_string();
    lookup(shared, &id_text).map(|(id, plan, state)| render(shared, &plan, id, &state))
}

/// The status of the order's fulfilment order now, writes included.
pub(super) fn fulfillment_order_status(shared: &Shared, id: u64) -> Option<String> {
    let (fulfillment_order, ..) = fulfillment_order_now(shared, id)?;
    fulfillment_order["status"].as_str().map(str::to_string)
}

/// The order's (one) fulfilment order now, writes included, with the
/// order's plan.
pub(super) fn fulfillment_order_now(shared: &Shared, id: u64) -> Option<(Value, OrderPlan)> {
    let (id, plan, state) = lookup(shared, &id.to_string())?;
    let mut orders = wire::shopify::fulfillment_orders(&plan, id, &state);
    lock(&shared.writes).fulfillment_orders_overlay(id, &mut orders);
    let first = orders.into_iter().next()?;
    Some((first, plan.into_owned()))
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let limit_header = match admit(&shared, &headers) {
        Ok(value) => value,
        Err(refusal) => return refusal.response(),
    };
    let pairs = form_pairs(query.as_deref().unwrap_or(""));
    let limit = match param(&pairs, "limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return with_limit(
                bad_request(format!("limit: must be between 1 and {MAX_LIMIT}")),
                limit_header,
            )
        }
    };
    let fields = fields_of(&pairs);
    let (filter_pairs, after, before) = match param(&pairs, "page_info") {
        Some(token) => {
            if let Some((key, _)) = pairs.iter().find(|(k, _)| !PAGING.contains(&k.as_str())) {
                return with_limit(
                    bad_request(format!("page_info: {key} cannot be combined with page_info; filters belong on the first request only")),
                    limit_header,
                );
            }
            match Cursor::decode(token) {
                Some(cursor) => (cursor.filters, cursor.after, cursor.before),
                None => {
                    return with_limit(
                        bad_request("page_info: Invalid value.".to_string()),
                        limit_header,
                    )
                }
            }
        }
        None => (
            pairs
                .iter()
                .filter(|(k, _)| !PAGING.contains(&k.as_str()))
                .cloned()
                .collect(),
            None,
            None,
        ),
    };
    let filters = match Filters::parse(&filter_pairs) {
        Ok(filters) => filters,
        Err(message) => return with_limit(bad_request(message), limit_header),
    };
    // Orders are walked in id order and only those near the page have their
    // state worked out: a shop of many pages costs each page its own.
    let at = shared.view(Backend::Shopify);
    let deliveries = Deliveries::at(&shared, at);
    let admitted = |entry| admitted(&filters, at, &deliveries, entry);
    let created = created(&shared);
    let orders_by_id = || {
        shared
            .world
            .storefront_orders()
            .chain(created.iter().map(|(id, plan)| (*id, plan)))
    };
    let page: Vec<(u64, Cow<OrderPlan>, SfState)> = match before {
        Some(before) => {
            let mut earlier: Vec<_> = orders_by_id()
                .take_while(|(id, _)| *id < before)
                .filter_map(admitted)
                .collect();
            earlier.split_off(earlier.len().saturating_sub(limit))
        }
        None => orders_by_id()
            .skip_while(|(id, _)| after.is_some_and(|after| *id <= after))
            .filter_map(admitted)
            .take(limit)
            .collect(),
    };
    let any_before = |first: u64| {
        orders_by_id()
            .take_while(|(id, _)| *id < first)
            .find_map(admitted)
            .is_some()
    };
    let any_after = |last: u64| {
        orders_by_id()
            .skip_while(|(id, _)| *id <= last)
            .find_map(admitted)
            .is_some()
    };
    let paged = after.is_some() || before.is_some();
    let mut links = Vec::new();
    let link = |cursor: Cursor, rel: &str| {
        let fields = fields
            .as_ref()
            .map(|f| format!("&fields={}", f.join(",")))
            .unwrap_or_default();
        format!(
            "<{}{}/admin/api/{version}/orders.json?limit={limit}{fields}&page_info={}>; rel=\"{rel}\"",
            shared.base_url,
            Backend::Shopify.prefix(),
            cursor.encode()
        )
    };
    if let (Some(first), true) = (page.first(), paged) {
        if any_before(first.0) {
            links.push(link(
                Cursor {
                    filters: filter_pairs.clone(),
                    after: None,
                    before: Some(first.0),
                },
                "previous",
            ));
        }
    }
    if let Some(last) = page.last() {
        if any_after(last.0) {
            links.push(link(
                Cursor {
                    filters: filter_pairs.clone(),
                    after: Some(last.0),
                    before: None,
                },
                "next",
            ));
        }
    }
    let orders: Vec<Value> = page
        .iter()
        .map(|(id, plan, state)| {
            let mut order = render(&shared, plan, *id, state);
            if shared.breaks(Backend::Shopify, plan.order_number()) {
                order["created_at"] = json!("the day before yesterday");
            }
            select(order, &fields)
        })
        .collect();
    let mut response = with_limit(
        reply(StatusCode::OK, &json!({ "orders": orders })),
        limit_header,
    );
    if !links.is_empty() {
        response
            .headers_mut()
            .insert("link", header_value(&links.join(", ")));
    }
    response
}

async fn count(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let limit_header = match admit(&shared, &headers) {
        Ok(value) => value,
        Err(refusal) => return refusal.response(),
    };
    let pairs = form_pairs(query.as_deref().unwrap_or(""));
    match Filters::parse(&pairs) {
        Ok(filters) => with_limit(
            reply(
                StatusCode::OK,
                &json!({ "count": matching(&shared, &filters) }),
            ),
            limit_header,
        ),
        Err(message) => with_limit(bad_request(message), limit_header),
    }
}

fn not_found() -> Response {
    error(Backend::Shopify, StatusCode::NOT_FOUND, "Not Found")
}

fn lookup<'w>(shared: &'w Shared, id: &str) -> Option<(u64, Cow<'w, OrderPlan>, SfState)> {
    let id: u64 = id.parse().ok()?;
    let plan = match shared.world.storefront_order(id) {
        Some(plan) => Cow::Borrowed(plan),
        None => Cow::Owned(
            lock(&shared.writes)
                .created()
                .iter()
                .find(|(created, _)| *created == id)
                .map(|(_, plan)| plan.clone())?,
        ),
    };
    let at = shared.view(Backend::Shopify);
    let deliveries = Deliveries::at(shared, at);
    let plan = match plan {
        Cow::Borrowed(plan) => deliveries.view(plan),
        Cow::Owned(plan) => Cow::Owned(deliveries.view(&plan).into_owned()),
    };
    let state = plan.storefront_state(at)?;
    Some((id, plan, state))
}

async fn one(
    State(shared): State<Arc<Shared>>,
    Path((_version, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let limit_header = match admit(&shared, &headers) {
        Ok(value) => value,
        Err(refusal) => return refusal.response(),
    };
    let fields = fields_of(&form_pairs(query.as_deref().unwrap_or("")));
    let found = file
        .strip_suffix(".json")
        .and_then(|id| lookup(&shared, id));
    let response = match found {
        Some((id, plan, state)) => reply(
            StatusCode::OK,
            &json!({ "order": select(render(&shared, &plan, id, &state), &fields) }),
        ),
        None => not_found(),
    };
    with_limit(response, limit_header)
}

async fn fulfillment_orders(
    State(shared): State<Arc<Shared>>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let limit_header = match admit(&shared, &headers) {
        Ok(value) => value,
        Err(refusal) => return refusal.response(),
    };
    let response = match lookup(&shared, &id) {
        Some((id, plan, state)) => {
            let mut orders = wire::shopify::fulfillment_orders(&plan, id, &state);
            lock(&shared.writes).fulfillment_orders_overlay(id, &mut orders);
            reply(StatusCode::OK, &json!({ "fulfillment_orders": orders }))
        }
        None => not_found(),
    };
    with_limit(response, limit_header)
}
