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
        expedite: false,
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
    propose(po, policy, book, t(now), None)
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
        let got = propose(&po, &policy, book, t(now), None).map(|p| p.trigger);
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
    let proposal = propose(&po, &policy, &book, t("2026-11-04T16:00:00Z"), None).expect("a split");
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
    assert!(propose(&po, &policy, &nobody, t("2026-11-04T16:00:00Z"), None).is_none());
}

#[test]
fn approval_rules_and_observe_only() {
    let policy = policy();
    let po = po(AckState::Sent, &[("SOFA", 1, None)]);
    let late = t(SENT) + TimeDelta::hours(5);
    // Cheaper than the original: runs on its own.
    let cheaper = atp(&[("bluebird", "SOFA", 5)]);
    let proposal = propose(&po, &policy, &cheaper, late, None).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Automatic);
    assert!(proposal.needs_approval.is_empty());
    assert_eq!(proposal.original_cost_cents, Some(61_000));
    // 45.00 dearer: a human decides, unless the threshold allows it.
    let dearer = atp(&[("northwind-supply", "SOFA", 5)]);
    let proposal = propose(&po, &policy, &dearer, late, None).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Proposed);
    assert_eq!(
        proposal.needs_approval,
        ["costs 45.00 more than the original PO (approval above 0.00)"]
    );
    let mut lenient = policy.clone();
    lenient.reroute.approve_above_cost = 50.0;
    let proposal = propose(&po, &lenient, &dearer, late, None).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Automatic);
    // An observe-only vendor's reroutes are recorded, never run.
    let mut observing = policy.clone();
    for vendor in &mut observing.vendors {
        if vendor.id == "acme-home" {
            vendor.observe_only = true;
        }
    }
    let proposal = propose(&po, &observing, &cheaper, late, None).expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Observed);
}

