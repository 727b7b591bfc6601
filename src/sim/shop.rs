//! A seeded synthetic shop: each order is drawn from a scenario that produces
//! one situation operators meet (late, cancelled but live at the warehouse,
//! shipped but not synced, …), written as the real APIs would send it.

use std::io::{self, Write};

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::America::Los_Angeles;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

/// The situations the generator draws from, with their weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    ShippedAndSynced,
    AwaitingWithinSla,
    Late,
    Cancelled,
    CancelledButActive,
    RefundedFull,
    RefundedPartialOwed,
    OnHold,
    ThirdPartyVendor,
    SyncDelay,
    FulfilmentNotSynced,
    NotAtWarehouse,
    NotInStorefront,
    ReplacementExists,
    NoTracking,
}

const SCENARIOS: [(Scenario, u32); 15] = [
    (Scenario::ShippedAndSynced, 40),
    (Scenario::AwaitingWithinSla, 20),
    (Scenario::Late, 6),
    (Scenario::Cancelled, 4),
    (Scenario::CancelledButActive, 2),
    (Scenario::RefundedFull, 3),
    (Scenario::RefundedPartialOwed, 3),
    (Scenario::OnHold, 3),
    (Scenario::ThirdPartyVendor, 5),
    (Scenario::SyncDelay, 3),
    (Scenario::FulfilmentNotSynced, 3),
    (Scenario::NotAtWarehouse, 2),
    (Scenario::NotInStorefront, 2),
    (Scenario::ReplacementExists, 2),
    (Scenario::NoTracking, 2),
];

const FIRST_NAMES: [&str; 8] = [
    "Ada", "Bob", "Chen", "Dana", "Eve", "Farid", "Grace", "Hugo",
];
const LAST_NAMES: [&str; 8] = [
    "Lovelace",
    "Norman",
    "Wei",
    "Scully",
    "Moneypenny",
    "Khan",
    "Hopper",
    "Reyes",
];
const PRODUCTS: [(&str, &str, &str); 6] = [
    ("MUG-BLUE", "Stoneware mug, blue", "orderdeck-goods"),
    ("TEE-M-BLK", "T-shirt M black", "orderdeck-goods"),
    ("LAMP-OAK", "Oak desk lamp", "orderdeck-goods"),
    ("SOFA-3S-GRY", "Three-seat sofa, grey", "acme-home"),
    ("RUG-160", "Wool rug 160x230", "acme-home"),
    ("CANDLE-3", "Candle set of 3", "orderdeck-goods"),
];

/// One generated order, in each system's wire format.
#[derive(Debug, Clone)]
pub struct GeneratedOrder {
    pub scenario: Scenario,
    pub storefront: Option<Value>,
    pub fulfillment_orders: Vec<Value>,
    pub warehouse_order: Option<Value>,
    pub shipments: Vec<Value>,
}

pub struct ShopGenerator {
    seed: u64,
    now: DateTime<Utc>,
}

fn shopify_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::America::New_York).to_rfc3339()
}

/// ShipStation V1 sends Pacific time with no offset and seven fractional
/// digits (chrono formats at most nine, in steps of three).
fn shipstation_time(t: DateTime<Utc>) -> String {
    format!(
        "{}0",
        t.with_timezone(&Los_Angeles)
            .format("%Y-%m-%dT%H:%M:%S%.6f")
    )
}

impl ShopGenerator {
    pub fn new(seed: u64, now: DateTime<Utc>) -> Self {
        ShopGenerator { seed, now }
    }

