//! Shopify REST Admin API: the Order and FulfillmentOrder resources.

use serde_json::{json, Value};

use super::{money, shopify_time};
use crate::sim::catalog::{
    drop_shipped, ids_of, VENDOR_DOCK, VENDOR_LOCATION_ID, WAREHOUSE,
    WAREHOUSE_LOCATION_ID as LOCATION_ID,
};
use crate::sim::plan::{Carrier, OrderPlan, Place, SfState};

/// The simulated shop's id, as Shopify puts it in every resource.
const SHOP_ID: u64 = 548_380_009;

fn tracking_url(carrier: Carrier, number: &str) -> String {
    match carrier {
        Carrier::Fedex => format!("https://www.fedex.com/fedextrack/?trknbr={number}"),
        Carrier::Ups => format!("https://www.ups.com/track?loc=en_US&tracknum={number}"),
        Carrier::Usps => {
            format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={number}")
        }
        Carrier::Dhl => format!("https://www.dhl.com/en/express/tracking.html?AWB={number}"),
    }
}

fn address(plan: &OrderPlan) -> Value {
    let c = &plan.customer;
    json!({
        "first_name": c.first,
        "last_name": c.last,
        "name": format!("{} {}", c.first, c.last),
        "address1": c.address.street,
        "address2": null,
        "city": c.address.city,
        "province_code": c.address.state,
        "zip": c.address.zip,
        "country": "United States",
        "country_code": "US",
        "phone": null,
        "company": null,
    })
}

/// The order as `GET /orders/{id}.json` and the list show it.
pub fn order(plan: &OrderPlan, id: u64, tags: &str, state: &SfState) -> Value {
    let line = &plan.line;
    let refunded = state.refunded.map_or(0, |(_, units)| units);
    let kept = line.quantity.saturating_sub(refunded);
    let fulfilled = state.fulfilled.map_or(0, |_| kept);
    let fulfillable = if state.cancelled.is_some() {
        0
    } else {
        kept - fulfilled
    };
    let fulfillment_status = state.fulfilled.map(|_| "fulfilled");
    let ids = ids_of(line.sku);
    let subtotal = line.price_cents * u64::from(line.quantity);
    let total = subtotal + plan.shipping.price_cents;
    let email = plan.customer.email();
    let mut fulfillments = Vec::new();
    if let Some((created, tracked)) = state.fulfilled {
        let parcel = plan.parcel.as_ref().filter(|_| tracked);
        let numbers: Vec<&str> = parcel
            .map(|p| p.tracking_number.as_str())
            .into_iter()
            .collect();
        let urls: Vec<String> = parcel
            .map(|p| tracking_url(p.carrier, &p.tracking_number))
            .into_iter()
            .collect();
        fulfillments.push(json!({
            "id": id * 10 + 7,
            "admin_graphql_api_id": format!("gid://shopify/Fulfillment/{}", id * 10 + 7),
            "order_id": id,
            "name": format!("{}.1", plan.name),
            "status": "success",
            "service": "manual",
            "location_id": LOCATION_ID,
            "created_at": shopify_time(created),
            "updated_at": shopify_time(state.shipment_updated_at.unwrap_or(created)),
            "tracking_company": parcel.map(|p| p.carrier.company()),
            "tracking_number": numbers.first(),
            "tracking_numbers": numbers,
            "tracking_url": urls.first(),
            "tracking_urls": urls,
            "shipment_status": state.shipment_status,
            "line_items": [{
                "id": line.id,
                "sku": line.sku,
                "title": line.title,
                "name": line.title,
                "vendor": line.vendor,
                "quantity": fulfilled,
                "fulfillable_quantity": 0,
                "fulfillment_status": "fulfilled",
                "requires_shipping": true,
                "price": money(line.price_cents),
            }],
        }));
    }
    let refunds: Vec<Value> = state
        .refunded
        .iter()
        .map(|(at, units)| {
            let amount = money(line.price_cents * u64::from(*units));
            json!({
                "id": id * 10 + 8,
                "admin_graphql_api_id": format!("gid://shopify/Refund/{}", id * 10 + 8),
                "order_id": id,
                "created_at": shopify_time(*at),
                "processed_at": shopify_time(*at),
                "note": "Customer asked for a refund",
                "restock": false,
                "refund_line_items": [{
                    "id": id * 10 + 6,
                    "line_item_id": line.id,
                    "quantity": units,
                    "restock_type": "cancel",
                    "location_id": null,
                    "subtotal": amount,
                    "total_tax": "0.00",
                }],
                "transactions": [{
                    "id": id * 10 + 4,
                    "order_id": id,
                    "kind": "refund",
                    "status": "success",
                    "gateway": "shopify_payments",
                    "amount": amount,
                    "currency": "USD",
                    "created_at": shopify_time(*at),
                }],
            })
        })
        .collect();
    let mut order = json!({
        "id": id,
        "admin_graphql_api_id": format!("gid://shopify/Order/{id}"),
        "name": plan.name,
        "order_number": 1001 + plan.index,
        "email": email,
        "contact_email": email,
        "created_at": shopify_time(plan.created_at),
        "updated_at": shopify_time(state.updated_at),
        "processed_at": shopify_time(plan.created_at),
        "cancelled_at": state.cancelled.map(|(at, _)| shopify_time(at)),
        "cancel_reason": state.cancelled.map(|(_, reason)| reason),
        "closed_at": null,
        "financial_status": state.financial.as_str(),
        "fulfillment_status": fulfillment_status,
        "tags": tags,
        "note": null,
        "test": false,
        "confirmed": true,
        "currency": "USD",
        "presentment_currency": "USD",
        "subtotal_price": money(subtotal),
        "total_line_items_price": money(subtotal),
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "taxes_included": false,
        "total_price": money(total),
        "source_name": "web",
        "gateway": "shopify_payments",
        "payment_gateway_names": ["shopify_payments"],
    });
    let parts = json!({
        "customer": {
            "id": plan.customer.id,
            "email": email,
            "first_name": plan.customer.first,
            "last_name": plan.customer.last,
            "admin_graphql_api_id": format!("gid://shopify/Customer/{}", plan.customer.id),
        },
        "shipping_address": address(plan),
        "billing_address": address(plan),
        "shipping_lines": [{
            "id": id * 10 + 3,
            "code": plan.shipping.code,
            "title": plan.shipping.title,
            "source": "shopify",
            "price": money(plan.shipping.price_cents),
        }],
        "line_items": [{
            "id": line.id,
            "admin_graphql_api_id": format!("gid://shopify/LineItem/{}", line.id),
            "sku": line.sku,
            "variant_id": ids.map(|i| i.variant_id),
            "product_id": ids.map(|i| i.product_id),
            "title": line.title,
            "name": line.title,
            "variant_title": null,
            "vendor": line.vendor,
            "quantity": line.quantity,
            "current_quantity": kept,
            "fulfillable_quantity": fulfillable,
            "fulfillment_service": "manual",
            "fulfillment_status": fulfillment_status,
            "requires_shipping": true,
            "taxable": true,
            "gift_card": false,
            "price": money(line.price_cents),
            "total_discount": "0.00",
            "product_exists": true,
        }],
        "fulfillments": fulfillments,
        "refunds": refunds,
    });
    if let (Value::Object(order), Value::Object(parts)) = (&mut order, parts) {
        order.extend(parts);
    }
    order
}

