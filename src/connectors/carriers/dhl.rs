//! DHL Shipment Tracking – Unified: `GET /track/shipments?trackingNumber=…`
//! with the `DHL-API-Key` header, one number per request. The body lists
//! `shipments` (more than one when several DHL businesses know the number),
//! each with its current `status` and its `events`, newest first. A number
//! no DHL business knows is an HTTP 404 problem body (`{"title": "No result
//! found", "status": 404, ...}`).
//!
//! Status comes from `statusCode`, the only field with a fixed vocabulary
//! (`pre-transit`, `transit`, `delivered`, `failure`, `unknown`); `status`
//! and `description` are free text. They can disagree — DHL's own sample
//! says `"status": "DELIVERED"` beside `"statusCode": "pre-transit"` and a
//! customs remark — and then the code decides; the remark becomes the
//! incident.
//!
//! Times: ISO 8601, with an offset or `Z` for most DHL businesses; others
//! send a time without one. Which time that is — the local time at the
//! event, or UTC — the body itself shows: the current `status` restates the
//! latest event with an offset, so the latest event's time without one
//! either equals its UTC time (UTC) or differs by the place's offset (local
//! time). Local times are then read in the zone of the event's country where
//! that country has one zone, else at the latest event's offset.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::decode::{self, join, text};
use super::{lookup, zones, Carrier, CarrierError};
use crate::domain::{CarrierShipment, ShipmentStatus, TrackingScan};

const DHL: Carrier = Carrier::Dhl;

/// DHL's `statusCode` vocabulary. `unknown` is DHL saying it does not know,
/// which orderdeck cannot improve on.
pub(super) const CODES: &[(&str, ShipmentStatus)] = &[
    ("pre-transit", ShipmentStatus::Pending),
    ("transit", ShipmentStatus::InTransit),
    ("delivered", ShipmentStatus::Delivered),
    ("failure", ShipmentStatus::DeliveryFailed),
    ("unknown", ShipmentStatus::Unknown),
];

#[derive(Deserialize)]
struct Response {
    shipments: Option<Vec<Shipment>>,
    title: Option<String>,
    detail: Option<String>,
    #[serde(default, deserialize_with = "decode::loose_string")]
    status: Option<String>,
}

#[derive(Deserialize)]
struct Shipment {
    #[serde(default, deserialize_with = "decode::loose_string")]
    id: Option<String>,
    status: Option<Event>,
    #[serde(default)]
    events: Vec<Event>,
    details: Option<Details>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    timestamp: Option<String>,
    location: Option<Place>,
    status_code: Option<String>,
    status: Option<String>,
    description: Option<String>,
    remark: Option<String>,
}

