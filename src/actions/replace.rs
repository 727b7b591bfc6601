//! `replace`: a new, free order for what the customer should have had,
//! after an inventory-aware preflight. Stock is read live from the
//! storefront: ShipStation's V1 API has no inventory endpoint (its
//! `/products` carry no quantities; stock levels are V2's `/v2/inventory`),
//! so the warehouse's stock is the storefront's inventory level at the
//! location the order's fulfilment order is assigned to, the one that ships
//! it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::plan::{live_read, storefront_url, PlanInput};
use super::preflight::Preflight;
use super::preview::{PlannedRequest, Preview, Target};
use crate::connectors::http::HttpError;
use crate::connectors::shopify_client::Page;
use crate::connectors::writes::{self, ReplacementLine};
use crate::domain::{FinancialStatus, OrderFacts};
use crate::sync::connections::Connections;

/// The storefront's records as they are now: the order, its fulfilment
/// orders (the inventory item of each line and the location that ships
/// it), and the levels of those items at every location.
pub struct LiveStorefront {
    pub order: Value,
    pub fulfillment_orders: Value,
    pub levels: Value,
}

/// Reads what the preflight needs, or says why it could not.
pub async fn read_live(
    connections: &Connections,
    facts: &OrderFacts,
) -> Result<LiveStorefront, String> {
    let client = connections.storefront.as_ref().map_err(|e| e.to_string())?;
    let id = facts
        .storefront
        .as_ref()
        .map(|o| o.value.id.clone())
        .ok_or_else(|| "no storefront order".to_string())?;
    let order = answer(client.order(&id).await, "order")?;
    let fulfillment_orders = answer(client.fulfillment_orders(&id).await, "fulfillment_orders")?;
    let mut items: Vec<String> = fo_lines(&fulfillment_orders)
        .filter_map(|line| id_text(&line["inventory_item_id"]))
        .collect();
    items.sort();
    items.dedup();
    let levels = if items.is_empty() {
        Value::Array(Vec::new())
    } else {
        answer(client.inventory_levels(&items).await, "inventory_levels")?
    };
    Ok(LiveStorefront {
        order,
        fulfillment_orders,
        levels,
    })
}

/// The resource under `key` in a Shopify answer.
fn answer(fetched: Result<Page, HttpError>, key: &str) -> Result<Value, String> {
    let page = fetched.map_err(|e| e.to_string())?;
    serde_json::from_slice::<Value>(&page.body)
        .map(|mut body| body[key].take())
        .map_err(|e| format!("unreadable answer: {e}"))
}

fn fo_lines(fulfillment_orders: &Value) -> impl Iterator<Item = &Value> {
    fulfillment_orders
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|fo| fo["line_items"].as_array().into_iter().flatten())
}

/// Ids are numbers on the wire; compared as text.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// What one inventory item must cover.
struct Need<'a> {
    sku: String,
    quantity: u32,
    lines: Vec<ReplacementLine<'a>>,
}

pub(super) fn plan(input: &PlanInput<'_>, preflight: &mut Preflight, preview: &mut Preview) {
    let facts = &input.detail.facts;
    let name = &input.detail.row.name;
    if !facts.replacements.is_empty() {
        let names: Vec<&str> = facts
            .replacements
            .iter()
            .map(|r| r.replacement_name.as_str())
            .collect();
        preflight.block(
            "REPLACEMENT_EXISTS",
            format!("a replacement already exists: {}", names.join(", ")),
        );
    }
    let Some(stored) = &facts.storefront else {
        preflight.block(
            "NOT_IN_STOREFRONT",
            "the storefront has no such order to replace",
        );
        return;
    };
    let Some(live) = live_read(
        &input.live_storefront,
        preflight,
        "STOREFRONT_UNREADABLE",
        "the storefront order and its stock",
    ) else {
        return;
    };
    let order = &live.order;
    if stored.value.cancelled_at.is_some() || !order["cancelled_at"].is_null() {
        preflight.block(
            "ORDER_CANCELLED",
            "the order is cancelled: there is nothing to replace",
        );
    }
    let refunded = order["financial_status"].as_str() == Some("refunded")
        || stored.value.financial_status == FinancialStatus::Refunded;
    if refunded {
        preflight.block(
            "REFUNDED_FULL",
            "the order is fully refunded: the customer has their money back",
        );
    }
    let owed = stored.value.owed_quantity();
    if owed > 0 {
        preflight.info(
            "NOT_SHIPPED",
            format!("{owed} unit(s) have not shipped yet: a replacement sends them a second time"),
        );
    }
    let Some(needs) = needs(order, &live.fulfillment_orders, preflight) else {
        return;
    };
    let location = live
        .fulfillment_orders
        .as_array()
        .and_then(|fos| fos.first())
        .and_then(|fo| id_text(&fo["assigned_location_id"]));
    let Some(location) = location else {
        preflight.block(
            "STOCK_UNKNOWN",
            "the storefront assigns the order to no location: whose stock ships it is unknown",
        );
        return;
    };
    for (item, need) in &needs {
        stock_check(preflight, &live.levels, item, need, &location);
    }
    if preflight.blocked() {
        return;
    }
    let lines: Vec<ReplacementLine<'_>> = needs.into_values().flat_map(|n| n.lines).collect();
    let (path, body) = writes::shopify_replacement_order(
        name,
        &order["customer"]["id"],
        &order["shipping_address"],
        &lines,
        order["shipping_lines"]
            .as_array()
            .and_then(|lines| lines.first()),
    );
    preview.requests.push(PlannedRequest::new(
        Target::Storefront,
        "POST",
        storefront_url(input.config, &path),
        body,
    ));
}

