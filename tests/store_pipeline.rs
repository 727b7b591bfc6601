#![allow(clippy::expect_used, clippy::unwrap_used)]

//! The store and the import pipeline against real SQLite and PostgreSQL:
//! matching across systems, snapshot versions, time-driven re-evaluation,
//! replacement links, rejected input and the job table.

mod dbs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use orderdeck::config::Config;
use orderdeck::connectors::Source;
use orderdeck::domain::{FindingCode, Queue};
use orderdeck::engine::Policy;
use orderdeck::store::{NewJob, Store};
use orderdeck::sync::{import, reconcile};
use serde_json::{json, Value};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn policy() -> Policy {
    Config::builtin()
        .expect("defaults")
        .policy()
        .expect("policy")
}

fn shopify_order(id: u64, name: &str, created: &str, updated: &str, financial: &str) -> Value {
    json!({
        "id": id, "name": name, "created_at": created, "updated_at": updated,
        "financial_status": financial, "fulfillment_status": null, "tags": "",
        "customer": {"first_name": "Ada", "last_name": "Lovelace"},
        "line_items": [{"id": id * 10, "sku": "MUG-BLUE", "title": "Mug", "quantity": 2,
                         "fulfillable_quantity": 2, "vendor": "orderdeck-goods",
                         "fulfillment_service": "manual", "requires_shipping": true}]
    })
}

fn shipstation_order(
    order_id: u64,
    number: &str,
    key: Option<&str>,
    status: &str,
    modified: &str,
) -> Value {
    json!({
        "orderId": order_id, "orderNumber": number, "orderKey": key,
        "orderDate": modified, "createDate": modified, "modifyDate": modified,
        "orderStatus": status, "items": [{"sku": "MUG-BLUE", "name": "Mug", "quantity": 2}]
    })
}

fn write(dir: &Path, name: &str, body: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(body).expect("json")).expect("write");
    path
}

async fn load(
    store: &Store,
    source: Source,
    path: &Path,
    now: DateTime<Utc>,
) -> import::FileReport {
    import::import_file(store, &policy(), source, path, now)
        .await
        .expect("import")
        .0
}

type QueueAndCodes = (Queue, Vec<FindingCode>);

async fn queue_of(store: &Store, name: &str) -> QueueAndCodes {
    let id = store
        .find_order(name)
        .await
        .expect("find")
        .expect("order exists");
    let detail = store
        .order_detail(id)
        .await
        .expect("detail")
        .expect("detail exists");
    (
        detail.row.queue,
        detail.findings.iter().map(|f| f.code).collect(),
    )
}

async fn order_count(store: &Store) -> i64 {
    store.queue_counts().await.expect("counts").values().sum()
}

#[tokio::test]
async fn storefront_and_warehouse_records_meet_in_either_order() {
    for first_storefront in [true, false] {
        for db in dbs::all().await {
            let dir = tempfile::tempdir().expect("dir");
            let now = at("2026-11-23T15:00:00Z");
            let storefront = write(
                dir.path(),
                "s.json",
                &json!({"orders": [shopify_order(501, "#1001", "2026-11-23T09:00:00-05:00", "2026-11-23T09:00:00-05:00", "paid")]}),
            );
            // Key matches the storefront id: matched by id, not by name.
            let warehouse = write(
                dir.path(),
                "w.json",
                &json!({"orders": [shipstation_order(9001, "1001", Some("501"), "awaiting_shipment", "2026-11-23T06:30:00.0000000")], "total": 1, "page": 1, "pages": 1}),
            );
            let steps = if first_storefront {
                [
                    (Source::Storefront, &storefront),
                    (Source::Warehouse, &warehouse),
                ]
            } else {
                [
                    (Source::Warehouse, &warehouse),
                    (Source::Storefront, &storefront),
                ]
            };
            for (source, path) in steps {
                let report = load(&db.store, source, path, now).await;
                assert_eq!(report.error, None, "{}", db.label);
            }
            assert_eq!(
                order_count(&db.store).await,
                1,
                "{}: one order entity",
                db.label
            );
            let (queue, codes) = queue_of(&db.store, "1001").await;
            assert_eq!(queue, Queue::Ok, "{}: {codes:?}", db.label);
            assert!(
                codes.contains(&FindingCode::SlaOnTime),
                "{}: {codes:?}",
                db.label
            );
            assert!(
                !codes.contains(&FindingCode::NotAtWarehouse),
                "{}: {codes:?}",
                db.label
            );
        }
    }
}

