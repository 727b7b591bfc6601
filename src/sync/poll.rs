//! One incremental pass over every backend: storefront orders changed since
//! the last pass (and the fulfilment orders of those still owing goods),
//! warehouse orders and shipments, then the parcels still travelling. The
//! storefront and the warehouse are read side by side, each within its own
//! allowance; each listing fetches its next page while the last is parsed,
//! and hands what it read to the pass's one writer (`filing`). A listing's
//! cursor moves only once everything it led to is filed, so a pass cut short
//! (a crash, a kill) is taken up by the next one. A backend that fails is
//! reported; the others go on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::Acquire;
use tokio::task::JoinSet;

use super::connections::{ConnectError, Connections};
use super::filing::{Filer, Outcome, WriterGone};
use super::import::{apply_bodies, Applied};
use super::vendor_edi::{self, FileOutcome};
use crate::connectors::carriers::{Carrier, CarrierClient, CarrierError};
use crate::connectors::http::HttpError;
use crate::connectors::shipstation_client::Listing;
use crate::connectors::{self, Document, DocumentContent, Item, Source};
use crate::domain::CarrierShipment;
use crate::engine::Policy;
use crate::store::{OpenParcel, Store, StoreError};

/// Re-read a little before the last position: clocks differ, and a
/// document read twice is harmless (snapshots are versioned).
const OVERLAP: TimeDelta = TimeDelta::minutes(2);
/// Fulfilment-order requests in flight at once; the storefront's limiter
/// still decides when each one leaves.
const FULFILMENT_REQUESTS_IN_FLIGHT: usize = 8;
/// Parcels asked of their carriers at once; FedEx takes up to 30 a request.
const PARCELS_PER_CALL: usize = 30;

const STOREFRONT_ORDERS: &str = "storefront.orders";
const FULFILMENT_ORDERS: &str = "storefront.fulfillment_orders";

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
    #[error(transparent)]
    WriterGone(#[from] WriterGone),
}

impl ListingReport {
    fn named(listing: &'static str) -> ListingReport {
        ListingReport {
            listing,
            ..ListingReport::default()
        }
    }

    pub(super) fn absorb(&mut self, applied: Applied) {
        self.pages += 1;
        self.documents += applied.documents;
        self.rejected.extend(applied.rejected);
    }

    fn failed(mut self, result: Result<(), PassError>) -> ListingReport {
        self.error = result.err().map(|e| e.to_string());
        self
    }
}

/// One fetched body read whole (pages are small); a body that cannot be read
/// at all is an error naming where it came from.
fn parse(source: Source, body: &[u8], origin: &str) -> Result<Vec<Item>, PassError> {
    let mut items = Vec::new();
    connectors::read_slice(source, body, &mut |item| items.push(item))
        .map_err(|e| PassError::Body(format!("{origin}: {e}")))?;
    Ok(items)
}

