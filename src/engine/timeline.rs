//! The cross-system timeline of one order: what each system said happened,
//! merged in time order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AckState, OrderFacts, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    pub system: System,
    pub event: String,
}

pub fn timeline(facts: &OrderFacts) -> Vec<TimelineEvent> {
    let mut events = Vec::new();
    let mut push = |at: DateTime<Utc>, system: System, event: String| {
        events.push(TimelineEvent { at, system, event })
    };
    if let Some(order) = &facts.storefront {
        let order = &order.value;
        push(
            order.created_at,
            System::Storefront,
            format!(
                "order {} placed ({} item(s), payment {})",
                order.name,
                order.lines.iter().map(|l| l.quantity).sum::<u32>(),
                order.financial_status.as_str()
            ),
        );
        for fulfillment in &order.fulfillments {
            let tracking = if fulfillment.tracking_numbers.is_empty() {
                "no tracking number".to_string()
            } else {
                format!(
                    "tracking {}{}",
                    fulfillment
                        .tracking_company
                        .as_deref()
                        .map(|c| format!("{c} "))
                        .unwrap_or_default(),
                    fulfillment.tracking_numbers.join(", ")
                )
            };
            push(
                fulfillment.created_at,
                System::Storefront,
                format!(
                    "fulfilment {} ({}), {tracking}",
                    fulfillment.id, fulfillment.status
                ),
            );
        }
        for refund in &order.refunds {
            let items: u32 = refund.lines.iter().map(|l| l.quantity).sum();
            push(
                refund.created_at,
                System::Storefront,
                format!(
                    "refund {} ({items} item(s) returned to stock or refunded)",
                    refund.id
                ),
            );
        }
        if let Some(at) = order.cancelled_at {
            push(
                at,
                System::Storefront,
                format!(
                    "order cancelled{}",
                    order
                        .cancel_reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
            );
        }
        if let Some(at) = order.closed_at {
            push(at, System::Storefront, "order closed".to_string());
        }
    }
    if let Some(fulfillment_orders) = &facts.fulfillment_orders {
        for fo in &fulfillment_orders.value {
            for hold in &fo.holds {
                if let Some(at) = hold.held_since {
                    push(
                        at,
                        System::Storefront,
                        format!("fulfilment order {} put on hold: {}", fo.id, hold.reason),
                    );
                }
            }
            if let Some(at) = fo.fulfill_at.filter(|_| fo.status == "scheduled") {
                push(
                    at,
                    System::Storefront,
                    format!("fulfilment order {} scheduled to be released", fo.id),
                );
            }
        }
    }
    for order in &facts.warehouse_orders {
        let order = &order.value;
        if let Some(at) = order.created_at {
            push(
                at,
                System::Warehouse,
                format!("warehouse order {} created", order.order_number),
            );
        }
        if let Some(at) = order.modified_at {
            push(
                at,
                System::Warehouse,
                format!("warehouse order status {}", order.status.as_str()),
            );
        }
    }
    for shipment in &facts.warehouse_shipments {
        let shipment = &shipment.value;
        push(
            shipment.shipped_at,
            System::Warehouse,
            format!(
                "shipped{}{}{}",
                shipment
                    .carrier_code
                    .as_deref()
                    .map(|c| format!(" via {c}"))
                    .unwrap_or_default(),
                shipment
                    .tracking_number
                    .as_deref()
                    .map(|t| format!(", tracking {t}"))
                    .unwrap_or_else(|| ", no tracking number".to_string()),
                if shipment.voided {
                    " (label voided)"
                } else {
                    ""
                }
            ),
        );
    }
    for shipment in &facts.carrier_shipments {
        for scan in &shipment.value.scans {
            push(
                scan.at,
                System::Carrier,
                format!(
                    "{} {}: {}",
                    shipment.value.carrier, shipment.value.tracking_number, scan.description
                ),
            );
        }
    }
    for po in facts.purchase_orders.iter().map(|p| &p.value) {
        let units: u32 = po.lines.iter().map(|l| l.ordered).sum();
        push(
            po.sent_at,
            System::Orderdeck,
            format!(
                "PO {} sent to {} ({units} item(s))",
                po.po_number, po.vendor_id
            ),
        );
        if let Some(at) = po.acknowledged_at {
            push(
                at,
                System::Vendor,
                format!(
                    "{} acknowledged PO {}{}{}",
                    po.vendor_id,
                    po.po_number,
                    // A PO cancelled since has no answer of the vendor's
                    // left to show.
                    Some(po.ack)
                        .filter(|ack| *ack != AckState::Cancelled)
                        .map(|ack| format!(": {}", ack.as_words()))
                        .unwrap_or_default(),
                    po.promised_ship_date
                        .map(|d| format!(", ships by {}", d.format("%Y-%m-%d")))
                        .unwrap_or_default()
                ),
            );
        }
        for package in &po.packages {
            let Some(at) = package.shipped_at else {
                continue;
            };
            push(
                at,
                System::Vendor,
                format!(
                    "{} shipped PO {}{}, tracking {}",
                    po.vendor_id,
                    po.po_number,
                    package
                        .carrier
                        .as_deref()
                        .map(|c| format!(" via {c}"))
                        .unwrap_or_default(),
                    package.tracking_number
                ),
            );
        }
    }
    for link in &facts.replacements {
        push(
            link.created_at,
            System::Storefront,
            format!("replacement order {} created", link.replacement_name),
        );
    }
    events.sort_by(|a, b| {
        a.at.cmp(&b.at)
            .then(a.system.cmp(&b.system))
            .then(a.event.cmp(&b.event))
    });
    events
}
