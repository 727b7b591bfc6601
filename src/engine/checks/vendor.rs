//! Checks on drop-ship purchase orders: the vendor's answer (VENDOR_REJECTED,
//! VENDOR_PARTIAL_ACK) as it arrives, and its silence past the vendor's
//! confirmation SLA (VENDOR_NO_ACK); a reroute waiting for a human
//! (REROUTE_PROPOSED); and before anything is ordered, the vendor's item map
//! (SKU_UNMAPPED, DISCONTINUED, UOM_MISMATCH), its promised ship day passing
//! with goods unshipped (VENDOR_SHIP_LATE), its units once it answers
//! (UOM_MISMATCH) and a substitute it offers (VENDOR_SUBSTITUTION).

use super::context::Context;
use super::text::{self, trimmed};
use super::Outcome;
use chrono::{DateTime, Utc};

use crate::domain::{
    AckState, Evidence, FindingCode, PurchaseOrder, PurchaseOrderLine, RerouteStatus,
    SubstitutionStatus, System, Verdict,
};
use crate::engine::reroute::unshipped;
use crate::engine::ItemMapping;

pub(super) fn acknowledgements(ctx: &Context<'_>, out: &mut Outcome) {
    for po in &ctx.facts.purchase_orders {
        let observed_at = po.observed_at;
        let po = &po.value;
        let state = Evidence::new(
            System::Vendor,
            format!("PO {} acknowledgement", po.po_number),
            po.ack.as_words(),
            observed_at,
        );
        match po.ack {
            AckState::Rejected => out.add(
                FindingCode::VendorRejected,
                Verdict::Blocked,
                format!(
                    "Vendor {} rejected PO {}: the goods must come from elsewhere",
                    po.vendor_id, po.po_number
                ),
                vec![state],
            ),
            AckState::Accepted | AckState::AcceptedWithChanges | AckState::PartiallyAccepted => {
                let short: Vec<String> = po
                    .lines
                    .iter()
                    .filter(|l| l.accepted.unwrap_or(l.ordered) < l.ordered)
                    .map(|l| format!("{} {} of {}", l.our_sku, l.accepted.unwrap_or(0), l.ordered))
                    .collect();
                if short.is_empty() {
                    continue;
                }
                let confirmed_part = format!(
                    "Vendor {} confirmed only part of PO {} ({})",
                    po.vendor_id,
                    po.po_number,
                    short.join(", ")
                );
                // Once a reroute sources the rest, the short PO is history.
                let rest_rerouted = ctx.facts.reroutes.iter().find(|r| {
                    r.value.po_number == po.po_number
                        && r.value.status == RerouteStatus::Approved
                        && r.value.keeps_old_po()
                });
                match rest_rerouted {
                    Some(reroute) => out.add(
                        FindingCode::VendorPartialAck,
                        Verdict::Info,
                        format!(
                            "{confirmed_part}; the rest was rerouted by {}",
                            reroute.value.id
                        ),
                        vec![state],
                    ),
                    None => out.add(
                        FindingCode::VendorPartialAck,
                        Verdict::Blocked,
                        confirmed_part,
                        vec![state],
                    ),
                }
            }
            AckState::Sent => {
                if ctx.cancelled() {
                    continue;
                }
                let Some(within) = ctx.policy.vendor(&po.vendor_id).and_then(|v| {
                    v.ack_window(ctx.policy, po.lines.iter().map(|l| l.our_sku.as_str()))
                }) else {
                    continue;
                };
                let due = po.sent_at + within;
                if out.past(due) {
                    out.add(
                        FindingCode::VendorNoAck,
                        Verdict::Blocked,
                        format!(
                            "Vendor {} has not acknowledged PO {}, sent {} ago; due within {}",
                            po.vendor_id,
                            po.po_number,
                            text::duration(ctx.now - po.sent_at),
                            text::duration(within)
                        ),
                        vec![
                            Evidence::new(
                                System::Orderdeck,
                                format!("PO {} sent", po.po_number),
                                text::iso(po.sent_at),
                                observed_at,
                            ),
                            state,
                        ],
                    );
                }
            }
            AckState::Cancelled => {}
        }
    }
}

