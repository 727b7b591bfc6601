#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The offline summary of one order per simulator scenario — together every
//! finding code the storefront, warehouse and carriers can produce — checked
//! word for word against the reviewed snapshot.

mod dbs;

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::domain::FindingCode;
use orderdeck::sim::{self, SimOptions};
use orderdeck::summary::summarise;
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::sync_once;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_summary_per_scenario_word_for_word() {
    let db = dbs::sqlite().await;
    let start: DateTime<Utc> = "2026-11-23T15:00:00Z".parse().unwrap();
    let mut options = SimOptions::new(7, 20, start);
    options.speed = 0.0;
    let handle = sim::start(options).await.unwrap();
    let config = Config::from_str_over_defaults("simulator", &config_text(&handle)).unwrap();
    let policy = config.policy().unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    assert!(report.clean(), "{:?}", report.listings);

    let mut expected = handle.ground_truth();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    let mut covered: BTreeSet<FindingCode> = BTreeSet::new();
    let mut text = String::new();
    for order in &expected {
        let id = db.store.find_order(&order.name).await.unwrap().unwrap();
        let detail = db.store.order_detail(id).await.unwrap().unwrap();
        let summary = summarise(
            &detail.row.name,
            &detail.facts,
            &detail.findings,
            policy.sla.timezone,
        );
        covered.extend(summary.cites.iter().copied());
        let _ = writeln!(
            text,
            "{} [{}]\n{}\n",
            order.name, detail.row.queue, summary.text
        );
    }
    let all: BTreeSet<FindingCode> = expected
        .iter()
        .flat_map(|e| e.codes.iter().copied())
        .collect();
    assert_eq!(
        covered, all,
        "every code the shop produces is cited by some summary"
    );
    assert!(all.len() >= 17, "{all:?}");
    insta::assert_snapshot!(text);
    handle.shutdown().await.unwrap();
}

/// Every finding code, including those no simulator scenario produces (the
/// vendor, catalogue and freshness ones), each alone on an order the
/// storefront does not know, word for word.
#[test]
fn every_finding_code_word_for_word() {
    use orderdeck::domain::{Finding, OrderFacts, Verdict};
    let info = [
        "CANCELLED",
        "REFUNDED_FULL",
        "REFUNDED_PARTIAL",
        "ON_HOLD",
        "THIRD_PARTY_VENDOR",
        "SYNC_DELAY",
        "REPLACEMENT_EXISTS",
        "STALE_DATA",
        "CARRIER_STATUS_UNKNOWN",
    ];
    let mut text = String::new();
    for code in FindingCode::ALL {
        let verdict = match code.as_str() {
            "SLA_BREACH" => Verdict::Overdue,
            "SLA_ON_TIME" => Verdict::Pass,
            name if info.contains(&name) => Verdict::Info,
            _ => Verdict::Blocked,
        };
        let finding = Finding {
            code,
            verdict,
            reason: format!("the reason {code} was raised"),
            evidence: Vec::new(),
        };
        let summary = summarise("#9001", &OrderFacts::default(), &[finding], chrono_tz::UTC);
        if verdict != Verdict::Pass {
            assert!(summary.cites.contains(&code), "{code} is cited");
        }
        let _ = writeln!(text, "{code} [{}]\n{}\n", verdict.as_str(), summary.text);
    }
    insta::assert_snapshot!(text);
}
