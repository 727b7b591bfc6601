//! What a drop-ship vendor's shipping does to an order: its ship notice
//! counts as goods shipped (SYNC_DELAY, then FULFILMENT_NOT_SYNCED, until
//! the storefront records it); the day it promised passing with goods
//! unshipped is VENDOR_SHIP_LATE and a reason to reroute; an approved
//! reroute hands the line to its new source, timed by the promise it made;
//! and a vendor's own terms for a category of goods.
//!
//! The order: one SOFA from acme-home (7 business days, 4h to acknowledge),
//! placed Monday 2026-11-02 10:00 New York, so due by the end of Wednesday
//! 11-11.

#![allow(clippy::expect_used)]

mod engine_common;

use chrono::TimeDelta;
use engine_common::{codes, fulfillment, policy, reason, t, vendor_line, Order};
use orderdeck::domain::{
    AckState, FindingCode, FulfillmentStatus, Observed, OrderFacts, PurchaseOrder,
    PurchaseOrderLine, RerouteStatus, RerouteTrigger, VendorPackage, Verdict,
};
use orderdeck::engine::reroute::{propose, AtpBook};
use orderdeck::engine::{self, Policy, VendorCategoryTerms};

const PLACED: &str = "2026-11-02T15:00:00Z";
const SENT: &str = "2026-11-02T15:05:00Z";

fn sofa_from(vendor: &str) -> Order {
    Order::placed(PLACED).lines(vec![vendor_line("l1", "SOFA", 1, 1, vendor)])
}

fn po(ack: AckState, accepted: Option<u32>, shipped: u32) -> PurchaseOrder {
    PurchaseOrder {
        po_number: "1001-ACME-HOME".to_string(),
        vendor_id: "acme-home".to_string(),
        sent_at: t(SENT),
        ack,
        acknowledged_at: Some(t("2026-11-02T16:00:00Z")),
        promised_ship_date: None,
        lines: vec![PurchaseOrderLine {
            our_sku: "SOFA".to_string(),
            ordered: 1,
            accepted,
            shipped,
            ..Default::default()
        }],
        order_name: "#1001".to_string(),
        revision: 1,
        packages: Vec::new(),
        expedite: false,
    }
}

fn with_po(order: Order, po: PurchaseOrder, seen: &str) -> OrderFacts {
    let mut facts = order.build();
    facts.purchase_orders.push(Observed::new(t(seen), po));
    facts
}

fn eval(facts: &OrderFacts, policy: &Policy, now: &str) -> engine::Evaluation {
    engine::evaluate(facts, policy, t(now))
}

fn shipped_po() -> PurchaseOrder {
    let mut shipped = po(AckState::Accepted, Some(1), 1);
    shipped.packages.push(VendorPackage {
        tracking_number: "1ZVENDOR0001".to_string(),
        carrier: Some("UPSN".to_string()),
        shipped_at: Some(t("2026-11-05T14:00:00Z")),
    });
    shipped
}

