//! Reroute proposals: when a drop-ship PO is in trouble (rejected, partly
//! accepted, past its acknowledgement SLA, or beyond the vendor's ATP),
//! where else its goods can come from — other vendors with ATP and our own
//! warehouses with stock (`[[warehouses]]`), ranked by configured priority
//! then landed cost, split over several when no single
//! one covers it all — and whether a human must approve. A vendor whose
//! standard SLA would miss the order's ship-by but whose paid expedite meets
//! it is offered expedited, the fee in its cost. Pure: the ATP (less what
//! other orders hold, see `reservation::available`), the order's ship-by and
//! `now` are inputs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::policy::{Policy, VendorPolicy};
use super::reservation;
use super::sla;
use crate::domain::{
    AckState, AlternateSource, PurchaseOrder, PurchaseOrderLine, RerouteAlternate, RerouteProposal,
    RerouteStatus, RerouteTrigger,
};

/// What each vendor can promise: vendor id (lower-case) → our SKU → units.
pub type AtpBook = BTreeMap<String, BTreeMap<String, i64>>;

/// Why `po` needs its goods from elsewhere now, if it does.
pub fn trouble(
    po: &PurchaseOrder,
    policy: &Policy,
    atp: &AtpBook,
    now: DateTime<Utc>,
) -> Option<RerouteTrigger> {
    let short_lines = po
        .lines
        .iter()
        .any(|l| l.accepted.is_some_and(|a| a < l.ordered));
    match po.ack {
        AckState::Rejected => Some(RerouteTrigger::Rejected),
        AckState::PartiallyAccepted => Some(RerouteTrigger::PartialAck),
        AckState::Accepted | AckState::AcceptedWithChanges if short_lines => {
            Some(RerouteTrigger::PartialAck)
        }
        AckState::Accepted | AckState::AcceptedWithChanges => {
            let due = po.promised_ship_date.or_else(|| vendor_ship_by(po, policy));
            let late = due.is_some_and(|by| now > by);
            (late && po.lines.iter().any(|l| unshipped(l) > 0)).then_some(RerouteTrigger::ShipLate)
        }
        AckState::Sent => {
            let late = policy
                .vendor(&po.vendor_id)
                .and_then(|v| v.ack_window(policy, po.lines.iter().map(|l| l.our_sku.as_str())))
                .is_some_and(|within| now >= po.sent_at + within);
            if late {
                return Some(RerouteTrigger::NoAck);
            }
            let stock = atp.get(&po.vendor_id.to_lowercase())?;
            po.lines
                .iter()
                .any(|l| {
                    stock
                        .get(l.vendor_sku.as_deref().unwrap_or(&l.our_sku))
                        .is_some_and(|&n| n < i64::from(l.ordered))
                })
                .then_some(RerouteTrigger::AtpShort)
        }
        _ => None,
    }
}

/// The goods still to source: for each line, what the vendor did not
/// confirm (all of it unless it confirmed part).
fn needed(po: &PurchaseOrder, trigger: RerouteTrigger) -> Vec<(String, u32)> {
    po.lines
        .iter()
        .filter_map(|l| {
            let missing = match trigger {
                RerouteTrigger::PartialAck => l.ordered - l.accepted.unwrap_or(0).min(l.ordered),
                RerouteTrigger::ShipLate => unshipped(l),
                _ => l.ordered,
            };
            (missing > 0).then(|| (l.our_sku.clone(), missing))
        })
        .collect()
}

/// When a vendor that accepted `po` without naming a ship day must ship
/// it by its own SLA, counted from when the PO was sent.
fn vendor_ship_by(po: &PurchaseOrder, policy: &Policy) -> Option<DateTime<Utc>> {
    let vendor = policy.vendor(&po.vendor_id)?;
    Some(ship_by_from(vendor, policy, po.sent_at, po.expedite))
}

/// When `vendor` ships what it is asked for at `from`: its N (expedited or
/// not) from its own cutoff.
fn ship_by_from(
    vendor: &VendorPolicy,
    policy: &Policy,
    from: DateTime<Utc>,
    expedited: bool,
) -> DateTime<Utc> {
    let days = vendor.ship_within(policy.sla.ship_within_business_days, expedited);
    let cutoff = vendor.cutoff.unwrap_or(policy.sla.cutoff);
    sla::ship_by_after(&policy.sla, from, days, cutoff)
}

