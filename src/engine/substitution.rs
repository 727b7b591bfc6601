//! A vendor's substitute as a reroute proposal, so one decision path
//! (`act ORDER reroute-approve` / `reroute-reject`, or orderdeck itself when
//! the rules allow) settles it: the first alternate keeps the PO with its
//! vendor and takes the substitute; the others are what a rejection of the
//! whole PO would be offered — other vendors with the original SKUs.

use chrono::{DateTime, Utc};

use super::policy::Policy;
use super::reroute::{self, AtpBook};
use super::sla;
use crate::domain::{
    AckState, AlternateSource, PurchaseOrder, RerouteAlternate, RerouteProposal, RerouteTrigger,
    SubstitutionStatus,
};

/// A proposal for `po` when its vendor offered a substitute still waiting
/// for a decision. `ship_by` is the order's deadline, which the other
/// vendors' alternates may be expedited to meet (see `reroute::propose`).
pub fn propose(
    po: &PurchaseOrder,
    policy: &Policy,
    atp: &AtpBook,
    now: DateTime<Utc>,
    ship_by: Option<DateTime<Utc>>,
) -> Option<RerouteProposal> {
    if matches!(po.ack, AckState::Rejected | AckState::Cancelled) {
        return None;
    }
    let pending: Vec<_> = po
        .lines
        .iter()
        .filter_map(|l| Some((l, l.substitute.as_ref()?)))
        .filter(|(_, s)| s.status == SubstitutionStatus::Pending)
        .collect();
    if pending.is_empty() {
        return None;
    }
    let vendor = policy.vendor(&po.vendor_id);
    let stock = atp.get(&po.vendor_id.to_lowercase());
    // Billed at the PO's price: a vendor substitutes at the price ordered,
    // so the keep-it alternate costs what the original does.
    let cost = vendor.and_then(|v| {
        po.lines.iter().try_fold(0i64, |sum, l| {
            let unit = v.landed_cost.get(&l.our_sku)?;
            Some(sum + (unit * 100.0).round() as i64 * i64::from(l.ordered))
        })
    });
    let promised_by = po.promised_ship_date.unwrap_or_else(|| {
        let days = vendor
            .and_then(|v| v.ship_within_business_days)
            .unwrap_or(policy.sla.ship_within_business_days);
        sla::ship_by(&policy.sla, now, days)
    });
    let keep = RerouteAlternate {
        sources: vec![AlternateSource {
            vendor_id: po.vendor_id.clone(),
            lines: pending
                .iter()
                .map(|(line, substitute)| {
                    // What the vendor confirmed of the substitute, unless its
                    // ATP says otherwise.
                    let confirmed = i64::from(line.accepted.unwrap_or(line.ordered));
                    let available = stock
                        .and_then(|s| s.get(&substitute.vendor_sku))
                        .copied()
                        .unwrap_or(confirmed);
                    (line.our_sku.clone(), line.ordered, available)
                })
                .collect(),
            cost_cents: cost,
            promised_by,
            // The PO's own vendor keeps its promise: nothing is bought faster.
            expedite_fee_cents: None,
            location_id: None,
        }],
        cost_cents: cost,
        promised_by,
        substitution: true,
    };
    let mut whole = po.clone();
    whole.ack = AckState::Rejected;
    let others = reroute::propose(&whole, policy, atp, now, ship_by)
        .map(|p| p.alternates)
        .unwrap_or_default();
    let mut needs_approval = Vec::new();
    if policy.reroute.approve_substitutions {
        let offers: Vec<String> = pending
            .iter()
            .map(|(line, s)| format!("{} for {}", s.vendor_sku, line.our_sku))
            .collect();
        needs_approval.push(format!(
            "vendor {} substitutes {}",
            po.vendor_id,
            offers.join(", ")
        ));
    }
    Some(reroute::proposal(
        po,
        RerouteTrigger::Substitution,
        now,
        std::iter::once(keep).chain(others).collect(),
        cost,
        needs_approval,
        vendor.is_some_and(|v| v.observe_only),
    ))
}
