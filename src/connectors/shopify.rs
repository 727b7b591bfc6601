//! Shopify REST Admin API: the Order resource (list, single, webhook body)
//! and the FulfillmentOrder resource, turned into domain types.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::stream::{self, Convert, Elements, Envelope, LooseString, Wire};
use super::{Document, Item, Rejected};
use crate::domain::{
    DocumentContent, FinancialStatus, Fulfillment, FulfillmentHold, FulfillmentOrder,
    FulfillmentOrderLine, FulfillmentStatus, LineQuantity, OrderLine, Refund, StorefrontOrder,
};

pub(super) static WIRE: Wire = Wire {
    system: "storefront",
    accepted:
        "Shopify `{\"orders\": [...]}`, `{\"order\": {...}}`, `{\"fulfillment_orders\": [...]}`, \
               a bare order object (webhook) or a bare JSON array of fulfillment orders",
    envelope,
    bare_object,
    bare_array,
};

fn envelope(key: &str) -> Option<Envelope> {
    match key {
        "orders" => Some(Envelope::Array(Elements::Each {
            convert: order,
            identified_by: &["id", "name"],
        })),
        "order" => Some(Envelope::One(order)),
        "fulfillment_orders" => Some(Envelope::Array(Elements::Whole(fulfillment_orders))),
        _ => None,
    }
}

/// A webhook body is the order object itself, told apart by keys only a
/// Shopify order has (another platform's order, e.g. WooCommerce's, also has
/// `line_items`). Fulfilments, refunds, transactions and fulfilment orders
/// all carry `order_id`; an order never does, which keeps those from being
/// read as broken orders.
fn bare_object(keys: &BTreeSet<&str>) -> Option<Convert> {
    let shopify_order_like = ["financial_status", "fulfillment_status", "order_number"]
        .iter()
        .any(|key| keys.contains(key))
        || (keys.contains("line_items") && keys.contains("name"));
    (shopify_order_like && !keys.contains("order_id")).then_some(order as Convert)
}

/// Some clients save `/orders/{id}/fulfillment_orders.json` without its
/// envelope. Judged by keys only a fulfilment order has, so that one element
/// missing `order_id` is still rejected by name rather than the whole body.
fn bare_array(first: Option<&BTreeSet<&str>>) -> Option<Elements> {
    const FULFILLMENT_ORDER_KEYS: [&str; 4] = [
        "request_status",
        "supported_actions",
        "fulfillment_holds",
        "fulfillment_order_line_items",
    ];
    let fulfillment_orders_like =
        first.is_none_or(|keys| FULFILLMENT_ORDER_KEYS.iter().any(|key| keys.contains(key)));
    fulfillment_orders_like.then_some(Elements::Whole(fulfillment_orders))
}

fn order(raw: Box<RawValue>) -> Item {
    match stream::parse::<WireOrder>(&raw) {
        Ok(wire) => Item::Document(Document {
            content: DocumentContent::StorefrontOrder(wire.into_domain()),
            raw: stream::into_text(raw),
        }),
        Err(reason) => {
            let members = stream::members(&raw);
            let name = stream::scalar_text(&members, "name");
            let id = stream::scalar_text(&members, "id");
            let subject = match (&name, &id) {
                (Some(name), Some(id)) => format!("order {name} (id {id})"),
                (Some(name), None) => format!("order {name}"),
                (None, Some(id)) => format!("order id {id}"),
                (None, None) => "order (no name or id)".to_owned(),
            };
            Item::Rejected(Rejected {
                order: name.or(id),
                reason: format!("{subject}: {reason}"),
                raw: stream::into_text(raw),
            })
        }
    }
}

/// One snapshot per storefront order, in the order each order first appears
/// in the body; a rejected element keeps its place among them.
fn fulfillment_orders(raws: Vec<Box<RawValue>>) -> Vec<Item> {
    enum Slot {
        Group(usize),
        Rejected(Rejected),
    }
    #[derive(Default)]
    struct Group {
        order_id: String,
        raws: Vec<String>,
        fulfillment_orders: Vec<FulfillmentOrder>,
    }

    let mut slots = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_order: HashMap<String, usize> = HashMap::new();
    for raw in raws {
        match stream::parse::<WireFulfillmentOrder>(&raw) {
            Ok(wire) => {
                let fulfillment_order = wire.into_domain();
                let index = *by_order
                    .entry(fulfillment_order.order_id.clone())
                    .or_insert_with(|| {
                        groups.push(Group {
                            order_id: fulfillment_order.order_id.clone(),
                            ..Group::default()
                        });
                        slots.push(Slot::Group(groups.len() - 1));
                        groups.len() - 1
                    });
                if let Some(group) = groups.get_mut(index) {
                    group.raws.push(stream::into_text(raw));
                    group.fulfillment_orders.push(fulfillment_order);
                }
            }
            Err(reason) => slots.push(Slot::Rejected(rejected_fulfillment_order(raw, &reason))),
        }
    }
    slots
        .into_iter()
        .filter_map(|slot| match slot {
            Slot::Rejected(rejected) => Some(Item::Rejected(rejected)),
            Slot::Group(index) => groups.get_mut(index).map(std::mem::take).map(|group| {
                Item::Document(Document {
                    raw: format!("[{}]", group.raws.join(",")),
                    content: DocumentContent::FulfillmentOrders {
                        order_id: group.order_id,
                        fulfillment_orders: group.fulfillment_orders,
                    },
                })
            }),
        })
        .collect()
}

