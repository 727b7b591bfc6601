//! ShipStation API V1: List Orders and List Shipments pages (and a single
//! order or shipment), turned into domain types.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use chrono_tz::Tz;
use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::stream::{self, Convert, Elements, Envelope, LooseString, Wire};
use super::{Document, Item, Rejected};
use crate::domain::{
    DocumentContent, WarehouseItem, WarehouseOrder, WarehouseShipment, WarehouseStatus,
};

/// ShipStation V1 states every date-time without an offset, in its own
/// account-independent zone: "The time zone represented in all API responses
/// is PST/PDT" (API V1 requirements, "Datetime Format and Time Zone").
const SHIPSTATION_ZONE: Tz = Los_Angeles;

pub(super) static WIRE: Wire = Wire {
    system: "warehouse",
    accepted: "ShipStation `{\"orders\": [...], \"total\", \"page\", \"pages\"}`, \
               `{\"shipments\": [...], ...}`, a bare order (with `orderId`) or a bare shipment \
               (with `shipmentId`)",
    envelope,
    bare_object,
    bare_array,
};

fn envelope(key: &str) -> Option<Envelope> {
    match key {
        "orders" => Some(Envelope::Array(Elements::Each {
            convert: order,
            identified_by: &["orderId", "orderNumber"],
        })),
        "shipments" => Some(Envelope::Array(Elements::Each {
            convert: shipment,
            identified_by: &["shipmentId", "orderNumber"],
        })),
        _ => None,
    }
}

/// A shipment also carries `orderId`, so `shipmentId` decides first.
fn bare_object(keys: &BTreeSet<&str>) -> Option<Convert> {
    if keys.contains("shipmentId") {
        Some(shipment)
    } else if keys.contains("orderId") {
        Some(order)
    } else {
        None
    }
}

/// ShipStation always wraps its lists in a page object.
fn bare_array(_first: Option<&BTreeSet<&str>>) -> Option<Elements> {
    None
}

fn order(raw: Box<RawValue>) -> Item {
    match stream::parse::<WireOrder>(&raw) {
        Ok(wire) => Item::Document(Document {
            content: DocumentContent::WarehouseOrder(wire.into_domain()),
            raw: stream::into_text(raw),
        }),
        Err(reason) => {
            let members = stream::members(&raw);
            let number = stream::scalar_text(&members, "orderNumber");
            let key = stream::scalar_text(&members, "orderKey");
            let id = stream::scalar_text(&members, "orderId");
            let subject = match (&number, &id) {
                (Some(number), Some(id)) => format!("order {number} (orderId {id})"),
                (Some(number), None) => format!("order {number}"),
                (None, Some(id)) => format!("order with orderId {id}"),
                (None, None) => "order (no orderNumber or orderId)".to_owned(),
            };
            Item::Rejected(Rejected {
                order: number.or(key).or(id),
                reason: format!("{subject}: {reason}"),
                raw: stream::into_text(raw),
            })
        }
    }
}

