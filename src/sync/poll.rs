//! One incremental pass over every backend: storefront orders changed since
//! the last pass (and the fulfilment orders of those still owing goods),
//! warehouse orders and shipments, each page filed and reconciled in its own
//! transaction. A backend that fails is reported; the others go on.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::Acquire;

use super::connections::{ConnectError, Connections};
use super::import::{apply_items, Applied};
use crate::connectors::carriers::{Carrier, CarrierError};
use crate::connectors::http::HttpError;
use crate::connectors::shipstation_client::Listing;
use crate::connectors::{self, Document, DocumentContent, Item, Source};
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
    #[error(transparent)]
    Unavailable(#[from] ConnectError),
    #[error(transparent)]
    Carrier(#[from] CarrierError),
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
    let applied = apply_items_in_tx(store, policy, source, items, origin, now).await?;
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
    report
        .listings
        .extend(parcels(store, policy, connections, now).await);
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
        let client = connections.storefront.as_ref().map_err(Clone::clone)?;
        let since = cursor_time(store.cursor(LISTING).await?);
        let mut page = client.first_orders_page(since).await?;
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
                Some(next) => page = client.next_orders_page(&next).await?,
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
    let Ok(client) = connections.storefront.as_ref() else {
        return listing;
    };
    for order_id in owing {
        let result: Result<(), PassError> = async {
            let page = client.fulfillment_orders(order_id).await?;
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
        let client = connections.warehouse.as_ref().map_err(Clone::clone)?;
        let since = cursor_time(store.cursor(name).await?);
        let mut newest: Option<DateTime<Utc>> = None;
        let mut number = 1;
        loop {
            let page = client.page(which, since, number).await?;
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

/// Parcels asked of their carriers at once; FedEx takes up to 30 a request.
const PARCELS_PER_CALL: usize = 30;

/// Every parcel still travelling, asked of its carrier; one listing per
/// carrier. The carrier comes from what the storefront or warehouse called
/// it, else from the tracking number's pattern.
async fn parcels(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    now: DateTime<Utc>,
) -> Vec<ListingReport> {
    let mut by_carrier: BTreeMap<Carrier, Vec<String>> = BTreeMap::new();
    let mut unknown = ListingReport {
        listing: "carrier.unrecognised",
        ..ListingReport::default()
    };
    let mut after = String::new();
    loop {
        let page = match store.open_parcels(&after, 1_000).await {
            Ok(page) => page,
            Err(e) => {
                unknown.error = Some(e.to_string());
                break;
            }
        };
        let Some(last) = page.last() else { break };
        after = last.tracking_number.clone();
        for parcel in page {
            let carrier = parcel
                .carrier_hint
                .as_deref()
                .and_then(Carrier::from_name)
                .or_else(|| Carrier::from_tracking_number(&parcel.tracking_number));
            match carrier {
                Some(carrier) => by_carrier
                    .entry(carrier)
                    .or_default()
                    .push(parcel.tracking_number),
                None => unknown.rejected.push(format!(
                    "parcel {} (carrier {:?}): no configured carrier recognises it",
                    parcel.tracking_number,
                    parcel.carrier_hint.as_deref().unwrap_or("not named")
                )),
            }
        }
    }
    let mut reports = Vec::new();
    for (carrier, numbers) in by_carrier {
        let mut listing = ListingReport {
            listing: carrier_listing(carrier),
            ..ListingReport::default()
        };
        let result: Result<(), PassError> = async {
            let client = match connections.carriers.get(&carrier) {
                Some(Ok(client)) => client,
                Some(Err(e)) => return Err(e.clone().into()),
                None => {
                    return Err(ConnectError {
                        backend: format!("carriers.{}", carrier.as_str()),
                        message: "not configured".into(),
                    }
                    .into())
                }
            };
            for chunk in numbers.chunks(PARCELS_PER_CALL) {
                let shipments = client.track(chunk).await?;
                let origin = format!("{} tracking API", carrier.name());
                let items: Vec<Item> = shipments
                    .into_iter()
                    .map(|shipment| {
                        // The client hands back parcels, not the reply's
                        // bytes: the normalised parcel is what is kept.
                        let raw = serde_json::to_string(&shipment).unwrap_or_default();
                        Item::Document(Document {
                            raw,
                            content: DocumentContent::CarrierShipment(shipment),
                        })
                    })
                    .collect();
                let applied =
                    apply_items_in_tx(store, policy, Source::Carrier, items, &origin, now).await?;
                listing.absorb(applied);
            }
            Ok(())
        }
        .await;
        listing.error = result.err().map(|e| e.to_string());
        reports.push(listing);
    }
    if !unknown.rejected.is_empty() || unknown.error.is_some() {
        reports.push(unknown);
    }
    reports
}

fn carrier_listing(carrier: Carrier) -> &'static str {
    match carrier {
        Carrier::Fedex => "carrier.fedex",
        Carrier::Ups => "carrier.ups",
        Carrier::Usps => "carrier.usps",
        Carrier::Dhl => "carrier.dhl",
    }
}

async fn apply_items_in_tx(
    store: &Store,
    policy: &Policy,
    source: Source,
    items: Vec<Item>,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Applied, PassError> {
    let context = |source| StoreError::Query {
        context: format!("filing {origin}"),
        source,
    };
    let mut conn = store.pool().acquire().await.map_err(context)?;
    let mut tx = conn.begin().await.map_err(context)?;
    let applied = apply_items(&mut tx, policy, source, items, origin, now).await?;
    tx.commit().await.map_err(context)?;
    Ok(applied)
}
