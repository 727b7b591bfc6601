//! Action runs: each execution is written with its idempotency key before
//! any request leaves, claimed per order (one unsettled run per order, held
//! by a process under a lease), and settled together with its audit entry in
//! one transaction.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::{self, AuditEntry, AuditFields};
use super::{from_millis, to_millis, QueryContext, Store, StoreError};

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Claimed; nothing sent yet.
    Claimed,
    /// A request may have reached the backend; its outcome is not known here.
    Sent,
    Done,
    Failed,
    /// Given up before anything was sent.
    Withdrawn,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Claimed => "claimed",
            RunStatus::Sent => "sent",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Withdrawn => "withdrawn",
        }
    }

    fn parse(value: &str) -> RunStatus {
        match value {
            "sent" => RunStatus::Sent,
            "done" => RunStatus::Done,
            "failed" => RunStatus::Failed,
            "withdrawn" => RunStatus::Withdrawn,
            _ => RunStatus::Claimed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    pub idempotency_key: String,
    /// The order's name key (`normalize_order_name`): what is claimed.
    pub order_ref: String,
    pub order_name: String,
    pub action: String,
    pub actor: String,
    pub reason_code: String,
    pub note: Option<String>,
    pub preview: String,
    pub holder_host: String,
    pub holder_pid: i64,
    pub lease_until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRun {
    pub id: i64,
    pub idempotency_key: String,
    pub order_ref: String,
    pub order_name: String,
    pub action: String,
    pub actor: String,
    pub reason_code: String,
    pub note: Option<String>,
    pub status: RunStatus,
    pub holder_host: String,
    pub holder_pid: i64,
    pub lease_until: DateTime<Utc>,
    pub preview: String,
    pub result: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a claim came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A new run, ours.
    Won(ActionRun),
    /// An unsettled run of the same action whose holder is gone: ours now,
    /// with its original idempotency key, to be finished rather than repeated.
    TakenOver(ActionRun),
    /// Someone else's run is under way on this order.
    Busy(ActionRun),
}

const RUN_COLUMNS: &str = "id, idempotency_key, order_ref, order_name, action, actor, \
                           reason_code, note, status, holder_host, holder_pid, lease_until, \
                           preview, result, created_at, updated_at";

fn run_row(row: &AnyRow) -> Result<ActionRun, StoreError> {
    let ctx = "reading an action run";
    Ok(ActionRun {
        id: row.try_get("id").context(ctx)?,
        idempotency_key: row.try_get("idempotency_key").context(ctx)?,
        order_ref: row.try_get("order_ref").context(ctx)?,
        order_name: row.try_get("order_name").context(ctx)?,
        action: row.try_get("action").context(ctx)?,
        actor: row.try_get("actor").context(ctx)?,
        reason_code: row.try_get("reason_code").context(ctx)?,
        note: row.try_get("note").context(ctx)?,
        status: RunStatus::parse(&row.try_get::<String, _>("status").context(ctx)?),
        holder_host: row.try_get("holder_host").context(ctx)?,
        holder_pid: row.try_get("holder_pid").context(ctx)?,
        lease_until: from_millis(row.try_get("lease_until").context(ctx)?),
        preview: row.try_get("preview").context(ctx)?,
        result: row.try_get("result").context(ctx)?,
        created_at: from_millis(row.try_get("created_at").context(ctx)?),
        updated_at: from_millis(row.try_get("updated_at").context(ctx)?),
    })
}

impl Store {
    /// The order's unsettled run, if any.
    pub async fn open_run(&self, order_ref: &str) -> Result<Option<ActionRun>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM action_runs WHERE open_slot = $1");
        let row = sqlx::query(&sql)
            .bind(order_ref.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("reading the order's open action run")?;
        row.as_ref().map(run_row).transpose()
    }

    /// Claims the order for `run`. `abandoned` says whether an unsettled
    /// run's holder is gone (its process ended, or its lease ran out). Two
    /// claimants never both win: the insert is refused by the unique open
    /// slot, and a take-over only succeeds on the holder it read.
    pub async fn claim_run(
        &self,
        run: &NewRun,
        now: DateTime<Utc>,
        abandoned: impl Fn(&ActionRun) -> bool,
    ) -> Result<Claim, StoreError> {
        if let Some(open) = self.open_run(&run.order_ref).await? {
            if open.action != run.action || !abandoned(&open) {
                return Ok(Claim::Busy(open));
            }
            let taken = sqlx::query(
                "UPDATE action_runs SET holder_host = $1, holder_pid = $2, lease_until = $3, \
                 updated_at = $4 WHERE id = $5 AND holder_host = $6 AND holder_pid = $7 \
                 AND lease_until = $8 AND open_slot IS NOT NULL",
            )
            .bind(run.holder_host.clone())
            .bind(run.holder_pid)
            .bind(to_millis(run.lease_until))
            .bind(to_millis(now))
            .bind(open.id)
            .bind(open.holder_host.clone())
            .bind(open.holder_pid)
            .bind(to_millis(open.lease_until))
            .execute(&self.pool)
            .await
            .context("taking over an abandoned action run")?;
            let current = self.open_run(&run.order_ref).await?;
            return Ok(match current {
                Some(current) if taken.rows_affected() == 1 => Claim::TakenOver(current),
                Some(current) => Claim::Busy(current),
                None => Claim::Busy(open),
            });
        }
        let inserted = sqlx::query(
            "INSERT INTO action_runs (idempotency_key, order_ref, order_name, action, actor, \
             reason_code, note, status, open_slot, holder_host, holder_pid, lease_until, preview, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'claimed', $2, $8, $9, $10, $11, $12, $12)",
        )
        .bind(run.idempotency_key.clone())
        .bind(run.order_ref.clone())
        .bind(run.order_name.clone())
        .bind(run.action.clone())
        .bind(run.actor.clone())
        .bind(run.reason_code.clone())
        .bind(run.note.clone())
        .bind(run.holder_host.clone())
        .bind(run.holder_pid)
        .bind(to_millis(run.lease_until))
        .bind(run.preview.clone())
        .bind(to_millis(now))
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                // Another claimant inserted first.
                return match self.open_run(&run.order_ref).await? {
                    Some(open) => Ok(Claim::Busy(open)),
                    None => Err(StoreError::Query {
                        context: format!(
                            "claiming order {}: a run was claimed and settled at once",
                            run.order_name
                        ),
                        source: sqlx::Error::Database(e),
                    }),
                };
            }
            Err(e) => return Err(e).context("claiming an order for an action"),
        }
        match self.open_run(&run.order_ref).await? {
            Some(open) if open.idempotency_key == run.idempotency_key => Ok(Claim::Won(open)),
            Some(open) => Ok(Claim::Busy(open)),
            None => Err(StoreError::Query {
                context: format!("claiming order {}", run.order_name),
                source: sqlx::Error::RowNotFound,
            }),
        }
    }

    /// Marks the run as possibly delivered: written before the request
    /// leaves, so a crash after it is reconciled, not repeated blindly.
    pub async fn mark_run_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE action_runs SET status = 'sent', updated_at = $1 WHERE id = $2")
            .bind(to_millis(now))
            .bind(id)
            .execute(&self.pool)
            .await
            .context("recording an action as sent")?;
        Ok(())
    }

    /// Lets the run go unsettled: its outcome is unknown, and the next
    /// attempt at the same action may take it over at once.
    pub async fn release_run(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE action_runs SET lease_until = 0, updated_at = $1 WHERE id = $2")
            .bind(to_millis(now))
            .bind(id)
            .execute(&self.pool)
            .await
            .context("releasing an action run")?;
        Ok(())
    }

    /// Gives a claim up before anything was sent: no audit entry, as
    /// nothing happened.
    pub async fn withdraw_run(
        &self,
        id: i64,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE action_runs SET status = 'withdrawn', open_slot = NULL, result = $1, \
             updated_at = $2 WHERE id = $3 AND status = 'claimed'",
        )
        .bind(why.to_string())
        .bind(to_millis(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .context("withdrawing an action run")?;
        Ok(())
    }

    /// Settles the run (done or failed) and appends its audit entry, in one
    /// transaction: there is never a settled run without its entry.
    pub async fn settle_run(
        &self,
        id: i64,
        status: RunStatus,
        fields: &AuditFields,
        resolved_codes: &[String],
    ) -> Result<AuditEntry, StoreError> {
        const ATTEMPTS: usize = 5;
        let mut last_error = None;
        for _ in 0..ATTEMPTS {
            match self.settle_once(id, status, fields, resolved_codes).await {
                Ok(entry) => return Ok(entry),
                Err(StoreError::Query {
                    context,
                    source: sqlx::Error::Database(e),
                }) if e.is_unique_violation() => {
                    last_error = Some(StoreError::Query {
                        context,
                        source: sqlx::Error::Database(e),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or(StoreError::Query {
            context: "appending to the audit log".to_string(),
            source: sqlx::Error::PoolTimedOut,
        }))
    }

    async fn settle_once(
        &self,
        id: i64,
        status: RunStatus,
        fields: &AuditFields,
        resolved_codes: &[String],
    ) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await.context("settling an action run")?;
        // The run is written first: on SQLite that takes the write lock, so
        // the audit head read next cannot change under this transaction.
        sqlx::query(
            "UPDATE action_runs SET status = $1, open_slot = NULL, result = $2, updated_at = $3 \
             WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(fields.result.clone())
        .bind(to_millis(fields.at))
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("settling an action run")?;
        for code in resolved_codes {
            sqlx::query(
                "INSERT INTO resolutions (order_ref, code, reason_code, resolved_by, resolved_at, \
                 run_key) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(fields.order_ref.clone())
            .bind(code.clone())
            .bind(fields.reason_code.clone())
            .bind(fields.actor.clone())
            .bind(to_millis(fields.at))
            .bind(fields.run_key.clone())
            .execute(&mut *tx)
            .await
            .context("recording a resolution")?;
        }
        if !resolved_codes.is_empty() {
            // Its queue changes with the resolution: evaluate it at the
            // next refresh.
            sqlx::query("UPDATE orders SET next_eval_at = 0 WHERE name_key = $1")
                .bind(fields.order_ref.clone())
                .execute(&mut *tx)
                .await
                .context("recording a resolution")?;
        }
        let entry = audit::append(&mut tx, fields).await?;
        sqlx::query("UPDATE action_runs SET audit_seq = $1, audit_hash = $2 WHERE id = $3")
            .bind(entry.seq)
            .bind(entry.hash.clone())
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("settling an action run")?;
        tx.commit().await.context("settling an action run")?;
        Ok(entry)
    }

    /// The run under `key`, whatever its state.
    pub async fn run_by_key(&self, key: &str) -> Result<Option<ActionRun>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM action_runs WHERE idempotency_key = $1");
        let row = sqlx::query(&sql)
            .bind(key.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("reading action runs")?;
        row.as_ref().map(run_row).transpose()
    }

    /// The latest settled run of `action` on the order that succeeded.
    pub async fn last_done_run(
        &self,
        order_ref: &str,
        action: &str,
    ) -> Result<Option<ActionRun>, StoreError> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM action_runs WHERE order_ref = $1 AND action = $2 \
             AND status = 'done' ORDER BY id DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(order_ref.to_string())
            .bind(action.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("reading action runs")?;
        row.as_ref().map(run_row).transpose()
    }

    /// Finding codes already marked resolved on the order.
    pub async fn resolved_codes(&self, order_ref: &str) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT DISTINCT code FROM resolutions WHERE order_ref = $1 ORDER BY code")
                .bind(order_ref.to_string())
                .fetch_all(&self.pool)
                .await
                .context("reading resolutions")?;
        rows.iter()
            .map(|r| {
                r.try_get::<String, _>("code")
                    .context("reading resolutions")
            })
            .collect()
    }
}
