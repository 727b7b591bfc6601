//! The SLA clock (DESIGN.md §3): business days, the cutoff, holidays, time
//! zones and daylight-saving changes, and which policy sets N.

// Tests may panic on a broken fixture: that is how they fail.
#![allow(clippy::expect_used)]

mod engine_common;

use chrono::NaiveTime;
use engine_common::{day, line, policy, t, vendor_line, Order};
use orderdeck::domain::StorefrontOrder;
use orderdeck::engine::sla::{
    is_business_day, rule_for_line, ship_by, start_day, SlaRule, SlaSource,
};
use orderdeck::engine::{self, SlaPolicy};

fn sla() -> SlaPolicy {
    policy().sla
}

#[test]
fn business_days_skip_weekends_and_holidays() {
    let sla = sla();
    for (date, expected) in [
        ("2026-11-06", true),  // Friday
        ("2026-11-07", false), // Saturday
        ("2026-11-08", false), // Sunday
        ("2026-11-09", true),  // Monday
        ("2026-11-26", false), // Thanksgiving, a configured holiday
        ("2026-09-07", false), // Labor Day, a configured holiday
        ("2026-11-27", true),  // the Friday after
    ] {
        assert_eq!(is_business_day(&sla, day(date)), expected, "{date}");
    }
}

#[test]
fn start_day_follows_the_shop_zone_and_the_cutoff() {
    let sla = sla();
    for (placed, expected, why) in [
        (
            "2026-11-04T18:59:59Z",
            "2026-11-04",
            "13:59:59 EST, before the cutoff",
        ),
        (
            "2026-11-04T19:00:00Z",
            "2026-11-04",
            "14:00:00 EST, at the cutoff: same day",
        ),
        (
            "2026-11-04T19:00:01Z",
            "2026-11-05",
            "14:00:01 EST, after the cutoff",
        ),
        (
            "2026-11-04T19:01:00Z",
            "2026-11-05",
            "14:01 EST, after the cutoff",
        ),
        ("2026-11-07T15:00:00Z", "2026-11-09", "Saturday morning"),
        ("2026-11-08T20:00:00Z", "2026-11-09", "Sunday afternoon"),
        (
            "2026-11-07T01:00:00Z",
            "2026-11-09",
            "Friday 20:00 EST, though Saturday in UTC",
        ),
        (
            "2026-11-09T04:00:00Z",
            "2026-11-09",
            "Sunday 23:00 EST, though Monday in UTC",
        ),
        ("2026-11-26T14:00:00Z", "2026-11-27", "Thanksgiving morning"),
        (
            "2026-11-25T20:00:00Z",
            "2026-11-27",
            "the evening before Thanksgiving",
        ),
        (
            "2026-09-04T18:00:00Z",
            "2026-09-04",
            "Friday 14:00 EDT, at the cutoff",
        ),
        (
            "2026-09-04T18:01:00Z",
            "2026-09-08",
            "Friday 14:01 EDT before Labor Day",
        ),
    ] {
        assert_eq!(start_day(&sla, t(placed)), day(expected), "{why}");
    }
}

#[test]
fn ship_by_is_the_end_of_the_nth_business_day_in_utc() {
    let sla = sla();
    for (placed, n, expected, why) in [
        // One minute after the cutoff on the Friday before Labor Day: the
        // clock starts on Tuesday, so two business days end on Thursday
        // 23:59:59 EDT.
        (
            "2026-09-04T18:01:00Z",
            2,
            "2026-09-11T03:59:59Z",
            "Friday 14:01 before a Monday holiday",
        ),
        (
            "2026-09-04T18:00:00Z",
            2,
            "2026-09-10T03:59:59Z",
            "Friday 14:00 before a Monday holiday",
        ),
        (
            "2026-09-04T18:01:00Z",
            0,
            "2026-09-09T03:59:59Z",
            "N=0 is the start day itself",
        ),
        // Clocks fall back on Sunday 1 November 2026: a deadline after it is
        // counted in EST (UTC-5), one before it in EDT (UTC-4).
        (
            "2026-10-29T14:00:00Z",
            0,
            "2026-10-30T03:59:59Z",
            "Thursday, EDT",
        ),
        (
            "2026-10-29T14:00:00Z",
            1,
            "2026-10-31T03:59:59Z",
            "Friday, EDT",
        ),
        (
            "2026-10-29T14:00:00Z",
            2,
            "2026-11-03T04:59:59Z",
            "Monday after the change, EST",
        ),
        (
            "2026-10-30T19:30:00Z",
            0,
            "2026-11-03T04:59:59Z",
            "Friday 15:30 EDT starts Monday, EST",
        ),
        // Clocks spring forward on Sunday 8 March 2026.
        (
            "2026-03-06T15:00:00Z",
            1,
            "2026-03-10T03:59:59Z",
            "Monday after spring forward, EDT",
        ),
        (
            "2026-11-25T20:00:00Z",
            2,
            "2026-12-02T04:59:59Z",
            "after the cutoff before Thanksgiving",
        ),
    ] {
        assert_eq!(ship_by(&sla, t(placed), n), t(expected), "{why}");
    }
}