#[test]
fn a_vendor_s_ship_notice_counts_as_goods_shipped() {
    let policy = policy();
    let facts = with_po(sofa_from("acme-home"), shipped_po(), "2026-11-05T14:30:00Z");

    let early = eval(&facts, &policy, "2026-11-05T15:00:00Z");
    assert!(codes(&early).contains(&"SYNC_DELAY"), "{:?}", codes(&early));
    assert!(
        !codes(&early).contains(&"THIRD_PARTY_VENDOR"),
        "nothing owed"
    );
    assert!(!codes(&early).contains(&"SLA_ON_TIME"), "nothing owed");
    assert_eq!(
        reason(&early, "SYNC_DELAY"),
        "Shipped by vendor acme-home 1h ago (PO 1001-ACME-HOME, tracking 1ZVENDOR0001); the storefront still shows 1 item unfulfilled — within the 2h sync tolerance"
    );
    let vendor_evidence = early
        .findings
        .iter()
        .find(|f| f.code == FindingCode::SyncDelay)
        .expect("SYNC_DELAY")
        .evidence
        .iter()
        .find(|e| e.field == "PO 1001-ACME-HOME ship notice, shipped at")
        .expect("the ship notice as evidence");
    assert_eq!(vendor_evidence.value, "2026-11-05T14:00:00Z");
    assert_eq!(early.next_change_at, Some(t("2026-11-05T16:00:01Z")));

    let later = eval(&facts, &policy, "2026-11-05T17:00:00Z");
    assert!(codes(&later).contains(&"FULFILMENT_NOT_SYNCED"));
    // Past the vendor's own SLA too: shipped goods are not late.
    let long_after = eval(&facts, &policy, "2026-11-20T17:00:00Z");
    assert!(!codes(&long_after).contains(&"SLA_BREACH"));

    // The storefront records the vendor's parcel: nothing left to say.
    let recorded = with_po(
        sofa_from("acme-home")
            .lines(vec![vendor_line("l1", "SOFA", 1, 0, "acme-home")])
            .fulfillment_status(FulfillmentStatus::Fulfilled)
            .fulfillment(fulfillment(
                "f1",
                "success",
                "2026-11-05T15:00:00Z",
                &["1ZVENDOR0001"],
            )),
        shipped_po(),
        "2026-11-05T14:30:00Z",
    );
    let closed = eval(&recorded, &policy, "2026-11-05T17:00:00Z");
    assert!(
        !codes(&closed).contains(&"FULFILMENT_NOT_SYNCED")
            && !codes(&closed).contains(&"SYNC_DELAY"),
        "{:?}",
        codes(&closed)
    );

    // Without the ship notice the same order is simply late.
    let unshipped = with_po(
        sofa_from("acme-home"),
        po(AckState::Accepted, Some(1), 0),
        "2026-11-02T16:00:00Z",
    );
    assert!(codes(&eval(&unshipped, &policy, "2026-11-20T17:00:00Z")).contains(&"SLA_BREACH"));
}

#[test]
fn a_vendor_past_the_day_it_promised_is_late() {
    let policy = policy();
    let promised = t("2026-11-06T04:59:59Z"); // end of Thu 11-05, New York
    let mut accepted = po(AckState::Accepted, Some(1), 0);
    accepted.promised_ship_date = Some(promised);
    let facts = with_po(
        sofa_from("acme-home"),
        accepted.clone(),
        "2026-11-02T16:00:00Z",
    );

    let before = eval(&facts, &policy, "2026-11-06T04:59:59Z");
    assert!(!codes(&before).contains(&"VENDOR_SHIP_LATE"));
    assert_eq!(
        before.next_change_at,
        Some(t("2026-11-06T05:00:00Z")),
        "the moment it turns late is the next look"
    );

    let after = eval(&facts, &policy, "2026-11-06T14:00:00Z");
    let late = after
        .findings
        .iter()
        .find(|f| f.code == FindingCode::VendorShipLate)
        .expect("VENDOR_SHIP_LATE");
    assert_eq!(late.verdict, Verdict::Blocked);
    assert_eq!(
        late.reason,
        "Vendor acme-home promised to ship PO 1001-ACME-HOME by Thu 2026-11-05 23:59 EST and has not (SOFA 1 of 1 unshipped), 9h late"
    );
    assert_eq!(engine::classify(&after.findings).as_str(), "blocked");

    // Shipped, or the order cancelled: nothing is late.
    let mut shipped = accepted.clone();
    shipped.lines[0].shipped = 1;
    let facts_shipped = with_po(sofa_from("acme-home"), shipped, "2026-11-06T13:00:00Z");
    assert!(
        !codes(&eval(&facts_shipped, &policy, "2026-11-06T14:00:00Z"))
            .contains(&"VENDOR_SHIP_LATE")
    );
    let cancelled = with_po(
        sofa_from("acme-home").cancelled("2026-11-04T12:00:00Z"),
        accepted.clone(),
        "2026-11-02T16:00:00Z",
    );
    assert!(
        !codes(&eval(&cancelled, &policy, "2026-11-06T14:00:00Z")).contains(&"VENDOR_SHIP_LATE")
    );

    // A reason to look elsewhere, but the vendor may still ship: a human decides.
    let mut book = AtpBook::new();
    book.entry("bluebird".to_string())
        .or_default()
        .insert("SOFA".to_string(), 4);
    assert!(propose(&accepted, &policy, &book, promised, None).is_none());
    let proposal = propose(&accepted, &policy, &book, t("2026-11-06T14:00:00Z"), None)
        .expect("a proposal once the day has passed");
    assert_eq!(proposal.trigger, RerouteTrigger::ShipLate);
    assert_eq!(proposal.status, RerouteStatus::Proposed);
    assert!(
        proposal.needs_approval.iter().any(|why| why
            == "acme-home accepted the PO and may still ship it: cancelling it is a human's call"),
        "{:?}",
        proposal.needs_approval
    );
    assert_eq!(
        proposal.alternates[0].sources[0].lines,
        [("SOFA".to_string(), 1, 4)]
    );

    // Accepted without a day: late once the vendor's own SLA from the PO
    // has run out (7 business days from Mon 11-02: the end of Wed 11-11).
    let undated = po(AckState::Accepted, Some(1), 0);
    let trigger = |now: &str| propose(&undated, &policy, &book, t(now), None).map(|p| p.trigger);
    assert_eq!(trigger("2026-11-12T04:59:59Z"), None);
    assert_eq!(
        trigger("2026-11-12T05:00:00Z"),
        Some(RerouteTrigger::ShipLate)
    );
}

