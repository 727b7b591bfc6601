//! One incremental pass over every backend: storefront orders changed since
//! the last pass (and the fulfilment orders of those still owing goods),
//! warehouse orders and shipments, then the parcels still travelling. The
//! storefront and the warehouse are read side by side, each within its own
//! allowance; each listing fetches its next page while the last is parsed,
//! and hands what it read to the pass's one writer (`filing`). A listing's
//! cursor moves only once everything it led to is filed, so a pass cut short
//! (a crash, a kill) is taken up by the next one. A backend that fails is
//! reported; the others go on.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::Acquire;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

use super::connections::{ConnectError, Connections};
use super::filing::{Filer, Outcome, Part, WriterGone};
use super::import::{apply_bodies, Applied};
use super::vendor_edi::{self, FileOutcome};
use crate::connectors::carriers::{Carrier, CarrierClient, CarrierError, TrackReply};
use crate::connectors::http::HttpError;
use crate::connectors::shipstation_client::Listing;
use crate::connectors::shopify_client::ShopifyClient;
use crate::connectors::{self, Document, DocumentContent, Item, Source};
use crate::engine::Policy;
use crate::store::{OpenParcel, Store, StoreError};

/// Re-read a little before the last position: clocks differ, and a
/// document read twice is harmless (snapshots are versioned).
const OVERLAP: TimeDelta = TimeDelta::minutes(2);
/// Fulfilment-order requests in flight at once; the storefront's limiter
/// still decides when each one leaves, so this only matters where the
/// allowance is generous, and there answers take a round trip each. More
/// would only put more requests on the wire when a 429 arrives.
const FULFILMENT_REQUESTS_IN_FLIGHT: usize = 16;
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
        let (mut orders, fulfilment, newest) = storefront(&filer, store, connections).await;
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
            report.rejected = pass.kept_aside;
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

/// Storefront orders changed since the cursor, each page filed together
/// with the fulfilment orders (holds) of the orders on it still owing goods,
/// so that an order is evaluated once with both; returns the listings'
/// reports and the newest change seen, for the cursor. A few pages are kept
/// in hand while their fulfilment orders arrive, so the next pages and many
/// fulfilment-order requests are under way at once.
async fn storefront(
    filer: &Filer,
    store: &Store,
    connections: &Connections,
) -> (ListingReport, ListingReport, Option<DateTime<Utc>>) {
    let mut newest: Option<DateTime<Utc>> = None;
    let mut fulfilment = ListingReport::named(FULFILMENT_ORDERS);
    let mut waiting: VecDeque<Waiting> = VecDeque::new();
    let result: Result<(), PassError> = async {
        let client = connections.storefront.as_ref().map_err(Clone::clone)?;
        let holds = Holds::new(client.clone(), store.clone());
        let since = cursor_time(store.cursor(STOREFRONT_ORDERS).await?);
        let mut page = client.first_orders_page(since).await?;
        loop {
            let next = page.next.take();
            let items = parse(Source::Storefront, &page.body, &page.origin)?;
            let mut owing = Vec::new();
            for item in &items {
                let Item::Document(Document { content, .. }) = item else {
                    continue;
                };
                if let DocumentContent::StorefrontOrder(order) = content {
                    newest = newest.max(order.updated_at.or(Some(order.created_at)));
                    if order.cancelled_at.is_none() && order.owed_quantity() > 0 {
                        owing.push((order.id.clone(), content.version()));
                    }
                }
            }
            waiting.push_back(Waiting {
                origin: page.origin,
                items,
                holds: tokio::spawn(holds.clone().fetch(owing)),
            });
            let fetch_next = async {
                match &next {
                    Some(url) => client.next_orders_page(url).await.map(Some),
                    None => Ok(None),
                }
            };
            let hand_over = hand_over(filer, &mut waiting, PAGES_IN_HAND, &mut fulfilment);
            let (handed, fetched) = tokio::join!(hand_over, fetch_next);
            handed?;
            match fetched? {
                Some(fetched) => page = fetched,
                None => return Ok(()),
            }
        }
    }
    .await;
    // Pages already read are filed even when a later one could not be.
    let drained = hand_over(filer, &mut waiting, 0, &mut fulfilment).await;
    let result = result.and(drained);
    (
        ListingReport::named(STOREFRONT_ORDERS).failed(result),
        fulfilment,
        newest,
    )
}

/// Pages kept in hand, waiting for their fulfilment orders, beyond the one
/// being read.
const PAGES_IN_HAND: usize = 3;

/// A page of storefront orders waiting for its orders' fulfilment orders.
struct Waiting {
    origin: String,
    items: Vec<Item>,
    holds: JoinHandle<Fetched>,
}

