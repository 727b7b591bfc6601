//! Runs the engine over the orders whose facts or time changed, and stores
//! the result; never over the whole store.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection};

use crate::domain::OrderFacts;
use crate::engine::{self, Evaluation, Listing, Policy};
use crate::store::{
    self, Evaluate, IncomingDoc, IngestOutcome, PreparedEvaluations, Store, StoreError,
};

/// Orders re-evaluated per statement batch.
const BATCH: i64 = 1_000;

/// The engine under one policy, as of one moment.
pub struct Engine<'p> {
    pub policy: &'p Policy,
    pub now: DateTime<Utc>,
}

impl Evaluate for Engine<'_> {
    fn at(&self) -> DateTime<Utc> {
        self.now
    }

    fn evaluate_all(
        &self,
        orders: &[(&OrderFacts, &[(String, String)])],
    ) -> Vec<(Evaluation, Listing)> {
        let mut results = Vec::with_capacity(orders.len());
        engine::evaluate_each(
            orders,
            |&(facts, _)| facts,
            self.policy,
            self.now,
            |&(facts, resolved), evaluation| {
                let listing = engine::listing(facts, &evaluation.findings);
                results.push((engine::apply_resolutions(evaluation, resolved), listing));
            },
        );
        results
    }
}

/// Files one batch of documents and evaluates every order it touched,
/// inside the caller's transaction. Returns how many orders were evaluated.
pub async fn file_batch(
    conn: &mut AnyConnection,
    docs: Vec<IncomingDoc>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let outcome = store::ingest_batch(conn, docs, &Engine { policy, now }).await?;
    let created = outcome.evaluated;
    let gathered = gather(conn, outcome).await?;
    let prepared = evaluate_gathered(gathered, policy, now)?;
    let evaluated = created + prepared.len();
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

/// Reads what evaluating the orders `outcome` left to evaluate needs: their
/// stored facts, and what operators marked resolved.
pub async fn gather(
    conn: &mut AnyConnection,
    outcome: IngestOutcome,
) -> Result<Gathered, StoreError> {
    let facts = store::load_facts(conn, &outcome.existing).await?;
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
    let Gathered { facts, resolutions } = gathered;
    let orders: Vec<(&OrderFacts, &[(String, String)])> = facts
        .iter()
        .map(|(id, facts)| {
            let resolved = resolutions.get(id).map_or(&[][..], Vec::as_slice);
            (facts, resolved)
        })
        .collect();
    let evaluations: Vec<(i64, Evaluation, Listing)> = facts
        .iter()
        .zip(Engine { policy, now }.evaluate_all(&orders))
        .map(|((id, _), (evaluation, listing))| (*id, evaluation, listing))
        .collect();
    store::prepare_evaluations(&evaluations, now)
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