#[derive(Deserialize)]
struct Place {
    address: Option<PlaceAddress>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlaceAddress {
    country_code: Option<String>,
    address_locality: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Details {
    proof_of_delivery: Option<ProofOfDelivery>,
}

#[derive(Deserialize)]
struct ProofOfDelivery {
    timestamp: Option<String>,
}

pub(super) fn parse(
    body: &[u8],
    requested: Option<&str>,
) -> Result<Vec<CarrierShipment>, CarrierError> {
    let response: Response = decode::json(DHL, body)?;
    let Some(shipments) = response.shipments else {
        let status = text(response.status.as_deref()).unwrap_or_default();
        let title = text(response.title.as_deref()).unwrap_or_default();
        let message = join(
            [response.title.as_deref(), response.detail.as_deref()],
            ": ",
        )
        .unwrap_or_default();
        if title.is_empty() && status.is_empty() {
            return Err(CarrierError::Shape {
                carrier: DHL,
                path: "shipments".to_owned(),
                detail: "missing, and no problem title or status either".to_owned(),
            });
        }
        if status == "404" {
            return Ok(vec![decode::not_found(
                DHL,
                requested.unwrap_or_default(),
                &status,
                &message,
            )]);
        }
        return Err(CarrierError::Rejected {
            carrier: DHL,
            status: status.parse().ok(),
            code: if status.is_empty() { title } else { status },
            message,
        });
    };
    shipments
        .into_iter()
        .map(|shipment| {
            let number = text(shipment.id.as_deref())
                .or_else(|| requested.map(str::to_owned))
                .unwrap_or_default();
            tracked(&number, shipment)
        })
        .collect()
}

fn tracked(number: &str, shipment: Shipment) -> Result<CarrierShipment, CarrierError> {
    let events: Vec<&Event> = if shipment.events.is_empty() {
        shipment.status.iter().collect()
    } else {
        shipment.events.iter().collect()
    };
    let clock = Clock::of(shipment.status.as_ref(), &events);
    let mut scans = events
        .iter()
        .enumerate()
        .map(|(index, event)| scan(number, index, event, &clock))
        .collect::<Result<Vec<_>, _>>()?;
    scans.sort_by_key(|s| s.at);
    let current = shipment.status.as_ref();
    let code = current
        .and_then(|s| text(s.status_code.as_deref()))
        .or_else(|| scans.last().map(|s| s.carrier_code.clone()))
        .unwrap_or_default();
    let status = lookup(DHL, &code).unwrap_or(ShipmentStatus::Unknown);
    let incident = match status {
        ShipmentStatus::Delivered => None,
        ShipmentStatus::DeliveryFailed => current.and_then(|s| {
            join(
                [
                    s.description.as_deref().or(s.status.as_deref()),
                    s.remark.as_deref(),
                ],
                "; ",
            )
        }),
        _ => current.and_then(|s| text(s.remark.as_deref())),
    };
    let delivered_at = (status == ShipmentStatus::Delivered)
        .then(|| {
            scans
                .iter()
                .filter(|s| s.status == ShipmentStatus::Delivered)
                .map(|s| s.at)
                .max()
                .or_else(|| {
                    zones::with_offset(
                        shipment
                            .details
                            .as_ref()?
                            .proof_of_delivery
                            .as_ref()?
                            .timestamp
                            .as_deref()?,
                    )
                })
        })
        .flatten();
    Ok(CarrierShipment {
        carrier: DHL.name().to_owned(),
        tracking_number: number.to_owned(),
        status,
        raw_status: code,
        incident,
        scans,
        delivered_at,
    })
}

fn scan(
    number: &str,
    index: usize,
    event: &Event,
    clock: &Clock,
) -> Result<TrackingScan, CarrierError> {
    let stamp = event.timestamp.as_deref().unwrap_or_default();
    let country = event
        .location
        .as_ref()
        .and_then(|p| p.address.as_ref()?.country_code.as_deref());
    let at = clock
        .read(stamp, country)
        .ok_or_else(|| CarrierError::Invalid {
            carrier: DHL,
            tracking_number: number.to_owned(),
            detail: format!("events[{index}].timestamp {stamp:?} is not an ISO 8601 date-time"),
        })?;
    let code = text(event.status_code.as_deref()).unwrap_or_default();
    Ok(TrackingScan {
        at,
        status: lookup(DHL, &code).unwrap_or(ShipmentStatus::Unknown),
        description: text(event.description.as_deref())
            .or_else(|| text(event.status.as_deref()))
            .unwrap_or_else(|| code.clone()),
        carrier_code: code,
        location: event.location.as_ref().and_then(|p| {
            let address = p.address.as_ref()?;
            join(
                [
                    address.address_locality.as_deref(),
                    address.country_code.as_deref(),
                ],
                ", ",
            )
        }),
    })
}

/// How one shipment's times without an offset are to be read.
struct Clock {
    /// The latest event's time as written, and the instant the current
    /// status gives for it.
    latest: Option<(NaiveDateTime, DateTime<Utc>)>,
}

impl Clock {
    fn of(status: Option<&Event>, events: &[&Event]) -> Clock {
        let latest = status.and_then(|status| {
            let instant = zones::with_offset(status.timestamp.as_deref()?)?;
            let (written, event) = events
                .iter()
                .filter_map(|e| Some((zones::without_offset(e.timestamp.as_deref()?)?, *e)))
                .max_by_key(|(written, _)| *written)?;
            let same = event.status_code == status.status_code
                && event.status == status.status
                && event.description == status.description;
            same.then_some((written, instant))
        });
        Clock { latest }
    }

    fn read(&self, stamp: &str, country: Option<&str>) -> Option<DateTime<Utc>> {
        if let Some(at) = zones::with_offset(stamp) {
            return Some(at);
        }
        let written = zones::without_offset(stamp)?;
        let Some((latest, instant)) = self.latest else {
            return Some(zones::local_or_utc(written, zones::zone_of(country, None)));
        };
        if written == latest {
            return Some(instant);
        }
        let offset = latest - instant.naive_utc();
        if offset.is_zero() {
            return Some(written.and_utc());
        }
        let zone = zones::zone_of(country, None);
        // Wider than any zone's offset: the two times are not one moment.
        if zone.is_some() || offset.num_hours().abs() > 14 {
            return Some(zones::local_or_utc(written, zone));
        }
        Some((written - offset).and_utc())
    }
}
