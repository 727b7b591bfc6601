//! Checks that compare the storefront with the warehouse: hand-off, the
//! warehouse cancelling, shipments the storefront has not heard of, and
//! parcels without tracking.

use chrono::{DateTime, Utc};

use super::context::{Context, ShipSource};
use super::storefront::{financial_status, shipment_label, still_to_fulfil};
use super::text;
use super::Outcome;
use std::borrow::Cow;

use crate::domain::{Evidence, FindingCode, PurchaseOrder, System, Verdict, WarehouseStatus};

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
    let unsynced: Vec<_> = ctx.ship_events.iter().filter(|e| e.covered > 0).collect();
    let Some(first) = unsynced.first() else {
        return;
    };
    let tolerance = ctx.policy.tolerances.sync_lag;
    let (code, verdict, verdict_text) = if out.past(first.at + tolerance) {
        (FindingCode::FulfilmentNotSynced, Verdict::Blocked, "past")
    } else {
        (FindingCode::SyncDelay, Verdict::Info, "within")
    };
    let units: u32 = unsynced.iter().map(|e| e.covered).sum();
    let (place, label) = match first.source {
        ShipSource::Shipment(s) => (
            Cow::Borrowed("at the warehouse"),
            shipment_label(s.value.tracking_number.as_deref()),
        ),
        ShipSource::Order(o) => (
            Cow::Borrowed("at the warehouse"),
            format!("order {} marked shipped", o.value.order_number),
        ),
        ShipSource::Vendor(po) => (
            Cow::Owned(format!("by vendor {}", po.value.vendor_id)),
            vendor_packages(&po.value),
        ),
    };
    let mut evidence: Vec<Evidence> = unsynced
        .iter()
        .map(|event| match event.source {
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
        })
        .collect();
    evidence.push(Evidence::new(
        System::Storefront,
        "fulfillment_status",
        sf.value.fulfillment_status.as_str(),
        sf.observed_at,
    ));
    out.add(
        code,
        verdict,
        text::reason(format_args!(
            "Shipped {place} {} ago ({label}); the storefront still shows {} unfulfilled — {verdict_text} the {} sync tolerance",
            text::duration(ctx.now - first.at),
            text::items(units),
            text::duration(tolerance)
        )),
        evidence,
    );
}

/// NO_TRACKING: goods went out without a tracking number, for longer than
/// the tolerance allows.
pub(super) fn tracking(ctx: &Context<'_>, out: &mut Outcome) {
    let tolerance = ctx.policy.tolerances.no_tracking;
    let mut untracked: Vec<(String, DateTime<Utc>, Evidence)> = Vec::new();
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
                && f.tracking_numbers.iter().all(|n| n.trim().is_empty())
                // Digital goods and the like are fulfilled without a parcel.
                && (f.lines.is_empty() || f.lines.iter().any(|l| ships(&l.line_id)))
        }) {
            untracked.push((
                format!("storefront fulfilment {}", fulfillment.id),
                fulfillment.created_at,
                Evidence::new(
                    System::Storefront,
                    format!("fulfillment {} tracking numbers", fulfillment.id),
                    "none",
                    sf.observed_at,
                ),
            ));
        }
    }
    for shipment in ctx.live_shipments().filter(|s| {
        s.value
            .tracking_number
            .as_deref()
            .is_none_or(|n| n.trim().is_empty())
    }) {
        untracked.push((
            format!("warehouse shipment {}", shipment.value.id),
            shipment.value.shipped_at,
            Evidence::new(
                System::Warehouse,
                format!("shipment {} tracking number", shipment.value.id),
                "none",
                shipment.observed_at,
            ),
        ));
    }
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for (name, since, proof) in untracked {
        if out.past(since + tolerance) {
            parts.push(format!("{name}, {} old", text::duration(ctx.now - since)));
            evidence.push(proof);
        }
    }
    if parts.is_empty() {
        return;
    }
    out.add(
        FindingCode::NoTracking,
        Verdict::Blocked,
        format!(
            "Shipped without a tracking number for longer than the {} tolerance: {}",
            text::duration(tolerance),
            parts.join("; ")
        ),
        evidence,
    );
}

/// "PO PO-1, tracking 1Z…, 1Z…": which vendor shipment the storefront has not
/// heard of.
fn vendor_packages(po: &PurchaseOrder) -> String {
    let tracking: Vec<&str> = po
        .packages
        .iter()
        .map(|p| p.tracking_number.as_str())
        .collect();
    if tracking.is_empty() {
        format!("PO {}, no tracking number", po.po_number)
    } else {
        format!("PO {}, tracking {}", po.po_number, tracking.join(", "))
    }
}
