//! What every carrier module needs to read a body: JSON decoding with errors
//! that say where and what, and the pieces every shipment is built from.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::error::Category;

use super::{Carrier, CarrierError};
use crate::domain::{CarrierShipment, ShipmentStatus};

/// Decodes `body` as `T`. A body that is not JSON at all (an XML or HTML
/// error page, nothing) and a body cut short in transfer get their own
/// errors, since they call for different fixes than a changed API.
pub(super) fn json<T: DeserializeOwned>(carrier: Carrier, body: &[u8]) -> Result<T, CarrierError> {
    let start = body.trim_ascii_start();
    match start.first() {
        None => {
            return Err(CarrierError::NotJson {
                carrier,
                found: "an empty body",
            })
        }
        Some(b'<') => {
            let head = String::from_utf8_lossy(&start[..start.len().min(512)]).to_lowercase();
            let found = if head.contains("<html") || head.starts_with("<!doctype html") {
                "HTML"
            } else {
                "XML"
            };
            return Err(CarrierError::NotJson { carrier, found });
        }
        Some(b'{' | b'[') => {}
        Some(_) => {
            return Err(CarrierError::NotJson {
                carrier,
                found: "not JSON",
            })
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| path_error(carrier, err))?;
    deserializer.end().map_err(|err| CarrierError::Shape {
        carrier,
        path: ".".to_owned(),
        detail: err.to_string(),
    })?;
    Ok(value)
}

fn path_error(
    carrier: Carrier,
    err: serde_path_to_error::Error<serde_json::Error>,
) -> CarrierError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    match inner.classify() {
        Category::Eof => CarrierError::Truncated {
            carrier,
            line: inner.line(),
            column: inner.column(),
        },
        _ => CarrierError::Shape {
            carrier,
            path,
            detail: inner.to_string(),
        },
    }
}

/// A parcel the carrier answered it has no record of.
pub(super) fn not_found(
    carrier: Carrier,
    tracking_number: &str,
    code: &str,
    message: &str,
) -> CarrierShipment {
    CarrierShipment {
        carrier: carrier.name().to_owned(),
        tracking_number: tracking_number.trim().to_owned(),
        status: ShipmentStatus::Unknown,
        raw_status: code.trim().to_owned(),
        incident: text(Some(message)),
        scans: Vec::new(),
        delivered_at: None,
    }
}

/// Carriers pad their texts (UPS's "DELIVERED ") and send empty strings for
/// absent ones; both are noise in a reason.
pub(super) fn text(value: Option<&str>) -> Option<String> {
    let words: Vec<&str> = value?.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Joins the present, distinct parts of a place or an incident.
pub(super) fn join<'a>(
    parts: impl IntoIterator<Item = Option<&'a str>>,
    separator: &str,
) -> Option<String> {
    let mut kept: Vec<String> = Vec::new();
    for part in parts.into_iter().filter_map(|p| text(p)) {
        if !kept.contains(&part) {
            kept.push(part);
        }
    }
    (!kept.is_empty()).then(|| kept.join(separator))
}

/// A string field some APIs send as a number (DHL's sample `"id": 7777777770`,
/// UPS's and USPS's `expires_in`).
pub(super) fn loose_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(
        Option::<Loose>::deserialize(deserializer)?.map(|value| match value {
            Loose::Text(text) => text,
            Loose::Number(number) => number.to_string(),
        }),
    )
}