/// Whether nothing more can come of `po`: cancelled, or everything the
/// vendor confirmed has shipped and, where it confirmed less than ordered,
/// the rest has a proposal (`proposed`) to source it elsewhere; a PO never
/// acknowledged, once all it ordered has shipped. A rejected PO stays open:
/// a later ATP can still give it a proposal.
pub fn nothing_more_to_come(po: &PurchaseOrder, proposed: bool) -> bool {
    match po.ack {
        AckState::Cancelled => true,
        AckState::Sent => po.lines.iter().all(|l| l.shipped >= l.ordered),
        AckState::Accepted | AckState::AcceptedWithChanges | AckState::PartiallyAccepted => {
            let all_shipped = po.lines.iter().all(|l| unshipped(l) == 0);
            let short = po
                .lines
                .iter()
                .any(|l| l.accepted.is_some_and(|a| a < l.ordered));
            all_shipped && (proposed || !short)
        }
        AckState::Rejected => false,
    }
}

/// What the vendor accepted of a line and has not shipped.
pub fn unshipped(line: &PurchaseOrderLine) -> u32 {
    line.accepted
        .unwrap_or(line.ordered)
        .min(line.ordered)
        .saturating_sub(line.shipped)
}

fn cost(vendor: &VendorPolicy, lines: &[(String, u32)]) -> Option<i64> {
    lines.iter().try_fold(0i64, |sum, (sku, qty)| {
        let unit = vendor.landed_cost.get(sku)?;
        Some(sum + (unit * 100.0).round() as i64 * i64::from(*qty))
    })
}

/// When `vendor` would ship if asked now, and the expedite fee in cents when
/// that takes its expedite: only when the standard SLA misses `ship_by` and
/// the expedited one meets it, since paying cannot help otherwise.
fn promise(
    vendor: &VendorPolicy,
    policy: &Policy,
    now: DateTime<Utc>,
    ship_by: Option<DateTime<Utc>>,
) -> (DateTime<Utc>, Option<i64>) {
    let standard = ship_by_from(vendor, policy, now, false);
    match (vendor.expedite, ship_by) {
        (Some(expedite), Some(by)) if standard > by => {
            let faster = ship_by_from(vendor, policy, now, true);
            if faster <= by {
                (faster, Some(expedite.fee_cents))
            } else {
                (standard, None)
            }
        }
        _ => (standard, None),
    }
}

fn source(
    vendor: &VendorPolicy,
    lines: &[(String, u32)],
    stock: &BTreeMap<String, i64>,
    policy: &Policy,
    now: DateTime<Utc>,
    ship_by: Option<DateTime<Utc>>,
) -> AlternateSource {
    let (promised_by, expedite_fee_cents) = promise(vendor, policy, now, ship_by);
    AlternateSource {
        vendor_id: vendor.id.clone(),
        lines: lines
            .iter()
            .map(|(sku, qty)| {
                let available = vendor.orderable_as(sku).and_then(|key| stock.get(key));
                (sku.clone(), *qty, available.copied().unwrap_or(0))
            })
            .collect(),
        cost_cents: cost(vendor, lines).map(|c| c + expedite_fee_cents.unwrap_or(0)),
        promised_by,
        expedite_fee_cents,
        location_id: vendor.location_id.clone(),
    }
}

fn alternate(sources: Vec<AlternateSource>) -> RerouteAlternate {
    let cost_cents = sources
        .iter()
        .try_fold(0i64, |sum, s| s.cost_cents.map(|c| sum + c));
    let promised_by = sources
        .iter()
        .map(|s| s.promised_by)
        .max()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    RerouteAlternate {
        sources,
        cost_cents,
        promised_by,
        substitution: false,
    }
}

/// Ranks vendors: configured priority, then landed cost with any expedite
/// fee (unknown last), then id so equal ones keep a stable order.
fn rank_key(vendor: &VendorPolicy, lines: &[(String, u32)], fee: i64) -> (u32, i64, String) {
    (
        vendor.priority,
        cost(vendor, lines).map_or(i64::MAX, |c| c + fee),
        vendor.id.to_lowercase(),
    )
}

