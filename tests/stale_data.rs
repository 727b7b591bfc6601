#![allow(clippy::expect_used, clippy::unwrap_used)]
//! STALE_DATA end to end: the simulator's warehouse stops updating (it still
//! answers, with its data as of a frozen moment) while the storefront moves
//! on, or no pass runs at all for a while; the real binary's `queues
//! --json`, `show --json` and `health --json` then say which source is out
//! of date, on listed orders only, without moving any order between queues.

mod dbs;

use std::collections::BTreeMap;
use std::process::Command;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::sim::{self, SimHandle, SimOptions};
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::sync_once;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

async fn simulator(tweak: impl FnOnce(&mut SimOptions)) -> SimHandle {
    let mut options = SimOptions::new(23, 120, start());
    options.speed = 0.0;
    tweak(&mut options);
    sim::start(options).await.expect("simulator starts")
}

fn deck(url: &str, now: DateTime<Utc>, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_orderdeck"))
        .args(["--db", url, "--now"])
        .arg(now.to_rfc3339_opts(SecondsFormat::Secs, true))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("run orderdeck");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Each listed order's queue, and its STALE_DATA reason if any.
fn listed(url: &str, now: DateTime<Utc>) -> BTreeMap<String, (String, Option<String>)> {
    let queues = deck(url, now, &["queues", "--json"]);
    queues
        .as_array()
        .unwrap()
        .iter()
        .map(|order| {
            let findings = order["findings"].as_array().unwrap();
            let stale = findings
                .iter()
                .find(|f| f["code"] == "STALE_DATA")
                .map(|f| {
                    assert_eq!(f["verdict"], "info", "{f}");
                    f["reason"].as_str().unwrap().to_string()
                });
            // STALE_DATA never places an order: the engine's own findings
            // explain its queue.
            let queue = order["queue"].as_str().unwrap();
            let placing = match queue {
                "blocked" => "blocked",
                "overdue" => "overdue",
                _ => "info",
            };
            assert!(
                findings.iter().any(|f| f["code"] != "STALE_DATA"
                    && (f["verdict"] == placing
                        || (queue == "overdue" && f["code"] == "SLA_BREACH"))),
                "{order}"
            );
            (
                order["order"].as_str().unwrap().to_string(),
                (order["queue"].as_str().unwrap().to_string(), stale),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warehouse_that_stops_updating_marks_the_listed_orders() {
    for db in dbs::all().await {
        let handle = simulator(|options| {
            options.faults.shipstation.frozen_at = Some(start());
        })
        .await;
        let config = Config::from_str_over_defaults("sim", &config_text(&handle)).unwrap();
        let connections = Connections::with_secrets(&config, &sim::credential);
        let policy = config.policy().unwrap();
        assert_eq!(policy.tolerances.stale_data, TimeDelta::hours(1));

        let report = sync_once(&db.store, &policy, &connections, handle.now())
            .await
            .unwrap();
        assert!(report.clean(), "{}: {:?}", db.label, report.listings);
        let fresh = listed(&db.url, handle.now());
        assert!(!fresh.is_empty());
        assert!(
            fresh.values().all(|(_, stale)| stale.is_none()),
            "{}: nothing is stale right after a pass: {fresh:?}",
            db.label
        );

        // Every pass succeeds, but the warehouse's newest change stays put
        // while the storefront's moves on.
        for _ in 0..6 {
            handle.advance(TimeDelta::hours(1));
            let report = sync_once(&db.store, &policy, &connections, handle.now())
                .await
                .unwrap();
            assert!(report.clean(), "{}: {:?}", db.label, report.listings);
        }
        let frozen = listed(&db.url, handle.now());
        let marked: Vec<&String> = frozen
            .values()
            .filter_map(|(_, stale)| stale.as_ref())
            .collect();
        assert_eq!(marked.len(), frozen.len(), "{}: {frozen:?}", db.label);
        assert!(
            marked[0].contains("the warehouse has reported no change for")
                && marked[0].contains("while the storefront has moved on (expected within 4h)"),
            "{}: {}",
            marked[0],
            db.label
        );
        let health = deck(&db.url, handle.now(), &["health", "--json"]);
        for source in health.as_array().unwrap() {
            let listing = source["listing"].as_str().unwrap();
            assert_eq!(
                source["stale"].is_string(),
                listing.starts_with("warehouse."),
                "{}: {source}",
                db.label
            );
        }

        // `show` of a listed order carries it too, with its evidence.
        let (name, _) = frozen.iter().next().unwrap();
        let shown = deck(&db.url, handle.now(), &["show", name, "--json"]);
        let finding = shown["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "STALE_DATA")
            .unwrap_or_else(|| panic!("{}: {shown}", db.label));
        assert_eq!(finding["evidence"][0]["system"], "warehouse");
        assert_eq!(
            finding["evidence"][0]["field"],
            "warehouse newest change reported"
        );
        handle.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_pass_for_longer_than_the_tolerance_marks_every_listed_order() {
    for db in dbs::all().await {
        let handle = simulator(|_| {}).await;
        let config = Config::from_str_over_defaults("sim", &config_text(&handle)).unwrap();
        let connections = Connections::with_secrets(&config, &sim::credential);
        let policy = config.policy().unwrap();
        let report = sync_once(&db.store, &policy, &connections, handle.now())
            .await
            .unwrap();
        assert!(report.clean(), "{}: {:?}", db.label, report.listings);

        let within = listed(&db.url, handle.now() + TimeDelta::minutes(59));
        assert!(within.values().all(|(_, stale)| stale.is_none()));

        let stale = listed(&db.url, handle.now() + TimeDelta::minutes(150));
        assert!(!stale.is_empty());
        for (name, (_, reason)) in &stale {
            let reason = reason
                .as_deref()
                .unwrap_or_else(|| panic!("{}: {name} not marked", db.label));
            assert!(
                reason.starts_with("What orderdeck shows may be out of date: no successful sync of the storefront for 2h 30m (storefront.fulfillment_orders, storefront.orders; expected within 1h); no successful sync of the warehouse for 2h 30m (warehouse.orders, warehouse.shipments; expected within 1h)"),
                "{}: {reason}",
                db.label
            );
        }
        handle.shutdown().await.unwrap();
    }
}
