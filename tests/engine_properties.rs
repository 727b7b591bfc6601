//! Properties of the engine over random facts: one queue per order and the
//! queue agrees with the findings; cancelled, fully refunded, held and
//! drop-shipped-within-SLA orders are never overdue; the order of the facts
//! does not matter; `next_change_at` really is the next moment time alone
//! can change the result; and evaluating many orders together gives each
//! the result it gets alone.

mod engine_common;

use chrono::{DateTime, TimeDelta, Utc};
use engine_common::{policy, t};
use orderdeck::domain::{
    FinancialStatus, Fulfillment, FulfillmentHold, FulfillmentOrder, FulfillmentStatus, Observed,
    OrderFacts, OrderLine, ReplacementLink, StorefrontOrder, Verdict, WarehouseItem,
    WarehouseOrder, WarehouseShipment, WarehouseStatus,
};
use orderdeck::domain::{FindingCode, Queue};
use orderdeck::engine::{self, classify, sla, Evaluation};
use proptest::prelude::*;
use proptest::sample::select;

/// Around the autumn daylight-saving change, Thanksgiving and a few weekends.
fn origin() -> DateTime<Utc> {
    t("2026-10-26T00:00:00Z")
}

/// Whole seconds within `days` of the origin: the engine's moments are whole
/// seconds, so "strictly between" has no sub-second instants to trip on.
fn moment(days: i64) -> impl Strategy<Value = DateTime<Utc>> {
    (0..days * 86_400).prop_map(|s| origin() + TimeDelta::seconds(s))
}

const SKUS: [&str; 4] = ["SKU-1", "sku-2", "FURN-1", "AC-1"];
const TRACKING: [&str; 3] = ["1Z1", "1z2", "1Z3"];

fn line(index: usize) -> impl Strategy<Value = OrderLine> {
    (
        select(&SKUS[..]),
        1u32..4,
        0u32..4,
        select(vec![
            None,
            Some("House Brand"),
            Some("acme-home"),
            Some("slowpoke"),
        ]),
        prop::bool::weighted(0.9),
    )
        .prop_map(
            move |(sku, quantity, owed, vendor, requires_shipping)| OrderLine {
                id: format!("l{index}"),
                sku: Some(sku.to_string()),
                title: format!("Item {sku}"),
                quantity,
                owed: owed.min(quantity),
                vendor: vendor.map(str::to_string),
                fulfillment_service: None,
                requires_shipping,
            },
        )
}

fn lines() -> impl Strategy<Value = Vec<OrderLine>> {
    (1usize..4).prop_flat_map(|n| (0..n).map(line).collect::<Vec<_>>())
}

fn fulfillment(index: usize) -> impl Strategy<Value = Fulfillment> {
    (
        select(vec!["success", "pending", "cancelled", "failure"]),
        moment(8),
        prop::collection::vec(select(&TRACKING[..]), 0..2),
    )
        .prop_map(move |(status, created_at, tracking)| Fulfillment {
            id: format!("f{index}"),
            status: status.to_string(),
            created_at,
            tracking_company: None,
            tracking_numbers: tracking.into_iter().map(str::to_string).collect(),
            shipment_status: None,
            lines: Vec::new(),
        })
}

fn storefront() -> impl Strategy<Value = StorefrontOrder> {
    (
        moment(8),
        prop::option::weighted(0.2, 0i64..200_000),
        select(vec![
            FinancialStatus::Paid,
            FinancialStatus::Pending,
            FinancialStatus::PartiallyRefunded,
            FinancialStatus::Refunded,
            FinancialStatus::Authorized,
        ]),
        select(vec![
            FulfillmentStatus::Unfulfilled,
            FulfillmentStatus::Partial,
            FulfillmentStatus::Fulfilled,
        ]),
        select(vec![None, Some("Standard"), Some("Express")]),
        lines(),
        (0usize..3).prop_flat_map(|n| (0..n).map(fulfillment).collect::<Vec<_>>()),
    )
        .prop_map(
            |(
                created_at,
                cancelled_after,
                financial,
                fulfillment_status,
                method,
                lines,
                fulfillments,
            )| {
                StorefrontOrder {
                    id: "sf-1".to_string(),
                    name: "#1001".to_string(),
                    created_at,
                    updated_at: None,
                    cancelled_at: cancelled_after.map(|s| created_at + TimeDelta::seconds(s)),
                    cancel_reason: None,
                    closed_at: None,
                    financial_status: financial,
                    fulfillment_status,
                    tags: Vec::new(),
                    customer_name: None,
                    email: None,
                    shipping_method: method.map(str::to_string),
                    note: None,
                    lines,
                    fulfillments,
                    refunds: Vec::new(),
                }
            },
        )
}

