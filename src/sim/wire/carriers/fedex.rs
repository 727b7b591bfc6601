//! FedEx Track API: `completeTrackResults` elements. Scan times are local
//! with their offset.

use serde_json::{json, Value};

use super::unmapped;
use crate::sim::plan::{Carrier, ParcelPlan, Place, Scan, ScanEvent};
use crate::sim::wire::local_with_offset;

/// (eventType, derivedStatusCode, eventDescription, derivedStatus).
fn words(event: ScanEvent) -> (&'static str, &'static str, &'static str, &'static str) {
    match event {
        ScanEvent::LabelCreated => (
            "OC",
            "IN",
            "Shipment information sent to FedEx",
            "Label created",
        ),
        ScanEvent::PickedUp => ("PU", "PU", "Picked up", "Picked up"),
        ScanEvent::Arrived => ("AR", "IT", "Arrived at FedEx location", "In transit"),
        ScanEvent::Departed => ("DP", "IT", "Departed FedEx location", "In transit"),
        ScanEvent::OutForDelivery => (
            "OD",
            "OD",
            "On FedEx vehicle for delivery",
            "Out for delivery",
        ),
        ScanEvent::Delivered => ("DL", "DL", "Delivered", "Delivered"),
        ScanEvent::DeliveryFailed => ("DE", "DE", "Delivery exception", "Delivery exception"),
        ScanEvent::Unmapped => {
            let code = unmapped(Carrier::Fedex);
            (code, code, "Shipment status update", "Status update")
        }
    }
}

fn location(place: &Place) -> Value {
    json!({
        "city": place.city.to_uppercase(),
        "stateOrProvinceCode": place.state,
        "postalCode": place.zip,
        "countryCode": "US",
        "residential": false,
        "countryName": "United States",
    })
}

const EXCEPTION: (&str, &str) = ("08", "Customer not available or business closed");

/// One `completeTrackResults` element for a number FedEx knows.
pub fn track(parcel: &ParcelPlan, scans: &[Scan]) -> Value {
    let number = &parcel.tracking_number;
    let events: Vec<Value> = scans
        .iter()
        .rev()
        .map(|scan| {
            let (code, derived, description, status) = words(scan.event);
            let failed = scan.event == ScanEvent::DeliveryFailed;
            json!({
                "date": local_with_offset(scan.at, scan.place.zone),
                "eventType": code,
                "eventDescription": description,
                "exceptionCode": if failed { EXCEPTION.0 } else { "" },
                "exceptionDescription": if failed { EXCEPTION.1 } else { "" },
                "scanLocation": location(&scan.place),
                "locationType": if scan.place == parcel.destination { "DELIVERY_LOCATION" } else { "FEDEX_FACILITY" },
                "derivedStatusCode": derived,
                "derivedStatus": status,
            })
        })
        .collect();
    let mut latest = json!({});
    if let Some(last) = scans.last() {
        let (code, derived, description, status) = words(last.event);
        latest = json!({
            "code": derived,
            "derivedCode": derived,
            "statusByLocale": status,
            "description": description,
            "scanLocation": location(&last.place),
        });
        if last.event == ScanEvent::DeliveryFailed {
            latest["ancillaryDetails"] = json!([{
                "reason": EXCEPTION.0,
                "reasonDescription": EXCEPTION.1,
                "action": "No action is required. The package will be delivered on the next business day.",
                "actionDescription": "Customer not available or business closed",
            }]);
        }
        if last.event == ScanEvent::Unmapped {
            latest["code"] = json!(code);
        }
    }
    let mut dates = Vec::new();
    for (event, kind) in [
        (ScanEvent::Delivered, "ACTUAL_DELIVERY"),
        (ScanEvent::PickedUp, "ACTUAL_PICKUP"),
        (ScanEvent::LabelCreated, "SHIP"),
    ] {
        if let Some(scan) = scans.iter().rev().find(|s| s.event == event) {
            dates.push(
                json!({"type": kind, "dateTime": local_with_offset(scan.at, scan.place.zone)}),
            );
        }
    }
    let attempts = scans
        .iter()
        .filter(|s| matches!(s.event, ScanEvent::Delivered | ScanEvent::DeliveryFailed))
        .count();
    json!({
        "trackingNumber": number,
        "trackResults": [{
            "trackingNumberInfo": {
                "trackingNumber": number,
                "carrierCode": "FDXG",
                "trackingNumberUniqueId": format!("12029~{number}~FDEG"),
            },
            "additionalTrackingInfo": {"nickname": "", "packageIdentifiers": [], "hasAssociatedShipments": false},
            "shipperInformation": {"contact": {}, "address": location(&parcel.origin)},
            "recipientInformation": {"contact": {}, "address": location(&parcel.destination)},
            "latestStatusDetail": latest,
            "dateAndTimes": dates,
            "availableImages": [],
            "packageDetails": {
                "packagingDescription": {"type": "YOUR_PACKAGING", "description": "Your Packaging"},
                "count": "1",
                "weightAndDimensions": {"weight": [{"value": "1.5", "unit": "LB"}]},
                "packageContent": [],
            },
            "shipmentDetails": {"possessionStatus": scans.iter().any(|s| s.event == ScanEvent::PickedUp)},
            "scanEvents": events,
            "deliveryDetails": {"deliveryAttempts": attempts.to_string()},
            "serviceDetail": {"type": "FEDEX_GROUND", "description": "FedEx Ground", "shortDescription": "FG"},
            "originLocation": {"locationContactAndAddress": {"address": location(&parcel.origin)}},
            "lastUpdatedDestinationAddress": location(&parcel.destination),
        }],
    })
}

/// One `completeTrackResults` element for a number FedEx does not know.
pub fn not_found(number: &str) -> Value {
    json!({
        "trackingNumber": number,
        "trackResults": [{
            "trackingNumberInfo": {"trackingNumber": number, "trackingNumberUniqueId": "", "carrierCode": ""},
            "error": {
                "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                "message": "Tracking number cannot be found. Please correct the tracking number and try again.",
            },
        }],
    })
}
