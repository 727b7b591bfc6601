//! The console's I/O edge: carries out `update`'s effects against the store
//! and the workers, and answers with messages. It runs beside the UI loop,
//! so a slow query never holds up a keypress.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::mpsc;

use super::state::{Effect, LoadedDetail, Message, ModelSummary};
use crate::actions::pipeline::{self, ActRequest, Actor, Deck};
use crate::config::Config;
use crate::domain::{normalize_order_name, Queue};
use crate::engine::timeline;
use crate::engine::{Freshness, Policy, Tolerances};
use crate::store::{OrderDetail, Store, StoreError};
use crate::summary::{summarise, Summarizer};
use crate::sync::connections::Connections;
use crate::sync::workers::{Clock, Workers};

pub struct DataTask {
    pub store: Store,
    pub workers: Option<Workers>,
    pub zone: Tz,
    pub clock: Clock,
    pub summarizer: Summarizer,
    /// `[tolerances]`: a listed order shows `STALE_DATA` when a source it
    /// depends on is out of date.
    pub tolerances: Tolerances,
    /// What actions need; `None` under `--read-only`.
    pub acting: Option<Acting>,
}

/// The action pipeline's inputs besides the store.
pub struct Acting {
    pub config: Config,
    pub policy: Policy,
    pub connections: Connections,
    pub actor: Actor,
}

impl Acting {
    fn deck<'a>(&'a self, store: &'a Store) -> Deck<'a> {
        Deck {
            store,
            config: &self.config,
            policy: &self.policy,
            connections: &self.connections,
        }
    }
}

impl DataTask {
    /// Runs until the effect channel closes, then hands back the workers so
    /// their owner can stop them.
    pub async fn run(
        self,
        mut effects: mpsc::UnboundedReceiver<Effect>,
        messages: mpsc::UnboundedSender<Message>,
    ) -> Option<Workers> {
        let mut pending: VecDeque<Effect> = VecDeque::new();
        while let Some(first) = effects.recv().await {
            pending.push_back(first);
            while let Ok(more) = effects.try_recv() {
                pending.push_back(more);
            }
            for effect in coalesce(std::mem::take(&mut pending)) {
                let message = self.carry_out(effect, &messages).await;
                if let Some(message) = message {
                    if messages.send(message).is_err() {
                        return self.workers;
                    }
                }
            }
        }
        self.workers
    }

    /// One effect against the store or the workers, answered with a message
    /// (`None` for effects the UI loop handles itself).
    /// Effects that take long (a model's summary) answer later on
    /// `messages`, from a task of their own.
    pub async fn carry_out(
        &self,
        effect: Effect,
        messages: &mpsc::UnboundedSender<Message>,
    ) -> Option<Message> {
        let failed =
            |what: &str, e: &dyn std::fmt::Display| Message::LoadFailed(format!("{what}: {e}"));
        Some(match effect {
            Effect::LoadCounts { generation, filter } => {
                match self.store.filtered_counts(&filter).await {
                    Ok(counts) => Message::Counts { generation, counts },
                    Err(e) => failed("counting the queues", &e),
                }
            }
            Effect::LoadWindow {
                generation,
                queue,
                filter,
                sort,
                start,
                len,
            } => match self
                .store
                .queue_window(queue, &filter, sort, start as i64, len as i64)
                .await
            {
                Ok(rows) => Message::Window {
                    generation,
                    queue,
                    start,
                    rows,
                },
                Err(e) => failed("listing a queue", &e),
            },
            Effect::LoadDetail { order_id } => match self.load_detail(order_id).await {
                Ok(loaded) => Message::Detail {
                    order_id,
                    loaded: loaded.map(Box::new),
                },
                Err(e) => failed("reading the order", &e),
            },
            Effect::PrepareAction {
                order_id,
                order,
                action,
                note,
                alternate,
            } => {
                let Some(acting) = &self.acting else {
                    return Some(Message::LoadFailed(
                        "actions are off in this console".into(),
                    ));
                };
                let request = ActRequest {
                    order,
                    action,
                    note,
                    hold_until: None,
                    alternate,
                    read_only: false,
                };
                let result = pipeline::prepare(
                    &acting.deck(&self.store),
                    &acting.actor,
                    &request,
                    (self.clock)(),
                )
                .await
                .map(Box::new)
                .map_err(|e| e.to_string());
                Message::Prepared { order_id, result }
            }
            Effect::ExecuteAction {
                order_id,
                prepared,
                reason,
                note,
            } => {
                let Some(acting) = &self.acting else {
                    return Some(Message::LoadFailed(
                        "actions are off in this console".into(),
                    ));
                };
                let result = pipeline::execute(
                    &acting.deck(&self.store),
                    &acting.actor,
                    &prepared,
                    Some(&reason),
                    note.as_deref(),
                    (self.clock)(),
                )
                .await
                .map(Box::new)
                .map_err(|e| e.to_string());
                Message::Executed { order_id, result }
            }
            Effect::Resync { order_id, systems } => match &self.workers {
                Some(workers) => match workers.request_resync(order_id, systems).await {
                    Ok(queued) => Message::ResyncQueued {
                        order_id,
                        systems,
                        queued,
                    },
                    Err(e) => failed("queueing the resync", &e),
                },
                None => Message::LoadFailed("no workers run in this console".into()),
            },
            Effect::FindOrder { reference } => match self.store.find_order(&reference).await {
                Ok(order_id) => Message::Found {
                    reference,
                    order_id,
                },
                Err(e) => failed("looking up the order", &e),
            },
            Effect::WriteSummary { order_id } => {
                let store = self.store.clone();
                let summarizer = self.summarizer.clone();
                let messages = messages.clone();
                let (tolerances, now) = (self.tolerances, (self.clock)());
                tokio::spawn(async move {
                    let message = match shown_detail(&store, order_id, &tolerances, now).await {
                        Ok(Some(detail)) => Message::Summary {
                            order_id,
                            outcome: Box::new(summarizer.summarize(&store, &detail).await),
                        },
                        Ok(None) => return,
                        Err(e) => Message::LoadFailed(format!("reading the order: {e}")),
                    };
                    let _ = messages.send(message);
                });
                return None;
            }
            Effect::LoadSyncTimes => match self.store.source_health().await {
                Ok(health) => Message::Synced(health),
                Err(e) => failed("reading sync times", &e),
            },
            // The terminal's own business; the UI loop handles it.
            Effect::ClearScreen => return None,
        })
    }
}

