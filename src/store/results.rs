//! Reading an order's facts back, and writing what the engine made of them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::params::{bind_all, id_chunks, in_list, insert_rows, Param, Style};
use super::{from_millis, to_millis, unpack, QueryContext, StoreError};
use crate::domain::{DocumentContent, Finding, OrderFacts, ReplacementLink, Verdict};
use crate::engine::{Evaluation, Listing};

/// A payload row's `facts` column: unpacked, read, and on failure named by
/// its order and kind.
pub(super) fn stored_facts(
    row: &AnyRow,
    order_id: i64,
    kind: &str,
) -> Result<DocumentContent, StoreError> {
    let packed: Vec<u8> = row.try_get("facts").context("reading stored facts")?;
    let json = unpack(&packed)
        .map_err(|e| StoreError::CorruptBody(format!("facts of order {order_id} ({kind}): {e}")))?;
    serde_json::from_str(&json).map_err(|source| StoreError::CorruptFacts {
        order_id,
        kind: kind.to_string(),
        source,
    })
}

/// Every stored fact of each order in `ids`, replacement links included.
pub async fn load_facts(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(i64, OrderFacts)>, StoreError> {
    let mut facts: HashMap<i64, OrderFacts> =
        ids.iter().map(|&id| (id, OrderFacts::default())).collect();
    for chunk in id_chunks(ids) {
        let (list, params) = in_list(
            Style::of(conn),
            1,
            chunk.iter().map(|&id| Param::Int(id)).collect(),
        );
        let sql = format!(
            "SELECT order_id, source, fetched_at, facts FROM payloads WHERE order_id IN ({list})"
        );
        let rows = bind_all(sqlx::query(&sql), params.clone())
            .fetch_all(&mut *conn)
            .await
            .context("reading stored facts")?;
        for row in rows {
            let order_id: i64 = row.try_get("order_id").context("reading stored facts")?;
            let kind: String = row.try_get("source").context("reading stored facts")?;
            let fetched_at: i64 = row.try_get("fetched_at").context("reading stored facts")?;
            let content = stored_facts(&row, order_id, &kind)?;
            facts
                .entry(order_id)
                .or_default()
                .absorb(content, from_millis(fetched_at));
        }
        let sql = format!(
            "SELECT o.id AS order_id, l.replacement_name, l.replacement_storefront_id, l.created_at \
             FROM replacement_links l JOIN orders o ON o.name_key = l.original_key \
             WHERE o.id IN ({list})"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&mut *conn)
            .await
            .context("reading replacement links")?;
        for row in rows {
            let order_id: i64 = row
                .try_get("order_id")
                .context("reading replacement links")?;
            facts
                .entry(order_id)
                .or_default()
                .replacements
                .push(link_from_row(&row)?);
        }
    }
    let mut out: Vec<(i64, OrderFacts)> = facts.into_iter().collect();
    out.sort_by_key(|(id, _)| *id);
    for (_, f) in &mut out {
        f.canonicalize();
    }
    Ok(out)
}

pub(super) fn link_from_row(row: &sqlx::any::AnyRow) -> Result<ReplacementLink, StoreError> {
    Ok(ReplacementLink {
        replacement_name: row
            .try_get("replacement_name")
            .context("reading replacement links")?,
        replacement_id: row
            .try_get("replacement_storefront_id")
            .context("reading replacement links")?,
        created_at: from_millis(
            row.try_get("created_at")
                .context("reading replacement links")?,
        ),
    })
}

/// The findings operators marked resolved on these orders: (code, who) by
/// order id. Most stores have none, and then this is one cheap look.
pub async fn resolutions_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<(String, String)>>, StoreError> {
    let ids: Vec<Param> = ids.iter().map(|&id| Param::Int(id)).collect();
    resolutions_where(
        conn,
        "SELECT o.id AS owner, r.code, r.resolved_by FROM resolutions r \
         JOIN orders o ON o.name_key = r.order_ref WHERE o.id IN",
        &ids,
    )
    .await
}

/// As [`resolutions_of`], by order name key: a new order has no id yet.
pub(super) async fn resolutions_by_key(
    conn: &mut AnyConnection,
    keys: &[String],
) -> Result<HashMap<String, Vec<(String, String)>>, StoreError> {
    let keys: Vec<Param> = keys.iter().cloned().map(Param::Text).collect();
    resolutions_where(
        conn,
        "SELECT r.order_ref AS owner, r.code, r.resolved_by FROM resolutions r \
         WHERE r.order_ref IN",
        &keys,
    )
    .await
}

/// `select`, completed by an `(…)` list of `owners`, names each resolution's
/// owner in its `owner` column.
async fn resolutions_where<K>(
    conn: &mut AnyConnection,
    select: &str,
    owners: &[Param],
) -> Result<HashMap<K, Vec<(String, String)>>, StoreError>
where
    K: Eq + std::hash::Hash + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let mut resolved: HashMap<K, Vec<(String, String)>> = HashMap::new();
    let any = sqlx::query("SELECT 1 AS one FROM resolutions LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .context("reading resolutions")?;
    if any.is_none() {
        return Ok(resolved);
    }
    for chunk in id_chunks(owners) {
        let (list, params) = in_list(Style::of(conn), 1, chunk.to_vec());
        let sql = format!("{select} ({list})");
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&mut *conn)
            .await
            .context("reading resolutions")?;
        for row in rows {
            let owner: K = row.try_get("owner").context("reading resolutions")?;
            resolved.entry(owner).or_default().push((
                row.try_get("code").context("reading resolutions")?,
                row.try_get("resolved_by").context("reading resolutions")?,
            ));
        }
    }
    Ok(resolved)
}

