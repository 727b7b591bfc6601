#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Property: whatever order saved payloads arrive in, and however they are
//! split into files, the store ends with the same orders in the same queues
//! with the same findings.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use orderdeck::config::Config;
use orderdeck::connectors::Source;
use orderdeck::sim::shop::{Scenario, ShopGenerator};
use orderdeck::store::{sqlite_url, Store};
use orderdeck::sync::import;
use proptest::prelude::*;
use serde_json::{json, Value};

const ORDERS: u64 = 10;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T20:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Every payload of a small generated shop, one body each, plus a stale
/// snapshot of one order that must never win.
fn bodies(seed: u64) -> Vec<(Source, Value)> {
    let generator = ShopGenerator::new(seed, now());
    let mut out = Vec::new();
    for index in 0..ORDERS {
        let order = generator.order(index);
        if let Some(storefront) = &order.storefront {
            let mut stale = storefront.clone();
            stale["updated_at"] = json!((now() - TimeDelta::days(60)).to_rfc3339());
            stale["financial_status"] = json!("pending");
            stale["cancelled_at"] = Value::Null;
            out.push((Source::Storefront, json!({"order": stale})));
            out.push((Source::Storefront, json!({"orders": [storefront]})));
        }
        if order.scenario == Scenario::ReplacementExists {
            out.push((
                Source::Storefront,
                json!({"order": generator.replacement_for(&order).unwrap()}),
            ));
        }
        if !order.fulfillment_orders.is_empty() {
            out.push((
                Source::Storefront,
                json!({"fulfillment_orders": order.fulfillment_orders}),
            ));
        }
        if let Some(warehouse) = &order.warehouse_order {
            out.push((
                Source::Warehouse,
                json!({"orders": [warehouse], "total": 1, "page": 1, "pages": 1}),
            ));
        }
        for shipment in &order.shipments {
            out.push((
                Source::Warehouse,
                json!({"shipments": [shipment], "total": 1, "page": 1, "pages": 1}),
            ));
        }
    }
    out
}

type Outcome = BTreeMap<String, (String, Vec<(String, String, String)>)>;

async fn import_in_order(dir: &Path, bodies: &[(Source, Value)]) -> Outcome {
    let store = Store::open(&sqlite_url(&dir.join("db.sqlite")))
        .await
        .unwrap();
    let policy = Config::builtin().unwrap().policy().unwrap();
    for (i, (source, body)) in bodies.iter().enumerate() {
        let path = dir.join(format!("{i}.json"));
        std::fs::write(&path, serde_json::to_vec(body).unwrap()).unwrap();
        let (report, _) = import::import_file(&store, &policy, *source, &path, now())
            .await
            .unwrap();
        assert_eq!(report.error, None);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    }
    let mut outcome = Outcome::new();
    let names = (0..ORDERS).flat_map(|i| [format!("{}", 1001 + i), format!("{}-R1", 1001 + i)]);
    for name in names {
        if let Some(id) = store.find_order(&name).await.unwrap() {
            let detail = store.order_detail(id).await.unwrap().unwrap();
            let findings = detail
                .findings
                .iter()
                .map(|f| {
                    (
                        f.code.to_string(),
                        f.verdict.as_str().to_string(),
                        f.reason.clone(),
                    )
                })
                .collect();
            outcome.insert(
                detail.row.name.clone(),
                (detail.row.queue.to_string(), findings),
            );
        }
    }
    let counts = store.queue_counts().await.unwrap();
    outcome.insert(
        "(orders)".into(),
        (counts.values().sum::<i64>().to_string(), Vec::new()),
    );
    store.close().await;
    outcome
}

fn run(bodies: &[(Source, Value)]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(import_in_order(dir.path(), bodies))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn arrival_order_does_not_change_the_result(
        (seed, shuffled) in (0u64..4).prop_flat_map(|seed| (Just(seed), Just(bodies(seed)).prop_shuffle()))
    ) {
        let canonical = run(&bodies(seed));
        let arrived = run(&shuffled);
        prop_assert_eq!(canonical, arrived);
    }
}
