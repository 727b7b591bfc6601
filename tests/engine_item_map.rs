//! A vendor's item map, checked before anything is ordered: an owed line
//! whose SKU the map lacks is SKU_UNMAPPED, one the vendor discontinued is
//! DISCONTINUED — both blocked, naming the SKU — while a vendor without a
//! map takes our SKUs as they are, and a line already on a live PO with the
//! vendor is the PO's business.

#![allow(clippy::expect_used)]

mod engine_common;

use engine_common::{codes, line, policy, reason, t, vendor_line, Order};
use orderdeck::domain::{
    AckState, FindingCode, Observed, PurchaseOrder, PurchaseOrderLine, Queue, Verdict,
};
use orderdeck::engine::{self, Evaluation, Policy, VendorItem};

const PLACED: &str = "2026-11-04T15:00:00Z";
const NOW: &str = "2026-11-04T16:00:00Z";

/// acme-home sells SOFA as AC-SOFA-3 and has discontinued RUG (AC-RUG-9).
fn mapped() -> Policy {
    let mut policy = policy();
    for vendor in &mut policy.vendors {
        if vendor.id == "acme-home" {
            vendor.items = vec![
                VendorItem {
                    sku: "SOFA".into(),
                    vendor_sku: "AC-SOFA-3".into(),
                    discontinued: false,
                    ..VendorItem::new("", "")
                },
                VendorItem {
                    sku: "RUG".into(),
                    vendor_sku: "AC-RUG-9".into(),
                    discontinued: true,
                    ..VendorItem::new("", "")
                },
            ];
        }
    }
    policy
}

fn eval(order: &Order, policy: &Policy) -> Evaluation {
    engine::evaluate(order.facts(), policy, t(NOW))
}

fn with_po(order: Order, sku: &str, ack: AckState) -> Order {
    let mut facts = order.build();
    facts.purchase_orders.push(Observed::new(
        t(PLACED),
        PurchaseOrder {
            po_number: "1001-ACME-HOME".into(),
            vendor_id: "acme-home".into(),
            sent_at: t(PLACED),
            ack,
            acknowledged_at: None,
            promised_ship_date: None,
            lines: vec![PurchaseOrderLine {
                our_sku: sku.into(),
                vendor_sku: None,
                ordered: 1,
                accepted: None,
                shipped: 0,
                ..Default::default()
            }],
            order_name: "#1001".into(),
            revision: 1,
            packages: Vec::new(),
            expedite: false,
        },
    ));
    Order::from_facts(facts)
}

#[test]
fn a_mapped_sku_passes_an_unmapped_one_is_blocked_and_named() {
    let policy = mapped();
    let order = Order::placed(PLACED).lines(vec![vendor_line("l1", "sofa", 1, 1, "acme-home")]);
    assert!(!codes(&eval(&order, &policy)).contains(&"SKU_UNMAPPED"));

    let order = Order::placed(PLACED).lines(vec![
        vendor_line("l1", "SOFA", 1, 1, "acme-home"),
        vendor_line("l2", "LAMP-OAK", 2, 2, "acme-home"),
    ]);
    let evaluation = eval(&order, &policy);
    assert_eq!(evaluation.queue, Queue::Blocked);
    let unmapped: Vec<_> = evaluation
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::SkuUnmapped)
        .collect();
    assert_eq!(unmapped.len(), 1, "{:?}", codes(&evaluation));
    assert_eq!(unmapped[0].verdict, Verdict::Blocked);
    assert_eq!(
        reason(&evaluation, "SKU_UNMAPPED"),
        "2 items of LAMP-OAK are to come from acme-home, whose item map has no vendor SKU for LAMP-OAK: no purchase order can be sent until it is mapped"
    );
    assert_eq!(unmapped[0].evidence[0].value, "LAMP-OAK");
    assert_eq!(unmapped[0].evidence[1].value, "2 SKUs, not this one");
}

#[test]
fn a_discontinued_sku_is_blocked_with_the_vendors_own_sku() {
    let evaluation = eval(
        &Order::placed(PLACED).lines(vec![vendor_line("l1", "RUG", 3, 3, "acme-home")]),
        &mapped(),
    );
    assert_eq!(evaluation.queue, Queue::Blocked);
    assert_eq!(
        reason(&evaluation, "DISCONTINUED"),
        "acme-home has discontinued RUG (its AC-RUG-9): the 3 items owed must come from elsewhere"
    );
    assert!(!codes(&evaluation).contains(&"SKU_UNMAPPED"));
}

#[test]
fn no_map_in_house_lines_shipped_lines_and_live_pos_raise_nothing() {
    let unmapped = |order: &Order, policy: &Policy| {
        codes(&eval(order, policy))
            .into_iter()
            .filter(|c| *c == "SKU_UNMAPPED" || *c == "DISCONTINUED")
            .count()
    };
    let policy = mapped();
    // northwind-supply has no map: our SKUs as they are.
    let no_map =
        Order::placed(PLACED).lines(vec![vendor_line("l1", "LAMP", 1, 1, "northwind-supply")]);
    assert_eq!(unmapped(&no_map, &policy), 0);
    let in_house = Order::placed(PLACED).lines(vec![line("l1", "LAMP", 1, 1)]);
    assert_eq!(unmapped(&in_house, &policy), 0);
    let shipped = Order::placed(PLACED).lines(vec![vendor_line("l1", "LAMP", 1, 0, "acme-home")]);
    assert_eq!(unmapped(&shipped, &policy), 0);

    let lamp = || Order::placed(PLACED).lines(vec![vendor_line("l1", "LAMP", 1, 1, "acme-home")]);
    assert_eq!(
        unmapped(&with_po(lamp(), "LAMP", AckState::Accepted), &policy),
        0
    );
    // A rejected PO commits nothing: ordering it again needs the map.
    assert_eq!(
        unmapped(&with_po(lamp(), "LAMP", AckState::Rejected), &policy),
        1
    );
}

#[test]
fn the_config_names_a_bad_item_map_entry() {
    use orderdeck::config::Config;
    let with_items = |items: &str| {
        Config::from_str_over_defaults(
            "test.toml",
            &format!("[[vendors]]\nid = \"acme-home\"\nthird_party = true\n{items}"),
        )
        .and_then(|config| config.policy())
    };
    let policy = with_items(
        "[[vendors.items]]\nsku = \"SOFA\"\nvendor_sku = \"AC-SOFA-3\"\n[[vendors.items]]\nsku = \"RUG\"\nvendor_sku = \"AC-RUG-9\"\ndiscontinued = true\n",
    )
    .expect("a good map");
    let acme = policy.vendor("acme-home").expect("acme-home");
    assert_eq!(acme.orderable_as("sofa"), Some("AC-SOFA-3"));
    assert_eq!(acme.orderable_as("RUG"), None);
    assert_eq!(acme.orderable_as("LAMP"), None);

    let twice = with_items(
        "[[vendors.items]]\nsku = \"SOFA\"\nvendor_sku = \"A\"\n[[vendors.items]]\nsku = \"sofa\"\nvendor_sku = \"B\"\n",
    )
    .expect_err("a SKU mapped twice");
    assert_eq!(twice.key, "vendors[0].items[1].sku");
    let empty = with_items("[[vendors.items]]\nsku = \"SOFA\"\nvendor_sku = \" \"\n")
        .expect_err("an empty vendor SKU");
    assert_eq!(empty.key, "vendors[0].items[0].vendor_sku");
}