/// VENDOR_SHIP_LATE: a vendor accepted a PO, named the day it would ship,
/// and that day is over with goods the storefront still owes unshipped.
/// Without a named day the vendor's SLA is the line's ship-by, which
/// SLA_BREACH already watches.
pub(super) fn shipments(ctx: &Context<'_>, out: &mut Outcome) {
    if ctx.cancelled() {
        return;
    }
    for po in &ctx.facts.purchase_orders {
        let observed_at = po.observed_at;
        let po = &po.value;
        if !matches!(
            po.ack,
            AckState::Accepted | AckState::AcceptedWithChanges | AckState::PartiallyAccepted
        ) {
            continue;
        }
        let Some(promised) = po.promised_ship_date else {
            continue;
        };
        let late: Vec<(&PurchaseOrderLine, u32)> = po
            .lines
            .iter()
            .map(|l| (l, unshipped(l)))
            .filter(|(l, missing)| *missing > 0 && still_owed(ctx, &l.our_sku))
            .collect();
        if late.is_empty() || !out.past(promised) {
            continue;
        }
        let what: Vec<String> = late
            .iter()
            .map(|(l, missing)| {
                format!(
                    "{} {missing} of {}",
                    l.our_sku,
                    l.accepted.unwrap_or(l.ordered).min(l.ordered)
                )
            })
            .collect();
        let mut evidence = vec![Evidence::new(
            System::Vendor,
            format!("PO {} promised ship date", po.po_number),
            text::iso(promised),
            observed_at,
        )];
        evidence.extend(late.iter().map(|(l, _)| {
            Evidence::new(
                System::Vendor,
                format!("PO {} line {} shipped", po.po_number, l.our_sku),
                l.shipped.to_string(),
                observed_at,
            )
        }));
        out.add(
            FindingCode::VendorShipLate,
            Verdict::Blocked,
            format!(
                "Vendor {} promised to ship PO {} by {} and has not ({} unshipped), {} late",
                po.vendor_id,
                po.po_number,
                text::shop_time(ctx.policy.sla.timezone, promised),
                what.join(", "),
                text::duration(ctx.now - promised)
            ),
            evidence,
        );
    }
}

/// Whether the storefront still owes goods of this SKU once every known
/// shipment is counted.
fn still_owed(ctx: &Context<'_>, sku: &str) -> bool {
    ctx.lines.iter().any(|l| {
        l.owed > 0
            && l.line
                .sku
                .as_deref()
                .is_some_and(|s| trimmed(s).eq_ignore_ascii_case(trimmed(sku)))
    })
}

pub(super) fn reroutes(ctx: &Context<'_>, out: &mut Outcome) {
    for proposal in &ctx.facts.reroutes {
        let observed_at = proposal.observed_at;
        let proposal = &proposal.value;
        if proposal.status != RerouteStatus::Proposed {
            continue;
        }
        let Some(best) = proposal.alternates.first() else {
            continue;
        };
        let vendors: Vec<&str> = best.sources.iter().map(|s| s.vendor_id.as_str()).collect();
        out.add(
            FindingCode::RerouteProposed,
            Verdict::Blocked,
            format!(
                "Reroute of PO {} ({}) to {} waits for approval: {}",
                proposal.po_number,
                proposal.trigger.as_str(),
                vendors.join(" + "),
                proposal.needs_approval.join("; ")
            ),
            vec![Evidence::new(
                System::Orderdeck,
                format!("reroute {}", proposal.id),
                format!(
                    "{} alternate(s); best promises {}",
                    proposal.alternates.len(),
                    text::iso(best.promised_by)
                ),
                observed_at,
            )],
        );
    }
}

