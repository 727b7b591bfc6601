//! The job table workers share: a job is enqueued once per idempotency key,
//! claimed by lease (so a crashed worker's job comes back when its lease runs
//! out), and retried until its attempts are spent.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{from_millis, to_millis, QueryContext, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    /// A second enqueue with the same key is a no-op.
    pub idempotency_key: String,
    pub payload: String,
    pub max_attempts: i64,
    pub run_after: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Leased,
    Done,
    /// Attempts spent: kept for an operator to see, never retried.
    Failed,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Leased => "leased",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(value: &str) -> JobStatus {
        match value {
            "leased" => JobStatus::Leased,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => JobStatus::Queued,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub idempotency_key: String,
    pub payload: String,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

const JOB_COLUMNS: &str = "id, kind, idempotency_key, payload, status, attempts, max_attempts, \
                           run_after, lease_owner, lease_until, last_error";

fn job_row(row: &AnyRow) -> Result<Job, StoreError> {
    let ctx = "reading a job";
    Ok(Job {
        id: row.try_get("id").context(ctx)?,
        kind: row.try_get("kind").context(ctx)?,
        idempotency_key: row.try_get("idempotency_key").context(ctx)?,
        payload: row.try_get("payload").context(ctx)?,
        status: JobStatus::parse(&row.try_get::<String, _>("status").context(ctx)?),
        attempts: row.try_get("attempts").context(ctx)?,
        max_attempts: row.try_get("max_attempts").context(ctx)?,
        run_after: from_millis(row.try_get("run_after").context(ctx)?),
        lease_owner: row.try_get("lease_owner").context(ctx)?,
        lease_until: row
            .try_get::<Option<i64>, _>("lease_until")
            .context(ctx)?
            .map(from_millis),
        last_error: row.try_get("last_error").context(ctx)?,
    })
}

impl Store {
    /// Queues a job; returns false when one with the same key already exists.
    pub async fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO jobs (kind, idempotency_key, payload, status, attempts, max_attempts, run_after, created_at, updated_at) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $6) ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(job.kind.clone())
        .bind(job.idempotency_key.clone())
        .bind(job.payload.clone())
        .bind(job.max_attempts)
        .bind(to_millis(job.run_after))
        .bind(to_millis(now))
        .execute(&self.pool)
        .await
        .context("queueing a job")?;
        Ok(result.rows_affected() == 1)
    }

    /// Claims the next runnable job (queued and due, or leased by a worker
    /// whose lease ran out) for `lease_for`. Two workers never hold one job:
    /// the outer condition is checked again on the row being updated.
    pub async fn lease_job(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_for: TimeDelta,
    ) -> Result<Option<Job>, StoreError> {
        let sql = format!(
            "UPDATE jobs SET status = 'leased', lease_owner = $1, lease_until = $2, \
             attempts = attempts + 1, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE attempts < max_attempts AND \
                 ((status = 'queued' AND run_after <= $3) OR (status = 'leased' AND lease_until < $3)) \
                 ORDER BY run_after, id LIMIT 1) \
             AND attempts < max_attempts \
             AND ((status = 'queued' AND run_after <= $3) OR (status = 'leased' AND lease_until < $3)) \
             RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(owner.to_string())
            .bind(to_millis(now + lease_for))
            .bind(to_millis(now))
            .fetch_optional(&self.pool)
            .await
            .context("leasing a job")?;
        row.as_ref().map(job_row).transpose()
    }

    /// Marks a leased job done; false if the lease was lost to another worker.
    pub async fn complete_job(
        &self,
        job: &Job,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = $1 \
             WHERE id = $2 AND status = 'leased' AND lease_owner = $3",
        )
        .bind(to_millis(now))
        .bind(job.id)
        .bind(owner.to_string())
        .execute(&self.pool)
        .await
        .context("completing a job")?;
        Ok(result.rows_affected() == 1)
    }

    /// Records a failed attempt: retried at `retry_at`, or failed for good
    /// once its attempts are spent.
    pub async fn fail_job(
        &self,
        job: &Job,
        owner: &str,
        error: &str,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<JobStatus, StoreError> {
        let status = if job.attempts >= job.max_attempts {
            JobStatus::Failed
        } else {
            JobStatus::Queued
        };
        sqlx::query(
            "UPDATE jobs SET status = $1, last_error = $2, run_after = $3, lease_owner = NULL, \
             lease_until = NULL, updated_at = $4 WHERE id = $5 AND status = 'leased' AND lease_owner = $6",
        )
        .bind(status.as_str())
        .bind(error.to_string())
        .bind(to_millis(retry_at))
        .bind(to_millis(now))
        .bind(job.id)
        .bind(owner.to_string())
        .execute(&self.pool)
        .await
        .context("recording a failed job")?;
        Ok(status)
    }

    /// Whether a job of `kind` whose key starts with `key_prefix` is still
    /// queued or running.
    pub async fn pending_job_for(&self, kind: &str, key_prefix: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM jobs WHERE kind = $1 AND idempotency_key LIKE $2 \
             AND status IN ('queued', 'leased') LIMIT 1",
        )
        .bind(kind.to_string())
        .bind(format!("{}%", key_prefix.replace('%', "")))
        .fetch_optional(&self.pool)
        .await
        .context("looking for a pending job")?;
        Ok(row.is_some())
    }

    pub async fn job_by_key(&self, key: &str) -> Result<Option<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE idempotency_key = $1");
        let row = sqlx::query(&sql)
            .bind(key.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("reading a job")?;
        row.as_ref().map(job_row).transpose()
    }
}
