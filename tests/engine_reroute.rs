//! Reroute proposals as a table: a troubled PO, what each vendor's ATP says
//! and `now`, the alternates (ranked by priority, then landed cost; split
//! when no one vendor covers it) and whether a human must approve. The PO
//! goes to acme-home (SOFA 610.00, RUG 240.00, 4h to acknowledge); the
//! alternates are bluebird (priority 20, SOFA 600.00) and northwind-supply
//! (priority 20, SOFA 655.00).

#![allow(clippy::expect_used)]

mod engine_common;

use chrono::TimeDelta;
use engine_common::{codes, policy, t, Order};
use orderdeck::domain::{
    AckState, Observed, PurchaseOrder, PurchaseOrderLine, RerouteStatus, RerouteTrigger,
};
use orderdeck::engine::reroute::{propose, AtpBook};
use orderdeck::engine::{self, Policy, VendorItem};

const SENT: &str = "2026-11-04T15:00:00Z";

fn po(ack: AckState, lines: &[(&str, u32, Option<u32>)]) -> PurchaseOrder {
    PurchaseOrder {
        po_number: "1001-ACME-HOME".to_string(),
        vendor_id: "acme-home".to_string(),
        sent_at: t(SENT),
        ack,
        acknowledged_at: None,
        promised_ship_date: None,
        lines: lines
            .iter()
            .map(|(sku, ordered, accepted)| PurchaseOrderLine {
                our_sku: sku.to_string(),
                vendor_sku: None,
                ordered: *ordered,
                accepted: *accepted,
                shipped: 0,
                ..Default::default()
            })
            .collect(),
        order_name: "#1001".to_string(),
        revision: 1,
        packages: Vec::new(),
    }
}

fn atp(rows: &[(&str, &str, i64)]) -> AtpBook {
    let mut book = AtpBook::new();
    for (vendor, sku, n) in rows {
        book.entry(vendor.to_string())
            .or_default()
            .insert(sku.to_string(), *n);
    }
    book
}

