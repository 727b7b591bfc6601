//! Runs the engine over the orders whose facts or time changed, and stores
//! the result; never over the whole store.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection};

use crate::domain::OrderFacts;
use crate::engine::{self, Evaluation, Listing, Policy};
use crate::store::{self, IngestOutcome, PreparedEvaluations, Store, StoreError};

/// Orders re-evaluated per statement batch.
const BATCH: i64 = 1_000;

/// Evaluates the orders one ingested batch touched, inside its transaction.
pub async fn reconcile_batch(
    conn: &mut AnyConnection,
    outcome: IngestOutcome,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let gathered = gather(conn, outcome).await?;
    let prepared = evaluate_gathered(gathered, policy, now)?;
    let evaluated = prepared.len();
    store::write_evaluations(conn, prepared).await?;
    Ok(evaluated)
}

/// Everything the engine needs about the orders one batch touched, read
/// from the store: evaluating it needs no connection.
#[derive(Debug, Default)]
pub struct Gathered {
    facts: Vec<(i64, OrderFacts)>,
    resolutions: HashMap<i64, Vec<(String, String)>>,
}

/// Reads what evaluating the orders of `outcome` needs: the replacement
/// links of new orders, the stored facts of existing ones, and what
/// operators marked resolved.
pub async fn gather(
    conn: &mut AnyConnection,
    outcome: IngestOutcome,
) -> Result<Gathered, StoreError> {
    let IngestOutcome {
        mut fresh,
        existing,
        removed: _,
    } = outcome;
    store::attach_replacements(conn, &mut fresh).await?;
    let mut facts: Vec<(i64, OrderFacts)> = fresh
        .into_iter()
        .map(|(id, _, facts)| (id, facts))
        .collect();
    facts.extend(store::load_facts(conn, &existing).await?);
    let ids: Vec<i64> = facts.iter().map(|(id, _)| *id).collect();
    let resolutions = store::resolutions_of(conn, &ids).await?;
    Ok(Gathered { facts, resolutions })
}

/// Evaluates what [`gather`] read and builds the rows that store the
/// result; pure, so it can run on another thread than the writer's.
pub fn evaluate_gathered(
    gathered: Gathered,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<PreparedEvaluations, StoreError> {
    let Gathered {
        facts,
        mut resolutions,
    } = gathered;
    let evaluations: Vec<(i64, Evaluation, Listing)> = facts
        .iter()
        .map(|(id, facts)| {
            let (id, evaluation, listing) = evaluated(*id, facts, policy, now);
            match resolutions.remove(&id) {
                Some(resolved) => (
                    id,
                    engine::apply_resolutions(evaluation, &resolved),
                    listing,
                ),
                None => (id, evaluation, listing),
            }
        })
        .collect();
    store::prepare_evaluations(&evaluations, now)
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
        let facts = store::load_facts(&mut tx, &due).await?;
        let resolutions = store::resolutions_of(&mut tx, &due).await?;
        let prepared = evaluate_gathered(Gathered { facts, resolutions }, policy, now)?;
        let evaluated = prepared.len();
        store::write_evaluations(&mut tx, prepared).await?;
        tx.commit().await.map_err(|source| StoreError::Query {
            context: "re-evaluating due orders".into(),
            source,
        })?;
        total += evaluated;
    }
}
