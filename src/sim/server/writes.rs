//! The writes operator actions send, in the real APIs' shapes: Shopify's
//! order update (`PUT orders/{id}.json`, the note), order creation (`POST
//! orders.json`, a replacement) and fulfilment creation
//! (`POST fulfillments.json`), ShipStation's `POST /orders/holduntil`,
//! `/orders/restorefromhold` and `/orders/createorder` (a cancel). They lay
//! an overlay over the planned world, which every later read shows.
//!
//! A request carrying an `Idempotency-Key` already answered gets the first
//! answer again and changes nothing. `SystemFaults::delayed_writes` makes the
//! first writes apply and then answer late: a client that times out has
//! changed the backend without hearing so.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use serde_json::{json, Value};

use super::{error, lock, reply, Shared};
use crate::sim::catalog::{
    by_variant, drop_shipped, ids_of, SHOP_FLOOR_LOCATION_ID, WAREHOUSE, WAREHOUSE_LOCATION_ID,
    WAREHOUSE_SAFETY_STOCK,
};
use crate::sim::options::Backend;
use crate::sim::plan::{
    Carrier, Financial, Line, OrderPlan, ParcelPlan, Shipping, StorefrontPlan, WhStatus,
};
use crate::sim::scenario::Scenario;
use crate::sim::wire::{self, shopify_time};

/// What writes changed, per order.
#[derive(Default)]
pub struct Writes {
    /// Shopify order id → its note.
    notes: HashMap<u64, String>,
    /// Shopify order id → the fulfilment created for it.
    fulfilments: HashMap<u64, Value>,
    /// ShipStation `orderId` → its status and hold date.
    warehouse: HashMap<u64, (WhStatus, Option<NaiveDate>)>,
    /// Orders created through `POST orders.json`, in id order.
    created: Vec<(u64, OrderPlan)>,
    /// Inventory item id → units created orders took from the warehouse,
    /// and when last.
    taken: HashMap<u64, (u32, DateTime<Utc>)>,
    /// Shopify order id → its metafields, in creation order.
    metafields: HashMap<u64, Vec<Value>>,
    /// Shopify order id → the location its fulfilment order was moved to,
    /// and the units of which inventory item went with it.
    moved: HashMap<u64, (u64, u64, u32)>,
    /// The orders our warehouse ships for drop-shipped goods moved to it,
    /// in the order they were moved.
    warehouse_orders: Vec<OrderPlan>,
    /// Idempotency key → the answer given.
    answers: HashMap<String, (StatusCode, Value)>,
    /// Changes made (not counting repeats answered from `answers`).
    applied: u64,
    /// Writes still to be answered late, per backend.
    delayed: HashMap<Backend, u32>,
}

impl Writes {
    pub fn new(delayed: HashMap<Backend, u32>) -> Writes {
        Writes {
            delayed,
            ..Writes::default()
        }
    }

    pub fn applied(&self) -> u64 {
        self.applied
    }

    pub fn created(&self) -> &[(u64, OrderPlan)] {
        &self.created
    }

    /// Units of an inventory item created orders took from the warehouse,
    /// and when they last did.
    pub fn taken(&self, inventory_item_id: u64) -> Option<(u32, DateTime<Utc>)> {
        self.taken.get(&inventory_item_id).copied()
    }

    pub fn metafields(&self, order_id: u64) -> Vec<Value> {
        self.metafields.get(&order_id).cloned().unwrap_or_default()
    }

    /// The Shopify order as writes left it.
    pub fn storefront_overlay(&self, id: u64, order: &mut Value) {
        if let Some(note) = self.notes.get(&id) {
            order["note"] = json!(note);
        }
        if let Some(fulfilment) = self.fulfilments.get(&id) {
            order["fulfillment_status"] = json!("fulfilled");
            if let Some(list) = order["fulfillments"].as_array_mut() {
                list.push(fulfilment.clone());
            }
            if let Some(lines) = order["line_items"].as_array_mut() {
                for line in lines {
                    line["fulfillable_quantity"] = json!(0);
                }
            }
        }
    }

