//! The carrier checks as a table: DELIVERED_NOT_CLOSED, TRACKING_STALLED,
//! CARRIER_EXCEPTION and CARRIER_STATUS_UNKNOWN, each at its edges. The base
//! order (see engine_checks.rs) is placed Wednesday 2026-11-04 15:00Z; the
//! stall tolerance is 72h.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod engine_common;

use engine_common::{codes, fulfillment, line, policy, shipment, t, warehouse_order, Order};
use orderdeck::domain::{
    CarrierShipment, FindingCode, FulfillmentStatus, Observed, OrderFacts, Queue, ShipmentStatus,
    System, TrackingScan, Verdict, WarehouseStatus,
};
use orderdeck::engine::{self, Evaluation};

const PLACED: &str = "2026-11-04T15:00:00Z";
const TN: &str = "1Z999AA10123456784";
/// The last scan of the parcels in the stall cases; the tolerance runs out
/// at 2026-11-09T10:00:00Z.
const LAST_SCAN: &str = "2026-11-06T10:00:00Z";

/// One parcel as the carrier reported it.
fn parcel(
    carrier: &str,
    status: ShipmentStatus,
    raw: &str,
    scans: &[(&str, &str, &str)],
) -> CarrierShipment {
    let scans: Vec<TrackingScan> = scans
        .iter()
        .map(|(at, code, description)| TrackingScan {
            at: t(at),
            status: orderdeck::connectors::carriers::map_status(carrier_of(carrier), code),
            carrier_code: (*code).to_string(),
            description: (*description).to_string(),
            location: Some("PARAMUS, NJ, US".to_string()),
        })
        .collect();
    CarrierShipment {
        carrier: carrier.to_string(),
        tracking_number: TN.to_string(),
        status,
        raw_status: raw.to_string(),
        incident: None,
        delivered_at: (status == ShipmentStatus::Delivered)
            .then(|| scans.iter().map(|s| s.at).max())
            .flatten(),
        scans,
    }
}

fn carrier_of(name: &str) -> orderdeck::connectors::carriers::Carrier {
    orderdeck::connectors::carriers::Carrier::from_name(name).expect("a known carrier")
}

fn with_incident(mut parcel: CarrierShipment, incident: &str) -> CarrierShipment {
    parcel.incident = Some(incident.to_string());
    parcel
}

fn in_transit() -> CarrierShipment {
    parcel(
        "UPS",
        ShipmentStatus::InTransit,
        "I",
        &[
            ("2026-11-05T15:30:00Z", "M", "Shipper created a label"),
            (LAST_SCAN, "I", "Departed from Facility"),
        ],
    )
}

fn delivered() -> CarrierShipment {
    parcel(
        "UPS",
        ShipmentStatus::Delivered,
        "D",
        &[
            ("2026-11-05T15:30:00Z", "M", "Shipper created a label"),
            ("2026-11-06T19:02:00Z", "D", "DELIVERED"),
        ],
    )
}

fn not_found() -> CarrierShipment {
    CarrierShipment {
        carrier: "UPS".to_string(),
        tracking_number: TN.to_string(),
        status: ShipmentStatus::Unknown,
        raw_status: "TW0001".to_string(),
        incident: Some("Tracking Information Not Found".to_string()),
        scans: Vec::new(),
        delivered_at: None,
    }
}

/// Shipped at the warehouse 11-05 15:00Z under TN, and the storefront knows:
/// nothing is owed, nothing to report.
fn fulfilled() -> Order {
    Order::placed(PLACED)
        .lines(vec![line("l1", "SKU-1", 1, 0)])
        .fulfillment_status(FulfillmentStatus::Fulfilled)
        .fulfillment(fulfillment("f1", "success", "2026-11-05T15:00:00Z", &[TN]))
        .warehouse(warehouse_order(
            "wo-1",
            WarehouseStatus::Shipped,
            "2026-11-05T15:00:00Z",
        ))
        .shipped(shipment(
            "sh-1",
            "2026-11-05T15:00:00Z",
            Some(TN),
            &[("SKU-1", 1)],
        ))
}