/// An approved reroute of the rejected PO, decided at `decided`.
fn rerouted(policy: &Policy, to: &str, decided: &str) -> OrderFacts {
    let rejected = po(AckState::Rejected, Some(0), 0);
    let mut book = AtpBook::new();
    book.entry(to.to_string())
        .or_default()
        .insert("SOFA".to_string(), 4);
    let mut proposal = propose(&rejected, policy, &book, t(decided), None).expect("a proposal");
    assert_eq!(proposal.alternates[0].sources[0].vendor_id, to);
    proposal.status = RerouteStatus::Approved;
    proposal.chosen = Some(0);
    proposal.decided_at = Some(t(decided));
    proposal.decided_by = Some("ops".to_string());
    let mut facts = with_po(sofa_from("acme-home"), rejected, "2026-11-02T16:00:00Z");
    facts.purchase_orders[0].value.ack = AckState::Cancelled;
    facts.reroutes.push(Observed::new(t(decided), proposal));
    facts
}

#[test]
fn a_rerouted_line_is_timed_by_the_reroute_s_promise() {
    let policy = policy();
    // Approved Thu 11-12, after acme's deadline (Wed 11-11) had passed;
    // northwind ships within 5 business days: by the end of Thu 11-19.
    let facts = rerouted(&policy, "northwind-supply", "2026-11-12T15:00:00Z");
    let now = eval(&facts, &policy, "2026-11-13T15:00:00Z");
    assert!(!codes(&now).contains(&"SLA_BREACH"), "{:?}", codes(&now));
    assert!(
        reason(&now, "THIRD_PARTY_VENDOR")
            .contains("1 item from northwind-supply, due by Thu 2026-11-19 23:59 EST (5 business days from reroute RR-1001-ACME-HOME to northwind-supply)"),
        "{}",
        reason(&now, "THIRD_PARTY_VENDOR")
    );
    assert_eq!(now.ship_by, Some(t("2026-11-20T04:59:59Z")));
    let late = eval(&facts, &policy, "2026-11-20T15:00:00Z");
    assert!(
        reason(&late, "SLA_BREACH").contains("from reroute RR-1001-ACME-HOME to northwind-supply")
    );

    // Once the promise is written back, that is the date held to.
    let mut written = facts.clone();
    written.reroutes[0].value.promise_written =
        Some((t("2026-11-21T04:59:59Z"), t("2026-11-12T16:00:00Z")));
    assert_eq!(
        eval(&written, &policy, "2026-11-13T15:00:00Z").ship_by,
        Some(t("2026-11-21T04:59:59Z"))
    );
}

