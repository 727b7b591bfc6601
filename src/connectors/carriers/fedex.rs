//! FedEx Track API (v1 JSON): `POST /track/v1/trackingnumbers` with up to 30
//! numbers. The body's `output.completeTrackResults` has one entry per number
//! asked about, each with `trackResults` (more than one when FedEx has reused
//! the number); a number FedEx does not know comes back as a result with only
//! an `error` (`TRACKING.TRACKINGNUMBER.NOTFOUND`). A request FedEx refuses as
//! a whole comes back as top-level `errors`.
//!
//! Times: `scanEvents[].date` is the local time of the scan with its offset
//! (`2018-02-02T12:01:00-07:00`); one without an offset is read in the zone
//! of the scan's location.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::decode::{self, join, text};
use super::{lookup, zones, Carrier, CarrierError};
use crate::domain::{CarrierShipment, ShipmentStatus, TrackingScan};

const FEDEX: Carrier = Carrier::Fedex;

/// The Track API takes at most 30 tracking numbers per request.
pub(super) const BATCH: usize = 30;

/// FedEx's status and scan event codes (`latestStatusDetail.code`,
/// `scanEvents[].eventType`), from the Track API's status code list. Codes
/// that only annotate (delivery-option requests, return-label e-mails) are
/// left out on purpose: a parcel whose latest word is one of them is not
/// known to be anywhere in particular.
pub(super) const CODES: &[(&str, ShipmentStatus)] = &[
    ("IN", ShipmentStatus::Pending),          // initiated: label created
    ("OC", ShipmentStatus::Pending),          // shipment information sent to FedEx (label created)
    ("AP", ShipmentStatus::Pending),          // at pickup: the courier is at the shipper
    ("EP", ShipmentStatus::Pending),          // enroute to pickup
    ("DS", ShipmentStatus::Pending),          // vehicle dispatched for pickup
    ("PU", ShipmentStatus::PickedUp),         // picked up
    ("PX", ShipmentStatus::PickedUp),         // picked up (see details)
    ("AA", ShipmentStatus::InTransit),        // at airport
    ("AC", ShipmentStatus::InTransit),        // at Canada Post facility
    ("AF", ShipmentStatus::InTransit),        // at local FedEx facility
    ("AR", ShipmentStatus::InTransit),        // arrived at
    ("AX", ShipmentStatus::InTransit),        // at USPS facility
    ("BR", ShipmentStatus::InTransit),        // broker
    ("CC", ShipmentStatus::InTransit),        // cleared customs
    ("CH", ShipmentStatus::InTransit),        // location changed
    ("CP", ShipmentStatus::InTransit),        // clearance in progress
    ("CU", ShipmentStatus::InTransit),        // customs
    ("DP", ShipmentStatus::InTransit),        // departed
    ("EA", ShipmentStatus::InTransit),        // enroute to airport
    ("EO", ShipmentStatus::InTransit),        // enroute to origin airport
    ("FD", ShipmentStatus::InTransit),        // at FedEx destination
    ("IT", ShipmentStatus::InTransit),        // in transit
    ("IX", ShipmentStatus::InTransit),        // in transit (see details)
    ("LO", ShipmentStatus::InTransit),        // left origin
    ("OF", ShipmentStatus::InTransit),        // at FedEx origin facility
    ("OX", ShipmentStatus::InTransit),        // shipment information sent to USPS
    ("PF", ShipmentStatus::InTransit),        // plane in flight
    ("PL", ShipmentStatus::InTransit),        // plane landed
    ("PM", ShipmentStatus::InTransit),        // in progress
    ("SF", ShipmentStatus::InTransit),        // at sort facility
    ("TR", ShipmentStatus::InTransit),        // transfer
    ("AD", ShipmentStatus::OutForDelivery),   // at delivery
    ("ED", ShipmentStatus::OutForDelivery),   // enroute to delivery
    ("OD", ShipmentStatus::OutForDelivery),   // on FedEx vehicle for delivery
    ("HL", ShipmentStatus::ReadyForPickup),   // hold at location
    ("HP", ShipmentStatus::ReadyForPickup),   // ready for recipient pickup
    ("DL", ShipmentStatus::Delivered),        // delivered
    ("DE", ShipmentStatus::DeliveryFailed),   // delivery exception
    ("DD", ShipmentStatus::Delayed),          // delivery delay
    ("DY", ShipmentStatus::Delayed),          // delay
    ("CD", ShipmentStatus::Delayed),          // clearance delay
    ("PD", ShipmentStatus::Delayed),          // pickup delay
    ("SE", ShipmentStatus::OnHold),           // shipment exception
    ("RS", ShipmentStatus::ReturnedToSender), // return to shipper
    ("CA", ShipmentStatus::Cancelled),        // shipment cancelled
];