    pub fn fulfillment_orders_overlay(&self, id: u64, orders: &mut [Value]) {
        if self.fulfilments.contains_key(&id) {
            for order in orders.iter_mut() {
                order["status"] = json!("closed");
                order["supported_actions"] = json!([]);
            }
        }
        if let Some((location, ..)) = self.moved.get(&id) {
            for order in orders {
                order["assigned_location_id"] = json!(location);
                order["assigned_location"] = moved_to(*location);
            }
        }
    }

    /// Units of an inventory item moved to `location` by reroutes.
    pub fn moved_to_location(&self, inventory_item_id: u64, location: u64) -> u32 {
        self.moved
            .values()
            .filter(|(at, item, _)| *at == location && *item == inventory_item_id)
            .map(|(.., units)| units)
            .sum()
    }

    /// The orders our warehouse ships for drop-shipped goods moved to it.
    pub fn warehouse_orders(&self) -> &[OrderPlan] {
        &self.warehouse_orders
    }

    /// The parcel our warehouse ships moved goods in under `number`.
    pub fn moved_parcel(&self, carrier: Carrier, number: &str) -> Option<&ParcelPlan> {
        self.warehouse_orders
            .iter()
            .filter_map(|plan| plan.parcel.as_ref())
            .find(|p| p.carrier == carrier && p.tracking_number == number.trim())
    }

    /// Where the order's fulfilment order was moved, if it was.
    pub fn moved_location(&self, order_id: u64) -> Option<u64> {
        self.moved.get(&order_id).map(|(location, ..)| *location)
    }

    /// The ShipStation order as writes left it.
    pub fn warehouse_overlay(&self, order_id: u64, order: &mut Value) {
        if let Some((status, hold)) = self.warehouse.get(&order_id) {
            order["orderStatus"] = json!(status.as_str());
            order["holdUntilDate"] = match hold {
                Some(day) => json!(format!("{}T00:00:00.0000000", day.format("%Y-%m-%d"))),
                None => Value::Null,
            };
        }
    }
}

/// Answers a write once per idempotency key: `apply` runs only for a key
/// not seen before (or no key), and its answer is kept for repeats.
async fn once(
    shared: &Shared,
    backend: Backend,
    headers: &HeaderMap,
    apply: impl FnOnce(&mut Writes) -> (StatusCode, Value),
) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (status, body, late) = {
        let mut writes = lock(&shared.writes);
        match key.as_ref().and_then(|k| writes.answers.get(k)).cloned() {
            Some((status, body)) => (status, body, false),
            None => {
                let (status, body) = apply(&mut writes);
                if status.is_success() {
                    writes.applied += 1;
                    if let Some(key) = key {
                        writes.answers.insert(key, (status, body.clone()));
                    }
                }
                let late = match writes.delayed.get_mut(&backend) {
                    Some(left) if *left > 0 => {
                        *left -= 1;
                        true
                    }
                    _ => false,
                };
                (status, body, late)
            }
        }
    };
    if late {
        tokio::time::sleep(shared.faults.of(backend).write_reply_delay).await;
    }
    reply(status, &body)
}

fn json_body(body: &Bytes) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

/// The body of a Shopify write the token and bucket let in (`null` when it
/// is not JSON, for the handler to refuse in Shopify's words).
fn admitted_json(
    shared: &Shared,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Value, super::shopify::Refusal> {
    super::shopify::admit(shared, headers)?;
    Ok(json_body(body).unwrap_or(Value::Null))
}

fn shopify_invalid(message: &str) -> (StatusCode, Value) {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"errors": {"base": [message]}}),
    )
}