/// Each alternate as "vendor+vendor cost".
fn ranked(policy: &Policy, po: &PurchaseOrder, book: &AtpBook, now: &str) -> Vec<String> {
    propose(po, policy, book, t(now))
        .map(|p| {
            p.alternates
                .iter()
                .map(|a| {
                    let vendors: Vec<&str> =
                        a.sources.iter().map(|s| s.vendor_id.as_str()).collect();
                    format!("{} {:?}", vendors.join("+"), a.cost_cents)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn which_pos_are_in_trouble() {
    let policy = policy();
    let plenty = atp(&[
        ("acme-home", "SOFA", 9),
        ("bluebird", "SOFA", 9),
        ("northwind-supply", "SOFA", 9),
    ]);
    let short_at_acme = atp(&[("acme-home", "SOFA", 0), ("bluebird", "SOFA", 9)]);
    let sofa = [("SOFA", 1, None)];
    let cases: [(&str, PurchaseOrder, &AtpBook, &str, Option<RerouteTrigger>); 7] = [
        (
            "sent, inside its 4h",
            po(AckState::Sent, &sofa),
            &plenty,
            "2026-11-04T18:59:59Z",
            None,
        ),
        (
            "sent, 4h gone",
            po(AckState::Sent, &sofa),
            &plenty,
            "2026-11-04T19:00:00Z",
            Some(RerouteTrigger::NoAck),
        ),
        (
            "sent, the vendor's ATP short",
            po(AckState::Sent, &sofa),
            &short_at_acme,
            "2026-11-04T16:00:00Z",
            Some(RerouteTrigger::AtpShort),
        ),
        (
            "rejected",
            po(AckState::Rejected, &[("SOFA", 1, Some(0))]),
            &plenty,
            "2026-11-04T16:00:00Z",
            Some(RerouteTrigger::Rejected),
        ),
        (
            "partly accepted",
            po(AckState::PartiallyAccepted, &[("SOFA", 3, Some(1))]),
            &plenty,
            "2026-11-04T16:00:00Z",
            Some(RerouteTrigger::PartialAck),
        ),
        (
            "accepted",
            po(AckState::Accepted, &[("SOFA", 1, Some(1))]),
            &plenty,
            "2026-11-05T16:00:00Z",
            None,
        ),
        (
            "cancelled",
            po(AckState::Cancelled, &sofa),
            &plenty,
            "2026-11-05T16:00:00Z",
            None,
        ),
    ];
    for (name, po, book, now, expected) in cases {
        let got = propose(&po, &policy, book, t(now)).map(|p| p.trigger);
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn alternates_rank_by_priority_then_landed_cost() {
    let policy = policy();
    let po = po(AckState::Sent, &[("SOFA", 2, None)]);
    let book = atp(&[
        ("bluebird", "SOFA", 5),
        ("northwind-supply", "SOFA", 5),
        ("slowpoke", "SOFA", 50),
    ]);
    // slowpoke takes no orders (no API, no EDI outbox): never proposed.
    assert_eq!(
        ranked(&policy, &po, &book, "2026-11-04T20:00:00Z"),
        ["bluebird Some(120000)", "northwind-supply Some(131000)"]
    );
    // Not enough at bluebird for two: northwind alone.
    let book = atp(&[("bluebird", "SOFA", 1), ("northwind-supply", "SOFA", 5)]);
    assert_eq!(
        ranked(&policy, &po, &book, "2026-11-04T20:00:00Z"),
        ["northwind-supply Some(131000)"]
    );
    // Priority beats cost.
    let mut cheaper_first = policy.clone();
    for vendor in &mut cheaper_first.vendors {
        if vendor.id == "northwind-supply" {
            vendor.priority = 1;
        }
    }
    let book = atp(&[("bluebird", "SOFA", 5), ("northwind-supply", "SOFA", 5)]);
    assert_eq!(
        ranked(&cheaper_first, &po, &book, "2026-11-04T20:00:00Z"),
        ["northwind-supply Some(131000)", "bluebird Some(120000)"]
    );
}

#[test]
fn a_split_when_no_one_vendor_covers_it_and_nothing_when_no_one_can() {
    let policy = policy();
    let po = po(
        AckState::Rejected,
        &[("SOFA", 1, Some(0)), ("RUG", 1, Some(0))],
    );
    let book = atp(&[("bluebird", "RUG", 3), ("northwind-supply", "SOFA", 3)]);
    let proposal = propose(&po, &policy, &book, t("2026-11-04T16:00:00Z")).expect("a split");
    assert_eq!(proposal.alternates.len(), 1);
    let split = &proposal.alternates[0];
    assert!(split.split());
    let parts: Vec<(&str, Vec<&str>)> = split
        .sources
        .iter()
        .map(|s| {
            (
                s.vendor_id.as_str(),
                s.lines.iter().map(|(sku, _, _)| sku.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            ("northwind-supply", vec!["SOFA"]),
            ("bluebird", vec!["RUG"])
        ]
    );
    // The later of the two promises: bluebird ships in 3 business days,
    // northwind in 5 (Wednesday 16:00Z is before the cutoff).
    assert_eq!(split.promised_by, t("2026-11-12T04:59:59Z"));
    assert_eq!(split.cost_cents, Some(65_500 + 23_000));
    assert_eq!(proposal.status, RerouteStatus::Proposed);
    assert!(
        proposal.needs_approval.iter().any(|r| r.contains("splits")),
        "{:?}",
        proposal.needs_approval
    );
    let nobody = atp(&[("bluebird", "RUG", 3)]);
    assert!(propose(&po, &policy, &nobody, t("2026-11-04T16:00:00Z")).is_none());
}

#[test]
fn approval_rules_and_observe_only() {
    let policy = policy();
    let po = po(AckState::Sent, &[("SOFA", 1, None)]);
    let late = t(SENT) + TimeDelta::hours(5);
    // Cheaper than the original: runs on its own.
    let cheaper = atp(&[("bluebird", "SOFA", 5)]);
    let proposal = propose(&po, &policy, &cheaper, late).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Automatic);
    assert!(proposal.needs_approval.is_empty());
    assert_eq!(proposal.original_cost_cents, Some(61_000));
    // 45.00 dearer: a human decides, unless the threshold allows it.
    let dearer = atp(&[("northwind-supply", "SOFA", 5)]);
    let proposal = propose(&po, &policy, &dearer, late).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Proposed);
    assert_eq!(
        proposal.needs_approval,
        ["costs 45.00 more than the original PO (approval above 0.00)"]
    );
    let mut lenient = policy.clone();
    lenient.reroute.approve_above_cost = 50.0;
    let proposal = propose(&po, &lenient, &dearer, late).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Automatic);
    // An observe-only vendor's reroutes are recorded, never run.
    let mut observing = policy.clone();
    for vendor in &mut observing.vendors {
        if vendor.id == "acme-home" {
            vendor.observe_only = true;
        }
    }
    let proposal = propose(&po, &observing, &cheaper, late).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Observed);
}

#[test]
fn a_proposal_waiting_for_a_human_blocks_the_order() {
    let policy = policy();
    let sent = po(AckState::Sent, &[("SOFA", 1, None)]);
    let now = "2026-11-04T20:00:00Z";
    let dearer = atp(&[("northwind-supply", "SOFA", 5)]);
    let proposal = propose(&sent, &policy, &dearer, t(now)).expect("a proposal");
    let mut facts = Order::placed(SENT).build();
    facts
        .purchase_orders
        .push(Observed::new(t(SENT), sent.clone()));
    facts.reroutes.push(Observed::new(t(now), proposal.clone()));
    let evaluation = engine::evaluate(&facts, &policy, t(now));
    assert!(codes(&evaluation).contains(&"REROUTE_PROPOSED"));
    assert!(codes(&evaluation).contains(&"VENDOR_NO_ACK"));
    // Decided: nothing waits any more.
    let mut decided = facts.clone();
    decided.reroutes[0].value.status = RerouteStatus::Rejected;
    let evaluation = engine::evaluate(&decided, &policy, t(now));
    assert!(!codes(&evaluation).contains(&"REROUTE_PROPOSED"));
}

#[test]
fn alternates_are_asked_for_their_own_skus_and_never_for_discontinued_ones() {
    let mut policy = policy();
    for vendor in &mut policy.vendors {
        match vendor.id.as_str() {
            "bluebird" => {
                vendor.items = vec![VendorItem {
                    sku: "SOFA".into(),
                    vendor_sku: "BB-SOFA".into(),
                    discontinued: true,
                    ..VendorItem::new("", "")
                }]
            }
            "northwind-supply" => {
                vendor.items = vec![VendorItem {
                    sku: "sofa".into(),
                    vendor_sku: "NW-SOFA-3".into(),
                    discontinued: false,
                    ..VendorItem::new("", "")
                }]
            }
            _ => {}
        }
    }
    let po = po(AckState::Sent, &[("SOFA", 2, None)]);
    // Their ATP comes under their own SKUs; bluebird no longer sells it.
    let book = atp(&[
        ("bluebird", "BB-SOFA", 5),
        ("northwind-supply", "NW-SOFA-3", 5),
    ]);
    assert_eq!(
        ranked(&policy, &po, &book, "2026-11-04T20:00:00Z"),
        ["northwind-supply Some(131000)"]
    );
    // ATP under our SKU is not the vendor's word for its own item.
    let book = atp(&[("northwind-supply", "SOFA", 5)]);
    assert!(ranked(&policy, &po, &book, "2026-11-04T20:00:00Z").is_empty());
}