impl DataTask {
    async fn load_detail(&self, order_id: i64) -> Result<Option<LoadedDetail>, StoreError> {
        let now = (self.clock)();
        let Some(detail) = shown_detail(&self.store, order_id, &self.tolerances, now).await? else {
            return Ok(None);
        };
        let order_ref = normalize_order_name(&detail.row.name);
        let audit = self.store.audit_trail(&order_ref).await?;
        let reservations = self.store.reservations_of(&order_ref).await?;
        let also_named = self.store.others_named(order_id).await?;
        let summary = summarise(&detail.row.name, &detail.facts, &detail.findings, self.zone);
        let timeline = timeline(&detail.facts);
        Ok(Some(LoadedDetail {
            detail,
            also_named,
            audit,
            reservations,
            summary,
            model: (!self.summarizer.is_offline()).then_some(ModelSummary::Pending),
            timeline,
            loaded_at: (self.clock)(),
        }))
    }
}

/// An order as the detail pane shows it: a listed order's findings with
/// `STALE_DATA` when a source behind them is out of date.
async fn shown_detail(
    store: &Store,
    order_id: i64,
    tolerances: &Tolerances,
    now: DateTime<Utc>,
) -> Result<Option<OrderDetail>, StoreError> {
    let Some(mut detail) = store.order_detail(order_id).await? else {
        return Ok(None);
    };
    if detail.row.queue != Queue::Ok {
        let sources = store.source_freshness().await?;
        Freshness::judge(&sources, tolerances, now)
            .add_to(&mut detail.findings, detail.row.system_states.as_deref());
    }
    Ok(Some(detail))
}

/// Of loads that pile up while a query runs (a held-down `j`), only the
/// latest of each kind still matters; actions all run, in order.
fn coalesce(effects: VecDeque<Effect>) -> Vec<Effect> {
    let mut kept: Vec<Effect> = Vec::new();
    for effect in effects.into_iter().rev() {
        let superseded = kept.iter().any(|later| match (&effect, later) {
            (Effect::LoadCounts { .. }, Effect::LoadCounts { .. }) => true,
            (Effect::LoadDetail { .. }, Effect::LoadDetail { .. }) => true,
            (Effect::LoadWindow { queue: a, .. }, Effect::LoadWindow { queue: b, .. }) => a == b,
            _ => false,
        });
        if !superseded {
            kept.push(effect);
        }
    }
    kept.reverse();
    kept
}