/// `PUT /admin/api/{version}/orders/{id}.json`: only the note is modelled.
pub async fn shopify_update(
    State(shared): State<Arc<Shared>>,
    Path((_version, file)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = super::shopify::admit(&shared, &headers) {
        return refusal.response();
    }
    let Some(id) = file
        .strip_suffix(".json")
        .and_then(|id| id.parse::<u64>().ok())
    else {
        return error(Backend::Shopify, StatusCode::NOT_FOUND, "Not Found");
    };
    let Some(rendered) = super::shopify::rendered(&shared, id) else {
        return error(Backend::Shopify, StatusCode::NOT_FOUND, "Not Found");
    };
    let note = json_body(&body).and_then(|b| b["order"]["note"].as_str().map(str::to_string));
    once(&shared, Backend::Shopify, &headers, |writes| match note {
        Some(note) => {
            writes.notes.insert(id, note);
            let mut order = rendered;
            writes.storefront_overlay(id, &mut order);
            (StatusCode::OK, json!({"order": order}))
        }
        None => (
            StatusCode::BAD_REQUEST,
            json!({"errors": {"order": "Required parameter missing or invalid"}}),
        ),
    })
    .await
}

/// The Shopify order id in a path, when the shop has that order.
fn known_order(shared: &Shared, id: &str) -> Option<u64> {
    id.parse::<u64>()
        .ok()
        .filter(|id| super::shopify::rendered(shared, *id).is_some())
}

/// `GET /admin/api/{version}/orders/{id}/metafields.json`.
pub async fn shopify_metafields(
    State(shared): State<Arc<Shared>>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = super::shopify::admit(&shared, &headers) {
        return refusal.response();
    }
    let Some(id) = known_order(&shared, &id) else {
        return error(Backend::Shopify, StatusCode::NOT_FOUND, "Not Found");
    };
    let metafields = lock(&shared.writes).metafields(id);
    reply(StatusCode::OK, &json!({"metafields": metafields}))
}

/// `POST /admin/api/{version}/orders/{id}/metafields.json`: a metafield
/// with the same namespace and key is updated, as Shopify does.
pub async fn shopify_metafield_create(
    State(shared): State<Arc<Shared>>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = match admitted_json(&shared, &headers, &body) {
        Ok(request) => request,
        Err(refusal) => return refusal.response(),
    };
    let Some(id) = known_order(&shared, &id) else {
        return error(Backend::Shopify, StatusCode::NOT_FOUND, "Not Found");
    };
    let field = &request["metafield"];
    let text = |name: &str| {
        field[name]
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let (Some(namespace), Some(key), Some(value), Some(kind)) =
        (text("namespace"), text("key"), text("value"), text("type"))
    else {
        return reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"errors": {"metafield": ["namespace, key, value and type are required"]}}),
        );
    };
    let now = shopify_time(shared.clock.now());
    let serial = shared.next_serial();
    let entry = json!({
        "id": 9_000_000_000u64 + serial,
        "namespace": namespace,
        "key": key,
        "value": value,
        "type": kind,
        "owner_id": id,
        "owner_resource": "order",
        "created_at": now,
        "updated_at": now,
    });
    once(&shared, Backend::Shopify, &headers, |writes| {
        let list = writes.metafields.entry(id).or_default();
        match list
            .iter_mut()
            .find(|m| m["namespace"] == entry["namespace"] && m["key"] == entry["key"])
        {
            Some(existing) => {
                existing["value"] = entry["value"].clone();
                existing["updated_at"] = entry["updated_at"].clone();
                (StatusCode::OK, json!({"metafield": existing.clone()}))
            }
            None => {
                list.push(entry.clone());
                (StatusCode::CREATED, json!({"metafield": entry}))
            }
        }
    })
    .await
}

/// `POST /admin/api/{version}/fulfillments.json` from one fulfilment order.
pub async fn shopify_fulfil(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = match admitted_json(&shared, &headers, &body) {
        Ok(request) => request,
        Err(refusal) => return refusal.response(),
    };
    let fulfilment = &request["fulfillment"];
    let fo_id = fulfilment["line_items_by_fulfillment_order"][0]["fulfillment_order_id"].as_u64();
    // The simulator numbers an order's fulfilment order id * 10 + 9.
    let order_id = fo_id.filter(|fo| fo % 10 == 9).map(|fo| fo / 10);
    let found = order_id.and_then(|id| {
        super::shopify::fulfillment_order_status(&shared, id).map(|status| (id, status))
    });
    let now = shared.clock.now();
    let tracking = fulfilment["tracking_info"].clone();
    once(&shared, Backend::Shopify, &headers, |writes| {
        let Some((id, status)) = found else {
            return shopify_invalid("Fulfillment order does not exist.");
        };
        if writes.fulfilments.contains_key(&id)
            || !matches!(status.as_str(), "open" | "in_progress")
        {
            return shopify_invalid(&format!(
                "Fulfillment order {} has an unfulfillable status= closed.",
                id * 10 + 9
            ));
        }
        let created = fulfilment_json(id, &tracking, now);
        writes.fulfilments.insert(id, created.clone());
        (StatusCode::CREATED, json!({"fulfillment": created}))
    })
    .await
}

