//! The pipeline every front end runs: [`prepare`] (authorise, gather, plan:
//! no side effects) and [`execute`] (claim, send once under the run's
//! idempotency key, settle with its audit entry). Confirmation is the front
//! end's: `--yes` for `act`, a dialog in the console.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use rand::RngCore;
use serde::Serialize;
use serde_json::{json, Value};

use super::identity::{host_name, process_alive, Identity};
use super::plan::{plan, Plan, PlanInput};
use super::preview::Preview;
use super::roles::{Authorisation, Permissions};
use super::send::{send, Sent};
use super::{ActionError, ActionKind};
use crate::config::Config;
use crate::domain::OrderFacts;
use crate::engine::Policy;
use crate::store::{ActionRun, AuditFields, Claim, NewRun, RunStatus, Store};
use crate::sync::connections::Connections;
use crate::sync::resync::{resync_order, Systems};
use crate::sync::vendor_edi::VendorEdiError;

/// What the pipeline works with.
pub struct Deck<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub policy: &'a Policy,
    pub connections: &'a Connections,
}

/// Who acts, and from which process (so an abandoned claim can be told
/// from a live one).
#[derive(Debug, Clone)]
pub struct Actor {
    pub identity: Identity,
    pub host: String,
    pub pid: i64,
}

impl Actor {
    pub fn current() -> Result<Actor, ActionError> {
        Ok(Actor {
            identity: Identity::current().map_err(ActionError::Identity)?,
            host: host_name(),
            pid: i64::from(std::process::id()),
        })
    }
}

/// One operator request.
#[derive(Debug, Clone)]
pub struct ActRequest {
    pub order: String,
    pub action: ActionKind,
    pub note: Option<String>,
    pub hold_until: Option<NaiveDate>,
    /// `reroute-approve`: which alternate (0 = the best).
    pub alternate: Option<usize>,
    pub read_only: bool,
}

/// A plan an operator may confirm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prepared {
    pub actor: String,
    pub role: String,
    #[serde(flatten)]
    pub plan: Plan,
    #[serde(skip)]
    order_id: i64,
    /// When orderdeck last heard about the order from any backend.
    #[serde(skip)]
    latest_seen: Option<DateTime<Utc>>,
}

/// What a confirmed run came to.
#[derive(Debug, Clone, Serialize)]
pub struct Executed {
    pub order: String,
    pub action: ActionKind,
    pub run_key: String,
    pub audit_seq: i64,
    /// An earlier run of this action whose outcome was unknown was finished
    /// under its own key instead of a new one being started.
    pub reconciled: bool,
    pub result: Value,
}

/// Authorises and plans. Refusals (read-only, role) are errors; a blocked
/// preflight is not: the plan says why, and `execute` refuses it.
pub async fn prepare(
    deck: &Deck<'_>,
    actor: &Actor,
    request: &ActRequest,
    now: DateTime<Utc>,
) -> Result<Prepared, ActionError> {
    let action = request.action;
    if request.read_only {
        return Err(ActionError::ReadOnly {
            action,
            order: request.order.clone(),
        });
    }
    let permissions = Permissions::new(&deck.config.roles, &deck.config.permissions);
    let role = match permissions.authorise(&actor.identity.account, action) {
        Authorisation::Allowed { role } => role,
        Authorisation::Denied { has, needs } => {
            let needs = if needs.is_empty() {
                "no role in [permissions] grants it".to_string()
            } else {
                format!("it needs role {}", needs.join(" or "))
            };
            let has = if has.is_empty() {
                "no role".to_string()
            } else {
                format!("role {}", has.join(", "))
            };
            return Err(ActionError::Denied(format!(
                "{action} denied for {} (uid {}, {has}): {needs}",
                actor.identity.account, actor.identity.uid
            )));
        }
    };
    let unknown = || ActionError::UnknownOrder(request.order.clone());
    let order_id = deck
        .store
        .find_order(&request.order)
        .await?
        .ok_or_else(unknown)?;
    let detail = deck
        .store
        .order_detail(order_id)
        .await?
        .ok_or_else(unknown)?;
    let order_ref = crate::domain::normalize_order_name(&detail.row.name);
    let resolved = deck.store.resolved_codes(&order_ref).await?;
    let live_warehouse_order = if action == ActionKind::CancelAtWarehouse {
        Some(live_warehouse_order(deck, &detail.facts).await)
    } else {
        None
    };
    let live_storefront = if action == ActionKind::Replace {
        Some(super::replace::read_live(deck.connections, &detail.facts).await)
    } else {
        None
    };
    let input = PlanInput {
        action,
        detail: &detail,
        config: deck.config,
        now,
        note: request.note.as_deref(),
        hold_until: request.hold_until,
        alternate: request.alternate,
        resolved: &resolved,
        live_warehouse_order,
        live_storefront,
    };
    let mut plan = plan(&input);
    if let Some(open) = deck.store.open_run(&order_ref).await? {
        if open.action == action.as_str() && abandoned(&open, now) {
            plan.preflight.info(
                "UNSETTLED_RUN",
                format!(
                    "{} by {} at {} has no known outcome: running it again finishes it \
                     under its own idempotency key",
                    open.action,
                    open.actor,
                    rfc3339(open.created_at)
                ),
            );
        } else {
            plan.preflight.block("ORDER_BUSY", holder(&open));
        }
    }
    let latest_seen = latest_observation(&detail.facts);
    if let Some(done) = done_since(deck.store, action, &order_ref, latest_seen).await? {
        plan.preflight.block("ALREADY_DONE", done);
    }
    Ok(Prepared {
        actor: actor.identity.account.clone(),
        role,
        plan,
        order_id,
        latest_seen,
    })
}

