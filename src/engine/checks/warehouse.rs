//! Checks that compare the storefront with the warehouse: hand-off, the
//! warehouse cancelling, shipments the storefront has not heard of, and
//! parcels without tracking.

use std::fmt::{self, Display, Formatter, Write};

use super::context::{Context, ShipSource};
use super::storefront::{financial_status, shipment_label, still_to_fulfil};
use super::text::{self, trimmed};
use super::Outcome;

use crate::domain::{Evidence, FindingCode, System, Verdict, WarehouseStatus};

/// NOT_AT_WAREHOUSE: paid and owing goods, yet unknown to the warehouse once
/// the hand-off tolerance has run out.
pub(super) fn handoff(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    let owed = ctx.in_house_owed();
    let warehouse_knows =
        !ctx.facts.warehouse_orders.is_empty() || !ctx.facts.warehouse_shipments.is_empty();
    if !sf.value.financial_status.is_paid() || ctx.held() || owed == 0 || warehouse_knows {
        return;
    }
    let tolerance = ctx.policy.tolerances.warehouse_handoff;
    // Goods a reroute moved to our warehouse reach it only from then on.
    let moved_at = ctx
        .in_house_rerouted_at()
        .filter(|at| *at > sf.value.created_at);
    let since = moved_at.unwrap_or(sf.value.created_at);
    if !out.past(since + tolerance) {
        return;
    }
    let placed = if moved_at.is_some() {
        "Moved to our warehouse by a reroute"
    } else {
        "Placed"
    };
    out.add(
        FindingCode::NotAtWarehouse,
        Verdict::Blocked,
        text::reason(format_args!(
            "{placed} {} ago and paid, {} to ship, but the warehouse has no order for it — past the {} hand-off tolerance",
            text::duration(ctx.now - since),
            text::items(owed),
            text::duration(tolerance)
        )),
        vec![
            financial_status(sf),
            Evidence::new(
                System::Storefront,
                "created_at",
                text::iso(sf.value.created_at),
                sf.observed_at,
            ),
            still_to_fulfil(sf, owed),
        ],
    );
}

/// WAREHOUSE_CANCELLED: the warehouse dropped an order the storefront still
/// expects it to ship.
pub(super) fn cancelled_at_warehouse(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    let orders = &ctx.facts.warehouse_orders;
    let owed = ctx.in_house_owed();
    let all_cancelled = orders
        .iter()
        .all(|o| o.value.status == WarehouseStatus::Cancelled);
    if orders.is_empty() || !all_cancelled || ctx.cancelled() || owed == 0 {
        return;
    }
    let names: Vec<&str> = orders
        .iter()
        .map(|o| o.value.order_number.as_str())
        .collect();
    let mut evidence: Vec<Evidence> = orders
        .iter()
        .map(|o| {
            Evidence::new(
                System::Warehouse,
                format!("order {} status", o.value.order_number),
                o.value.status.as_str(),
                o.observed_at,
            )
        })
        .collect();
    evidence.push(Evidence::new(
        System::Storefront,
        "quantity still to fulfil",
        owed.to_string(),
        sf.observed_at,
    ));
    out.add(
        FindingCode::WarehouseCancelled,
        Verdict::Blocked,
        format!(
            "Cancelled at the warehouse (order {}), but the storefront is not cancelled and still owes {}",
            names.join(", "),
            text::items(owed)
        ),
        evidence,
    );
}

/// SYNC_DELAY / FULFILMENT_NOT_SYNCED: the warehouse shipped goods the
/// storefront still lists as owed; fine for a while, blocked after the sync
/// tolerance, measured from the oldest such shipment.
pub(super) fn sync(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    let unsynced = || ctx.ship_events.iter().filter(|e| e.covered > 0);
    let Some(first) = unsynced().next() else {
        return;
    };
    let tolerance = ctx.policy.tolerances.sync_lag;
    let (code, verdict, verdict_text) = if out.past(first.at + tolerance) {
        (FindingCode::FulfilmentNotSynced, Verdict::Blocked, "past")
    } else {
        (FindingCode::SyncDelay, Verdict::Info, "within")
    };
    let units: u32 = unsynced().map(|e| e.covered).sum();
    let mut evidence: Vec<Evidence> = Vec::with_capacity(unsynced().count() + 1);
    evidence.extend(unsynced().map(|event| match event.source {
        ShipSource::Shipment(s) => Evidence::new(
            System::Warehouse,
            format!(
                "shipment {} ({}) shipped at",
                s.value.id,
                shipment_label(s.value.tracking_number.as_deref())
            ),
            text::iso(event.at),
            event.observed_at(),
        ),
        ShipSource::Order(o) => Evidence::new(
            System::Warehouse,
            format!("order {} status shipped, modified at", o.value.order_number),
            text::iso(event.at),
            event.observed_at(),
        ),
        ShipSource::Vendor(po) => Evidence::new(
            System::Vendor,
            format!("PO {} ship notice, shipped at", po.value.po_number),
            text::iso(event.at),
            event.observed_at(),
        ),
    }));
    evidence.push(Evidence::new(
        System::Storefront,
        "fulfillment_status",
        sf.value.fulfillment_status.as_str(),
        sf.observed_at,
    ));
    let reason = text::reason(format_args!(
        "Shipped {} {} ago ({}); the storefront still shows {} unfulfilled — {verdict_text} the {} sync tolerance",
        Shipper(&first.source),
        text::duration(ctx.now - first.at),
        Shipped(&first.source),
        text::items(units),
        text::duration(tolerance)
    ));
    out.add(code, verdict, reason, evidence);
}

