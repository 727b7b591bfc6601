//! Persistence through sqlx's `Any` driver, so SQLite (the default) and
//! PostgreSQL (shared deployments) run the same statements; only the
//! migrations differ, where the two dialects do.

mod action_runs;
mod audit;
mod body;
mod bulk_indexes;
mod ingest;
mod jobs;
mod params;
mod queries;
mod reservations;
mod results;
mod search_index;
mod summaries;
mod sync_state;
mod vendor_api;
mod vendor_edi;

pub use action_runs::{ActionRun, Claim, NewRun, RunStatus};
pub use audit::{entry_hash, AuditEntry, AuditFields, Verification, GENESIS_HASH};
pub use body::{pack, unpack, PackedBody};
pub use bulk_indexes::BulkIndexes;
pub use ingest::{ingest_batch, ingest_staged, Evaluate, IncomingDoc, IngestOutcome, StagedDoc};
pub use jobs::{Job, JobStatus, NewJob};
pub use queries::{
    insert_rejects, BreachRow, OrderDetail, OrderRow, PayloadRow, QueueSort, RejectRow,
};
pub use results::{
    due_for_evaluation, load_facts, prepare_evaluations, resolutions_of, write_evaluations,
    PreparedEvaluations,
};
pub use search_index::{defer_search_index, DeferredSearchIndex};
pub use summaries::CachedSummary;
pub use sync_state::{OpenParcel, OrderKeys, SourceHealth};
pub use vendor_api::PoSend;
pub use vendor_edi::{
    interchange_seen, next_control_number, outbound_po, purchase_order, record_interchange,
    record_outbound_path, upsert_atp, vendor_atp, AtpRow, SeenBefore,
};

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("bad database URL {url:?}: {message}")]
    BadUrl { url: String, message: String },
    #[error("cannot open database {url}: {source}")]
    Open {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate database {url}: {source}")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error while {context}: {source}")]
    Query {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("stored facts of order {order_id} ({kind}) cannot be read: {source}")]
    CorruptFacts {
        order_id: i64,
        kind: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("a stored payload cannot be unpacked: {0}")]
    CorruptBody(String),
    #[error("no data directory for this user; pass --db")]
    NoDataDir,
}

pub(crate) trait QueryContext<T> {
    fn context(self, what: &str) -> Result<T, StoreError>;
}

impl<T> QueryContext<T> for Result<T, sqlx::Error> {
    fn context(self, what: &str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query {
            context: what.to_string(),
            source,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The engine behind a connection, for the few statements the two write
    /// differently.
    pub(crate) fn of(conn: &AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// The order store. Cheap to clone: it is a connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at
    /// `url`: `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl {
                url: url.to_string(),
                message: "expected sqlite://PATH or postgres://USER@HOST/DB".into(),
            });
        };
        let url_with_mode = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options =
            AnyConnectOptions::from_str(&url_with_mode).map_err(|e| StoreError::BadUrl {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        if backend == Backend::Sqlite {
            create_parent_dir(url)?;
        }
        // One plain connection first: an unreachable server or a bad
        // password fails at once with its own message, instead of after the
        // pool's acquire timeout.
        let probe = AnyConnection::connect_with(&options)
            .await
            .map_err(|source| StoreError::Open {
                url: redact_url(url),
                source,
            })?;
        probe.close().await.map_err(|source| StoreError::Open {
            url: redact_url(url),
            source,
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers (the console) run beside the writer
                        // (the workers); the busy timeout makes a second
                        // writer wait instead of failing. A large import's WAL
                        // is as large as what it wrote; SQLite reuses the file
                        // rather than shrink it, so it would stay gigabytes on
                        // disk for as long as the console keeps a connection
                        // open: the size limit cuts it back when it starts over.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                             PRAGMA journal_size_limit = 16777216;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                url: redact_url(url),
                source,
            })?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: redact_url(url),
                source,
            })?;
        Ok(Store { pool, backend })
    }

    /// The default database: `orderdeck.sqlite` in the user's data dir.
    pub fn default_url() -> Result<String, StoreError> {
        let dirs = crate::paths::project_dirs().ok_or(StoreError::NoDataDir)?;
        Ok(sqlite_url(&dirs.data_dir().join("orderdeck.sqlite")))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn create_parent_dir(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = PathBuf::from(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::BadUrl {
            url: url.to_string(),
            message: format!("cannot create {}: {e}", parent.display()),
        })?;
    }
    Ok(())
}

/// Hides a password in a database URL before it reaches an error or a log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The highest order id: the orders a transaction creates after reading it
/// are those above it.
pub(crate) async fn highest_order_id(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    sqlx::query("SELECT COALESCE(MAX(id), 0) AS above FROM orders")
        .fetch_one(&mut *conn)
        .await
        .context("reading the highest order id")?
        .try_get("above")
        .context("reading the highest order id")
}
