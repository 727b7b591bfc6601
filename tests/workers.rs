#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The background workers against the simulator: the poller's first pass,
//! a queued per-order resync done once however often it is asked for, and a
//! clean shutdown.

mod dbs;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::sim::{self, Endpoint, SimOptions};
use orderdeck::sync::connections::Connections;
use orderdeck::sync::resync::Systems;
use orderdeck::sync::workers::{WorkerEvent, WorkerSettings, Workers};
use tokio::sync::mpsc::Receiver;

async fn next(events: &mut Receiver<WorkerEvent>) -> WorkerEvent {
    tokio::time::timeout(Duration::from_secs(60), events.recv())
        .await
        .expect("an event within a minute")
        .expect("workers running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_sync_resync_on_request_and_stop() {
    let db = dbs::sqlite().await;
    let start: DateTime<Utc> = "2026-11-23T15:00:00Z".parse().unwrap();
    let mut options = SimOptions::new(5, 25, start);
    options.speed = 0.0;
    let handle = Arc::new(sim::start(options).await.unwrap());
    let config = Config::from_str_over_defaults("simulator", &config_text(&handle)).unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);
    let clock_handle = handle.clone();
    let (workers, mut events) = Workers::spawn(
        db.store.clone(),
        config.policy().unwrap(),
        connections,
        WorkerSettings {
            poll_every: Duration::from_secs(3600),
            timer_every: Duration::from_millis(200),
            job_poll: Duration::from_millis(50),
            worker_id: "test-worker".into(),
        },
        Arc::new(move || clock_handle.now()),
    );

    let WorkerEvent::SyncFinished { listings, .. } = next(&mut events).await else {
        panic!("the poller's first pass comes first");
    };
    assert!(listings.iter().all(|l| l.error.is_none()), "{listings:?}");

    let order = db.store.find_order("#1001").await.unwrap().expect("synced");
    let before = handle.requests(Endpoint::ShopifyOrder);
    assert!(workers.request_resync(order, Systems::All).await.unwrap());
    assert!(
        !workers.request_resync(order, Systems::All).await.unwrap(),
        "asked twice, queued once"
    );
    loop {
        match next(&mut events).await {
            WorkerEvent::ResyncFinished { order_id, listings } => {
                assert_eq!(order_id, order);
                // Storefront and warehouse, then one per carrier of its parcels.
                assert_eq!(listings[0].listing, "storefront");
                assert_eq!(listings[1].listing, "warehouse");
                assert!(listings[2..].iter().all(|l| l.listing == "carrier"));
                assert!(
                    listings
                        .iter()
                        .all(|l| l.error.is_none() && l.documents > 0),
                    "{listings:?}"
                );
                break;
            }
            WorkerEvent::Failed { what, error } => panic!("{what}: {error}"),
            _ => {}
        }
    }
    assert_eq!(
        handle.requests(Endpoint::ShopifyOrder),
        before + 1,
        "one per-order look-up"
    );
    tokio::time::timeout(Duration::from_secs(10), workers.shutdown())
        .await
        .expect("workers stop promptly");
}

/// A stopped simulator's shop of `orders` orders, synced once into SQLite.
async fn synced_shop(orders: u64) -> (dbs::TestDb, sim::SimHandle, Config, DateTime<Utc>) {
    let db = dbs::sqlite().await;
    let start: DateTime<Utc> = "2026-11-23T15:00:00Z".parse().unwrap();
    let mut options = SimOptions::new(5, orders, start);
    options.speed = 0.0;
    let handle = sim::start(options).await.unwrap();
    let config = Config::from_str_over_defaults("simulator", &config_text(&handle)).unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);
    orderdeck::sync::poll::sync_once(&db.store, &config.policy().unwrap(), &connections, start)
        .await
        .unwrap();
    (db, handle, config, start)
}

#[tokio::test]
async fn a_carrier_resync_asks_the_parcels_carrier_again() {
    let (db, handle, config, start) = synced_shop(60).await;
    let policy = config.policy().unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);
    let (order,): (i64,) =
        sqlx::query_as("SELECT order_id FROM order_tracking ORDER BY tracking_number LIMIT 1")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
    let asked_before = handle.exchanges().len();
    let reports = orderdeck::sync::resync::resync_order(
        &db.store,
        &policy,
        &connections,
        order,
        Systems::Carrier,
        start,
    )
    .await
    .unwrap();
    assert!(!reports.is_empty(), "the order has a parcel");
    assert!(
        reports
            .iter()
            .all(|r| r.listing == "carrier" && r.error.is_none() && r.documents > 0),
        "{reports:?}"
    );
    let asked: Vec<_> = handle.exchanges()[asked_before..]
        .iter()
        .map(|e| e.endpoint.backend())
        .collect();
    assert!(
        !asked.is_empty()
            && asked
                .iter()
                .all(|b| !matches!(b, sim::Backend::Shopify | sim::Backend::ShipStation)),
        "only carriers asked: {asked:?}"
    );
}

#[tokio::test]
async fn each_pass_records_every_source_s_health() {
    let (db, _simulator, config, start) = synced_shop(20).await;
    let policy = config.policy().unwrap();
    let health = db.store.source_health().await.unwrap();
    let orders = health
        .iter()
        .find(|h| h.listing == "storefront.orders")
        .expect("the storefront's orders listing");
    assert_eq!(orders.last_success, Some(start));
    assert!(orders.documents > 0 && orders.last_error.is_none());

    // Later, without the secrets: every backend fails; the failure is kept
    // beside the earlier success.
    let later = start + chrono::TimeDelta::hours(1);
    let without = Connections::from_config(&config);
    orderdeck::sync::poll::sync_once(&db.store, &policy, &without, later)
        .await
        .unwrap();
    let health = db.store.source_health().await.unwrap();
    let orders = health
        .iter()
        .find(|h| h.listing == "storefront.orders")
        .unwrap();
    assert_eq!(orders.last_success, Some(start));
    assert_eq!(orders.last_error_at, Some(later));
    assert!(
        orders
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("not set")),
        "{orders:?}"
    );
}