#[tokio::test]
async fn warehouse_only_order_is_not_in_storefront_and_names_match_without_hash() {
    for db in dbs::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let now = at("2026-11-23T15:00:00Z");
        let warehouse = write(
            dir.path(),
            "w.json",
            &json!({"orders": [shipstation_order(9002, "1002", None, "awaiting_shipment", "2026-11-23T06:30:00.0000000")]}),
        );
        load(&db.store, Source::Warehouse, &warehouse, now).await;
        let (queue, codes) = queue_of(&db.store, "#1002").await;
        assert_eq!(queue, Queue::Blocked, "{}", db.label);
        assert!(
            codes.contains(&FindingCode::NotInStorefront),
            "{}: {codes:?}",
            db.label
        );

        let storefront = write(
            dir.path(),
            "s.json",
            &json!({"order": shopify_order(502, "#1002", "2026-11-23T09:00:00-05:00", "2026-11-23T09:00:00-05:00", "paid")}),
        );
        load(&db.store, Source::Storefront, &storefront, now).await;
        assert_eq!(
            order_count(&db.store).await,
            1,
            "{}: matched by name",
            db.label
        );
        let (queue, codes) = queue_of(&db.store, "1002").await;
        assert_eq!(queue, Queue::Ok, "{}: {codes:?}", db.label);
    }
}

#[tokio::test]
async fn an_older_snapshot_never_replaces_a_newer_one() {
    for db in dbs::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let now = at("2026-11-23T15:00:00Z");
        let mut cancelled = shopify_order(
            503,
            "#1003",
            "2026-11-23T09:00:00-05:00",
            "2026-11-23T10:00:00-05:00",
            "voided",
        );
        cancelled["cancelled_at"] = json!("2026-11-23T10:00:00-05:00");
        cancelled["line_items"][0]["fulfillable_quantity"] = json!(0);
        let older = shopify_order(
            503,
            "#1003",
            "2026-11-23T09:00:00-05:00",
            "2026-11-23T09:00:00-05:00",
            "paid",
        );
        load(
            &db.store,
            Source::Storefront,
            &write(dir.path(), "new.json", &json!({"order": cancelled})),
            now,
        )
        .await;
        load(
            &db.store,
            Source::Storefront,
            &write(dir.path(), "old.json", &json!({"order": older})),
            now,
        )
        .await;
        let (queue, codes) = queue_of(&db.store, "1003").await;
        assert_eq!(queue, Queue::Informational, "{}", db.label);
        assert_eq!(codes, vec![FindingCode::Cancelled], "{}", db.label);
    }
}

