#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The console's window onto a queue, on SQLite and PostgreSQL alike: the
//! same rows in the same order for every sort, paging by offset, and the
//! filter over order number, customer, SKU, vendor and finding code.

mod dbs;

use chrono::{DateTime, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::domain::{normalize_order_name, Queue};
use orderdeck::sim::{self, Limits, SimOptions};
use orderdeck::store::{OrderRow, QueueSort, Store};
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::sync_once;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

async fn all_rows(store: &Store, queue: Queue, filter: &str, sort: QueueSort) -> Vec<OrderRow> {
    store
        .queue_window(queue, filter, sort, 0, 10_000)
        .await
        .unwrap()
}

#[tokio::test]
async fn windows_sorts_and_filters_agree_on_both_engines() {
    let mut options = SimOptions::new(7, 80, start());
    options.speed = 0.0;
    options.limits = Limits::lifted();
    let handle = sim::start(options).await.unwrap();
    let config = Config::from_str_over_defaults("simulator", &config_text(&handle)).unwrap();
    let policy = config.policy().unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);

    let mut seen: Vec<Vec<String>> = Vec::new();
    // SQLite answers words of 3+ characters from its trigram index, shorter
    // ones by scanning, PostgreSQL always by scanning: all must agree.
    let words = [
        "candle-3",
        "CANDLE",
        "sla_breach",
        "ca",
        "vendor",
        "#10",
        "not_at_warehouse candle",
    ];
    let mut matched: Vec<Vec<Vec<(String, i64)>>> = Vec::new();
    for db in dbs::all().await {
        let store = &db.store;
        sync_once(store, &policy, &connections, start())
            .await
            .unwrap();
        let counts = store.queue_counts().await.unwrap();
        let mut names = Vec::new();
        for queue in [Queue::Overdue, Queue::Informational, Queue::Blocked] {
            let by_deadline = all_rows(store, queue, "", QueueSort::Deadline).await;
            assert_eq!(by_deadline.len() as i64, counts[&queue], "{}", db.label);
            // Deadlines ascending, none before a deadline-less order.
            let deadlines: Vec<i64> = by_deadline
                .iter()
                .map(|r| r.ship_by.map_or(i64::MAX, |t| t.timestamp()))
                .collect();
            assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "{}", db.label);
            // Paging by offset walks the same list.
            let mut paged = Vec::new();
            for offset in (0..by_deadline.len()).step_by(7) {
                paged.extend(
                    store
                        .queue_window(queue, "", QueueSort::Deadline, offset as i64, 7)
                        .await
                        .unwrap(),
                );
            }
            assert_eq!(paged, by_deadline, "{}", db.label);
            let newest = all_rows(store, queue, "", QueueSort::Newest).await;
            assert!(newest.windows(2).all(|w| w[0].placed_at >= w[1].placed_at));
            let numbered = all_rows(store, queue, "", QueueSort::OrderNumber).await;
            let keys: Vec<String> = numbered
                .iter()
                .map(|r| normalize_order_name(&r.name))
                .collect();
            assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
            // Every listed row carries what the console shows beside its name.
            assert!(by_deadline.iter().all(|r| r
                .system_states
                .as_deref()
                .is_some_and(|s| s.split('|').count() == 3)));
            names.extend(by_deadline.iter().map(|r| r.name.clone()));
        }
        seen.push(names);
        let mut per_word = Vec::new();
        for word in words {
            let mut counts: Vec<(String, i64)> = store
                .filtered_counts(word)
                .await
                .unwrap()
                .into_iter()
                .map(|(q, n)| (q.to_string(), n))
                .collect();
            counts.sort();
            per_word.push(counts);
        }
        matched.push(per_word);

        // A finding code, case-insensitively, finds exactly its orders.
        let breaches = all_rows(store, Queue::Overdue, "sla_breach", QueueSort::Deadline).await;
        assert!(!breaches.is_empty());
        assert!(breaches
            .iter()
            .all(|r| r.top_code.as_deref() == Some("SLA_BREACH")));
        // A SKU, and several words that must all match.
        let candles = store.filtered_counts("CANDLE-3").await.unwrap();
        let total: i64 = candles.values().sum();
        assert!(total > 0, "{}", db.label);
        let narrower: i64 = store
            .filtered_counts("candle-3 not_at_warehouse")
            .await
            .unwrap()
            .values()
            .sum();
        assert!(narrower > 0 && narrower < total, "{narrower} of {total}");
        // An order number and a customer name find their order.
        let first = &seen.last().unwrap()[0];
        let found = store.filtered_counts(first).await.unwrap();
        assert_eq!(found.values().sum::<i64>(), 1, "{first} on {}", db.label);
        let row = all_rows(store, Queue::Overdue, first, QueueSort::Deadline).await;
        let customer = row[0].customer.clone().unwrap();
        let by_customer = store
            .filtered_counts(&customer.to_uppercase())
            .await
            .unwrap();
        assert!(by_customer.values().sum::<i64>() >= 1);
        // LIKE's wildcards are taken literally.
        assert!(store.filtered_counts("%").await.unwrap().is_empty());
        assert!(store
            .filtered_counts("s_a_breach")
            .await
            .unwrap()
            .is_empty());
    }
    if let [sqlite, postgres] = seen.as_slice() {
        assert_eq!(
            sqlite, postgres,
            "both engines list the same orders in the same order"
        );
    }
    handle.shutdown().await.unwrap();
}
