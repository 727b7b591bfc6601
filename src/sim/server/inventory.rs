//! Shopify REST Admin API `GET inventory_levels.json`: how many units of an
//! inventory item each location has available. At least one of
//! `inventory_item_ids` and `location_ids` is required, as Shopify has it;
//! in-house SKUs are stocked at the warehouse and on the shop floor, the
//! drop-shipped ones at the vendor (not counted here) but for a few the
//! warehouse keeps as safety stock, less what reroutes moved there.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{error, form_pairs, lock, param, reply, Shared};
use crate::sim::catalog::{
    ids_of, SHOP_FLOOR_LOCATION_ID, WAREHOUSE_LOCATION_ID, WAREHOUSE_SAFETY_STOCK,
};
use crate::sim::options::Backend;
use crate::sim::wire::shopify_time;

fn id_list(pairs: &[(String, String)], key: &str) -> Result<Option<Vec<u64>>, String> {
    param(pairs, key)
        .map(|list| {
            list.split(',')
                .map(|id| {
                    id.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("{key}: {id:?} is not an id"))
                })
                .collect()
        })
        .transpose()
}

pub async fn levels(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let limit = match super::shopify::admit(&shared, &headers) {
        Ok(value) => value,
        Err(refusal) => return refusal.response(),
    };
    let pairs = form_pairs(query.as_deref().unwrap_or(""));
    let lists = id_list(&pairs, "inventory_item_ids")
        .and_then(|items| Ok((items, id_list(&pairs, "location_ids")?)));
    let mut response = match lists {
        Err(message) => error(Backend::Shopify, StatusCode::BAD_REQUEST, &message),
        Ok((None, None)) => error(
            Backend::Shopify,
            StatusCode::UNPROCESSABLE_ENTITY,
            "inventory_item_ids or location_ids must be present",
        ),
        Ok((items, locations)) => {
            let levels = stocked(&shared)
                .into_iter()
                .filter(|level| {
                    items.as_ref().is_none_or(|ids| ids.contains(&level.item))
                        && locations
                            .as_ref()
                            .is_none_or(|ids| ids.contains(&level.location))
                })
                .map(|level| level.wire())
                .collect::<Vec<Value>>();
            reply(StatusCode::OK, &json!({ "inventory_levels": levels }))
        }
    };
    response.headers_mut().insert(
        HeaderName::from_static("x-shopify-shop-api-call-limit"),
        limit,
    );
    response
}

struct Level {
    item: u64,
    location: u64,
    available: u32,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl Level {
    fn wire(&self) -> Value {
        json!({
            "inventory_item_id": self.item,
            "location_id": self.location,
            "available": self.available,
            "updated_at": shopify_time(self.updated_at),
            "admin_graphql_api_id": format!(
                "gid://shopify/InventoryLevel/{}?inventory_item_id={}",
                self.location, self.item
            ),
        })
    }
}

/// Every level the shop has now, writes included.
fn stocked(shared: &Shared) -> Vec<Level> {
    let writes = lock(&shared.writes);
    let start = shared.world.start();
    shared
        .world
        .stock()
        .iter()
        .filter_map(|stock| {
            let item = ids_of(stock.sku)?.inventory_item_id;
            let taken = writes.taken(item);
            Some([
                Level {
                    item,
                    location: WAREHOUSE_LOCATION_ID,
                    available: super::writes::warehouse_available(shared, &writes, stock.sku, item),
                    updated_at: taken.map_or(start, |(_, at)| at),
                },
                Level {
                    item,
                    location: SHOP_FLOOR_LOCATION_ID,
                    available: stock.shop_floor,
                    updated_at: start,
                },
            ])
        })
        .flatten()
        .chain(WAREHOUSE_SAFETY_STOCK.iter().filter_map(|(sku, units)| {
            let item = ids_of(sku)?.inventory_item_id;
            let moved = writes.moved_to_location(item, WAREHOUSE_LOCATION_ID);
            Some(Level {
                item,
                location: WAREHOUSE_LOCATION_ID,
                available: units.saturating_sub(moved),
                updated_at: start,
            })
        }))
        .collect()
}