/// Two snapshots with the same `updated_at` and the same length: which one
/// the store keeps is decided by their stored bytes, the same in Rust (one
/// file) and in SQL (two files), on both engines, whichever comes first.
#[tokio::test]
async fn a_tie_between_snapshots_settles_the_same_whichever_arrives_first() {
    let body_chars = |order: &Value| {
        serde_json::to_string(&json!({"order": order}))
            .expect("json")
            .chars()
            .count()
    };
    let open = shopify_order(
        504,
        "#1004",
        "2026-11-20T09:00:00-05:00",
        "2026-11-20T10:00:00-05:00",
        "paid",
    );
    let mut cancelled = open.clone();
    cancelled["cancelled_at"] = json!("2026-11-20T10:00:00-05:00");
    let mut open = open;
    open["tags"] = json!("x".repeat(body_chars(&cancelled) - body_chars(&open)));
    assert_eq!(
        body_chars(&open),
        body_chars(&cancelled),
        "a tie needs bodies of one length"
    );
    let now = at("2026-11-30T15:00:00Z");
    let arrivals: [(&str, Vec<Value>); 6] = [
        ("cancelled alone", vec![json!({"order": cancelled})]),
        ("open alone", vec![json!({"order": open})]),
        (
            "cancelled, then open",
            vec![json!({"order": cancelled}), json!({"order": open})],
        ),
        (
            "open, then cancelled",
            vec![json!({"order": open}), json!({"order": cancelled})],
        ),
        (
            "one file, cancelled first",
            vec![json!({"orders": [cancelled, open]})],
        ),
        (
            "one file, open first",
            vec![json!({"orders": [open, cancelled]})],
        ),
    ];
    let mut outcomes: BTreeMap<&str, Vec<(&str, QueueAndCodes)>> = BTreeMap::new();
    for (arrival, bodies) in &arrivals {
        for db in dbs::all().await {
            let dir = tempfile::tempdir().expect("dir");
            for (i, body) in bodies.iter().enumerate() {
                let report = load(
                    &db.store,
                    Source::Storefront,
                    &write(dir.path(), &format!("{i}.json"), body),
                    now,
                )
                .await;
                assert!(report.error.is_none() && report.rejected.is_empty());
            }
            let outcome = queue_of(&db.store, "1004").await;
            outcomes
                .entry(db.label)
                .or_default()
                .push((arrival, outcome));
        }
    }
    for (label, outcomes) in outcomes {
        assert_ne!(
            outcomes[0].1, outcomes[1].1,
            "{label}: the two snapshots must be told apart for the test to mean anything"
        );
        let settled = &outcomes[2].1;
        assert!(settled == &outcomes[0].1 || settled == &outcomes[1].1);
        for (arrival, outcome) in &outcomes[2..] {
            assert_eq!(outcome, settled, "{label}: {arrival}");
        }
    }
}

#[tokio::test]
async fn time_alone_moves_an_order_and_only_due_orders_are_reevaluated() {
    for db in dbs::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let placed = at("2026-11-23T14:00:00Z"); // Monday 09:00 New York
        let orders: Vec<Value> = (0..5)
            .map(|i| {
                let created = if i == 0 {
                    placed
                } else {
                    placed + TimeDelta::days(30)
                };
                let stamp = created.to_rfc3339();
                shopify_order(600 + i, &format!("#20{i}"), &stamp, &stamp, "paid")
            })
            .collect();
        let warehouse: Vec<Value> = (0..5)
            .map(|i| {
                shipstation_order(
                    9100 + i,
                    &format!("20{i}"),
                    Some(&(600 + i).to_string()),
                    "awaiting_shipment",
                    "2026-11-23T06:30:00.0000000",
                )
            })
            .collect();
        load(
            &db.store,
            Source::Storefront,
            &write(dir.path(), "s.json", &json!({"orders": orders})),
            placed,
        )
        .await;
        load(
            &db.store,
            Source::Warehouse,
            &write(dir.path(), "w.json", &json!({"orders": warehouse})),
            placed,
        )
        .await;
        let (queue, _) = queue_of(&db.store, "200").await;
        assert_eq!(queue, Queue::Ok, "{}", db.label);

        // Deadline: end of Wednesday 2026-11-25 in New York = 04:59:59Z Thursday.
        let policy = policy();
        let before = at("2026-11-26T04:59:59Z");
        let count = reconcile::reevaluate_due(&db.store, &policy, before)
            .await
            .expect("reevaluate");
        assert_eq!(count, 0, "{}: nothing due before the deadline", db.label);
        let after = at("2026-11-26T05:00:01Z");
        let count = reconcile::reevaluate_due(&db.store, &policy, after)
            .await
            .expect("reevaluate");
        assert_eq!(
            count, 1,
            "{}: only the order whose deadline passed",
            db.label
        );
        let (queue, codes) = queue_of(&db.store, "200").await;
        assert_eq!(queue, Queue::Overdue, "{}: {codes:?}", db.label);
        assert!(codes.contains(&FindingCode::SlaBreach), "{}", db.label);

        // Going back in time re-evaluates just what was evaluated as of later.
        let count = reconcile::reevaluate_due(&db.store, &policy, before)
            .await
            .expect("reevaluate");
        assert_eq!(count, 1, "{}", db.label);
        let (queue, _) = queue_of(&db.store, "200").await;
        assert_eq!(queue, Queue::Ok, "{}", db.label);
    }
}