fn rejected_fulfillment_order(raw: Box<RawValue>, reason: &str) -> Rejected {
    let members = stream::members(&raw);
    let id = stream::scalar_text(&members, "id");
    let order_id = stream::scalar_text(&members, "order_id");
    let subject = match (&id, &order_id) {
        (Some(id), Some(order_id)) => format!("fulfillment order {id} of order {order_id}"),
        (Some(id), None) => format!("fulfillment order {id}"),
        (None, Some(order_id)) => format!("fulfillment order of order {order_id}"),
        (None, None) => "fulfillment order (no id)".to_owned(),
    };
    Rejected {
        order: order_id,
        reason: format!("{subject}: {reason}"),
        raw: stream::into_text(raw),
    }
}

#[derive(Deserialize)]
struct WireOrder {
    id: LooseString,
    name: String,
    #[serde(deserialize_with = "timestamp")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    cancelled_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    closed_at: Option<DateTime<Utc>>,
    financial_status: Option<String>,
    fulfillment_status: Option<String>,
    #[serde(default, deserialize_with = "tags")]
    tags: Vec<String>,
    email: Option<String>,
    contact_email: Option<String>,
    customer: Option<WireCustomer>,
    shipping_address: Option<WireAddress>,
    shipping_lines: Option<Vec<WireShippingLine>>,
    note: Option<String>,
    // Real list responses trimmed with `fields=` (and Shopify's own sample
    // payloads) can lack lines; the order still carries its payment and
    // cancellation state, which is worth reconciling.
    #[serde(default)]
    line_items: Vec<WireLineItem>,
    fulfillments: Option<Vec<WireFulfillment>>,
    refunds: Option<Vec<WireRefund>>,
}

#[derive(Deserialize)]
struct WireCustomer {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct WireAddress {
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

#[derive(Deserialize)]
struct WireShippingLine {
    code: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize)]
struct WireLineItem {
    id: LooseString,
    quantity: u32,
    sku: Option<String>,
    title: Option<String>,
    name: Option<String>,
    fulfillable_quantity: Option<i64>,
    fulfillment_status: Option<String>,
    vendor: Option<String>,
    fulfillment_service: Option<String>,
    requires_shipping: Option<bool>,
}

#[derive(Deserialize)]
struct WireFulfillment {
    id: Option<LooseString>,
    status: Option<String>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    updated_at: Option<DateTime<Utc>>,
    tracking_company: Option<String>,
    tracking_number: Option<String>,
    tracking_numbers: Option<Vec<Option<String>>>,
    shipment_status: Option<String>,
    line_items: Option<Vec<WireFulfilledLine>>,
}

#[derive(Deserialize)]
struct WireFulfilledLine {
    id: LooseString,
    quantity: u32,
}

#[derive(Deserialize)]
struct WireRefund {
    id: Option<LooseString>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    processed_at: Option<DateTime<Utc>>,
    refund_line_items: Option<Vec<WireRefundLine>>,
}

#[derive(Deserialize)]
struct WireRefundLine {
    line_item_id: LooseString,
    quantity: u32,
}

impl WireOrder {
    fn into_domain(self) -> StorefrontOrder {
        let created_at = self.created_at;
        let fulfillments: Vec<Fulfillment> = self
            .fulfillments
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.into_domain(created_at))
            .collect();
        let refunds: Vec<Refund> = self
            .refunds
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.into_domain(created_at))
            .collect();
        let taken = taken_quantities(&fulfillments, &refunds);
        let lines = self
            .line_items
            .into_iter()
            .map(|line| line.into_domain(&taken))
            .collect();
        let customer_name = self
            .customer
            .as_ref()
            .and_then(|c| full_name(&c.first_name, &c.last_name))
            .or_else(|| {
                self.shipping_address.as_ref().and_then(|a| {
                    stream::non_empty(a.name.clone())
                        .or_else(|| full_name(&a.first_name, &a.last_name))
                })
            });
        let email = stream::non_empty(self.email)
            .or_else(|| stream::non_empty(self.contact_email))
            .or_else(|| self.customer.and_then(|c| stream::non_empty(c.email)));
        let shipping_method = self
            .shipping_lines
            .unwrap_or_default()
            .into_iter()
            .next()
            .and_then(|line| {
                stream::non_empty(line.code).or_else(|| stream::non_empty(line.title))
            });
        StorefrontOrder {
            id: self.id.0,
            name: self.name,
            created_at,
            updated_at: self.updated_at,
            cancelled_at: self.cancelled_at,
            cancel_reason: stream::non_empty(self.cancel_reason),
            closed_at: self.closed_at,
            // Never guessed: a payload without it says nothing about payment.
            financial_status: FinancialStatus::from_wire(
                self.financial_status.as_deref().unwrap_or("unknown"),
            ),
            fulfillment_status: FulfillmentStatus::from_wire(self.fulfillment_status.as_deref()),
            tags: self.tags,
            customer_name,
            email,
            shipping_method,
            note: stream::non_empty(self.note),
            lines,
            fulfillments,
            refunds,
        }
    }
}