/// Files one fetched body in a transaction of its own, outside any pass.
pub(super) async fn apply_body(
    store: &Store,
    policy: &Policy,
    source: Source,
    body: &[u8],
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Applied, PassError> {
    let items = parse(source, body, origin)?;
    apply_items(store, policy, source, origin, items, now).await
}

/// Files documents already read, in one transaction, as a pass would.
pub(super) async fn apply_items(
    store: &Store,
    policy: &Policy,
    source: Source,
    origin: &str,
    items: Vec<Item>,
    now: DateTime<Utc>,
) -> Result<Applied, PassError> {
    let context = |source| StoreError::Query {
        context: format!("filing {origin}"),
        source,
    };
    let mut conn = store.pool().acquire().await.map_err(context)?;
    let mut tx = conn.begin().await.map_err(context)?;
    let applied = apply_bodies(
        &mut tx,
        policy,
        source,
        vec![(origin.to_string(), items)],
        now,
    )
    .await?;
    tx.commit().await.map_err(context)?;
    Ok(applied)
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
    // Vendor files first: the parcels an 856 names are then asked about in
    // this same pass.
    let vendor_edi = vendor_inboxes(store, policy, &connections.edi_vendors, now).await;
    let (filer, writer) = Filer::start(store.clone(), Arc::new(policy.clone()), now);
    let storefront = async {
        let (mut orders, owing, newest) = storefront_orders(&filer, store, connections).await;
        let fulfilment = fulfillment_orders(&filer, connections, owing).await;
        // Only now: were the cursor moved before the fulfilment orders are
        // filed, a pass cut short in between would never ask for them again.
        if let (Some(newest), None, None) = (newest, &orders.error, &fulfilment.error) {
            let moved = filer
                .cursor(
                    STOREFRONT_ORDERS,
                    newest,
                    vec![STOREFRONT_ORDERS, FULFILMENT_ORDERS],
                )
                .await;
            orders = orders.failed(moved.map_err(PassError::from));
        }
        [orders, fulfilment]
    };
    let warehouse = async {
        [
            warehouse(&filer, store, connections, Listing::Orders).await,
            warehouse(&filer, store, connections, Listing::Shipments).await,
        ]
    };
    let (storefront, warehouse) = tokio::join!(storefront, warehouse);
    let mut listings: Vec<ListingReport> = storefront.into_iter().chain(warehouse).collect();
    // The parcels to ask about are those the storefront and warehouse have
    // named, so everything they said is filed first.
    match filer.flushed().await {
        Ok(()) => listings.extend(parcels(&filer, store, connections).await),
        Err(e) => listings.push(ListingReport::named("carrier").failed(Err(e.into()))),
    }
    // Reported last so the backends keep their places in the report.
    if !connections.edi_vendors.is_empty() {
        listings.push(vendor_edi);
    }
    drop(filer);
    let outcome = writer.await.unwrap_or_else(|e| {
        let mut outcome = Outcome::new();
        for listing in &listings {
            outcome.entry(listing.listing).or_default().error =
                Some(format!("the pass's writer ended: {e}"));
        }
        outcome
    });
    let mut report = SyncReport {
        listings: merge(listings, outcome),
        evaluated: 0,
    };
    if !connections.order_vendors.is_empty() {
        report
            .listings
            .push(vendor_api(store, policy, connections, now).await);
    }
    for listing in &report.listings {
        if let Some(error) = &listing.error {
            tracing::warn!(listing = listing.listing, %error, "sync pass incomplete");
        }
        store
            .record_health(
                listing.listing,
                listing.error.as_deref(),
                listing.documents as i64,
                now,
            )
            .await?;
    }
    report.evaluated = super::reconcile::reevaluate_due(store, policy, now).await?;
    Ok(report)
}

/// Every file waiting in a vendor inbox: each quarantined file counts as
/// kept aside, a failure to reach the folders or the store as the error.
async fn vendor_inboxes(
    store: &Store,
    policy: &Policy,
    vendors: &[crate::config::VendorConfig],
    now: DateTime<Utc>,
) -> ListingReport {
    let mut report = ListingReport::named("vendor.edi");
    match vendor_edi::poll_inboxes(store, policy, vendors, now).await {
        Ok(files) => {
            for file in files {
                report.pages += 1;
                match file.outcome {
                    FileOutcome::Applied { documents } => report.documents += documents,
                    FileOutcome::Duplicate { .. } => {}
                    FileOutcome::Quarantined { reason } => report
                        .rejected
                        .push(format!("{}: {reason}", file.path.display())),
                }
            }
        }
        Err(e) => report.error = Some(e.to_string()),
    }
    report
}

/// The vendor pass (POs created and polled, ATP, reroutes), after the
/// storefront's orders are filed: they are what POs are created for.
async fn vendor_api(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    now: DateTime<Utc>,
) -> ListingReport {
    let mut report = ListingReport::named("vendor.api");
    match super::vendor_api::pass(store, policy, connections, now).await {
        Ok(pass) => {
            report.documents =
                pass.pos_sent + pass.documents + pass.proposals + pass.promises_written;
            report.error = (!pass.errors.is_empty()).then(|| pass.errors.join("; "));
        }
        Err(e) => report.error = Some(e.to_string()),
    }
    report
}

/// Each listing's fetching side, with what the writer filed for it.
fn merge(listings: Vec<ListingReport>, mut outcome: Outcome) -> Vec<ListingReport> {
    listings
        .into_iter()
        .map(|mut listing| {
            if let Some(filed) = outcome.remove(listing.listing) {
                listing.pages += filed.bodies;
                listing.documents += filed.documents;
                listing.rejected.extend(filed.rejected);
                listing.error = listing.error.or(filed.error);
            }
            listing
        })
        .collect()
}

/// Storefront orders changed since the cursor; returns the ids of orders
/// still owing goods, whose fulfilment orders (holds) are fetched next, and
/// the newest change seen, for the cursor.
async fn storefront_orders(
    filer: &Filer,
    store: &Store,
    connections: &Connections,
) -> (ListingReport, BTreeSet<String>, Option<DateTime<Utc>>) {
    let mut owing = BTreeSet::new();
    let mut newest: Option<DateTime<Utc>> = None;
    let result: Result<(), PassError> = async {
        let client = connections.storefront.as_ref().map_err(Clone::clone)?;
        let since = cursor_time(store.cursor(STOREFRONT_ORDERS).await?);
        let mut page = client.first_orders_page(since).await?;
        loop {
            let next = page.next.take();
            let fetch_next = async {
                match &next {
                    Some(url) => client.next_orders_page(url).await.map(Some),
                    None => Ok(None),
                }
            };
            let hand_over = async {
                let items = parse(Source::Storefront, &page.body, &page.origin)?;
                for item in &items {
                    if let Item::Document(Document {
                        content: DocumentContent::StorefrontOrder(order),
                        ..
                    }) = item
                    {
                        newest = newest.max(order.updated_at.or(Some(order.created_at)));
                        if order.cancelled_at.is_none() && order.owed_quantity() > 0 {
                            owing.insert(order.id.clone());
                        }
                    }
                }
                filer
                    .body(
                        STOREFRONT_ORDERS,
                        Source::Storefront,
                        page.origin.clone(),
                        items,
                    )
                    .await
                    .map_err(PassError::from)
            };
            let (handed, fetched) = tokio::join!(hand_over, fetch_next);
            handed?;
            match fetched? {
                Some(fetched) => page = fetched,
                None => return Ok(()),
            }
        }
    }
    .await;
    (
        ListingReport::named(STOREFRONT_ORDERS).failed(result),
        owing,
        newest,
    )
}

/// Each owing order's fulfilment orders, several requests in flight.
async fn fulfillment_orders(
    filer: &Filer,
    connections: &Connections,
    owing: BTreeSet<String>,
) -> ListingReport {
    let mut listing = ListingReport::named(FULFILMENT_ORDERS);
    let Ok(client) = connections.storefront.as_ref() else {
        return listing;
    };
    let client = Arc::new(client.clone());
    let mut fetches = JoinSet::new();
    let mut waiting = owing.into_iter();
    let mut stopped = false;
    loop {
        while !stopped && fetches.len() < FULFILMENT_REQUESTS_IN_FLIGHT {
            let Some(order_id) = waiting.next() else {
                break;
            };
            let (client, filer) = (client.clone(), filer.clone());
            fetches.spawn(async move {
                let page = client.fulfillment_orders(&order_id).await?;
                let items = parse(Source::Storefront, &page.body, &page.origin)?;
                filer
                    .body(FULFILMENT_ORDERS, Source::Storefront, page.origin, items)
                    .await?;
                Ok::<(), PassError>(())
            });
        }
        let Some(joined) = fetches.join_next().await else {
            break;
        };
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                // The backend itself failing (after its retries) fails every
                // order alike; a body it garbled fails only that order.
                stopped |= !matches!(e, PassError::Body(_));
                listing.error = Some(e.to_string());
            }
            Err(e) => listing.error = Some(format!("a fulfilment-order request ended: {e}")),
        }
    }
    listing
}

