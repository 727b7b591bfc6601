//! Runs the engine over the orders whose facts or time changed, and stores
//! the result; never over the whole store.

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection};

use crate::domain::OrderFacts;
use crate::engine::{self, Evaluation, Listing, Policy};
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
    let mut evaluations: Vec<(i64, Evaluation, Listing)> = fresh
        .iter()
        .map(|(id, _, facts)| evaluated(*id, facts, policy, now))
        .collect();
    for (id, facts) in store::load_facts(conn, &existing).await? {
        evaluations.push(evaluated(id, &facts, policy, now));
    }
    let evaluations = resolved(conn, evaluations).await?;
    store::save_evaluations(conn, &evaluations, now).await?;
    Ok(evaluations.len())
}

/// What operators marked resolved no longer places an order in a queue.
async fn resolved(
    conn: &mut AnyConnection,
    evaluations: Vec<(i64, Evaluation, Listing)>,
) -> Result<Vec<(i64, Evaluation, Listing)>, StoreError> {
    let ids: Vec<i64> = evaluations.iter().map(|(id, _, _)| *id).collect();
    let mut resolutions = store::resolutions_of(conn, &ids).await?;
    Ok(evaluations
        .into_iter()
        .map(|(id, evaluation, listing)| match resolutions.remove(&id) {
            Some(resolved) => (
                id,
                engine::apply_resolutions(evaluation, &resolved),
                listing,
            ),
            None => (id, evaluation, listing),
        })
        .collect())
}

fn evaluated(
    id: i64,
    facts: &OrderFacts,
    policy: &Policy,
    now: DateTime<Utc>,
) -> (i64, Evaluation, Listing) {
    let evaluation = engine::evaluate(facts, policy, now);
    let listing = engine::listing(facts, &evaluation.findings);
    (id, evaluation, listing)
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
        let evaluations: Vec<(i64, Evaluation, Listing)> = store::load_facts(&mut tx, &due)
            .await?
            .into_iter()
            .map(|(id, facts)| evaluated(id, &facts, policy, now))
            .collect();
        let evaluations = resolved(&mut tx, evaluations).await?;
        store::save_evaluations(&mut tx, &evaluations, now).await?;
        tx.commit().await.map_err(|source| StoreError::Query {
            context: "re-evaluating due orders".into(),
            source,
        })?;
        total += evaluations.len();
    }
}
