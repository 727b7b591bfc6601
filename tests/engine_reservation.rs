//! Reservations against vendors' ATP as tables: what a PO holds given its
//! facts, what the others hold and the ATP; what may be promised; and how a
//! sensitive category keeps a reroute from running on its own. acme-home
//! has one sofa left; northwind-supply (dearer) has plenty.

#![allow(clippy::expect_used)]

mod engine_common;

use engine_common::{policy, t, vendor_line, Order};
use orderdeck::domain::{
    AckState, Observed, OrderFacts, PurchaseOrder, PurchaseOrderLine, RerouteStatus,
    RerouteTrigger, Reservation, ReservationState,
};
use orderdeck::engine::reroute::{propose, trouble, AtpBook};
use orderdeck::engine::reservation::{available, hold, promise};
use orderdeck::engine::Policy;

const PLACED: &str = "2026-11-04T15:00:00Z";
const LATER: &str = "2026-11-04T16:00:00Z";

fn po(
    order: &str,
    ack: AckState,
    ordered: u32,
    accepted: Option<u32>,
    shipped: u32,
) -> PurchaseOrder {
    PurchaseOrder {
        po_number: format!("{order}-ACME-HOME"),
        vendor_id: "acme-home".to_string(),
        sent_at: t(PLACED),
        ack,
        acknowledged_at: None,
        promised_ship_date: (ack == AckState::Accepted).then(|| t("2026-11-09T22:00:00Z")),
        lines: vec![PurchaseOrderLine {
            our_sku: "SOFA".to_string(),
            vendor_sku: None,
            ordered,
            accepted,
            shipped,
            ..Default::default()
        }],
        order_name: format!("#{order}"),
        revision: 1,
        packages: Vec::new(),
        expedite: false,
    }
}

fn facts(po: &PurchaseOrder) -> OrderFacts {
    let mut facts = Order::placed(PLACED)
        .lines(vec![vendor_line("l1", "SOFA", 1, 1, "acme-home")])
        .build();
    facts
        .purchase_orders
        .push(Observed::new(t(PLACED), po.clone()));
    facts
}

fn last_sofa() -> AtpBook {
    let mut book = AtpBook::new();
    book.entry("acme-home".to_string())
        .or_default()
        .insert("SOFA".to_string(), 1);
    book.entry("northwind-supply".to_string())
        .or_default()
        .insert("SOFA".to_string(), 9);
    book
}

/// What `po` of order `order` holds, given everything `held` (all orders).
fn holds(
    policy: &Policy,
    po: &PurchaseOrder,
    facts: &OrderFacts,
    held: &[Reservation],
    now: &str,
) -> Vec<Reservation> {
    let order_ref = po.order_name.trim_start_matches('#').to_string();
    let mine: Vec<Reservation> = held
        .iter()
        .filter(|r| r.po_number == po.po_number)
        .cloned()
        .collect();
    let free = available(&last_sofa(), held, &order_ref);
    hold(po, facts, &mine, &free, policy, &order_ref, t(now))
}

fn units(held: &[Reservation]) -> Vec<(String, u32, ReservationState)> {
    held.iter()
        .map(|r| (r.po_number.clone(), r.units, r.state))
        .collect()
}

#[test]
fn two_orders_competing_for_the_last_sofa() {
    let policy = policy();
    let first = po("1001", AckState::Sent, 1, None, 0);
    let second = po("1002", AckState::Sent, 1, None, 0);
    let held = holds(&policy, &first, &facts(&first), &[], PLACED);
    assert_eq!(
        units(&held),
        [("1001-ACME-HOME".to_string(), 1, ReservationState::Soft)]
    );
    // The second order sees acme's one sofa already held: it holds
    // nothing, its PO is short, and its reroute goes to northwind.
    let held_second = holds(&policy, &second, &facts(&second), &held, LATER);
    assert!(held_second.is_empty(), "{held_second:?}");
    let for_second = available(&last_sofa(), &held, "1002");
    assert_eq!(for_second["acme-home"]["SOFA"], 0);
    assert_eq!(
        trouble(&second, &policy, &for_second, t(LATER)),
        Some(RerouteTrigger::AtpShort)
    );
    let proposal = propose(&second, &policy, &for_second, t(LATER), None).expect("a proposal");
    assert_eq!(
        proposal.alternates[0].sources[0].vendor_id,
        "northwind-supply"
    );
    // The first keeps its sofa on the next pass, whatever came after it.
    let for_first = available(&last_sofa(), &held, "1001");
    assert_eq!(trouble(&first, &policy, &for_first, t(LATER)), None);
    assert_eq!(holds(&policy, &first, &facts(&first), &held, LATER), held);
}

