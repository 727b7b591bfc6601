//! `reroute-approve` and `reroute-reject`: an operator's decision on a
//! reroute proposal. Approval sends a PO to each source of the chosen
//! alternate and cancels the troubled PO at its vendor, unless the vendor
//! confirmed part of it, which it keeps delivering (exact requests in
//! the preview, all under the run's idempotency key), then files the new
//! POs as sent, the old one as cancelled and the proposal as approved; the
//! customer's new promise is written back to the storefront once the new
//! vendors confirm (the vendor pass of each sync).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::plan::{storefront_url, PlanInput};
use super::preflight::Preflight;
use super::preview::{PlannedRequest, Preview, Target};
use super::ActionKind;
use crate::config::VendorConfig;
use crate::connectors::http::join;
use crate::connectors::vendor_api;
use crate::connectors::writes;
use crate::domain::{
    normalize_order_name, AckState, AlternateSource, DocumentContent, OrderFacts, PurchaseOrder,
    PurchaseOrderLine, RerouteProposal, RerouteStatus, RerouteTrigger, SubstitutionStatus,
};
use crate::engine::reroute::money;
use crate::engine::Policy;
use crate::store::{self, Store, StoreError};
use crate::sync::reservations;
use crate::sync::vendor_api::file;
use crate::sync::vendor_edi::{send_po_cancel, send_purchase_order, VendorEdiError};

/// What an approved or rejected reroute changes in orderdeck's own records
/// once its requests went through.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub proposal: RerouteProposal,
    /// The troubled PO, as it stands.
    pub old_po: PurchaseOrder,
    /// The POs approval sends (none for a rejection).
    pub new_pos: Vec<PurchaseOrder>,
    pub approve: bool,
}

fn vendor<'a>(vendors: &'a [VendorConfig], id: &str) -> Option<&'a VendorConfig> {
    vendors.iter().find(|v| v.id.eq_ignore_ascii_case(id))
}

/// Where an EDI vendor picks up what orderdeck writes, or why nothing can
/// be written for it.
fn edi_outbox(vendor: &VendorConfig) -> Result<&Path, String> {
    let outbox = vendor
        .edi_outbox
        .as_deref()
        .ok_or_else(|| "it has neither an API nor an EDI outbox".to_string())?;
    if vendor.edi_id.is_none() {
        return Err("its EDI outbox has no edi_id (the interchange's receiver)".to_string());
    }
    vendor.separators()?;
    Ok(outbox)
}

/// The number of the PO approval sends to `vendor_id` for `proposal`:
/// stable, so a plan made again names the same PO.
fn new_po_number(proposal: &RerouteProposal, vendor_id: &str) -> String {
    format!(
        "{}-R-{}",
        proposal.po_number,
        vendor_id.to_ascii_uppercase()
    )
}

/// A line as `vendor` sells it: under its SKU, unit and pack from its item
/// map (the proposal offered only whole packs of mapped SKUs).
fn po_line(vendor: &VendorConfig, sku: &str, quantity: u32) -> PurchaseOrderLine {
    let mut line = PurchaseOrderLine {
        our_sku: sku.to_string(),
        ordered: quantity,
        ..PurchaseOrderLine::default()
    };
    if let Some(item) = vendor
        .items
        .iter()
        .find(|i| i.sku.trim().eq_ignore_ascii_case(sku))
    {
        line.vendor_sku = Some(item.vendor_sku.trim().to_string());
        line.uom = Some(item.uom.trim().to_ascii_uppercase());
        line.pack_size = Some(item.pack_size);
        line.vendor_option = item.option.as_ref().map(|o| o.trim().to_string());
    }
    line
}

pub(super) fn plan(
    input: &PlanInput<'_>,
    preflight: &mut Preflight,
    preview: &mut Preview,
) -> Option<Decision> {
    let request = Request {
        approve: input.action == ActionKind::RerouteApprove,
        alternate: input.alternate,
        now: input.now,
        storefront_api: Some(storefront_url(input.config, "")),
    };
    decide(
        &input.detail.facts,
        &input.config.vendors,
        &request,
        preflight,
        preview,
    )
}

