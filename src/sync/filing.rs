//! The one writer of a sync pass. Every listing hands its parsed bodies to
//! it and goes on fetching; it files whatever has queued up in one
//! transaction, so a transaction is paid per batch, not per body, and no two
//! write transactions ever race (SQLite would refuse one). A listing's cursor
//! is moved by the writer too: after everything sent before it is filed, and
//! only if all of that could be.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::Acquire;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::import::apply_bodies;
use crate::connectors::{Item, Source};
use crate::engine::Policy;
use crate::store::{Store, StoreError};

/// Documents filed in one transaction at most: past this, a bigger
/// transaction saves nothing and only holds the database longer.
const DOCUMENTS_PER_TRANSACTION: usize = 2_000;
/// Documents handed over but not yet filed, at most: listings that get this
/// far ahead of the writer wait, so memory stays flat however big the shop.
const QUEUED_DOCUMENTS: usize = 4_000;
/// Messages the queue holds; what they may weigh is bounded by the above.
const QUEUED_MESSAGES: usize = 1_024;

/// A body's items with where they came from.
type OriginItems = (String, Vec<Item>);

/// One fetched body, parsed, and the listing it belongs to.
pub(super) struct Part {
    pub listing: &'static str,
    pub source: Source,
    pub origin: String,
    pub items: Vec<Item>,
}

/// Bodies that are filed in one transaction, whatever else is queued.
struct Bodies {
    parts: Vec<Part>,
    /// Their place in the queue, given back once they are filed.
    queued: OwnedSemaphorePermit,
}

enum Filing {
    Bodies(Bodies),
    Cursor {
        listing: &'static str,
        position: DateTime<Utc>,
        /// The listings whose bodies must all have been filed.
        after: Vec<&'static str>,
    },
    Flushed(oneshot::Sender<()>),
}

/// What the writer did for one listing.
#[derive(Debug, Default)]
pub(super) struct Filed {
    pub bodies: usize,
    pub documents: usize,
    /// One reason per document kept aside.
    pub rejected: Vec<String>,
    /// Why bodies or the cursor could not be filed.
    pub error: Option<String>,
}

/// What the writer did, by listing.
pub(super) type Outcome = BTreeMap<&'static str, Filed>;

/// The writer's address; every fetcher holds a clone.
#[derive(Clone)]
pub(super) struct Filer {
    sender: mpsc::Sender<Filing>,
    queue: Arc<Semaphore>,
}

/// The writer has stopped (it panicked): nothing more can be filed.
#[derive(Debug, thiserror::Error)]
#[error("the sync pass's writer has stopped")]
pub(super) struct WriterGone;

impl Filer {
    /// Starts the writer; it ends, with its outcome, once every `Filer` is
    /// dropped and all that was sent is filed.
    pub(super) fn start(
        store: Store,
        policy: Arc<Policy>,
        now: DateTime<Utc>,
    ) -> (Filer, JoinHandle<Outcome>) {
        let (sender, received) = mpsc::channel(QUEUED_MESSAGES);
        let writer = tokio::spawn(write(store, policy, now, received));
        let queue = Arc::new(Semaphore::new(QUEUED_DOCUMENTS));
        (Filer { sender, queue }, writer)
    }

    pub(super) async fn body(
        &self,
        listing: &'static str,
        source: Source,
        origin: String,
        items: Vec<Item>,
    ) -> Result<(), WriterGone> {
        self.bodies(vec![Part {
            listing,
            source,
            origin,
            items,
        }])
        .await
    }

    /// Bodies filed together: documents of one order that arrive side by
    /// side (a storefront order and its fulfilment orders) are then
    /// evaluated once, from what the batch holds, rather than once each.
    pub(super) async fn bodies(&self, parts: Vec<Part>) -> Result<(), WriterGone> {
        let items: usize = parts.iter().map(|p| p.items.len()).sum();
        // Bodies larger than the whole queue still go, alone.
        let weight = items.clamp(1, QUEUED_DOCUMENTS) as u32;
        let queued = self
            .queue
            .clone()
            .acquire_many_owned(weight)
            .await
            .map_err(|_| WriterGone)?;
        self.send(Filing::Bodies(Bodies { parts, queued })).await
    }

    /// Moves `listing`'s cursor to `position` once all that was sent before
    /// is filed, unless a body of one of the `after` listings could not be.
    pub(super) async fn cursor(
        &self,
        listing: &'static str,
        position: DateTime<Utc>,
        after: Vec<&'static str>,
    ) -> Result<(), WriterGone> {
        self.send(Filing::Cursor {
            listing,
            position,
            after,
        })
        .await
    }

    /// Waits until everything sent so far is filed.
    pub(super) async fn flushed(&self) -> Result<(), WriterGone> {
        let (done, filed) = oneshot::channel();
        self.send(Filing::Flushed(done)).await?;
        filed.await.map_err(|_| WriterGone)
    }

    async fn send(&self, filing: Filing) -> Result<(), WriterGone> {
        self.sender.send(filing).await.map_err(|_| WriterGone)
    }
}

