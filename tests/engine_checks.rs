//! The checks of DESIGN.md §3 as a table: facts, `now`, the findings and the
//! queue an operator should see. The base order is placed Wednesday
//! 2026-11-04 10:00 EST (15:00Z), paid, one unit of SKU-1 owed; its default
//! deadline (2 business days) is Friday 2026-11-06 23:59:59 EST, that is
//! 2026-11-07T04:59:59Z, and its hand-off tolerance runs out at 19:00Z.

// Tests may panic on a broken fixture: that is how they fail.
#![allow(clippy::expect_used)]

mod engine_common;

use engine_common::{
    codes, fulfillment, fulfillment_order, hold, line, reason, shipment, t, vendor_line,
    warehouse_order, Order,
};
use orderdeck::domain::{
    FinancialStatus, FulfillmentStatus, LineQuantity, Queue, System, Verdict, WarehouseStatus,
};

const PLACED: &str = "2026-11-04T15:00:00Z";
const DEADLINE: &str = "2026-11-07T04:59:59Z";

fn base() -> Order {
    Order::placed(PLACED)
}

fn at_warehouse() -> Order {
    base().warehouse(warehouse_order(
        "wo-1",
        WarehouseStatus::AwaitingShipment,
        "2026-11-04T15:30:00Z",
    ))
}

/// Shipped SKU-1 at the warehouse at 11-05 15:00Z, label 1Z999.
fn shipped_at_warehouse() -> Order {
    base()
        .warehouse(warehouse_order(
            "wo-1",
            WarehouseStatus::Shipped,
            "2026-11-05T15:00:00Z",
        ))
        .shipped(shipment(
            "sh-1",
            "2026-11-05T15:00:00Z",
            Some("1Z999"),
            &[("sku-1", 1)],
        ))
}

fn partially_fulfilled() -> Order {
    base()
        .lines(vec![line("l1", "SKU-1", 1, 0), line("l2", "SKU-2", 1, 1)])
        .fulfillment_status(FulfillmentStatus::Partial)
        .fulfillment(fulfillment(
            "f1",
            "success",
            "2026-11-05T15:10:00Z",
            &["1Z111"],
        ))
        .warehouse(warehouse_order(
            "wo-1",
            WarehouseStatus::AwaitingShipment,
            "2026-11-05T15:00:00Z",
        ))
        .shipped(shipment(
            "sh-1",
            "2026-11-05T15:00:00Z",
            Some("1Z111"),
            &[("SKU-1", 1)],
        ))
}

fn fulfilled_without_tracking() -> Order {
    base()
        .lines(vec![line("l1", "SKU-1", 1, 0)])
        .fulfillment_status(FulfillmentStatus::Fulfilled)
        .fulfillment(fulfillment("f1", "success", "2026-11-05T15:00:00Z", &[]))
        .warehouse(warehouse_order(
            "wo-1",
            WarehouseStatus::Shipped,
            "2026-11-05T15:00:00Z",
        ))
}

struct Case {
    name: &'static str,
    order: Order,
    now: &'static str,
    codes: &'static [&'static str],
    queue: Queue,
}

