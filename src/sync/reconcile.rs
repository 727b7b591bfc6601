//! Runs the engine over the orders whose facts or time changed, and stores
//! the result; never over the whole store.

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection};

use crate::engine::{self, Evaluation, Policy};
use crate::store::{self, IngestOutcome, Store, StoreError};

/// Orders re-evaluated per statement batch.
const BATCH: i64 = 1_000;

/// Evaluates the orders one ingested batch touched, inside its transaction.
pub async fn reconcile_batch(
    conn: &mut AnyConnection,
    outcome: IngestOutcome,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let IngestOutcome {
        mut fresh,
        existing,
    } = outcome;
    store::attach_replacements(conn, &mut fresh).await?;
    let mut evaluations: Vec<(i64, Evaluation)> = fresh
        .iter()
        .map(|(id, _, facts)| (*id, engine::evaluate(facts, policy, now)))
        .collect();
    for (id, facts) in store::load_facts(conn, &existing).await? {
        evaluations.push((id, engine::evaluate(&facts, policy, now)));
    }
    store::save_evaluations(conn, &evaluations, now).await?;
    Ok(evaluations.len())
}

/// Brings every order up to date as of `now`: those whose waiting moment has
/// come, and (for `--now` in the past) those evaluated as of a later moment.
pub async fn reevaluate_due(
    store: &Store,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut total = 0;
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(|source| StoreError::Query {
            context: "re-evaluating due orders".into(),
            source,
        })?;
    loop {
        let mut tx = conn.begin().await.map_err(|source| StoreError::Query {
            context: "re-evaluating due orders".into(),
            source,
        })?;
        let due = store::due_for_evaluation(&mut tx, now, BATCH).await?;
        if due.is_empty() {
            return Ok(total);
        }
        let evaluations: Vec<(i64, Evaluation)> = store::load_facts(&mut tx, &due)
            .await?
            .into_iter()
            .map(|(id, facts)| (id, engine::evaluate(&facts, policy, now)))
            .collect();
        store::save_evaluations(&mut tx, &evaluations, now).await?;
        tx.commit().await.map_err(|source| StoreError::Query {
            context: "re-evaluating due orders".into(),
            source,
        })?;
        total += evaluations.len();
    }
}