/// A case's name, its PO and facts, and the units and states it holds.
type Case<'a> = (
    &'a str,
    &'a PurchaseOrder,
    OrderFacts,
    Vec<(u32, ReservationState)>,
);

#[test]
fn a_hold_turns_firm_on_the_acknowledgement_and_is_released_after() {
    let policy = policy();
    let sent = po("1001", AckState::Sent, 2, None, 0);
    let soft = holds(&policy, &sent, &facts(&sent), &[], PLACED);
    assert_eq!(
        units(&soft),
        [(sent.po_number.clone(), 1, ReservationState::Soft)]
    );

    let mut cancelled_order = facts(&sent);
    if let Some(order) = &mut cancelled_order.storefront {
        order.value.cancelled_at = Some(t(LATER));
    }
    let mut rerouted = facts(&sent);
    let mut proposal = propose(
        &sent,
        &policy,
        &last_sofa(),
        t("2026-11-04T19:00:00Z"),
        None,
    )
    .expect("past the 4h to acknowledge");
    proposal.status = RerouteStatus::Approved;
    rerouted.reroutes.push(Observed::new(t(LATER), proposal));

    let accepted = po("1001", AckState::Accepted, 2, Some(2), 0);
    let partial = po("1001", AckState::PartiallyAccepted, 2, Some(1), 0);
    let shipped_one = po("1001", AckState::Accepted, 2, Some(2), 1);
    let shipped = po("1001", AckState::Accepted, 2, Some(2), 2);
    let rejected = po("1001", AckState::Rejected, 2, Some(0), 0);
    let cancelled = po("1001", AckState::Cancelled, 2, None, 0);
    let cases: [Case; 7] = [
        // Acknowledged units are the vendor's word, ATP or not.
        (
            "accepted",
            &accepted,
            facts(&accepted),
            vec![(2, ReservationState::Firm)],
        ),
        (
            "partly accepted",
            &partial,
            facts(&partial),
            vec![(1, ReservationState::Firm)],
        ),
        (
            "one shipped",
            &shipped_one,
            facts(&shipped_one),
            vec![(1, ReservationState::Firm)],
        ),
        ("all shipped", &shipped, facts(&shipped), vec![]),
        ("rejected", &rejected, facts(&rejected), vec![]),
        ("PO cancelled", &cancelled, facts(&cancelled), vec![]),
        ("order cancelled", &sent, cancelled_order, vec![]),
    ];
    for (name, po, facts, expected) in cases {
        let got: Vec<(u32, ReservationState)> = holds(&policy, po, &facts, &soft, LATER)
            .iter()
            .map(|r| (r.units, r.state))
            .collect();
        assert_eq!(got, expected, "{name}");
    }
    assert!(
        holds(&policy, &sent, &rerouted, &soft, LATER).is_empty(),
        "rerouted away"
    );
    let firm = holds(&policy, &accepted, &facts(&accepted), &soft, LATER);
    assert_eq!(firm[0].held_at, t(PLACED), "held since the PO was created");
}

/// `policy` with sofas in the sensitive category "upholstery".
fn sensitive(mut policy: Policy) -> Policy {
    policy
        .sla
        .categories
        .push(orderdeck::engine::CategoryPolicy {
            name: "upholstery".to_string(),
            sku_prefixes: vec!["SOFA".to_string()],
            ship_within_business_days: 5,
        });
    policy.drop_ship.sensitive_categories = vec!["upholstery".to_string()];
    policy
}

