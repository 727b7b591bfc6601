//! The audit log: append-only, each entry carrying the SHA-256 of a
//! canonical serialization of itself and its predecessor's hash, so that an
//! entry edited, deleted, inserted or moved breaks the chain at that point.
//! A keyless chain cannot stop someone who rewrites every later hash as well;
//! the action runs' copies of each entry's hash and the head hash printed by
//! `audit verify` are what such a rewrite has to get past too.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{from_millis, to_millis, QueryContext, Store, StoreError};

/// The hash the first entry chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry says, before the log numbers and chains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFields {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub order_ref: String,
    pub reason_code: String,
    pub note: Option<String>,
    /// JSON: the requests as previewed, secrets masked.
    pub preview: String,
    /// JSON: what came of it.
    pub result: String,
    /// JSON: the order as orderdeck saw it before and after.
    pub before: String,
    pub after: String,
    /// The action run's idempotency key.
    pub run_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

/// The bytes that are hashed: field order is fixed by the struct, times are
/// written to the millisecond as they are stored, and the sequence number
/// and previous hash are inside, so moving an entry changes its hash.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    prev_hash: &'a str,
    at: String,
    actor: &'a str,
    action: &'a str,
    order_ref: &'a str,
    reason_code: &'a str,
    note: Option<&'a str>,
    preview: &'a str,
    result: &'a str,
    before: &'a str,
    after: &'a str,
    run_key: &'a str,
}

pub fn entry_hash(seq: i64, prev_hash: &str, fields: &AuditFields) -> String {
    let canonical = Canonical {
        seq,
        prev_hash,
        at: fields.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        actor: &fields.actor,
        action: &fields.action,
        order_ref: &fields.order_ref,
        reason_code: &fields.reason_code,
        note: fields.note.as_deref(),
        preview: &fields.preview,
        result: &fields.result,
        before: &fields.before,
        after: &fields.after,
        run_key: &fields.run_key,
    };
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, order_ref, reason_code, note, preview, \
                             result, before_state, after_state, run_key, prev_hash, hash";

fn audit_row(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let ctx = "reading the audit log";
    Ok(AuditEntry {
        seq: row.try_get("seq").context(ctx)?,
        fields: AuditFields {
            at: from_millis(row.try_get("at").context(ctx)?),
            actor: row.try_get("actor").context(ctx)?,
            action: row.try_get("action").context(ctx)?,
            order_ref: row.try_get("order_ref").context(ctx)?,
            reason_code: row.try_get("reason_code").context(ctx)?,
            note: row.try_get("note").context(ctx)?,
            preview: row.try_get("preview").context(ctx)?,
            result: row.try_get("result").context(ctx)?,
            before: row.try_get("before_state").context(ctx)?,
            after: row.try_get("after_state").context(ctx)?,
            run_key: row.try_get("run_key").context(ctx)?,
        },
        prev_hash: row.try_get("prev_hash").context(ctx)?,
        hash: row.try_get("hash").context(ctx)?,
    })
}

/// Appends one entry on `conn`, which must be inside a transaction that has
/// already written (so that, on SQLite, it holds the write lock and no other
/// writer can take the same sequence number). On PostgreSQL a concurrent
/// appender fails on the primary key and its transaction is retried.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    fields: &AuditFields,
) -> Result<AuditEntry, StoreError> {
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .context("reading the audit log's head")?;
    let (seq, prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")
                .context("reading the audit log's head")?
                + 1,
            row.try_get::<String, _>("hash")
                .context("reading the audit log's head")?,
        ),
        None => (1, GENESIS_HASH.to_string()),
    };
    let hash = entry_hash(seq, &prev_hash, fields);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, order_ref, reason_code, note, preview, \
         result, before_state, after_state, run_key, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(seq)
    .bind(to_millis(fields.at))
    .bind(fields.actor.clone())
    .bind(fields.action.clone())
    .bind(fields.order_ref.clone())
    .bind(fields.reason_code.clone())
    .bind(fields.note.clone())
    .bind(fields.preview.clone())
    .bind(fields.result.clone())
    .bind(fields.before.clone())
    .bind(fields.after.clone())
    .bind(fields.run_key.clone())
    .bind(prev_hash.clone())
    .bind(hash.clone())
    .execute(&mut *conn)
    .await
    .context("appending to the audit log")?;
    Ok(AuditEntry {
        seq,
        fields: fields.clone(),
        prev_hash,
        hash,
    })
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact {
        entries: u64,
        head: String,
    },
    /// The first entry (by position in the log) that does not hold.
    Broken {
        seq: i64,
        problem: String,
    },
}

