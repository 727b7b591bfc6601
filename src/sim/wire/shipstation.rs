//! ShipStation API V1: the Order and Shipment resources.

use chrono::{DateTime, Utc};
use chrono_tz::America::Los_Angeles;
use serde_json::{json, Value};

use super::shipstation_time;
use crate::sim::plan::{OrderPlan, WhState, WhStatus};

const STORE_ID: u64 = 48_211;
const WAREHOUSE_ID: u64 = 17_354;

fn ship_to(plan: &OrderPlan) -> Value {
    let c = &plan.customer;
    json!({
        "name": format!("{} {}", c.first, c.last),
        "company": null,
        "street1": c.address.street,
        "street2": null,
        "street3": null,
        "city": c.address.city,
        "state": c.address.state,
        "postalCode": c.address.zip,
        "country": "US",
        "phone": null,
        "residential": true,
        "addressVerified": "Address validated successfully",
    })
}

fn items(plan: &OrderPlan, quantity: u32, created: DateTime<Utc>) -> Value {
    let line = &plan.line;
    json!([{
        "orderItemId": plan.line.id % 1_000_000_000,
        "lineItemKey": line.id.to_string(),
        "sku": line.sku,
        "name": line.title,
        "imageUrl": null,
        "weight": {"value": 24.0, "units": "ounces", "WeightUnits": 1},
        "quantity": quantity,
        "unitPrice": line.price_cents as f64 / 100.0,
        "taxAmount": null,
        "shippingAmount": null,
        "warehouseLocation": null,
        "options": [],
        "productId": null,
        "fulfillmentSku": null,
        "adjustment": false,
        "upc": null,
        "createDate": shipstation_time(created),
        "modifyDate": shipstation_time(created),
    }])
}

fn weight(quantity: u32) -> Value {
    json!({"value": 24.0 * f64::from(quantity), "units": "ounces", "WeightUnits": 1})
}

fn pacific_day(t: DateTime<Utc>) -> String {
    t.with_timezone(&Los_Angeles).format("%Y-%m-%d").to_string()
}

/// The order as `GET /orders` lists it.
pub fn order(plan: &OrderPlan, order_id: u64, state: &WhState) -> Value {
    let shipped = state.shipped.map(|(at, _)| at);
    let codes = plan
        .parcel
        .as_ref()
        .filter(|_| shipped.is_some())
        .map(|p| p.carrier.shipstation_codes());
    let total = plan.line.price_cents * u64::from(plan.line.quantity) + plan.shipping.price_cents;
    let mut order = json!({
        "orderId": order_id,
        "orderNumber": plan.order_number(),
        "orderKey": plan.order_key.to_string(),
        "orderDate": shipstation_time(plan.created_at),
        "createDate": shipstation_time(state.created_at),
        "modifyDate": shipstation_time(state.modified_at),
        "paymentDate": shipstation_time(plan.created_at),
        "shipByDate": null,
        "orderStatus": state.status.as_str(),
        "customerId": plan.customer.id % 100_000_000,
        "customerUsername": plan.customer.email(),
        "customerEmail": plan.customer.email(),
        "billTo": ship_to(plan),
        "shipTo": ship_to(plan),
        "items": items(plan, state.quantity, state.created_at),
        "orderTotal": total as f64 / 100.0,
        "amountPaid": total as f64 / 100.0,
        "taxAmount": 0.0,
        "shippingAmount": plan.shipping.price_cents as f64 / 100.0,
        "customerNotes": null,
        "internalNotes": (state.status == WhStatus::OnHold).then_some("Held: address to be confirmed with the customer"),
        "gift": false,
        "giftMessage": null,
        "paymentMethod": "shopify_payments",
        "requestedShippingService": plan.shipping.title,
    });
    let shipping = json!({
        "carrierCode": codes.map(|c| c.0),
        "serviceCode": codes.map(|c| c.1),
        "packageCode": shipped.map(|_| "package"),
        "confirmation": "none",
        "shipDate": shipped.map(pacific_day),
        "holdUntilDate": state.hold_until.map(shipstation_time),
        "weight": weight(state.quantity),
        "dimensions": null,
        "insuranceOptions": {"provider": null, "insureShipment": false, "insuredValue": 0.0},
        "internationalOptions": {"contents": null, "customsItems": null, "nonDelivery": null},
        "advancedOptions": {
            "warehouseId": WAREHOUSE_ID,
            "nonMachinable": false,
            "saturdayDelivery": false,
            "containsAlcohol": false,
            "storeId": STORE_ID,
            "customField1": null,
            "customField2": null,
            "customField3": null,
            "source": "shopify",
            "mergedOrSplit": false,
            "mergedIds": [],
            "parentId": null,
            "billToParty": null,
            "billToAccount": null,
            "billToPostalCode": null,
            "billToCountryCode": null,
        },
        "tagIds": null,
        "userId": null,
        "externallyFulfilled": false,
        "externallyFulfilledBy": null,
        "labelMessages": null,
    });
    if let (Value::Object(order), Value::Object(rest)) = (&mut order, shipping) {
        order.extend(rest);
    }
    order
}

/// The order's shipment (label), as `GET /shipments` lists it;
/// `shipmentItems` only when asked for (`includeShipmentItems=true`).
pub fn shipment(
    plan: &OrderPlan,
    ids: (u64, u64),
    state: &WhState,
    notified: bool,
    with_items: bool,
) -> Option<Value> {
    let (shipped, tracked) = state.shipped?;
    let (order_id, shipment_id) = ids;
    let parcel = plan.parcel.as_ref();
    let codes = parcel.map(|p| p.carrier.shipstation_codes());
    Some(json!({
        "shipmentId": shipment_id,
        "orderId": order_id,
        "orderKey": plan.order_key.to_string(),
        "userId": "6a2b7c1e-4f3d-4e8a-9b21-0c5d8e7f6a41",
        "customerEmail": plan.customer.email(),
        "orderNumber": plan.order_number(),
        "createDate": shipstation_time(shipped),
        "shipDate": pacific_day(shipped),
        "shipmentCost": 8.94,
        "insuranceCost": 0.0,
        "trackingNumber": parcel.filter(|_| tracked).map(|p| p.tracking_number.as_str()),
        "isReturnLabel": false,
        "batchNumber": null,
        "carrierCode": codes.map_or("ups", |c| c.0),
        "serviceCode": codes.map_or("ups_ground", |c| c.1),
        "packageCode": "package",
        "confirmation": "none",
        "warehouseId": WAREHOUSE_ID,
        "voided": false,
        "voidDate": null,
        "marketplaceNotified": notified,
        "notifyErrorMessage": null,
        "shipTo": ship_to(plan),
        "weight": weight(state.quantity),
        "dimensions": null,
        "insuranceOptions": {"provider": null, "insureShipment": false, "insuredValue": 0.0},
        "advancedOptions": {"billToParty": null, "billToAccount": null, "billToPostalCode": null, "billToCountryCode": null, "storeId": STORE_ID},
        "shipmentItems": if with_items { items(plan, state.quantity, shipped) } else { Value::Null },
        "labelData": null,
        "formData": null,
    }))
}