fn case(
    name: &'static str,
    order: Order,
    now: &'static str,
    codes: &'static [&'static str],
    queue: Queue,
) -> Case {
    Case {
        name,
        order,
        now,
        codes,
        queue,
    }
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Queue::*;
    vec![
        // Hand-off to the warehouse.
        case("fresh paid order inside the hand-off tolerance", base(), "2026-11-04T18:00:00Z", &["SLA_ON_TIME"], Ok),
        case("hand-off tolerance exactly reached", base(), "2026-11-04T19:00:00Z", &["SLA_ON_TIME"], Ok),
        case("hand-off tolerance passed by a second", base(), "2026-11-04T19:00:01Z", &["NOT_AT_WAREHOUSE", "SLA_ON_TIME"], Blocked),
        case("unpaid order is not expected at the warehouse", base().financial(FinancialStatus::Pending), "2026-11-05T12:00:00Z", &["SLA_ON_TIME"], Ok),
        case("known to the warehouse, on time", at_warehouse(), "2026-11-05T12:00:00Z", &["SLA_ON_TIME"], Ok),
        case("awaiting payment at the warehouse still counts as known", base().warehouse(warehouse_order("wo-1", WarehouseStatus::AwaitingPayment, "2026-11-04T15:30:00Z")), "2026-11-05T12:00:00Z", &["SLA_ON_TIME"], Ok),
        // The SLA deadline.
        case("the last second before the deadline", at_warehouse(), DEADLINE, &["SLA_ON_TIME"], Ok),
        case("one second past the deadline", at_warehouse(), "2026-11-07T05:00:00Z", &["SLA_BREACH"], Overdue),
        case("late and unknown to the warehouse", base(), "2026-11-09T15:00:00Z", &["NOT_AT_WAREHOUSE", "SLA_BREACH"], Blocked),
        case("express shipping has a one-day SLA", at_warehouse().shipping_method("EXPRESS"), "2026-11-06T05:00:00Z", &["SLA_BREACH"], Overdue),
        case("digital goods owe no parcel", base().lines(vec![{ let mut l = line("l1", "GIFT-CARD", 1, 1); l.requires_shipping = false; l }]), "2026-11-20T12:00:00Z", &[], Ok),
        case("the storefront's fulfilled status wins over lagging line counts", at_warehouse().fulfillment_status(FulfillmentStatus::Fulfilled).fulfillment(fulfillment("f1", "success", "2026-11-05T15:00:00Z", &["1Z1"])), "2026-11-20T12:00:00Z", &[], Ok),
        // Not in the storefront.
        case("warehouse order unknown to the storefront", Order::warehouse_only().warehouse(warehouse_order("wo-9", WarehouseStatus::AwaitingShipment, "2026-11-04T15:30:00Z")), "2026-11-05T12:00:00Z", &["NOT_IN_STOREFRONT"], Blocked),
        case("warehouse shipment unknown to the storefront", Order::warehouse_only().shipped(shipment("sh-9", "2026-11-05T15:00:00Z", Some("1Z9"), &[])), "2026-11-05T16:00:00Z", &["NOT_IN_STOREFRONT"], Blocked),
        case("nothing known at all", Order::warehouse_only(), "2026-11-05T12:00:00Z", &[], Ok),
        // Cancelled.
        case("cancelled, nothing at the warehouse, long past every deadline", base().cancelled("2026-11-04T16:00:00Z"), "2026-11-30T12:00:00Z", &["CANCELLED"], Informational),
        case("cancelled at both ends", base().cancelled("2026-11-04T16:00:00Z").warehouse(warehouse_order("wo-1", WarehouseStatus::Cancelled, "2026-11-04T16:05:00Z")), "2026-11-30T12:00:00Z", &["CANCELLED"], Informational),
        case("cancelled but awaiting shipment at the warehouse", base().cancelled("2026-11-04T16:00:00Z").warehouse(warehouse_order("wo-1", WarehouseStatus::AwaitingShipment, "2026-11-04T15:30:00Z")), "2026-11-05T12:00:00Z", &["CANCELLED_BUT_ACTIVE"], Blocked),
        case("cancelled but a label was printed", base().cancelled("2026-11-04T16:00:00Z").shipped(shipment("sh-1", "2026-11-04T17:00:00Z", Some("1Z1"), &[])), "2026-11-05T12:00:00Z", &["CANCELLED_BUT_ACTIVE"], Blocked),
        case("cancelled, and the only label was voided", base().cancelled("2026-11-04T16:00:00Z").shipped({ let mut s = shipment("sh-1", "2026-11-04T17:00:00Z", Some("1Z1"), &[]); s.voided = true; s }), "2026-11-05T12:00:00Z", &["CANCELLED"], Informational),
        // Refunds.
        case("refunded in full, nothing owed", base().financial(FinancialStatus::Refunded).lines(vec![line("l1", "SKU-1", 1, 0)]), "2026-11-30T12:00:00Z", &["REFUNDED_FULL"], Informational),
        case("partially refunded, the rest owed and late", at_warehouse().financial(FinancialStatus::PartiallyRefunded).lines(vec![line("l1", "SKU-1", 2, 1)]), "2026-11-09T15:00:00Z", &["SLA_BREACH", "REFUNDED_PARTIAL"], Overdue),
        case("partially refunded, the rest owed and on time", at_warehouse().financial(FinancialStatus::PartiallyRefunded).lines(vec![line("l1", "SKU-1", 2, 1)]), "2026-11-05T15:00:00Z", &["REFUNDED_PARTIAL", "SLA_ON_TIME"], Informational),
        case("partially refunded, the rest refunded too", at_warehouse().financial(FinancialStatus::PartiallyRefunded).lines(vec![line("l1", "SKU-1", 2, 0)]), "2026-11-09T15:00:00Z", &["REFUNDED_PARTIAL"], Informational),
        // Holds.
        case("held in the storefront, long past the deadline", base().fulfillment_orders("2026-11-04T15:06:00Z", vec![fulfillment_order("fo-1", "on_hold", vec![hold("high_risk_of_fraud", Some("check ID"), Some("2026-11-04T15:05:00Z"))])]), "2026-11-30T12:00:00Z", &["ON_HOLD"], Informational),
        case("fulfilment order on hold without hold details", at_warehouse().fulfillment_orders("2026-11-04T15:06:00Z", vec![fulfillment_order("fo-1", "on_hold", vec![])]), "2026-11-30T12:00:00Z", &["ON_HOLD"], Informational),
        case("on hold at the warehouse, long past the deadline", base().warehouse({ let mut w = warehouse_order("wo-1", WarehouseStatus::OnHold, "2026-11-04T15:30:00Z"); w.hold_until = Some(t("2026-11-20T14:00:00Z")); w }), "2026-11-30T12:00:00Z", &["ON_HOLD"], Informational),
        case("a closed fulfilment order holds nothing", at_warehouse().fulfillment_orders("2026-11-04T15:06:00Z", vec![fulfillment_order("fo-1", "closed", vec![hold("other", None, None)])]), "2026-11-09T15:00:00Z", &["SLA_BREACH"], Overdue),
        // Third-party vendors.
        case("drop-shipped, inside the vendor's 7 days", base().lines(vec![vendor_line("l1", "AC-1", 1, 1, "acme-home")]), "2026-11-14T04:59:59Z", &["THIRD_PARTY_VENDOR", "SLA_ON_TIME"], Informational),
        case("drop-shipped, past the vendor's 7 days", base().lines(vec![vendor_line("l1", "AC-1", 1, 1, "acme-home")]), "2026-11-14T05:00:00Z", &["SLA_BREACH", "THIRD_PARTY_VENDOR"], Overdue),
        case("drop-ship vendor without its own SLA falls back to the default", base().lines(vec![vendor_line("l1", "SP-1", 1, 1, "slowpoke")]), "2026-11-07T05:00:00Z", &["SLA_BREACH", "THIRD_PARTY_VENDOR"], Overdue),
        case("in-house part late while the drop-shipped part is on time", at_warehouse().lines(vec![line("l1", "SKU-1", 1, 1), vendor_line("l2", "AC-1", 1, 1, "acme-home")]), "2026-11-09T15:00:00Z", &["SLA_BREACH", "THIRD_PARTY_VENDOR"], Overdue),
        // Warehouse shipped, storefront not told.
        case("shipped one minute inside the sync tolerance", shipped_at_warehouse(), "2026-11-05T16:59:00Z", &["SYNC_DELAY"], Informational),
        case("shipped exactly at the sync tolerance", shipped_at_warehouse(), "2026-11-05T17:00:00Z", &["SYNC_DELAY"], Informational),
        case("shipped one minute outside the sync tolerance", shipped_at_warehouse(), "2026-11-05T17:01:00Z", &["FULFILMENT_NOT_SYNCED"], Blocked),
        case("shipped goods are not owed, even past the deadline", shipped_at_warehouse(), "2026-11-09T15:00:00Z", &["FULFILMENT_NOT_SYNCED"], Blocked),
        case("shipped at the warehouse with no label known", base().warehouse(warehouse_order("wo-1", WarehouseStatus::Shipped, "2026-11-05T15:00:00Z")), "2026-11-05T16:00:00Z", &["SYNC_DELAY"], Informational),
        case("the storefront caught up", shipped_at_warehouse().lines(vec![line("l1", "SKU-1", 1, 0)]).fulfillment_status(FulfillmentStatus::Fulfilled).fulfillment(fulfillment("f1", "success", "2026-11-05T15:20:00Z", &["1z999"])), "2026-11-09T15:00:00Z", &[], Ok),
        // Partial fulfilment.
        case("partial fulfilment, the rest on time", partially_fulfilled(), "2026-11-05T20:00:00Z", &["SLA_ON_TIME"], Ok),
        case("partial fulfilment, the rest late", partially_fulfilled(), "2026-11-09T15:00:00Z", &["SLA_BREACH"], Overdue),
        case("partial fulfilment, the rest shipped but not synced", partially_fulfilled().shipped(shipment("sh-2", "2026-11-06T15:00:00Z", Some("1Z222"), &[("SKU-2", 1)])), "2026-11-09T15:00:00Z", &["FULFILMENT_NOT_SYNCED"], Blocked),
        case("a synced label without item details does not cover the rest", base().lines(vec![line("l1", "SKU-1", 1, 0), line("l2", "SKU-2", 1, 1)]).fulfillment_status(FulfillmentStatus::Partial).fulfillment(fulfillment("f1", "success", "2026-11-05T15:10:00Z", &["1Z111"])).shipped(shipment("sh-1", "2026-11-05T15:00:00Z", Some("1Z111"), &[])), "2026-11-09T15:00:00Z", &["SLA_BREACH"], Overdue),
        case("a label without items covers in-house goods, not drop-shipped ones", base().lines(vec![line("l1", "SKU-1", 1, 1), vendor_line("l2", "AC-1", 1, 1, "acme-home")]).shipped(shipment("sh-1", "2026-11-05T15:00:00Z", Some("1Z1"), &[])), "2026-11-05T16:00:00Z", &["THIRD_PARTY_VENDOR", "SYNC_DELAY", "SLA_ON_TIME"], Informational),
        // The warehouse cancelled.
        case("cancelled at the warehouse only", base().warehouse(warehouse_order("wo-1", WarehouseStatus::Cancelled, "2026-11-04T16:00:00Z")), "2026-11-05T12:00:00Z", &["WAREHOUSE_CANCELLED", "SLA_ON_TIME"], Blocked),
        case("one warehouse order cancelled, its successor live", at_warehouse().warehouse(warehouse_order("wo-0", WarehouseStatus::Cancelled, "2026-11-04T15:20:00Z")), "2026-11-05T12:00:00Z", &["SLA_ON_TIME"], Ok),
        // Replacements.
        case("a replacement was created", fulfilled_without_tracking().replacement("#1002", "2026-11-05T16:00:00Z"), "2026-11-05T16:00:00Z", &["REPLACEMENT_EXISTS"], Informational),
        // Tracking.
        case("fulfilled without tracking, inside the tolerance", fulfilled_without_tracking(), "2026-11-06T15:00:00Z", &[], Ok),
        case("fulfilled without tracking, past the tolerance", fulfilled_without_tracking(), "2026-11-06T15:00:01Z", &["NO_TRACKING"], Blocked),
        case("a failed fulfilment without tracking is not a shipment", at_warehouse().fulfillment(fulfillment("f1", "failure", "2026-11-05T15:00:00Z", &[])), "2026-11-06T16:00:00Z", &["SLA_ON_TIME"], Ok),
        case("a digital fulfilment needs no tracking", base().lines(vec![line("l1", "SKU-1", 1, 1), { let mut l = line("l2", "GIFT-CARD", 1, 0); l.requires_shipping = false; l }]).warehouse(warehouse_order("wo-1", WarehouseStatus::AwaitingShipment, "2026-11-04T15:30:00Z")).fulfillment({ let mut f = fulfillment("f1", "success", "2026-11-04T15:01:00Z", &[]); f.lines = vec![LineQuantity { line_id: "l2".into(), quantity: 1 }]; f }), "2026-11-06T16:00:00Z", &["SLA_ON_TIME"], Ok),
        case("warehouse label without tracking, past the tolerance", base().lines(vec![line("l1", "SKU-1", 1, 0)]).fulfillment_status(FulfillmentStatus::Fulfilled).shipped(shipment("sh-1", "2026-11-05T15:00:00Z", None, &[])), "2026-11-06T16:00:00Z", &["NO_TRACKING"], Blocked),
    ]
}

