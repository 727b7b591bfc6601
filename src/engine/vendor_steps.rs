//! Purchase orders and reroutes as an operator reads them, each step of a
//! reroute as it happened: `show` prints these lines and the console's
//! detail pane shows them, so both say the same. The caller says how a
//! moment is written (the console in the shop's zone, `show` in the
//! machine's).

use chrono::{DateTime, Utc};

use super::reroute::money;
use crate::domain::{OrderFacts, RerouteProposal, RerouteStatus, Reservation};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLine {
    /// Starts a section ("Purchase orders", one reroute).
    pub heading: bool,
    pub text: String,
}

impl StepLine {
    fn heading(text: String) -> StepLine {
        StepLine {
            heading: true,
            text,
        }
    }

    fn item(text: String) -> StepLine {
        StepLine {
            heading: false,
            text,
        }
    }
}

pub fn vendor_steps(facts: &OrderFacts, time: impl Fn(DateTime<Utc>) -> String) -> Vec<StepLine> {
    let mut out = Vec::new();
    if !facts.purchase_orders.is_empty() {
        out.push(StepLine::heading("Purchase orders".into()));
    }
    out.extend(
        purchase_order_lines(facts, &time)
            .into_iter()
            .map(StepLine::item),
    );
    for proposal in facts.reroutes.iter().map(|r| &r.value) {
        out.push(StepLine::heading(format!(
            "Reroute {}  [{:?}]  {}",
            proposal.id,
            proposal.status,
            proposal.trigger.as_str()
        )));
        for reason in &proposal.needs_approval {
            out.push(StepLine::item(format!("  needs approval: {reason}")));
        }
        for (i, alternate) in proposal.alternates.iter().enumerate() {
            out.push(StepLine::item(format!(
                "  {}{i}. {}  cost {}  promised by {}",
                if proposal.chosen == Some(i) { "*" } else { " " },
                alternate.describe(),
                alternate.cost_cents.map_or("unknown".to_string(), money),
                time(alternate.promised_by)
            )));
        }
        out.extend(
            decision_steps(proposal, &time)
                .into_iter()
                .map(StepLine::item),
        );
    }
    out
}

/// One line per PO: its vendor, acknowledgement, promise and lines; then
/// one per package the vendor shipped, with its carrier and tracking.
pub fn purchase_order_lines(
    facts: &OrderFacts,
    time: impl Fn(DateTime<Utc>) -> String,
) -> Vec<String> {
    facts
        .purchase_orders
        .iter()
        .map(|p| &p.value)
        .flat_map(|po| {
            let lines: Vec<String> = po
                .lines
                .iter()
                .map(|l| match l.accepted {
                    Some(accepted) => format!("{} {}/{}", l.our_sku, accepted, l.ordered),
                    None => format!("{} x{}", l.our_sku, l.ordered),
                })
                .collect();
            let summary = format!(
                "  {:<24} {:<18} {:?}  sent {}{}  {}",
                po.po_number,
                po.vendor_id,
                po.ack,
                time(po.sent_at),
                po.promised_ship_date
                    .map(|d| format!(", ships by {}", time(d)))
                    .unwrap_or_default(),
                lines.join(", ")
            );
            let packages = po.packages.iter().map(|p| {
                format!(
                    "    shipped {}{}, tracking {}",
                    p.shipped_at
                        .map(&time)
                        .unwrap_or_else(|| "(no date)".into()),
                    p.carrier
                        .as_deref()
                        .map(|c| format!(" via {c}"))
                        .unwrap_or_default(),
                    p.tracking_number
                )
            });
            std::iter::once(summary).chain(packages).collect::<Vec<_>>()
        })
        .collect()
}

/// What became of a decided proposal, step by step: who decided, the POs
/// sent and cancelled, the goods moved to our own warehouses, the promise written to the storefront (or what it
/// waits for).
pub fn decision_steps(
    proposal: &RerouteProposal,
    time: impl Fn(DateTime<Utc>) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(by), Some(at)) = (&proposal.decided_by, proposal.decided_at) {
        out.push(format!("  decided by {by} at {}", time(at)));
    }
    let moved: Vec<String> = proposal
        .chosen
        .and_then(|i| proposal.alternates.get(i))
        .filter(|_| proposal.status == RerouteStatus::Approved)
        .into_iter()
        .flat_map(|a| a.sources.iter())
        .filter_map(|s| {
            let location = s.location_id.as_deref()?;
            let skus: Vec<String> = s
                .lines
                .iter()
                .map(|(sku, qty, _)| format!("{sku} x{qty}"))
                .collect();
            Some(format!(
                "{} moved to warehouse {} (location {location})",
                skus.join(", "),
                s.vendor_id
            ))
        })
        .collect();
    if !proposal.new_po_numbers.is_empty() || !moved.is_empty() {
        let mut done: Vec<String> = Vec::new();
        if !proposal.new_po_numbers.is_empty() {
            done.push(format!("new PO {}", proposal.new_po_numbers.join(", ")));
        }
        done.extend(moved);
        let old = if proposal.keeps_old_po() {
            "kept for what the vendor confirmed"
        } else {
            "cancelled"
        };
        out.push(format!(
            "  {}; PO {} {old}",
            done.join("; "),
            proposal.po_number
        ));
    }
    match proposal.promise_written {
        Some((promise, at)) => out.push(format!(
            "  promise {} written to the storefront at {}",
            time(promise),
            time(at)
        )),
        None if proposal.status == RerouteStatus::Approved => {
            // Our warehouse needs no confirmation: its SLA is written on the
            // next pass. A vendor's promise waits for its acknowledgement.
            let all_ours = proposal
                .chosen
                .and_then(|i| proposal.alternates.get(i))
                .is_some_and(|a| a.sources.iter().all(|s| s.location_id.is_some()));
            out.push(if all_ours {
                "  promise to the customer: the warehouse's SLA, written on the next sync pass"
                    .to_string()
            } else {
                "  promise to the customer: written once the new vendor confirms".to_string()
            })
        }
        None => {}
    }
    out
}

/// One line per hold on a vendor's ATP: soft or firm, units, SKU, vendor,
/// PO and since when.
pub fn reservation_lines(
    held: &[Reservation],
    time: impl Fn(DateTime<Utc>) -> String,
) -> Vec<String> {
    held.iter()
        .map(|r| {
            format!(
                "  {:<4} {:>4} x {:<16} at {:<18} PO {}  held since {}",
                r.state.as_str(),
                r.units,
                r.sku,
                r.vendor_id,
                r.po_number,
                time(r.held_at)
            )
        })
        .collect()
}
