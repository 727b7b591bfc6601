//! The situations the simulated shop is made of. Each scenario lays out one
//! order's life in every system and states, as it goes, which findings the
//! order should have when (its ground truth, under the default config).
//!
//! Every scenario's situation holds at its anchor moment (the world's start
//! for the backlog) with all tolerance edges and data changes at least
//! [`MARGIN`] away, and then moves on by itself: shipments go out, the
//! storefront catches up, parcels are delivered.

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::builder::{
    after, away_from_cutoff, hours, minutes, vendor_record_lag, Anchor, Builder, Role,
};
use super::calendar;
use super::catalog::VENDOR_DOCK;
use super::plan::{Financial, OrderPlan, ScanEvent, SfChange, WhChange};
use crate::domain::FindingCode;

/// How far from the anchor moment every change of an order's truth is kept.
pub const MARGIN: TimeDelta = TimeDelta::minutes(15);

/// The situations an order can be in; the ground truth each one states is in
/// the comment of its recipe below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    ShippedAndSynced,
    AwaitingWithinSla,
    Late,
    Cancelled,
    CancelledButActive,
    RefundedFull,
    RefundedPartialOwed,
    /// A Shopify fulfilment-order hold (fraud review).
    OnHold,
    /// On hold at the warehouse until a date.
    WarehouseHold,
    ThirdPartyVendor,
    SyncDelay,
    FulfilmentNotSynced,
    NotAtWarehouse,
    NotInStorefront,
    ReplacementExists,
    NoTracking,
    DeliveredNotClosed,
    TrackingStalled,
    CarrierException,
    CarrierStatusUnknown,
    /// The replacement order created for a `ReplacementExists` original;
    /// never drawn by itself.
    Replacement,
}

/// The scenarios orders are drawn from, with their weights.
pub const DRAWN: [(Scenario, u32); 20] = [
    (Scenario::ShippedAndSynced, 30),
    (Scenario::AwaitingWithinSla, 16),
    (Scenario::Late, 6),
    (Scenario::Cancelled, 4),
    (Scenario::CancelledButActive, 2),
    (Scenario::RefundedFull, 3),
    (Scenario::RefundedPartialOwed, 3),
    (Scenario::OnHold, 2),
    (Scenario::WarehouseHold, 2),
    (Scenario::ThirdPartyVendor, 5),
    (Scenario::SyncDelay, 3),
    (Scenario::FulfilmentNotSynced, 3),
    (Scenario::NotAtWarehouse, 2),
    (Scenario::NotInStorefront, 2),
    (Scenario::ReplacementExists, 2),
    (Scenario::NoTracking, 2),
    (Scenario::DeliveredNotClosed, 2),
    (Scenario::TrackingStalled, 2),
    (Scenario::CarrierException, 3),
    (Scenario::CarrierStatusUnknown, 1),
];

pub(crate) fn order_rng(seed: u64, index: u64) -> StdRng {
    StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index)
}

/// The scenario of order `index`. The first orders take every scenario once,
/// in an order shuffled by the seed, so that any shop of at least
/// `DRAWN.len()` orders shows every situation; the rest are drawn by weight.
pub fn choose(seed: u64, index: u64) -> Scenario {
    if let Some(slot) = usize::try_from(index).ok().filter(|i| *i < DRAWN.len()) {
        let mut all: Vec<Scenario> = DRAWN.iter().map(|(s, _)| *s).collect();
        all.shuffle(&mut StdRng::seed_from_u64(seed ^ 0x5CE7_A210));
        return all[slot];
    }
    let mut rng = order_rng(seed ^ 0xD2A3, index);
    let total: u32 = DRAWN.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (scenario, weight) in DRAWN {
        if pick < weight {
            return scenario;
        }
        pick -= weight;
    }
    Scenario::ShippedAndSynced
}

/// Lays out order `index` (and, for `ReplacementExists`, its replacement).
/// Deterministic for (seed, index, anchor).
pub fn plan(seed: u64, index: u64, anchor: Anchor) -> Vec<OrderPlan> {
    let scenario = choose(seed, index);
    let mut rng = order_rng(seed, index);
    let mut plans = Vec::new();
    // A draw that lands a change too close to the anchor is drawn again
    // (the generator moves on, so the next draw differs).
    for _ in 0..16 {
        let mut builder = Builder::new(&mut rng, index, Role::Original, scenario);
        let replacement_at = lay_out(&mut builder, anchor);
        let at = builder.anchor;
        plans = vec![builder.finish(seed)];
        if let Some(created) = replacement_at {
            let mut builder =
                Builder::new(&mut rng, index, Role::Replacement, Scenario::Replacement);
            replacement(&mut builder, created, at);
            plans.push(builder.finish(seed));
        }
        if plans.iter().all(|plan| clear_of(plan, at)) {
            break;
        }
    }
    plans
}

