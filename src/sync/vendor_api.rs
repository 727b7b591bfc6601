//! Drop-ship vendors each pass: a purchase order created once for every
//! order owing a third-party vendor's goods (stored with its idempotency
//! key before it leaves: a POST to the vendor's API, or an 850 to its EDI
//! outbox), the API vendors' POs and ATP polled into the same
//! `PurchaseOrder` state and `vendor_atp` table the X12 path feeds, each
//! PO's units held against that ATP (soft, then firm on acknowledgement),
//! reroute proposals filed for POs in trouble, and a reroute's promise
//! written back to the storefront when its holds allow.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sqlx::Acquire;

use super::connections::Connections;
use super::reconcile;
use super::reservations;
use super::vendor_edi;
use super::warehouse_stock;
use crate::actions::reroute::Request;
use crate::actions::system::{self, Outcome, SystemRun, SYSTEM_ACTOR};
use crate::actions::{self, ActionKind, PlannedRequest, Preflight, Preview, Target};
use crate::config::VendorConfig;
use crate::connectors::writes;
use crate::domain::{
    normalize_order_name, AckState, DocumentContent, PurchaseOrder, PurchaseOrderLine,
    RerouteProposal, RerouteStatus, Reservation,
};
use crate::engine::reroute::{self, AtpBook};
use crate::engine::reservation;
use crate::engine::substitution;
use crate::engine::{ItemMapping, Policy};
use crate::store::{self, AtpRow, IncomingDoc, Store, StoreError};

/// What one vendor pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VendorPass {
    pub pos_sent: usize,
    pub documents: usize,
    pub proposals: usize,
    pub promises_written: usize,
    /// One line per vendor or PO that could not be handled; the rest went on.
    pub errors: Vec<String>,
    /// Vendor data read but not used, with why (ATP in a unit the item map
    /// does not give): a data problem, not a failed pass.
    pub kept_aside: Vec<String>,
}

impl VendorPass {
    /// A vendor that cannot be reached fails each of its POs alike: said
    /// once, not once per PO.
    fn error(&mut self, message: String) {
        if !self.errors.contains(&message) {
            self.errors.push(message);
        }
    }
}

/// The idempotency key a PO is created under: stable, so a resend after a
/// crash is recognised by the vendor as the same request.
pub fn po_key(po_number: &str) -> String {
    format!("orderdeck-po-{po_number}")
}

fn vendor_of<'a>(vendors: &'a [VendorConfig], id: &str) -> Option<&'a VendorConfig> {
    vendors.iter().find(|v| v.id.eq_ignore_ascii_case(id))
}

/// A pooled connection for one step of the pass.
async fn connection(
    store: &Store,
    what: &str,
) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
    store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: what.to_string(),
            source,
        })
}

/// Files vendor documents under their orders and re-evaluates those orders.
pub(crate) async fn file(
    store: &Store,
    policy: &Policy,
    docs: Vec<(DocumentContent, String)>,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if docs.is_empty() {
        return Ok(());
    }
    let query = |source| StoreError::Query {
        context: "filing vendor documents".to_string(),
        source,
    };
    let mut conn = store.pool().acquire().await.map_err(query)?;
    let mut tx = conn.begin().await.map_err(query)?;
    let docs = docs
        .into_iter()
        .map(|(content, raw)| IncomingDoc {
            content,
            raw,
            origin: origin.to_string(),
            fetched_at: now,
        })
        .collect();
    reconcile::file_batch(&mut tx, docs, policy, now).await?;
    tx.commit().await.map_err(query)?;
    Ok(())
}

/// What every step of a pass works with.
#[derive(Clone, Copy)]
struct Pass<'a> {
    store: &'a Store,
    policy: &'a Policy,
    connections: &'a Connections,
    now: DateTime<Utc>,
}

/// One pass over every vendor that takes orders.
pub async fn pass(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    now: DateTime<Utc>,
) -> Result<VendorPass, StoreError> {
    let ctx = Pass {
        store,
        policy,
        connections,
        now,
    };
    let mut report = VendorPass::default();
    create_pos(&ctx).await?;
    send_pos(&ctx, &mut report).await?;
    let atp = poll_atp(&ctx, &mut report).await?;
    poll_pos(&ctx, &mut report).await?;
    let held = reservations::refresh(store, policy, &atp, None, now).await?;
    propose(&ctx, &atp, &held, &mut report).await?;
    run_automatic(&ctx, &mut report).await?;
    write_promises(&ctx, &mut report).await?;
    Ok(report)
}