impl Store {
    /// Walks the chain from the first entry, then checks that every settled
    /// action run still finds the entry it wrote.
    pub async fn verify_audit(&self) -> Result<Verification, StoreError> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq");
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .context("reading the audit log")?;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut hashes = std::collections::HashMap::new();
        let mut keys = Vec::new();
        for (expected_seq, row) in (1..).zip(rows.iter()) {
            let entry = audit_row(row)?;
            let broken = |problem: String| Verification::Broken {
                seq: entry.seq,
                problem,
            };
            if entry.seq != expected_seq {
                return Ok(broken(format!(
                    "expected entry {expected_seq} here: an entry is missing or was inserted"
                )));
            }
            if entry.prev_hash != prev_hash {
                return Ok(broken(
                    "does not chain to the entry before it: an entry before it was deleted, \
                     inserted or moved"
                        .to_string(),
                ));
            }
            if entry_hash(entry.seq, &entry.prev_hash, &entry.fields) != entry.hash {
                return Ok(broken(
                    "its content does not match its hash: it was edited".to_string(),
                ));
            }
            hashes.insert(entry.seq, entry.hash.clone());
            keys.push((entry.seq, entry.fields.run_key.clone()));
            prev_hash = entry.hash;
        }
        let recorded = sqlx::query(
            "SELECT idempotency_key, audit_seq, audit_hash FROM action_runs \
             WHERE audit_seq IS NOT NULL ORDER BY audit_seq",
        )
        .fetch_all(&self.pool)
        .await
        .context("reading action runs")?;
        let mut runs = std::collections::HashMap::new();
        for row in &recorded {
            let key: String = row
                .try_get("idempotency_key")
                .context("reading action runs")?;
            let seq: i64 = row.try_get("audit_seq").context("reading action runs")?;
            runs.insert(key, seq);
        }
        // An entry no run wrote was put there from outside.
        for (seq, key) in &keys {
            if runs.get(key) != Some(seq) {
                return Ok(Verification::Broken {
                    seq: *seq,
                    problem: "no action run wrote it: inserted".to_string(),
                });
            }
        }
        for row in &recorded {
            let seq: i64 = row.try_get("audit_seq").context("reading action runs")?;
            let hash: String = row.try_get("audit_hash").context("reading action runs")?;
            match hashes.get(&seq) {
                Some(found) if *found == hash => {}
                Some(_) => {
                    return Ok(Verification::Broken {
                        seq,
                        problem: "differs from the entry its action run recorded: the log \
                                  was rewritten from here"
                            .to_string(),
                    })
                }
                None => {
                    return Ok(Verification::Broken {
                        seq,
                        problem: "is gone although its action run recorded it: deleted".to_string(),
                    })
                }
            }
        }
        Ok(Verification::Intact {
            entries: rows.len() as u64,
            head: prev_hash,
        })
    }

    /// An order's audit trail, oldest first (the console's detail pane).
    pub async fn audit_trail(&self, order_ref: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE order_ref = $1 ORDER BY seq");
        let rows = sqlx::query(&sql)
            .bind(order_ref.to_string())
            .fetch_all(&self.pool)
            .await
            .context("reading the audit log")?;
        rows.iter().map(audit_row).collect()
    }
}
