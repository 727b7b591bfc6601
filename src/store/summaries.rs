//! Model-written summaries kept by the hash of the request that produced
//! them: the same facts asked of the same model are answered from here.

use chrono::{DateTime, Utc};
use sqlx::{Acquire, Row};

use super::{from_millis, to_millis, QueryContext, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedSummary {
    pub model: String,
    pub reply: String,
    pub finish_reason: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn cached_summary(
        &self,
        prompt_hash: &str,
    ) -> Result<Option<CachedSummary>, StoreError> {
        let ctx = "reading a cached summary";
        let row = sqlx::query(
            "SELECT model, reply, finish_reason, prompt_tokens, completion_tokens, created_at \
             FROM summary_cache WHERE prompt_hash = $1",
        )
        .bind(prompt_hash.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(ctx)?;
        row.map(|row| {
            Ok(CachedSummary {
                model: row.try_get("model").context(ctx)?,
                reply: row.try_get("reply").context(ctx)?,
                finish_reason: row.try_get("finish_reason").context(ctx)?,
                prompt_tokens: row.try_get("prompt_tokens").context(ctx)?,
                completion_tokens: row.try_get("completion_tokens").context(ctx)?,
                created_at: from_millis(row.try_get("created_at").context(ctx)?),
            })
        })
        .transpose()
    }

    /// Keeps `summary` as the order's one cached summary.
    pub async fn cache_summary(
        &self,
        prompt_hash: &str,
        order_id: i64,
        summary: &CachedSummary,
    ) -> Result<(), StoreError> {
        let ctx = "caching a summary";
        let mut conn = self.pool.acquire().await.context(ctx)?;
        let mut tx = conn.begin().await.context(ctx)?;
        sqlx::query("DELETE FROM summary_cache WHERE order_id = $1 AND prompt_hash <> $2")
            .bind(order_id)
            .bind(prompt_hash.to_string())
            .execute(&mut *tx)
            .await
            .context(ctx)?;
        sqlx::query(
            "INSERT INTO summary_cache (prompt_hash, order_id, model, reply, finish_reason, \
             prompt_tokens, completion_tokens, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (prompt_hash) DO UPDATE SET order_id = excluded.order_id, \
             model = excluded.model, reply = excluded.reply, finish_reason = excluded.finish_reason, \
             prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, \
             created_at = excluded.created_at",
        )
        .bind(prompt_hash.to_string())
        .bind(order_id)
        .bind(summary.model.clone())
        .bind(summary.reply.clone())
        .bind(summary.finish_reason.clone())
        .bind(summary.prompt_tokens)
        .bind(summary.completion_tokens)
        .bind(to_millis(summary.created_at))
        .execute(&mut *tx)
        .await
        .context(ctx)?;
        tx.commit().await.context(ctx)
    }
}
