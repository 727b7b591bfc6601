//! DHL Shipment Tracking - Unified: `shipments` elements; events carry local
//! times without an offset, the current status a UTC one.

use serde_json::{json, Value};

use super::{unmapped, utc};
use crate::sim::plan::{Carrier, ParcelPlan, Place, Scan, ScanEvent};
use crate::sim::wire::local_naive;

/// (statusCode, status, description).
fn words(event: ScanEvent) -> (&'static str, &'static str, &'static str) {
    match event {
        ScanEvent::LabelCreated => (
            "pre-transit",
            "SHIPMENT INFORMATION RECEIVED",
            "Shipment information received",
        ),
        ScanEvent::PickedUp => ("transit", "PICKED UP", "Shipment picked up"),
        ScanEvent::Arrived => (
            "transit",
            "ARRIVED AT SORT FACILITY",
            "Arrived at DHL Sort Facility",
        ),
        ScanEvent::Departed => ("transit", "DEPARTED FACILITY", "Departed Facility"),
        ScanEvent::OutForDelivery => ("transit", "WITH DELIVERY COURIER", "With delivery courier"),
        ScanEvent::Delivered => ("delivered", "DELIVERED", "Delivered"),
        ScanEvent::DeliveryFailed => (
            "failure",
            "DELIVERY ATTEMPTED",
            "Delivery attempted; recipient not home",
        ),
        ScanEvent::Unmapped => (
            unmapped(Carrier::Dhl),
            "STATUS UNDER REVIEW",
            "Shipment status under review",
        ),
    }
}

fn address(place: &Place) -> Value {
    json!({
        "address": {
            "addressLocality": format!("{} - {} - USA", place.city.to_uppercase(), place.state),
            "countryCode": "US",
            "postalCode": place.zip,
        }
    })
}

/// The `shipments` element for a number DHL knows.
pub fn track(parcel: &ParcelPlan, scans: &[Scan]) -> Value {
    let events: Vec<Value> = scans
        .iter()
        .rev()
        .map(|scan| {
            let (code, status, description) = words(scan.event);
            json!({
                "timestamp": local_naive(scan.at, scan.place.zone),
                "location": address(&scan.place),
                "statusCode": code,
                "status": status,
                "description": description,
            })
        })
        .collect();
    let status = scans.last().map_or(Value::Null, |last| {
        let (code, status, description) = words(last.event);
        json!({
            "timestamp": utc(last.at),
            "location": address(&last.place),
            "statusCode": code,
            "status": status,
            "description": description,
        })
    });
    let mut details = json!({
        "carrier": {"@type": "Organization", "organizationName": "DHL Express"},
        "product": {"productName": "DHL EXPRESS WORLDWIDE"},
        "totalNumberOfPieces": 1,
        "pieceIds": [format!("JD01460000{}", parcel.tracking_number)],
        "weight": {"value": 0.7, "unitText": "kg"},
    });
    if let Some(delivered) = scans.iter().find(|s| s.event == ScanEvent::Delivered) {
        details["proofOfDelivery"] = json!({
            "timestamp": utc(delivered.at),
            "documentUrl": "https://webpod.dhl.com/webPOD/DHLePODRequest",
            "signed": {"@type": "Person", "familyName": "", "givenName": "", "name": "Front door"},
        });
    }
    json!({
        "id": parcel.tracking_number,
        "service": "express",
        "origin": address(&parcel.origin),
        "destination": address(&parcel.destination),
        "status": status,
        "details": details,
        "events": events,
    })
}

/// DHL's problem document for a number it has no record of.
pub fn not_found(number: &str) -> Value {
    json!({
        "title": "No result found",
        "status": 404,
        "detail": "No shipment with given tracking number found.",
        "instance": format!("/track/shipments?trackingNumber={number}"),
    })
}