/// Who already ran this action on the order since orderdeck last heard from
/// the backends (so that running it again would repeat it), for actions that
/// put a state right once; notes and resolutions add to what is there.
async fn done_since(
    store: &Store,
    action: ActionKind,
    order_ref: &str,
    latest_seen: Option<DateTime<Utc>>,
) -> Result<Option<String>, ActionError> {
    if matches!(action, ActionKind::Note | ActionKind::Resolve) {
        return Ok(None);
    }
    let Some(done) = store.last_done_run(order_ref, action.as_str()).await? else {
        return Ok(None);
    };
    // A replacement order stays created whatever the backends say of the
    // original since: only its link, once synced, tells the same story.
    if action != ActionKind::Replace && latest_seen.is_some_and(|seen| seen > done.updated_at) {
        return Ok(None);
    }
    let since = if action == ActionKind::Replace {
        "a replacement order exists"
    } else {
        "orderdeck has not heard from the backends since"
    };
    Ok(Some(format!(
        "{} already ran {} on {} at {} ({}); {since}",
        done.actor,
        done.action,
        done.order_name,
        rfc3339(done.updated_at),
        done.reason_code
    )))
}

fn latest_observation(facts: &OrderFacts) -> Option<DateTime<Utc>> {
    let storefront = facts.storefront.iter().map(|o| o.observed_at);
    let fulfillment_orders = facts.fulfillment_orders.iter().map(|o| o.observed_at);
    let warehouse = facts.warehouse_orders.iter().map(|o| o.observed_at);
    let shipments = facts.warehouse_shipments.iter().map(|o| o.observed_at);
    storefront
        .chain(fulfillment_orders)
        .chain(warehouse)
        .chain(shipments)
        .max()
}

async fn live_warehouse_order(deck: &Deck<'_>, facts: &OrderFacts) -> Result<Value, String> {
    let client = deck
        .connections
        .warehouse
        .as_ref()
        .map_err(|e| e.to_string())?;
    let id = facts
        .warehouse_orders
        .iter()
        .max_by_key(|w| w.value.modified_at)
        .map(|w| w.value.id.clone())
        .ok_or_else(|| "no warehouse order".to_string())?;
    let fetched = client.order(&id).await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&fetched.body).map_err(|e| format!("unreadable answer: {e}"))
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether an unsettled run's holder is gone: its lease ran out (or was
/// given up when the outcome turned out unknown), or its process on this
/// host has ended.
fn abandoned(run: &ActionRun, now: DateTime<Utc>) -> bool {
    run.lease_until <= now || (run.holder_host == host_name() && !process_alive(run.holder_pid))
}

fn holder(run: &ActionRun) -> String {
    format!(
        "{} is running {} on {} since {} (process {} on {}, reason {})",
        run.actor,
        run.action,
        run.order_name,
        rfc3339(run.created_at),
        run.holder_pid,
        run.holder_host,
        run.reason_code
    )
}

fn new_key(plan: &Plan) -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("orderdeck-{}-{}-{random}", plan.action, plan.order_ref)
}