async fn warehouse(
    filer: &Filer,
    store: &Store,
    connections: &Connections,
    which: Listing,
) -> ListingReport {
    let name = match which {
        Listing::Orders => "warehouse.orders",
        Listing::Shipments => "warehouse.shipments",
    };
    let result: Result<(), PassError> = async {
        let client = connections.warehouse.as_ref().map_err(Clone::clone)?;
        let since = cursor_time(store.cursor(name).await?);
        let mut newest: Option<DateTime<Utc>> = None;
        let mut page = client.page(which, since, 1).await?;
        loop {
            let (number, more) = (page.page + 1, page.page < page.pages);
            let fetch_next = async {
                match more {
                    true => client.page(which, since, number).await.map(Some),
                    false => Ok(None),
                }
            };
            let hand_over = async {
                let items = parse(Source::Warehouse, &page.body, &page.origin)?;
                for item in &items {
                    let Item::Document(doc) = item else { continue };
                    let stamp = match &doc.content {
                        DocumentContent::WarehouseOrder(order) => {
                            order.modified_at.or(order.created_at)
                        }
                        DocumentContent::WarehouseShipment(shipment) => Some(shipment.shipped_at),
                        _ => None,
                    };
                    newest = newest.max(stamp);
                }
                filer
                    .body(name, Source::Warehouse, page.origin.clone(), items)
                    .await
                    .map_err(PassError::from)
            };
            let (handed, fetched) = tokio::join!(hand_over, fetch_next);
            handed?;
            match fetched? {
                Some(fetched) => page = fetched,
                None => break,
            }
        }
        if let Some(newest) = newest {
            filer.cursor(name, newest, vec![name]).await?;
        }
        Ok(())
    }
    .await;
    ListingReport::named(name).failed(result)
}