fn clear_of(plan: &OrderPlan, at: DateTime<Utc>) -> bool {
    let far = |t: DateTime<Utc>| (t - at).abs() >= MARGIN;
    far(plan.appears_at())
        && plan
            .truth
            .iter()
            .all(|span| far(span.from) && span.until.is_none_or(far))
}

/// Applies the scenario's recipe; returns when a replacement order is
/// created, for `ReplacementExists`.
fn lay_out(b: &mut Builder<'_>, anchor: Anchor) -> Option<DateTime<Utc>> {
    let days = TimeDelta::days;
    match b.scenario {
        // Shipped within a day, storefront told within 90 minutes, delivered
        // days later. Truth: SYNC_DELAY between shipment and sync, else ok.
        // (A replacement is never drawn; `replacement` lays it out.)
        Scenario::ShippedAndSynced | Scenario::Replacement => {
            b.place(anchor, days(2), days(10), |_, _| true);
            healthy(b, (hours(2), hours(20)));
        }
        // Placed within the last few hours, ships later. Truth: ok, then as
        // above.
        Scenario::AwaitingWithinSla => {
            b.place(anchor, minutes(20), hours(3), |_, _| true);
            healthy(b, (hours(4), hours(20)));
        }
        // Past its ship-by deadline and still owed; ships in the next two
        // days. Truth: SLA_BREACH from the deadline until shipped, then
        // SYNC_DELAY, then ok.
        Scenario::Late => {
            b.place(anchor, days(7), days(12), late_by_anchor);
            b.pay();
            b.import();
            owed_until_shipped(b);
        }
        // Authorised, cancelled within hours; the warehouse cancels minutes
        // later. Truth: CANCELLED_BUT_ACTIVE until the warehouse cancels,
        // then CANCELLED.
        Scenario::Cancelled => {
            b.place(anchor, days(1), days(10), |_, _| true);
            b.initial = Financial::Authorized;
            b.import();
            let cancelled = b.t0 + b.between(hours(1), hours(6));
            let stopped = cancelled + b.between(minutes(5), minutes(30));
            cancel(b, cancelled, stopped);
        }
        // Cancelled in the storefront hours ago, still awaiting shipment at
        // the warehouse, which cancels within the next day. Truth:
        // CANCELLED_BUT_ACTIVE, then CANCELLED.
        Scenario::CancelledButActive => {
            b.place(anchor, days(1), days(6), |_, _| true);
            b.initial = Financial::Authorized;
            b.import();
            let cancelled = b.anchor - b.between(hours(2), hours(20));
            let stopped = b.anchor + b.between(hours(4), hours(30));
            cancel(b, cancelled, stopped);
        }
        // Refunded in full before shipping (not cancelled); the warehouse
        // cancels its order. Truth: REFUNDED_FULL from the refund on.
        Scenario::RefundedFull => {
            b.place(anchor, days(1), days(10), |_, _| true);
            b.pay();
            b.import();
            let refunded = b.t0 + b.between(hours(1), hours(6));
            let quantity = b.line.quantity;
            b.storefront(refunded, SfChange::Refunded { quantity });
            let stopped = refunded + b.between(minutes(5), minutes(30));
            b.warehouse(stopped, WhChange::Cancelled);
            b.spans.add(FindingCode::RefundedFull, refunded, None);
        }
        // One unit refunded early, the rest still owed past the deadline.
        // Truth: REFUNDED_PARTIAL from the refund on, with SLA_BREACH from
        // the deadline until shipped.
        Scenario::RefundedPartialOwed => {
            b.place(anchor, days(7), days(12), late_by_anchor);
            b.pay();
            b.import();
            let refunded = b.t0 + b.between(hours(1), hours(6));
            b.storefront(refunded, SfChange::Refunded { quantity: 1 });
            let reduced = refunded + b.between(minutes(5), minutes(30));
            let rest = b.line.quantity - 1;
            b.warehouse(reduced, WhChange::Quantity(rest));
            b.spans.add(FindingCode::RefundedPartial, refunded, None);
            owed_until_shipped(b);
        }
        // Held for fraud review minutes after checkout (authorised, never sent
        // to the warehouse), then cancelled as fraud days later. Truth:
        // ON_HOLD while held, then CANCELLED.
        Scenario::OnHold => {
            b.place(anchor, days(1), days(8), |_, _| true);
            b.initial = Financial::Authorized;
            let held = b.t0 + b.between(minutes(2), minutes(10));
            b.storefront(
                held,
                SfChange::Held {
                    reason: "high_risk_of_fraud",
                    notes: "Billing and shipping countries differ; waiting for the customer to confirm",
                },
            );
            let cancelled = b.anchor + b.between(days(1), days(3));
            b.storefront(cancelled, SfChange::Cancelled { reason: "fraud" });
            b.spans.add(FindingCode::OnHold, held, Some(cancelled));
            b.spans.add(FindingCode::Cancelled, cancelled, None);
        }
        // Put on hold at the warehouse until a date, then shipped. Truth:
        // ON_HOLD until released; after release SLA_BREACH if the deadline
        // has passed, until shipped.
        Scenario::WarehouseHold => {
            b.place(anchor, days(1), days(8), |_, _| true);
            b.pay();
            b.import();
            let held = b.t0 + b.between(hours(1), hours(4));
            let until = b.anchor + b.between(days(1), days(3));
            b.warehouse(held, WhChange::Held { until });
            b.warehouse(until, WhChange::Released);
            b.spans.add(FindingCode::OnHold, held, Some(until));
            let shipped = until + b.between(hours(1), hours(6));
            let deadline = b.deadline();
            b.breach(until, Some(shipped), deadline);
            b.ship_and_sync(shipped, (minutes(10), minutes(90)));
        }
        // A drop-shipped line the vendor ships within its own SLA, the
        // storefront recording the vendor's parcel hours later. The vendor
        // ships this parcel only if orderdeck sent it the PO in time (the
        // default config sends every pass's POs to `acme`, which
        // acknowledges within the hour); the storefront never fulfils it by
        // itself. Truth: THIRD_PARTY_VENDOR until the vendor ships; then,
        // from its ship notice, SYNC_DELAY until the storefront records the
        // parcel (FULFILMENT_NOT_SYNCED once that takes longer than the sync
        // tolerance), then ok.
        Scenario::ThirdPartyVendor => {
            b.place(anchor, days(1), days(5), |_, _| true);
            b.pay();
            b.origin = VENDOR_DOCK;
            let due = calendar::ship_by(b.t0, calendar::VENDOR_BUSINESS_DAYS);
            let shipped = (b.anchor + b.between(days(1), days(3))).min(due - days(1));
            let recorded = shipped + vendor_record_lag(&b.name(), shipped);
            b.vendor_recorded = Some(recorded);
            let delivered = shipped + b.between(hours(48), hours(96));
            b.journey(shipped, delivered);
            b.spans
                .add(FindingCode::ThirdPartyVendor, b.t0, Some(shipped));
            b.sync_spans(shipped, Some(recorded));
        }
        // Shipped under an hour ago; the storefront hears before the sync
        // tolerance runs out. Truth: SYNC_DELAY, then ok.
        Scenario::SyncDelay => {
            b.place(anchor, hours(8), hours(30), |_, _| true);
            b.pay();
            b.import();
            let shipped = b.anchor - b.between(minutes(25), minutes(60));
            b.ship_and_sync(shipped, (minutes(95), minutes(110)));
        }
        // Shipped hours ago, the storefront still unfulfilled; someone pushes
        // the fulfilment within the next day. Truth: SYNC_DELAY for the
        // tolerance, FULFILMENT_NOT_SYNCED after, ok once synced.
        Scenario::FulfilmentNotSynced => {
            b.place(anchor, hours(10), hours(40), |_, _| true);
            b.pay();
            b.import();
            let shipped = b.anchor - b.between(hours(3), hours(8));
            let synced = b.anchor + b.between(hours(2), hours(24));
            ship_synced_at(b, shipped, Some(synced));
        }
        // Paid hours ago, never handed to the warehouse until the
        // integration catches up later. Truth: NOT_AT_WAREHOUSE from the
        // hand-off tolerance until the warehouse has it.
        Scenario::NotAtWarehouse => {
            b.place(anchor, hours(6), hours(20), |_, _| true);
            b.pay();
            let imported = b.anchor + b.between(hours(1), hours(12));
            b.warehouse(imported, WhChange::Imported);
            let limit = after(b.t0 + calendar::warehouse_handoff());
            b.spans
                .add(FindingCode::NotAtWarehouse, limit, Some(imported));
            let shipped = imported + b.between(hours(1), hours(6));
            b.ship_and_sync(shipped, (minutes(10), minutes(90)));
        }
        // A warehouse order the storefront has no record of. Truth:
        // NOT_IN_STOREFRONT for good.
        Scenario::NotInStorefront => {
            b.place(anchor, hours(1), days(3), |_, _| true);
            b.in_storefront = false;
            b.warehouse(b.t0, WhChange::Imported);
            b.spans.add(FindingCode::NotInStorefront, b.t0, None);
        }
        // Delivered, then replaced (the customer reported it damaged).
        // Truth: REPLACEMENT_EXISTS from the replacement's creation on.
        Scenario::ReplacementExists => {
            b.place(anchor, days(7), days(12), |_, _| true);
            b.pay();
            b.import();
            let shipped = b.t0 + b.between(hours(2), hours(20));
            b.warehouse(shipped, WhChange::Shipped { tracked: true });
            let synced = shipped + b.between(minutes(10), minutes(90));
            b.storefront(synced, SfChange::Fulfilled { tracked: true });
            let delivered = shipped + b.between(hours(36), hours(72));
            b.journey(shipped, delivered);
            b.sync_spans(shipped, Some(synced));
            // Created well before the cutoff, like the order it replaces.
            let replaced = away_from_cutoff(delivered + b.between(hours(20), hours(40)));
            b.spans.add(FindingCode::ReplacementExists, replaced, None);
            return Some(replaced);
        }
        // Shipped and synced without any tracking number. Truth: SYNC_DELAY,
        // then NO_TRACKING once the tolerance has run out.
        Scenario::NoTracking => {
            b.place(anchor, days(3), days(8), |_, _| true);
            b.pay();
            b.import();
            let shipped = b.t0 + b.between(hours(2), hours(20));
            b.warehouse(shipped, WhChange::Shipped { tracked: false });
            let synced = shipped + b.between(minutes(10), minutes(90));
            b.storefront(synced, SfChange::Fulfilled { tracked: false });
            b.sync_spans(shipped, Some(synced));
            let limit = after(shipped + calendar::no_tracking());
            b.spans.add(FindingCode::NoTracking, limit, None);
        }
        // Shipped and delivered, never recorded in the storefront until
        // someone fixes it. Truth: FULFILMENT_NOT_SYNCED after the sync
        // tolerance, and DELIVERED_NOT_CLOSED from the delivery, until synced.
        Scenario::DeliveredNotClosed => {
            b.place(anchor, hours(108), days(9), |_, _| true);
            b.pay();
            b.import();
            let shipped = b.t0 + b.between(hours(2), hours(20));
            let synced = b.anchor + b.between(hours(6), hours(48));
            b.warehouse(shipped, WhChange::Shipped { tracked: true });
            b.storefront(synced, SfChange::Fulfilled { tracked: true });
            let delivered = shipped + b.between(hours(36), hours(72));
            b.journey(shipped, delivered);
            b.sync_spans(shipped, Some(synced));
        }
        // No scan for days after the parcel left; scans resume later. Truth:
        // TRACKING_STALLED from the stall tolerance until the next scan.
        Scenario::TrackingStalled => {
            b.place(anchor, days(6), days(9), |_, _| true);
            b.pay();
            b.import();
            let shipped = b.t0 + b.between(hours(2), hours(20));
            b.warehouse(shipped, WhChange::Shipped { tracked: true });
            let synced = shipped + b.between(minutes(10), minutes(90));
            b.storefront(synced, SfChange::Fulfilled { tracked: true });
            b.sync_spans(shipped, Some(synced));
            let picked = b.label_and_pickup(shipped);
            let last = picked + b.between(hours(6), hours(20));
            let hub = super::catalog::HUBS[(b.index % 6) as usize];
            b.scan(last, ScanEvent::Departed, hub);
            let resumed = b.anchor + b.between(hours(12), hours(48));
            let next_hub = super::catalog::HUBS[((b.index + 1) % 6) as usize];
            b.scan(resumed, ScanEvent::Arrived, next_hub);
            let delivered = resumed + b.between(hours(18), hours(30));
            b.deliver(delivered);
        }
        // A failed delivery attempt hours ago; the next attempt succeeds.
        // Truth: CARRIER_EXCEPTION from the failed attempt until the next
        // scan.
        Scenario::CarrierException => {
            b.place(anchor, days(3), days(7), |_, _| true);
            let failed = b.anchor - b.between(hours(2), hours(30));
            let destination = b.customer.address;
            in_transit_until(b, failed - hours(3), |b| {
                let out = failed - b.between(minutes(90), hours(2));
                b.scan(out, ScanEvent::OutForDelivery, destination);
                b.scan(failed, ScanEvent::DeliveryFailed, destination);
            });
            let delivered = b.anchor + b.between(hours(14), hours(36));
            b.deliver(delivered);
        }
        // The carrier's latest scan carries a code outside its usual set;
        // an ordinary scan follows later. Truth: CARRIER_STATUS_UNKNOWN until
        // then.
        Scenario::CarrierStatusUnknown => {
            b.place(anchor, days(2), days(6), |_, _| true);
            let odd = b.anchor - b.between(hours(2), hours(20));
            let hub = super::catalog::HUBS[(b.index % 6) as usize];
            in_transit_until(b, odd, |b| b.scan(odd, ScanEvent::Unmapped, hub));
            let next = b.anchor + b.between(hours(6), hours(30));
            b.scan(next, ScanEvent::Arrived, hub);
            let delivered = next + b.between(hours(18), hours(30));
            b.deliver(delivered);
        }
    }
    None
}

