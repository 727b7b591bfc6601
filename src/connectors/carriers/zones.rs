//! Local times without an offset. UPS (always), FedEx and DHL (sometimes)
//! state a scan's time as the local wall-clock time where the scan happened,
//! with no offset; the place then decides the zone. A country or state that
//! spans zones is read in the zone where most of its people live, so a scan
//! elsewhere in it may be off by an hour or two — close enough for
//! tolerances measured in hours and days, and it is only a fallback for
//! places the tables below name.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone of a place given by ISO country code and, for the countries that
/// span zones, its state or province code.
pub(super) fn zone_of(country: Option<&str>, region: Option<&str>) -> Option<Tz> {
    let country = country
        .map(str::trim)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let region = region
        .map(str::trim)
        .unwrap_or_default()
        .to_ascii_uppercase();
    match country.as_str() {
        "US" | "USA" => us_state(&region),
        "CA" => canadian_province(&region),
        "AU" => australian_state(&region),
        // A US state code with no country (USPS leaves the country out).
        "" => us_state(&region),
        other => single_zone_country(other),
    }
}

/// A local wall-clock time in `zone` as UTC. In the autumn's repeated hour
/// the earlier reading is taken; a time inside the spring gap (which no
/// clock shows) is read as if the clock had already moved on.
pub(super) fn local_to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => {
            let later = local + TimeDelta::hours(1);
            match zone.from_local_datetime(&later) {
                LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
                LocalResult::None => later.and_utc(),
            }
        }
    }
}

fn us_state(state: &str) -> Option<Tz> {
    use chrono_tz::America::{
        Anchorage, Boise, Chicago, Denver, Detroit, Los_Angeles, New_York, Phoenix, Puerto_Rico,
        St_Thomas,
    };
    use chrono_tz::Pacific::{Guam, Honolulu};
    let zone = match state {
        "CT" | "DE" | "DC" | "FL" | "GA" | "IN" | "KY" | "MA" | "MD" | "ME" | "NC" | "NH"
        | "NJ" | "NY" | "OH" | "PA" | "RI" | "SC" | "VA" | "VT" | "WV" => New_York,
        "MI" => Detroit,
        "AL" | "AR" | "IA" | "IL" | "KS" | "LA" | "MN" | "MO" | "MS" | "ND" | "NE" | "OK"
        | "SD" | "TN" | "TX" | "WI" => Chicago,
        "CO" | "MT" | "NM" | "UT" | "WY" => Denver,
        "ID" => Boise,
        "AZ" => Phoenix,
        "CA" | "NV" | "OR" | "WA" => Los_Angeles,
        "AK" => Anchorage,
        "HI" => Honolulu,
        "PR" => Puerto_Rico,
        "VI" => St_Thomas,
        "GU" => Guam,
        _ => return None,
    };
    Some(zone)
}

fn canadian_province(province: &str) -> Option<Tz> {
    use chrono_tz::America::{
        Edmonton, Halifax, Regina, St_Johns, Toronto, Vancouver, Whitehorse, Winnipeg,
    };
    let zone = match province {
        "ON" | "QC" => Toronto,
        "BC" => Vancouver,
        "AB" | "NT" => Edmonton,
        "SK" => Regina,
        "MB" => Winnipeg,
        "NS" | "NB" | "PE" => Halifax,
        "NL" => St_Johns,
        "YT" => Whitehorse,
        "NU" => Toronto,
        _ => return None,
    };
    Some(zone)
}

fn australian_state(state: &str) -> Option<Tz> {
    use chrono_tz::Australia::{Adelaide, Brisbane, Darwin, Hobart, Melbourne, Perth, Sydney};
    let zone = match state {
        "NSW" | "ACT" => Sydney,
        "VIC" => Melbourne,
        "QLD" => Brisbane,
        "SA" => Adelaide,
        "WA" => Perth,
        "TAS" => Hobart,
        "NT" => Darwin,
        _ => return None,
    };
    Some(zone)
}

fn single_zone_country(country: &str) -> Option<Tz> {
    use chrono_tz::America::Mexico_City;
    use chrono_tz::Asia::{Hong_Kong, Kolkata, Seoul, Shanghai, Singapore, Taipei, Tokyo};
    use chrono_tz::Europe::{
        Amsterdam, Athens, Berlin, Brussels, Budapest, Copenhagen, Dublin, Helsinki, Lisbon,
        London, Luxembourg, Madrid, Oslo, Paris, Prague, Rome, Stockholm, Vienna, Warsaw, Zurich,
    };
    use chrono_tz::Pacific::Auckland;
    let zone = match country {
        "GB" | "UK" => London,
        "IE" => Dublin,
        "NL" => Amsterdam,
        "BE" => Brussels,
        "LU" => Luxembourg,
        "DE" => Berlin,
        "FR" => Paris,
        "ES" => Madrid,
        "PT" => Lisbon,
        "IT" => Rome,
        "CH" => Zurich,
        "AT" => Vienna,
        "CZ" => Prague,
        "PL" => Warsaw,
        "HU" => Budapest,
        "DK" => Copenhagen,
        "SE" => Stockholm,
        "NO" => Oslo,
        "FI" => Helsinki,
        "GR" => Athens,
        "JP" => Tokyo,
        "KR" => Seoul,
        "CN" => Shanghai,
        "HK" => Hong_Kong,
        "TW" => Taipei,
        "SG" => Singapore,
        "IN" => Kolkata,
        "NZ" => Auckland,
        "MX" => Mexico_City,
        "PR" => chrono_tz::America::Puerto_Rico,
        _ => return None,
    };
    Some(zone)
}

/// An ISO 8601 date-time that carries its offset (or `Z`).
pub(super) fn with_offset(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// An ISO 8601 date-time without an offset (`T` or a space between date and
/// time, optional fractions of a second).
pub(super) fn without_offset(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// A local time in the place's zone; with no zone known at all, read as UTC,
/// the last resort (the carrier gave nothing else to go by).
pub(super) fn local_or_utc(local: NaiveDateTime, zone: Option<Tz>) -> DateTime<Utc> {
    zone.map_or_else(|| local.and_utc(), |zone| local_to_utc(local, zone))
}

/// A UTC offset as carriers write it: `-05:00`, `-7:00` (USPS drops the
/// leading zero), `+0530`, `Z`.
pub(super) fn offset(text: &str) -> Option<FixedOffset> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((hours, minutes)) => (hours, minutes),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// A local time at a fixed offset, as UTC.
pub(super) fn at_offset(local: NaiveDateTime, offset: FixedOffset) -> DateTime<Utc> {
    (local - TimeDelta::seconds(i64::from(offset.local_minus_utc()))).and_utc()
}