/// A decision asked for: approve (which alternate) or reject, and when.
pub struct Request {
    pub approve: bool,
    pub alternate: Option<usize>,
    pub now: DateTime<Utc>,
    /// The storefront's admin API (its `admin/api/{version}/` URL), where a
    /// reroute to one of our warehouses moves the fulfilment order; `None`
    /// when no storefront can be reached.
    pub storefront_api: Option<String>,
}

/// The decision on the order's open proposal: the preflight, the exact
/// requests, and what is filed once they went through.
/// The proposal a decision is about: the first not yet decided.
pub fn open_proposal(facts: &OrderFacts) -> Option<&RerouteProposal> {
    facts.reroutes.iter().map(|r| &r.value).find(|r| {
        matches!(
            r.status,
            RerouteStatus::Proposed | RerouteStatus::Automatic | RerouteStatus::Observed
        )
    })
}

pub fn decide(
    facts: &OrderFacts,
    vendors: &[VendorConfig],
    request: &Request,
    preflight: &mut Preflight,
    preview: &mut Preview,
) -> Option<Decision> {
    let Some(proposal) = open_proposal(facts) else {
        preflight.block(
            "NO_REROUTE",
            "the order has no reroute proposal waiting for a decision",
        );
        return None;
    };
    let old_po = facts
        .purchase_orders
        .iter()
        .map(|p| &p.value)
        .find(|p| p.po_number == proposal.po_number)?;
    preflight.pass(
        "REROUTE_PROPOSED",
        format!(
            "PO {} at {}: {}",
            proposal.po_number,
            proposal.vendor_id,
            proposal.trigger.as_str()
        ),
    );
    let approve = request.approve;
    if !approve {
        preview.local.push(format!(
            "mark reroute {} rejected; PO {} stays with {}",
            proposal.id, proposal.po_number, proposal.vendor_id
        ));
        if proposal.trigger == RerouteTrigger::Substitution {
            preview.local.push(format!(
                "record the substitute on PO {} as refused",
                proposal.po_number
            ));
            preflight.info(
                "TELL_VENDOR",
                format!(
                    "tell vendor {} to ship what PO {} ordered, not its substitute",
                    proposal.vendor_id, proposal.po_number
                ),
            );
        }
        return Some(Decision {
            proposal: proposal.clone(),
            old_po: old_po.clone(),
            new_pos: Vec::new(),
            approve,
        });
    }
    if proposal.status == RerouteStatus::Observed {
        preflight.block(
            "OBSERVE_ONLY",
            format!(
                "vendor {} is observe-only: its reroutes are recorded, never executed",
                proposal.vendor_id
            ),
        );
        return None;
    }
    if matches!(old_po.ack, AckState::Cancelled) {
        preflight.block(
            "PO_CANCELLED",
            format!("PO {} is already cancelled", old_po.po_number),
        );
        return None;
    }
    if old_po.lines.iter().any(|l| l.shipped > 0) {
        preflight.block(
            "PO_SHIPPING",
            format!(
                "vendor {} has shipped part of PO {}: reroute by hand",
                old_po.vendor_id, old_po.po_number
            ),
        );
        return None;
    }
    let chosen = request.alternate.unwrap_or(0);
    let Some(alternate) = proposal.alternates.get(chosen) else {
        preflight.block(
            "NO_SUCH_ALTERNATE",
            format!(
                "--alternate {chosen}: the proposal has {} (0 to {})",
                proposal.alternates.len(),
                proposal.alternates.len().saturating_sub(1)
            ),
        );
        return None;
    };
    for (i, alt) in proposal.alternates.iter().enumerate() {
        let line = format!(
            "alternate {i}{}: {}; cost {}; promised by {}",
            if i == chosen { " (chosen)" } else { "" },
            alt.describe(),
            alt.cost_cents.map_or("unknown".to_string(), money),
            alt.promised_by.format("%Y-%m-%d %H:%M UTC")
        );
        preflight.info("ALTERNATE", line);
    }
    for reason in &proposal.needs_approval {
        preflight.info("NEEDS_APPROVAL", reason.clone());
    }
    if alternate.substitution {
        preview.local.push(format!(
            "record the substitute on PO {} as accepted; the PO stays with {}; reroute {} as approved",
            proposal.po_number, proposal.vendor_id, proposal.id
        ));
        return Some(Decision {
            proposal: RerouteProposal {
                chosen: Some(chosen),
                ..proposal.clone()
            },
            old_po: old_po.clone(),
            new_pos: Vec::new(),
            approve,
        });
    }
    let mut new_pos = Vec::new();
    let mut moved = Vec::new();
    for source in &alternate.sources {
        if let Some(location) = &source.location_id {
            let Some(api) = &request.storefront_api else {
                preflight.block(
                    "STOREFRONT_UNREACHABLE",
                    format!(
                        "warehouse {}: no storefront to move the fulfilment order in",
                        source.vendor_id
                    ),
                );
                return None;
            };
            match fulfilment_moves(facts, source, location) {
                Ok(moves) => {
                    for (path, body) in moves {
                        preview.requests.push(PlannedRequest::new(
                            Target::Storefront,
                            "POST",
                            join(api, &path),
                            body,
                        ));
                    }
                }
                Err(why) => {
                    preflight.block("NO_FULFILMENT_ORDER", why);
                    return None;
                }
            }
            moved.push(format!("warehouse {}", source.vendor_id));
            continue;
        }
        let Some(config) = vendor(vendors, &source.vendor_id) else {
            preflight.block(
                "VENDOR_UNKNOWN",
                format!("vendor {} is not configured any more", source.vendor_id),
            );
            return None;
        };
        let po = PurchaseOrder {
            po_number: new_po_number(proposal, &source.vendor_id),
            vendor_id: config.id.clone(),
            sent_at: request.now,
            ack: AckState::Sent,
            acknowledged_at: None,
            promised_ship_date: None,
            lines: source
                .lines
                .iter()
                .map(|(sku, qty, _)| po_line(config, sku, *qty))
                .collect(),
            order_name: proposal.order_name.clone(),
            revision: 0,
            packages: Vec::new(),
            expedite: source.expedite_fee_cents.is_some(),
        };
        match (&config.api_base_url, edi_outbox(config)) {
            (Some(base), _) => preview.requests.push(PlannedRequest::vendor(
                &config.id,
                "POST",
                join(base, vendor_api::create_path()),
                vendor_api::create_body(&po),
            )),
            (None, Ok(outbox)) => preview.local.push(format!(
                "write an 850 for PO {} ({} line(s)) into vendor {}'s EDI outbox {}",
                po.po_number,
                po.lines.len(),
                config.id,
                outbox.display()
            )),
            (None, Err(why)) => {
                preflight.block("VENDOR_NO_API", format!("vendor {}: {why}", config.id));
                return None;
            }
        }
        new_pos.push(po);
    }
    let old_vendor = vendor(vendors, &old_po.vendor_id);
    let keeps_old = proposal.keeps_old_po();
    if keeps_old {
        preview.local.push(format!(
            "PO {} stays with vendor {} for what it confirmed; nothing is cancelled",
            old_po.po_number, old_po.vendor_id
        ));
    }
    match old_vendor
        .filter(|_| !keeps_old)
        .map(|v| (v.api_base_url.as_deref(), edi_outbox(v)))
    {
        Some((Some(base), _)) => preview.requests.push(PlannedRequest::vendor(
            &old_po.vendor_id,
            "POST",
            join(base, &vendor_api::cancel_path(&old_po.po_number)),
            json!({"reason": format!("rerouted: {}", proposal.trigger.as_str())}),
        )),
        Some((None, Ok(outbox))) => preview.local.push(format!(
            "write an 860 cancelling PO {} into vendor {}'s EDI outbox {}",
            old_po.po_number,
            old_po.vendor_id,
            outbox.display()
        )),
        Some((None, Err(why))) => preflight.info(
            "CANCEL_BY_HAND",
            format!(
                "vendor {}: {why}; cancel PO {} with it directly",
                old_po.vendor_id, old_po.po_number
            ),
        ),
        None if keeps_old => {}
        None => preflight.info(
            "CANCEL_BY_HAND",
            format!(
                "vendor {} is not configured any more: cancel PO {} with it directly",
                old_po.vendor_id, old_po.po_number
            ),
        ),
    }
    let mut filed: Vec<String> = new_pos
        .iter()
        .map(|p| format!("PO {} as sent", p.po_number))
        .collect();
    filed.extend(moved.iter().map(|w| format!("the goods as moved to {w}")));
    if !keeps_old {
        filed.push(format!("PO {} as cancelled", old_po.po_number));
    }
    filed.push(format!("reroute {} as approved", proposal.id));
    preview.local.push(format!("file {}", filed.join("; ")));
    preview.local.push(
        "hold the new POs' units against their vendors' ATP, release the old PO's, and write \
         the promise date to the storefront once the new vendor confirms (sooner, from the \
         holds, for goods in no sensitive category)"
            .to_string(),
    );
    Some(Decision {
        proposal: RerouteProposal {
            chosen: Some(chosen),
            ..proposal.clone()
        },
        old_po: old_po.clone(),
        new_pos,
        approve,
    })
}

