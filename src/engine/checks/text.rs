//! Wording shared by the checks' reasons, so every reason says times and
//! amounts the same way.

use std::sync::LazyLock;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;

/// "45s", "40m", "3h 10m", "2d 4h": two units at most, hours up to two days
/// because "36h" reads better than "1d 12h" for tolerances and ages alike.
pub(in crate::engine) fn duration(span: TimeDelta) -> String {
    let seconds = span.num_seconds().max(0);
    if seconds < 60 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 48 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            rest => format!("{hours}h {rest}m"),
        };
    }
    match hours % 24 {
        0 => format!("{}d", hours / 24),
        rest => format!("{}d {rest}h", hours / 24),
    }
}

/// The format of `shop_time`, parsed once: parsing it per call was a tenth
/// of the engine's time.
static SHOP_TIME: LazyLock<Vec<Item<'static>>> =
    LazyLock::new(|| StrftimeItems::new("%a %Y-%m-%d %H:%M %Z").collect());

/// A moment in the shop's zone, which is the zone deadlines are defined in.
pub(in crate::engine) fn shop_time(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone)
        .format_with_items(SHOP_TIME.iter())
        .to_string()
}

/// Evidence values carry exact instants (ISO 8601, UTC) rather than prose.
pub(in crate::engine) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(in crate::engine) fn items(count: u32) -> String {
    if count == 1 {
        "1 item".to_string()
    } else {
        format!("{count} items")
    }
}