/// Per order line, the quantity that effective fulfilments and refunds took.
fn taken_quantities(fulfillments: &[Fulfillment], refunds: &[Refund]) -> HashMap<String, u32> {
    let mut taken: HashMap<String, u32> = HashMap::new();
    let fulfilled = fulfillments
        .iter()
        .filter(|f| f.is_effective())
        .flat_map(|f| &f.lines);
    for line in fulfilled.chain(refunds.iter().flat_map(|r| &r.lines)) {
        let sum = taken.entry(line.line_id.clone()).or_default();
        *sum = sum.saturating_add(line.quantity);
    }
    taken
}

impl WireLineItem {
    fn into_domain(self, taken: &HashMap<String, u32>) -> OrderLine {
        let id = self.id.0;
        let owed = if self.fulfillment_status.as_deref() == Some("fulfilled") {
            0
        } else if let Some(fulfillable) = self.fulfillable_quantity {
            u32::try_from(fulfillable.max(0)).unwrap_or(u32::MAX)
        } else {
            self.quantity
                .saturating_sub(taken.get(&id).copied().unwrap_or(0))
        };
        OrderLine {
            title: stream::non_empty(self.title)
                .or_else(|| stream::non_empty(self.name))
                .unwrap_or_default(),
            id,
            sku: stream::non_empty(self.sku),
            quantity: self.quantity,
            owed,
            vendor: stream::non_empty(self.vendor),
            fulfillment_service: stream::non_empty(self.fulfillment_service),
            // Shopify's own default; assuming "no shipping" would hide owed goods.
            requires_shipping: self.requires_shipping.unwrap_or(true),
        }
    }
}

impl WireFulfillment {
    fn into_domain(self, order_created_at: DateTime<Utc>) -> Fulfillment {
        let listed = self.tracking_numbers.unwrap_or_default().into_iter();
        let mut tracking_numbers: Vec<String> = listed.filter_map(stream::non_empty).collect();
        if tracking_numbers.is_empty() {
            tracking_numbers.extend(stream::non_empty(self.tracking_number));
        }
        Fulfillment {
            id: self.id.map(|id| id.0).unwrap_or_default(),
            // An unknown status is not an effective one, so its goods stay owed.
            status: self
                .status
                .map(|s| s.trim().to_ascii_lowercase())
                .unwrap_or_default(),
            // Shopify always sends created_at; a hand-made payload without it
            // gets the earliest moment the fulfilment could have happened.
            created_at: self
                .created_at
                .or(self.updated_at)
                .unwrap_or(order_created_at),
            tracking_company: stream::non_empty(self.tracking_company),
            tracking_numbers,
            shipment_status: stream::non_empty(self.shipment_status),
            lines: self
                .line_items
                .unwrap_or_default()
                .into_iter()
                .map(|line| LineQuantity {
                    line_id: line.id.0,
                    quantity: line.quantity,
                })
                .collect(),
        }
    }
}

