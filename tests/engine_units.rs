//! Pack sizes, units and variants in a vendor's item map: a quantity owed
//! that is not a whole number of the vendor's packs is UOM_MISMATCH before
//! anything is ordered; a PO line reads our units one way and the vendor's
//! the other; an acknowledgement in a unit other than the one ordered is
//! UOM_MISMATCH, naming both; reroute alternates offer only whole packs and
//! read ATP in our units.

#![allow(clippy::expect_used)]

mod engine_common;

use engine_common::{codes, policy, reason, t, vendor_line, Order};
use orderdeck::domain::{
    AckState, FindingCode, Observed, PurchaseOrder, PurchaseOrderLine, Queue, VendorQuantity,
    Verdict,
};
use orderdeck::engine::reroute::{propose, AtpBook};
use orderdeck::engine::{self, Evaluation, Policy, VendorItem};

const PLACED: &str = "2026-11-04T15:00:00Z";
const NOW: &str = "2026-11-04T16:00:00Z";

/// acme-home sells SOFA as AC-SOFA-3 in cases of 4 (CA); northwind-supply
/// sells it as NW-SOFA in packs of 3 (PK).
fn packed() -> Policy {
    let mut policy = policy();
    for vendor in &mut policy.vendors {
        let item = match vendor.id.as_str() {
            "acme-home" => VendorItem {
                pack_size: 4,
                uom: "CA".into(),
                ..VendorItem::new("SOFA", "AC-SOFA-3")
            },
            "northwind-supply" => VendorItem {
                pack_size: 3,
                uom: "PK".into(),
                ..VendorItem::new("SOFA", "NW-SOFA")
            },
            _ => continue,
        };
        vendor.items = vec![item];
    }
    policy
}

fn eval(order: &Order, policy: &Policy) -> Evaluation {
    engine::evaluate(order.facts(), policy, t(NOW))
}

fn sofa_line(ordered: u32) -> PurchaseOrderLine {
    PurchaseOrderLine {
        our_sku: "SOFA".into(),
        vendor_sku: Some("AC-SOFA-3".into()),
        ordered,
        uom: Some("CA".into()),
        pack_size: Some(4),
        ..Default::default()
    }
}

fn po(ack: AckState, lines: Vec<PurchaseOrderLine>) -> PurchaseOrder {
    PurchaseOrder {
        po_number: "1001-ACME-HOME".into(),
        vendor_id: "acme-home".into(),
        sent_at: t(PLACED),
        ack,
        acknowledged_at: None,
        promised_ship_date: None,
        lines,
        order_name: "#1001".into(),
        revision: 1,
        packages: Vec::new(),
        expedite: false,
    }
}

#[test]
fn an_owed_quantity_not_a_whole_number_of_packs_is_uom_mismatch() {
    let policy = packed();
    let whole = Order::placed(PLACED).lines(vec![vendor_line("l1", "SOFA", 8, 8, "acme-home")]);
    assert!(!codes(&eval(&whole, &policy)).contains(&"UOM_MISMATCH"));

    let odd = Order::placed(PLACED).lines(vec![vendor_line("l1", "SOFA", 6, 6, "acme-home")]);
    let evaluation = eval(&odd, &policy);
    assert_eq!(evaluation.queue, Queue::Blocked);
    assert_eq!(
        reason(&evaluation, "UOM_MISMATCH"),
        "6 of SOFA are owed, but acme-home sells it (AC-SOFA-3) only in CA of 4: not a whole number of packs, so no purchase order can be sent"
    );
    let finding = evaluation
        .findings
        .iter()
        .find(|f| f.code == FindingCode::UomMismatch)
        .expect("UOM_MISMATCH");
    assert_eq!(finding.verdict, Verdict::Blocked);
    assert_eq!(finding.evidence[1].value, "CA of 4");
    // Two shipped already leaves four owed: a whole case.
    let rest = Order::placed(PLACED).lines(vec![vendor_line("l1", "SOFA", 6, 4, "acme-home")]);
    assert!(!codes(&eval(&rest, &policy)).contains(&"UOM_MISMATCH"));
}

#[test]
fn a_po_line_converts_between_our_units_and_the_vendors() {
    let line = sofa_line(8);
    assert_eq!(line.vendor_quantity(), 2);
    assert_eq!(line.unit(), "CA");
    assert_eq!(line.our_units(2, Some("CA")), Some(8));
    assert_eq!(line.our_units(2, Some("ca")), Some(8));
    assert_eq!(line.our_units(1, None), Some(4), "no unit: the one ordered");
    assert_eq!(line.our_units(8, Some("EA")), None, "EA is not a CA");
    let plain = PurchaseOrderLine {
        our_sku: "LAMP".into(),
        ordered: 3,
        ..Default::default()
    };
    assert_eq!((plain.vendor_quantity(), plain.unit()), (3, "EA"));
    let item = VendorItem {
        pack_size: 4,
        ..VendorItem::new("SOFA", "AC-SOFA-3")
    };
    assert_eq!(item.packs(12), Some(3));
    assert_eq!(item.packs(13), None);
}

