//! UPS Track API (JSON): `GET /api/track/v1/details/{inquiryNumber}`, one
//! number per request. `trackResponse.shipment[].package[]` holds the
//! parcels, each with its `activity` list (newest first) and `currentStatus`.
//! A number UPS does not know comes back as a shipment with only `warnings`
//! (`TW0001 Tracking Information Not Found`), or as an error body
//! `{"response": {"errors": [...]}}` with an HTTP 4xx.
//!
//! Statuses are read from the one-letter (or two-letter) status `type`,
//! the only field with a fixed, documented vocabulary: `currentStatus.code`
//! is not a status code at all in real responses (the sample holds a date,
//! `20220126`), and `currentStatus.statusCode` can lag the activities (the
//! sample says `003`, label created, on a delivered parcel). The one
//! exception: out for delivery is type `I` with milestone `021` on the
//! activity, and is read so.
//!
//! Times: `date` (`YYYYMMDD`) and `time` (`HHMMSS`) are the local time at the
//! activity's location, with no offset. `gmtDate`/`gmtTime` (or a
//! `gmtOffset`) are used when UPS sends them; otherwise the location decides
//! the zone, and an activity whose location names no state (UPS's
//! label-created activity says only `US`) borrows the zone of the nearest
//! activity that does.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::decode::{self, join, text};
use super::{lookup, zones, Carrier, CarrierError};
use crate::domain::{CarrierShipment, ShipmentStatus, TrackingScan};

const UPS: Carrier = Carrier::Ups;

/// UPS status types (`status.type`).
pub(super) const CODES: &[(&str, ShipmentStatus)] = &[
    ("M", ShipmentStatus::Pending), // billing information received (label created)
    ("MV", ShipmentStatus::Cancelled), // billing information voided
    ("P", ShipmentStatus::PickedUp), // pickup
    ("I", ShipmentStatus::InTransit), // in transit
    // Freight delivered to a UPS container freight station, not to the
    // consignee: still on its way.
    ("DO", ShipmentStatus::InTransit),     // delivered origin CFS
    ("DD", ShipmentStatus::InTransit),     // delivered destination CFS
    ("O", ShipmentStatus::OutForDelivery), // out for delivery
    ("D", ShipmentStatus::Delivered),      // delivered
    // An exception covers failed attempts, weather and address problems
    // alike; UPS tells which only in words, kept as the incident.
    ("X", ShipmentStatus::Delayed),           // exception
    ("RS", ShipmentStatus::ReturnedToSender), // returned to shipper
];

/// UPS codes that mean "no such parcel" (Track API `TW0001`, and the older
/// `151018` invalid number / `151044` no tracking information).
const NOT_FOUND: &[&str] = &["TW0001", "151018", "151044"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    track_response: Option<TrackResponse>,
    response: Option<ErrorResponse>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    #[serde(default)]
    errors: Vec<Notice>,
}

#[derive(Deserialize)]
struct TrackResponse {
    #[serde(default)]
    shipment: Vec<Shipment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Shipment {
    inquiry_number: Option<String>,
    #[serde(default)]
    package: Vec<Package>,
    #[serde(default)]
    warnings: Vec<Notice>,
}

#[derive(Deserialize)]
struct Notice {
    code: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    tracking_number: Option<String>,
    #[serde(default)]
    activity: Vec<Activity>,
    current_status: Option<Status>,
    #[serde(default)]
    package_address: Vec<PackageAddress>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Activity {
    location: Option<Location>,
    status: Option<Status>,
    date: Option<String>,
    time: Option<String>,
    gmt_date: Option<String>,
    gmt_time: Option<String>,
    gmt_offset: Option<String>,
}

#[derive(Deserialize)]
struct Location {
    address: Option<Address>,
}

#[derive(Deserialize)]
struct PackageAddress {
    address: Option<Address>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    city: Option<String>,
    state_province: Option<String>,
    country_code: Option<String>,
    country: Option<String>,
}

impl Address {
    fn zone(&self) -> Option<Tz> {
        let country = text(self.country_code.as_deref()).or_else(|| text(self.country.as_deref()));
        zones::zone_of(country.as_deref(), self.state_province.as_deref())
    }

