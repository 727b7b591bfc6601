//! UPS Track API: `trackResponse`. Activity dates and times are local
//! (`YYYYMMDD`, `HHMMSS`), with `gmtDate`/`gmtTime`/`gmtOffset` beside them.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{offset, unmapped};
use crate::sim::plan::{Carrier, ParcelPlan, Place, Scan, ScanEvent};

/// (status.type, status.code, status.statusCode, description).
fn words(event: ScanEvent) -> (&'static str, &'static str, &'static str, &'static str) {
    match event {
        ScanEvent::LabelCreated => (
            "M",
            "MP",
            "003",
            "Shipper created a label, UPS has not received the package yet. ",
        ),
        ScanEvent::PickedUp => ("P", "PU", "005", "Pickup Scan "),
        ScanEvent::Arrived => ("I", "AR", "005", "Arrived at Facility"),
        ScanEvent::Departed => ("I", "DP", "005", "Departed from Facility"),
        ScanEvent::OutForDelivery => ("I", "OT", "021", "Out For Delivery Today"),
        ScanEvent::Delivered => ("D", "KB", "011", "DELIVERED "),
        ScanEvent::DeliveryFailed => (
            "X",
            "48",
            "048",
            "The receiver was not available for delivery. We'll make a second attempt the next business day.",
        ),
        ScanEvent::Unmapped => (unmapped(Carrier::Ups), "ZU", "098", "Status update received"),
    }
}

fn address(place: &Place) -> Value {
    json!({
        "city": place.city.to_uppercase(),
        "stateProvince": place.state,
        "postalCode": place.zip,
        "countryCode": "US",
        "country": "US",
    })
}

fn local_date(t: DateTime<Utc>, place: &Place) -> (String, String) {
    let local = t.with_timezone(&place.zone);
    (
        local.format("%Y%m%d").to_string(),
        local.format("%H%M%S").to_string(),
    )
}

/// The `trackResponse` for a number UPS knows.
pub fn track(parcel: &ParcelPlan, scans: &[Scan]) -> Value {
    let number = &parcel.tracking_number;
    let activity: Vec<Value> = scans
        .iter()
        .rev()
        .map(|scan| {
            let (kind, code, status_code, description) = words(scan.event);
            let (date, time) = local_date(scan.at, &scan.place);
            json!({
                "location": {"address": address(&scan.place), "slic": "0761"},
                "status": {
                    "type": kind,
                    "description": description,
                    "code": code,
                    "statusCode": status_code,
                },
                "date": date,
                "time": time,
                "gmtDate": scan.at.format("%Y%m%d").to_string(),
                "gmtOffset": offset(scan.at, &scan.place),
                "gmtTime": scan.at.format("%H:%M:%S").to_string(),
            })
        })
        .collect();
    let mut package = json!({
        "trackingNumber": number,
        "activity": activity,
        "packageAddress": [
            {"type": "ORIGIN", "address": address(&parcel.origin)},
            {"type": "DESTINATION", "address": address(&parcel.destination)},
        ],
        "weight": {"unitOfMeasurement": "LBS", "weight": "1.50"},
        "service": {"code": "003", "description": "UPS Ground"},
        "referenceNumber": [],
        "packageCount": 1,
    });
    if let Some(last) = scans.last() {
        let (kind, _, status_code, description) = words(last.event);
        package["currentStatus"] = json!({
            "description": description,
            "code": status_code,
            "statusCode": status_code,
            "simplifiedTextDescription": description.trim(),
            "type": kind,
        });
        if last.event == ScanEvent::Delivered {
            let (date, time) = local_date(last.at, &last.place);
            package["deliveryDate"] = json!([{"type": "DEL", "date": date}]);
            package["deliveryTime"] = json!({"type": "DEL", "endTime": time, "startTime": time});
        }
    }
    json!({"trackResponse": {"shipment": [{"inquiryNumber": number, "package": [package]}]}})
}

/// UPS's answer for a number it has no record of.
pub fn not_found() -> Value {
    json!({"trackResponse": {"shipment": [{
        "warnings": [{"code": "TW0001", "message": "Tracking Information Not Found"}],
    }]}})
}
