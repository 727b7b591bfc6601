//! USPS Tracking v3: `GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL`,
//! one number per request. The body is the parcel itself: `trackingNumber`,
//! a summary `status`/`statusCategory` in words, and `trackingEvents` newest
//! first, each with an `eventCode` from USPS Publication 199 (Appendix G-4).
//! A number USPS does not know is an HTTP 404 with the standard error body
//! `{"error": {"code": "404", ...}}`.
//!
//! Status comes from the latest event's code: the summary fields are prose.
//! At USPS "picked up" (`17`, `43`) means the addressee collected the item,
//! that is delivered, where at other carriers it means the carrier took it.
//!
//! Times: `GMTTimestamp` is UTC and exact to the second; `eventTimestamp` is
//! the local time (minutes only) and `GMTOffset` its offset, used when the
//! GMT timestamp is missing.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::decode::{self, join, text};
use super::{lookup, zones, Carrier, CarrierError};
use crate::domain::{CarrierShipment, ShipmentStatus, TrackingScan};

const USPS: Carrier = Carrier::Usps;

/// USPS scan event codes (`trackingEvents[].eventCode`).
pub(super) const CODES: &[(&str, ShipmentStatus)] = &[
    ("MA", ShipmentStatus::Pending), // manifest acknowledgement: pre-shipment info sent
    ("GX", ShipmentStatus::Pending), // shipping label created, USPS awaiting item
    ("03", ShipmentStatus::PickedUp), // accepted or picked up by USPS
    ("80", ShipmentStatus::PickedUp), // picked up by shipping partner
    ("TM", ShipmentStatus::PickedUp), // shipment acceptance (truck manifest)
    ("PA", ShipmentStatus::PickedUp), // shipment acceptance (passive)
    ("06", ShipmentStatus::InTransit), // forwarded
    ("07", ShipmentStatus::InTransit), // arrival at unit (post office)
    ("10", ShipmentStatus::InTransit), // processed (arrived at facility)
    ("19", ShipmentStatus::InTransit), // DC eVS arrive
    ("41", ShipmentStatus::InTransit), // received at opening unit
    ("42", ShipmentStatus::InTransit), // USPS handoff to shipping partner
    ("81", ShipmentStatus::InTransit), // arrived shipping partner facility
    ("82", ShipmentStatus::InTransit), // departed shipping partner facility
    ("A1", ShipmentStatus::InTransit), // arrived at USPS regional facility
    ("T1", ShipmentStatus::InTransit), // departed USPS regional facility
    ("TL", ShipmentStatus::InTransit), // in transit to next facility
    ("EF", ShipmentStatus::InTransit), // departed sort facility
    ("SF", ShipmentStatus::InTransit), // departed post office
    ("PC", ShipmentStatus::InTransit), // sorting / processing complete
    ("OF", ShipmentStatus::OutForDelivery), // out for delivery
    ("14", ShipmentStatus::ReadyForPickup), // arrival at pickup point
    ("16", ShipmentStatus::ReadyForPickup), // available for pickup
    ("01", ShipmentStatus::Delivered), // delivered
    ("17", ShipmentStatus::Delivered), // picked up by agent
    ("43", ShipmentStatus::Delivered), // picked up (by the addressee)
    ("02", ShipmentStatus::DeliveryFailed), // attempted, notice left
    ("04", ShipmentStatus::DeliveryFailed), // refused
    ("05", ShipmentStatus::DeliveryFailed), // undeliverable as addressed
    ("11", ShipmentStatus::DeliveryFailed), // dead letter
    ("30", ShipmentStatus::DeliveryFailed), // attempted, no access to delivery location
    ("51", ShipmentStatus::DeliveryFailed), // business closed
    ("52", ShipmentStatus::DeliveryFailed), // notice left
    ("53", ShipmentStatus::DeliveryFailed), // receptacle blocked
    ("54", ShipmentStatus::DeliveryFailed), // receptacle full / item oversized
    ("55", ShipmentStatus::DeliveryFailed), // no secure location available
    ("56", ShipmentStatus::DeliveryFailed), // no authorised recipient available
    ("08", ShipmentStatus::Delayed), // missent
    ("15", ShipmentStatus::Delayed), // mis-shipped
    ("71", ShipmentStatus::Delayed), // rescheduled to next delivery day
    ("09", ShipmentStatus::ReturnedToSender), // return to sender
    ("21", ShipmentStatus::ReturnedToSender), // RTS: no such number
    ("22", ShipmentStatus::ReturnedToSender), // RTS: insufficient address
    ("23", ShipmentStatus::ReturnedToSender), // RTS: moved, left no address
    ("24", ShipmentStatus::ReturnedToSender), // RTS: forward expired
    ("25", ShipmentStatus::ReturnedToSender), // RTS: addressee unknown
    ("26", ShipmentStatus::ReturnedToSender), // RTS: vacant
    ("27", ShipmentStatus::ReturnedToSender), // RTS: unclaimed
    ("28", ShipmentStatus::ReturnedToSender), // RTS: deceased
    ("29", ShipmentStatus::ReturnedToSender), // RTS: other
    ("31", ShipmentStatus::ReturnedToSender), // RTS: not picked up
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    tracking_number: Option<String>,
    status: Option<String>,
    status_category: Option<String>,
    #[serde(default)]
    tracking_events: Vec<Event>,
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    event_type: Option<String>,
    event_timestamp: Option<String>,
    #[serde(rename = "GMTTimestamp")]
    gmt_timestamp: Option<String>,
    #[serde(rename = "GMTOffset")]
    gmt_offset: Option<String>,
    event_city: Option<String>,
    event_state: Option<String>,
    event_country: Option<String>,
    event_code: Option<String>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<String>,
    message: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    code: Option<String>,
    detail: Option<String>,
}