/// A proposal for `po`, or `None` when it is not in trouble or nothing
/// else can supply it. `ship_by` is the order's current deadline (`None`
/// when it has none): what an alternate may be expedited to meet.
pub fn propose(
    po: &PurchaseOrder,
    policy: &Policy,
    atp: &AtpBook,
    now: DateTime<Utc>,
    ship_by: Option<DateTime<Utc>>,
) -> Option<RerouteProposal> {
    let trigger = trouble(po, policy, atp, now)?;
    let lines = needed(po, trigger);
    if lines.is_empty() {
        return None;
    }
    let empty = BTreeMap::new();
    let mut candidates: Vec<&VendorPolicy> = policy
        .vendors
        .iter()
        .filter(|v| v.takes_orders && !v.id.eq_ignore_ascii_case(&po.vendor_id))
        .collect();
    candidates.sort_by_cached_key(|v| {
        let fee = promise(v, policy, now, ship_by).1;
        rank_key(v, &lines, fee.unwrap_or(0))
    });
    let stock_of = |v: &VendorPolicy| atp.get(&v.id.to_lowercase()).unwrap_or(&empty);
    let covers = |v: &VendorPolicy, sku: &str, qty: u32| {
        v.orderable_in(sku, qty)
            .and_then(|key| stock_of(v).get(key))
            .is_some_and(|&n| n >= i64::from(qty))
    };
    // Every vendor that covers the whole PO alone, best first.
    let mut alternates: Vec<RerouteAlternate> = candidates
        .iter()
        .filter(|v| lines.iter().all(|(sku, qty)| covers(v, sku, *qty)))
        .map(|v| alternate(vec![source(v, &lines, stock_of(v), policy, now, ship_by)]))
        .collect();
    if alternates.is_empty() {
        // A split: each line from the best vendor that covers it.
        let mut by_vendor: Vec<(&VendorPolicy, Vec<(String, u32)>)> = Vec::new();
        for (sku, qty) in &lines {
            let best = candidates.iter().find(|v| covers(v, sku, *qty))?;
            match by_vendor.iter_mut().find(|(v, _)| v.id == best.id) {
                Some((_, part)) => part.push((sku.clone(), *qty)),
                None => by_vendor.push((best, vec![(sku.clone(), *qty)])),
            }
        }
        alternates.push(alternate(
            by_vendor
                .iter()
                .map(|(v, part)| source(v, part, stock_of(v), policy, now, ship_by))
                .collect(),
        ));
    }
    let original = policy.vendor(&po.vendor_id);
    let original_cost_cents = original.and_then(|v| cost(v, &lines));
    let best = &alternates[0];
    let mut needs_approval = Vec::new();
    match (best.cost_cents, original_cost_cents) {
        (Some(new), Some(old)) => {
            let limit = (policy.reroute.approve_above_cost * 100.0).round() as i64;
            if new - old > limit {
                needs_approval.push(format!(
                    "costs {} more than the original PO (approval above {})",
                    money(new - old),
                    money(limit)
                ));
            }
        }
        _ => needs_approval.push("the landed cost of a line is not configured".to_string()),
    }
    if best.split() && policy.reroute.approve_splits {
        needs_approval.push(format!(
            "splits the order over {} vendors",
            best.sources.len()
        ));
    }
    if let (true, Some(ship_by)) = (policy.reroute.approve_expedites, ship_by) {
        let day = ship_by
            .with_timezone(&policy.sla.timezone)
            .format("%a %Y-%m-%d");
        for source in &best.sources {
            if let Some(fee) = source.expedite_fee_cents {
                needs_approval.push(format!(
                    "expedited by {} for {} to meet the ship-by {day}",
                    source.vendor_id,
                    money(fee)
                ));
            }
        }
    }
    if trigger == RerouteTrigger::ShipLate {
        needs_approval.push(format!(
            "{} accepted the PO and may still ship it: cancelling it is a human's call",
            po.vendor_id
        ));
    }
    // The vendor has not answered: an ATP figure or a silence is no
    // acknowledgement, and sensitive goods are not moved on either alone.
    if matches!(trigger, RerouteTrigger::NoAck | RerouteTrigger::AtpShort) {
        let skus = lines.iter().map(|(sku, _)| sku.as_str());
        if let Some(category) = reservation::sensitive_category(policy, skus) {
            needs_approval.push(format!(
                "{category} goods are sensitive: not rerouted without a human before the vendor acknowledges"
            ));
        }
    }
    Some(proposal(
        po,
        trigger,
        now,
        alternates,
        original_cost_cents,
        needs_approval,
        original.is_some_and(|v| v.observe_only),
    ))
}

/// A new proposal for `po`: waiting for a human when a rule gave a reason,
/// recorded only when the vendor is observe-only, automatic otherwise.
pub(super) fn proposal(
    po: &PurchaseOrder,
    trigger: RerouteTrigger,
    now: DateTime<Utc>,
    alternates: Vec<RerouteAlternate>,
    original_cost_cents: Option<i64>,
    needs_approval: Vec<String>,
    observe_only: bool,
) -> RerouteProposal {
    let status = if observe_only {
        RerouteStatus::Observed
    } else if needs_approval.is_empty() {
        RerouteStatus::Automatic
    } else {
        RerouteStatus::Proposed
    };
    RerouteProposal {
        id: format!("RR-{}", po.po_number),
        order_name: po.order_name.clone(),
        po_number: po.po_number.clone(),
        vendor_id: po.vendor_id.clone(),
        trigger,
        proposed_at: now,
        alternates,
        original_cost_cents,
        needs_approval,
        status,
        decided_by: None,
        decided_at: None,
        chosen: None,
        new_po_numbers: Vec::new(),
        promise_written: None,
        revision: 0,
    }
}

/// Cents as the shop's money, e.g. "45.00".
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}
