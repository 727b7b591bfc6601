#![allow(clippy::expect_used, clippy::unwrap_used)]
//! A whole shop through one `sync_once`: 10,000 simulated orders, the
//! simulator's limits lifted and the config's lifted to match (as `orderdeck
//! sim --lift-limits --write-config` writes it), and every order must end in
//! the queue, with the codes, that the simulator's ground truth states.

mod dbs;
mod store_view;

use std::time::Instant;

use chrono::{DateTime, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::sim::{self, Limits, SimOptions};
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::sync_once;

const ORDERS: u64 = 10_000;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_orders_land_in_the_queues_the_ground_truth_states() {
    let db = dbs::sqlite().await;
    let mut options = SimOptions::new(23, ORDERS, start());
    options.speed = 0.0;
    options.limits = Limits::lifted();
    let handle = sim::start(options).await.unwrap();
    let config = Config::from_str_over_defaults("simulator", &config_text(&handle)).unwrap();
    let policy = config.policy().unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);

    let started = Instant::now();
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(report.clean(), "{:?}", report.listings);
    eprintln!(
        "sync_once of {ORDERS} orders: {took:.1?}; requests {:?}",
        handle.request_counts()
    );

    let truth = handle.ground_truth();
    assert!(truth.len() as u64 >= ORDERS * 4 / 5, "{}", truth.len());
    let wrong = store_view::mismatches(&truth, &store_view::outcomes(&db.store).await);
    assert!(
        wrong.is_empty(),
        "{} of {} orders differ, e.g. {:#?}",
        wrong.len(),
        truth.len(),
        &wrong[..wrong.len().min(20)]
    );
    handle.shutdown().await.unwrap();
}
