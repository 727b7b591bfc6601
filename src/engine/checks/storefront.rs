//! Checks about the order's standing in the storefront: whether it exists
//! there, was cancelled, refunded or replaced.

use std::fmt::{self, Display, Formatter, Write};

use super::context::Context;
use super::text;
use super::Outcome;
use crate::domain::{
    Evidence, FinancialStatus, FindingCode, Observed, StorefrontOrder, System, Verdict,
};

/// NOT_IN_STOREFRONT: the warehouse works on an order the storefront has not got.
pub(super) fn presence(ctx: &Context<'_>, out: &mut Outcome) {
    if ctx.storefront.is_some() {
        return;
    }
    let orders = &ctx.facts.warehouse_orders;
    let shipments = &ctx.facts.warehouse_shipments;
    if orders.is_empty() && shipments.is_empty() {
        return;
    }
    let mut reason = String::with_capacity(128);
    reason.push_str("The warehouse has ");
    let mut evidence = Vec::with_capacity(orders.len() + shipments.len());
    // Writing into a String cannot fail: the results below are ignored.
    for (i, o) in orders.iter().enumerate() {
        if i > 0 {
            reason.push_str(", ");
        }
        let _ = write!(
            reason,
            "order {} ({})",
            o.value.order_number,
            o.value.status.as_str()
        );
        evidence.push(Evidence::new(
            System::Warehouse,
            format!("order {} status", o.value.order_number),
            o.value.status.as_str(),
            o.observed_at,
        ));
    }
    for (i, shipment) in shipments.iter().enumerate() {
        if i > 0 || !orders.is_empty() {
            reason.push_str(", ");
        }
        let label = shipment_label(shipment.value.tracking_number.as_deref());
        let _ = if shipment.value.voided {
            write!(reason, "a voided shipment ({label})")
        } else {
            write!(reason, "a shipment ({label})")
        };
        evidence.push(Evidence::new(
            System::Warehouse,
            format!("shipment {} for order", shipment.value.id),
            shipment.value.order_number.clone(),
            shipment.observed_at,
        ));
    }
    reason.push_str(", but the storefront has no such order");
    out.add(
        FindingCode::NotInStorefront,
        Verdict::Blocked,
        reason,
        evidence,
    );
}

/// CANCELLED / CANCELLED_BUT_ACTIVE: a cancelled order is only at rest when
/// the warehouse has stopped too.
pub(super) fn cancellation(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    let Some(cancelled_at) = sf.value.cancelled_at else {
        return;
    };
    let mut evidence = vec![Evidence::new(
        System::Storefront,
        "cancelled_at",
        text::iso(cancelled_at),
        sf.observed_at,
    )];
    let mut reason = String::with_capacity(160);
    // Writing into a String cannot fail: the results below are ignored.
    let _ = write!(
        reason,
        "Cancelled in the storefront on {}",
        text::shop_time(ctx.policy.sla.timezone, cancelled_at)
    );
    if let Some(because) = sf.value.cancel_reason.as_deref() {
        let _ = write!(reason, " ({because})");
    }
    let mut live = 0;
    let mut next = |reason: &mut String| {
        reason.push_str(if live == 0 {
            ", but at the warehouse "
        } else {
            "; "
        });
        live += 1;
    };
    for order in ctx
        .facts
        .warehouse_orders
        .iter()
        .filter(|o| o.value.status.is_live())
    {
        next(&mut reason);
        let _ = write!(
            reason,
            "order {} is {}",
            order.value.order_number,
            order.value.status.as_str()
        );
        evidence.push(Evidence::new(
            System::Warehouse,
            format!("order {} status", order.value.order_number),
            order.value.status.as_str(),
            order.observed_at,
        ));
    }
    for shipment in ctx.live_shipments() {
        next(&mut reason);
        let _ = write!(
            reason,
            "shipped {} ago ({})",
            text::duration(ctx.now - shipment.value.shipped_at),
            shipment_label(shipment.value.tracking_number.as_deref())
        );
        evidence.push(Evidence::new(
            System::Warehouse,
            format!("shipment {} shipped_at", shipment.value.id),
            text::iso(shipment.value.shipped_at),
            shipment.observed_at,
        ));
    }
    if live == 0 {
        reason.push_str("; nothing is live at the warehouse");
        out.add(FindingCode::Cancelled, Verdict::Info, reason, evidence);
    } else {
        out.add(
            FindingCode::CancelledButActive,
            Verdict::Blocked,
            reason,
            evidence,
        );
    }
}