#[test]
fn goods_moved_to_our_warehouse_are_ours_to_ship() {
    let mut policy = policy();
    let mut warehouse = policy.vendors[0].clone();
    warehouse.id = "secaucus".to_string();
    warehouse.third_party = false;
    warehouse.ship_within_business_days = Some(1);
    warehouse.confirm_within = None;
    warehouse.priority = 5;
    warehouse.location_id = Some("77".to_string());
    policy.vendors.push(warehouse);
    let facts = rerouted(&policy, "secaucus", "2026-11-12T15:00:00Z");

    let soon = eval(&facts, &policy, "2026-11-12T18:00:00Z");
    assert!(
        !codes(&soon).contains(&"THIRD_PARTY_VENDOR"),
        "in-house now"
    );
    assert!(
        !codes(&soon).contains(&"NOT_AT_WAREHOUSE"),
        "inside the hand-off tolerance from the move"
    );
    assert_eq!(soon.next_change_at, Some(t("2026-11-12T19:00:01Z")));
    assert!(reason(&soon, "SLA_ON_TIME")
        .contains("1 business day from reroute RR-1001-ACME-HOME to secaucus"));

    // A product whose vendor field happens to spell the warehouse's id is
    // still an in-house line on the shop's SLA, not the warehouse's.
    let named = Order::placed(PLACED)
        .lines(vec![vendor_line("l1", "SKU-1", 1, 1, "Secaucus")])
        .eval_with(&policy, "2026-11-03T15:00:00Z");
    assert!(
        reason(&named, "SLA_ON_TIME").contains("2 business days, default SLA"),
        "{}",
        reason(&named, "SLA_ON_TIME")
    );

    let later = eval(&facts, &policy, "2026-11-12T20:00:00Z");
    assert_eq!(
        reason(&later, "NOT_AT_WAREHOUSE"),
        "Moved to our warehouse by a reroute 5h ago and paid, 1 item to ship, but the warehouse has no order for it — past the 4h hand-off tolerance"
    );
}

#[test]
fn a_vendor_s_terms_for_a_category() {
    let mut policy = policy();
    policy.vendors[0].categories = vec![VendorCategoryTerms {
        category: "furniture".to_string(),
        ship_within_business_days: Some(12),
        confirm_within: Some(TimeDelta::hours(24)),
    }];
    let chair =
        Order::placed(PLACED).lines(vec![vendor_line("l1", "FURN-CHAIR", 1, 1, "acme-home")]);
    let evaluation = chair.eval_with(&policy, "2026-11-03T15:00:00Z");
    assert!(
        reason(&evaluation, "THIRD_PARTY_VENDOR")
            .contains("12 business days, vendor acme-home's SLA for furniture"),
        "{}",
        reason(&evaluation, "THIRD_PARTY_VENDOR")
    );
    // A SOFA is no furniture by SKU: the vendor's general 7 days.
    let sofa = sofa_from("acme-home").eval_with(&policy, "2026-11-03T15:00:00Z");
    assert!(reason(&sofa, "THIRD_PARTY_VENDOR").contains("7 business days, vendor acme-home's SLA"));

    let sent = |skus: &[&str]| {
        let mut po = po(AckState::Sent, None, 0);
        po.acknowledged_at = None;
        po.lines = skus
            .iter()
            .map(|sku| PurchaseOrderLine {
                our_sku: sku.to_string(),
                ordered: 1,
                ..Default::default()
            })
            .collect();
        with_po(chair.clone(), po, SENT)
    };
    let furniture_only = sent(&["FURN-CHAIR"]);
    assert!(
        !codes(&eval(&furniture_only, &policy, "2026-11-03T15:00:00Z")).contains(&"VENDOR_NO_ACK")
    );
    let evaluation = eval(&furniture_only, &policy, "2026-11-03T15:06:00Z");
    assert!(
        reason(&evaluation, "VENDOR_NO_ACK").contains("due within 24h"),
        "{}",
        reason(&evaluation, "VENDOR_NO_ACK")
    );
    // One PO is late once its strictest line is: the sofa's 4h.
    let mixed = sent(&["FURN-CHAIR", "SOFA"]);
    assert!(codes(&eval(&mixed, &policy, "2026-11-02T19:06:00Z")).contains(&"VENDOR_NO_ACK"));
}

