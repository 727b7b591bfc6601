#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Live sync end to end: the simulator on loopback speaks the real wire
//! formats; one `sync_once` pass through the HTTP connectors must leave every
//! order in the queue, with the findings, that the simulator's scenarios
//! state — stated by the scenarios, not computed by the engine.

mod dbs;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::domain::{FindingCode, Verdict};
use orderdeck::sim::{self, SimHandle, SimOptions, SystemFaults};
use orderdeck::store::Store;
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::sync_once;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

async fn simulator(orders: u64, tweak: impl FnOnce(&mut SimOptions)) -> SimHandle {
    let mut options = SimOptions::new(11, orders, start());
    options.speed = 0.0;
    tweak(&mut options);
    sim::start(options).await.expect("simulator starts")
}

fn connections(handle: &SimHandle) -> (Config, Connections) {
    let config = Config::from_str_over_defaults("simulator", &config_text(handle)).expect("config");
    let connections = Connections::with_secrets(&config, &sim::credential);
    (config, connections)
}

/// Every order the simulator states, and what orderdeck made of it.
async fn mismatches(store: &Store, handle: &SimHandle) -> Vec<String> {
    let mut wrong = Vec::new();
    for expected in handle.ground_truth() {
        let Some(id) = store.find_order(&expected.name).await.unwrap() else {
            wrong.push(format!("{}: not in the store", expected.name));
            continue;
        };
        let detail = store.order_detail(id).await.unwrap().unwrap();
        let codes: BTreeSet<FindingCode> = detail
            .findings
            .iter()
            .filter(|f| f.verdict != Verdict::Pass)
            .map(|f| f.code)
            .collect();
        if detail.row.queue != expected.queue || codes != expected.codes {
            wrong.push(format!(
                "{}: expected {} {:?}, got {} {:?}",
                expected.name, expected.queue, expected.codes, detail.row.queue, codes
            ));
        }
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pass_matches_the_simulators_ground_truth_and_follows_its_clock() {
    for db in dbs::all().await {
        let handle = simulator(60, |_| {}).await;
        let (config, connections) = connections(&handle);
        let policy = config.policy().unwrap();

        let report = sync_once(&db.store, &policy, &connections, handle.now())
            .await
            .unwrap();
        assert!(report.clean(), "{}: {:?}", db.label, report.listings);
        let wrong = mismatches(&db.store, &handle).await;
        assert!(wrong.is_empty(), "{}: {wrong:#?}", db.label);

        // Every code the storefront, warehouse and carriers can produce is
        // exercised by this shop.
        let seen: BTreeSet<FindingCode> = handle
            .ground_truth()
            .into_iter()
            .flat_map(|e| e.codes)
            .collect();
        assert!(seen.len() >= 15, "{seen:?}");

        // The world moves on; an incremental pass catches up.
        let requests_before: u64 = handle.request_counts().values().sum();
        handle.advance(TimeDelta::hours(30));
        let report = sync_once(&db.store, &policy, &connections, handle.now())
            .await
            .unwrap();
        assert!(report.clean(), "{}: {:?}", db.label, report.listings);
        let wrong = mismatches(&db.store, &handle).await;
        assert!(wrong.is_empty(), "{} after 30h: {wrong:#?}", db.label);
        let orders_listed = report
            .listings
            .iter()
            .find(|l| l.listing == "storefront.orders")
            .unwrap();
        assert!(
            orders_listed.documents < 60,
            "incremental, not a full re-read: {orders_listed:?}"
        );
        assert!(handle.request_counts().values().sum::<u64>() > requests_before);
        handle.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_server_errors_and_dropped_bodies_are_ridden_out() {
    let db = dbs::sqlite().await;
    let flaky = SystemFaults {
        latency: Duration::from_millis(2),
        too_many_requests: 0.05,
        server_errors: 0.1,
        truncated: 0.05,
        ..SystemFaults::default()
    };
    let handle = simulator(40, |options| {
        options.faults.shopify = flaky.clone();
        options.faults.shipstation = flaky.clone();
        options.faults.fedex = flaky.clone();
        options.faults.ups = flaky.clone();
        options.faults.usps = flaky.clone();
        options.faults.dhl = flaky;
    })
    .await;
    let (config, connections) = connections(&handle);
    let policy = config.policy().unwrap();
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    assert!(report.clean(), "{:?}", report.listings);
    let wrong = mismatches(&db.store, &handle).await;
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_body_or_a_missing_secret_fails_only_that_backend() {
    let db = dbs::sqlite().await;
    let handle = simulator(30, |options| {
        options.faults.shipstation.malformed = 1.0;
    })
    .await;
    let (config, connections) = connections(&handle);
    let policy = config.policy().unwrap();
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    let failed: Vec<&str> = report
        .listings
        .iter()
        .filter(|l| l.error.is_some())
        .map(|l| l.listing)
        .collect();
    assert_eq!(
        failed,
        ["warehouse.orders", "warehouse.shipments"],
        "{:?}",
        report.listings
    );
    // The storefront still loaded.
    let storefront = report
        .listings
        .iter()
        .find(|l| l.listing == "storefront.orders")
        .unwrap();
    assert!(storefront.documents > 0);
    handle.shutdown().await.unwrap();

    // A missing secret leaves that backend out, with the variable named.
    let handle = simulator(30, |_| {}).await;
    let config = Config::from_str_over_defaults("simulator", &config_text(&handle)).unwrap();
    let connections = Connections::with_secrets(&config, &|variable: &str| {
        Err(format!("{variable} is not set"))
    });
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    let error = report.listings[0].error.clone().unwrap();
    assert!(
        error.contains("ORDERDECK_SIM_SHOPIFY_TOKEN") && error.contains("storefront.token_env"),
        "{error}"
    );
}
