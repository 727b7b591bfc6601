//! `orderdeck import`: saved payloads (API responses, webhook bodies) loaded
//! exactly as a sync would. Each file is one transaction: a file that cannot
//! be read leaves nothing behind and is kept aside with its reason, while a
//! single bad document inside a good file is kept aside alone.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::connectors::{self, Item, Source};
use crate::engine::Policy;
use crate::store::{
    self, Backend, IncomingDoc, PreparedEvaluations, RejectRow, StagedDoc, Store, StoreError,
};
use crate::sync::reconcile;

/// Documents per transaction step: large enough that statement overhead
/// vanishes, small enough that memory stays flat however big the file.
const BATCH: usize = 1_000;
/// SQLite's page cache while importing: 64 MiB.
const IMPORT_PRAGMAS: &str = "PRAGMA cache_size = -65536;";
/// And for the passes that end a large import, filling the trigram index
/// and building the console's indexes: each reads and writes in order and
/// needs little cache, so the page cache is handed down to 8 MiB and the
/// trigram index's pending terms and the index builds' sorts take memory
/// the cache gave back rather than new memory.
const FINAL_PASS_PRAGMAS: &str = "PRAGMA cache_size = -8192;";
/// How much of an unreadable file is kept aside with its reason.
const KEPT_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub path: PathBuf,
    pub documents: usize,
    /// One reason per document kept aside.
    pub rejected: Vec<String>,
    /// Why the whole file was skipped.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    pub orders_evaluated: usize,
}

impl ImportReport {
    pub fn clean(&self) -> bool {
        self.files
            .iter()
            .all(|f| f.error.is_none() && f.rejected.is_empty())
    }
}

/// Every file named, directories expanded (recursively, in name order).
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        collect(path, &mut out);
    }
    out
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            let mut children: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            children.sort();
            for child in children {
                collect(&child, out);
            }
        }
        Err(_) => out.push(path.to_path_buf()),
    }
}

pub async fn import_paths(
    store: &Store,
    policy: &Policy,
    source: Source,
    paths: &[PathBuf],
    now: DateTime<Utc>,
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    for path in expand_paths(paths) {
        let (file, evaluated) = import_file(store, policy, source, &path, now).await?;
        report.orders_evaluated += evaluated;
        report.files.push(file);
    }
    Ok(report)
}

async fn set_pragmas(
    conn: &mut AnyConnection,
    pragmas: &str,
    origin: &str,
) -> Result<(), StoreError> {
    sqlx::query(pragmas)
        .execute(conn)
        .await
        .map(drop)
        .map_err(|source| StoreError::Query {
            context: format!("importing {origin}"),
            source,
        })
}