/// Shipped at the warehouse 11-05 15:00Z under TN; the storefront still
/// shows the unit unfulfilled.
fn not_synced() -> Order {
    Order::placed(PLACED)
        .warehouse(warehouse_order(
            "wo-1",
            WarehouseStatus::Shipped,
            "2026-11-05T15:00:00Z",
        ))
        .shipped(shipment(
            "sh-1",
            "2026-11-05T15:00:00Z",
            Some(TN),
            &[("SKU-1", 1)],
        ))
}

/// The order with the carrier's word on a parcel, observed at `seen`.
fn tracked(order: Order, seen: &str, parcels: Vec<CarrierShipment>) -> OrderFacts {
    let mut facts = order.build();
    facts
        .carrier_shipments
        .extend(parcels.into_iter().map(|p| Observed::new(t(seen), p)));
    facts
}

fn eval(facts: &OrderFacts, now: &str) -> Evaluation {
    engine::evaluate(facts, &policy(), t(now))
}

struct Case {
    name: &'static str,
    facts: OrderFacts,
    now: &'static str,
    codes: &'static [&'static str],
    queue: Queue,
    /// Checked when given.
    next_change_at: Option<&'static str>,
}

fn case(
    name: &'static str,
    facts: OrderFacts,
    now: &'static str,
    codes: &'static [&'static str],
    queue: Queue,
) -> Case {
    Case {
        name,
        facts,
        now,
        codes,
        queue,
        next_change_at: None,
    }
}