/// The storefront requests that hand `source`'s lines to our warehouse at
/// `location`: one move per fulfilment order holding them. Refused when no
/// open fulfilment order ships a line, or one is in a fulfilment service's
/// hands (Shopify will not move it then).
fn fulfilment_moves(
    facts: &OrderFacts,
    source: &AlternateSource,
    location: &str,
) -> Result<Vec<(String, serde_json::Value)>, String> {
    let order_lines = facts
        .storefront
        .as_ref()
        .map(|o| o.value.lines.as_slice())
        .unwrap_or_default();
    let fulfilment_orders = facts
        .fulfillment_orders
        .as_ref()
        .map(|f| f.value.as_slice())
        .unwrap_or_default();
    let mut moves: Vec<(&str, Vec<(String, u32)>)> = Vec::new();
    for (sku, quantity, _) in &source.lines {
        let found = fulfilment_orders.iter().find_map(|fo| {
            let line = fo.lines.iter().find(|l| {
                order_lines
                    .iter()
                    .any(|o| o.id == l.line_id && o.sku.as_deref() == Some(sku.as_str()))
            })?;
            Some((fo, line))
        });
        let Some((fo, line)) = found else {
            return Err(format!(
                "{sku}: no fulfilment order of the storefront's ships it (resync the order first)"
            ));
        };
        if fo.status != "open" {
            return Err(format!(
                "{sku}: its fulfilment order {} is {}, not open: only an open one can move",
                fo.id, fo.status
            ));
        }
        if let Some(request) = fo.request_status.as_deref().filter(|r| {
            matches!(
                *r,
                "submitted" | "accepted" | "cancellation_requested" | "cancellation_rejected"
            )
        }) {
            return Err(format!(
                "{sku}: its fulfilment order {} is with a fulfilment service (request {request}): \
                 have the service cancel it first",
                fo.id
            ));
        }
        let Some(line_id) = &line.id else {
            return Err(format!(
                "{sku}: the stored fulfilment order {} names no line ids (resync the order first)",
                fo.id
            ));
        };
        let take = (line_id.clone(), (*quantity).min(line.quantity));
        match moves.iter_mut().find(|(id, _)| *id == fo.id) {
            Some((_, lines)) => lines.push(take),
            None => moves.push((fo.id.as_str(), vec![take])),
        }
    }
    Ok(moves
        .into_iter()
        .map(|(fo, lines)| writes::shopify_fulfillment_order_move(fo, location, &lines))
        .collect())
}