/// Stores a PO for each order owing goods to a vendor that takes orders;
/// sending is the next step's, so a crash in between loses nothing.
async fn create_pos(ctx: &Pass<'_>) -> Result<(), StoreError> {
    let vendors = &ctx.connections.order_vendors;
    for id in ctx.store.orders_needing_pos().await? {
        let facts = ctx.store.order_facts(id).await?;
        let Some(order) = &facts.storefront else {
            continue;
        };
        let order = &order.value;
        if order.cancelled_at.is_some() {
            continue;
        }
        let order_ref = normalize_order_name(&order.name);
        let mut by_vendor: BTreeMap<String, Vec<PurchaseOrderLine>> = BTreeMap::new();
        let mut unorderable: BTreeSet<String> = BTreeSet::new();
        for line in &order.lines {
            let (Some(vendor), Some(sku)) = (line.vendor.as_deref(), line.sku.as_deref()) else {
                continue;
            };
            let Some(vendor) = vendor_of(vendors, vendor).filter(|v| v.third_party) else {
                continue;
            };
            if line.owed == 0 {
                continue;
            }
            // An unmapped or discontinued SKU, or a quantity that is not
            // a whole number of the vendor's packs, is never ordered, and
            // nor is the rest of that vendor's part: one PO per order and
            // vendor, sent once it can be whole. The order waits in blocked
            // (SKU_UNMAPPED / DISCONTINUED / UOM_MISMATCH) instead.
            let mut po_line = PurchaseOrderLine {
                our_sku: sku.to_string(),
                ordered: line.owed,
                ..PurchaseOrderLine::default()
            };
            match ctx.policy.vendor(&vendor.id).map(|v| v.item(sku)) {
                Some(ItemMapping::Mapped(item))
                    if !item.discontinued && item.packs(line.owed).is_some() =>
                {
                    po_line.vendor_sku = Some(item.vendor_sku.clone());
                    po_line.uom = Some(item.uom.clone());
                    po_line.pack_size = Some(item.pack_size);
                    po_line.vendor_option = item.option.clone();
                }
                Some(ItemMapping::AsIs) | None => {}
                Some(ItemMapping::Mapped(_) | ItemMapping::Unmapped) => {
                    unorderable.insert(vendor.id.clone());
                    continue;
                }
            }
            by_vendor
                .entry(vendor.id.clone())
                .or_default()
                .push(po_line);
        }
        by_vendor.retain(|vendor_id, _| !unorderable.contains(vendor_id));
        for (vendor_id, lines) in by_vendor {
            let po_number = format!("{order_ref}-{}", vendor_id.to_ascii_uppercase());
            let po = PurchaseOrder {
                po_number: po_number.clone(),
                vendor_id,
                sent_at: ctx.now,
                ack: AckState::Sent,
                acknowledged_at: None,
                promised_ship_date: None,
                lines,
                order_name: order.name.clone(),
                revision: 0,
                packages: Vec::new(),
                expedite: false,
            };
            ctx.store
                .queue_po(&po, &order_ref, &po_key(&po_number), ctx.now)
                .await?;
        }
    }
    Ok(())
}

