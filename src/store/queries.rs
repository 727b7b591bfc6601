//! Read side: queue pages, one order's detail, reports. Pages are bounded:
//! the console and scripts read a screen or a page at a time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::params::{bind_all, insert_rows, placeholders, Param, Style};
use super::{from_millis, results, to_millis, QueryContext, Store, StoreError};
use crate::domain::{
    normalize_order_name, Evidence, Finding, FindingCode, OrderFacts, Queue, Verdict,
};

/// One order as listed in a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub id: i64,
    pub name: String,
    pub storefront_id: Option<String>,
    pub customer: Option<String>,
    pub placed_at: Option<DateTime<Utc>>,
    pub queue: Queue,
    pub top_code: Option<String>,
    pub top_reason: Option<String>,
    pub ship_by: Option<DateTime<Utc>>,
    pub evaluated_at: Option<DateTime<Utc>>,
    /// Who ships it (`engine::Listing::source`).
    pub source_label: Option<String>,
    /// `storefront|warehouse|carrier` states (`engine::Listing`).
    pub system_states: Option<String>,
}

/// One stored snapshot, without its body.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadRow {
    pub kind: String,
    pub doc_id: String,
    pub fetched_at: DateTime<Utc>,
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct OrderDetail {
    pub row: OrderRow,
    pub findings: Vec<Finding>,
    pub facts: OrderFacts,
    pub payloads: Vec<PayloadRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BreachRow {
    pub order: OrderRow,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectRow {
    pub source: String,
    pub origin: String,
    pub order_ref: Option<String>,
    pub reason: String,
    pub raw: String,
    pub rejected_at: DateTime<Utc>,
}

const ORDER_COLUMNS: &str = "id, name, storefront_id, customer, placed_at, queue, top_code, \
     top_reason, ship_by, evaluated_at, source_label, system_states";

fn order_row(row: &AnyRow) -> Result<OrderRow, StoreError> {
    let ctx = "reading an order";
    let id: i64 = row.try_get("id").context(ctx)?;
    let queue: String = row.try_get("queue").context(ctx)?;
    let name: Option<String> = row.try_get("name").context(ctx)?;
    let storefront_id: Option<String> = row.try_get("storefront_id").context(ctx)?;
    Ok(OrderRow {
        id,
        name: name
            .or_else(|| storefront_id.clone())
            .unwrap_or_else(|| format!("order {id}")),
        storefront_id,
        customer: row.try_get("customer").context(ctx)?,
        placed_at: row
            .try_get::<Option<i64>, _>("placed_at")
            .context(ctx)?
            .map(from_millis),
        queue: Queue::parse(&queue).unwrap_or(Queue::Ok),
        top_code: row.try_get("top_code").context(ctx)?,
        top_reason: row.try_get("top_reason").context(ctx)?,
        ship_by: row
            .try_get::<Option<i64>, _>("ship_by")
            .context(ctx)?
            .map(from_millis),
        evaluated_at: row
            .try_get::<Option<i64>, _>("evaluated_at")
            .context(ctx)?
            .map(from_millis),
        source_label: row.try_get("source_label").context(ctx)?,
        system_states: row.try_get("system_states").context(ctx)?,
    })
}

/// How the console orders a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    /// Earliest deadline first: the most urgent on top.
    #[default]
    Deadline,
    /// Most recently placed first.
    Newest,
    OrderNumber,
}

impl QueueSort {
    pub fn name(self) -> &'static str {
        match self {
            QueueSort::Deadline => "deadline",
            QueueSort::Newest => "newest",
            QueueSort::OrderNumber => "order number",
        }
    }

    pub fn next(self) -> QueueSort {
        match self {
            QueueSort::Deadline => QueueSort::Newest,
            QueueSort::Newest => QueueSort::OrderNumber,
            QueueSort::OrderNumber => QueueSort::Deadline,
        }
    }
}