    fn label(&self) -> Option<String> {
        let country = self.country_code.as_deref().or(self.country.as_deref());
        join(
            [
                self.city.as_deref(),
                self.state_province.as_deref(),
                country,
            ],
            ", ",
        )
    }
}

#[derive(Deserialize)]
struct Status {
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    /// UPS's three-digit milestone code; only the activities' is read.
    #[serde(rename = "statusCode")]
    status_code: Option<String>,
}

/// UPS reports "out for delivery" as type `I` with milestone `021`, the one
/// milestone an activity's type does not tell apart.
const OUT_FOR_DELIVERY: &str = "021";

pub(super) fn parse(
    body: &[u8],
    requested: Option<&str>,
) -> Result<Vec<CarrierShipment>, CarrierError> {
    let response: Response = decode::json(UPS, body)?;
    let Some(track) = response.track_response else {
        let errors = response.response.map(|r| r.errors).unwrap_or_default();
        return match errors.first() {
            Some(error) => refusal(error, requested),
            None => Err(CarrierError::Shape {
                carrier: UPS,
                path: ".".to_owned(),
                detail: "neither `trackResponse` nor `response.errors`".to_owned(),
            }),
        };
    };
    let mut shipments = Vec::new();
    for shipment in track.shipment {
        let inquiry =
            text(shipment.inquiry_number.as_deref()).or_else(|| requested.map(str::to_owned));
        if shipment.package.is_empty() {
            let Some(warning) = shipment.warnings.first() else {
                continue;
            };
            shipments.extend(refusal(warning, inquiry.as_deref())?);
            continue;
        }
        for package in shipment.package {
            let number = text(package.tracking_number.as_deref())
                .or_else(|| inquiry.clone())
                .unwrap_or_default();
            shipments.push(tracked(&number, package)?);
        }
    }
    Ok(shipments)
}

/// A notice in place of a parcel: "not found" is an answer about that
/// number; anything else refuses the request.
fn refusal(notice: &Notice, number: Option<&str>) -> Result<Vec<CarrierShipment>, CarrierError> {
    let code = notice.code.as_deref().unwrap_or_default().trim();
    let message = notice.message.as_deref().unwrap_or_default();
    if NOT_FOUND.contains(&code) {
        Ok(vec![decode::not_found(
            UPS,
            number.unwrap_or_default(),
            code,
            message,
        )])
    } else {
        Err(CarrierError::Rejected {
            carrier: UPS,
            status: None,
            code: code.to_owned(),
            message: message.trim().to_owned(),
        })
    }
}

fn tracked(number: &str, package: Package) -> Result<CarrierShipment, CarrierError> {
    let own: Vec<Option<Tz>> = package
        .activity
        .iter()
        .map(|a| a.location.as_ref()?.address.as_ref()?.zone())
        .collect();
    let package_zone = package
        .package_address
        .iter()
        .find_map(|p| p.address.as_ref()?.zone());
    let mut scans = Vec::with_capacity(package.activity.len());
    for (index, activity) in package.activity.iter().enumerate() {
        let zone = own[index].or_else(|| nearest(&own, index)).or(package_zone);
        scans.push(scan(number, index, activity, zone)?);
    }
    scans.sort_by_key(|s| s.at);
    let latest = scans.last();
    let current = package.current_status.as_ref();
    let code = current
        .and_then(|s| text(s.kind.as_deref()))
        .or_else(|| latest.map(|s| s.carrier_code.clone()))
        .unwrap_or_default();
    let status = match (lookup(UPS, &code), latest) {
        (Some(ShipmentStatus::InTransit), Some(scan))
            if scan.status == ShipmentStatus::OutForDelivery && scan.carrier_code == code =>
        {
            ShipmentStatus::OutForDelivery
        }
        (status, _) => status.unwrap_or(ShipmentStatus::Unknown),
    };
    let description = current
        .and_then(|s| text(s.description.as_deref()))
        .or_else(|| latest.map(|s| s.description.clone()));
    let incident = matches!(
        status,
        ShipmentStatus::Delayed | ShipmentStatus::ReturnedToSender
    )
    .then_some(description)
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
    Ok(CarrierShipment {
        carrier: UPS.name().to_owned(),
        tracking_number: number.to_owned(),
        status,
        raw_status: code,
        incident,
        scans,
        delivered_at,
    })
}

/// The zone of the closest activity in the list that has one.
fn nearest(zones: &[Option<Tz>], index: usize) -> Option<Tz> {
    (1..zones.len()).find_map(|distance| {
        let before = index.checked_sub(distance).and_then(|i| zones[i]);
        before.or_else(|| zones.get(index + distance).copied().flatten())
    })
}

fn scan(
    number: &str,
    index: usize,
    activity: &Activity,
    zone: Option<Tz>,
) -> Result<TrackingScan, CarrierError> {
    let at = time(activity, zone).ok_or_else(|| CarrierError::Invalid {
        carrier: UPS,
        tracking_number: number.to_owned(),
        detail: format!(
            "activity[{index}] date {:?} time {:?} is not YYYYMMDD HHMMSS",
            activity.date.as_deref().unwrap_or_default(),
            activity.time.as_deref().unwrap_or_default()
        ),
    })?;
    let status = activity.status.as_ref();
    let code = status
        .and_then(|s| text(s.kind.as_deref()))
        .unwrap_or_default();
    let milestone = status.and_then(|s| text(s.status_code.as_deref()));
    let mapped = match lookup(UPS, &code) {
        Some(ShipmentStatus::InTransit) if milestone.as_deref() == Some(OUT_FOR_DELIVERY) => {
            ShipmentStatus::OutForDelivery
        }
        mapped => mapped.unwrap_or(ShipmentStatus::Unknown),
    };
    Ok(TrackingScan {
        at,
        status: mapped,
        description: status
            .and_then(|s| text(s.description.as_deref()))
            .unwrap_or_else(|| code.clone()),
        carrier_code: code,
        location: activity
            .location
            .as_ref()
            .and_then(|l| l.address.as_ref()?.label()),
    })
}

fn time(activity: &Activity, zone: Option<Tz>) -> Option<DateTime<Utc>> {
    if let (Some(date), Some(time)) = (activity.gmt_date.as_deref(), activity.gmt_time.as_deref()) {
        if let Some(at) = date_time(date, time) {
            return Some(at.and_utc());
        }
    }
    let local = date_time(
        activity.date.as_deref()?,
        activity.time.as_deref().unwrap_or("000000"),
    )?;
    Some(
        match activity.gmt_offset.as_deref().and_then(zones::offset) {
            Some(offset) => zones::at_offset(local, offset),
            None => zones::local_or_utc(local, zone),
        },
    )
}

/// UPS writes dates as `YYYYMMDD` (its GMT dates sometimes as `YYYY-MM-DD`)
/// and times as `HHMMSS` (or `HH:MM:SS`).
fn date_time(date: &str, time: &str) -> Option<NaiveDateTime> {
    let date = date.trim();
    let time = time.trim();
    let date = NaiveDate::parse_from_str(date, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(date, "%Y-%m-%d"))
        .ok()?;
    let time = NaiveTime::parse_from_str(time, "%H%M%S")
        .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M:%S"))
        .ok()?;
    Some(date.and_time(time))
}