/// Runs a confirmed plan once. `reason` must be one of the config's reason
/// codes.
pub async fn execute(
    deck: &Deck<'_>,
    actor: &Actor,
    prepared: &Prepared,
    reason: Option<&str>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Executed, ActionError> {
    let plan = &prepared.plan;
    let action = plan.action;
    let known = deck.config.reason_codes();
    let reason = match reason.map(str::trim) {
        None | Some("") => {
            return Err(ActionError::MissingReason {
                action,
                known: known.join(", "),
            })
        }
        Some(code) if !known.iter().any(|k| k == code) => {
            return Err(ActionError::UnknownReason {
                given: code.to_string(),
                known: known.join(", "),
            })
        }
        Some(code) => code.to_string(),
    };
    let reconciling = plan
        .preflight
        .checks
        .iter()
        .any(|c| c.code == "UNSETTLED_RUN");
    if let (Some(block), false) = (plan.preflight.first_block(), reconciling) {
        return Err(ActionError::Blocked {
            action,
            order: plan.order.clone(),
            reason: block.reason.clone(),
        });
    }
    let key = new_key(plan);
    let timeout = deck.config.action_timeout().unwrap_or_default();
    let lease = TimeDelta::from_std(timeout).unwrap_or_default() + TimeDelta::seconds(60);
    let keyed = plan.preview.keyed(&key);
    let new_run = NewRun {
        idempotency_key: key,
        order_ref: plan.order_ref.clone(),
        order_name: plan.order.clone(),
        action: action.as_str().to_string(),
        actor: actor.identity.account.clone(),
        reason_code: reason.clone(),
        note: note.map(str::to_string),
        preview: serde_json::to_string(&keyed).unwrap_or_default(),
        holder_host: actor.host.clone(),
        holder_pid: actor.pid,
        lease_until: now + lease,
    };
    let claim = deck
        .store
        .claim_run(&new_run, now, |run| abandoned(run, now))
        .await?;
    let (run, reconciled) = match claim {
        Claim::Won(run) => {
            // Another operator's run may have settled between this plan and
            // this claim.
            if let Some(done) =
                done_since(deck.store, action, &plan.order_ref, prepared.latest_seen).await?
            {
                deck.store.withdraw_run(run.id, &done, Utc::now()).await?;
                return Err(ActionError::Blocked {
                    action,
                    order: plan.order.clone(),
                    reason: done,
                });
            }
            (run, false)
        }
        Claim::TakenOver(run) => (run, true),
        Claim::Busy(run) => {
            return Err(ActionError::Busy {
                action,
                order: plan.order.clone(),
                holder: holder(&run),
            })
        }
    };
    // A run taken over sends what it previewed then, under its own key: the
    // backend (or orderdeck's own record) already has the first attempt.
    let preview: Preview = if reconciled {
        serde_json::from_str(&run.preview).unwrap_or(keyed)
    } else {
        keyed
    };
    deck.store.mark_run_sent(run.id, now).await?;
    let mut answers = Vec::new();
    for request in &preview.requests {
        let sent = tokio::time::timeout(
            timeout,
            send(deck.connections, request, &run.idempotency_key),
        )
        .await
        .unwrap_or_else(|_| Sent::Unknown(format!("no answer within {timeout:?}")));
        match sent {
            Sent::Ok(body) => answers.push(body),
            Sent::Unknown(detail) => {
                deck.store.release_run(run.id, Utc::now()).await?;
                return Err(ActionError::Unknown {
                    action,
                    order: plan.order.clone(),
                    detail,
                });
            }
            Sent::Refused(detail) => {
                let result = json!({"status": "failed", "error": detail});
                settle(
                    deck,
                    &run,
                    prepared,
                    RunStatus::Failed,
                    &result,
                    &json!(answers),
                    &[],
                )
                .await?;
                return Err(ActionError::Failed {
                    action,
                    order: plan.order.clone(),
                    detail,
                });
            }
        }
    }
    if let Some(decision) = &plan.reroute {
        // Before the settle: a run cut short here is finished by running
        // it again, which re-sends under the same key and files again.
        let applied = super::reroute::apply(
            deck.store,
            deck.policy,
            &deck.config.vendors,
            decision,
            &run.actor,
            &run.idempotency_key,
            now,
        )
        .await;
        match applied {
            Ok(()) => {}
            Err(VendorEdiError::Store(e)) => return Err(e.into()),
            Err(e) => {
                deck.store.release_run(run.id, Utc::now()).await?;
                return Err(ActionError::Unknown {
                    action,
                    order: plan.order.clone(),
                    detail: format!("the requests went through, but {e}"),
                });
            }
        }
    }
    let after = if plan.resolves.is_empty() {
        json!(answers)
    } else {
        json!({"resolved": plan.resolves})
    };
    let result = json!({"status": "done", "requests": preview.requests.len()});
    let entry = settle(
        deck,
        &run,
        prepared,
        RunStatus::Done,
        &result,
        &after,
        &plan.resolves,
    )
    .await?;
    if !preview.requests.is_empty() {
        // The backends changed: read the order back so queues show it. A
        // failure here leaves the next sync to do it.
        if let Err(e) = resync_order(
            deck.store,
            deck.policy,
            deck.connections,
            prepared.order_id,
            Systems::All,
            Utc::now(),
        )
        .await
        {
            tracing::warn!(error = %e, order = %plan.order, "resync after an action failed");
        }
    }
    Ok(Executed {
        order: plan.order.clone(),
        action,
        run_key: run.idempotency_key.clone(),
        audit_seq: entry.seq,
        reconciled,
        result,
    })
}

async fn settle(
    deck: &Deck<'_>,
    run: &ActionRun,
    prepared: &Prepared,
    status: RunStatus,
    result: &Value,
    after: &Value,
    resolves: &[String],
) -> Result<crate::store::AuditEntry, ActionError> {
    let fields = AuditFields {
        at: Utc::now(),
        actor: run.actor.clone(),
        action: run.action.clone(),
        order_ref: run.order_ref.clone(),
        reason_code: run.reason_code.clone(),
        note: run.note.clone(),
        preview: run.preview.clone(),
        result: result.to_string(),
        before: prepared.plan.before.to_string(),
        after: after.to_string(),
        run_key: run.idempotency_key.clone(),
    };
    Ok(deck
        .store
        .settle_run(run.id, status, &fields, resolves)
        .await?)
}
