//! The rules the ground truth is stated under: the documented default config
//! (`assets/orderdeck.toml`), written out here on purpose rather than read
//! from the config or the engine, so that tests comparing the engine with the
//! truth compare two independent readings of DESIGN.md §3.

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::America::New_York;
use chrono_tz::Tz;

/// `[sla] timezone`.
pub const SHOP_ZONE: Tz = New_York;
/// `[sla] cutoff`, as seconds after midnight (14:00).
const CUTOFF_SECONDS: u32 = 14 * 3600;
/// `[sla] ship_within_business_days`.
pub const DEFAULT_BUSINESS_DAYS: u32 = 2;
/// `[sla] holidays`, as (year, month, day).
pub const HOLIDAYS: [(i32, u32, u32); 2] = [(2026, 11, 26), (2026, 12, 25)];
/// `[[vendors]]`: the third-party vendor and its own N.
pub const THIRD_PARTY_VENDOR: &str = "acme-home";
pub const VENDOR_BUSINESS_DAYS: u32 = 7;

/// `[tolerances]`.
pub fn sync_lag() -> TimeDelta {
    TimeDelta::hours(2)
}
pub fn warehouse_handoff() -> TimeDelta {
    TimeDelta::hours(4)
}
pub fn no_tracking() -> TimeDelta {
    TimeDelta::hours(24)
}
pub fn tracking_stall() -> TimeDelta {
    TimeDelta::hours(72)
}

fn is_business_day(day: NaiveDate) -> bool {
    let holiday = HOLIDAYS
        .iter()
        .any(|&(y, m, d)| (day.year(), day.month(), day.day()) == (y, m, d));
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holiday
}

fn next_business_day(day: NaiveDate) -> NaiveDate {
    let mut next = day;
    loop {
        next = next.succ_opt().unwrap_or(next);
        if is_business_day(next) {
            return next;
        }
    }
}

/// How far `at` is from the daily cutoff, in the shop's zone: orders placed
/// close to it are moved away so that "after the cutoff" is never a matter of
/// seconds.
pub fn seconds_from_cutoff(at: DateTime<Utc>) -> i64 {
    let local = at.with_timezone(&SHOP_ZONE).time();
    i64::from(local.num_seconds_from_midnight()) - i64::from(CUTOFF_SECONDS)
}

/// The ship-by deadline of an order placed at `placed`: the end (23:59:59 shop
/// time) of the `days`-th business day after the start day, which is the
/// order's own day, or the next business day when it came after the cutoff
/// or on a weekend or holiday.
pub fn ship_by(placed: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let local = placed.with_timezone(&SHOP_ZONE);
    let mut day = local.date_naive();
    if local.time().num_seconds_from_midnight() > CUTOFF_SECONDS || !is_business_day(day) {
        day = next_business_day(day);
    }
    for _ in 0..days {
        day = next_business_day(day);
    }
    let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
    // New York changes its clocks at 02:00, never near the end of a day.
    SHOP_ZONE
        .from_local_datetime(&end)
        .latest()
        .map_or(placed, |t| t.with_timezone(&Utc))
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    #[test]
    fn deadlines_skip_weekends_holidays_and_the_cutoff() {
        // Monday 10:00 New York: Monday is day 0, Wednesday ends it.
        assert_eq!(
            ship_by(utc("2026-11-02T15:00:00Z"), 2),
            utc("2026-11-05T04:59:59Z")
        );
        // Monday 15:00 New York is after the cutoff: starts Tuesday.
        assert_eq!(
            ship_by(utc("2026-11-02T20:00:00Z"), 2),
            utc("2026-11-06T04:59:59Z")
        );
        // Wednesday before Thanksgiving: Thursday is a holiday.
        assert_eq!(
            ship_by(utc("2026-11-25T15:00:00Z"), 2),
            utc("2026-12-01T04:59:59Z")
        );
        // Saturday: starts Monday.
        assert_eq!(
            ship_by(utc("2026-11-07T15:00:00Z"), 2),
            utc("2026-11-12T04:59:59Z")
        );
    }

    /// The truth is stated under the documented defaults; if they change,
    /// the constants here must follow.
    #[test]
    fn the_rules_are_the_documented_defaults() {
        let config = crate::config::Config::builtin().expect("built-in config");
        assert_eq!(config.sla.timezone, SHOP_ZONE.name());
        assert_eq!(config.sla.cutoff, "14:00");
        assert_eq!(config.sla.ship_within_business_days, DEFAULT_BUSINESS_DAYS);
        let holidays: Vec<String> = HOLIDAYS
            .iter()
            .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
            .collect();
        assert_eq!(config.sla.holidays, holidays);
        let duration = |text: &str| crate::config::parse_duration(text).expect("duration");
        assert_eq!(duration(&config.tolerances.sync_lag), sync_lag());
        assert_eq!(
            duration(&config.tolerances.warehouse_handoff),
            warehouse_handoff()
        );
        assert_eq!(duration(&config.tolerances.no_tracking), no_tracking());
        assert_eq!(
            duration(&config.tolerances.tracking_stall),
            tracking_stall()
        );
        let vendor = config
            .vendors
            .iter()
            .find(|v| v.id == THIRD_PARTY_VENDOR)
            .expect("the third-party vendor is configured");
        assert!(vendor.third_party);
        assert_eq!(vendor.ship_within_business_days, Some(VENDOR_BUSINESS_DAYS));
    }
}
