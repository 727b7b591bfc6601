//! STALE_DATA judged from the sources' sync health: a source not read for
//! longer than the tolerance, one that has never been read, and one that
//! answers but whose newest change lags the storefront's — while a shop
//! that is quiet everywhere, or shipments that lag orders, are not stale.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{DateTime, TimeDelta, Utc};
use orderdeck::domain::{Finding, FindingCode, System, Verdict};
use orderdeck::engine::{Freshness, SourceFreshness, Staleness, Tolerances};

fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

const NOW: &str = "2026-11-23T18:00:00Z";

fn source(listing: &str, last_success: &str, newest_change: Option<&str>) -> SourceFreshness {
    SourceFreshness {
        listing: listing.to_string(),
        last_success: Some(t(last_success)),
        last_error_at: None,
        newest_change: newest_change.map(t),
    }
}

/// Listings all read a minute ago, each with its newest change.
fn read_just_now(changes: &[(&str, &str)]) -> Vec<SourceFreshness> {
    changes
        .iter()
        .map(|(listing, newest)| source(listing, "2026-11-23T17:59:00Z", Some(newest)))
        .collect()
}

fn judge(sources: &[SourceFreshness]) -> Freshness {
    let tolerances = Tolerances {
        sync_lag: TimeDelta::hours(2),
        warehouse_handoff: TimeDelta::hours(4),
        no_tracking: TimeDelta::hours(24),
        tracking_stall: TimeDelta::hours(72),
        stale_data: TimeDelta::hours(1),
    };
    Freshness::judge(sources, &tolerances, t(NOW))
}

fn stale_listings(freshness: &Freshness) -> Vec<(&str, System)> {
    freshness
        .stale()
        .iter()
        .map(|s| (s.listing.as_str(), s.system))
        .collect()
}

#[test]
fn a_quiet_shop_is_quiet_everywhere_and_not_stale() {
    let freshness = judge(&[
        source(
            "storefront.orders",
            "2026-11-23T17:59:00Z",
            Some("2026-11-23T09:00:00Z"),
        ),
        source(
            "warehouse.orders",
            "2026-11-23T17:59:00Z",
            Some("2026-11-23T08:30:00Z"),
        ),
        source("carrier.ups", "2026-11-23T17:59:00Z", None),
    ]);
    assert!(freshness.stale().is_empty(), "{:?}", freshness.stale());
    assert_eq!(freshness.finding(Some("paid/unfulfilled|-|-")), None);
}

#[test]
fn shipments_lagging_orders_is_not_a_stale_warehouse() {
    let freshness = judge(&read_just_now(&[
        ("storefront.orders", "2026-11-23T17:50:00Z"),
        ("warehouse.orders", "2026-11-23T17:40:00Z"),
        ("warehouse.shipments", "2026-11-23T11:00:00Z"),
    ]));
    assert!(freshness.stale().is_empty(), "{:?}", freshness.stale());
}

#[test]
fn a_warehouse_that_answers_but_stopped_changing_is_stale() {
    let freshness = judge(&read_just_now(&[
        ("storefront.orders", "2026-11-23T17:50:00Z"),
        ("warehouse.orders", "2026-11-23T13:49:00Z"),
    ]));
    assert_eq!(
        stale_listings(&freshness),
        [("warehouse", System::Warehouse)]
    );
    assert!(matches!(
        freshness.stale()[0].why,
        Staleness::NotChanging {
            ahead: System::Storefront,
            ..
        }
    ));
    let finding = freshness.finding(Some("paid/unfulfilled|-|-")).unwrap();
    assert_eq!(finding.code, FindingCode::StaleData);
    assert_eq!(finding.verdict, Verdict::Info);
    assert_eq!(
        finding.reason,
        "What orderdeck shows may be out of date: the warehouse has reported no change for 4h 1m while the storefront has moved on (expected within 4h)"
    );

    // One minute less behind is within the hand-off tolerance; a
    // storefront far behind a busy warehouse is an ordinary quiet shop.
    for (storefront, warehouse) in [
        ("2026-11-23T17:50:00Z", "2026-11-23T13:50:00Z"),
        ("2026-11-23T09:00:00Z", "2026-11-23T17:50:00Z"),
    ] {
        let freshness = judge(&[
            source(
                "storefront.orders",
                "2026-11-23T17:59:00Z",
                Some(storefront),
            ),
            source("warehouse.orders", "2026-11-23T17:59:00Z", Some(warehouse)),
        ]);
        assert!(freshness.stale().is_empty(), "{storefront} {warehouse}");
    }
}

#[test]
fn unread_and_never_read_sources_are_stale_for_the_orders_they_concern() {
    let freshness = judge(&[
        source("storefront.orders", "2026-11-23T17:00:00Z", None),
        source("carrier.fedex", "2026-11-23T15:00:00Z", None),
        SourceFreshness {
            listing: "carrier.ups".into(),
            last_success: None,
            last_error_at: Some(t("2026-11-23T17:58:00Z")),
            newest_change: None,
        },
    ]);
    assert_eq!(
        stale_listings(&freshness),
        [
            ("carrier.fedex", System::Carrier),
            ("carrier.ups", System::Carrier)
        ]
    );
    // An order with no parcel tracked does not depend on the carriers.
    assert_eq!(freshness.finding(Some("paid/unfulfilled|-|-")), None);
    let finding = freshness
        .finding(Some("paid/fulfilled|shipped|in_transit"))
        .unwrap();
    assert_eq!(
        finding.reason,
        "What orderdeck shows may be out of date: no successful sync of the carrier for 3h (carrier.fedex; expected within 1h); every sync of the carrier has failed so far (carrier.ups)"
    );
    assert_eq!(finding.evidence.len(), 2);
    assert_eq!(
        finding.evidence[0].field,
        "carrier.fedex last successful sync"
    );
    assert_eq!(finding.evidence[0].value, "2026-11-23T15:00:00Z");
    assert_eq!(finding.evidence[1].value, "never");
}

#[test]
fn added_where_the_engine_sorts_it_and_only_once() {
    let freshness = judge(&[source("storefront.orders", "2026-11-23T15:00:00Z", None)]);
    let finding = |code, verdict| Finding {
        code,
        verdict,
        reason: String::new(),
        evidence: Vec::new(),
    };
    let mut findings = vec![
        finding(FindingCode::CancelledButActive, Verdict::Blocked),
        finding(FindingCode::RefundedPartial, Verdict::Info),
        finding(FindingCode::CarrierStatusUnknown, Verdict::Info),
        finding(FindingCode::SlaOnTime, Verdict::Pass),
    ];
    freshness.add_to(&mut findings, Some("paid/unfulfilled|-|-"));
    freshness.add_to(&mut findings, Some("paid/unfulfilled|-|-"));
    let codes: Vec<FindingCode> = findings.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        [
            FindingCode::CancelledButActive,
            FindingCode::RefundedPartial,
            FindingCode::StaleData,
            FindingCode::CarrierStatusUnknown,
            FindingCode::SlaOnTime,
        ]
    );
}