#[test]
fn the_config_reads_a_vendor_s_category_terms() {
    use orderdeck::config::Config;
    let base = "[[sla.categories]]\nname = \"furniture\"\nsku_prefixes = [\"FURN-\"]\nship_within_business_days = 5\n\n[[vendors]]\nid = \"acme-home\"\nconfirm_within = \"4h\"\n";
    let with = |terms: &str| {
        Config::from_str_over_defaults("test.toml", &format!("{base}{terms}"))
            .and_then(|config| config.policy())
    };
    let policy = with(
        "[[vendors.categories]]\ncategory = \"Furniture\"\nship_within_business_days = 12\nconfirm_within = \"24h\"\n",
    )
    .expect("valid terms");
    assert_eq!(
        policy.vendors[0].categories,
        [VendorCategoryTerms {
            category: "Furniture".to_string(),
            ship_within_business_days: Some(12),
            confirm_within: Some(TimeDelta::hours(24)),
        }]
    );
    for (terms, key, says) in [
        (
            "[[vendors.categories]]\ncategory = \"lamps\"\n",
            "vendors[0].categories[0].category",
            "not the name of any [[sla.categories]]",
        ),
        (
            "[[vendors.categories]]\ncategory = \"furniture\"\nconfirm_within = \"soon\"\n",
            "vendors[0].categories[0].confirm_within",
            "soon",
        ),
        (
            "[[vendors.categories]]\ncategory = \"furniture\"\n[[vendors.categories]]\ncategory = \"FURNITURE\"\n",
            "vendors[0].categories[1].category",
            "twice",
        ),
    ] {
        let error = with(terms).expect_err(key);
        assert_eq!(error.key, key, "{terms}");
        assert!(error.message.contains(says), "{terms}: {}", error.message);
    }
}

/// A vendor that confirmed one sofa of three keeps delivering that one: the
/// reroute sources the other two elsewhere and cancels nothing, the one
/// confirmed stays held at the vendor, and the short PO is only history.
#[test]
fn a_partly_confirmed_po_keeps_what_it_confirmed() {
    use orderdeck::actions::reroute::{decide, Request};
    use orderdeck::actions::{Preflight, Preview};
    use orderdeck::config::Config;
    use orderdeck::domain::ReservationState;
    use orderdeck::engine::reservation;

    let policy = policy();
    let mut partial = po(AckState::PartiallyAccepted, Some(1), 0);
    partial.lines[0].ordered = 3;
    let decided_at = t("2026-11-02T17:00:00Z");
    let mut book = AtpBook::new();
    book.entry("bluebird".to_string())
        .or_default()
        .insert("SOFA".to_string(), 5);
    let proposal = propose(&partial, &policy, &book, decided_at, None).expect("a proposal");
    assert_eq!(proposal.trigger, RerouteTrigger::PartialAck);
    assert_eq!(
        proposal.alternates[0].sources[0].lines,
        [("SOFA".to_string(), 2, 5)]
    );
    let mut facts = with_po(
        Order::placed(PLACED).lines(vec![vendor_line("l1", "SOFA", 3, 3, "acme-home")]),
        partial.clone(),
        "2026-11-02T16:00:00Z",
    );
    facts
        .reroutes
        .push(Observed::new(decided_at, proposal.clone()));

    let vendors = Config::from_str_over_defaults(
        "test.toml",
        "[[vendors]]\nid = \"acme-home\"\nthird_party = true\napi_base_url = \"http://127.0.0.1:9/acme\"\napi_key_env = \"ACME_KEY\"\n\n\
         [[vendors]]\nid = \"bluebird\"\nthird_party = true\napi_base_url = \"http://127.0.0.1:9/bluebird\"\napi_key_env = \"BLUEBIRD_KEY\"\n",
    )
    .expect("a valid config")
    .vendors;
    let mut preflight = Preflight::default();
    let mut preview = Preview::default();
    let request = Request {
        approve: true,
        alternate: None,
        now: decided_at,
        storefront_api: None,
    };
    decide(&facts, &vendors, &request, &mut preflight, &mut preview).expect("a decision");
    assert!(preflight.first_block().is_none(), "{preflight:?}");
    // The alternate's promise with its time and zone, not a bare UTC date
    // a day off from the shop's.
    let alternate = preflight
        .checks
        .iter()
        .find(|c| c.code == "ALTERNATE")
        .expect("the alternate listed");
    assert!(
        alternate.reason.ends_with(&format!(
            "promised by {}",
            proposal.alternates[0]
                .promised_by
                .format("%Y-%m-%d %H:%M UTC")
        )),
        "{}",
        alternate.reason
    );
    let urls: Vec<&str> = preview.requests.iter().map(|r| r.url.as_str()).collect();
    assert!(
        urls.iter()
            .any(|u| u.starts_with("http://127.0.0.1:9/bluebird")),
        "{urls:?}"
    );
    assert!(
        !urls
            .iter()
            .any(|u| u.starts_with("http://127.0.0.1:9/acme")),
        "nothing cancelled: {urls:?}"
    );
    assert!(
        preview
            .local
            .iter()
            .any(|l| l == "PO 1001-ACME-HOME stays with vendor acme-home for what it confirmed; nothing is cancelled"),
        "{:?}",
        preview.local
    );
    assert!(
        !preview.local.iter().any(|l| l.contains("as cancelled")),
        "{:?}",
        preview.local
    );

    // Approved: the short PO is history, and its one sofa stays held.
    let mut approved = proposal;
    approved.status = RerouteStatus::Approved;
    approved.chosen = Some(0);
    approved.decided_at = Some(decided_at);
    facts.reroutes[0].value = approved;
    let evaluation = eval(&facts, &policy, "2026-11-02T18:00:00Z");
    let short = evaluation
        .findings
        .iter()
        .find(|f| f.code == FindingCode::VendorPartialAck)
        .expect("VENDOR_PARTIAL_ACK");
    assert_eq!(short.verdict, Verdict::Info);
    assert_eq!(
        short.reason,
        "Vendor acme-home confirmed only part of PO 1001-ACME-HOME (SOFA 1 of 3); the rest was rerouted by RR-1001-ACME-HOME"
    );
    let held = reservation::hold(
        &partial,
        &facts,
        &[],
        &AtpBook::new(),
        &policy,
        "1001",
        decided_at,
    );
    assert_eq!(held.len(), 1);
    assert_eq!((held[0].units, held[0].state), (1, ReservationState::Firm));
}