fn fulfillment_order(index: usize) -> impl Strategy<Value = FulfillmentOrder> {
    (
        select(vec!["open", "on_hold", "closed", "in_progress"]),
        prop::collection::vec(
            (
                select(vec!["awaiting_payment", "high_risk_of_fraud", "other"]),
                prop::option::of(moment(8)),
            ),
            0..2,
        ),
    )
        .prop_map(move |(status, holds)| FulfillmentOrder {
            id: format!("fo{index}"),
            order_id: "sf-1".to_string(),
            status: status.to_string(),
            request_status: None,
            fulfill_at: None,
            service_handle: None,
            holds: holds
                .into_iter()
                .map(|(reason, since)| FulfillmentHold {
                    reason: reason.to_string(),
                    reason_notes: None,
                    held_since: since,
                })
                .collect(),
            lines: Vec::new(),
            updated_at: None,
            assigned_location_id: None,
        })
}

fn warehouse_order(index: usize) -> impl Strategy<Value = Observed<WarehouseOrder>> {
    (
        select(vec![
            WarehouseStatus::AwaitingPayment,
            WarehouseStatus::AwaitingShipment,
            WarehouseStatus::Shipped,
            WarehouseStatus::OnHold,
            WarehouseStatus::Cancelled,
        ]),
        prop::option::weighted(0.9, moment(10)),
        moment(10),
    )
        .prop_map(move |(status, modified_at, seen)| {
            Observed::new(
                seen,
                WarehouseOrder {
                    id: format!("wo{index}"),
                    order_key: Some("sf-1".to_string()),
                    order_number: "1001".to_string(),
                    status,
                    created_at: None,
                    modified_at,
                    ship_by: None,
                    hold_until: None,
                    carrier_code: None,
                    service_code: None,
                    items: Vec::new(),
                },
            )
        })
}

fn shipment(index: usize) -> impl Strategy<Value = Observed<WarehouseShipment>> {
    (
        moment(10),
        prop::option::weighted(0.8, select(&TRACKING[..])),
        prop::bool::weighted(0.15),
        prop::collection::vec((select(&SKUS[..]), 1u32..3), 0..3),
        select(vec![None, Some("wo0"), Some("wo1")]),
    )
        .prop_map(move |(shipped_at, tracking, voided, items, order_id)| {
            Observed::new(
                shipped_at,
                WarehouseShipment {
                    id: format!("sh{index}"),
                    order_id: order_id.map(str::to_string),
                    order_key: None,
                    order_number: "1001".to_string(),
                    shipped_at,
                    tracking_number: tracking.map(str::to_string),
                    carrier_code: None,
                    service_code: None,
                    voided,
                    items: items
                        .into_iter()
                        .map(|(sku, quantity)| WarehouseItem {
                            sku: Some(sku.to_string()),
                            name: None,
                            quantity,
                        })
                        .collect(),
                },
            )
        })
}

fn indexed<S: Strategy>(max: usize, each: fn(usize) -> S) -> impl Strategy<Value = Vec<S::Value>> {
    (0..=max).prop_flat_map(move |n| (0..n).map(each).collect::<Vec<_>>())
}

fn facts() -> impl Strategy<Value = OrderFacts> {
    (
        prop::option::weighted(0.9, storefront()),
        prop::option::weighted(0.25, indexed(2, fulfillment_order)),
        indexed(2, warehouse_order),
        indexed(3, shipment),
        prop::option::weighted(0.25, prop::collection::vec(moment(10), 1..3))
            .prop_map(Option::unwrap_or_default),
    )
        .prop_map(
            |(
                storefront,
                fulfillment_orders,
                warehouse_orders,
                warehouse_shipments,
                replacements,
            )| {
                OrderFacts {
                    storefront: storefront.map(|order| Observed::new(order.created_at, order)),
                    fulfillment_orders: fulfillment_orders
                        .map(|orders| Observed::new(origin(), orders)),
                    warehouse_orders,
                    warehouse_shipments,
                    carrier_shipments: Vec::new(),
                    purchase_orders: Vec::new(),
                    reroutes: Vec::new(),
                    replacements: replacements
                        .into_iter()
                        .enumerate()
                        .map(|(i, created_at)| ReplacementLink {
                            replacement_name: format!("#20{i}"),
                            replacement_id: format!("sf-20{i}"),
                            created_at,
                        })
                        .collect(),
                }
            },
        )
}

fn evaluate(facts: &OrderFacts, now: DateTime<Utc>) -> Evaluation {
    engine::evaluate(facts, &policy(), now)
}

fn outcome(evaluation: &Evaluation) -> (Vec<FindingCode>, Queue) {
    (
        evaluation.findings.iter().map(|f| f.code).collect(),
        evaluation.queue,
    )
}

fn is_held(facts: &OrderFacts) -> bool {
    let storefront_hold = facts.fulfillment_orders.as_ref().is_some_and(|orders| {
        orders
            .value
            .iter()
            .any(|o| o.status == "on_hold" || (!o.holds.is_empty() && o.status != "closed"))
    });
    storefront_hold
        || facts
            .warehouse_orders
            .iter()
            .any(|o| o.value.status == WarehouseStatus::OnHold)
}