#[tokio::test]
async fn a_replacement_is_found_whichever_order_arrives_first() {
    for db in dbs::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let now = at("2026-11-23T15:00:00Z");
        let mut replacement = shopify_order(
            701,
            "#1101",
            "2026-11-23T09:00:00-05:00",
            "2026-11-23T09:00:00-05:00",
            "paid",
        );
        replacement["tags"] = json!("vip, replacement-of:#1100");
        let original = shopify_order(
            700,
            "#1100",
            "2026-11-20T09:00:00-05:00",
            "2026-11-20T09:00:00-05:00",
            "paid",
        );
        load(
            &db.store,
            Source::Storefront,
            &write(dir.path(), "r.json", &json!({"order": replacement})),
            now,
        )
        .await;
        load(
            &db.store,
            Source::Storefront,
            &write(dir.path(), "o.json", &json!({"order": original})),
            now,
        )
        .await;
        let (_, codes) = queue_of(&db.store, "1100").await;
        assert!(
            codes.contains(&FindingCode::ReplacementExists),
            "{}: {codes:?}",
            db.label
        );
        let (_, codes) = queue_of(&db.store, "1101").await;
        assert!(
            !codes.contains(&FindingCode::ReplacementExists),
            "{}: {codes:?}",
            db.label
        );
    }
}

/// New orders are evaluated before they are written: a replacement in the
/// same file as its original must still reach it, and a link the file takes
/// back must not.
#[tokio::test]
async fn a_replacement_in_the_same_file_as_its_original_is_found() {
    let replacement_of = |id: u64, name: &str, original: &str, updated: &str| {
        let mut order = shopify_order(id, name, "2026-11-23T09:00:00-05:00", updated, "paid");
        order["tags"] = json!(format!("replacement-of:{original}"));
        order
    };
    let original = |id: u64, name: &str| {
        shopify_order(
            id,
            name,
            "2026-11-20T09:00:00-05:00",
            "2026-11-20T09:00:00-05:00",
            "paid",
        )
    };
    for db in dbs::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let now = at("2026-11-23T15:00:00Z");
        let both_ways = json!({"orders": [
            replacement_of(711, "#1111", "#1110", "2026-11-23T09:00:00-05:00"),
            original(710, "#1110"),
            original(720, "#1120"),
            replacement_of(721, "#1121", "#1120", "2026-11-23T09:00:00-05:00"),
        ]});
        let path = write(dir.path(), "both.json", &both_ways);
        load(&db.store, Source::Storefront, &path, now).await;
        // Filed again, every order exists: the same result.
        load(&db.store, Source::Storefront, &path, now).await;
        for name in ["1110", "1120"] {
            let (_, codes) = queue_of(&db.store, name).await;
            assert!(
                codes.contains(&FindingCode::ReplacementExists),
                "{}: {name}: {codes:?}",
                db.label
            );
        }

        load(
            &db.store,
            Source::Storefront,
            &write(
                dir.path(),
                "tagged.json",
                &json!({"order": replacement_of(731, "#1131", "#1130", "2026-11-23T09:00:00-05:00")}),
            ),
            now,
        )
        .await;
        let mut untagged = replacement_of(731, "#1131", "#1130", "2026-11-23T10:00:00-05:00");
        untagged["tags"] = json!("");
        load(
            &db.store,
            Source::Storefront,
            &write(
                dir.path(),
                "untagged.json",
                &json!({"orders": [untagged, original(730, "#1130")]}),
            ),
            now,
        )
        .await;
        let (_, codes) = queue_of(&db.store, "1130").await;
        assert!(
            !codes.contains(&FindingCode::ReplacementExists),
            "{}: {codes:?}",
            db.label
        );
    }
}

