//! Saved carrier replies (`import --source carrier`): which carrier wrote a
//! body is told by its shape, as each API's top level differs.

use std::io::Read;

use serde_json::Value;

use super::{parse_tracking, Carrier};
use crate::connectors::{Document, DocumentContent, Item, WireError};

/// Tracking replies are small; a body larger than this is not one.
const MAX_BODY: u64 = 64 << 20;

fn carrier_of(body: &Value) -> Option<Carrier> {
    let object = body.as_object()?;
    if object
        .get("output")
        .and_then(|o| o.get("completeTrackResults"))
        .is_some()
    {
        Some(Carrier::Fedex)
    } else if object.contains_key("trackResponse") {
        Some(Carrier::Ups)
    } else if object.contains_key("trackingNumber")
        && (object.contains_key("trackingEvents") || object.contains_key("statusCategory"))
    {
        Some(Carrier::Usps)
    } else if object.get("shipments").is_some_and(Value::is_array) {
        Some(Carrier::Dhl)
    } else {
        None
    }
}

/// Reads one saved reply whole and hands each parcel in it to `on_item`.
pub fn read_saved(reader: impl Read, on_item: &mut dyn FnMut(Item)) -> Result<usize, WireError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_BODY + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| WireError::UnsupportedShape(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_BODY {
        return Err(WireError::UnsupportedShape(format!(
            "larger than {} MiB: not a carrier tracking reply",
            MAX_BODY >> 20
        )));
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(WireError::Syntax)?;
    let carrier = carrier_of(&value).ok_or_else(|| {
        WireError::UnsupportedShape(
            "not a carrier tracking reply: expected FedEx `output.completeTrackResults`, UPS `trackResponse`, \
             USPS `trackingNumber` with `trackingEvents`, or DHL `shipments`"
                .to_string(),
        )
    })?;
    let shipments = parse_tracking(carrier, &bytes)
        .map_err(|e| WireError::UnsupportedShape(format!("{} reply: {e}", carrier.name())))?;
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let count = shipments.len();
    for shipment in shipments {
        on_item(Item::Document(Document {
            raw: raw.clone(),
            content: DocumentContent::CarrierShipment(shipment),
        }));
    }
    Ok(count)
}