/// Sends every stored PO not yet taken: a POST under its key to an API
/// vendor (a repeat gets the first answer), an 850 to an EDI vendor unless
/// the PO was already filed by an earlier 850.
async fn send_pos(ctx: &Pass<'_>, report: &mut VendorPass) -> Result<(), StoreError> {
    for pending in ctx.store.unsent_pos().await? {
        let po = pending.po;
        let Some(vendor) = vendor_of(&ctx.connections.order_vendors, &po.vendor_id) else {
            report.error(format!(
                "PO {}: vendor {} is no longer configured",
                po.po_number, po.vendor_id
            ));
            continue;
        };
        let mut sent = po.clone();
        sent.sent_at = ctx.now;
        if vendor.api_base_url.is_some() {
            let client = match ctx.connections.vendor_apis.get(&vendor.id.to_lowercase()) {
                Some(Ok(client)) => client,
                Some(Err(e)) => {
                    report.error(e.to_string());
                    continue;
                }
                None => continue,
            };
            match client.create(&po, &pending.idempotency_key).await {
                Ok(answer) => {
                    let raw = String::from_utf8_lossy(&answer.body).into_owned();
                    file(
                        ctx.store,
                        ctx.policy,
                        vec![(DocumentContent::PurchaseOrder(sent), raw)],
                        &answer.url,
                        ctx.now,
                    )
                    .await?;
                }
                Err(e) => {
                    report.error(format!("PO {}: {e}", po.po_number));
                    continue;
                }
            }
        } else if store::purchase_order(
            &mut *connection(ctx.store, "looking up a purchase order").await?,
            &po.po_number,
        )
        .await?
        .is_none()
        {
            if let Err(e) =
                vendor_edi::send_purchase_order(ctx.store, ctx.policy, vendor, sent, ctx.now).await
            {
                report.error(format!("PO {}: {e}", po.po_number));
                continue;
            }
        }
        ctx.store.mark_po_sent(&po.po_number, ctx.now).await?;
        report.pos_sent += 1;
    }
    Ok(())
}

/// Each API vendor's ATP, and our warehouses' stock, into `vendor_atp`;
/// returns every vendor's ATP (EDI vendors' from their 846s) and every
/// warehouse's stock for the reroute proposals.
async fn poll_atp(ctx: &Pass<'_>, report: &mut VendorPass) -> Result<AtpBook, StoreError> {
    let mut conn = connection(ctx.store, "storing vendor ATP").await?;
    for vendor in &ctx.connections.order_vendors {
        let Some(client) = ctx.connections.vendor_api(&vendor.id) else {
            continue;
        };
        match client.atp(&[]).await {
            Ok(items) => {
                report.documents += items.len();
                let origin = client.url("v1/atp");
                let rows = items
                    .into_iter()
                    .map(|item| AtpRow {
                        vendor_id: vendor.id.clone(),
                        quantities: serde_json::json!({"available": item.available}).to_string(),
                        vendor_sku: item.sku,
                        available: Some(item.available),
                        unit: item.unit,
                        as_of: ctx.now,
                        origin: origin.clone(),
                    })
                    .collect();
                store::upsert_atp(&mut conn, rows).await?;
            }
            Err(e) => report.error(format!("vendor {} ATP: {e}", vendor.id)),
        }
    }
    drop(conn);
    if let Ok(storefront) = &ctx.connections.storefront {
        for error in warehouse_stock::poll(ctx.store, ctx.policy, storefront, ctx.now).await? {
            report.error(error);
        }
    }
    let warehouses = ctx
        .policy
        .vendors
        .iter()
        .filter(|v| v.location_id.is_some());
    let ids: Vec<String> = ctx
        .connections
        .order_vendors
        .iter()
        .map(|v| v.id.clone())
        .chain(warehouses.map(|w| w.id.clone()))
        .collect();
    let (book, kept_aside) = reservations::atp_book(ctx.store, ctx.policy, &ids).await?;
    report.kept_aside.extend(kept_aside);
    Ok(book)
}

/// Reads each open API PO back; a changed one is filed (the engine then
/// sees its acknowledgement), a cancelled or fully shipped one settles.
async fn poll_pos(ctx: &Pass<'_>, report: &mut VendorPass) -> Result<(), StoreError> {
    for open in ctx.store.open_pos().await? {
        let Some(client) = ctx.connections.vendor_api(&open.po.vendor_id) else {
            continue;
        };
        let mut conn = connection(ctx.store, "reading a purchase order").await?;
        let Some(mut po) = store::purchase_order(&mut conn, &open.po.po_number).await? else {
            continue;
        };
        drop(conn);
        match client.refresh(&mut po).await {
            Ok((changed, body)) => {
                if changed {
                    report.documents += 1;
                    let origin = client.url(&format!("v1/purchase-orders/{}", po.po_number));
                    // A shortfall is settled by `propose`, once it has a proposal.
                    let settled = reroute::nothing_more_to_come(&po, false);
                    let number = po.po_number.clone();
                    file(
                        ctx.store,
                        ctx.policy,
                        vec![(
                            DocumentContent::PurchaseOrder(po),
                            String::from_utf8_lossy(&body).into_owned(),
                        )],
                        &origin,
                        ctx.now,
                    )
                    .await?;
                    if settled {
                        ctx.store.settle_po(&number, ctx.now).await?;
                    }
                }
            }
            Err(e) => report.error(format!("PO {}: {e}", open.po.po_number)),
        }
    }
    Ok(())
}