    /// Order `index` is the same for the same seed and `now`, whatever else
    /// is generated, so files can be written in one streaming pass.
    pub fn order(&self, index: u64) -> GeneratedOrder {
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index);
        let total: u32 = SCENARIOS.iter().map(|(_, w)| w).sum();
        let mut pick = rng.random_range(0..total);
        let scenario = SCENARIOS
            .iter()
            .find(|(_, weight)| {
                if pick < *weight {
                    true
                } else {
                    pick -= weight;
                    false
                }
            })
            .map_or(Scenario::ShippedAndSynced, |(s, _)| *s);
        self.build(index, scenario, &mut rng)
    }

    fn build(&self, index: u64, scenario: Scenario, rng: &mut StdRng) -> GeneratedOrder {
        let id = 5_000_000_000 + index;
        let name = format!("#{}", 1001 + index);
        let hours = |h: i64| TimeDelta::hours(h);
        let age = match scenario {
            Scenario::Late | Scenario::RefundedPartialOwed => {
                hours(rng.random_range(24 * 6..24 * 12))
            }
            Scenario::NotAtWarehouse => hours(rng.random_range(6..20)),
            Scenario::SyncDelay | Scenario::FulfilmentNotSynced => hours(rng.random_range(8..30)),
            Scenario::AwaitingWithinSla => TimeDelta::minutes(rng.random_range(5..240)),
            _ => hours(rng.random_range(2..24 * 10)),
        };
        let created = self.now - age;
        let vendor_scenario = scenario == Scenario::ThirdPartyVendor;
        let product_range = if vendor_scenario { 3..5 } else { 0..3 };
        let (sku, title, vendor) = PRODUCTS[rng.random_range(product_range)];
        let (sku, title, vendor) = if vendor_scenario || !matches!(sku, "SOFA-3S-GRY" | "RUG-160") {
            (sku, title, vendor)
        } else {
            PRODUCTS[5]
        };
        let quantity: u32 = rng.random_range(1..4);
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let line_id = id * 10 + 1;
        let shipped_at = match scenario {
            Scenario::SyncDelay => self.now - TimeDelta::minutes(rng.random_range(5..100)),
            Scenario::FulfilmentNotSynced => self.now - hours(rng.random_range(3..7)),
            _ => created + hours(rng.random_range(1..20)).min(age / 2),
        };
        let tracking = format!("1Z999AA1{:010}", index);

        let (financial, fulfillment_status, fulfillable, cancelled_at) = match scenario {
            Scenario::ShippedAndSynced | Scenario::ReplacementExists | Scenario::NoTracking => {
                ("paid", Value::from("fulfilled"), 0, Value::Null)
            }
            Scenario::Cancelled | Scenario::CancelledButActive => (
                "voided",
                Value::Null,
                0,
                Value::from(shopify_time(created + hours(1))),
            ),
            Scenario::RefundedFull => ("refunded", Value::Null, 0, Value::Null),
            Scenario::RefundedPartialOwed => (
                "partially_refunded",
                Value::Null,
                quantity.saturating_sub(1).max(1),
                Value::Null,
            ),
            _ => ("paid", Value::Null, quantity, Value::Null),
        };
        let mut fulfillments = Vec::new();
        if matches!(
            scenario,
            Scenario::ShippedAndSynced | Scenario::ReplacementExists | Scenario::NoTracking
        ) {
            let tracking_numbers: Vec<String> = if scenario == Scenario::NoTracking {
                Vec::new()
            } else {
                vec![tracking.clone()]
            };
            fulfillments.push(json!({
                "id": id * 10 + 7,
                "order_id": id,
                "status": "success",
                "created_at": shopify_time(shipped_at),
                "tracking_company": if scenario == Scenario::NoTracking { Value::Null } else { Value::from("UPS") },
                "tracking_numbers": tracking_numbers,
                "line_items": [{"id": line_id, "quantity": quantity}],
            }));
        }
        let refunds = if matches!(
            scenario,
            Scenario::RefundedFull | Scenario::RefundedPartialOwed
        ) {
            let refunded = if scenario == Scenario::RefundedFull {
                quantity
            } else {
                quantity - fulfillable
            };
            vec![json!({
                "id": id * 10 + 8,
                "created_at": shopify_time(created + hours(2)),
                "refund_line_items": [{"line_item_id": line_id, "quantity": refunded}],
            })]
        } else {
            Vec::new()
        };
        let storefront = (scenario != Scenario::NotInStorefront).then(|| {
            json!({
                "id": id,
                "name": name,
                "email": format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()),
                "created_at": shopify_time(created),
                "updated_at": shopify_time(created + hours(2).min(age)),
                "cancelled_at": cancelled_at,
                "cancel_reason": if cancelled_at.is_null() { Value::Null } else { Value::from("customer") },
                "financial_status": financial,
                "fulfillment_status": fulfillment_status,
                "tags": if scenario == Scenario::ReplacementExists { "vip" } else { "" },
                "currency": "USD",
                "total_price": format!("{}.00", 25 * quantity),
                "customer": {"id": id + 7, "first_name": first, "last_name": last},
                "shipping_lines": [{"code": "Standard", "title": "Standard shipping", "price": "5.00"}],
                "line_items": [{
                    "id": line_id,
                    "sku": sku,
                    "title": title,
                    "name": title,
                    "quantity": quantity,
                    "fulfillable_quantity": fulfillable,
                    "vendor": vendor,
                    "fulfillment_service": "manual",
                    "requires_shipping": true,
                    "price": "25.00",
                }],
                "fulfillments": fulfillments,
                "refunds": refunds,
            })
        });
        let fulfillment_orders = if scenario == Scenario::OnHold {
            vec![json!({
                "id": id * 10 + 9,
                "order_id": id,
                "status": "on_hold",
                "request_status": "unsubmitted",
                "updated_at": shopify_time(created + hours(1)),
                "fulfillment_holds": [{"reason": "high_risk_of_fraud", "reason_notes": "Address does not match card"}],
                "line_items": [{"id": id * 10 + 5, "line_item_id": line_id, "quantity": quantity, "fulfillable_quantity": quantity}],
            })]
        } else {
            Vec::new()
        };
        let warehouse_status = match scenario {
            Scenario::ShippedAndSynced
            | Scenario::ReplacementExists
            | Scenario::NoTracking
            | Scenario::SyncDelay
            | Scenario::FulfilmentNotSynced => Some("shipped"),
            Scenario::Cancelled | Scenario::RefundedFull => Some("cancelled"),
            Scenario::CancelledButActive
            | Scenario::Late
            | Scenario::AwaitingWithinSla
            | Scenario::RefundedPartialOwed => Some("awaiting_shipment"),
            Scenario::OnHold => Some("on_hold"),
            Scenario::NotInStorefront => Some("awaiting_shipment"),
            Scenario::ThirdPartyVendor | Scenario::NotAtWarehouse => None,
        };
        let modified = if warehouse_status == Some("shipped") {
            shipped_at
        } else {
            created + TimeDelta::minutes(30)
        };
        let warehouse_order = warehouse_status.map(|status| {
            json!({
                "orderId": 90_000_000 + index,
                "orderNumber": name.trim_start_matches('#'),
                "orderKey": id.to_string(),
                "orderDate": shipstation_time(created),
                "createDate": shipstation_time(created + TimeDelta::minutes(10)),
                "modifyDate": shipstation_time(modified),
                "orderStatus": status,
                "customerEmail": format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()),
                "carrierCode": "ups",
                "serviceCode": "ups_ground",
                "items": [{"sku": sku, "name": title, "quantity": quantity}],
            })
        });
        let shipments = if warehouse_status == Some("shipped") {
            vec![json!({
                "shipmentId": 70_000_000 + index,
                "orderId": 90_000_000 + index,
                "orderKey": id.to_string(),
                "orderNumber": name.trim_start_matches('#'),
                "createDate": shipstation_time(shipped_at),
                "shipDate": shipped_at.with_timezone(&Los_Angeles).format("%Y-%m-%d").to_string(),
                "trackingNumber": if scenario == Scenario::NoTracking { Value::Null } else { Value::from(tracking) },
                "carrierCode": "ups",
                "serviceCode": "ups_ground",
                "voided": false,
                "shipmentItems": null,
            })]
        } else {
            Vec::new()
        };
        GeneratedOrder {
            scenario,
            storefront,
            fulfillment_orders,
            warehouse_order,
            shipments,
        }
    }

    /// The replacement order for a `ReplacementExists` original.
    pub fn replacement_for(&self, original: &GeneratedOrder) -> Option<Value> {
        let order = original.storefront.as_ref()?;
        let mut replacement = order.clone();
        let name = order.get("name")?.as_str()?.to_string();
        let id = order.get("id")?.as_u64()?;
        replacement["id"] = json!(id + 1_000_000_000);
        replacement["name"] = json!(format!("{name}-R1"));
        replacement["tags"] = json!(format!("replacement-of:{name}"));
        replacement["created_at"] = json!(shopify_time(self.now - TimeDelta::hours(1)));
        replacement["updated_at"] = json!(shopify_time(self.now - TimeDelta::hours(1)));
        replacement["fulfillment_status"] = Value::Null;
        replacement["fulfillments"] = json!([]);
        Some(replacement)
    }
}