/// One `LIKE` pattern per word of a filter, with `%`, `_` and `\` taken
/// literally.
fn filter_patterns(filter: &str) -> Vec<String> {
    filter
        .split_whitespace()
        .map(|word| {
            let escaped = word
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect()
}

/// One condition per word, numbered from `first`. On SQLite a word of
/// three characters or more is looked up in the trigram index (which takes
/// no ESCAPE: its pattern is the word as typed, so a `%` or `_` in it falls
/// back to the scan, as do shorter words).
fn filter_clause(backend: super::Backend, words: &[String], first: usize) -> String {
    words
        .iter()
        .enumerate()
        .map(|(i, pattern)| {
            let literal = &pattern[1..pattern.len() - 1];
            let indexed = backend == super::Backend::Sqlite
                && literal.chars().count() >= 3
                && !literal.contains(['%', '_', '\\']);
            if indexed {
                format!(
                    " AND id IN (SELECT rowid FROM orders_search WHERE search_text LIKE ${})",
                    first + i
                )
            } else {
                format!(" AND search_text LIKE ${} ESCAPE '\\'", first + i)
            }
        })
        .collect()
}

fn counts_from(rows: &[AnyRow]) -> Result<HashMap<Queue, i64>, StoreError> {
    let mut counts = HashMap::new();
    for row in rows {
        let queue: String = row.try_get("queue").context("counting queues")?;
        let n: i64 = row.try_get("n").context("counting queues")?;
        if let Some(queue) = Queue::parse(&queue) {
            counts.insert(queue, n);
        }
    }
    Ok(counts)
}

impl Store {
    fn placeholder_style(&self) -> Style {
        match self.backend {
            super::Backend::Sqlite => Style::Anonymous,
            super::Backend::Postgres => Style::Numbered,
        }
    }

    /// One page of a queue, most urgent first (earliest deadline, then id),
    /// continuing after `after` (the last row of the previous page).
    pub async fn queue_page(
        &self,
        queue: Queue,
        after: Option<&OrderRow>,
        limit: i64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        // NULL deadlines sort last on both engines through this stand-in.
        let far = i64::MAX;
        let (after_ship_by, after_id) = after.map_or((i64::MIN, i64::MIN), |row| {
            (row.ship_by.map_or(far, to_millis), row.id)
        });
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE queue = $1 \
             AND (COALESCE(ship_by, $2) > $3 OR (COALESCE(ship_by, $2) = $3 AND id > $4)) \
             ORDER BY COALESCE(ship_by, $2), id LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(queue.as_str())
            .bind(far)
            .bind(after_ship_by)
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .context("listing a queue")?;
        rows.iter().map(order_row).collect()
    }

    /// Rows `offset..offset + limit` of a queue in `sort` order, keeping only
    /// orders whose search text holds every word of `filter`: the console's
    /// window onto a queue of any length.
    pub async fn queue_window(
        &self,
        queue: Queue,
        filter: &str,
        sort: QueueSort,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        let words = filter_patterns(filter);
        let order_by = match sort {
            // NULL deadlines last on both engines; equal deadlines by
            // order number, not by the order they happened to arrive in.
            QueueSort::Deadline => "COALESCE(ship_by, 9223372036854775807), name_key, id",
            QueueSort::Newest => "COALESCE(placed_at, 0) DESC, name_key DESC, id DESC",
            QueueSort::OrderNumber => "name_key, id",
        };
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE queue = $1{} \
             ORDER BY {order_by} LIMIT $2 OFFSET $3",
            filter_clause(self.backend, &words, 4)
        );
        let mut query = sqlx::query(&sql)
            .bind(queue.as_str())
            .bind(limit)
            .bind(offset);
        for word in words {
            query = query.bind(word);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("listing a queue")?;
        rows.iter().map(order_row).collect()
    }

    /// How many orders each queue holds that match `filter` (see `queue_window`).
    pub async fn filtered_counts(&self, filter: &str) -> Result<HashMap<Queue, i64>, StoreError> {
        let words = filter_patterns(filter);
        if words.is_empty() {
            return self.queue_counts().await;
        }
        let sql = format!(
            "SELECT queue, COUNT(*) AS n FROM orders WHERE 1 = 1{} GROUP BY queue",
            filter_clause(self.backend, &words, 1)
        );
        let mut query = sqlx::query(&sql);
        for word in words {
            query = query.bind(word);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("counting queues")?;
        counts_from(&rows)
    }

    pub async fn queue_counts(&self) -> Result<HashMap<Queue, i64>, StoreError> {
        let rows = sqlx::query("SELECT queue, COUNT(*) AS n FROM orders GROUP BY queue")
            .fetch_all(&self.pool)
            .await
            .context("counting queues")?;
        counts_from(&rows)
    }

    /// The findings of each order in `ids`, in the engine's order.
    pub async fn findings_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<Finding>>, StoreError> {
        let mut out: HashMap<i64, Vec<Finding>> = HashMap::new();
        for chunk in super::params::id_chunks(ids) {
            let sql = format!(
                "SELECT order_id, code, verdict, reason, evidence FROM findings \
                 WHERE order_id IN ({}) ORDER BY order_id, position",
                placeholders(self.placeholder_style(), 1, chunk.len())
            );
            let rows = bind_all(
                sqlx::query(&sql),
                chunk.iter().map(|&id| Param::Int(id)).collect(),
            )
            .fetch_all(&self.pool)
            .await
            .context("reading findings")?;
            for row in rows {
                let order_id: i64 = row.try_get("order_id").context("reading findings")?;
                if let Some(finding) = finding_row(&row, order_id)? {
                    out.entry(order_id).or_default().push(finding);
                }
            }
        }
        Ok(out)
    }

    /// Finds an order by its name (with or without `#`) or storefront id.
    pub async fn find_order(&self, reference: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM orders WHERE name_key = $1 OR storefront_id = $2 ORDER BY id LIMIT 1",
        )
        .bind(normalize_order_name(reference))
        .bind(reference.trim().to_string())
        .fetch_optional(&self.pool)
        .await
        .context("looking up an order")?;
        row.map(|r| r.try_get::<i64, _>("id").context("looking up an order"))
            .transpose()
    }

    /// The other orders under order `id`'s name, each by the reference
    /// `show` finds it by (its storefront id, else the name): the order that
    /// holds the name, and those kept under it for display only. Two shops'
    /// files, or a shop that renumbered, can bring two orders named alike;
    /// only the first to arrive is found by the name. Both halves search the
    /// unique index on `name_key`: the orders without a key (those kept for
    /// display, and parcels no order has claimed yet) are few.
    pub async fn others_named(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let what = "looking up orders under the same name";
        let name: Option<String> = sqlx::query("SELECT name FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context(what)?
            .map(|row| row.try_get("name"))
            .transpose()
            .context(what)?
            .flatten();
        let Some(name) = name else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT id, storefront_id FROM orders WHERE name_key = $1 AND id <> $2 \
             UNION ALL \
             SELECT id, storefront_id FROM orders \
             WHERE name_key IS NULL AND name IS NOT NULL AND name = $3 AND id <> $4 \
             ORDER BY id",
        )
        .bind(normalize_order_name(&name))
        .bind(id)
        .bind(name.clone())
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .context(what)?;
        rows.iter()
            .map(|row| {
                let storefront_id: Option<String> = row.try_get("storefront_id").context(what)?;
                Ok(storefront_id.unwrap_or_else(|| name.clone()))
            })
            .collect()
    }

    /// Only what every system said about the order: the one read the vendor
    /// pass needs per order, where `order_detail` makes four.
    pub async fn order_facts(&self, id: i64) -> Result<OrderFacts, StoreError> {
        let mut conn = self.pool.acquire().await.context("reading an order")?;
        Ok(results::load_facts(&mut conn, &[id])
            .await?
            .pop()
            .map(|(_, facts)| facts)
            .unwrap_or_default())
    }

    pub async fn order_detail(&self, id: i64) -> Result<Option<OrderDetail>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("reading an order")?
        else {
            return Ok(None);
        };
        let row = order_row(&row)?;
        let findings = self
            .findings_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let mut conn = self.pool.acquire().await.context("reading an order")?;
        let facts = results::load_facts(&mut conn, &[id])
            .await?
            .pop()
            .map(|(_, facts)| facts)
            .unwrap_or_default();
        let payloads = sqlx::query(
            "SELECT source, doc_id, fetched_at, origin FROM payloads WHERE order_id = $1 ORDER BY source, doc_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .context("reading an order's payloads")?
        .iter()
        .map(|r| {
            Ok(PayloadRow {
                kind: r.try_get("source").context("reading payloads")?,
                doc_id: r.try_get("doc_id").context("reading payloads")?,
                fetched_at: from_millis(r.try_get("fetched_at").context("reading payloads")?),
                origin: r.try_get("origin").context("reading payloads")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(OrderDetail {
            row,
            findings,
            facts,
            payloads,
        }))
    }

    /// Every order with goods owed past their deadline, most overdue first.
    pub async fn breaches(&self) -> Result<Vec<BreachRow>, StoreError> {
        let sql = format!(
            "SELECT {}, f.reason AS breach_reason FROM orders o JOIN findings f ON f.order_id = o.id \
             WHERE f.code = $1 ORDER BY o.ship_by, o.id",
            ORDER_COLUMNS
                .split(", ")
                .map(|c| format!("o.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows = sqlx::query(&sql)
            .bind(FindingCode::SlaBreach.as_str())
            .fetch_all(&self.pool)
            .await
            .context("listing SLA breaches")?;
        rows.iter()
            .map(|row| {
                Ok(BreachRow {
                    order: order_row(row)?,
                    reason: row
                        .try_get("breach_reason")
                        .context("listing SLA breaches")?,
                })
            })
            .collect()
    }

    pub async fn rejects(&self, limit: i64) -> Result<Vec<RejectRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT source, origin, order_ref, reason, raw, rejected_at FROM rejects ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("listing rejected payloads")?;
        rows.iter()
            .map(|r| {
                let ctx = "reading rejected payloads";
                Ok(RejectRow {
                    source: r.try_get("source").context(ctx)?,
                    origin: r.try_get("origin").context(ctx)?,
                    order_ref: r.try_get("order_ref").context(ctx)?,
                    reason: r.try_get("reason").context(ctx)?,
                    raw: r.try_get("raw").context(ctx)?,
                    rejected_at: from_millis(r.try_get("rejected_at").context(ctx)?),
                })
            })
            .collect()
    }
}

fn finding_row(row: &AnyRow, order_id: i64) -> Result<Option<Finding>, StoreError> {
    let ctx = "reading findings";
    let code: String = row.try_get("code").context(ctx)?;
    let verdict: String = row.try_get("verdict").context(ctx)?;
    let evidence: String = row.try_get("evidence").context(ctx)?;
    // A code or verdict this build does not know came from a newer build:
    // skipped rather than misreported.
    let (Some(code), Some(verdict)) = (FindingCode::parse(&code), parse_verdict(&verdict)) else {
        return Ok(None);
    };
    let evidence: Vec<Evidence> =
        serde_json::from_str(&evidence).map_err(|source| StoreError::CorruptFacts {
            order_id,
            kind: "evidence".into(),
            source,
        })?;
    Ok(Some(Finding {
        code,
        verdict,
        reason: row.try_get("reason").context(ctx)?,
        evidence,
    }))
}

fn parse_verdict(value: &str) -> Option<Verdict> {
    [
        Verdict::Pass,
        Verdict::Info,
        Verdict::Overdue,
        Verdict::Blocked,
    ]
    .into_iter()
    .find(|v| v.as_str() == value)
}

/// Keeps rejected payloads aside, with the reason.
pub async fn insert_rejects(
    conn: &mut AnyConnection,
    rejects: Vec<RejectRow>,
) -> Result<(), StoreError> {
    let rows = rejects
        .into_iter()
        .map(|r| {
            vec![
                Param::Text(r.source),
                Param::Text(r.origin),
                Param::OptText(r.order_ref),
                Param::Text(r.reason),
                Param::Text(r.raw),
                Param::Int(to_millis(r.rejected_at)),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO rejects (source, origin, order_ref, reason, raw, rejected_at)",
        "",
        rows,
        "keeping rejected payloads aside",
    )
    .await
}