/// The finding an operator should read first: the engine sorts findings by
/// severity, and a pass is never the headline.
fn headline(findings: &[Finding]) -> Option<&Finding> {
    findings.iter().find(|f| f.verdict != Verdict::Pass)
}

/// The rows that store one order's evaluation.
#[derive(Debug)]
struct EvaluationRows {
    id: i64,
    summary: Vec<Param>,
    findings: Vec<Vec<Param>>,
}

/// Evaluations turned into the rows that store them, built away from the
/// connection (no I/O), so a writer can store one batch while the next is
/// being built.
#[derive(Debug, Default)]
pub struct PreparedEvaluations {
    orders: Vec<EvaluationRows>,
}

impl PreparedEvaluations {
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Leaves out orders that no longer exist: a later batch merged them
    /// into another order (which that batch evaluates itself).
    pub fn forget(&mut self, removed: &[i64]) {
        if !removed.is_empty() {
            self.orders.retain(|o| !removed.contains(&o.id));
        }
    }
}

/// The rows [`write_evaluations`] stores for `evaluations` as of `at`.
pub fn prepare_evaluations(
    evaluations: &[(i64, Evaluation, Listing)],
    at: DateTime<Utc>,
) -> Result<PreparedEvaluations, StoreError> {
    let mut orders = Vec::with_capacity(evaluations.len());
    for (id, eval, listing) in evaluations {
        let mut summary = Vec::with_capacity(2 + SUMMARY_COLUMNS);
        summary.extend([Param::Int(*id), Param::Int(0)]);
        summary.extend(summary_values(eval, listing, at));
        orders.push(EvaluationRows {
            id: *id,
            summary,
            findings: finding_rows(*id, eval)?,
        });
    }
    Ok(PreparedEvaluations { orders })
}

/// The `orders` columns [`summary_values`] fills, in its order.
pub(super) const SUMMARY_COLUMNS: usize = 9;
pub(super) const SUMMARY_COLUMN_NAMES: &str =
    "queue, top_code, top_reason, ship_by, evaluated_at, \
     next_eval_at, source_label, system_states, search_text";

/// What an order's row says of its evaluation as of `at`: the queue, the
/// headline, the deadline, when to look again, and the listing columns.
pub(super) fn summary_values(
    eval: &Evaluation,
    listing: &Listing,
    at: DateTime<Utc>,
) -> [Param; SUMMARY_COLUMNS] {
    let evaluated_at = to_millis(at);
    let top = headline(&eval.findings);
    [
        Param::Text(eval.queue.as_str().to_string()),
        Param::OptText(top.map(|f| f.code.as_str().to_string())),
        Param::OptText(top.map(|f| f.reason.clone())),
        Param::OptInt(eval.ship_by.map(to_millis)),
        Param::Int(evaluated_at),
        // The engine promises a moment after `at`; holding it to that
        // here keeps a re-evaluation loop from ever spinning.
        Param::OptInt(
            eval.next_change_at
                .map(|t| to_millis(t).max(evaluated_at + 1)),
        ),
        Param::OptText(listing.source.clone()),
        Param::Text(listing.system_states.clone()),
        Param::Text(listing.search_text.clone()),
    ]
}