/// When a PO is settled, so that the passes stop polling and weighing it:
/// cancelled, or all the vendor confirmed shipped and any shortfall
/// proposed elsewhere; never while it is unanswered or rejected.
#[test]
fn a_po_is_done_once_nothing_more_can_come_of_it() {
    use orderdeck::engine::reroute::nothing_more_to_come;
    let with = |ack: AckState, ordered: u32, accepted: Option<u32>, shipped: u32| {
        let mut po = po(ack, accepted, shipped);
        po.lines[0].ordered = ordered;
        po
    };
    let cases = [
        (
            "cancelled",
            with(AckState::Cancelled, 1, None, 0),
            false,
            true,
        ),
        ("sent", with(AckState::Sent, 1, None, 0), true, false),
        (
            "never acknowledged, all shipped",
            with(AckState::Sent, 1, None, 1),
            false,
            true,
        ),
        (
            "rejected",
            with(AckState::Rejected, 1, Some(0), 0),
            true,
            false,
        ),
        (
            "accepted, unshipped",
            with(AckState::Accepted, 1, Some(1), 0),
            false,
            false,
        ),
        (
            "accepted, shipped",
            with(AckState::Accepted, 1, Some(1), 1),
            false,
            true,
        ),
        (
            "accepted without quantities, shipped",
            with(AckState::Accepted, 2, None, 2),
            false,
            true,
        ),
        (
            "1 of 3, shipped, no proposal yet",
            with(AckState::PartiallyAccepted, 3, Some(1), 1),
            false,
            false,
        ),
        (
            "1 of 3, shipped, the rest proposed",
            with(AckState::PartiallyAccepted, 3, Some(1), 1),
            true,
            true,
        ),
    ];
    for (name, po, proposed, done) in cases {
        assert_eq!(nothing_more_to_come(&po, proposed), done, "{name}");
    }
}
