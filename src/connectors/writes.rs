//! The bodies of the writes operator actions send, in each API's own shape:
//! Shopify REST Admin (order update, replacement order, fulfilment from
//! fulfilment orders) and
//! ShipStation V1 (hold until, restore from hold, create/update order).

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::carriers::Carrier;

/// `PUT /admin/api/{version}/orders/{id}.json`: Shopify replaces the note
/// whole, so the body carries the note as it should read afterwards.
pub fn shopify_order_note(order_id: &str, note: &str) -> (String, Value) {
    (
        format!("orders/{order_id}.json"),
        json!({"order": {"id": as_number(order_id), "note": note}}),
    )
}

/// The metafield a reroute's confirmed customer promise is kept in.
pub const PROMISE_NAMESPACE: &str = "orderdeck";
pub const PROMISE_KEY: &str = "promise_date";

/// `POST /admin/api/{version}/orders/{id}/metafields.json`: the customer
/// promise date (the shop's day) as an order metafield of type `date`,
/// which the shop's notifications and order status page can show.
pub fn shopify_order_promise(order_id: &str, promised: NaiveDate) -> (String, Value) {
    (
        format!("orders/{order_id}/metafields.json"),
        json!({"metafield": {
            "namespace": PROMISE_NAMESPACE,
            "key": PROMISE_KEY,
            "type": "date",
            "value": promised.format("%Y-%m-%d").to_string(),
        }}),
    )
}

/// One line of a replacement: the variant and how many.
pub struct ReplacementLine<'a> {
    pub variant_id: &'a Value,
    pub quantity: u32,
}

/// `POST /admin/api/{version}/orders.json`: a new order for the same
/// customer and shipping address, tagged `replacement-of:NAME` so that the
/// next sync links it to the original. REST order creation collects no
/// payment, so the order is recorded as paid with a 100% discount code (a
/// percentage code's `amount` is the percentage); stock is decremented only
/// where the shop's policy allows (no overselling); the customer gets no
/// second receipt.
pub fn shopify_replacement_order(
    original_name: &str,
    customer_id: &Value,
    shipping_address: &Value,
    lines: &[ReplacementLine<'_>],
    shipping_line: Option<&Value>,
) -> (String, Value) {
    let line_items: Vec<Value> = lines
        .iter()
        .map(|l| json!({"variant_id": l.variant_id, "quantity": l.quantity}))
        .collect();
    let mut order = json!({
        "line_items": line_items,
        "customer": {"id": customer_id},
        "shipping_address": shipping_address,
        "tags": format!("replacement-of:{original_name}"),
        "note": format!("Replacement of {original_name}"),
        "financial_status": "paid",
        "discount_codes": [{"code": "REPLACEMENT", "amount": "100.00", "type": "percentage"}],
        "inventory_behaviour": "decrement_obeying_policy",
        "send_receipt": false,
        "send_fulfillment_receipt": false,
    });
    if let Some(shipping) = shipping_line {
        order["shipping_lines"] = json!([{
            "title": shipping["title"],
            "code": shipping["code"],
            "price": "0.00",
        }]);
    }
    ("orders.json".to_string(), json!({"order": order}))
}

/// `POST /admin/api/{version}/fulfillments.json`: fulfils every remaining
/// line of the fulfilment order (Shopify fulfils all of them when the line
/// items are left out), with the warehouse's tracking, without notifying the
/// customer a second time.
pub fn shopify_fulfillment(
    fulfillment_order_id: &str,
    tracking_number: Option<&str>,
    carrier_code: Option<&str>,
) -> (String, Value) {
    let mut fulfillment = json!({
        "line_items_by_fulfillment_order": [
            {"fulfillment_order_id": as_number(fulfillment_order_id)}
        ],
        "notify_customer": false,
    });
    if let Some(number) = tracking_number {
        fulfillment["tracking_info"] = json!({
            "number": number,
            "company": carrier_code.map(tracking_company),
        });
    }
    (
        "fulfillments.json".to_string(),
        json!({"fulfillment": fulfillment}),
    )
}

/// `POST /admin/api/{version}/fulfillment_orders/{id}/move.json`: the
/// given lines of the fulfilment order (its line ids and quantities) to be
/// shipped from `location_id` instead. Shopify moves the whole order when
/// every line goes, else splits the moved lines off into a new one.
pub fn shopify_fulfillment_order_move(
    fulfillment_order_id: &str,
    location_id: &str,
    lines: &[(String, u32)],
) -> (String, Value) {
    let line_items: Vec<Value> = lines
        .iter()
        .map(|(id, quantity)| json!({"id": as_number(id), "quantity": quantity}))
        .collect();
    (
        format!("fulfillment_orders/{fulfillment_order_id}/move.json"),
        json!({"fulfillment_order": {
            "new_location_id": as_number(location_id),
            "fulfillment_order_line_items": line_items,
        }}),
    )
}

/// Shopify's name for a carrier in `tracking_info.company`, from
/// ShipStation's carrier code; an unknown code is passed on as it is.
fn tracking_company(code: &str) -> String {
    match Carrier::from_name(code) {
        Some(Carrier::Fedex) => "FedEx".to_string(),
        Some(Carrier::Ups) => "UPS".to_string(),
        Some(Carrier::Usps) => "USPS".to_string(),
        Some(Carrier::Dhl) => "DHL Express".to_string(),
        None => code.to_string(),
    }
}

/// `POST /orders/holduntil`.
pub fn shipstation_hold(order_id: &str, until: NaiveDate) -> (String, Value) {
    (
        "orders/holduntil".to_string(),
        json!({"orderId": as_number(order_id), "holdUntilDate": until.format("%Y-%m-%d").to_string()}),
    )
}

/// `POST /orders/restorefromhold`.
pub fn shipstation_restore(order_id: &str) -> (String, Value) {
    (
        "orders/restorefromhold".to_string(),
        json!({"orderId": as_number(order_id)}),
    )
}

/// `POST /orders/createorder` with the order's `orderKey` updates that
/// order, and fields left out are cleared: so the body is the order exactly
/// as ShipStation just returned it, with only the status changed.
pub fn shipstation_cancel(current: &Value) -> (String, Value) {
    let mut order = current.clone();
    order["orderStatus"] = json!("cancelled");
    ("orders/createorder".to_string(), order)
}

/// Ids are numbers on both wires; one that is not (hand-edited data) is
/// sent as the string it is, for the backend to refuse in its own words.
fn as_number(id: &str) -> Value {
    id.trim()
        .parse::<u64>()
        .map_or_else(|_| json!(id), |n| json!(n))
}