impl WireRefund {
    fn into_domain(self, order_created_at: DateTime<Utc>) -> Refund {
        Refund {
            id: self.id.map(|id| id.0).unwrap_or_default(),
            created_at: self
                .created_at
                .or(self.processed_at)
                .unwrap_or(order_created_at),
            lines: self
                .refund_line_items
                .unwrap_or_default()
                .into_iter()
                .map(|line| LineQuantity {
                    line_id: line.line_item_id.0,
                    quantity: line.quantity,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct WireFulfillmentOrder {
    id: LooseString,
    order_id: LooseString,
    status: String,
    request_status: Option<String>,
    #[serde(default, deserialize_with = "optional_moment")]
    fulfill_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    updated_at: Option<DateTime<Utc>>,
    fulfillment_service_handle: Option<String>,
    fulfillment_holds: Option<Vec<WireHold>>,
    assigned_location_id: Option<LooseString>,
    /// Current REST API versions.
    line_items: Option<Vec<WireFulfillmentOrderLine>>,
    /// Older API versions' name for the same list.
    fulfillment_order_line_items: Option<Vec<WireFulfillmentOrderLine>>,
}

#[derive(Deserialize)]
struct WireHold {
    reason: Option<String>,
    reason_notes: Option<String>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    held_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    created_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct WireFulfillmentOrderLine {
    id: Option<LooseString>,
    line_item_id: LooseString,
    inventory_item_id: Option<LooseString>,
    quantity: u32,
    fulfillable_quantity: Option<u32>,
}

impl WireFulfillmentOrder {
    fn into_domain(self) -> FulfillmentOrder {
        let lines = self
            .line_items
            .or(self.fulfillment_order_line_items)
            .unwrap_or_default()
            .into_iter()
            .map(|line| FulfillmentOrderLine {
                line_id: line.line_item_id.0,
                // What is still to be done is what a hold or schedule delays.
                quantity: line.fulfillable_quantity.unwrap_or(line.quantity),
                id: line.id.map(|id| id.0),
                inventory_item_id: line.inventory_item_id.map(|id| id.0),
            })
            .collect();
        let holds = self
            .fulfillment_holds
            .unwrap_or_default()
            .into_iter()
            .map(|hold| FulfillmentHold {
                // GraphQL-shaped payloads send the enum in capitals.
                reason: stream::non_empty(hold.reason)
                    .map(|r| r.to_ascii_lowercase())
                    .unwrap_or_else(|| "unspecified".to_owned()),
                reason_notes: stream::non_empty(hold.reason_notes),
                held_since: hold.held_at.or(hold.created_at),
            })
            .collect();
        FulfillmentOrder {
            id: self.id.0,
            order_id: self.order_id.0,
            status: self.status.trim().to_ascii_lowercase(),
            request_status: stream::non_empty(self.request_status).map(|s| s.to_ascii_lowercase()),
            fulfill_at: self.fulfill_at,
            service_handle: stream::non_empty(self.fulfillment_service_handle),
            holds,
            lines,
            updated_at: self.updated_at,
            assigned_location_id: self.assigned_location_id.map(|id| id.0),
        }
    }
}

fn full_name(first: &Option<String>, last: &Option<String>) -> Option<String> {
    let parts: Vec<&str> = [first, last]
        .into_iter()
        .flatten()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Shopify sends ISO 8601 with an offset (`2008-01-10T11:00:00-05:00`).
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_timestamp(&text).ok_or_else(|| {
        de::Error::custom(format!(
            "invalid timestamp {text:?}, expected ISO 8601 with an offset"
        ))
    })
}

fn optional_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match stream::non_empty(Option::<String>::deserialize(deserializer)?) {
        None => Ok(None),
        Some(text) => parse_timestamp(&text).map(Some).ok_or_else(|| {
            de::Error::custom(format!(
                "invalid timestamp {text:?}, expected ISO 8601 with an offset"
            ))
        }),
    }
}

/// `fulfill_at` is documented both as a timestamp and, in examples, as a bare
/// date; a bare date carries no zone, so it is taken as that day's start in UTC.
fn optional_moment<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match stream::non_empty(Option::<String>::deserialize(deserializer)?) {
        None => Ok(None),
        Some(text) => parse_timestamp(&text)
            .or_else(|| {
                NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .ok()
                    .map(|date| date.and_time(NaiveTime::MIN).and_utc())
            })
            .map(Some)
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "invalid timestamp {text:?}, expected ISO 8601 date or date-time"
                ))
            }),
    }
}

/// REST sends one comma-separated string; GraphQL-shaped payloads a list.
fn tags<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let split = |text: &str| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => Ok(split(&text)),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(tag) => Ok(split(&tag)),
                other => Err(de::Error::custom(format!(
                    "invalid tag {other}, expected a string"
                ))),
            })
            .collect::<Result<Vec<Vec<String>>, D::Error>>()
            .map(|lists| lists.into_iter().flatten().collect()),
        other => Err(de::Error::custom(format!(
            "invalid tags {other}, expected a comma-separated string"
        ))),
    }
}
