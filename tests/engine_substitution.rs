//! A vendor's substitute: VENDOR_SUBSTITUTION (blocked) while it waits for a
//! decision, a proposal whose first alternate keeps the PO and takes the
//! substitute and whose others are other vendors with the original SKU;
//! waiting for a human unless `approve_substitutions` is off; once decided,
//! on show and no longer blocking.

#![allow(clippy::expect_used)]

mod engine_common;

use engine_common::{codes, policy, reason, t, vendor_line, Order};
use orderdeck::domain::{
    AckState, FindingCode, Observed, PurchaseOrder, PurchaseOrderLine, Queue, RerouteStatus,
    RerouteTrigger, Substitution, SubstitutionStatus, Verdict,
};
use orderdeck::engine::reroute::AtpBook;
use orderdeck::engine::{self, substitution};

const PLACED: &str = "2026-11-04T15:00:00Z";
const NOW: &str = "2026-11-04T16:00:00Z";

fn po(status: SubstitutionStatus) -> PurchaseOrder {
    PurchaseOrder {
        po_number: "1001-ACME-HOME".into(),
        vendor_id: "acme-home".into(),
        sent_at: t(PLACED),
        ack: AckState::AcceptedWithChanges,
        acknowledged_at: Some(t(PLACED)),
        promised_ship_date: None,
        lines: vec![PurchaseOrderLine {
            our_sku: "SOFA".into(),
            ordered: 1,
            accepted: Some(1),
            substitute: Some(Substitution {
                vendor_sku: "SOFA-CHARCOAL".into(),
                status,
            }),
            ..Default::default()
        }],
        order_name: "#1001".into(),
        revision: 1,
        packages: Vec::new(),
        expedite: false,
    }
}

fn order(po: PurchaseOrder) -> Order {
    let mut facts = Order::placed(PLACED)
        .lines(vec![vendor_line("l1", "SOFA", 1, 1, "acme-home")])
        .build();
    facts.purchase_orders.push(Observed::new(t(PLACED), po));
    Order::from_facts(facts)
}

fn atp() -> AtpBook {
    let mut book = AtpBook::new();
    book.entry("bluebird".into())
        .or_default()
        .insert("SOFA".into(), 5);
    book
}

#[test]
fn a_pending_substitute_is_blocked_and_proposed_with_other_vendors_behind_it() {
    let evaluation = order(po(SubstitutionStatus::Pending)).eval(NOW);
    assert_eq!(evaluation.queue, Queue::Blocked);
    assert_eq!(
        reason(&evaluation, "VENDOR_SUBSTITUTION"),
        "Vendor acme-home will ship SOFA-CHARCOAL instead of SOFA on PO 1001-ACME-HOME: waits for a decision (reroute-approve takes it, reroute-reject refuses it)"
    );

    let proposal = substitution::propose(
        &po(SubstitutionStatus::Pending),
        &policy(),
        &atp(),
        t(NOW),
        None,
    )
    .expect("a proposal");
    assert_eq!(proposal.trigger, RerouteTrigger::Substitution);
    assert_eq!(proposal.status, RerouteStatus::Proposed);
    assert_eq!(
        proposal.needs_approval,
        vec!["vendor acme-home substitutes SOFA-CHARCOAL for SOFA".to_string()]
    );
    let keep = &proposal.alternates[0];
    assert!(keep.substitution);
    assert_eq!(keep.sources[0].vendor_id, "acme-home");
    assert_eq!(
        keep.describe(),
        "keep acme-home (SOFA 1 of ATP 1), taking its substitute"
    );
    let others: Vec<&str> = proposal.alternates[1..]
        .iter()
        .map(|a| a.sources[0].vendor_id.as_str())
        .collect();
    assert_eq!(others, vec!["bluebird"]);
    assert!(!proposal.alternates[1].substitution);
}

#[test]
fn without_approve_substitutions_it_runs_on_its_own() {
    let mut policy = policy();
    policy.reroute.approve_substitutions = false;
    let proposal = substitution::propose(
        &po(SubstitutionStatus::Pending),
        &policy,
        &atp(),
        t(NOW),
        None,
    )
    .expect("a proposal");
    assert_eq!(proposal.status, RerouteStatus::Automatic);
    assert!(proposal.needs_approval.is_empty());
}

#[test]
fn a_decided_substitute_stays_on_show_without_blocking() {
    for status in [SubstitutionStatus::Accepted, SubstitutionStatus::Rejected] {
        assert!(substitution::propose(&po(status), &policy(), &atp(), t(NOW), None).is_none());
        let evaluation = engine::evaluate(order(po(status)).facts(), &policy(), t(NOW));
        let finding = evaluation
            .findings
            .iter()
            .find(|f| f.code == FindingCode::VendorSubstitution)
            .expect("VENDOR_SUBSTITUTION");
        assert_eq!(finding.verdict, Verdict::Info, "{status:?}");
        assert_ne!(evaluation.queue, Queue::Blocked, "{:?}", codes(&evaluation));
    }
}