#[test]
fn every_case_gets_the_expected_findings_and_queue() {
    let mut failures = Vec::new();
    for case in cases() {
        let evaluation = case.order.eval(case.now);
        let got = codes(&evaluation);
        if got != case.codes || evaluation.queue != case.queue {
            failures.push(format!(
                "{}: expected {:?} in {}, got {:?} in {}\n  {:#?}",
                case.name, case.codes, case.queue, got, evaluation.queue, evaluation.findings
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_finding_explains_itself_with_evidence() {
    for case in cases() {
        let evaluation = case.order.eval(case.now);
        for finding in &evaluation.findings {
            assert!(!finding.reason.is_empty(), "{}: empty reason", case.name);
            assert!(
                !finding.reason.contains('\n'),
                "{}: reason is one line",
                case.name
            );
            assert!(
                !finding.evidence.is_empty(),
                "{}: {} has no evidence",
                case.name,
                finding.code
            );
        }
    }
}

#[test]
fn findings_are_sorted_by_severity_then_code() {
    let evaluation = at_warehouse()
        .financial(FinancialStatus::PartiallyRefunded)
        .lines(vec![
            line("l1", "SKU-1", 2, 1),
            vendor_line("l2", "AC-1", 1, 1, "acme-home"),
        ])
        .warehouse(warehouse_order(
            "wo-0",
            WarehouseStatus::Cancelled,
            "2026-11-04T15:20:00Z",
        ))
        .replacement("#1002", "2026-11-09T10:00:00Z")
        .fulfillment(fulfillment("f0", "success", "2026-11-05T15:00:00Z", &[]))
        .eval("2026-11-09T15:00:00Z");
    assert_eq!(
        codes(&evaluation),
        [
            "NO_TRACKING",
            "SLA_BREACH",
            "REFUNDED_PARTIAL",
            "THIRD_PARTY_VENDOR",
            "REPLACEMENT_EXISTS"
        ]
    );
    let verdicts: Vec<Verdict> = evaluation.findings.iter().map(|f| f.verdict).collect();
    assert_eq!(
        verdicts,
        [
            Verdict::Blocked,
            Verdict::Overdue,
            Verdict::Info,
            Verdict::Info,
            Verdict::Info
        ]
    );
}

#[test]
fn reasons_say_the_numbers() {
    let sync = shipped_at_warehouse().eval("2026-11-05T18:10:00Z");
    assert_eq!(
        reason(&sync, "FULFILMENT_NOT_SYNCED"),
        "Shipped at the warehouse 3h 10m ago (label 1Z999); the storefront still shows 1 item unfulfilled — past the 2h sync tolerance"
    );
    let delay = shipped_at_warehouse().eval("2026-11-05T15:40:00Z");
    assert_eq!(
        reason(&delay, "SYNC_DELAY"),
        "Shipped at the warehouse 40m ago (label 1Z999); the storefront still shows 1 item unfulfilled — within the 2h sync tolerance"
    );
    let late = at_warehouse().eval("2026-11-08T05:00:00Z");
    assert_eq!(
        reason(&late, "SLA_BREACH"),
        "1 item still owed (SKU-1 ×1), 24h past the ship-by deadline Fri 2026-11-06 23:59 EST (2 business days, default SLA)"
    );
    let on_time = at_warehouse().eval("2026-11-05T04:59:59Z");
    assert_eq!(
        reason(&on_time, "SLA_ON_TIME"),
        "1 item owed (SKU-1 ×1); ship by Fri 2026-11-06 23:59 EST (2 business days, default SLA), 2d left"
    );
    let missing = base().eval("2026-11-04T19:01:00Z");
    assert_eq!(
        reason(&missing, "NOT_AT_WAREHOUSE"),
        "Placed 4h 1m ago and paid, 1 item to ship, but the warehouse has no order for it — past the 4h hand-off tolerance"
    );
    let held = base()
        .fulfillment_orders(
            "2026-11-04T15:06:00Z",
            vec![fulfillment_order(
                "fo-1",
                "on_hold",
                vec![hold(
                    "high_risk_of_fraud",
                    Some("check ID"),
                    Some("2026-11-04T15:05:00Z"),
                )],
            )],
        )
        .eval("2026-11-06T18:05:00Z");
    assert_eq!(
        reason(&held, "ON_HOLD"),
        "On hold on purpose: held in the storefront for 2d 3h (high risk of fraud: \"check ID\"); not counted as late while held"
    );
    let drop_ship = base()
        .lines(vec![vendor_line("l1", "AC-1", 2, 2, "acme-home")])
        .eval("2026-11-05T12:00:00Z");
    assert_eq!(
        reason(&drop_ship, "THIRD_PARTY_VENDOR"),
        "Drop-shipped by a third-party vendor: 2 items from acme-home, due by Fri 2026-11-13 23:59 EST (7 business days, vendor acme-home's SLA)"
    );
    let active = base()
        .cancelled("2026-11-04T16:00:00Z")
        .warehouse(warehouse_order(
            "wo-1",
            WarehouseStatus::AwaitingShipment,
            "2026-11-04T15:30:00Z",
        ))
        .eval("2026-11-05T12:00:00Z");
    assert_eq!(
        reason(&active, "CANCELLED_BUT_ACTIVE"),
        "Cancelled in the storefront on Wed 2026-11-04 11:00 EST (customer), but at the warehouse order 1001 is awaiting_shipment"
    );
    let untracked = fulfilled_without_tracking().eval("2026-11-06T18:00:00Z");
    assert_eq!(
        reason(&untracked, "NO_TRACKING"),
        "Shipped without a tracking number for longer than the 24h tolerance: storefront fulfilment f1, 27h old"
    );
    let replaced = fulfilled_without_tracking()
        .replacement("#1002", "2026-11-05T16:00:00Z")
        .eval("2026-11-05T16:00:00Z");
    assert_eq!(
        reason(&replaced, "REPLACEMENT_EXISTS"),
        "Replacement order already created: #1002 (created Thu 2026-11-05 11:00 EST)"
    );
}

#[test]
fn evidence_carries_each_system_and_when_it_was_observed() {
    let order = shipped_at_warehouse().storefront_seen("2026-11-05T16:30:00Z");
    let evaluation = order.eval("2026-11-05T16:45:00Z");
    let finding = &evaluation.findings[0];
    assert_eq!(finding.code.as_str(), "SYNC_DELAY");
    let warehouse = finding
        .evidence
        .iter()
        .find(|e| e.system == System::Warehouse)
        .expect("warehouse evidence");
    assert_eq!(warehouse.value, "2026-11-05T15:00:00Z");
    assert_eq!(warehouse.observed_at, t("2026-11-05T15:00:00Z"));
    let storefront = finding
        .evidence
        .iter()
        .find(|e| e.system == System::Storefront)
        .expect("storefront evidence");
    assert_eq!(storefront.value, "unfulfilled");
    assert_eq!(storefront.observed_at, t("2026-11-05T16:30:00Z"));
}

#[test]
fn ship_by_is_the_earliest_deadline_over_goods_still_owed() {
    let mixed = base().lines(vec![
        vendor_line("l1", "AC-1", 1, 1, "acme-home"),
        line("l2", "FURN-1", 1, 1),
        line("l3", "SKU-1", 1, 0),
    ]);
    // Furniture: 5 business days → Wednesday 11-11; acme-home: 7 → Friday 11-13.
    assert_eq!(mixed.eval(PLACED).ship_by, Some(t("2026-11-12T04:59:59Z")));
    assert_eq!(at_warehouse().eval(PLACED).ship_by, Some(t(DEADLINE)));
    for (name, order) in [
        ("cancelled", base().cancelled("2026-11-04T16:00:00Z")),
        (
            "refunded",
            base()
                .financial(FinancialStatus::Refunded)
                .lines(vec![line("l1", "SKU-1", 1, 0)]),
        ),
        ("shipped at the warehouse", shipped_at_warehouse()),
    ] {
        assert_eq!(order.eval(PLACED).ship_by, None, "{name}");
    }
}

#[test]
fn deadlines_across_a_holiday_weekend_and_a_clock_change() {
    for (name, placed, deadline) in [
        // Friday 14:01 EDT, one minute after the cutoff, before Labor Day:
        // the clock starts Tuesday and two business days end Thursday night.
        (
            "after the cutoff before a Monday holiday",
            "2026-09-04T18:01:00Z",
            "2026-09-11T03:59:59Z",
        ),
        // Thursday 10:00 EDT; the deadline, Monday night, is after the clocks
        // fell back on Sunday 1 November, so it is 23:59:59 EST.
        (
            "across the end of daylight saving",
            "2026-10-29T14:00:00Z",
            "2026-11-03T04:59:59Z",
        ),
    ] {
        let order = Order::placed(placed).warehouse(warehouse_order(
            "wo-1",
            WarehouseStatus::AwaitingShipment,
            placed,
        ));
        let deadline = t(deadline);
        let on_time = order.eval(&deadline.to_rfc3339());
        assert_eq!(on_time.ship_by, Some(deadline), "{name}");
        assert_eq!(codes(&on_time), ["SLA_ON_TIME"], "{name}");
        assert_eq!(
            on_time.next_change_at,
            Some(deadline + chrono::TimeDelta::seconds(1)),
            "{name}"
        );
        let late = order.eval(&(deadline + chrono::TimeDelta::seconds(1)).to_rfc3339());
        assert_eq!(codes(&late), ["SLA_BREACH"], "{name}");
        assert_eq!(late.queue, Queue::Overdue, "{name}");
    }
}

#[test]
fn next_change_at_is_the_next_moment_time_alone_changes_the_result() {
    for (name, order, now, expected) in [
        (
            "hand-off runs out first",
            base(),
            "2026-11-04T18:00:00Z",
            Some("2026-11-04T19:00:01Z"),
        ),
        (
            "then the deadline",
            base(),
            "2026-11-04T19:30:00Z",
            Some("2026-11-07T05:00:00Z"),
        ),
        (
            "at the warehouse: the deadline",
            at_warehouse(),
            "2026-11-05T12:00:00Z",
            Some("2026-11-07T05:00:00Z"),
        ),
        (
            "already late, nothing left to run out",
            at_warehouse(),
            "2026-11-09T15:00:00Z",
            None,
        ),
        (
            "sync tolerance",
            shipped_at_warehouse(),
            "2026-11-05T16:00:00Z",
            Some("2026-11-05T17:00:01Z"),
        ),
        (
            "sync tolerance already passed",
            shipped_at_warehouse(),
            "2026-11-05T18:00:00Z",
            None,
        ),
        (
            "no tracking tolerance",
            fulfilled_without_tracking(),
            "2026-11-05T16:00:00Z",
            Some("2026-11-06T15:00:01Z"),
        ),
        (
            "cancelled: time changes nothing",
            base().cancelled("2026-11-04T16:00:00Z"),
            "2026-11-04T17:00:00Z",
            None,
        ),
        (
            "held: time changes nothing",
            base().warehouse(warehouse_order(
                "wo-1",
                WarehouseStatus::OnHold,
                "2026-11-04T15:30:00Z",
            )),
            "2026-11-04T17:00:00Z",
            None,
        ),
        (
            "drop-shipped: the vendor's deadline",
            base().lines(vec![vendor_line("l1", "AC-1", 1, 1, "acme-home")]),
            "2026-11-05T12:00:00Z",
            Some("2026-11-14T05:00:00Z"),
        ),
    ] {
        let evaluation = order.eval(now);
        assert_eq!(evaluation.next_change_at, expected.map(t), "{name}");
        // Just before that moment, nothing has changed yet; at it, something has.
        if let Some(change) = evaluation.next_change_at {
            let before = order.eval(&(change - chrono::TimeDelta::seconds(1)).to_rfc3339());
            assert_eq!(
                codes(&before),
                codes(&evaluation),
                "{name}: before the change"
            );
            let after = order.eval(&change.to_rfc3339());
            assert_ne!(codes(&after), codes(&evaluation), "{name}: at the change");
        }
    }
}

#[test]
fn held_orders_are_never_overdue() {
    let storefront_hold = base().fulfillment_orders(
        "2026-11-04T15:06:00Z",
        vec![fulfillment_order(
            "fo-1",
            "on_hold",
            vec![hold("awaiting_payment", None, None)],
        )],
    );
    let warehouse_hold = base().warehouse(warehouse_order(
        "wo-1",
        WarehouseStatus::OnHold,
        "2026-11-04T15:30:00Z",
    ));
    for order in [storefront_hold, warehouse_hold] {
        for days in [0, 1, 3, 10, 60, 400] {
            let now = t(PLACED) + chrono::TimeDelta::days(days);
            let evaluation = order.eval(&now.to_rfc3339());
            assert_eq!(evaluation.queue, Queue::Informational, "{days} days later");
            assert!(codes(&evaluation).contains(&"ON_HOLD"));
            assert!(!codes(&evaluation).contains(&"SLA_BREACH"));
        }
    }
}

#[test]
fn a_long_order_names_three_lines_and_counts_the_rest() {
    let order = base().lines(vec![
        line("l-1", "SKU-1", 2, 2),
        line("l-2", "FURN-2", 1, 1),
        line("l-3", "SKU-3", 1, 1),
        line("l-4", "SKU-4", 1, 1),
        line("l-5", "FURN-5", 3, 3),
    ]);
    let on_time = order.eval("2026-11-05T04:59:59Z");
    assert_eq!(
        reason(&on_time, "SLA_ON_TIME"),
        "8 items owed (SKU-1 ×2, FURN-2 ×1, SKU-3 ×1, and 2 more lines); ship by Fri 2026-11-06 23:59 EST (2 business days, default SLA), 2d left"
    );
    // Furniture (5 business days) and the default (2) in one order: each
    // line keeps its own deadline.
    let late = order.eval("2026-11-08T05:00:00Z");
    assert_eq!(
        reason(&late, "SLA_BREACH"),
        "4 items still owed (SKU-1 ×2, SKU-3 ×1, SKU-4 ×1), 24h past the ship-by deadline Fri 2026-11-06 23:59 EST (2 business days, default SLA)"
    );
    let ship_by: Vec<(&str, &str)> = late
        .findings
        .iter()
        .flat_map(|f| &f.evidence)
        .filter(|e| e.field.ends_with(" ship by"))
        .map(|e| (e.field.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        ship_by,
        vec![
            ("line SKU-1 ship by", "2026-11-07T04:59:59Z"),
            ("line SKU-3 ship by", "2026-11-07T04:59:59Z"),
            ("line SKU-4 ship by", "2026-11-07T04:59:59Z"),
        ]
    );
    assert_eq!(
        on_time.ship_by,
        Some(t(DEADLINE)),
        "the earliest deadline over all five lines"
    );
}