/// REFUNDED_FULL / REFUNDED_PARTIAL: explains money going back; only a full
/// refund with nothing left to fulfil also stops the SLA clock (by owing nothing).
pub(super) fn refunds(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    let listed = sf.value.owed_quantity();
    // Built only for an order that gets a finding: most orders are not
    // refunded at all.
    let evidence = || vec![financial_status(sf), still_to_fulfil(sf, listed)];
    match sf.value.financial_status {
        FinancialStatus::Refunded if listed == 0 => out.add(
            FindingCode::RefundedFull,
            Verdict::Info,
            "Refunded in full; nothing is left to ship".to_string(),
            evidence(),
        ),
        FinancialStatus::PartiallyRefunded => {
            let still_owed: u32 = ctx.lines.iter().map(|l| l.owed).sum();
            let rest = if still_owed == 0 {
                "nothing is left to ship".to_string()
            } else {
                format!(
                    "{} still to ship, on the usual SLA",
                    text::items(still_owed)
                )
            };
            out.add(
                FindingCode::RefundedPartial,
                Verdict::Info,
                format!("Partially refunded; {rest}"),
                evidence(),
            );
        }
        _ => {}
    }
}

/// REPLACEMENT_EXISTS: someone already sent the customer a new order.
pub(super) fn replacements(ctx: &Context<'_>, out: &mut Outcome) {
    let replacements = &ctx.facts.replacements;
    if replacements.is_empty() {
        return;
    }
    let zone = ctx.policy.sla.timezone;
    let names: Vec<String> = replacements
        .iter()
        .map(|r| {
            format!(
                "{} (created {})",
                r.replacement_name,
                text::shop_time(zone, r.created_at)
            )
        })
        .collect();
    let noun = if names.len() == 1 {
        "Replacement order"
    } else {
        "Replacement orders"
    };
    out.add(
        FindingCode::ReplacementExists,
        Verdict::Info,
        format!("{noun} already created: {}", names.join(", ")),
        replacements
            .iter()
            .map(|r| {
                Evidence::new(
                    System::Storefront,
                    "replacement order",
                    r.replacement_name.clone(),
                    r.created_at,
                )
            })
            .collect(),
    );
}

/// How operators name a warehouse shipment: by its tracking number. Written
/// straight into the text it appears in.
pub(super) fn shipment_label(tracking: Option<&str>) -> impl Display + '_ {
    ShipmentLabel(tracking.map(str::trim).filter(|t| !t.is_empty()))
}

struct ShipmentLabel<'a>(Option<&'a str>);

impl Display for ShipmentLabel<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(number) => write!(f, "label {number}"),
            None => f.write_str("label without tracking"),
        }
    }
}

pub(super) fn financial_status(sf: &Observed<StorefrontOrder>) -> Evidence {
    Evidence::new(
        System::Storefront,
        "financial_status",
        sf.value.financial_status.as_str(),
        sf.observed_at,
    )
}

/// The goods the storefront still lists as owed.
pub(super) fn still_to_fulfil(sf: &Observed<StorefrontOrder>, owed: u32) -> Evidence {
    Evidence::new(
        System::Storefront,
        "quantity still to fulfil",
        owed.to_string(),
        sf.observed_at,
    )
}