/// Every parcel still travelling, asked of its carrier; one listing per
/// carrier. The carrier comes from what the storefront or warehouse called
/// it, else from the tracking number's pattern.
async fn parcels(filer: &Filer, store: &Store, connections: &Connections) -> Vec<ListingReport> {
    let mut by_carrier: BTreeMap<Carrier, Vec<String>> = BTreeMap::new();
    let mut unknown = ListingReport::named("carrier.unrecognised");
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
            match carrier_of(&parcel) {
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
    // Each carrier is its own API with its own allowance: they are asked
    // side by side.
    let mut asked = JoinSet::new();
    for (carrier, numbers) in by_carrier {
        let client = match connections.carriers.get(&carrier) {
            Some(client) => client.clone(),
            None => Err(ConnectError {
                backend: format!("carriers.{}", carrier.as_str()),
                message: "not configured".into(),
            }),
        };
        let filer = filer.clone();
        asked.spawn(async move { (carrier, track(filer, carrier, client, numbers).await) });
    }
    let mut tracked = Vec::new();
    while let Some(joined) = asked.join_next().await {
        match joined {
            Ok(report) => tracked.push(report),
            Err(e) => unknown.error = Some(format!("a carrier's tracking ended: {e}")),
        }
    }
    tracked.sort_by_key(|(carrier, _)| *carrier);
    let mut reports: Vec<ListingReport> = tracked.into_iter().map(|(_, report)| report).collect();
    if !unknown.rejected.is_empty() || unknown.error.is_some() {
        reports.push(unknown);
    }
    reports
}

/// One carrier's parcels, in the batches its API takes.
async fn track(
    filer: Filer,
    carrier: Carrier,
    client: Result<Arc<CarrierClient>, ConnectError>,
    numbers: Vec<String>,
) -> ListingReport {
    let listing = carrier_listing(carrier);
    let result: Result<(), PassError> = async {
        let client = client?;
        for chunk in numbers.chunks(PARCELS_PER_CALL) {
            let items = carrier_items(client.track(chunk).await?);
            filer
                .body(listing, Source::Carrier, carrier_origin(carrier), items)
                .await?;
        }
        Ok(())
    }
    .await;
    ListingReport::named(listing).failed(result)
}

/// The carrier to ask about a parcel: the one the storefront or warehouse
/// named, else the one its tracking number's pattern belongs to.
pub(super) fn carrier_of(parcel: &OpenParcel) -> Option<Carrier> {
    parcel
        .carrier_hint
        .as_deref()
        .and_then(Carrier::from_name)
        .or_else(|| Carrier::from_tracking_number(&parcel.tracking_number))
}

pub(super) fn carrier_origin(carrier: Carrier) -> String {
    format!("{} tracking API", carrier.name())
}

/// A carrier client hands back parcels, not the reply's bytes: the
/// normalised parcel is what is kept as the document.
pub(super) fn carrier_items(shipments: Vec<CarrierShipment>) -> Vec<Item> {
    shipments
        .into_iter()
        .map(|shipment| {
            let raw = serde_json::to_string(&shipment).unwrap_or_default();
            Item::Document(Document {
                raw,
                content: DocumentContent::CarrierShipment(shipment),
            })
        })
        .collect()
}

fn carrier_listing(carrier: Carrier) -> &'static str {
    match carrier {
        Carrier::Fedex => "carrier.fedex",
        Carrier::Ups => "carrier.ups",
        Carrier::Usps => "carrier.usps",
        Carrier::Dhl => "carrier.dhl",
    }
}