/// The order was placed long enough ago that its deadline passed at least
/// half a day before the anchor moment.
fn late_by_anchor(t0: DateTime<Utc>, at: DateTime<Utc>) -> bool {
    calendar::ship_by(t0, calendar::DEFAULT_BUSINESS_DAYS) + hours(12) < at
}

/// Paid, at the warehouse, shipped within `window` of being placed.
fn healthy(b: &mut Builder<'_>, window: (TimeDelta, TimeDelta)) {
    b.pay();
    b.import();
    let shipped = b.t0 + b.between(window.0, window.1);
    b.ship_and_sync(shipped, (minutes(10), minutes(90)));
}

/// Still owed at the anchor moment, shipped in the next two days.
fn owed_until_shipped(b: &mut Builder<'_>) {
    let shipped = b.anchor + b.between(hours(6), hours(48));
    let deadline = b.deadline();
    let t0 = b.t0;
    b.breach(t0, Some(shipped), deadline);
    b.ship_and_sync(shipped, (minutes(10), minutes(90)));
}

/// Ships at `shipped` with the storefront told at `synced`, and a parcel
/// delivered days later.
fn ship_synced_at(b: &mut Builder<'_>, shipped: DateTime<Utc>, synced: Option<DateTime<Utc>>) {
    b.warehouse(shipped, WhChange::Shipped { tracked: true });
    if let Some(synced) = synced {
        b.storefront(synced, SfChange::Fulfilled { tracked: true });
    }
    let delivered = shipped + b.between(hours(36), hours(96));
    b.journey(shipped, delivered);
    b.sync_spans(shipped, synced);
}