/// NO_TRACKING: goods went out without a tracking number, for longer than
/// the tolerance allows. The names and evidence are written only for the
/// parcels past it.
pub(super) fn tracking(ctx: &Context<'_>, out: &mut Outcome) {
    let tolerance = ctx.policy.tolerances.no_tracking;
    let mut listed = String::new();
    let mut evidence = Vec::new();
    // Writing into a String cannot fail: the results below are ignored.
    let separate = |listed: &mut String| {
        if !listed.is_empty() {
            listed.push_str("; ");
        }
    };
    if let Some(sf) = ctx.storefront {
        let ships = |line_id: &str| {
            sf.value
                .lines
                .iter()
                .find(|l| l.id == line_id)
                .is_none_or(|l| l.requires_shipping)
        };
        for fulfillment in sf.value.fulfillments.iter().filter(|f| {
            f.is_effective()
                && f.tracking_numbers.iter().all(|n| trimmed(n).is_empty())
                // Digital goods and the like are fulfilled without a parcel.
                && (f.lines.is_empty() || f.lines.iter().any(|l| ships(&l.line_id)))
        }) {
            let since = fulfillment.created_at;
            if !out.past(since + tolerance) {
                continue;
            }
            separate(&mut listed);
            let _ = write!(
                listed,
                "storefront fulfilment {}, {} old",
                fulfillment.id,
                text::duration(ctx.now - since)
            );
            evidence.push(Evidence::new(
                System::Storefront,
                format!("fulfillment {} tracking numbers", fulfillment.id),
                "none",
                sf.observed_at,
            ));
        }
    }
    for shipment in ctx.live_shipments().filter(|s| {
        s.value
            .tracking_number
            .as_deref()
            .is_none_or(|n| trimmed(n).is_empty())
    }) {
        let since = shipment.value.shipped_at;
        if !out.past(since + tolerance) {
            continue;
        }
        separate(&mut listed);
        let _ = write!(
            listed,
            "warehouse shipment {}, {} old",
            shipment.value.id,
            text::duration(ctx.now - since)
        );
        evidence.push(Evidence::new(
            System::Warehouse,
            format!("shipment {} tracking number", shipment.value.id),
            "none",
            shipment.observed_at,
        ));
    }
    if evidence.is_empty() {
        return;
    }
    out.add(
        FindingCode::NoTracking,
        Verdict::Blocked,
        text::reason(format_args!(
            "Shipped without a tracking number for longer than the {} tolerance: {listed}",
            text::duration(tolerance),
        )),
        evidence,
    );
}

/// Who shipped: "at the warehouse", "by vendor acme-home".
struct Shipper<'a, 'b>(&'a ShipSource<'b>);

impl Display for Shipper<'_, '_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            ShipSource::Shipment(_) | ShipSource::Order(_) => f.write_str("at the warehouse"),
            ShipSource::Vendor(po) => write!(f, "by vendor {}", po.value.vendor_id),
        }
    }
}

/// What the storefront has not heard of: "label 1Z…", "order 1001 marked
/// shipped", "PO PO-1, tracking 1Z…, 1Z…".
struct Shipped<'a, 'b>(&'a ShipSource<'b>);

impl Display for Shipped<'_, '_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            ShipSource::Shipment(s) => {
                write!(f, "{}", shipment_label(s.value.tracking_number.as_deref()))
            }
            ShipSource::Order(o) => write!(f, "order {} marked shipped", o.value.order_number),
            ShipSource::Vendor(po) => {
                write!(f, "PO {}, ", po.value.po_number)?;
                if po.value.packages.is_empty() {
                    return f.write_str("no tracking number");
                }
                f.write_str("tracking ")?;
                for (i, package) in po.value.packages.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&package.tracking_number)?;
                }
                Ok(())
            }
        }
    }
}