/// The request body for `numbers` (at most [`BATCH`]).
pub(super) fn request_body(numbers: &[String]) -> serde_json::Value {
    let info: Vec<serde_json::Value> = numbers
        .iter()
        .map(|number| json!({ "trackingNumberInfo": { "trackingNumber": number } }))
        .collect();
    json!({ "includeDetailedScans": true, "trackingInfo": info })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    output: Option<Output>,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    #[serde(default)]
    complete_track_results: Vec<CompleteTrackResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompleteTrackResult {
    tracking_number: Option<String>,
    #[serde(default)]
    track_results: Vec<TrackResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrackResult {
    tracking_number_info: Option<TrackingNumberInfo>,
    latest_status_detail: Option<StatusDetail>,
    #[serde(default)]
    scan_events: Vec<ScanEvent>,
    #[serde(default)]
    date_and_times: Vec<DateAndTime>,
    error: Option<ApiError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrackingNumberInfo {
    tracking_number: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusDetail {
    code: Option<String>,
    derived_code: Option<String>,
    status_by_locale: Option<String>,
    description: Option<String>,
    #[serde(default)]
    ancillary_details: Vec<AncillaryDetail>,
    delay_detail: Option<DelayDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AncillaryDetail {
    reason_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DelayDetail {
    #[serde(rename = "type")]
    kind: Option<String>,
    sub_type: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScanEvent {
    date: Option<String>,
    event_type: Option<String>,
    event_description: Option<String>,
    derived_status_code: Option<String>,
    derived_status: Option<String>,
    exception_description: Option<String>,
    scan_location: Option<Address>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    city: Option<String>,
    state_or_province_code: Option<String>,
    country_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateAndTime {
    #[serde(rename = "type")]
    kind: Option<String>,
    date_time: Option<String>,
}

#[derive(Deserialize)]
struct ApiError {
    code: Option<String>,
    message: Option<String>,
}

/// A reply about several numbers as one reply per number: the same envelope
/// (transaction id, alerts) around that number's own entry of
/// `output.completeTrackResults`, whose bytes are kept exactly as sent.
/// `None` when the body is not that shape.
pub(super) fn split(body: &[u8]) -> Option<Vec<Vec<u8>>> {
    type Raw = BTreeMap<String, Box<RawValue>>;
    let mut top: Raw = serde_json::from_slice(body).ok()?;
    let mut output: Raw = serde_json::from_str(top.remove("output")?.get()).ok()?;
    let results: Vec<Box<RawValue>> =
        serde_json::from_str(output.remove("completeTrackResults")?.get()).ok()?;
    results
        .iter()
        .map(|one| {
            let mut output = output.clone();
            output.insert(
                "completeTrackResults".to_owned(),
                RawValue::from_string(format!("[{}]", one.get())).ok()?,
            );
            let mut top = top.clone();
            top.insert(
                "output".to_owned(),
                serde_json::value::to_raw_value(&output).ok()?,
            );
            serde_json::to_vec(&top).ok()
        })
        .collect()
}

pub(super) fn parse(
    body: &[u8],
    requested: Option<&str>,
) -> Result<Vec<CarrierShipment>, CarrierError> {
    let response: Response = decode::json(FEDEX, body)?;
    let results = response
        .output
        .map(|output| output.complete_track_results)
        .unwrap_or_default();
    if results.is_empty() {
        return Err(match response.errors.first() {
            Some(error) => CarrierError::Rejected {
                carrier: FEDEX,
                status: None,
                code: error.code.clone().unwrap_or_default(),
                message: error.message.clone().unwrap_or_default(),
            },
            None => CarrierError::Shape {
                carrier: FEDEX,
                path: "output.completeTrackResults".to_owned(),
                detail: "no track results and no errors".to_owned(),
            },
        });
    }
    results
        .into_iter()
        .enumerate()
        .map(|(index, complete)| {
            let number = text(complete.tracking_number.as_deref())
                .or_else(|| {
                    complete.track_results.iter().find_map(|r| {
                        text(r.tracking_number_info.as_ref()?.tracking_number.as_deref())
                    })
                })
                .or_else(|| requested.map(str::to_owned))
                .unwrap_or_default();
            shipment(&number, index, complete.track_results)
        })
        .collect()
}

/// One number's shipment. Of several results (a reused number), the one
/// with the most recent scan is the parcel in question.
fn shipment(
    number: &str,
    index: usize,
    results: Vec<TrackResult>,
) -> Result<CarrierShipment, CarrierError> {
    let mut error = None;
    let mut best: Option<CarrierShipment> = None;
    for mut result in results {
        let Some(detail) = result.latest_status_detail.take() else {
            error = error.or(result.error);
            continue;
        };
        let candidate = tracked(number, &detail, result)?;
        if best
            .as_ref()
            .is_none_or(|b| candidate.last_scan_at() > b.last_scan_at())
        {
            best = Some(candidate);
        }
    }
    if let Some(shipment) = best {
        return Ok(shipment);
    }
    match error {
        Some(error) => Ok(decode::not_found(
            FEDEX,
            number,
            error.code.as_deref().unwrap_or_default(),
            error.message.as_deref().unwrap_or_default(),
        )),
        None => Err(CarrierError::Shape {
            carrier: FEDEX,
            path: format!("output.completeTrackResults[{index}].trackResults"),
            detail: "no result with a status or an error".to_owned(),
        }),
    }
}

fn tracked(
    number: &str,
    detail: &StatusDetail,
    result: TrackResult,
) -> Result<CarrierShipment, CarrierError> {
    let code = text(detail.code.as_deref())
        .or_else(|| text(detail.derived_code.as_deref()))
        .unwrap_or_default();
    // FedEx's derived code is its own coarser reading of the same event, so
    // it may stand in for a code the table does not know.
    let status = lookup(FEDEX, &code)
        .or_else(|| lookup(FEDEX, detail.derived_code.as_deref()?))
        .unwrap_or(ShipmentStatus::Unknown);
    let mut scans = result
        .scan_events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            Ok((
                scan(number, i, event)?,
                event.exception_description.as_deref(),
            ))
        })
        .collect::<Result<Vec<_>, CarrierError>>()?;
    scans.sort_by_key(|(scan, _)| scan.at);
    let latest_exception = scans.last().and_then(|(_, exception)| *exception);
    let incident = incident(status, detail, latest_exception);
    let scans: Vec<TrackingScan> = scans.into_iter().map(|(scan, _)| scan).collect();
    let delivered_at = (status == ShipmentStatus::Delivered)
        .then(|| delivered_at(&scans, &result.date_and_times))
        .flatten();
    Ok(CarrierShipment {
        carrier: FEDEX.name().to_owned(),
        tracking_number: number.to_owned(),
        status,
        raw_status: code,
        incident,
        scans,
        delivered_at,
    })
}

/// What FedEx says holds the parcel up: the status's ancillary reasons, a
/// delay it reports, the latest scan's exception; failing those, for a
/// troubled parcel, the status's own description.
fn incident(
    status: ShipmentStatus,
    detail: &StatusDetail,
    latest_exception: Option<&str>,
) -> Option<String> {
    let delay = detail
        .delay_detail
        .as_ref()
        .filter(|d| d.status.as_deref() == Some("DELAYED"))
        .and_then(|d| join([d.kind.as_deref(), d.sub_type.as_deref()], ", "))
        .map(|why| format!("delayed: {}", why.to_lowercase()));
    let reasons = detail
        .ancillary_details
        .iter()
        .map(|a| a.reason_description.as_deref())
        .chain([delay.as_deref(), latest_exception]);
    join(reasons, "; ").or_else(|| {
        let troubled = matches!(
            status,
            ShipmentStatus::DeliveryFailed
                | ShipmentStatus::Delayed
                | ShipmentStatus::OnHold
                | ShipmentStatus::ReturnedToSender
        );
        troubled
            .then(|| {
                join(
                    [
                        detail.description.as_deref(),
                        detail.status_by_locale.as_deref(),
                    ],
                    "; ",
                )
            })
            .flatten()
    })
}

fn scan(number: &str, index: usize, event: &ScanEvent) -> Result<TrackingScan, CarrierError> {
    let date = event.date.as_deref().unwrap_or_default();
    let at = time(date, event.scan_location.as_ref()).ok_or_else(|| CarrierError::Invalid {
        carrier: FEDEX,
        tracking_number: number.to_owned(),
        detail: format!("scanEvents[{index}].date {date:?} is not an ISO 8601 date-time"),
    })?;
    let code = text(event.event_type.as_deref())
        .or_else(|| text(event.derived_status_code.as_deref()))
        .unwrap_or_default();
    let status = lookup(FEDEX, &code)
        .or_else(|| {
            event
                .derived_status_code
                .as_deref()
                .and_then(|d| lookup(FEDEX, d))
        })
        .unwrap_or(ShipmentStatus::Unknown);
    let location = event.scan_location.as_ref().and_then(|place| {
        join(
            [
                place.city.as_deref(),
                place.state_or_province_code.as_deref(),
                place.country_code.as_deref(),
            ],
            ", ",
        )
    });
    Ok(TrackingScan {
        at,
        status,
        description: text(event.event_description.as_deref())
            .or_else(|| text(event.derived_status.as_deref()))
            .unwrap_or_else(|| code.clone()),
        carrier_code: code,
        location,
    })
}

fn time(date: &str, place: Option<&Address>) -> Option<DateTime<Utc>> {
    zones::with_offset(date).or_else(|| {
        let local = zones::without_offset(date)?;
        let zone = place.and_then(|p| {
            zones::zone_of(
                p.country_code.as_deref(),
                p.state_or_province_code.as_deref(),
            )
        });
        Some(zones::local_or_utc(local, zone))
    })
}

/// The delivery scan, else FedEx's `ACTUAL_DELIVERY` time when it carries
/// an offset (without one there is no place to read it in).
fn delivered_at(scans: &[TrackingScan], times: &[DateAndTime]) -> Option<DateTime<Utc>> {
    scans
        .iter()
        .filter(|s| s.status == ShipmentStatus::Delivered)
        .map(|s| s.at)
        .max()
        .or_else(|| {
            times
                .iter()
                .filter(|t| t.kind.as_deref() == Some("ACTUAL_DELIVERY"))
                .find_map(|t| zones::with_offset(t.date_time.as_deref()?))
        })
}