/// Imports one file; database errors abort the import, file problems only
/// skip the file.
pub async fn import_file(
    store: &Store,
    policy: &Policy,
    source: Source,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<(FileReport, usize), StoreError> {
    let mut report = FileReport {
        path: path.to_path_buf(),
        documents: 0,
        rejected: Vec::new(),
        error: None,
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            report.error = Some(format!("cannot read: {e}"));
            return Ok((report, 0));
        }
    };
    let origin = path.display().to_string();
    // Parsing, and the work on each document that needs no database, runs
    // on its own thread while this task writes the previous batch, so the
    // two cores are both busy on a large file. The parser is about twice as
    // fast as the writer, so one staged batch waiting is enough to keep the
    // writer busy; a deeper queue would only hold more of the file in
    // memory.
    let (batches, mut incoming) = mpsc::channel::<Staged>(1);
    let parse_origin = origin.clone();
    let parser = tokio::task::spawn_blocking(move || {
        let staged = |items: Vec<Item>| {
            stage(split_items(
                source,
                vec![(parse_origin.clone(), items)],
                now,
            ))
        };
        let mut batch = Vec::with_capacity(BATCH);
        let mut receiver_gone = false;
        let result = connectors::read_body(source, BufReader::new(file), &mut |item| {
            if receiver_gone {
                return;
            }
            batch.push(item);
            if batch.len() >= BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                receiver_gone = batches.blocking_send(staged(full)).is_err();
            }
        });
        if !batch.is_empty() && !receiver_gone {
            let _ = batches.blocking_send(staged(batch));
        }
        result
    });

    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: format!("importing {origin}"),
            source,
        })?;
    if store.backend() == Backend::Sqlite {
        // A large import touches every index all over: with SQLite's 2 MB
        // default cache most of its pages would spill to the WAL and be read
        // back. Statement journals and sorts keep SQLite's default temporary
        // storage, files once they outgrow a fixed size in memory: kept in
        // memory they grew with the file (the index builds sort every row).
        // The connection is closed afterwards rather than kept in the pool.
        conn.close_on_drop();
        set_pragmas(&mut conn, IMPORT_PRAGMAS, &origin).await?;
    }
    let mut tx = conn.begin().await.map_err(|source| StoreError::Query {
        context: format!("importing {origin}"),
        source,
    })?;
    // A large import fills the console's trigram index in one pass at the
    // end, inside this transaction (see `store::defer_search_index`).
    let deferred = match store.backend() {
        Backend::Sqlite => store::defer_search_index(&mut tx).await?,
        Backend::Postgres => None,
    };
    // And builds the console's other indexes once, if it turns out large
    // (see `store::BulkIndexes`).
    let mut bulk_indexes = match store.backend() {
        Backend::Sqlite => Some(store::BulkIndexes::start(&mut tx).await?),
        Backend::Postgres => None,
    };
    let policy = Arc::new(policy.clone());
    // Orders new to the store are evaluated as they are filed, so each row is
    // written once. Re-evaluating the orders a batch changed needs their
    // stored facts: that runs on a thread of its own while this task files
    // the next batch, so the engine's time overlaps the database's.
    let mut evaluating: Option<JoinHandle<Result<PreparedEvaluations, StoreError>>> = None;
    let mut evaluated = 0;
    while let Some(split) = incoming.recv().await {
        report.documents += split.docs.len();
        report.rejected.extend(split.reasons);
        let outcome = store::ingest_staged(
            &mut tx,
            split.docs,
            &reconcile::Engine {
                policy: &policy,
                now,
            },
        )
        .await?;
        evaluated += outcome.evaluated;
        let removed = outcome.removed.clone();
        let gathered = reconcile::gather(&mut tx, outcome).await?;
        store::insert_rejects(&mut tx, split.rejects).await?;
        let policy = Arc::clone(&policy);
        let next = tokio::task::spawn_blocking(move || {
            reconcile::evaluate_gathered(gathered, &policy, now)
        });
        if let Some(previous) = evaluating.replace(next) {
            // Evaluated before this batch was filed: an order this batch
            // merged away is no longer there to store it for.
            let mut prepared = joined(previous).await?;
            prepared.forget(&removed);
            evaluated += prepared.len();
            store::write_evaluations(&mut tx, prepared).await?;
        }
        if let Some(indexes) = bulk_indexes.as_mut() {
            indexes.after_batch(&mut tx).await?;
        }
    }
    if let Some(last) = evaluating.take() {
        let prepared = joined(last).await?;
        evaluated += prepared.len();
        store::write_evaluations(&mut tx, prepared).await?;
    }
    let parsed = parser
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    match parsed {
        Ok(_) => {
            if store.backend() == Backend::Sqlite {
                set_pragmas(&mut tx, FINAL_PASS_PRAGMAS, &origin).await?;
            }
            if let Some(deferred) = deferred {
                deferred.finish(&mut tx).await?;
            }
            if let Some(indexes) = bulk_indexes {
                indexes.finish(&mut tx).await?;
            }
            tx.commit().await.map_err(|source| StoreError::Query {
                context: format!("importing {origin}"),
                source,
            })?;
            Ok((report, evaluated))
        }
        Err(reason) => {
            tx.rollback().await.map_err(|source| StoreError::Query {
                context: format!("importing {origin}"),
                source,
            })?;
            report.documents = 0;
            report.rejected.clear();
            report.error = Some(reason.clone());
            let raw = read_prefix(path);
            let mut conn = store
                .pool()
                .acquire()
                .await
                .map_err(|source| StoreError::Query {
                    context: format!("keeping {origin} aside"),
                    source,
                })?;
            store::insert_rejects(
                &mut conn,
                vec![RejectRow {
                    source: source.as_str().to_string(),
                    origin,
                    order_ref: None,
                    reason,
                    raw,
                    rejected_at: now,
                }],
            )
            .await?;
            Ok((report, 0))
        }
    }
}