/// A small deterministic Fisher–Yates, so a failing case replays exactly.
fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (*seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

fn shuffled(facts: &OrderFacts, mut seed: u64) -> OrderFacts {
    let mut facts = facts.clone();
    let seed = &mut seed;
    shuffle(&mut facts.warehouse_orders, seed);
    shuffle(&mut facts.warehouse_shipments, seed);
    shuffle(&mut facts.replacements, seed);
    if let Some(orders) = &mut facts.fulfillment_orders {
        shuffle(&mut orders.value, seed);
    }
    if let Some(order) = &mut facts.storefront {
        shuffle(&mut order.value.lines, seed);
        shuffle(&mut order.value.fulfillments, seed);
    }
    for shipment in &mut facts.warehouse_shipments {
        shuffle(&mut shipment.value.items, seed);
    }
    facts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_queue_is_the_one_the_findings_call_for(facts in facts(), now in moment(14)) {
        let evaluation = evaluate(&facts, now);
        prop_assert_eq!(evaluation.queue, classify(&evaluation.findings));
        let has = |verdict| evaluation.findings.iter().any(|f| f.verdict == verdict);
        let expected = if has(Verdict::Blocked) {
            Queue::Blocked
        } else if has(Verdict::Overdue) {
            Queue::Overdue
        } else if has(Verdict::Info) {
            Queue::Informational
        } else {
            Queue::Ok
        };
        prop_assert_eq!(evaluation.queue, expected);
        for finding in &evaluation.findings {
            prop_assert_eq!(
                finding.verdict == Verdict::Overdue,
                finding.code == FindingCode::SlaBreach
            );
        }
    }

    #[test]
    fn orders_evaluated_together_each_get_their_own_result(
        orders in prop::collection::vec(facts(), 0..7),
        now in moment(14),
    ) {
        let mut together = Vec::new();
        engine::evaluate_each(&orders, |facts| facts, &policy(), now, |facts, evaluation| {
            together.push((facts as *const OrderFacts, evaluation));
        });
        prop_assert_eq!(together.len(), orders.len());
        for (facts, (handed, evaluation)) in orders.iter().zip(together) {
            prop_assert!(std::ptr::eq(facts, handed), "each result comes with its own order");
            prop_assert_eq!(evaluation, evaluate(facts, now));
        }
    }

    #[test]
    fn cancelled_refunded_and_held_orders_are_never_overdue(facts in facts(), now in moment(14)) {
        let evaluation = evaluate(&facts, now);
        let breached = evaluation.findings.iter().any(|f| f.code == FindingCode::SlaBreach);
        if let Some(order) = &facts.storefront {
            let cancelled = order.value.cancelled_at.is_some();
            let refunded = order.value.financial_status == FinancialStatus::Refunded
                && order.value.owed_quantity() == 0;
            if cancelled || refunded || is_held(&facts) {
                prop_assert!(!breached, "{:#?}", evaluation.findings);
                prop_assert_ne!(evaluation.queue, Queue::Overdue);
            }
        }
    }

    #[test]
    fn drop_shipped_orders_within_the_vendor_sla_are_never_overdue(
        facts in facts(),
        owed in 1u32..4,
        before_deadline in 0i64..(12 * 86_400),
    ) {
        let mut facts = facts;
        let Some(order) = &mut facts.storefront else {
            return Ok(());
        };
        order.value.lines = vec![OrderLine {
            id: "l1".to_string(),
            sku: Some("AC-1".to_string()),
            title: "Lamp".to_string(),
            quantity: owed,
            owed,
            vendor: Some("acme-home".to_string()),
            fulfillment_service: None,
            requires_shipping: true,
        }];
        let deadline = sla::ship_by(&policy().sla, order.value.created_at, 7);
        let now = (deadline - TimeDelta::seconds(before_deadline)).max(order.value.created_at);
        let evaluation = evaluate(&facts, now);
        prop_assert_ne!(evaluation.queue, Queue::Overdue);
        prop_assert!(evaluation.findings.iter().all(|f| f.code != FindingCode::SlaBreach));
    }

    #[test]
    fn the_order_of_the_facts_does_not_matter(facts in facts(), now in moment(14), seed in any::<u64>()) {
        let evaluation = evaluate(&facts, now);
        prop_assert_eq!(evaluate(&shuffled(&facts, seed), now), evaluation);
    }

    #[test]
    fn nothing_changes_before_next_change_at(facts in facts(), now in moment(14), pick in 0.0f64..1.0) {
        let evaluation = evaluate(&facts, now);
        let expected = outcome(&evaluation);
        let later: Vec<DateTime<Utc>> = match evaluation.next_change_at {
            Some(change) => {
                prop_assert!(change > now, "next_change_at {change} is not after {now}");
                let span = (change - now).num_seconds();
                // Whole seconds strictly between now and the change.
                let inside = 1 + ((span - 2).max(0) as f64 * pick) as i64;
                [1, inside, span - 1]
                    .into_iter()
                    .filter(|s| *s > 0 && *s < span)
                    .map(|s| now + TimeDelta::seconds(s))
                    .collect()
            }
            // Only new data can change it: not even a year later.
            None => vec![now + TimeDelta::days(1), now + TimeDelta::days(400)],
        };
        for at in later {
            prop_assert_eq!(&outcome(&evaluate(&facts, at)), &expected, "at {}", at);
        }
    }
}
