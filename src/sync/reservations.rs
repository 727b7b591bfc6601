//! Keeps every PO's reservation against its vendor's ATP in step with what
//! the order's facts now say (the engine decides; this reads and stores),
//! first created first, so the earlier order keeps the last units.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::{normalize_order_name, OrderFacts, PurchaseOrder, Reservation};
use crate::engine::reroute::AtpBook;
use crate::engine::reservation;
use crate::engine::Policy;
use crate::store::{self, AtpRow, Store, StoreError};

/// Every vendor's ATP as last stored, by vendor (lower-case) and the
/// vendor's SKU, in our units; with the rows not counted and why.
pub async fn atp_book(
    store: &Store,
    policy: &Policy,
    vendor_ids: &[String],
) -> Result<(AtpBook, Vec<String>), StoreError> {
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: "reading vendor ATP".to_string(),
            source,
        })?;
    let mut book = AtpBook::new();
    let mut not_counted = Vec::new();
    for id in vendor_ids {
        let vendor = policy.vendor(id);
        let stock = book.entry(id.to_lowercase()).or_default();
        for row in store::vendor_atp(&mut conn, id).await? {
            let Some(available) = row.available else {
                continue;
            };
            match atp_in_our_units(vendor, &row, available) {
                Ok(units) => {
                    stock.insert(row.vendor_sku, units);
                }
                Err(why) => not_counted.push(format!("vendor {id} ATP: {why}")),
            }
        }
    }
    Ok((book, not_counted))
}

/// A vendor's ATP row in our units: its packs times the pack size the item
/// map gives. A row in a unit the map does not give is not counted (never
/// guessed), so no reroute leans on it.
fn atp_in_our_units(
    policy: Option<&crate::engine::VendorPolicy>,
    row: &AtpRow,
    available: i64,
) -> Result<i64, String> {
    let Some(item) = policy.and_then(|v| v.item_sold_as(&row.vendor_sku)) else {
        return Ok(available);
    };
    match row.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(unit) if !unit.eq_ignore_ascii_case(&item.uom) => Err(format!(
            "UOM_MISMATCH: {} ({}) is reported as {available} {unit}, but the item map sells it in {} of {}; not counted",
            row.vendor_sku, item.sku, item.uom, item.pack_size
        )),
        _ => Ok(available.saturating_mul(i64::from(item.pack_size))),
    }
}

/// Brings the reservations of every live PO, and of every PO still holding
/// any, up to date (only `order`'s when given); returns all that are held.
pub async fn refresh(
    store: &Store,
    policy: &Policy,
    atp: &AtpBook,
    order: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<Reservation>, StoreError> {
    let mut held = store.reservations().await?;
    let mut pos: Vec<(String, PurchaseOrder)> = store
        .live_pos()
        .await?
        .into_iter()
        .map(|s| (s.order_ref, s.po))
        .collect();
    // Settled POs (cancelled, shipped, rerouted away) that still hold units
    // are visited once more, to release them.
    let mut holding: Vec<(&str, &str)> = held
        .iter()
        .filter(|r| !pos.iter().any(|(_, p)| p.po_number == r.po_number))
        .map(|r| (r.order_ref.as_str(), r.po_number.as_str()))
        .collect();
    holding.dedup();
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: "reading purchase orders".to_string(),
            source,
        })?;
    let mut settled = Vec::new();
    for (order_ref, number) in holding {
        if let Some(po) = store::purchase_order(&mut conn, number).await? {
            settled.push((order_ref.to_string(), po));
        }
    }
    drop(conn);
    pos.extend(settled);
    let mut facts: HashMap<String, OrderFacts> = HashMap::new();
    for (order_ref, queued) in pos {
        if order.is_some_and(|o| normalize_order_name(o) != order_ref) {
            continue;
        }
        if !facts.contains_key(&order_ref) {
            let found = match store.find_order(&order_ref).await? {
                Some(id) => Some(store.order_facts(id).await?),
                None => None,
            };
            facts.insert(order_ref.clone(), found.unwrap_or_default());
        }
        let order_facts = &facts[&order_ref];
        // The PO as the vendor's answers left it; as queued until filed.
        let po = order_facts
            .purchase_orders
            .iter()
            .map(|p| &p.value)
            .find(|p| p.po_number == queued.po_number)
            .unwrap_or(&queued);
        let before: Vec<Reservation> = held
            .iter()
            .filter(|r| r.po_number == po.po_number)
            .cloned()
            .collect();
        let free = reservation::available(atp, &held, &order_ref);
        let now_held = reservation::hold(po, order_facts, &before, &free, policy, &order_ref, now);
        if now_held != before {
            store.replace_reservations(&po.po_number, &now_held).await?;
            held.retain(|r| r.po_number != po.po_number);
            held.extend(now_held);
        }
    }
    Ok(held)
}