#[test]
fn the_end_of_a_day_that_happens_twice_is_its_second_occurrence() {
    // Egypt leaves summer time at 24:00 on the last Thursday of October, so
    // 23:00–23:59:59 on Thursday 29 October 2026 happens twice (UTC+3, then
    // UTC+2): the day ends at the second one.
    let cairo = SlaPolicy {
        timezone: chrono_tz::Africa::Cairo,
        holidays: Default::default(),
        ..sla()
    };
    assert_eq!(
        ship_by(&cairo, t("2026-10-29T06:00:00Z"), 0),
        t("2026-10-29T21:59:59Z")
    );
}

#[test]
fn a_day_the_clocks_skip_ends_the_second_before_the_jump() {
    // Samoa skipped Friday 30 December 2011 entirely, jumping from UTC-10
    // to UTC+14 at 10:00 UTC.
    let apia = SlaPolicy {
        timezone: chrono_tz::Pacific::Apia,
        holidays: Default::default(),
        ..sla()
    };
    let placed = t("2011-12-29T20:00:00Z"); // Thursday 10:00 local
    assert_eq!(ship_by(&apia, placed, 0), t("2011-12-30T09:59:59Z"));
    assert_eq!(ship_by(&apia, placed, 1), t("2011-12-30T09:59:59Z"));
    assert_eq!(ship_by(&apia, placed, 2), t("2012-01-02T09:59:59Z"));
}

#[test]
fn the_cutoff_is_configurable() {
    let early = SlaPolicy {
        cutoff: NaiveTime::from_hms_opt(9, 30, 0).expect("time"),
        ..sla()
    };
    assert_eq!(
        start_day(&early, t("2026-11-04T14:30:00Z")),
        day("2026-11-04")
    );
    assert_eq!(
        start_day(&early, t("2026-11-04T14:31:00Z")),
        day("2026-11-05")
    );
}

#[test]
fn a_vendor_s_own_cutoff_starts_its_clock() {
    // acme-home: 7 business days. The shop's cutoff is 14:00 New York; an
    // order at 13:00 makes the day, unless acme-home's day ends at 12:00.
    let placed = "2026-11-04T18:00:00Z";
    let acme = Order::placed(placed).lines(vec![vendor_line("l", "SOFA", 1, 1, "acme-home")]);
    let shop_clock = engine::evaluate(acme.facts(), &policy(), t(placed));
    let mut early = policy();
    early.vendors[0].cutoff = NaiveTime::from_hms_opt(12, 0, 0);
    let vendor_clock = engine::evaluate(acme.facts(), &early, t(placed));
    assert_eq!(shop_clock.ship_by, Some(t("2026-11-14T04:59:59Z")));
    assert_eq!(vendor_clock.ship_by, Some(t("2026-11-17T04:59:59Z")));
    // An in-house line keeps the shop's cutoff.
    let mug = Order::placed(placed).lines(vec![line("m", "MUG", 1, 1)]);
    assert_eq!(
        engine::evaluate(mug.facts(), &early, t(placed)).ship_by,
        engine::evaluate(mug.facts(), &policy(), t(placed)).ship_by
    );
}

fn order(method: Option<&str>) -> StorefrontOrder {
    let mut order = Order::placed("2026-11-04T15:00:00Z")
        .build()
        .storefront
        .expect("order")
        .value;
    order.shipping_method = method.map(str::to_string);
    order
}

#[test]
fn the_most_specific_policy_sets_n() {
    let policy = policy();
    let rule = |days, source| SlaRule {
        business_days: days,
        source,
    };
    for (line, method, expected, why) in [
        (
            vendor_line("l", "FURN-1", 1, 1, "ACME-Home"),
            Some("express"),
            rule(7, SlaSource::Vendor("acme-home".into())),
            "the vendor beats everything, matched case-insensitively",
        ),
        (
            vendor_line("l", "FURN-1", 1, 1, "slowpoke"),
            Some("Express"),
            rule(1, SlaSource::ShippingMethod("express".into())),
            "a vendor without its own N falls through to the method",
        ),
        (
            line("l", "furn-chair", 1, 1),
            Some("Standard"),
            rule(5, SlaSource::Category("furniture".into())),
            "an unknown method falls through to the category, SKU case-insensitive",
        ),
        (
            line("l", "FURN-1", 1, 1),
            None,
            rule(5, SlaSource::Category("furniture".into())),
            "no method at all",
        ),
        (
            line("l", "SKU-1", 1, 1),
            Some("Standard"),
            rule(2, SlaSource::Default),
            "nothing specific: the default",
        ),
    ] {
        assert_eq!(
            rule_for_line(&policy, &order(method), &line),
            expected,
            "{why}"
        );
    }
}

#[test]
fn a_rule_says_where_it_came_from() {
    let rule = SlaRule {
        business_days: 7,
        source: SlaSource::Vendor("acme-home".into()),
    };
    assert_eq!(rule.to_string(), "7 business days, vendor acme-home's SLA");
}