#[test]
fn a_proposal_waiting_for_a_human_blocks_the_order() {
    let policy = policy();
    let sent = po(AckState::Sent, &[("SOFA", 1, None)]);
    let now = "2026-11-04T20:00:00Z";
    let dearer = atp(&[("northwind-supply", "SOFA", 5)]);
    let proposal = propose(&sent, &policy, &dearer, t(now), None).expect("a proposal");
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

/// The rejected SOFA PO with only northwind-supply (5 business days, 45.00
/// dearer than acme-home) in stock, which can expedite to 2 business days
/// for 35.00. The cost threshold (100.00) lets the goods and the fee through,
/// so any approval asked is the expedite's. Proposed Wednesday 2026-11-04
/// before the cutoff: the standard promise is the end of Wednesday 11-11,
/// the expedited one the end of Friday 11-06 (New York).
fn expedite_case(
    approve_expedites: bool,
    ship_by: Option<&str>,
) -> orderdeck::domain::RerouteProposal {
    let mut policy = policy();
    policy.reroute.approve_above_cost = 100.0;
    policy.reroute.approve_expedites = approve_expedites;
    for vendor in &mut policy.vendors {
        if vendor.id == "northwind-supply" {
            vendor.expedite = Some(engine::Expedite {
                within_business_days: 2,
                fee_cents: 3_500,
            });
        }
    }
    let po = po(AckState::Rejected, &[("SOFA", 1, Some(0))]);
    let book = atp(&[("northwind-supply", "SOFA", 5)]);
    propose(
        &po,
        &policy,
        &book,
        t("2026-11-04T16:00:00Z"),
        ship_by.map(t),
    )
    .expect("a proposal")
}

const STANDARD_PROMISE: &str = "2026-11-12T04:59:59Z";
const EXPEDITED_PROMISE: &str = "2026-11-07T04:59:59Z";

#[test]
fn no_expedite_when_the_standard_promise_meets_the_ship_by() {
    // Ship-by the end of Friday 11-13, and exactly the standard promise.
    for ship_by in ["2026-11-14T04:59:59Z", STANDARD_PROMISE] {
        let proposal = expedite_case(true, Some(ship_by));
        let best = &proposal.alternates[0];
        assert_eq!(best.sources[0].expedite_fee_cents, None, "{ship_by}");
        assert_eq!(best.promised_by, t(STANDARD_PROMISE), "{ship_by}");
        assert_eq!(best.cost_cents, Some(65_500), "{ship_by}");
        assert_eq!(proposal.status, RerouteStatus::Automatic, "{ship_by}");
        assert!(!best.describe().contains("expedited"), "{ship_by}");
    }
    // No ship-by known: nothing to expedite to.
    let proposal = expedite_case(true, None);
    assert_eq!(proposal.alternates[0].sources[0].expedite_fee_cents, None);
    assert_eq!(proposal.status, RerouteStatus::Automatic);
}

#[test]
fn an_expedite_when_only_the_expedited_promise_meets_the_ship_by() {
    // Ship-by the end of Friday 11-06: exactly the expedited promise.
    let proposal = expedite_case(true, Some(EXPEDITED_PROMISE));
    let best = &proposal.alternates[0];
    assert_eq!(best.sources[0].expedite_fee_cents, Some(3_500));
    assert_eq!(best.sources[0].promised_by, t(EXPEDITED_PROMISE));
    assert_eq!(best.promised_by, t(EXPEDITED_PROMISE));
    assert_eq!(best.sources[0].cost_cents, Some(65_500 + 3_500));
    assert_eq!(best.cost_cents, Some(65_500 + 3_500));
    assert_eq!(
        best.describe(),
        "northwind-supply (SOFA 1 of ATP 5, expedited)"
    );
    assert_eq!(proposal.status, RerouteStatus::Proposed);
    assert_eq!(
        proposal.needs_approval,
        ["expedited by northwind-supply for 35.00 to meet the ship-by Fri 2026-11-06"]
    );
    // Stored and shown as JSON with the fee.
    let json = serde_json::to_value(&proposal).expect("json");
    assert_eq!(
        json["alternates"][0]["sources"][0]["expedite_fee_cents"],
        3_500
    );
    // Without the rule it runs on its own, still expedited.
    let proposal = expedite_case(false, Some(EXPEDITED_PROMISE));
    assert_eq!(proposal.status, RerouteStatus::Automatic);
    assert!(proposal.needs_approval.is_empty());
    assert_eq!(
        proposal.alternates[0].sources[0].expedite_fee_cents,
        Some(3_500)
    );
    assert_eq!(proposal.alternates[0].cost_cents, Some(69_000));
}

#[test]
fn no_expedite_when_even_the_expedited_promise_misses_the_ship_by() {
    // Ship-by the end of Thursday 11-05: a day before the expedite ships.
    let proposal = expedite_case(true, Some("2026-11-06T04:59:59Z"));
    let best = &proposal.alternates[0];
    assert_eq!(best.sources[0].expedite_fee_cents, None);
    assert_eq!(best.promised_by, t(STANDARD_PROMISE));
    assert_eq!(best.cost_cents, Some(65_500));
    assert_eq!(proposal.status, RerouteStatus::Automatic);
}

#[test]
fn stored_proposals_from_before_expedites_still_read() {
    let proposal = expedite_case(true, None);
    let mut json = serde_json::to_value(&proposal).expect("json");
    json["alternates"][0]["sources"][0]
        .as_object_mut()
        .expect("a source")
        .remove("expedite_fee_cents");
    let read: orderdeck::domain::RerouteProposal =
        serde_json::from_value(json).expect("an old proposal reads");
    assert_eq!(read, proposal);
}

#[test]
fn the_config_checks_expedites() {
    use orderdeck::config::Config;
    let with = |vendor: &str| {
        let text = format!("[[vendors]]\nid = \"northwind-supply\"\n{vendor}");
        Config::from_str_over_defaults("test.toml", &text).and_then(|config| config.policy())
    };
    let policy = with(
        "ship_within_business_days = 5\nexpedite_within_business_days = 2\nexpedite_fee = 35.0\n",
    )
    .expect("a valid expedite");
    assert_eq!(
        policy.vendors[0].expedite,
        Some(engine::Expedite {
            within_business_days: 2,
            fee_cents: 3_500
        })
    );
    assert!(policy.reroute.approve_expedites, "on by default");
    let off = Config::from_str_over_defaults("test.toml", "[reroute]\napprove_expedites = false\n")
        .and_then(|config| config.policy())
        .expect("a valid config");
    assert!(!off.reroute.approve_expedites);
    assert_eq!(with("").expect("no expedite").vendors[0].expedite, None);
    for (vendor, key, says) in [
        (
            "ship_within_business_days = 5\nexpedite_within_business_days = 5\n",
            "vendors[0].expedite_within_business_days",
            "smaller than the vendor's standard 5",
        ),
        // No N of its own: the shop's default 2 is its standard.
        (
            "expedite_within_business_days = 2\n",
            "vendors[0].expedite_within_business_days",
            "smaller than the vendor's standard 2",
        ),
        (
            "ship_within_business_days = 5\nexpedite_within_business_days = 2\nexpedite_fee = -1.0\n",
            "vendors[0].expedite_fee",
            "-1 is not a fee",
        ),
        (
            "expedite_fee = 35.0\n",
            "vendors[0].expedite_fee",
            "without expedite_within_business_days",
        ),
    ] {
        let error = with(vendor).expect_err(key);
        assert_eq!(error.key, key, "{vendor}");
        assert!(error.message.contains(says), "{vendor}: {}", error.message);
    }
}

#[test]
fn an_expedite_fee_counts_in_the_ranking() {
    // northwind-supply's SOFA at 590.00 undercuts bluebird's 600.00 until
    // its 35.00 expedite is paid; bluebird (3 business days) misses the
    // ship-by on its own and has no expedite, so it is not one.
    let mut policy = policy();
    for vendor in &mut policy.vendors {
        if vendor.id == "northwind-supply" {
            vendor.landed_cost.insert("SOFA".to_string(), 590.0);
            vendor.expedite = Some(engine::Expedite {
                within_business_days: 2,
                fee_cents: 3_500,
            });
        }
    }
    let po = po(AckState::Rejected, &[("SOFA", 1, Some(0))]);
    let book = atp(&[("bluebird", "SOFA", 5), ("northwind-supply", "SOFA", 5)]);
    let order = |ship_by: &str| {
        propose(
            &po,
            &policy,
            &book,
            t("2026-11-04T16:00:00Z"),
            Some(t(ship_by)),
        )
        .expect("a proposal")
        .alternates
        .iter()
        .map(|a| (a.sources[0].vendor_id.clone(), a.cost_cents))
        .collect::<Vec<_>>()
    };
    assert_eq!(
        order(EXPEDITED_PROMISE),
        [
            ("bluebird".to_string(), Some(60_000)),
            ("northwind-supply".to_string(), Some(62_500))
        ]
    );
    // A later ship-by needs no expedite: northwind is the cheaper again.
    assert_eq!(
        order("2026-11-14T04:59:59Z"),
        [
            ("northwind-supply".to_string(), Some(59_000)),
            ("bluebird".to_string(), Some(60_000))
        ]
    );
}

/// A reroute to our own warehouse moves the order's fulfilment order, which
/// only an open one not in a fulfilment service's hands can do: any other
/// is refused in preflight, before anything is sent.
#[test]
fn a_warehouse_alternate_moves_only_an_open_fulfilment_order() {
    use orderdeck::actions::reroute::{decide, Request};
    use orderdeck::actions::{Preflight, Preview};
    use orderdeck::domain::FulfillmentOrderLine;

    let mut policy = policy();
    let mut warehouse = policy.vendors[0].clone();
    warehouse.id = "secaucus".to_string();
    warehouse.third_party = false;
    warehouse.priority = 5;
    warehouse.location_id = Some("77".to_string());
    policy.vendors.push(warehouse);
    let now = t(SENT) + TimeDelta::hours(5);
    let mut atp = AtpBook::new();
    atp.entry("secaucus".to_string())
        .or_default()
        .insert("SOFA".to_string(), 3);
    let troubled = po(AckState::Sent, &[("SOFA", 1, None)]);
    let proposal = propose(&troubled, &policy, &atp, now, None).expect("a proposal");
    let source = &proposal.alternates[0].sources[0];
    assert_eq!(source.vendor_id, "secaucus", "first by priority");
    assert_eq!(source.location_id.as_deref(), Some("77"));

    let decided = |status: &str, request_status: Option<&str>| {
        let mut fo = engine_common::fulfillment_order("fo-9", status, Vec::new());
        fo.request_status = request_status.map(str::to_string);
        fo.lines = vec![FulfillmentOrderLine {
            line_id: "l1".to_string(),
            quantity: 1,
            id: Some("fol-5".to_string()),
            inventory_item_id: Some("4242".to_string()),
        }];
        let mut facts = Order::placed(SENT)
            .lines(vec![engine_common::vendor_line(
                "l1",
                "SOFA",
                1,
                1,
                "acme-home",
            )])
            .fulfillment_orders(SENT, vec![fo])
            .build();
        facts.purchase_orders = vec![Observed::new(t(SENT), troubled.clone())];
        facts.reroutes = vec![Observed::new(now, proposal.clone())];
        let mut preflight = Preflight::default();
        let mut preview = Preview::default();
        let request = Request {
            approve: true,
            alternate: Some(0),
            now,
            storefront_api: Some("https://shop.example/admin/api/2024-10/".to_string()),
        };
        decide(&facts, &[], &request, &mut preflight, &mut preview);
        (preflight, preview)
    };

    let (preflight, preview) = decided("open", Some("unsubmitted"));
    assert!(preflight.first_block().is_none(), "{preflight:?}");
    let moves: Vec<_> = preview
        .requests
        .iter()
        .filter(|r| r.url.ends_with("fulfillment_orders/fo-9/move.json"))
        .collect();
    assert_eq!(moves.len(), 1, "{preview:?}");
    assert_eq!(moves[0].body["fulfillment_order"]["new_location_id"], 77);
    assert_eq!(
        moves[0].body["fulfillment_order"]["fulfillment_order_line_items"][0]["id"],
        "fol-5"
    );

    for (status, request_status, why) in [
        ("on_hold", None, "is on_hold, not open"),
        ("open", Some("accepted"), "with a fulfilment service"),
    ] {
        let (preflight, preview) = decided(status, request_status);
        let block = preflight.first_block().expect("refused");
        assert_eq!(block.code, "NO_FULFILMENT_ORDER");
        assert!(block.reason.contains(why), "{}", block.reason);
        assert!(preview.requests.is_empty(), "nothing planned: {preview:?}");
    }
}
