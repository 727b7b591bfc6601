//! One incremental pass over every backend: storefront orders changed since
//! the last pass (and the fulfilment orders of those still owing goods),
//! warehouse orders and shipments, each page filed and reconciled in its own
//! transaction. A backend that fails is reported; the others go on.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::Acquire;

use super::connections::Connections;
use super::import::{apply_items, Applied};
use crate::connectors::http::HttpError;
use crate::connectors::shipstation_client::Listing;
use crate::connectors::{self, DocumentContent, Item, Source};
use crate::engine::Policy;
use crate::store::{Store, StoreError};

/// Re-read a little before the last position: clocks differ, and a
/// document read twice is harmless (snapshots are versioned).
const OVERLAP: TimeDelta = TimeDelta::minutes(2);

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ListingReport {
    pub listing: &'static str,
    pub pages: usize,
    pub documents: usize,
    pub rejected: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct SyncReport {
    pub listings: Vec<ListingReport>,
    pub evaluated: usize,
}

impl SyncReport {
    pub fn clean(&self) -> bool {
        self.listings
            .iter()
            .all(|l| l.error.is_none() && l.rejected.is_empty())
    }
}

#[derive(Debug, thiserror::Error)]
pub(super) enum PassError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{0}")]
    Body(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Files one fetched body: parsed whole (pages are small), applied in one
/// transaction. Returns what it held, for cursors.
pub(super) async fn apply_body(
    store: &Store,
    policy: &Policy,
    source: Source,
    body: &[u8],
    origin: &str,
    now: DateTime<Utc>,
) -> Result<(Applied, Vec<DocumentContent>), PassError> {
    let mut items = Vec::new();
    connectors::read_body(source, body, &mut |item| items.push(item))
        .map_err(|e| PassError::Body(format!("{origin}: {e}")))?;
    let contents: Vec<DocumentContent> = items
        .iter()
        .filter_map(|item| match item {
            Item::Document(doc) => Some(doc.content.clone()),
            Item::Rejected(_) => None,
        })
        .collect();
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: format!("filing {origin}"),
            source,
        })?;
    let mut tx = conn.begin().await.map_err(|source| StoreError::Query {
        context: format!("filing {origin}"),
        source,
    })?;
    let applied = apply_items(&mut tx, policy, source, items, origin, now).await?;
    tx.commit().await.map_err(|source| StoreError::Query {
        context: format!("filing {origin}"),
        source,
    })?;
    Ok((applied, contents))
}

fn cursor_time(position: Option<String>) -> Option<DateTime<Utc>> {
    position
        .and_then(|p| DateTime::parse_from_rfc3339(&p).ok())
        .map(|t| t.with_timezone(&Utc) - OVERLAP)
}

/// One pass over every backend.
pub async fn sync_once(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    now: DateTime<Utc>,
) -> Result<SyncReport, StoreError> {
    let mut report = SyncReport::default();
    let (storefront, owing) = storefront_orders(store, policy, connections, now).await;
    report.listings.push(storefront);
    report
        .listings
        .push(fulfillment_orders(store, policy, connections, &owing, now).await);
    for listing in [Listing::Orders, Listing::Shipments] {
        report
            .listings
            .push(warehouse(store, policy, connections, listing, now).await);
    }
    for listing in &report.listings {
        if let Some(error) = &listing.error {
            tracing::warn!(listing = listing.listing, %error, "sync pass incomplete");
        }
    }
    report.evaluated = super::reconcile::reevaluate_due(store, policy, now).await?;
    Ok(report)
}

impl ListingReport {
    pub(super) fn absorb(&mut self, applied: Applied) {
        self.pages += 1;
        self.documents += applied.documents;
        self.rejected.extend(applied.rejected);
    }
}

/// Storefront orders changed since the cursor; returns the ids of orders
/// still owing goods, whose fulfilment orders (holds) are fetched next.
async fn storefront_orders(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    now: DateTime<Utc>,
) -> (ListingReport, BTreeSet<String>) {
    const LISTING: &str = "storefront.orders";
    let mut listing = ListingReport {
        listing: LISTING,
        ..ListingReport::default()
    };
    let mut owing = BTreeSet::new();
    let result: Result<(), PassError> = async {
        let since = cursor_time(store.cursor(LISTING).await?);
        let mut page = connections.storefront.first_orders_page(since).await?;
        let mut newest: Option<DateTime<Utc>> = None;
        loop {
            let (applied, contents) = apply_body(
                store,
                policy,
                Source::Storefront,
                &page.body,
                &page.origin,
                now,
            )
            .await?;
            listing.absorb(applied);
            for content in contents {
                if let DocumentContent::StorefrontOrder(order) = content {
                    newest = newest.max(order.updated_at.or(Some(order.created_at)));
                    if order.cancelled_at.is_none() && order.owed_quantity() > 0 {
                        owing.insert(order.id);
                    }
                }
            }
            match page.next.take() {
                Some(next) => page = connections.storefront.next_orders_page(&next).await?,
                None => break,
            }
        }
        if let Some(newest) = newest {
            store.set_cursor(LISTING, &newest.to_rfc3339(), now).await?;
        }
        Ok(())
    }
    .await;
    listing.error = result.err().map(|e| e.to_string());
    (listing, owing)
}

async fn fulfillment_orders(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    owing: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> ListingReport {
    let mut listing = ListingReport {
        listing: "storefront.fulfillment_orders",
        ..ListingReport::default()
    };
    for order_id in owing {
        let result: Result<(), PassError> = async {
            let page = connections.storefront.fulfillment_orders(order_id).await?;
            let (applied, _) = apply_body(
                store,
                policy,
                Source::Storefront,
                &page.body,
                &page.origin,
                now,
            )
            .await?;
            listing.absorb(applied);
            Ok(())
        }
        .await;
        if let Err(e) = result {
            listing.error = Some(e.to_string());
            if matches!(e, PassError::Http(_)) {
                break;
            }
        }
    }
    listing
}

async fn warehouse(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    which: Listing,
    now: DateTime<Utc>,
) -> ListingReport {
    let name = match which {
        Listing::Orders => "warehouse.orders",
        Listing::Shipments => "warehouse.shipments",
    };
    let mut listing = ListingReport {
        listing: name,
        ..ListingReport::default()
    };
    let result: Result<(), PassError> = async {
        let since = cursor_time(store.cursor(name).await?);
        let mut newest: Option<DateTime<Utc>> = None;
        let mut number = 1;
        loop {
            let page = connections.warehouse.page(which, since, number).await?;
            let (applied, contents) = apply_body(
                store,
                policy,
                Source::Warehouse,
                &page.body,
                &page.origin,
                now,
            )
            .await?;
            listing.absorb(applied);
            for content in contents {
                let stamp = match content {
                    DocumentContent::WarehouseOrder(order) => {
                        order.modified_at.or(order.created_at)
                    }
                    DocumentContent::WarehouseShipment(shipment) => Some(shipment.shipped_at),
                    _ => None,
                };
                newest = newest.max(stamp);
            }
            if page.page >= page.pages {
                break;
            }
            number += 1;
        }
        if let Some(newest) = newest {
            store.set_cursor(name, &newest.to_rfc3339(), now).await?;
        }
        Ok(())
    }
    .await;
    listing.error = result.err().map(|e| e.to_string());
    listing
}
