//! Our own warehouses' stock of the goods open drop-ship POs wait for, so
//! that a reroute can offer a warehouse as an alternate: the storefront's
//! inventory level at each `[[warehouses]]` location (the same figure the
//! `replace` preflight checks), stored beside the vendors' ATP in
//! `vendor_atp`, under the warehouse's id and our SKU.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::connectors::shopify_client::ShopifyClient;
use crate::engine::Policy;
use crate::store::{self, AtpRow, Store, StoreError};

/// Shopify takes at most 50 inventory item ids in one request.
const ITEMS_PER_REQUEST: usize = 50;

/// Reads and stores the stock; returns what could not be read, in words.
pub async fn poll(
    store: &Store,
    policy: &Policy,
    storefront: &ShopifyClient,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let warehouses: BTreeMap<&str, &str> = policy
        .vendors
        .iter()
        .filter_map(|v| Some((v.location_id.as_deref()?, v.id.as_str())))
        .collect();
    if warehouses.is_empty() {
        return Ok(Vec::new());
    }
    let items = awaited_items(store).await?;
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let locations: Vec<String> = warehouses.keys().map(|l| l.to_string()).collect();
    let ids: Vec<String> = items.keys().cloned().collect();
    let origin = storefront.url("inventory_levels.json");
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for chunk in ids.chunks(ITEMS_PER_REQUEST) {
        let levels = match storefront.inventory_levels_at(chunk, &locations).await {
            Ok(levels) => levels,
            Err(e) => {
                errors.push(format!("warehouse stock: {e}"));
                continue;
            }
        };
        // An item with no level at a location is not stocked there: 0, so
        // that an earlier figure does not linger.
        let mut stock: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for item in chunk {
            for warehouse in warehouses.values() {
                stock.insert((warehouse, item.as_str()), 0);
            }
        }
        for level in &levels {
            let (Some(item), Some(location)) = (
                id_text(&level["inventory_item_id"]),
                id_text(&level["location_id"]),
            ) else {
                continue;
            };
            let (Some(warehouse), Some(available)) = (
                warehouses.get(location.as_str()),
                level["available"].as_i64(),
            ) else {
                continue;
            };
            if let Some(key) = items.get_key_value(&item).map(|(k, _)| k.as_str()) {
                stock.insert((warehouse, key), available.max(0));
            }
        }
        for ((warehouse, item), available) in stock {
            rows.push(AtpRow {
                vendor_id: warehouse.to_string(),
                vendor_sku: items[item].clone(),
                available: Some(available),
                unit: None,
                quantities: serde_json::json!({ "available": available }).to_string(),
                as_of: now,
                origin: origin.clone(),
            });
        }
    }
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: "storing warehouse stock".to_string(),
            source,
        })?;
    store::upsert_atp(&mut conn, rows).await?;
    Ok(errors)
}

/// The inventory items of what open drop-ship POs ordered, by item id, with
/// our SKU: from each order's fulfilment order lines.
async fn awaited_items(store: &Store) -> Result<BTreeMap<String, String>, StoreError> {
    let mut items = BTreeMap::new();
    let mut orders = BTreeSet::new();
    let mut skus: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for open in store.open_pos().await? {
        orders.insert(open.order_ref.clone());
        skus.entry(open.order_ref)
            .or_default()
            .extend(open.po.lines.iter().map(|l| l.our_sku.clone()));
    }
    for order_ref in orders {
        let Some(id) = store.find_order(&order_ref).await? else {
            continue;
        };
        let facts = store.order_facts(id).await?;
        let Some(storefront) = &facts.storefront else {
            continue;
        };
        let wanted = &skus[&order_ref];
        let fo_lines = facts
            .fulfillment_orders
            .iter()
            .flat_map(|f| f.value.iter())
            .flat_map(|fo| fo.lines.iter());
        for fo_line in fo_lines {
            let Some(item) = &fo_line.inventory_item_id else {
                continue;
            };
            let sku = storefront
                .value
                .lines
                .iter()
                .find(|l| l.id == fo_line.line_id)
                .and_then(|l| l.sku.as_deref());
            if let Some(sku) = sku.filter(|s| wanted.contains(*s)) {
                items.insert(item.clone(), sku.to_string());
            }
        }
    }
    Ok(items)
}

/// Ids are numbers on the wire; compared as text.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}
