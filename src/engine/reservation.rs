//! Reservations against drop-ship vendors' ATP: a PO's units are held
//! *soft* when it is created, so that two orders never both count on the
//! same last units; *firm* once the vendor acknowledges them; released when
//! the vendor rejects them, the order is cancelled, the PO is rerouted away
//! or the goods ship. Pure: the held reservations, the ATP and `now` are
//! inputs, and the store keeps what this returns.

use chrono::{DateTime, Utc};

use super::policy::Policy;
use super::reroute::AtpBook;
use super::sla;
use crate::domain::{
    AckState, OrderFacts, PurchaseOrder, PurchaseOrderLine, RerouteStatus, Reservation,
    ReservationState,
};

/// Every vendor's ATP less the units other orders hold: what `order_ref`
/// (its capture, its troubles, its reroute alternates) may count on.
pub fn available(atp: &AtpBook, held: &[Reservation], order_ref: &str) -> AtpBook {
    let mut book = atp.clone();
    for r in held.iter().filter(|r| r.order_ref != order_ref) {
        if let Some(units) = book
            .get_mut(&r.vendor_id.to_lowercase())
            .and_then(|stock| stock.get_mut(&r.vendor_sku))
        {
            *units -= i64::from(r.units);
        }
    }
    book
}

/// The SKU the vendor's ATP knows a PO line by.
fn atp_key(policy: &Policy, po: &PurchaseOrder, line: &PurchaseOrderLine) -> String {
    line.vendor_sku
        .clone()
        .or_else(|| {
            policy
                .vendor(&po.vendor_id)
                .and_then(|v| v.orderable_as(&line.our_sku))
                .map(str::to_string)
        })
        .unwrap_or_else(|| line.our_sku.clone())
}

/// Whether nothing of `po` may be held any more.
fn released(po: &PurchaseOrder, facts: &OrderFacts) -> bool {
    let cancelled = facts
        .storefront
        .as_ref()
        .is_some_and(|o| o.value.cancelled_at.is_some());
    let rerouted_away = facts.reroutes.iter().any(|r| {
        r.value.po_number == po.po_number
            && r.value.status == RerouteStatus::Approved
            && !r.value.keeps_old_po()
    });
    cancelled || rerouted_away || matches!(po.ack, AckState::Rejected | AckState::Cancelled)
}

/// What `po` should hold now. `held` is what it held so far; `available`
/// the ATP less other orders' holds (see [`available`]). A soft hold keeps
/// its units and takes more only from what nobody else holds; where the
/// vendor's ATP for a SKU is unknown there is nothing to gate against, and
/// the whole line is held.
pub fn hold(
    po: &PurchaseOrder,
    facts: &OrderFacts,
    held: &[Reservation],
    available: &AtpBook,
    policy: &Policy,
    order_ref: &str,
    now: DateTime<Utc>,
) -> Vec<Reservation> {
    if released(po, facts) {
        return Vec::new();
    }
    let acknowledged = matches!(
        po.ack,
        AckState::Accepted | AckState::AcceptedWithChanges | AckState::PartiallyAccepted
    );
    let stock = available.get(&po.vendor_id.to_lowercase());
    po.lines
        .iter()
        .filter_map(|line| {
            let vendor_sku = atp_key(policy, po, line);
            let before = held
                .iter()
                .find(|r| r.po_number == po.po_number && r.sku == line.our_sku);
            let (units, state) = if acknowledged {
                let confirmed = line.accepted.unwrap_or(line.ordered);
                (
                    confirmed.saturating_sub(line.shipped),
                    ReservationState::Firm,
                )
            } else {
                let owed = line.ordered.saturating_sub(line.shipped);
                let free = stock.and_then(|s| s.get(&vendor_sku)).map_or(owed, |&n| {
                    u32::try_from(n.max(0)).unwrap_or(u32::MAX).min(owed)
                });
                let kept = before.map_or(0, |r| r.units.min(owed));
                (kept.max(free), ReservationState::Soft)
            };
            (units > 0).then(|| Reservation {
                order_ref: order_ref.to_string(),
                po_number: po.po_number.clone(),
                vendor_id: po.vendor_id.clone(),
                sku: line.our_sku.clone(),
                vendor_sku,
                units,
                state,
                held_at: before.map_or(now, |r| r.held_at),
            })
        })
        .collect()
}

/// The sensitive category one of these SKUs falls in, if any.
pub fn sensitive_category<'a, 'b>(
    policy: &'a Policy,
    skus: impl IntoIterator<Item = &'b str>,
) -> Option<&'a str> {
    let sensitive = &policy.drop_ship.sensitive_categories;
    skus.into_iter()
        .filter_map(|sku| sla::category_of(policy, sku))
        .find(|c| sensitive.iter().any(|s| s.eq_ignore_ascii_case(&c.name)))
        .map(|c| c.name.as_str())
}

/// The sensitive category of any SKU the order's POs carry.
pub fn order_sensitivity<'a>(policy: &'a Policy, facts: &OrderFacts) -> Option<&'a str> {
    sensitive_category(
        policy,
        facts
            .purchase_orders
            .iter()
            .flat_map(|p| p.value.lines.iter().map(|l| l.our_sku.as_str())),
    )
}

/// What the customer may be promised for `pos`, and on which ground: the
/// vendors' own ship dates once every PO is acknowledged (firm; a PO
/// confirmed without one counts at `reserved_by`); else, for
/// goods in no sensitive category, `reserved_by` (what the vendors' SLAs
/// give) once soft holds cover every line; else nothing yet.
pub fn promise(
    pos: &[&PurchaseOrder],
    reservations: &[Reservation],
    policy: &Policy,
    reserved_by: DateTime<Utc>,
) -> Option<(DateTime<Utc>, ReservationState)> {
    if pos.is_empty() {
        return None;
    }
    let confirmed = pos
        .iter()
        .all(|p| matches!(p.ack, AckState::Accepted | AckState::AcceptedWithChanges));
    if confirmed {
        // A vendor that confirms without a date (an 855 need not carry
        // one) is held to its SLA, which is what `reserved_by` gives.
        return pos
            .iter()
            .map(|p| p.promised_ship_date.unwrap_or(reserved_by))
            .max()
            .map(|d| (d, ReservationState::Firm));
    }
    let skus = pos
        .iter()
        .flat_map(|p| p.lines.iter().map(|l| l.our_sku.as_str()));
    if sensitive_category(policy, skus).is_some() || pos.iter().any(|p| p.ack != AckState::Sent) {
        return None;
    }
    let covered = pos.iter().all(|p| {
        p.lines.iter().all(|l| {
            let held: u32 = reservations
                .iter()
                .filter(|r| r.po_number == p.po_number && r.sku == l.our_sku)
                .map(|r| r.units)
                .sum();
            held >= l.ordered.saturating_sub(l.shipped)
        })
    });
    covered.then_some((reserved_by, ReservationState::Soft))
}