/// The order's fulfilment orders, as `GET /orders/{id}/fulfillment_orders.json`
/// lists them: one per order here, carrying any hold the order is under.
pub fn fulfillment_orders(plan: &OrderPlan, id: u64, state: &SfState) -> Vec<Value> {
    let line = &plan.line;
    let refunded = state.refunded.map_or(0, |(_, units)| units);
    let kept = line.quantity.saturating_sub(refunded);
    let (status, supported): (&str, Vec<&str>) = if state.cancelled.is_some() {
        ("cancelled", Vec::new())
    } else if state.fulfilled.is_some() || kept == 0 {
        ("closed", Vec::new())
    } else if state.hold.is_some() {
        ("on_hold", vec!["release_hold"])
    } else {
        (
            "open",
            vec!["create_fulfillment", "request_fulfillment", "hold", "move"],
        )
    };
    let remaining = if matches!(status, "open" | "on_hold") {
        kept
    } else {
        0
    };
    let holds: Vec<Value> = state
        .hold
        .iter()
        .map(|hold| json!({"reason": hold.reason, "reason_notes": hold.notes}))
        .collect();
    let fo_id = id * 10 + 9;
    let c = &plan.customer;
    let (location, name, place) = if drop_shipped(line.sku) {
        (VENDOR_LOCATION_ID, "acme-home dock", &VENDOR_DOCK)
    } else {
        (LOCATION_ID, "Secaucus warehouse", &WAREHOUSE)
    };
    vec![json!({
        "id": fo_id,
        "shop_id": SHOP_ID,
        "order_id": id,
        "assigned_location_id": location,
        "request_status": "unsubmitted",
        "status": status,
        "supported_actions": supported,
        "fulfill_at": null,
        "fulfill_by": null,
        "international_duties": null,
        "fulfillment_holds": holds,
        "delivery_method": {"id": id * 10 + 2, "method_type": "shipping"},
        "destination": {
            "id": id * 10 + 1,
            "first_name": c.first,
            "last_name": c.last,
            "address1": c.address.street,
            "city": c.address.city,
            "province": c.address.state,
            "zip": c.address.zip,
            "country": "United States",
            "email": c.email(),
        },
        "assigned_location": assigned_location(location, name, place),
        "merchant_requests": [],
        "created_at": shopify_time(plan.created_at),
        "updated_at": shopify_time(state.fulfillment_order_updated_at),
        "line_items": [{
            "id": id * 10 + 5,
            "shop_id": SHOP_ID,
            "fulfillment_order_id": fo_id,
            "line_item_id": line.id,
            "inventory_item_id": ids_of(line.sku).map(|i| i.inventory_item_id),
            "variant_id": ids_of(line.sku).map(|i| i.variant_id),
            "quantity": kept,
            "fulfillable_quantity": remaining,
        }],
    })]
}

/// A fulfilment order's `assigned_location`: where it ships from.
pub fn assigned_location(location_id: u64, name: &str, place: &Place) -> Value {
    json!({
        "location_id": location_id,
        "name": name,
        "address1": place.street,
        "city": place.city,
        "province_code": place.state,
        "zip": place.zip,
        "country_code": "US",
    })
}