/// Files what the decision changed, after its requests went through: the
/// new POs (and their sends, under the run's key, so the vendor pass polls
/// them; an EDI vendor's 850 written into its outbox), the old PO cancelled
/// (an EDI vendor told so by an 860), the proposal decided. Safe to repeat:
/// a PO already filed gets no second 850, a PO already cancelled no second
/// 860.
pub async fn apply(
    store: &Store,
    policy: &Policy,
    vendors: &[VendorConfig],
    decision: &Decision,
    actor: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), VendorEdiError> {
    let mut docs = Vec::new();
    let mut proposal = decision.proposal.clone();
    proposal.decided_by = Some(actor.to_string());
    proposal.decided_at = Some(now);
    proposal.revision += 1;
    let keeps_substitute = proposal
        .chosen
        .and_then(|i| proposal.alternates.get(i))
        .is_some_and(|a| a.substitution);
    if proposal.trigger == RerouteTrigger::Substitution && (keeps_substitute || !decision.approve) {
        let decided = if decision.approve {
            SubstitutionStatus::Accepted
        } else {
            SubstitutionStatus::Rejected
        };
        let mut po = decision.old_po.clone();
        for substitute in po.lines.iter_mut().filter_map(|l| l.substitute.as_mut()) {
            if substitute.status == SubstitutionStatus::Pending {
                substitute.status = decided;
            }
        }
        po.revision += 1;
        let raw = serde_json::to_string(&po).unwrap_or_default();
        docs.push((DocumentContent::PurchaseOrder(po), raw));
    }
    if decision.approve && keeps_substitute {
        proposal.status = RerouteStatus::Approved;
    } else if decision.approve {
        let order_ref = normalize_order_name(&proposal.order_name);
        for po in &decision.new_pos {
            let mut po = po.clone();
            po.sent_at = now;
            store.queue_po(&po, &order_ref, key, now).await?;
            match vendor(vendors, &po.vendor_id).filter(|v| v.api_base_url.is_none()) {
                Some(edi_vendor) => {
                    if already_filed(store, &po.po_number).await?.is_none() {
                        send_purchase_order(store, policy, edi_vendor, po.clone(), now).await?;
                    }
                }
                None => {
                    let raw = serde_json::to_string(&po).unwrap_or_default();
                    docs.push((DocumentContent::PurchaseOrder(po.clone()), raw));
                }
            }
            store.mark_po_sent(&po.po_number, now).await?;
        }
        if !proposal.keeps_old_po() {
            let old_vendor = vendor(vendors, &decision.old_po.vendor_id);
            if let Some(edi_vendor) = old_vendor.filter(|v| v.api_base_url.is_none()) {
                let filed = already_filed(store, &decision.old_po.po_number).await?;
                let cancelled = filed.is_some_and(|po| po.ack == AckState::Cancelled);
                if !cancelled && edi_outbox(edi_vendor).is_ok() {
                    send_po_cancel(store, edi_vendor, &decision.old_po, now).await?;
                }
            }
            let mut old = decision.old_po.clone();
            old.ack = AckState::Cancelled;
            old.revision += 1;
            store.settle_po(&old.po_number, now).await?;
            let raw = serde_json::to_string(&old).unwrap_or_default();
            docs.push((DocumentContent::PurchaseOrder(old), raw));
        }
        proposal.status = RerouteStatus::Approved;
        proposal.new_po_numbers = decision
            .new_pos
            .iter()
            .map(|p| p.po_number.clone())
            .collect();
    } else {
        proposal.status = RerouteStatus::Rejected;
    }
    let order_ref = normalize_order_name(&proposal.order_name);
    let raw = serde_json::to_string(&proposal).unwrap_or_default();
    docs.push((DocumentContent::RerouteProposal(proposal), raw));
    file(store, policy, docs, &format!("orderdeck:{key}"), now).await?;
    // The old PO's units go back to its vendor and the new POs hold theirs
    // now, not a pass later: the promise may rest on those holds.
    let vendors: Vec<String> = policy.vendors.iter().map(|v| v.id.clone()).collect();
    let (atp, _) = reservations::atp_book(store, policy, &vendors).await?;
    reservations::refresh(store, policy, &atp, Some(&order_ref), now).await?;
    Ok(())
}

/// The PO as orderdeck last filed it, if it did.
async fn already_filed(
    store: &Store,
    po_number: &str,
) -> Result<Option<PurchaseOrder>, StoreError> {
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: "looking up a purchase order".to_string(),
            source,
        })?;
    store::purchase_order(&mut conn, po_number).await
}
