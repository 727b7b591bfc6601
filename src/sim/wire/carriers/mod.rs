//! Each carrier's tracking response, in its own vocabulary: the same scan
//! means a different code at each carrier. `ScanEvent::Unmapped` is a code
//! outside each carrier's usual set ([`UNMAPPED_CODES`]).

pub mod dhl;
pub mod fedex;
pub mod ups;
pub mod usps;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::sim::plan::{Carrier, Place};

/// The status code each carrier sends for `ScanEvent::Unmapped`: FedEx's
/// `eventType`/`derivedStatusCode`, UPS's activity `status.type`, USPS's
/// `eventCode`, DHL's `statusCode`. None is in the carrier's documented set.
pub const UNMAPPED_CODES: [(Carrier, &str); 4] = [
    (Carrier::Fedex, "XS"),
    (Carrier::Ups, "U"),
    (Carrier::Usps, "Z9"),
    (Carrier::Dhl, "pending-review"),
];

pub(super) fn unmapped(carrier: Carrier) -> &'static str {
    UNMAPPED_CODES
        .iter()
        .find(|(c, _)| *c == carrier)
        .map_or("", |(_, code)| code)
}

pub(super) fn offset(t: DateTime<Utc>, place: &Place) -> String {
    t.with_timezone(&place.zone).format("%:z").to_string()
}

pub(super) fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
