//! The background workers the console and `orderdeck sync` run: a poller
//! (one incremental pass every interval), a timer (re-evaluating the orders
//! whose moment has come), and a job worker (per-order resyncs queued in the
//! job table, so a retry or a second operator never doubles one). They talk
//! to their owner only through the event channel.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::connections::Connections;
use super::poll::{sync_once, ListingReport};
use super::reconcile::reevaluate_due;
use super::resync::{resync_order, Systems};
use crate::engine::Policy;
use crate::store::{NewJob, Store, StoreError};

/// What the workers tell their owner.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    SyncFinished {
        at: DateTime<Utc>,
        listings: Vec<ListingReport>,
    },
    ResyncFinished {
        order_id: i64,
        listings: Vec<ListingReport>,
    },
    /// Orders moved by time alone.
    Reevaluated {
        at: DateTime<Utc>,
        orders: usize,
    },
    Failed {
        what: &'static str,
        error: String,
    },
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub poll_every: Duration,
    pub timer_every: Duration,
    /// How often an idle job worker looks for work.
    pub job_poll: Duration,
    /// Names this process in job leases.
    pub worker_id: String,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            poll_every: Duration::from_secs(60),
            timer_every: Duration::from_secs(5),
            job_poll: Duration::from_millis(500),
            worker_id: format!("orderdeck-{}", std::process::id()),
        }
    }
}

/// The clock the workers read: real time, or a simulator's or `--now`'s.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

const RESYNC_JOB: &str = "resync";
const RESYNC_ATTEMPTS: i64 = 3;
const LEASE: TimeDelta = TimeDelta::seconds(120);

#[derive(Debug, Serialize, Deserialize)]
struct ResyncRequest {
    order_id: i64,
    systems: String,
}

fn systems_name(systems: Systems) -> &'static str {
    match systems {
        Systems::Storefront => "storefront",
        Systems::Warehouse => "warehouse",
        Systems::Carrier => "carrier",
        Systems::All => "all",
    }
}

fn systems_from(name: &str) -> Systems {
    match name {
        "storefront" => Systems::Storefront,
        "warehouse" => Systems::Warehouse,
        "carrier" => Systems::Carrier,
        _ => Systems::All,
    }
}

/// Owns the running workers.
pub struct Workers {
    store: Store,
    clock: Clock,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    pub fn spawn(
        store: Store,
        policy: Policy,
        connections: Connections,
        settings: WorkerSettings,
        clock: Clock,
    ) -> (Workers, mpsc::Receiver<WorkerEvent>) {
        let (events, receiver) = mpsc::channel(256);
        let (stop, stopped) = watch::channel(false);
        let policy = Arc::new(policy);
        let connections = Arc::new(connections);
        let tasks = vec![
            tokio::spawn(poller(
                store.clone(),
                policy.clone(),
                connections.clone(),
                settings.poll_every,
                clock.clone(),
                events.clone(),
                stopped.clone(),
            )),
            tokio::spawn(timer(
                store.clone(),
                policy.clone(),
                settings.timer_every,
                clock.clone(),
                events.clone(),
                stopped.clone(),
            )),
            tokio::spawn(job_worker(
                store.clone(),
                policy,
                connections,
                settings,
                clock.clone(),
                events,
                stopped,
            )),
        ];
        (
            Workers {
                store,
                clock,
                stop,
                tasks,
            },
            receiver,
        )
    }