/// A proposal for each troubled PO that has none yet; each order sees its
/// vendors' ATP less what other orders hold. A PO from which nothing more
/// can come (whichever channel it went by) is settled here, so the passes
/// stop polling and weighing it.
async fn propose(
    ctx: &Pass<'_>,
    atp: &AtpBook,
    held: &[Reservation],
    report: &mut VendorPass,
) -> Result<(), StoreError> {
    let mut docs = Vec::new();
    let mut finished = Vec::new();
    for open in ctx.store.open_pos().await? {
        let Some(id) = ctx.store.find_order(&open.order_ref).await? else {
            continue;
        };
        let Some(detail) = ctx.store.order_detail(id).await? else {
            continue;
        };
        let Some(po) = detail
            .facts
            .purchase_orders
            .iter()
            .map(|p| &p.value)
            .find(|p| p.po_number == open.po.po_number)
        else {
            continue;
        };
        let id = format!("RR-{}", po.po_number);
        if detail.facts.reroutes.iter().any(|r| r.value.id == id) {
            if reroute::nothing_more_to_come(po, true) {
                finished.push(po.po_number.clone());
            }
            continue;
        }
        let free = reservation::available(atp, held, &open.order_ref);
        // The deadline the order was last evaluated against: what an
        // alternate vendor may be paid to expedite to.
        let ship_by = detail.row.ship_by;
        let proposal = substitution::propose(po, ctx.policy, &free, ctx.now, ship_by)
            .or_else(|| reroute::propose(po, ctx.policy, &free, ctx.now, ship_by));
        if reroute::nothing_more_to_come(po, proposal.is_some()) {
            finished.push(po.po_number.clone());
        }
        if let Some(proposal) = proposal {
            let raw = serde_json::to_string(&proposal).unwrap_or_default();
            docs.push((DocumentContent::RerouteProposal(proposal), raw));
        }
    }
    report.proposals += docs.len();
    file(ctx.store, ctx.policy, docs, "orderdeck:reroute", ctx.now).await?;
    // Only once its proposal is filed: a PO settled is never looked at
    // again, by this step or by the polls.
    for po_number in finished {
        ctx.store.settle_po(&po_number, ctx.now).await?;
    }
    Ok(())
}

/// The action name the audit log gives a promise write-back.
pub const PROMISE_ACTION: &str = "promise-writeback";

/// Reroutes the rules let run without a human: approved by orderdeck itself
/// (the best alternate), through the same requests an operator's approval
/// sends, as an audited run of its own.
async fn run_automatic(ctx: &Pass<'_>, report: &mut VendorPass) -> Result<(), StoreError> {
    for (order_id, proposal) in ctx.store.reroutes().await? {
        if proposal.status != RerouteStatus::Automatic {
            continue;
        }
        let facts = ctx.store.order_facts(order_id).await?;
        let mut preflight = Preflight::default();
        let mut preview = Preview::default();
        let request = Request {
            approve: true,
            alternate: None,
            now: ctx.now,
            storefront_api: ctx.connections.storefront.as_ref().ok().map(|c| c.url("")),
        };
        let decision = actions::reroute::decide(
            &facts,
            &ctx.connections.order_vendors,
            &request,
            &mut preflight,
            &mut preview,
        );
        let (Some(decision), None) = (decision, preflight.first_block()) else {
            let why = preflight
                .first_block()
                .map_or("nothing to run".to_string(), |b| b.reason.clone());
            report
                .errors
                .push(format!("automatic reroute {}: {why}", proposal.id));
            continue;
        };
        let key = format!("orderdeck-reroute-{}", proposal.id);
        let run = SystemRun {
            order_name: &proposal.order_name,
            action: ActionKind::RerouteApprove.as_str(),
            key: &key,
            reason_code: "VENDOR_FAILURE",
            note: format!(
                "automatic: {}; no approval rule applies",
                proposal.trigger.as_str()
            ),
            preview: &preview,
            before: serde_json::json!({"reroute": proposal.id, "status": "automatic"}),
        };
        match system::run(ctx.store, ctx.connections, &run, ctx.now).await? {
            Outcome::Done => {
                let applied = actions::reroute::apply(
                    ctx.store,
                    ctx.policy,
                    &ctx.connections.order_vendors,
                    &decision,
                    SYSTEM_ACTOR,
                    &key,
                    ctx.now,
                )
                .await;
                match applied {
                    Ok(()) => report.documents += 1,
                    Err(vendor_edi::VendorEdiError::Store(e)) => return Err(e),
                    Err(e) => report
                        .errors
                        .push(format!("automatic reroute {}: {e}", proposal.id)),
                }
            }
            Outcome::Busy | Outcome::FailedEarlier => {}
            Outcome::NotDone(why) => report
                .errors
                .push(format!("automatic reroute {}: {why}", proposal.id)),
        }
    }
    Ok(())
}

