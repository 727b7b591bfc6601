//! USPS Tracking v3: the tracking object, its events (with `expand=DETAIL`)
//! local without an offset plus `GMTTimestamp`.

use serde_json::{json, Value};

use super::{offset, unmapped, utc};
use crate::sim::plan::{Carrier, ParcelPlan, Scan, ScanEvent};
use crate::sim::wire::local_naive;

/// (eventCode, eventType, statusCategory).
fn words(event: ScanEvent) -> (&'static str, &'static str, &'static str) {
    match event {
        ScanEvent::LabelCreated => (
            "GX",
            "Shipping Label Created, USPS Awaiting Item",
            "Pre-Shipment",
        ),
        ScanEvent::PickedUp => ("03", "USPS in possession of item", "Accepted"),
        ScanEvent::Arrived => ("A1", "Arrived at USPS Regional Facility", "In Transit"),
        ScanEvent::Departed => ("T1", "Departed USPS Regional Facility", "In Transit"),
        ScanEvent::OutForDelivery => ("OF", "Out for Delivery", "Out for Delivery"),
        ScanEvent::Delivered => ("01", "Delivered, In/At Mailbox", "Delivered"),
        ScanEvent::DeliveryFailed => (
            "02",
            "Notice Left (No Authorized Recipient Available)",
            "Alert",
        ),
        ScanEvent::Unmapped => (
            unmapped(Carrier::Usps),
            "Processing Exception, Status Pending",
            "Status Not Available",
        ),
    }
}

/// The tracking response for a number USPS knows; `detail` (expand=DETAIL)
/// includes the events.
pub fn track(parcel: &ParcelPlan, scans: &[Scan], detail: bool) -> Value {
    let events: Vec<Value> = scans
        .iter()
        .rev()
        .map(|scan| {
            let (code, kind, _) = words(scan.event);
            json!({
                "eventType": kind,
                "eventTimestamp": local_naive(scan.at, scan.place.zone),
                "GMTTimestamp": utc(scan.at),
                "GMTOffset": offset(scan.at, &scan.place),
                "eventCountry": null,
                "eventCity": scan.place.city.to_uppercase(),
                "eventState": scan.place.state,
                "eventZIP": scan.place.zip,
                "firm": null,
                "name": null,
                "authorizedAgent": "false",
                "eventCode": code,
                "additionalProp": null,
            })
        })
        .collect();
    let (status, category, summary) = match scans.last() {
        Some(last) => {
            let (_, kind, category) = words(last.event);
            let local = last.at.with_timezone(&last.place.zone);
            let summary = format!(
                "{kind}: {} on {} in {}, {} {}.",
                local.format("%-I:%M %P"),
                local.format("%B %-d, %Y"),
                last.place.city.to_uppercase(),
                last.place.state,
                last.place.zip
            );
            (kind, category, summary)
        }
        None => ("", "", String::new()),
    };
    let intake = scans.first().map(|s| {
        s.at.with_timezone(&s.place.zone)
            .format("%Y-%m-%d %H:%M:%S%.6f")
            .to_string()
    });
    let mut body = json!({
        "trackingNumber": parcel.tracking_number,
        "destinationCity": parcel.destination.city.to_uppercase(),
        "destinationState": parcel.destination.state,
        "destinationZIP": parcel.destination.zip,
        "emailEnabled": "true",
        "kahalaIndicator": "false",
        "mailClass": "Priority Mail<SUP>&#174;</SUP>",
        "mailType": "DM",
        "originCity": parcel.origin.city.to_uppercase(),
        "originState": parcel.origin.state,
        "originZIP": parcel.origin.zip,
        "proofOfDeliveryEnabled": "false",
        "restoreEnabled": "false",
        "RRAMEnabled": "false",
        "RREEnabled": "false",
        "services": ["USPS Tracking<SUP>&#174;</SUP>", "Up to $100 insurance included"],
        "serviceTypeCode": "055",
        "status": status,
        "statusCategory": category,
        "statusSummary": summary,
        "tableCode": "T",
        "uniqueMailPieceID": parcel.tracking_number.get(10..19).unwrap_or_default(),
        "mailPieceIntakeDate": intake,
    });
    if detail {
        body["trackingEvents"] = json!(events);
    }
    body
}

/// USPS's answer for a number it has no record of.
pub fn not_found(number: &str) -> Value {
    json!({
        "apiVersion": "v3",
        "error": {
            "code": "404",
            "message": "Resource not found",
            "errors": [{
                "status": "404",
                "code": "404",
                "title": "Tracking number not found",
                "detail": format!("The tracking number {number} may be incorrect or the status update is not yet available."),
            }],
        },
    })
}