#[test]
fn an_acknowledgement_in_another_unit_is_uom_mismatch_naming_both() {
    let line = PurchaseOrderLine {
        accepted: None,
        ack_in_other_unit: Some(VendorQuantity {
            quantity: 8,
            uom: "EA".into(),
        }),
        ..sofa_line(8)
    };
    let mut facts = Order::placed(PLACED)
        .lines(vec![vendor_line("l1", "SOFA", 8, 8, "acme-home")])
        .build();
    facts.purchase_orders.push(Observed::new(
        t(PLACED),
        po(AckState::AcceptedWithChanges, vec![line]),
    ));
    let evaluation = eval(&Order::from_facts(facts), &packed());
    assert_eq!(evaluation.queue, Queue::Blocked);
    assert_eq!(
        reason(&evaluation, "UOM_MISMATCH"),
        "Vendor acme-home acknowledged SOFA of PO 1001-ACME-HOME as 8 EA, but it was ordered as 2 CA (8 of ours): the unit does not match, so nothing is counted as confirmed"
    );
    // Not counted as short either: the unit, not the quantity, is wrong.
    assert!(!codes(&evaluation).contains(&"VENDOR_PARTIAL_ACK"));
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

#[test]
fn reroute_alternates_offer_only_whole_packs() {
    let policy = packed();
    let rejected = |ordered: u32| {
        let mut po = po(AckState::Rejected, vec![sofa_line(ordered)]);
        po.lines[0].accepted = Some(0);
        po
    };
    // ATP in our units (the vendor pass multiplies packs out).
    let book = atp(&[
        ("northwind-supply", "NW-SOFA", 30),
        ("bluebird", "SOFA", 30),
    ]);
    let vendors = |ordered: u32| -> Vec<String> {
        propose(&rejected(ordered), &policy, &book, t(NOW), None)
            .map(|p| {
                p.alternates
                    .iter()
                    .map(|a| a.sources[0].vendor_id.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    // 12 is four packs of 3 at northwind; 8 is not, so only bluebird.
    let twelve = vendors(12);
    assert!(
        twelve.contains(&"northwind-supply".to_string()),
        "{twelve:?}"
    );
    assert_eq!(vendors(8), vec!["bluebird".to_string()]);
}

#[test]
fn the_config_names_a_bad_pack_unit_or_variant() {
    use orderdeck::config::Config;
    let with_items = |items: &str| {
        Config::from_str_over_defaults(
            "test.toml",
            &format!("[[vendors]]\nid = \"acme-home\"\nthird_party = true\n{items}"),
        )
        .and_then(|config| config.policy())
    };
    let policy = with_items(
        "[[vendors.items]]\nsku = \"SOFA-GRY\"\nvendor_sku = \"AC-SOFA\"\noption = \"Grey\"\npack_size = 2\nuom = \"ca\"\n\
         [[vendors.items]]\nsku = \"SOFA-BLU\"\nvendor_sku = \"AC-SOFA\"\noption = \"Blue\"\n",
    )
    .expect("two variants of one vendor SKU");
    let acme = policy.vendor("acme-home").expect("acme-home");
    assert_eq!(
        (acme.items[0].pack_size, acme.items[0].uom.as_str()),
        (2, "CA")
    );
    assert_eq!(
        (acme.items[1].pack_size, acme.items[1].uom.as_str()),
        (1, "EA")
    );
    assert_eq!(acme.items[1].option.as_deref(), Some("Blue"));

    let key = |items: &str| with_items(items).expect_err("refused").key;
    assert_eq!(
        key("[[vendors.items]]\nsku = \"A\"\nvendor_sku = \"B\"\npack_size = 0\n"),
        "vendors[0].items[0].pack_size"
    );
    assert_eq!(
        key("[[vendors.items]]\nsku = \"A\"\nvendor_sku = \"B\"\nuom = \"CASE\"\n"),
        "vendors[0].items[0].uom"
    );
    assert_eq!(
        key("[[vendors.items]]\nsku = \"A\"\nvendor_sku = \"B\"\noption = \" \"\n"),
        "vendors[0].items[0].option"
    );
    assert_eq!(
        key("[[vendors.items]]\nsku = \"A\"\nvendor_sku = \"B\"\n[[vendors.items]]\nsku = \"C\"\nvendor_sku = \"b\"\n"),
        "vendors[0].items[1].option"
    );
}