/// The `assigned_location` of a fulfilment order moved to one of the
/// shop's own locations.
fn moved_to(location: u64) -> Value {
    let name = if location == WAREHOUSE_LOCATION_ID {
        "Secaucus warehouse"
    } else {
        "Shop floor"
    };
    wire::shopify::assigned_location(location, name, &WAREHOUSE)
}

/// `POST /admin/api/{version}/fulfillment_orders/{id}/move.json`: an open
/// fulfilment order moved to one of the shop's own locations, which must
/// stock the item (as Shopify requires). The simulator's orders have one
/// line, so the whole fulfilment order moves. Drop-shipped goods moved to
/// the warehouse become a ShipStation order there, which the warehouse
/// ships (`super::deliveries`).
pub async fn shopify_move(
    State(shared): State<Arc<Shared>>,
    Path((_version, fo_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = match admitted_json(&shared, &headers, &body) {
        Ok(request) => request,
        Err(refusal) => return refusal.response(),
    };
    let to = request["fulfillment_order"]["new_location_id"].as_u64();
    // The simulator numbers an order's fulfilment order id * 10 + 9.
    let order_id = fo_id
        .parse::<u64>()
        .ok()
        .filter(|fo| fo % 10 == 9)
        .map(|fo| fo / 10);
    let found = order_id
        .and_then(|id| super::shopify::fulfillment_order_now(&shared, id).map(|found| (id, found)));
    let now = shared.clock.now();
    let moved_at = now.duration_trunc(TimeDelta::seconds(1)).unwrap_or(now);
    once(&shared, Backend::Shopify, &headers, |writes| {
        let Some((id, (mut fulfillment_order, plan))) = found else {
            return (StatusCode::NOT_FOUND, json!({"errors": "Not Found"}));
        };
        let (sku, quantity) = (plan.line.sku, plan.line.quantity);
        let status = fulfillment_order["status"].as_str().unwrap_or_default();
        if status != "open" {
            return shopify_invalid(&format!(
                "Cannot change location: fulfillment order {fo_id} is {status}."
            ));
        }
        let Some(item) = ids_of(sku).map(|i| i.inventory_item_id) else {
            return shopify_invalid("Cannot change location.");
        };
        let stocked = match to {
            Some(WAREHOUSE_LOCATION_ID) => {
                !drop_shipped(sku) || WAREHOUSE_SAFETY_STOCK.iter().any(|(s, _)| *s == sku)
            }
            Some(SHOP_FLOOR_LOCATION_ID) => !drop_shipped(sku),
            _ => false,
        };
        let (Some(to), true) = (to, stocked) else {
            return shopify_invalid(
                "Cannot change location: the destination location doesn't stock the item.",
            );
        };
        writes.moved.insert(id, (to, item, quantity));
        let shipped_by_us = writes
            .warehouse_orders
            .iter()
            .any(|order| order.order_key == plan.order_key);
        if to == WAREHOUSE_LOCATION_ID && drop_shipped(sku) && !shipped_by_us {
            let nth = writes.warehouse_orders.len() as u64;
            let order =
                super::deliveries::warehouse_order(&shared.world, &plan, quantity, moved_at, nth);
            writes.warehouse_orders.push(order);
        }
        fulfillment_order["assigned_location_id"] = json!(to);
        fulfillment_order["assigned_location"] = moved_to(to);
        (
            StatusCode::OK,
            json!({
                "original_fulfillment_order": fulfillment_order,
                "moved_fulfillment_order": fulfillment_order,
                "remaining_fulfillment_order": null,
            }),
        )
    })
    .await
}

fn fulfilment_json(order_id: u64, tracking: &Value, now: DateTime<Utc>) -> Value {
    let number = tracking["number"].as_str();
    json!({
        "id": order_id * 10 + 8,
        "order_id": order_id,
        "status": "success",
        "service": "manual",
        "created_at": shopify_time(now),
        "updated_at": shopify_time(now),
        "tracking_company": tracking["company"],
        "tracking_number": number,
        "tracking_numbers": number.into_iter().collect::<Vec<_>>(),
        "shipment_status": null,
        "line_items": [],
    })
}

/// Created orders' ids start above every planned order's.
const FIRST_CREATED_ID: u64 = 6_900_000_001;

/// `POST /admin/api/{version}/orders.json`, modelled as far as a
/// replacement needs: one line item by `variant_id`, an existing customer
/// (shipped to the address the shop has for them), `tags`,
/// `financial_status`, and `inventory_behaviour` (`decrement_obeying_policy`
/// refuses what the warehouse cannot cover, as a shop that does not
/// oversell does). Lines are priced at zero: the 100% discount a
/// replacement carries is taken as read.
pub async fn shopify_create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = match admitted_json(&shared, &headers, &body) {
        Ok(request) => request,
        Err(refusal) => return refusal.response(),
    };
    let order = &request["order"];
    let lines: Vec<(Option<u64>, Option<u64>)> = order["line_items"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|l| (l["variant_id"].as_u64(), l["quantity"].as_u64()))
                .collect()
        })
        .unwrap_or_default();
    let original = order["customer"]["id"]
        .as_u64()
        .and_then(|id| shared.world.order_of_customer(id))
        .cloned();
    let tags = order["tags"].as_str().unwrap_or_default().to_string();
    let paid = order["financial_status"].as_str() == Some("paid");
    let behaviour = order["inventory_behaviour"]
        .as_str()
        .unwrap_or("bypass")
        .to_string();
    let now = shared.clock.now();
    let first_index = shared.world.orders_made();
    once(&shared, Backend::Shopify, &headers, |writes| {
        let [(Some(variant_id), Some(quantity))] = lines[..] else {
            return shopify_invalid(
                "line_items: the orderdeck simulator models one line item with variant_id and quantity",
            );
        };
        let Some((sku, title, vendor, _)) = by_variant(variant_id) else {
            return shopify_invalid("line_items: variant does not exist");
        };
        let Some(original) = original else {
            return shopify_invalid("customer: must exist");
        };
        let quantity = u32::try_from(quantity).unwrap_or(u32::MAX).max(1);
        let item = ids_of(sku).map(|ids| ids.inventory_item_id);
        if behaviour != "bypass" {
            let Some(item) = item else {
                return shopify_invalid("line_items: variant is not stocked");
            };
            let available = warehouse_available(&shared, writes, sku, item);
            if behaviour == "decrement_obeying_policy" && available < quantity {
                return shopify_invalid(&format!(
                    "line_items: {sku} is out of stock ({available} available)"
                ));
            }
            let taken = writes.taken.entry(item).or_insert((0, now));
            *taken = (taken.0 + quantity, now);
        }
        let n = writes.created.len() as u64;
        let id = FIRST_CREATED_ID + n;
        let index = first_index + n;
        let plan = OrderPlan {
            index,
            scenario: Scenario::Replacement,
            name: format!("#{}", 1001 + index),
            created_at: now,
            customer: original.customer.clone(),
            line: Line {
                id: id * 10 + 1,
                sku,
                title,
                vendor,
                quantity,
                price_cents: 0,
            },
            shipping: Shipping {
                price_cents: 0,
                ..original.shipping.clone()
            },
            storefront: Some(StorefrontPlan {
                id,
                initial: if paid {
                    Financial::Paid
                } else {
                    Financial::Pending
                },
                tags: tags.clone(),
                changes: Vec::new(),
            }),
            warehouse: None,
            parcel: None,
            order_key: id,
            truth: Vec::new(),
        };
        let Some(state) = plan.storefront_state(now) else {
            return shopify_invalid("the order could not be created");
        };
        let rendered = wire::shopify::order(&plan, id, &tags, &state);
        writes.created.push((id, plan));
        (StatusCode::CREATED, json!({"order": rendered}))
    })
    .await
}