fn shipment(raw: Box<RawValue>) -> Item {
    match stream::parse::<WireShipment>(&raw).and_then(WireShipment::into_domain) {
        Ok(shipment) => Item::Document(Document {
            content: DocumentContent::WarehouseShipment(shipment),
            raw: stream::into_text(raw),
        }),
        Err(reason) => {
            let members = stream::members(&raw);
            let id = stream::scalar_text(&members, "shipmentId");
            let number = stream::scalar_text(&members, "orderNumber");
            let key = stream::scalar_text(&members, "orderKey");
            let subject = match (&id, &number) {
                (Some(id), Some(number)) => format!("shipment {id} (order {number})"),
                (Some(id), None) => format!("shipment {id}"),
                (None, Some(number)) => format!("shipment of order {number}"),
                (None, None) => "shipment (no shipmentId or orderNumber)".to_owned(),
            };
            Item::Rejected(Rejected {
                order: number
                    .or(key)
                    .or_else(|| stream::scalar_text(&members, "orderId")),
                reason: format!("{subject}: {reason}"),
                raw: stream::into_text(raw),
            })
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOrder {
    order_id: LooseString,
    order_number: LooseString,
    order_key: Option<LooseString>,
    order_status: String,
    #[serde(default, deserialize_with = "optional_pacific")]
    order_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_pacific")]
    create_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_pacific")]
    modify_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_pacific")]
    hold_until_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_pacific")]
    ship_by_date: Option<DateTime<Utc>>,
    carrier_code: Option<String>,
    service_code: Option<String>,
    items: Option<Vec<WireItem>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireItem {
    sku: Option<String>,
    name: Option<String>,
    quantity: u32,
    /// A discount or promotion line: nothing to pick or ship.
    adjustment: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireShipment {
    shipment_id: LooseString,
    order_id: Option<LooseString>,
    order_key: Option<LooseString>,
    order_number: LooseString,
    #[serde(default, deserialize_with = "optional_pacific")]
    create_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_pacific")]
    ship_date: Option<DateTime<Utc>>,
    tracking_number: Option<String>,
    carrier_code: Option<String>,
    service_code: Option<String>,
    voided: Option<bool>,
    shipment_items: Option<Vec<WireItem>>,
}

impl WireOrder {
    fn into_domain(self) -> WarehouseOrder {
        WarehouseOrder {
            id: self.order_id.0,
            order_key: stream::non_empty(self.order_key.map(|key| key.0)),
            order_number: self.order_number.0,
            status: WarehouseStatus::from_wire(self.order_status.trim()),
            // Orders imported before ShipStation recorded createDate still
            // have the marketplace's order date.
            created_at: self.create_date.or(self.order_date),
            modified_at: self.modify_date,
            ship_by: self.ship_by_date,
            hold_until: self.hold_until_date,
            carrier_code: stream::non_empty(self.carrier_code),
            service_code: stream::non_empty(self.service_code),
            items: goods(self.items),
        }
    }
}

impl WireShipment {
    fn into_domain(self) -> Result<WarehouseShipment, String> {
        // createDate is when the label was made, which is when the goods
        // count as shipped; shipDate is only a day.
        let shipped_at = self
            .create_date
            .or(self.ship_date)
            .ok_or_else(|| "neither `createDate` nor `shipDate` is set".to_owned())?;
        Ok(WarehouseShipment {
            id: self.shipment_id.0,
            order_id: stream::non_empty(self.order_id.map(|id| id.0)),
            order_key: stream::non_empty(self.order_key.map(|key| key.0)),
            order_number: self.order_number.0,
            shipped_at,
            tracking_number: stream::non_empty(self.tracking_number),
            carrier_code: stream::non_empty(self.carrier_code),
            service_code: stream::non_empty(self.service_code),
            voided: self.voided.unwrap_or(false),
            items: goods(self.shipment_items),
        })
    }
}

fn goods(items: Option<Vec<WireItem>>) -> Vec<WarehouseItem> {
    items
        .unwrap_or_default()
        .into_iter()
        .filter(|item| item.adjustment != Some(true))
        .map(|item| WarehouseItem {
            sku: stream::non_empty(item.sku),
            name: stream::non_empty(item.name),
            quantity: item.quantity,
        })
        .collect()
}

/// Reads `2015-06-29T08:46:27.0000000`, `2015-06-29 08:46:27` or
/// `2015-06-29` as Pacific wall-clock time. A value that does carry an offset
/// (hand-made payloads, simulators) is taken at its word.
fn parse_pacific(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(explicit) = DateTime::parse_from_rfc3339(text) {
        return Some(explicit.with_timezone(&Utc));
    }
    let wall = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN))
        })
        .ok()?;
    Some(from_pacific(wall))
}

fn from_pacific(wall: NaiveDateTime) -> DateTime<Utc> {
    match SHIPSTATION_ZONE.from_local_datetime(&wall) {
        chrono::LocalResult::Single(at) => at.with_timezone(&Utc),
        // The repeated hour when PDT ends: the first pass is the one that
        // happened first, so a later event can never sort before it.
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        // The skipped hour when PDT starts never appears on a clock; read it
        // with the offset in force just before the jump.
        chrono::LocalResult::None => {
            let before = SHIPSTATION_ZONE
                .offset_from_utc_datetime(&(wall - TimeDelta::days(1)))
                .fix();
            (wall - TimeDelta::seconds(i64::from(before.local_minus_utc()))).and_utc()
        }
    }
}

fn optional_pacific<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match stream::non_empty(Option::<String>::deserialize(deserializer)?) {
        None => Ok(None),
        Some(text) => parse_pacific(&text).map(Some).ok_or_else(|| {
            de::Error::custom(format!(
                "invalid date {text:?}, expected ShipStation's `2015-06-29T08:46:27.0000000` or `2015-06-29`"
            ))
        }),
    }
}