#[test]
fn sensitive_goods_are_promised_only_once_acknowledged() {
    let plain = policy();
    let careful = sensitive(policy());
    let by = t("2026-11-13T04:59:59Z");
    let sent = po("1001", AckState::Sent, 1, None, 0);
    let held = holds(&plain, &sent, &facts(&sent), &[], PLACED);
    let accepted = po("1001", AckState::Accepted, 1, Some(1), 0);
    let vendor_date = accepted.promised_ship_date.expect("a date");
    let undated = PurchaseOrder {
        promised_ship_date: None,
        ..accepted.clone()
    };
    let cases = [
        (
            "sensitive, acknowledged without a date: the vendor's SLA",
            &careful,
            &undated,
            Vec::new(),
            Some((by, ReservationState::Firm)),
        ),
        (
            "plain, soft hold",
            &plain,
            &sent,
            held.clone(),
            Some((by, ReservationState::Soft)),
        ),
        ("plain, nothing held", &plain, &sent, Vec::new(), None),
        ("sensitive, soft hold", &careful, &sent, held.clone(), None),
        (
            "sensitive, acknowledged",
            &careful,
            &accepted,
            held.clone(),
            Some((vendor_date, ReservationState::Firm)),
        ),
        (
            "plain, acknowledged",
            &plain,
            &accepted,
            held,
            Some((vendor_date, ReservationState::Firm)),
        ),
    ];
    for (name, policy, po, held, expected) in cases {
        assert_eq!(promise(&[po], &held, policy, by), expected, "{name}");
    }
}

#[test]
fn a_sensitive_reroute_waits_for_a_human_until_the_vendor_answers() {
    let mut lenient = policy();
    lenient.reroute.approve_above_cost = 100.0;
    let careful = sensitive(lenient.clone());
    let plenty = {
        let mut book = last_sofa();
        book.insert("acme-home".to_string(), [("SOFA".to_string(), 9)].into());
        book
    };
    let silent = po("1001", AckState::Sent, 1, None, 0);
    let rejected = po("1001", AckState::Rejected, 1, Some(0), 0);
    let late = t("2026-11-04T19:00:00Z");
    let status = |policy: &Policy, po: &PurchaseOrder| {
        propose(po, policy, &plenty, late, None).map(|p| (p.status, p.needs_approval))
    };
    assert_eq!(
        status(&lenient, &silent),
        Some((RerouteStatus::Automatic, Vec::new()))
    );
    let (held_back, why) = status(&careful, &silent).expect("a proposal");
    assert_eq!(held_back, RerouteStatus::Proposed);
    assert!(why[0].contains("upholstery goods are sensitive"), "{why:?}");
    // A rejection is the vendor's answer: the rules decide as for any goods.
    assert_eq!(
        status(&careful, &rejected),
        Some((RerouteStatus::Automatic, Vec::new()))
    );
}

#[test]
fn the_config_names_a_sensitive_category_it_does_not_know() {
    use orderdeck::config::Config;
    let with = |text: &str| {
        Config::from_str_over_defaults("test.toml", text).and_then(|config| config.policy())
    };
    let categories = "[[sla.categories]]\nname = \"Upholstery\"\nsku_prefixes = [\"SOFA-\"]\nship_within_business_days = 5\n";
    let policy = with(&format!(
        "{categories}[drop_ship]\nsensitive_categories = [\"upholstery\"]\n"
    ))
    .expect("a known category");
    assert_eq!(policy.drop_ship.sensitive_categories, ["upholstery"]);
    let unknown = with(&format!(
        "{categories}[drop_ship]\nsensitive_categories = [\"upholstery\", \"lamps\"]\n"
    ))
    .expect_err("no such category");
    assert_eq!(unknown.key, "drop_ship.sensitive_categories[1]");
    assert!(unknown.message.contains("\"lamps\""), "{}", unknown.message);
}