/// What each inventory item must cover: every line the customer kept
/// (`current_quantity`, after refunds and removals), by the inventory item
/// its fulfilment order line names. `None` when a line cannot be replaced.
fn needs<'o>(
    order: &'o Value,
    fulfillment_orders: &Value,
    preflight: &mut Preflight,
) -> Option<BTreeMap<String, Need<'o>>> {
    let item_of_line: BTreeMap<String, String> = fo_lines(fulfillment_orders)
        .filter_map(|l| {
            Some((
                id_text(&l["line_item_id"])?,
                id_text(&l["inventory_item_id"])?,
            ))
        })
        .collect();
    let mut needs: BTreeMap<String, Need<'o>> = BTreeMap::new();
    for line in order["line_items"].as_array().into_iter().flatten() {
        let quantity = line["current_quantity"]
            .as_u64()
            .or_else(|| line["quantity"].as_u64())
            .unwrap_or(0);
        let Ok(quantity @ 1..) = u32::try_from(quantity) else {
            continue;
        };
        let sku = line["sku"]
            .as_str()
            .filter(|s| !s.is_empty())
            .or_else(|| line["title"].as_str())
            .unwrap_or("(no SKU)")
            .to_string();
        if line["variant_id"].is_null() {
            preflight.block(
                "LINE_NOT_REPLACEABLE",
                format!("{sku} is a custom line with no product variant to order again"),
            );
            return None;
        }
        let Some(item) = id_text(&line["id"]).and_then(|id| item_of_line.get(&id)) else {
            preflight.block(
                "STOCK_UNKNOWN",
                format!("{sku}: no fulfilment order names its inventory item"),
            );
            return None;
        };
        let need = needs.entry(item.clone()).or_insert_with(|| Need {
            sku: sku.clone(),
            quantity: 0,
            lines: Vec::new(),
        });
        need.quantity += quantity;
        need.lines.push(ReplacementLine {
            variant_id: &line["variant_id"],
            quantity,
        });
    }
    if needs.is_empty() {
        preflight.block(
            "NOTHING_TO_REPLACE",
            "every line was refunded or removed: nothing is left to replace",
        );
        return None;
    }
    Some(needs)
}

fn stock_check(
    preflight: &mut Preflight,
    levels: &Value,
    item: &str,
    need: &Need<'_>,
    location: &str,
) {
    let levels: Vec<(String, i64)> = levels
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| id_text(&l["inventory_item_id"]).as_deref() == Some(item))
        .filter_map(|l| Some((id_text(&l["location_id"])?, l["available"].as_i64()?)))
        .collect();
    let everywhere: i64 = levels.iter().map(|(_, n)| (*n).max(0)).sum();
    let elsewhere = format!(
        "{everywhere} across the storefront's {} location(s)",
        levels.len()
    );
    let (sku, needed) = (&need.sku, need.quantity);
    match levels.iter().find(|(at, _)| at == location) {
        Some((_, available)) if *available >= i64::from(needed) => preflight.pass(
            "STOCK",
            format!(
                "{sku}: {needed} needed, {available} available at the warehouse \
                 (location {location}); {elsewhere}"
            ),
        ),
        Some((_, available)) => preflight.block(
            "STOCK_SHORT",
            format!(
                "{sku}: {needed} needed, only {available} available at the warehouse \
                 (location {location}); {elsewhere}"
            ),
        ),
        None => preflight.block(
            "STOCK_SHORT",
            format!(
                "{sku}: {needed} needed, none stocked at the warehouse (location {location}); \
                 {elsewhere}"
            ),
        ),
    }
}