/// SKU_UNMAPPED / DISCONTINUED: before goods are ordered from a vendor with
/// an item map, each owed line must be in it and still sold. A line already
/// on a live PO with that vendor was committed before; the vendor's answer
/// to that PO speaks for it from then on.
pub(super) fn item_map(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    for line in ctx.lines.iter().filter(|l| l.owed > 0) {
        let Some(vendor) = line.third_party.filter(|v| !v.items.is_empty()) else {
            continue;
        };
        let sku = trimmed(line.line.sku.as_deref().unwrap_or(""));
        let ordered = ctx.facts.purchase_orders.iter().any(|po| {
            let po = &po.value;
            po.vendor_id.eq_ignore_ascii_case(&vendor.id)
                && !matches!(po.ack, AckState::Rejected | AckState::Cancelled)
                && po.lines.iter().any(|l| l.our_sku.eq_ignore_ascii_case(sku))
        });
        if ordered {
            continue;
        }
        let ours = Evidence::new(
            System::Storefront,
            format!("line {} sku", line.label()),
            sku,
            sf.observed_at,
        );
        match vendor.item(sku) {
            ItemMapping::Unmapped => out.add(
                FindingCode::SkuUnmapped,
                Verdict::Blocked,
                format!(
                    "{} of {} are to come from {}, whose item map has no vendor SKU for {}: no purchase order can be sent until it is mapped",
                    text::items(line.owed),
                    line.label(),
                    vendor.id,
                    if sku.is_empty() { "a line with no SKU" } else { sku }
                ),
                vec![
                    ours,
                    Evidence::new(
                        System::Orderdeck,
                        format!("vendor {} item map", vendor.id),
                        format!("{} SKUs, not this one", vendor.items.len()),
                        ctx.now,
                    ),
                ],
            ),
            ItemMapping::Mapped(item) if item.discontinued => out.add(
                FindingCode::Discontinued,
                Verdict::Blocked,
                format!(
                    "{} has discontinued {sku} (its {}): the {} owed must come from elsewhere",
                    vendor.id,
                    item.vendor_sku,
                    text::items(line.owed)
                ),
                vec![
                    ours,
                    Evidence::new(
                        System::Orderdeck,
                        format!("vendor {} item {}", vendor.id, item.vendor_sku),
                        "discontinued",
                        ctx.now,
                    ),
                ],
            ),
            ItemMapping::Mapped(item) if item.packs(line.owed).is_none() => out.add(
                FindingCode::UomMismatch,
                Verdict::Blocked,
                format!(
                    "{} of {sku} are owed, but {} sells it ({}) only in {} of {}: not a whole number of packs, so no purchase order can be sent",
                    line.owed,
                    vendor.id,
                    item.vendor_sku,
                    item.uom,
                    item.pack_size
                ),
                vec![
                    ours,
                    Evidence::new(
                        System::Orderdeck,
                        format!("vendor {} item {} unit", vendor.id, item.vendor_sku),
                        format!("{} of {}", item.uom, item.pack_size),
                        ctx.now,
                    ),
                ],
            ),
            ItemMapping::Mapped(_) | ItemMapping::AsIs => {}
        }
    }
}

/// Every line of every PO not cancelled, with when its PO was last heard of.
fn live_lines<'a>(
    ctx: &'a Context<'_>,
) -> impl Iterator<Item = (&'a PurchaseOrder, &'a PurchaseOrderLine, DateTime<Utc>)> {
    ctx.facts
        .purchase_orders
        .iter()
        .filter(|po| po.value.ack != AckState::Cancelled)
        .flat_map(|po| {
            po.value
                .lines
                .iter()
                .map(move |l| (&po.value, l, po.observed_at))
        })
}

/// UOM_MISMATCH after commitment: the vendor acknowledged a line in a unit
/// other than the one ordered, so what it will ship in our units is unknown
/// until someone reads it.
pub(super) fn units(ctx: &Context<'_>, out: &mut Outcome) {
    for (po, line, observed_at) in live_lines(ctx) {
        let Some(answer) = &line.ack_in_other_unit else {
            continue;
        };
        out.add(
            FindingCode::UomMismatch,
            Verdict::Blocked,
            format!(
                "Vendor {} acknowledged {} of PO {} as {} {}, but it was ordered as {} {} ({} of ours): the unit does not match, so nothing is counted as confirmed",
                po.vendor_id,
                line.our_sku,
                po.po_number,
                answer.quantity,
                answer.uom,
                line.vendor_quantity(),
                line.unit(),
                line.ordered
            ),
            vec![Evidence::new(
                System::Vendor,
                format!("PO {} line {} acknowledged", po.po_number, line.our_sku),
                format!("{} {}", answer.quantity, answer.uom),
                observed_at,
            )],
        );
    }
}

/// VENDOR_SUBSTITUTION: a vendor will ship something other than what was
/// ordered. Blocked until someone (or, where the rules allow, orderdeck)
/// decides through the PO's reroute proposal; the decision stays on show.
pub(super) fn substitutions(ctx: &Context<'_>, out: &mut Outcome) {
    for (po, line, observed_at) in live_lines(ctx) {
        let Some(substitute) = &line.substitute else {
            continue;
        };
        let offer = format!(
            "Vendor {} will ship {} instead of {} on PO {}",
            po.vendor_id, substitute.vendor_sku, line.our_sku, po.po_number
        );
        let (verdict, reason) = match substitute.status {
            SubstitutionStatus::Pending => (
                Verdict::Blocked,
                format!("{offer}: waits for a decision (reroute-approve takes it, reroute-reject refuses it)"),
            ),
            SubstitutionStatus::Accepted => (Verdict::Info, format!("{offer}: accepted")),
            SubstitutionStatus::Rejected => (
                Verdict::Info,
                format!("{offer}: refused; the vendor is to ship what was ordered"),
            ),
        };
        out.add(
            FindingCode::VendorSubstitution,
            verdict,
            reason,
            vec![Evidence::new(
                System::Vendor,
                format!("PO {} line {} substitute", po.po_number, line.our_sku),
                substitute.vendor_sku.clone(),
                observed_at,
            )],
        );
    }
}
