//! What orderdeck does on its own (a reroute the rules let run without a
//! human, a confirmed promise written back to the storefront) runs as an
//! action run like an operator's: claimed under a stable idempotency key
//! before anything leaves, each request sent once through the same clients,
//! settled with its audit entry, so `audit verify` and the order's trail
//! show it beside the operators' actions.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::identity::host_name;
use super::preview::Preview;
use super::send::{send, Sent};
use crate::domain::normalize_order_name;
use crate::store::{AuditFields, Claim, NewRun, RunStatus, Store, StoreError};
use crate::sync::connections::Connections;

/// Who the audit log names for what orderdeck does on its own.
pub const SYSTEM_ACTOR: &str = "orderdeck";

/// One thing orderdeck does on its own on one order.
pub struct SystemRun<'a> {
    pub order_name: &'a str,
    pub action: &'a str,
    /// Stable for the deed, so a run cut short is finished, not repeated.
    pub key: &'a str,
    pub reason_code: &'a str,
    pub note: String,
    pub preview: &'a Preview,
    pub before: Value,
}

/// How a system run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done now (the answers) or by an earlier pass.
    Done,
    /// Someone else is acting on the order; the next pass tries again.
    Busy,
    /// Not applied, or not known to be: the reason. An unknown outcome is
    /// re-sent under the same key by the next pass.
    NotDone(String),
    /// Refused by a backend in an earlier pass (its audit entry says so);
    /// not tried again.
    FailedEarlier,
}

/// Runs `run` once: a run already settled under its key is not sent again.
pub async fn run(
    store: &Store,
    connections: &Connections,
    run: &SystemRun<'_>,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let order_ref = normalize_order_name(run.order_name);
    if let Some(earlier) = store.run_by_key(run.key).await? {
        match earlier.status {
            RunStatus::Done => return Ok(Outcome::Done),
            RunStatus::Failed | RunStatus::Withdrawn => return Ok(Outcome::FailedEarlier),
            // Cut short: taken over below and sent again under its key.
            RunStatus::Claimed | RunStatus::Sent => {}
        }
    }
    let keyed = run.preview.keyed(run.key);
    let new_run = NewRun {
        idempotency_key: run.key.to_string(),
        order_ref,
        order_name: run.order_name.to_string(),
        action: run.action.to_string(),
        actor: SYSTEM_ACTOR.to_string(),
        reason_code: run.reason_code.to_string(),
        note: Some(run.note.clone()),
        preview: serde_json::to_string(&keyed).unwrap_or_default(),
        holder_host: host_name(),
        holder_pid: i64::from(std::process::id()),
        lease_until: now + TimeDelta::minutes(5),
    };
    let claimed = match store
        .claim_run(&new_run, now, |open| open.idempotency_key == run.key)
        .await?
    {
        Claim::Won(claimed) | Claim::TakenOver(claimed) => claimed,
        Claim::Busy(_) => return Ok(Outcome::Busy),
    };
    store.mark_run_sent(claimed.id, now).await?;
    let mut answers = Vec::new();
    let mut failure = None;
    for request in &keyed.requests {
        match send(connections, request, run.key).await {
            Sent::Ok(body) => answers.push(body),
            Sent::Unknown(detail) => {
                store.release_run(claimed.id, now).await?;
                return Ok(Outcome::NotDone(detail));
            }
            Sent::Refused(detail) => {
                failure = Some(detail);
                break;
            }
        }
    }
    let (status, result) = match &failure {
        None => (
            RunStatus::Done,
            json!({"status": "done", "requests": keyed.requests.len()}),
        ),
        Some(error) => (
            RunStatus::Failed,
            json!({"status": "failed", "error": error}),
        ),
    };
    let fields = AuditFields {
        at: now,
        actor: claimed.actor.clone(),
        action: claimed.action.clone(),
        order_ref: claimed.order_ref.clone(),
        reason_code: claimed.reason_code.clone(),
        note: claimed.note.clone(),
        preview: claimed.preview.clone(),
        result: result.to_string(),
        before: run.before.to_string(),
        after: json!(answers).to_string(),
        run_key: claimed.idempotency_key.clone(),
    };
    store.settle_run(claimed.id, status, &fields, &[]).await?;
    Ok(match failure {
        None => Outcome::Done,
        Some(error) => Outcome::NotDone(error),
    })
}
