//! Wording shared by the checks' reasons, so every reason says times and
//! amounts the same way. Each piece is written straight into the reason it
//! appears in rather than into a string of its own: the engine writes these
//! for every order it evaluates, and the extra allocations were a large part
//! of its time.

use std::fmt::{self, Display, Formatter, Write};

use chrono::{DateTime, Datelike, SecondsFormat, TimeDelta, Timelike, Utc, Weekday};
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
        let seconds = self.0.num_seconds().max(0).unsigned_abs();
        if seconds < 60 {
            return unit(f, seconds, "s");
        }
        let minutes = seconds / 60;
        if minutes < 60 {
            return unit(f, minutes, "m");
        }
        let hours = minutes / 60;
        if hours < 48 {
            unit(f, hours, "h")?;
            return match minutes % 60 {
                0 => Ok(()),
                rest => {
                    f.write_str(" ")?;
                    unit(f, rest, "m")
                }
            };
        }
        unit(f, hours / 24, "d")?;
        match hours % 24 {
            0 => Ok(()),
            rest => {
                f.write_str(" ")?;
                unit(f, rest, "h")
            }
        }
    }
}

/// A count and its unit ("40m"), written without the general formatter:
/// these are in most reasons.
fn unit(f: &mut Formatter<'_>, count: u64, unit: &str) -> fmt::Result {
    let mut digits = [0u8; 20];
    f.write_str(decimal(&mut digits, count))?;
    f.write_str(unit)
}

/// `value` in decimal digits, written from the end of `buffer`.
fn decimal(buffer: &mut [u8; 20], value: u64) -> &str {
    let mut value = value;
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    // Only ASCII digits: never the empty fallback.
    std::str::from_utf8(&buffer[start..]).unwrap_or_default()
}

/// Writes `value` as exactly `width` digits into `slots` (zero-padded).
fn digits(slots: &mut [u8], value: u32) {
    let mut value = value;
    for slot in slots.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
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
        // The local date and time once, where each of `year()`, `month()`...
        // would convert again.
        let naive = local.naive_local();
        // %Y writes years outside 0..=9999 with a sign, which `{:04}` would not.
        if !(0..=9999).contains(&naive.year()) {
            return write!(f, "{}", local.format("%a %Y-%m-%d %H:%M %Z"));
        }
        let mut text = *b"Mon 0000-00-00 00:00 ";
        text[..3].copy_from_slice(weekday(naive.weekday()).as_bytes());
        digits(&mut text[4..8], naive.year().unsigned_abs());
        digits(&mut text[9..11], naive.month());
        digits(&mut text[12..14], naive.day());
        digits(&mut text[15..17], naive.hour());
        digits(&mut text[18..20], naive.minute());
        // Only ASCII: never the empty fallback.
        f.write_str(std::str::from_utf8(&text).unwrap_or_default())?;
        write!(f, "{}", local.offset())
    }
}

/// A weekday as chrono's `Display` (and strftime's `%a`) writes it.
fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// Evidence values carry exact instants (ISO 8601, UTC) rather than prose.
/// The same text as `to_rfc3339_opts(SecondsFormat::Secs, true)`, written
/// digit by digit into a string of its exact size: most evidence is a time,
/// and the general formatter was a visible part of the engine's loop.
pub(in crate::engine) fn iso(at: DateTime<Utc>) -> String {
    let year = at.year();
    // Years chrono writes with a sign, and leap seconds (":60"), go the
    // general way.
    if !(0..=9999).contains(&year) || at.nanosecond() >= 1_000_000_000 {
        return at.to_rfc3339_opts(SecondsFormat::Secs, true);
    }
    let mut text = *b"0000-00-00T00:00:00Z";
    digits(&mut text[0..4], year.unsigned_abs());
    digits(&mut text[5..7], at.month());
    digits(&mut text[8..10], at.day());
    digits(&mut text[11..13], at.hour());
    digits(&mut text[14..16], at.minute());
    digits(&mut text[17..19], at.second());
    // Only ASCII digits and separators: never lossy.
    String::from_utf8_lossy(&text).into_owned()
}

pub(super) fn items(count: u32) -> impl Display {
    Items(count)
}

struct Items(u32);

impl Display for Items {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 item"),
            count => unit(f, u64::from(count), " items"),
        }
    }
}

/// `text.trim()`, without walking it when it neither starts nor ends with
/// whitespace, as almost every SKU and tracking number does: `str::trim`
/// decodes and classifies characters from both ends, and the engine trims
/// every SKU and tracking number it compares for every order it evaluates.
pub(in crate::engine) fn trimmed(text: &str) -> &str {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) if !(plain(first) && plain(last)) => text.trim(),
        _ => text,
    }
}

/// An ASCII byte that is not whitespace by `char::is_whitespace`. Every
/// other byte leaves the answer to `str::trim`.
fn plain(byte: u8) -> bool {
    byte.is_ascii() && !matches!(byte, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' ')
}

#[cfg(test)]
mod tests {
    use super::trimmed;

    #[test]
    fn trimmed_is_str_trim() {
        for text in [
            "",
            " ",
            "SKU-1",
            " SKU-1",
            "SKU-1 ",
            "\tSKU-1\n",
            "\u{0B}SKU\u{0B}",
            "\u{a0}SKU-1",
            "SKU-1\u{2003}",
            "é",
            "\u{3000}",
            "a b",
        ] {
            assert_eq!(trimmed(text), text.trim(), "{text:?}");
        }
    }
}