/// Hands the oldest pages to the writer, each with its fulfilment orders,
/// until at most `keep` are left in hand.
async fn hand_over(
    filer: &Filer,
    waiting: &mut VecDeque<Waiting>,
    keep: usize,
    fulfilment: &mut ListingReport,
) -> Result<(), PassError> {
    while waiting.len() > keep {
        let Some(page) = waiting.pop_front() else {
            break;
        };
        let fetched = page.holds.await.unwrap_or_else(|e| Fetched {
            bodies: Vec::new(),
            errors: vec![format!("a fulfilment-order request ended: {e}")],
        });
        if let Some(error) = fetched.errors.into_iter().last() {
            fulfilment.error = Some(error);
        }
        let mut parts = vec![Part {
            listing: STOREFRONT_ORDERS,
            source: Source::Storefront,
            origin: page.origin,
            items: page.items,
        }];
        parts.extend(fetched.bodies.into_iter().map(|(origin, items)| Part {
            listing: FULFILMENT_ORDERS,
            source: Source::Storefront,
            origin,
            items,
        }));
        filer.bodies(parts).await?;
    }
    Ok(())
}

/// Fetches orders' fulfilment orders, a bounded number of requests in
/// flight across all pages; clones share the bound.
#[derive(Clone)]
struct Holds {
    client: Arc<ShopifyClient>,
    store: Store,
    in_flight: Arc<Semaphore>,
    /// The storefront failed after its retries: ask it nothing more.
    failed: Arc<AtomicBool>,
}

/// One page's fulfilment orders: each body read, and why any could not be.
struct Fetched {
    bodies: Vec<(String, Vec<Item>)>,
    errors: Vec<String>,
}

impl Holds {
    fn new(client: ShopifyClient, store: Store) -> Holds {
        Holds {
            client: Arc::new(client),
            store,
            in_flight: Arc::new(Semaphore::new(FULFILMENT_REQUESTS_IN_FLIGHT)),
            failed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The fulfilment orders of `owing` (order id, version listed) that
    /// could have changed since they were last fetched.
    async fn fetch(self, owing: Vec<(String, i64)>) -> Fetched {
        let mut fetched = Fetched {
            bodies: Vec::new(),
            errors: Vec::new(),
        };
        let unchanged = match self.store.unchanged_since_holds_fetched(&owing).await {
            Ok(unchanged) => unchanged,
            Err(e) => {
                fetched.errors.push(e.to_string());
                BTreeSet::new()
            }
        };
        let mut requests = JoinSet::new();
        for (order_id, _) in owing.into_iter().filter(|(id, _)| !unchanged.contains(id)) {
            let this = self.clone();
            requests.spawn(async move { this.one(&order_id).await });
        }
        while let Some(joined) = requests.join_next().await {
            match joined {
                Ok(Ok(Some(body))) => fetched.bodies.push(body),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => fetched.errors.push(e.to_string()),
                Err(e) => fetched
                    .errors
                    .push(format!("a fulfilment-order request ended: {e}")),
            }
        }
        fetched
    }

    async fn one(&self, order_id: &str) -> Result<Option<(String, Vec<Item>)>, PassError> {
        let Ok(_turn) = self.in_flight.acquire().await else {
            return Ok(None);
        };
        if self.failed.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let page = self
            .client
            .fulfillment_orders(order_id)
            .await
            .inspect_err(|_| {
                // The backend itself failing (after its retries) fails every
                // order alike; a body it garbled fails only that order.
                self.failed.store(true, Ordering::Relaxed);
            })?;
        let items = parse(Source::Storefront, &page.body, &page.origin)?;
        Ok(Some((page.origin, items)))
    }
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
            let items = carrier_items(client.track_replies(chunk).await?);
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

/// Each parcel of each reply, with the reply's body exactly as the carrier
/// sent it as its snapshot, as `import --source carrier` keeps a saved
/// reply (FedEx's batch replies come cut into one reply per number).
pub(super) fn carrier_items(replies: Vec<TrackReply>) -> Vec<Item> {
    let mut items = Vec::new();
    for reply in replies {
        let raw = String::from_utf8_lossy(&reply.body).into_owned();
        for shipment in reply.shipments {
            items.push(Item::Document(Document {
                raw: raw.clone(),
                content: DocumentContent::CarrierShipment(shipment),
            }));
        }
    }
    items
}

fn carrier_listing(carrier: Carrier) -> &'static str {
    match carrier {
        Carrier::Fedex => "carrier.fedex",
        Carrier::Ups => "carrier.ups",
        Carrier::Usps => "carrier.usps",
        Carrier::Dhl => "carrier.dhl",
    }
}