/// What the warehouse location holds of `sku` now: the world's stock less
/// what created orders took.
pub(super) fn warehouse_available(shared: &Shared, writes: &Writes, sku: &str, item: u64) -> u32 {
    let start = shared
        .world
        .stock()
        .iter()
        .find(|s| s.sku == sku)
        .map_or(0, |s| s.warehouse);
    start.saturating_sub(writes.taken(item).map_or(0, |(units, _)| units))
}

fn shipstation_refusal(message: &str) -> (StatusCode, Value) {
    (StatusCode::BAD_REQUEST, json!({"Message": message}))
}

/// The order's status now, writes included.
fn warehouse_status(shared: &Shared, writes: &Writes, order_id: u64) -> Option<WhStatus> {
    if let Some((status, _)) = writes.warehouse.get(&order_id) {
        return Some(*status);
    }
    super::shipstation::state_of(shared, writes.warehouse_orders(), order_id)
        .map(|state| state.status)
}

/// `POST /orders/holduntil`.
pub async fn shipstation_hold(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = json_body(&body).unwrap_or(Value::Null);
    let order_id = request["orderId"].as_u64();
    let until = request["holdUntilDate"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok());
    let today = shared.clock.now().date_naive();
    super::shipstation::serve_async(&shared, &headers, || {
        once(&shared, Backend::ShipStation, &headers, |writes| {
            let (Some(order_id), Some(until)) = (order_id, until) else {
                return shipstation_refusal("orderId and holdUntilDate are required");
            };
            match warehouse_status(&shared, writes, order_id) {
                None => shipstation_refusal("Order not found"),
                Some(WhStatus::Shipped) | Some(WhStatus::Cancelled) => {
                    shipstation_refusal("Only orders awaiting shipment can be held")
                }
                Some(_) if until <= today => {
                    shipstation_refusal("holdUntilDate must be in the future")
                }
                Some(_) => {
                    writes
                        .warehouse
                        .insert(order_id, (WhStatus::OnHold, Some(until)));
                    (
                        StatusCode::OK,
                        json!({"success": true, "message": "Order held successfully."}),
                    )
                }
            }
        })
    })
    .await
}

