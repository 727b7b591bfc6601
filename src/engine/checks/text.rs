//! Wording shared by the checks' reasons, so every reason says times and
//! amounts the same way. Each piece is written straight into the reason it
//! appears in rather than into a string of its own: the engine writes these
//! for every order it evaluates, and the extra allocations were a large part
//! of its time.

use std::fmt::{self, Display, Formatter, Write};

use chrono::{DateTime, Datelike, SecondsFormat, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

/// About the longest reason most orders get: enough that writing one is a
/// single allocation.
const REASON_CAPACITY: usize = 192;

/// A reason, written into one allocation sized for a whole reason, where
/// `format!` sizes it from the literal text alone and grows it again for
/// every long piece written into it.
pub(super) fn reason(args: fmt::Arguments<'_>) -> String {
    let mut text = String::with_capacity(REASON_CAPACITY);
    // Writing into a String cannot fail.
    let _ = text.write_fmt(args);
    text
}

/// "45s", "40m", "3h 10m", "2d 4h": two units at most, hours up to two days
/// because "36h" reads better than "1d 12h" for tolerances and ages alike.
pub(in crate::engine) fn duration(span: TimeDelta) -> impl Display {
    Duration(span)
}

struct Duration(TimeDelta);

impl Display for Duration {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let seconds = self.0.num_seconds().max(0);
        if seconds < 60 {
            return write!(f, "{seconds}s");
        }
        let minutes = seconds / 60;
        if minutes < 60 {
            return write!(f, "{minutes}m");
        }
        let hours = minutes / 60;
        if hours < 48 {
            return match minutes % 60 {
                0 => write!(f, "{hours}h"),
                rest => write!(f, "{hours}h {rest}m"),
            };
        }
        match hours % 24 {
            0 => write!(f, "{}d", hours / 24),
            rest => write!(f, "{}d {rest}h", hours / 24),
        }
    }
}

/// A moment in the shop's zone, which is the zone deadlines are defined in,
/// as strftime's "%a %Y-%m-%d %H:%M %Z" writes it.
pub(super) fn shop_time(zone: Tz, at: DateTime<Utc>) -> impl Display {
    ShopTime(at.with_timezone(&zone))
}

struct ShopTime(DateTime<Tz>);

impl Display for ShopTime {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let local = &self.0;
        // %Y writes years outside 0..=9999 with a sign, which `{:04}` would not.
        if !(0..=9999).contains(&local.year()) {
            return write!(f, "{}", local.format("%a %Y-%m-%d %H:%M %Z"));
        }
        write!(
            f,
            "{} {:04}-{:02}-{:02} {:02}:{:02} {}",
            local.weekday(),
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute(),
            local.offset()
        )
    }
}

/// Evidence values carry exact instants (ISO 8601, UTC) rather than prose.
pub(in crate::engine) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn items(count: u32) -> impl Display {
    Items(count)
}

struct Items(u32);

impl Display for Items {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 item"),
            count => write!(f, "{count} items"),
        }
    }
}