#[tokio::test]
async fn a_bad_file_is_kept_aside_and_the_rest_load() {
    for db in dbs::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let now = at("2026-11-23T15:00:00Z");
        let good_a = shopify_order(
            801,
            "#1201",
            "2026-11-23T09:00:00-05:00",
            "2026-11-23T09:00:00-05:00",
            "paid",
        );
        let good_b = shopify_order(
            802,
            "#1202",
            "2026-11-23T09:00:00-05:00",
            "2026-11-23T09:00:00-05:00",
            "paid",
        );
        write(dir.path(), "a.json", &json!({"orders": [good_a]}));
        // Syntax error after a valid first order: nothing of this file may stay.
        std::fs::write(
            dir.path().join("b-truncated.json"),
            format!(
                "{{\"orders\": [{}, {{\"id\": 9",
                serde_json::to_string(&good_b).expect("json")
            ),
        )
        .expect("write");
        let mut missing = shopify_order(
            803,
            "#1203",
            "2026-11-23T09:00:00-05:00",
            "2026-11-23T09:00:00-05:00",
            "paid",
        );
        missing
            .as_object_mut()
            .expect("object")
            .remove("created_at");
        let good_c = shopify_order(
            804,
            "#1204",
            "2026-11-23T09:00:00-05:00",
            "2026-11-23T09:00:00-05:00",
            "paid",
        );
        write(dir.path(), "c.json", &json!({"orders": [missing, good_c]}));

        let report = import::import_paths(
            &db.store,
            &policy(),
            Source::Storefront,
            &[dir.path().to_path_buf()],
            now,
        )
        .await
        .expect("import");
        assert!(!report.clean(), "{}", db.label);
        let bad: Vec<&import::FileReport> =
            report.files.iter().filter(|f| f.error.is_some()).collect();
        assert_eq!(bad.len(), 1, "{}", db.label);
        assert!(bad[0].path.ends_with("b-truncated.json"), "{}", db.label);
        let c = report
            .files
            .iter()
            .find(|f| f.path.ends_with("c.json"))
            .expect("c");
        assert_eq!(c.documents, 1, "{}", db.label);
        assert_eq!(c.rejected.len(), 1, "{}", db.label);
        assert!(
            c.rejected[0].contains("#1203") && c.rejected[0].contains("created_at"),
            "{}: {}",
            db.label,
            c.rejected[0]
        );

        assert!(
            db.store.find_order("1201").await.expect("find").is_some(),
            "{}",
            db.label
        );
        assert!(
            db.store.find_order("1202").await.expect("find").is_none(),
            "{}: half a file was kept",
            db.label
        );
        assert!(
            db.store.find_order("1204").await.expect("find").is_some(),
            "{}",
            db.label
        );
        let rejects = db.store.rejects(10).await.expect("rejects");
        assert_eq!(rejects.len(), 2, "{}", db.label);
        assert!(
            rejects
                .iter()
                .any(|r| r.origin.ends_with("b-truncated.json") && r.raw.contains("#1202")),
            "{}",
            db.label
        );
        assert!(
            rejects
                .iter()
                .any(|r| r.order_ref.as_deref().is_some_and(|o| o.contains("1203"))),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn jobs_are_unique_leased_once_and_retried_until_spent() {
    for db in dbs::all().await {
        let now = at("2026-11-23T15:00:00Z");
        let job = NewJob {
            kind: "resync".into(),
            idempotency_key: "resync:#1001:1".into(),
            payload: "{\"order\":\"#1001\"}".into(),
            max_attempts: 2,
            run_after: now,
        };
        assert!(
            db.store.enqueue_job(&job, now).await.expect("enqueue"),
            "{}",
            db.label
        );
        assert!(
            !db.store.enqueue_job(&job, now).await.expect("enqueue"),
            "{}: idempotent",
            db.label
        );

        let lease = TimeDelta::seconds(30);
        let first = db
            .store
            .lease_job("worker-a", now, lease)
            .await
            .expect("lease")
            .expect("a job");
        assert_eq!(first.attempts, 1, "{}", db.label);
        assert!(
            db.store
                .lease_job("worker-b", now, lease)
                .await
                .expect("lease")
                .is_none(),
            "{}: held by a",
            db.label
        );

        // Worker a dies; its lease runs out and b takes the job over.
        let later = now + TimeDelta::seconds(31);
        let second = db
            .store
            .lease_job("worker-b", later, lease)
            .await
            .expect("lease")
            .expect("re-leased");
        assert_eq!((second.id, second.attempts), (first.id, 2), "{}", db.label);
        assert!(
            !db.store
                .complete_job(&first, "worker-a", later)
                .await
                .expect("complete"),
            "{}: a lost the lease",
            db.label
        );
        let status = db
            .store
            .fail_job(&second, "worker-b", "HTTP 503", later, later)
            .await
            .expect("fail");
        assert_eq!(
            status,
            orderdeck::store::JobStatus::Failed,
            "{}: attempts spent",
            db.label
        );
        assert!(
            db.store
                .lease_job("worker-c", later + TimeDelta::hours(1), lease)
                .await
                .expect("lease")
                .is_none(),
            "{}",
            db.label
        );
        let stored = db
            .store
            .job_by_key("resync:#1001:1")
            .await
            .expect("get")
            .expect("job");
        assert_eq!(
            stored.last_error.as_deref(),
            Some("HTTP 503"),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn bad_database_urls_are_named() {
    let error = Store::open("mysql://x@y/z").await.expect_err("unsupported");
    assert!(error.to_string().contains("mysql://x@y/z"), "{error}");
    let error = Store::open("postgres://nobody:secret@127.0.0.1:1/none")
        .await
        .expect_err("unreachable");
    assert!(
        !error.to_string().contains("secret"),
        "password leaked: {error}"
    );
}

#[tokio::test]
async fn a_parcel_reported_before_its_shipment_joins_the_order() {
    use orderdeck::domain::{CarrierShipment, DocumentContent, ShipmentStatus, TrackingScan};
    use orderdeck::store::IncomingDoc;
    use sqlx::Acquire;

    for db in dbs::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let now = at("2026-11-23T15:00:00Z");
        let parcel = CarrierShipment {
            carrier: "ups".into(),
            tracking_number: "1z 999 aa1 0123456784".into(),
            status: ShipmentStatus::Delivered,
            raw_status: "D".into(),
            incident: None,
            scans: vec![TrackingScan {
                at: at("2026-11-23T12:00:00Z"),
                status: ShipmentStatus::Delivered,
                carrier_code: "D".into(),
                description: "Delivered".into(),
                location: None,
            }],
            delivered_at: Some(at("2026-11-23T12:00:00Z")),
        };
        {
            let mut conn = db.store.pool().acquire().await.expect("conn");
            let mut tx = conn.begin().await.expect("tx");
            reconcile::file_batch(
                &mut tx,
                vec![IncomingDoc {
                    content: DocumentContent::CarrierShipment(parcel),
                    raw: "{}".into(),
                    origin: "test".into(),
                    fetched_at: now,
                }],
                &policy(),
                now,
            )
            .await
            .expect("file");
            tx.commit().await.expect("commit");
        }
        let shipments = json!({"shipments": [{
            "shipmentId": 77, "orderId": 9300, "orderKey": "900", "orderNumber": "1300",
            "createDate": "2026-11-20T08:00:00.0000000", "trackingNumber": "1Z999AA10123456784",
            "carrierCode": "ups", "voided": false, "shipmentItems": null
        }]});
        load(
            &db.store,
            Source::Warehouse,
            &write(dir.path(), "sh.json", &shipments),
            now,
        )
        .await;
        assert_eq!(
            order_count(&db.store).await,
            1,
            "{}: the parcel joined its order",
            db.label
        );
        let id = db
            .store
            .find_order("1300")
            .await
            .expect("find")
            .expect("order");
        let detail = db
            .store
            .order_detail(id)
            .await
            .expect("detail")
            .expect("detail");
        assert_eq!(detail.facts.carrier_shipments.len(), 1, "{}", db.label);
        assert_eq!(detail.facts.warehouse_shipments.len(), 1, "{}", db.label);
    }
}

/// A store written before bodies and facts were packed (migrations up to
/// 0011: both as text) is migrated by `Store::open` and reads back the
/// same: the order's facts, its body, and a new snapshot still superseding
/// the old one.
#[tokio::test]
async fn a_store_written_before_packing_reads_back_after_its_migrations() {
    let sqlite_dir = tempfile::tempdir().expect("dir");
    let mut targets = vec![(
        "sqlite",
        format!(
            "{}?mode=rwc",
            orderdeck::store::sqlite_url(&sqlite_dir.path().join("old.sqlite"))
        ),
        "migrations/sqlite",
    )];
    targets.extend(
        dbs::empty_postgres()
            .await
            .map(|url| ("postgres", url, "migrations/postgres")),
    );
    let order = shopify_order(
        505,
        "#1005",
        "2026-11-23T09:00:00-05:00",
        "2026-11-23T09:30:00-05:00",
        "paid",
    );
    let body = serde_json::to_string(&json!({ "order": order })).expect("json");
    let mut documents = Vec::new();
    orderdeck::connectors::read_body(Source::Storefront, body.as_bytes(), &mut |item| {
        if let orderdeck::connectors::Item::Document(doc) = item {
            documents.push(doc);
        }
    })
    .expect("read");
    let document = documents.pop().expect("one document");
    let facts = serde_json::to_string(&document.content).expect("facts");
    let fetched = at("2026-11-23T15:00:00Z");

    for (label, url, dir) in targets {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("connect");
        let mut migrator = sqlx::migrate::Migrator::new(Path::new(dir))
            .await
            .expect("migrations");
        migrator.migrations = migrator
            .migrations
            .iter()
            .filter(|m| m.version <= 11)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        migrator.run(&pool).await.expect("migrations up to 0011");
        sqlx::query(
            "INSERT INTO orders (id, storefront_id, name, name_key, facts_changed_at) \
             VALUES (1, '505', '#1005', '1005', 0)",
        )
        .execute(&pool)
        .await
        .expect("old order");
        sqlx::query(
            "INSERT INTO payloads (order_id, source, doc_id, version, fetched_at, origin, raw, facts) \
             VALUES (1, $1, $2, $3, $4, 'old.json', $5, $6)",
        )
        .bind(document.content.kind())
        .bind(document.content.doc_id().to_string())
        .bind(document.content.version())
        .bind(fetched.timestamp_millis())
        .bind(document.raw.clone())
        .bind(facts.clone())
        .execute(&pool)
        .await
        .expect("old payload");
        pool.close().await;

        let store = Store::open(&url).await.expect("migrated");
        let id = store
            .find_order("1005")
            .await
            .expect("find")
            .expect("order");
        let detail = store
            .order_detail(id)
            .await
            .expect("detail")
            .expect("exists");
        let storefront = detail.facts.storefront.as_ref().expect("old facts read");
        assert_eq!(storefront.value.name, "#1005", "{label}");
        assert_eq!(storefront.observed_at, fetched, "{label}");
        let (raw,): (Vec<u8>,) = sqlx::query_as("SELECT raw FROM payloads")
            .fetch_one(store.pool())
            .await
            .expect("raw");
        assert_eq!(
            orderdeck::store::unpack(&raw).expect("old body"),
            document.raw,
            "{label}"
        );

        // A newer snapshot of the order, packed, replaces the old text one.
        let dir = tempfile::tempdir().expect("dir");
        let mut cancelled = order.clone();
        cancelled["updated_at"] = json!("2026-11-23T10:00:00-05:00");
        cancelled["cancelled_at"] = json!("2026-11-23T10:00:00-05:00");
        load(
            &store,
            Source::Storefront,
            &write(dir.path(), "new.json", &json!({ "order": cancelled })),
            fetched,
        )
        .await;
        let (queue, codes) = queue_of(&store, "1005").await;
        assert_eq!(
            (queue, codes),
            (Queue::Informational, vec![FindingCode::Cancelled]),
            "{label}"
        );
        store.close().await;
    }
}

/// A store written by this build holds bodies packed against a dictionary
/// older builds lack; a build with the migrations before it must refuse to
/// open the store rather than misread it.
#[tokio::test]
async fn a_build_without_the_packing_dictionary_refuses_a_store_written_with_it() {
    for db in dbs::all().await {
        let engine = match db.label {
            "sqlite" => "sqlite",
            _ => "postgres",
        };
        let older = tempfile::tempdir().unwrap();
        let migrations = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(engine);
        for entry in std::fs::read_dir(&migrations).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.as_str() < "0014" {
                std::fs::copy(&path, older.path().join(&name)).unwrap();
            }
        }
        let migrator = sqlx::migrate::Migrator::new(older.path()).await.unwrap();
        let refused = migrator.run(db.store.pool()).await;
        assert!(
            matches!(
                refused,
                Err(sqlx::migrate::MigrateError::VersionMissing(14))
            ),
            "{}: {refused:?}",
            db.label
        );
    }
}
