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
use orderdeck::sync::poll::{sync_once, SyncReport};

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

/// One pass into `db` as of the simulator's clock; it must go cleanly.
async fn clean_pass(
    db: &dbs::TestDb,
    handle: &SimHandle,
    (config, connections): &(Config, Connections),
) -> SyncReport {
    let policy = config.policy().unwrap();
    let report = sync_once(&db.store, &policy, connections, handle.now())
        .await
        .unwrap();
    assert!(report.clean(), "{}: {:?}", db.label, report.listings);
    report
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
        let setup = connections(&handle);
        clean_pass(&db, &handle, &setup).await;
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
        let report = clean_pass(&db, &handle, &setup).await;
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

/// Each parcel's stored snapshot is the carrier's reply as it was sent, with
/// the pass's time: read back as a saved reply (`import --source carrier`
/// reads it so), it gives the very parcel that was filed.
async fn carrier_replies_are_kept_as_sent(db: &dbs::TestDb) {
    let handle = simulator(300, |_| {}).await;
    clean_pass(db, &handle, &connections(&handle)).await;
    let rows: Vec<(String, Vec<u8>, Vec<u8>, i64)> = sqlx::query_as(
        "SELECT doc_id, raw, facts, fetched_at FROM payloads WHERE source = 'carrier.tracking'",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    assert!(rows.len() > 20, "{} parcels ({})", rows.len(), db.label);
    let mut shapes = BTreeSet::new();
    for (number, raw, facts, fetched_at) in rows {
        let raw = orderdeck::store::unpack(&raw).unwrap();
        let facts = orderdeck::store::unpack(&facts).unwrap();
        assert_eq!(fetched_at, handle.now().timestamp_millis(), "{number}");
        assert_ne!(raw, facts, "{number}: the normalised parcel, not the reply");
        let mut parcels = Vec::new();
        orderdeck::connectors::carriers::read_saved(raw.as_bytes(), &mut |item| {
            if let orderdeck::connectors::Item::Document(doc) = item {
                parcels.push(doc.content);
            }
        })
        .unwrap_or_else(|e| panic!("{number}: the kept reply does not read back: {e}"));
        let filed: serde_json::Value = serde_json::from_str(&facts).unwrap();
        shapes.insert(filed["carrier"].to_string());
        let read: Vec<serde_json::Value> = parcels
            .iter()
            .map(|p| serde_json::to_value(p).unwrap())
            .collect();
        assert!(
            read.contains(&filed)
                || read
                    .iter()
                    .any(|r| r["tracking_number"] == "" && r["raw_status"] == filed["raw_status"]),
            "{number}: {filed} not among {read:?}"
        );
    }
    assert!(shapes.len() >= 3, "replies of several carriers: {shapes:?}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_replies_are_kept_as_sent_in_every_database() {
    for db in dbs::all().await {
        carrier_replies_are_kept_as_sent(&db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_without_its_key_is_reported_once_not_once_per_po() {
    let db = dbs::sqlite().await;
    let handle = simulator(300, |_| {}).await;
    let (config, _) = connections(&handle);
    let policy = config.policy().unwrap();
    let vendor_key = orderdeck::sim::VENDOR_API_KEY_ENV.0;
    let connections = Connections::with_secrets(&config, &|variable: &str| {
        if variable == vendor_key {
            Err(format!("{variable} is not set"))
        } else {
            sim::credential(variable)
        }
    });
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    let error = report
        .listings
        .iter()
        .find(|l| l.listing == "vendor.api")
        .and_then(|l| l.error.clone())
        .expect("the vendor step reports the missing key");
    assert_eq!(error.matches(vendor_key).count(), 1, "{error}");
    // Several POs could not be sent (so the error was met several times);
    // they are stored, waiting for the key.
    assert!(db.store.unsent_pos().await.unwrap().len() > 1);
    handle.shutdown().await.unwrap();
}