    /// Queues a resync of one order. Asking again before the first has run
    /// (a double keypress, a second operator) queues nothing more.
    pub async fn request_resync(
        &self,
        order_id: i64,
        systems: Systems,
    ) -> Result<bool, StoreError> {
        let now = (self.clock)();
        let pending = self
            .store
            .pending_job_for(RESYNC_JOB, &format!("{RESYNC_JOB}:{order_id}:"))
            .await?;
        if pending {
            return Ok(false);
        }
        let payload = serde_json::to_string(&ResyncRequest {
            order_id,
            systems: systems_name(systems).to_string(),
        })
        .unwrap_or_default();
        self.store
            .enqueue_job(
                &NewJob {
                    kind: RESYNC_JOB.into(),
                    // Requests within one ten-second window are one request,
                    // even from two processes racing past the check above.
                    idempotency_key: format!("{RESYNC_JOB}:{order_id}:{}", now.timestamp() / 10),
                    payload,
                    max_attempts: RESYNC_ATTEMPTS,
                    run_after: now,
                },
                now,
            )
            .await
    }

    /// Stops every worker after what it is doing.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Sleeps `every`, or returns true as soon as a stop is asked for.
async fn stopped_during(stopped: &mut watch::Receiver<bool>, every: Duration) -> bool {
    if *stopped.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(every) => *stopped.borrow(),
        _ = stopped.changed() => true,
    }
}

async fn poller(
    store: Store,
    policy: Arc<Policy>,
    connections: Arc<Connections>,
    every: Duration,
    clock: Clock,
    events: mpsc::Sender<WorkerEvent>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let at = clock();
        let span = tracing::info_span!("sync_pass", %at);
        let _entered = span.enter();
        let event = match sync_once(&store, &policy, &connections, at).await {
            Ok(report) => WorkerEvent::SyncFinished {
                at,
                listings: report.listings,
            },
            Err(e) => WorkerEvent::Failed {
                what: "sync",
                error: e.to_string(),
            },
        };
        drop(_entered);
        if events.send(event).await.is_err() || stopped_during(&mut stopped, every).await {
            return;
        }
    }
}

async fn timer(
    store: Store,
    policy: Arc<Policy>,
    every: Duration,
    clock: Clock,
    events: mpsc::Sender<WorkerEvent>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if stopped_during(&mut stopped, every).await {
            return;
        }
        let at = clock();
        let event = match reevaluate_due(&store, &policy, at).await {
            Ok(0) => continue,
            Ok(orders) => WorkerEvent::Reevaluated { at, orders },
            Err(e) => WorkerEvent::Failed {
                what: "re-evaluation",
                error: e.to_string(),
            },
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

async fn job_worker(
    store: Store,
    policy: Arc<Policy>,
    connections: Arc<Connections>,
    settings: WorkerSettings,
    clock: Clock,
    events: mpsc::Sender<WorkerEvent>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let now = clock();
        let job = match store.lease_job(&settings.worker_id, now, LEASE).await {
            Ok(Some(job)) => job,
            Ok(None) => {
                if stopped_during(&mut stopped, settings.job_poll).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                let _ = events
                    .send(WorkerEvent::Failed {
                        what: "job queue",
                        error: e.to_string(),
                    })
                    .await;
                if stopped_during(&mut stopped, settings.job_poll).await {
                    return;
                }
                continue;
            }
        };
        let request: Option<ResyncRequest> = (job.kind == RESYNC_JOB)
            .then(|| serde_json::from_str(&job.payload).ok())
            .flatten();
        let Some(request) = request else {
            let _ = store
                .fail_job(
                    &job,
                    &settings.worker_id,
                    "not a job this worker knows",
                    now,
                    now,
                )
                .await;
            continue;
        };
        let result = resync_order(
            &store,
            &policy,
            &connections,
            request.order_id,
            systems_from(&request.systems),
            now,
        )
        .await;
        let event = match result {
            Ok(listings) => {
                let _ = store.complete_job(&job, &settings.worker_id, clock()).await;
                WorkerEvent::ResyncFinished {
                    order_id: request.order_id,
                    listings,
                }
            }
            Err(e) => {
                let retry_at = clock() + TimeDelta::seconds(5 << job.attempts.min(6));
                let _ = store
                    .fail_job(&job, &settings.worker_id, &e.to_string(), retry_at, clock())
                    .await;
                WorkerEvent::Failed {
                    what: "resync",
                    error: e.to_string(),
                }
            }
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}