/// The `findings` rows of order `id`.
pub(super) fn finding_rows(id: i64, eval: &Evaluation) -> Result<Vec<Vec<Param>>, StoreError> {
    let mut findings = Vec::with_capacity(eval.findings.len());
    for (position, finding) in eval.findings.iter().enumerate() {
        let evidence = serde_json::to_string(&finding.evidence).map_err(|source| {
            StoreError::CorruptFacts {
                order_id: id,
                kind: "evidence".into(),
                source,
            }
        })?;
        findings.push(vec![
            Param::Int(id),
            Param::Int(position as i64),
            Param::Text(finding.code.as_str().to_string()),
            Param::Text(finding.verdict.as_str().to_string()),
            Param::Text(finding.reason.clone()),
            Param::Text(evidence),
        ]);
    }
    Ok(findings)
}

/// Stores the findings of orders that had none (new ones).
pub(super) async fn insert_findings(
    conn: &mut AnyConnection,
    rows: Vec<Vec<Param>>,
) -> Result<(), StoreError> {
    insert_rows(conn, FINDINGS_INSERT, "", rows, "saving findings").await
}

const FINDINGS_INSERT: &str =
    "INSERT INTO findings (order_id, position, code, verdict, reason, evidence)";

/// Stores prepared evaluations: each order's queue summary, and its findings
/// in place of those it had.
pub async fn write_evaluations(
    conn: &mut AnyConnection,
    prepared: PreparedEvaluations,
) -> Result<(), StoreError> {
    if prepared.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = prepared.orders.iter().map(|o| o.id).collect();
    let mut summary_rows = Vec::with_capacity(prepared.orders.len());
    let mut finding_rows = Vec::new();
    for order in prepared.orders {
        summary_rows.push(order.summary);
        finding_rows.extend(order.findings);
    }
    // The insert half never runs (every order exists); it is how one
    // statement updates many rows on both SQLite and PostgreSQL.
    insert_rows(
        conn,
        &format!("INSERT INTO orders (id, facts_changed_at, {SUMMARY_COLUMN_NAMES})"),
        "ON CONFLICT (id) DO UPDATE SET queue = excluded.queue, top_code = excluded.top_code, \
         top_reason = excluded.top_reason, ship_by = excluded.ship_by, \
         evaluated_at = excluded.evaluated_at, next_eval_at = excluded.next_eval_at, \
         source_label = excluded.source_label, system_states = excluded.system_states, \
         search_text = excluded.search_text",
        summary_rows,
        "saving queue placement",
    )
    .await?;
    for chunk in id_chunks(&ids) {
        let (list, params) = in_list(
            Style::of(conn),
            1,
            chunk.iter().map(|&id| Param::Int(id)).collect(),
        );
        let sql = format!("DELETE FROM findings WHERE order_id IN ({list})");
        bind_all(sqlx::query(&sql), params)
            .execute(&mut *conn)
            .await
            .context("replacing findings")?;
    }
    insert_findings(conn, finding_rows).await
}

/// Orders whose stored evaluation may be out of date at `now`: never
/// evaluated, a moment they were waiting for has come, or they were evaluated
/// as of a later moment (`--now` in the past). Each term is served by an
/// index; re-evaluating the returned orders takes them out of the set, so
/// callers repeat until it is empty.
pub async fn due_for_evaluation(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let now = to_millis(now);
    let rows = sqlx::query(
        "SELECT id FROM orders WHERE evaluated_at IS NULL OR next_eval_at <= $1 OR evaluated_at > $1 LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .context("finding orders due for evaluation")?;
    rows.iter()
        .map(|row| row.try_get::<i64, _>("id").context("reading due orders"))
        .collect()
}