fn timed(case: Case, next_change_at: &'static str) -> Case {
    Case {
        next_change_at: Some(next_change_at),
        ..case
    }
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Queue::*;
    use ShipmentStatus as S;
    let seen = "2026-11-06T20:00:00Z";
    vec![
        case("no carrier data, nothing to say", fulfilled().build(), "2026-11-06T20:00:00Z", &[], Ok),
        // DELIVERED_NOT_CLOSED.
        case("delivered while the storefront still owes the unit", tracked(not_synced(), seen, vec![delivered()]), "2026-11-06T20:00:00Z", &["FULFILMENT_NOT_SYNCED", "DELIVERED_NOT_CLOSED"], Blocked),
        case("delivered and the storefront is fulfilled", tracked(fulfilled(), seen, vec![delivered()]), "2026-11-06T20:00:00Z", &[], Ok),
        case("delivered parcel the storefront recorded, another unit still owed", tracked(
            Order::placed(PLACED)
                .lines(vec![line("l1", "SKU-1", 1, 0), line("l2", "SKU-2", 1, 1)])
                .fulfillment_status(FulfillmentStatus::Partial)
                .fulfillment(fulfillment("f1", "success", "2026-11-05T15:00:00Z", &["1z999aa1 0123456784"]))
                .warehouse(warehouse_order("wo-1", WarehouseStatus::AwaitingShipment, "2026-11-05T15:00:00Z")),
            seen, vec![delivered()]), "2026-11-06T20:00:00Z", &["SLA_ON_TIME"], Ok),
        case("delivered for a cancelled order owes nothing", tracked(not_synced().cancelled("2026-11-05T16:00:00Z"), seen, vec![delivered()]), "2026-11-06T20:00:00Z", &["CANCELLED_BUT_ACTIVE"], Blocked),
        case("out for delivery is not delivered", tracked(not_synced(), seen, vec![parcel("UPS", S::OutForDelivery, "O", &[("2026-11-06T08:00:00Z", "O", "Out For Delivery Today")])]), "2026-11-06T20:00:00Z", &["FULFILMENT_NOT_SYNCED"], Blocked),
        // TRACKING_STALLED.
        timed(case("last scan one second inside the stall tolerance", tracked(fulfilled(), seen, vec![in_transit()]), "2026-11-09T09:59:59Z", &[], Ok), "2026-11-09T10:00:01Z"),
        timed(case("last scan exactly at the stall tolerance", tracked(fulfilled(), seen, vec![in_transit()]), "2026-11-09T10:00:00Z", &[], Ok), "2026-11-09T10:00:01Z"),
        case("last scan one second past the stall tolerance", tracked(fulfilled(), seen, vec![in_transit()]), "2026-11-09T10:00:01Z", &["TRACKING_STALLED"], Blocked),
        case("a delivered parcel never stalls", tracked(fulfilled(), seen, vec![delivered()]), "2026-11-30T12:00:00Z", &[], Ok),
        case("a returned parcel never stalls", tracked(fulfilled(), seen, vec![with_incident(parcel("USPS", S::ReturnedToSender, "09", &[(LAST_SCAN, "09", "Return to Sender")]), "Return to Sender")]), "2026-11-30T12:00:00Z", &["CARRIER_EXCEPTION"], Blocked),
        case("a cancelled label never stalls", tracked(fulfilled(), seen, vec![parcel("FedEx", S::Cancelled, "CA", &[(LAST_SCAN, "CA", "Shipment cancelled by sender")])]), "2026-11-30T12:00:00Z", &[], Ok),
        timed(case("never scanned, inside the tolerance from the ship date", tracked(fulfilled(), seen, vec![not_found()]), "2026-11-08T15:00:00Z", &["CARRIER_STATUS_UNKNOWN"], Informational), "2026-11-08T15:00:01Z"),
        case("never scanned, past the tolerance from the ship date", tracked(fulfilled(), seen, vec![not_found()]), "2026-11-08T15:00:01Z", &["TRACKING_STALLED", "CARRIER_STATUS_UNKNOWN"], Blocked),
        case("a pending label scanned once, then nothing", tracked(fulfilled(), seen, vec![parcel("FedEx", S::Pending, "OC", &[("2026-11-05T15:10:00Z", "OC", "Shipment information sent to FedEx")])]), "2026-11-08T15:10:01Z", &["TRACKING_STALLED"], Blocked),
        // CARRIER_EXCEPTION.
        case("FedEx delivery exception", tracked(fulfilled(), seen, vec![with_incident(parcel("FedEx", S::DeliveryFailed, "DE", &[("2026-11-06T18:00:00Z", "DE", "Delivery exception")]), "Customer not available or business closed")]), "2026-11-06T20:00:00Z", &["CARRIER_EXCEPTION"], Blocked),
        case("UPS exception, delayed with a reason", tracked(fulfilled(), seen, vec![with_incident(parcel("UPS", S::Delayed, "X", &[("2026-11-06T18:00:00Z", "X", "SEVERE WEATHER CONDITIONS HAVE DELAYED DELIVERY.")]), "SEVERE WEATHER CONDITIONS HAVE DELAYED DELIVERY.")]), "2026-11-06T20:00:00Z", &["CARRIER_EXCEPTION"], Blocked),
        case("on hold without a reason is no exception", tracked(fulfilled(), seen, vec![parcel("FedEx", S::OnHold, "SE", &[("2026-11-06T18:00:00Z", "SE", "Shipment exception")])]), "2026-11-06T20:00:00Z", &[], Ok),
        case("delivered damaged", tracked(fulfilled(), seen, vec![parcel("UPS", S::Delivered, "D", &[("2026-11-06T18:00:00Z", "D", "DELIVERED - PACKAGE DAMAGED")])]), "2026-11-06T20:00:00Z", &["CARRIER_EXCEPTION"], Blocked),
        case("picked up with a note is no exception", tracked(fulfilled(), seen, vec![with_incident(parcel("FedEx", S::PickedUp, "PU", &[("2026-11-06T18:00:00Z", "PU", "Picked up")]), "Package available for clearance")]), "2026-11-06T20:00:00Z", &[], Ok),
        // CARRIER_STATUS_UNKNOWN.
        case("a code the mapping does not know", tracked(fulfilled(), seen, vec![parcel("FedEx", S::Unknown, "ZZ", &[("2026-11-06T18:00:00Z", "ZZ", "Something new")])]), "2026-11-06T20:00:00Z", &["CARRIER_STATUS_UNKNOWN"], Informational),
        case("an unknown code still stalls", tracked(fulfilled(), seen, vec![parcel("FedEx", S::Unknown, "ZZ", &[(LAST_SCAN, "ZZ", "Something new")])]), "2026-11-09T10:00:01Z", &["TRACKING_STALLED", "CARRIER_STATUS_UNKNOWN"], Blocked),
        case("a number the carrier does not know", tracked(fulfilled(), seen, vec![not_found()]), "2026-11-06T20:00:00Z", &["CARRIER_STATUS_UNKNOWN"], Informational),
    ]
}