/// An ordinary order whose parcel travels until `until`, where `then` adds
/// the scans that make the scenario.
fn in_transit_until(
    b: &mut Builder<'_>,
    until: DateTime<Utc>,
    then: impl FnOnce(&mut Builder<'_>),
) {
    b.pay();
    b.import();
    let shipped = b.t0 + b.between(hours(2), hours(20));
    b.warehouse(shipped, WhChange::Shipped { tracked: true });
    let synced = shipped + b.between(minutes(10), minutes(90));
    b.storefront(synced, SfChange::Fulfilled { tracked: true });
    b.sync_spans(shipped, Some(synced));
    let picked = b.label_and_pickup(shipped);
    b.travel(picked, until);
    then(b);
}

fn cancel(b: &mut Builder<'_>, cancelled: DateTime<Utc>, stopped: DateTime<Utc>) {
    b.storefront(cancelled, SfChange::Cancelled { reason: "customer" });
    b.warehouse(stopped, WhChange::Cancelled);
    b.spans
        .add(FindingCode::CancelledButActive, cancelled, Some(stopped));
    b.spans.add(FindingCode::Cancelled, stopped, None);
}

/// The replacement order: created at `created`, then an ordinary order.
fn replacement(b: &mut Builder<'_>, created: DateTime<Utc>, at: DateTime<Utc>) {
    b.t0 = created;
    b.anchor = at;
    b.tags = format!("replacement-of:#{}", 1001 + b.index);
    b.initial = Financial::Paid;
    b.import();
    let shipped = b.t0 + b.between(hours(2), hours(20));
    b.ship_and_sync(shipped, (minutes(10), minutes(90)));
}
