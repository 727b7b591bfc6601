//! Each system's wire format, rendered from an order's plan as of one moment:
//! the same JSON the real APIs send, with their own time zones and formats.

pub mod carriers;
pub mod shipstation;
pub mod shopify;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::America::Los_Angeles;
use chrono_tz::Tz;

/// Shopify states times in the shop's zone with an offset, whole seconds.
pub fn shopify_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&super::calendar::SHOP_ZONE)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// ShipStation V1 sends Pacific time with no offset and seven fractional
/// digits (chrono formats at most nine, in steps of three).
pub fn shipstation_time(t: DateTime<Utc>) -> String {
    format!(
        "{}0",
        t.with_timezone(&Los_Angeles)
            .format("%Y-%m-%dT%H:%M:%S%.6f")
    )
}

/// A local wall-clock time with its offset, as FedEx states scan times.
pub fn local_with_offset(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A local wall-clock time without any offset (USPS `eventTimestamp`, DHL
/// event timestamps).
pub fn local_naive(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// "25.00" for 2500 cents.
pub fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}