#[test]
fn every_case_gets_the_expected_findings_queue_and_next_change() {
    let mut failures = Vec::new();
    for case in cases() {
        let evaluation = eval(&case.facts, case.now);
        let got = codes(&evaluation);
        let next = evaluation.next_change_at;
        let next_ok = case.next_change_at.is_none_or(|at| next == Some(t(at)));
        if got != case.codes || evaluation.queue != case.queue || !next_ok {
            failures.push(format!(
                "{}: expected {:?} in {} (next {:?}), got {:?} in {} (next {:?})\n  {:#?}",
                case.name,
                case.codes,
                case.queue,
                case.next_change_at,
                got,
                evaluation.queue,
                next,
                evaluation.findings
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_carrier_finding_shows_the_carrier_code_and_when_it_was_seen() {
    for case in cases() {
        let evaluation = eval(&case.facts, case.now);
        for finding in evaluation.findings.iter().filter(|f| {
            matches!(
                f.code,
                FindingCode::DeliveredNotClosed
                    | FindingCode::TrackingStalled
                    | FindingCode::CarrierException
                    | FindingCode::CarrierStatusUnknown
            )
        }) {
            assert!(!finding.reason.contains('\n'), "{}: one line", case.name);
            let carrier = finding
                .evidence
                .iter()
                .find(|e| e.system == System::Carrier && e.field.ends_with(" status"))
                .unwrap_or_else(|| {
                    panic!(
                        "{}: {} has no carrier status evidence",
                        case.name, finding.code
                    )
                });
            let parcel = &case.facts.carrier_shipments[0];
            assert_eq!(carrier.observed_at, parcel.observed_at, "{}", case.name);
            assert!(
                carrier.value.contains(&parcel.value.raw_status),
                "{}: {}",
                case.name,
                carrier.value
            );
            assert!(
                finding.reason.contains(&parcel.value.raw_status),
                "{}: {}",
                case.name,
                finding.reason
            );
        }
    }
}

fn finding(evaluation: &Evaluation, code: FindingCode) -> &orderdeck::domain::Finding {
    evaluation
        .findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(evaluation)))
}

#[test]
fn delivered_not_closed_says_who_delivered_what_and_when() {
    let facts = tracked(not_synced(), "2026-11-06T20:00:00Z", vec![delivered()]);
    let evaluation = eval(&facts, "2026-11-06T20:00:00Z");
    let found = finding(&evaluation, FindingCode::DeliveredNotClosed);
    assert_eq!(found.verdict, Verdict::Blocked);
    assert_eq!(
        found.reason,
        "The carrier delivered UPS 1Z999AA10123456784 on Fri 2026-11-06 14:02 EST (code D), but the storefront still shows 1 item unfulfilled"
    );
    let fields: Vec<(&str, &str)> = found
        .evidence
        .iter()
        .map(|e| (e.field.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("UPS 1Z999AA10123456784 status", "delivered (D)"),
            (
                "UPS 1Z999AA10123456784 delivered at",
                "2026-11-06T19:02:00Z"
            ),
            ("fulfillment_status", "unfulfilled"),
            ("quantity still to fulfil", "1"),
        ]
    );
}

#[test]
fn stalled_parcel_reason_names_the_last_scan_and_its_age() {
    let facts = tracked(fulfilled(), "2026-11-06T20:00:00Z", vec![in_transit()]);
    let evaluation = eval(&facts, "2026-11-09T10:00:01Z");
    let found = finding(&evaluation, FindingCode::TrackingStalled);
    assert_eq!(
        found.reason,
        "No carrier scan for longer than the 3d tolerance: UPS 1Z999AA10123456784 last scanned 3d ago (in transit: \"Departed from Facility\", code I)"
    );
    // Nothing left to wait for: the finding stays until new data arrives.
    assert_eq!(evaluation.next_change_at, None);
}

#[test]
fn carrier_exception_quotes_the_carrier() {
    let facts = tracked(
        fulfilled(),
        "2026-11-06T20:00:00Z",
        vec![with_incident(
            parcel(
                "FedEx",
                ShipmentStatus::DeliveryFailed,
                "DE",
                &[("2026-11-06T18:00:00Z", "DE", "Delivery exception")],
            ),
            "Customer not available or business closed",
        )],
    );
    let evaluation = eval(&facts, "2026-11-06T20:00:00Z");
    let found = finding(&evaluation, FindingCode::CarrierException);
    assert_eq!(
        found.reason,
        "The carrier reports a problem: FedEx 1Z999AA10123456784 delivery failed since Fri 2026-11-06 13:00 EST: \"Customer not available or business closed\" (code DE)"
    );
    assert!(found
        .evidence
        .iter()
        .any(|e| e.field == "FedEx 1Z999AA10123456784 incident"
            && e.value == "Customer not available or business closed"));
}

#[test]
fn unknown_status_reasons_tell_an_unmapped_code_from_a_number_without_status() {
    let unmapped = tracked(
        fulfilled(),
        "2026-11-06T20:00:00Z",
        vec![parcel(
            "FedEx",
            ShipmentStatus::Unknown,
            "ZZ",
            &[("2026-11-06T18:00:00Z", "ZZ", "Something new")],
        )],
    );
    let evaluation = eval(&unmapped, "2026-11-06T20:00:00Z");
    let found = finding(&evaluation, FindingCode::CarrierStatusUnknown);
    assert_eq!(found.verdict, Verdict::Info);
    assert_eq!(
        found.reason,
        "Carrier status unknown, not assumed in transit: FedEx sent code ZZ, \"Something new\" for 1Z999AA10123456784, which orderdeck does not map"
    );
    let missing = tracked(fulfilled(), "2026-11-06T20:00:00Z", vec![not_found()]);
    let evaluation = eval(&missing, "2026-11-06T20:00:00Z");
    let found = finding(&evaluation, FindingCode::CarrierStatusUnknown);
    assert_eq!(
        found.reason,
        "Carrier status unknown, not assumed in transit: UPS gives no status for 1Z999AA10123456784 (code TW0001: \"Tracking Information Not Found\")"
    );
    let evidence: Vec<(&str, &str)> = found
        .evidence
        .iter()
        .map(|e| (e.field.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        evidence,
        vec![
            ("UPS 1Z999AA10123456784 status", "unknown (TW0001)"),
            (
                "UPS 1Z999AA10123456784 message",
                "Tracking Information Not Found"
            ),
        ]
    );
}

#[test]
fn the_order_of_parcels_does_not_change_the_findings() {
    let mut second = with_incident(
        parcel(
            "USPS",
            ShipmentStatus::ReturnedToSender,
            "09",
            &[(LAST_SCAN, "09", "Return to Sender")],
        ),
        "Return to Sender",
    );
    second.tracking_number = "9400109104250532908587".to_string();
    let mut third = in_transit();
    third.tracking_number = "1ZAAAAAAAAAAAAAAAA".to_string();
    let parcels = vec![in_transit(), second, third];
    let forward = tracked(fulfilled(), "2026-11-06T20:00:00Z", parcels.clone());
    let backward = tracked(
        fulfilled(),
        "2026-11-06T20:00:00Z",
        parcels.into_iter().rev().collect(),
    );
    let now = "2026-11-09T10:00:01Z";
    assert_eq!(eval(&forward, now), eval(&backward, now));
    assert_eq!(
        codes(&eval(&forward, now)),
        vec!["TRACKING_STALLED", "CARRIER_EXCEPTION"]
    );
}