pub(super) fn parse(
    body: &[u8],
    requested: Option<&str>,
) -> Result<Vec<CarrierShipment>, CarrierError> {
    let response: Response = decode::json(USPS, body)?;
    if let Some(error) = response
        .error
        .as_ref()
        .filter(|_| response.tracking_number.is_none())
    {
        return refusal(error, requested);
    }
    let Some(number) =
        text(response.tracking_number.as_deref()).or_else(|| requested.map(str::to_owned))
    else {
        return Err(CarrierError::Shape {
            carrier: USPS,
            path: "trackingNumber".to_owned(),
            detail: "missing: not a USPS Tracking v3 response".to_owned(),
        });
    };
    let mut scans = response
        .tracking_events
        .iter()
        .enumerate()
        .map(|(index, event)| scan(&number, index, event))
        .collect::<Result<Vec<_>, _>>()?;
    scans.sort_by_key(|s| s.at);
    let latest = scans.last();
    // With no events the summary is all there is; it is prose, so it is
    // kept as evidence and maps to nothing.
    let code = latest
        .map(|s| s.carrier_code.clone())
        .or_else(|| text(response.status_category.as_deref()))
        .or_else(|| text(response.status.as_deref()))
        .unwrap_or_default();
    let status = latest.map_or(ShipmentStatus::Unknown, |s| s.status);
    let incident = matches!(
        status,
        ShipmentStatus::DeliveryFailed
            | ShipmentStatus::Delayed
            | ShipmentStatus::OnHold
            | ShipmentStatus::ReturnedToSender
    )
    .then(|| latest.map(|s| s.description.clone()))
    .flatten();
    let delivered_at = (status == ShipmentStatus::Delivered)
        .then(|| {
            scans
                .iter()
                .filter(|s| s.status == ShipmentStatus::Delivered)
                .map(|s| s.at)
                .max()
        })
        .flatten();
    Ok(vec![CarrierShipment {
        carrier: USPS.name().to_owned(),
        tracking_number: number,
        status,
        raw_status: code,
        incident,
        scans,
        delivered_at,
    }])
}

/// USPS's error body: a 404 is its answer that the number is unknown.
fn refusal(
    error: &ErrorDetail,
    number: Option<&str>,
) -> Result<Vec<CarrierShipment>, CarrierError> {
    let item = error.errors.first();
    let status = error.code.as_deref().unwrap_or_default().trim();
    let code = item
        .and_then(|i| text(i.code.as_deref()))
        .unwrap_or_else(|| status.to_owned());
    let message = join(
        [
            error.message.as_deref(),
            item.and_then(|i| i.detail.as_deref()),
        ],
        ": ",
    )
    .unwrap_or_default();
    if status == "404" {
        Ok(vec![decode::not_found(
            USPS,
            number.unwrap_or_default(),
            &code,
            &message,
        )])
    } else {
        Err(CarrierError::Rejected {
            carrier: USPS,
            status: status.parse().ok(),
            code,
            message,
        })
    }
}

fn scan(number: &str, index: usize, event: &Event) -> Result<TrackingScan, CarrierError> {
    let at = time(event).ok_or_else(|| CarrierError::Invalid {
        carrier: USPS,
        tracking_number: number.to_owned(),
        detail: format!(
            "trackingEvents[{index}] has no readable time (GMTTimestamp {:?}, eventTimestamp {:?}, GMTOffset {:?})",
            event.gmt_timestamp.as_deref().unwrap_or_default(),
            event.event_timestamp.as_deref().unwrap_or_default(),
            event.gmt_offset.as_deref().unwrap_or_default()
        ),
    })?;
    let code = text(event.event_code.as_deref()).unwrap_or_default();
    Ok(TrackingScan {
        at,
        status: lookup(USPS, &code).unwrap_or(ShipmentStatus::Unknown),
        description: text(event.event_type.as_deref()).unwrap_or_else(|| code.clone()),
        carrier_code: code,
        location: join(
            [
                event.event_city.as_deref(),
                event.event_state.as_deref(),
                event.event_country.as_deref(),
            ],
            ", ",
        ),
    })
}

fn time(event: &Event) -> Option<DateTime<Utc>> {
    if let Some(gmt) = event.gmt_timestamp.as_deref() {
        let at = zones::with_offset(gmt).or_else(|| Some(zones::without_offset(gmt)?.and_utc()));
        if at.is_some() {
            return at;
        }
    }
    let local = event.event_timestamp.as_deref()?;
    if let Some(at) = zones::with_offset(local) {
        return Some(at);
    }
    let local = zones::without_offset(local)?;
    Some(match event.gmt_offset.as_deref().and_then(zones::offset) {
        Some(offset) => zones::at_offset(local, offset),
        None => zones::local_or_utc(
            local,
            zones::zone_of(event.event_country.as_deref(), event.event_state.as_deref()),
        ),
    })
}
