//! Every order's queue and finding codes read straight from the tables, one
//! query each: asking order by order would take longer than a sync of
//! thousands of orders.
#![allow(dead_code, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use orderdeck::domain::normalize_order_name;
use orderdeck::sim::ExpectedOrder;
use orderdeck::store::Store;

/// An order's queue and its non-passing finding codes.
pub type Outcome = (String, BTreeSet<String>);

/// Every order by its name key (the name without `#`, upper case).
pub async fn outcomes(store: &Store) -> BTreeMap<String, Outcome> {
    let orders: Vec<(i64, Option<String>, String)> =
        sqlx::query_as("SELECT id, name_key, queue FROM orders")
            .fetch_all(store.pool())
            .await
            .expect("reading orders");
    let findings: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT order_id, code, verdict FROM findings")
            .fetch_all(store.pool())
            .await
            .expect("reading findings");
    let mut codes: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (order, code, verdict) in findings {
        if verdict != "pass" {
            codes.entry(order).or_default().insert(code);
        }
    }
    orders
        .into_iter()
        .filter_map(|(id, key, queue)| Some((key?, (queue, codes.remove(&id).unwrap_or_default()))))
        .collect()
}

/// What differs between the ground truth and the store, one line an order.
pub fn mismatches(truth: &[ExpectedOrder], stored: &BTreeMap<String, Outcome>) -> Vec<String> {
    let mut wrong = Vec::new();
    for expected in truth {
        let want: BTreeSet<String> = expected.codes.iter().map(|c| c.to_string()).collect();
        match stored.get(&normalize_order_name(&expected.name)) {
            None => wrong.push(format!("{}: not in the store", expected.name)),
            Some((queue, codes)) if *queue != expected.queue.to_string() || *codes != want => wrong
                .push(format!(
                    "{}: expected {} {want:?}, got {queue} {codes:?}",
                    expected.name, expected.queue
                )),
            Some(_) => {}
        }
    }
    wrong
}