/// The promise date of an approved reroute, written to the storefront order
/// as a metafield once per proposal: once every new PO is confirmed, or,
/// for goods in no sensitive category, once soft holds cover every line
/// (see `reservation::promise`).
async fn write_promises(ctx: &Pass<'_>, report: &mut VendorPass) -> Result<(), StoreError> {
    let Ok(storefront) = &ctx.connections.storefront else {
        return Ok(());
    };
    let mut docs = Vec::new();
    for (order_id, proposal) in ctx.store.reroutes().await? {
        if !waiting_for_promise(&proposal) {
            continue;
        }
        let facts = ctx.store.order_facts(order_id).await?;
        let Some(order) = &facts.storefront else {
            continue;
        };
        let new_pos: Vec<&PurchaseOrder> = facts
            .purchase_orders
            .iter()
            .map(|p| &p.value)
            .filter(|p| proposal.new_po_numbers.contains(&p.po_number))
            .collect();
        if new_pos.len() != proposal.new_po_numbers.len() {
            continue;
        }
        let Some(alternate) = proposal.chosen.and_then(|i| proposal.alternates.get(i)) else {
            continue;
        };
        let held = ctx
            .store
            .reservations_of(&normalize_order_name(&proposal.order_name))
            .await?;
        // Our own warehouses ship by their SLA: nothing to wait for there.
        let from_warehouses = alternate
            .sources
            .iter()
            .filter(|s| s.location_id.is_some())
            .map(|s| s.promised_by)
            .max();
        let promise = match (new_pos.is_empty(), from_warehouses) {
            (true, Some(by)) => Some(by),
            _ => reservation::promise(&new_pos, &held, ctx.policy, alternate.promised_by)
                .map(|(by, _)| from_warehouses.map_or(by, |w| w.max(by))),
        };
        let Some(promise) = promise else {
            continue;
        };
        let day = promise.with_timezone(&ctx.policy.sla.timezone).date_naive();
        let (path, body) = writes::shopify_order_promise(&order.value.id, day);
        let preview = Preview {
            requests: vec![PlannedRequest::new(
                Target::Storefront,
                "POST",
                storefront.url(&path),
                body,
            )],
            local: Vec::new(),
        };
        let key = format!("orderdeck-promise-{}", proposal.id);
        let run = SystemRun {
            order_name: &proposal.order_name,
            action: PROMISE_ACTION,
            key: &key,
            reason_code: "VENDOR_FAILURE",
            note: format!(
                "reroute {} confirmed by {}",
                proposal.id,
                proposal.new_po_numbers.join(", ")
            ),
            preview: &preview,
            before: serde_json::json!({"reroute": proposal.id, "promise_written": null}),
        };
        match system::run(ctx.store, ctx.connections, &run, ctx.now).await? {
            Outcome::Done => {}
            Outcome::Busy | Outcome::FailedEarlier => continue,
            Outcome::NotDone(why) => {
                report
                    .errors
                    .push(format!("promise of {}: {why}", proposal.order_name));
                continue;
            }
        }
        let mut updated = proposal;
        updated.promise_written = Some((promise, ctx.now));
        updated.revision += 1;
        let raw = serde_json::to_string(&updated).unwrap_or_default();
        docs.push((DocumentContent::RerouteProposal(updated), raw));
        report.promises_written += 1;
    }
    file(ctx.store, ctx.policy, docs, "orderdeck:reroute", ctx.now).await
}

/// An approved reroute whose promise is not written back yet.
fn waiting_for_promise(proposal: &RerouteProposal) -> bool {
    proposal.status == RerouteStatus::Approved && proposal.promise_written.is_none()
}