/// The writer's state: what it has in hand and what it has done.
struct Writer {
    store: Store,
    policy: Arc<Policy>,
    now: DateTime<Utc>,
    pending: Vec<Bodies>,
    documents: usize,
    outcome: Outcome,
}

impl Writer {
    async fn flush(&mut self) {
        let batch = std::mem::take(&mut self.pending);
        self.documents = 0;
        file(
            &self.store,
            &self.policy,
            self.now,
            batch,
            &mut self.outcome,
        )
        .await;
    }

    async fn move_cursor(
        &mut self,
        listing: &'static str,
        position: DateTime<Utc>,
        after: &[&'static str],
    ) {
        self.flush().await;
        // What could not be filed is reported already; the cursor stays
        // where it was, so that the next pass reads it again.
        let unfiled = after
            .iter()
            .any(|l| self.outcome.get(l).is_some_and(|f| f.error.is_some()));
        if unfiled {
            return;
        }
        if let Err(e) = self
            .store
            .set_cursor(listing, &position.to_rfc3339(), self.now)
            .await
        {
            self.outcome
                .entry(listing)
                .or_default()
                .error
                .get_or_insert(e.to_string());
        }
    }
}

async fn write(
    store: Store,
    policy: Arc<Policy>,
    now: DateTime<Utc>,
    mut received: mpsc::Receiver<Filing>,
) -> Outcome {
    let mut writer = Writer {
        store,
        policy,
        now,
        pending: Vec::new(),
        documents: 0,
        outcome: Outcome::new(),
    };
    loop {
        // Waits only with nothing in hand; otherwise whatever is queued
        // joins the batch, and the batch is filed when the queue runs dry.
        let filing = if writer.pending.is_empty() {
            match received.recv().await {
                Some(filing) => filing,
                None => break,
            }
        } else {
            match received.try_recv() {
                Ok(filing) => filing,
                Err(TryRecvError::Empty) => {
                    writer.flush().await;
                    continue;
                }
                Err(TryRecvError::Disconnected) => {
                    writer.flush().await;
                    break;
                }
            }
        };
        match filing {
            Filing::Bodies(bodies) => {
                writer.documents += bodies.parts.iter().map(|p| p.items.len()).sum::<usize>();
                writer.pending.push(bodies);
                if writer.documents >= DOCUMENTS_PER_TRANSACTION {
                    writer.flush().await;
                }
            }
            Filing::Cursor {
                listing,
                position,
                after,
            } => writer.move_cursor(listing, position, &after).await,
            Filing::Flushed(done) => {
                writer.flush().await;
                let _ = done.send(());
            }
        }
    }
    writer.outcome
}

/// Files a batch in one transaction; a failure is charged to every listing
/// with a body in it. The documents of one source go to the store together,
/// so that an order's documents in the batch are matched and evaluated
/// once; what each listing filed is counted from its own bodies.
async fn file(
    store: &Store,
    policy: &Policy,
    now: DateTime<Utc>,
    batch: Vec<Bodies>,
    outcome: &mut Outcome,
) {
    if batch.is_empty() {
        return;
    }
    let mut by_source: Vec<(Source, Vec<OriginItems>)> = Vec::new();
    let mut counted: Vec<(&'static str, Filed)> = Vec::new();
    // Held until the batch is filed: until then it weighs on memory.
    let mut places = Vec::with_capacity(batch.len());
    for bodies in batch {
        places.push(bodies.queued);
        for part in bodies.parts {
            let at = match counted.iter().position(|(l, _)| *l == part.listing) {
                Some(at) => at,
                None => {
                    counted.push((part.listing, Filed::default()));
                    counted.len() - 1
                }
            };
            let filed = &mut counted[at].1;
            filed.bodies += 1;
            for item in &part.items {
                match item {
                    Item::Document(_) => filed.documents += 1,
                    Item::Rejected(rejected) => filed.rejected.push(rejected.reason.clone()),
                }
            }
            match by_source.iter_mut().find(|(s, _)| *s == part.source) {
                Some((_, bodies)) => bodies.push((part.origin, part.items)),
                None => by_source.push((part.source, vec![(part.origin, part.items)])),
            }
        }
    }
    let listings: Vec<&'static str> = counted.iter().map(|(l, _)| *l).collect();
    let result: Result<(), StoreError> = async {
        let context = |source| StoreError::Query {
            context: format!("filing pages of {}", listings.join(", ")),
            source,
        };
        let mut conn = store.pool().acquire().await.map_err(context)?;
        let mut tx = conn.begin().await.map_err(context)?;
        for (source, bodies) in by_source {
            apply_bodies(&mut tx, policy, source, bodies, now).await?;
        }
        tx.commit().await.map_err(context)?;
        Ok(())
    }
    .await;
    drop(places);
    match result {
        Ok(()) => {
            for (listing, filed) in counted {
                let entry = outcome.entry(listing).or_default();
                entry.bodies += filed.bodies;
                entry.documents += filed.documents;
                entry.rejected.extend(filed.rejected);
            }
        }
        Err(e) => {
            for listing in listings {
                outcome
                    .entry(listing)
                    .or_default()
                    .error
                    .get_or_insert(e.to_string());
            }
        }
    }
}