/// `POST /orders/restorefromhold`.
pub async fn shipstation_restore(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let order_id = json_body(&body).and_then(|b| b["orderId"].as_u64());
    super::shipstation::serve_async(&shared, &headers, || {
        once(&shared, Backend::ShipStation, &headers, |writes| {
            let Some(order_id) = order_id else {
                return shipstation_refusal("orderId is required");
            };
            match warehouse_status(&shared, writes, order_id) {
                Some(WhStatus::OnHold) => {
                    writes
                        .warehouse
                        .insert(order_id, (WhStatus::AwaitingShipment, None));
                    (
                        StatusCode::OK,
                        json!({"success": true, "message": "Order restored successfully."}),
                    )
                }
                Some(_) => shipstation_refusal("The order is not on hold"),
                None => shipstation_refusal("Order not found"),
            }
        })
    })
    .await
}

/// `POST /orders/createorder` for an existing `orderKey`: an update. Only a
/// change of status to cancelled is modelled; creating orders is not.
pub async fn shipstation_create_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = json_body(&body).unwrap_or(Value::Null);
    let moved = lock(&shared.writes).warehouse_orders().to_vec();
    let existing = request["orderKey"]
        .as_str()
        .and_then(|key| super::shipstation::order_id_by_key(&shared, &moved, key));
    super::shipstation::serve_async(&shared, &headers, || {
        once(&shared, Backend::ShipStation, &headers, |writes| {
            let Some(order_id) = existing else {
                return shipstation_refusal(
                    "creating new orders is not modelled by the orderdeck simulator",
                );
            };
            if request["orderStatus"].as_str() != Some("cancelled") {
                return shipstation_refusal(
                    "only a change of orderStatus to cancelled is modelled by the orderdeck simulator",
                );
            }
            if warehouse_status(&shared, writes, order_id) == Some(WhStatus::Shipped) {
                return shipstation_refusal("A shipped order cannot be cancelled");
            }
            writes
                .warehouse
                .insert(order_id, (WhStatus::Cancelled, None));
            let mut order = request.clone();
            order["orderId"] = json!(order_id);
            (StatusCode::OK, order)
        })
    })
    .await
}