/// Writes `{"<key>": [ … ]}` one element at a time, so a million orders never
/// sit in memory.
pub struct ListWriter<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> ListWriter<W> {
    pub fn start(mut out: W, key: &str) -> io::Result<Self> {
        write!(out, "{{\"{key}\":[")?;
        Ok(ListWriter { out, first: true })
    }

    pub fn push(&mut self, value: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::other)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The four bodies a sync of the generated shop would fetch.
pub struct ShopFiles<W: Write> {
    pub storefront_orders: ListWriter<W>,
    pub fulfillment_orders: ListWriter<W>,
    pub warehouse_orders: ListWriter<W>,
    pub shipments: ListWriter<W>,
}

impl<W: Write> ShopFiles<W> {
    pub fn write(&mut self, generator: &ShopGenerator, count: u64) -> io::Result<()> {
        for index in 0..count {
            let order = generator.order(index);
            if let Some(storefront) = &order.storefront {
                self.storefront_orders.push(storefront)?;
            }
            if let Some(replacement) = (order.scenario == Scenario::ReplacementExists)
                .then(|| generator.replacement_for(&order))
                .flatten()
            {
                self.storefront_orders.push(&replacement)?;
            }
            for fo in &order.fulfillment_orders {
                self.fulfillment_orders.push(fo)?;
            }
            if let Some(warehouse) = &order.warehouse_order {
                self.warehouse_orders.push(warehouse)?;
            }
            for shipment in &order.shipments {
                self.shipments.push(shipment)?;
            }
        }
        Ok(())
    }
}