/// What one batch of items did to the store.
#[derive(Debug, Default)]
pub struct Applied {
    pub documents: usize,
    /// One reason per document kept aside.
    pub rejected: Vec<String>,
    pub evaluated: usize,
}

/// Files one batch of parsed items inside the caller's transaction: documents
/// are stored and their orders re-evaluated, rejected ones kept aside.
pub async fn apply_items(
    conn: &mut AnyConnection,
    policy: &Policy,
    source: Source,
    items: Vec<Item>,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    apply_bodies(conn, policy, source, vec![(origin.to_string(), items)], now).await
}

/// Like [`apply_items`] for the items of several bodies at once, each kept
/// with the origin it came from: many small bodies cost one batch.
pub async fn apply_bodies(
    conn: &mut AnyConnection,
    policy: &Policy,
    source: Source,
    bodies: Vec<(String, Vec<Item>)>,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    let split = split_items(source, bodies, now);
    let mut applied = Applied {
        documents: split.docs.len(),
        rejected: split.reasons,
        evaluated: 0,
    };
    applied.evaluated = reconcile::file_batch(conn, split.docs, policy, now).await?;
    store::insert_rejects(conn, split.rejects).await?;
    Ok(applied)
}

/// A batch's items sorted into documents to file and rejects to keep aside.
struct Split {
    docs: Vec<IncomingDoc>,
    rejects: Vec<RejectRow>,
    /// One reason per reject.
    reasons: Vec<String>,
}

/// A [`Split`] whose documents are staged for the store.
struct Staged {
    docs: Vec<StagedDoc>,
    rejects: Vec<RejectRow>,
    reasons: Vec<String>,
}

fn stage(split: Split) -> Staged {
    Staged {
        docs: split.docs.into_iter().map(StagedDoc::new).collect(),
        rejects: split.rejects,
        reasons: split.reasons,
    }
}

fn split_items(source: Source, bodies: Vec<(String, Vec<Item>)>, now: DateTime<Utc>) -> Split {
    let mut split = Split {
        docs: Vec::with_capacity(bodies.iter().map(|(_, items)| items.len()).sum()),
        rejects: Vec::new(),
        reasons: Vec::new(),
    };
    for (origin, items) in bodies {
        for item in items {
            match item {
                Item::Document(doc) => split.docs.push(IncomingDoc {
                    content: doc.content,
                    raw: doc.raw,
                    origin: origin.clone(),
                    fetched_at: now,
                }),
                Item::Rejected(rejected) => {
                    split.reasons.push(rejected.reason.clone());
                    split.rejects.push(RejectRow {
                        source: source.as_str().to_string(),
                        origin: origin.clone(),
                        order_ref: rejected.order,
                        reason: rejected.reason,
                        raw: rejected.raw,
                        rejected_at: now,
                    });
                }
            }
        }
    }
    split
}

/// What a blocking task returned; its panic goes on in the caller, as it
/// would had the work run there.
async fn joined<T>(handle: JoinHandle<T>) -> T {
    match handle.await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn read_prefix(path: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(KEPT_BYTES).read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
