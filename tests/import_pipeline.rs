#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `import` of files larger than one batch: the engine works on one batch
//! while the writer files the next, and the store must end exactly as the
//! one-batch-at-a-time path of a sync leaves it, on both engines; an order
//! merged away by a later batch stays gone; a bad order is kept aside alone;
//! storefront orders under one name are all kept; an import killed part-way
//! and run again ends as an uninterrupted one; and the WAL a large import
//! leaves is cut back by the next write while the console reads.

mod dbs;
mod store_view;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use orderdeck::config::Config;
use orderdeck::connectors::{read_body, Source};
use orderdeck::engine::Policy;
use orderdeck::sim::shop::ShopGenerator;
use orderdeck::store::{sqlite_url, BulkIndexes, Store};
use orderdeck::sync::import;
use serde_json::{json, Value};
use sqlx::Acquire;

fn now() -> DateTime<Utc> {
    "2026-11-27T12:00:00Z".parse().unwrap()
}

fn policy() -> Policy {
    Config::builtin().unwrap().policy().unwrap()
}

/// `count` generated storefront orders.
fn storefront_orders(count: usize) -> Vec<Value> {
    let generator = ShopGenerator::new(7, now());
    (0..)
        .filter_map(|i| generator.order(i).storefront)
        .take(count)
        .collect()
}

fn write(dir: &Path, name: &str, body: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(body).unwrap()).unwrap();
    path
}

type OrderColumns = (
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// Every order as the console and `show` see it: queue, headline, listing
/// columns, deadline, and each finding in full.
async fn contents(store: &Store) -> Vec<String> {
    let orders: Vec<OrderColumns> = sqlx::query_as(
        "SELECT name_key, queue, top_code, top_reason, ship_by, system_states, search_text \
         FROM orders ORDER BY name_key",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let findings: Vec<(Option<String>, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT o.name_key, f.position, f.code, f.verdict, f.reason, f.evidence \
         FROM findings f JOIN orders o ON o.id = f.order_id ORDER BY o.name_key, f.position",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    orders
        .iter()
        .map(|o| format!("{o:?}"))
        .chain(findings.iter().map(|f| format!("{f:?}")))
        .collect()
}

/// The same body filed as a sync files a page: one batch of up to `batch`
/// documents per transaction, evaluated and stored before the next is read.
async fn file_in_batches(store: &Store, source: Source, body: &Value, batch: usize) {
    let mut items = Vec::new();
    read_body(
        source,
        serde_json::to_vec(body).unwrap().as_slice(),
        &mut |item| items.push(item),
    )
    .unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    while !items.is_empty() {
        let rest = items.split_off(items.len().min(batch));
        let chunk = std::mem::replace(&mut items, rest);
        let mut tx = conn.begin().await.unwrap();
        import::apply_items(&mut tx, &policy(), source, chunk, "page", now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

async fn rejects(store: &Store) -> Vec<(Option<String>, String)> {
    sqlx::query_as("SELECT order_ref, reason FROM rejects ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

/// On SQLite: the trigram index holds exactly what the rows hold, and its
/// triggers are the migration's, as a fresh store has them (an import
/// narrows them inside its transaction and must put them back).
async fn search_index_sound(db: &dbs::TestDb) {
    if db.label == "sqlite" {
        sqlite_search_index_sound(&db.store).await;
    }
}

async fn sqlite_search_index_sound(store: &Store) {
    sqlx::query("INSERT INTO orders_search (orders_search, rank) VALUES ('integrity-check', 1)")
        .execute(store.pool())
        .await
        .unwrap();
    let triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name";
    let fresh = dbs::sqlite().await;
    let expected: Vec<(String, String)> = sqlx::query_as(triggers)
        .fetch_all(fresh.store.pool())
        .await
        .unwrap();
    let found: Vec<(String, String)> = sqlx::query_as(triggers)
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(found, expected);
    assert!(expected
        .iter()
        .any(|(name, _)| name == "orders_search_update"));
    // FTS5's settings too (the import's one pass raises `hashsize`).
    let settings = "SELECT k, CAST(v AS TEXT) FROM orders_search_config ORDER BY k";
    let expected: Vec<(String, String)> = sqlx::query_as(settings)
        .fetch_all(fresh.store.pool())
        .await
        .unwrap();
    let found: Vec<(String, String)> = sqlx::query_as(settings)
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(found, expected);
}

async fn large_file_with_a_bad_order(db: dbs::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut orders = storefront_orders(2_600);
    let bad_name = orders[1_500]["name"].clone();
    orders[1_500].as_object_mut().unwrap().remove("created_at");
    let path = write(dir.path(), "orders.json", &json!({ "orders": orders }));

    let (report, evaluated) =
        import::import_file(&db.store, &policy(), Source::Storefront, &path, now())
            .await
            .unwrap();
    assert_eq!(report.error, None, "{}", db.label);
    assert_eq!(report.documents, 2_599, "{}", db.label);
    assert_eq!(
        report.rejected.len(),
        1,
        "{}: {:?}",
        db.label,
        report.rejected
    );
    assert!(
        report.rejected[0].contains("created_at"),
        "{}: {:?}",
        db.label,
        report.rejected
    );
    assert_eq!(evaluated, 2_599, "{}", db.label);
    let kept = rejects(&db.store).await;
    assert_eq!(kept.len(), 1, "{}", db.label);
    assert_eq!(kept[0].0.as_deref(), bad_name.as_str(), "{}", db.label);

    let reference = dbs::sqlite().await;
    let good: Vec<Value> = orders
        .iter()
        .filter(|o| o.get("created_at").is_some())
        .cloned()
        .collect();
    file_in_batches(
        &reference.store,
        Source::Storefront,
        &json!({ "orders": good }),
        1_000,
    )
    .await;
    let imported = contents(&db.store).await;
    assert_eq!(
        imported.len(),
        contents(&reference.store).await.len(),
        "{}",
        db.label
    );
    assert_eq!(imported, contents(&reference.store).await, "{}", db.label);
    // The filter's index holds what the rows hold.
    if db.label == "sqlite" {
        let name = orders[2_400]["name"].as_str().unwrap().to_lowercase();
        let hits: Vec<(i64,)> =
            sqlx::query_as("SELECT rowid FROM orders_search WHERE search_text LIKE $1")
                .bind(format!("%{name}%"))
                .fetch_all(db.store.pool())
                .await
                .unwrap();
        assert_eq!(hits.len(), 1, "{name}");
    }
    search_index_sound(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_several_batches_loads_as_a_sync_files_it_and_keeps_a_bad_order_aside() {
    for db in dbs::all().await {
        large_file_with_a_bad_order(db).await;
    }
}

/// Orders the console's filter finds for `words`, in every queue.
async fn found(store: &Store, words: &str) -> i64 {
    store.filtered_counts(words).await.unwrap().values().sum()
}

/// Orders whose search text holds `word`, by a scan of the rows themselves.
async fn scanned(store: &Store, word: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders WHERE search_text LIKE $1")
        .bind(format!("%{word}%"))
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

async fn search_after_a_first_and_a_later_import(db: dbs::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut orders = storefront_orders(2_400);
    let first = write(
        dir.path(),
        "first.json",
        &json!({ "orders": orders[..1_500] }),
    );
    let (report, _) = import::import_file(&db.store, &policy(), Source::Storefront, &first, now())
        .await
        .unwrap();
    assert_eq!(report.documents, 1_500, "{}", db.label);
    let early = orders[1_200]["name"].as_str().unwrap().to_lowercase();
    let old_email = orders[100]["email"].as_str().unwrap().to_lowercase();
    let renamed = orders[100]["name"].as_str().unwrap().to_lowercase();
    assert_eq!(found(&db.store, &early).await, 1, "{}: {early}", db.label);
    assert_eq!(
        found(&db.store, &format!("{renamed} {old_email}")).await,
        1,
        "{}",
        db.label
    );
    assert_eq!(
        found(&db.store, &old_email).await,
        scanned(&db.store, &old_email).await,
        "{}",
        db.label
    );

    // The later file brings new orders and a newer snapshot of an order of
    // the first, whose buyer changed e-mail.
    orders[100]["email"] = json!("renamed.buyer@example.test");
    orders[100]["updated_at"] = json!("2026-11-27T11:00:00Z");
    let mut later: Vec<Value> = orders[1_500..].to_vec();
    later.push(orders[100].clone());
    let second = write(dir.path(), "later.json", &json!({ "orders": later }));
    let (report, _) = import::import_file(&db.store, &policy(), Source::Storefront, &second, now())
        .await
        .unwrap();
    assert_eq!(report.documents, 901, "{}", db.label);
    let late = orders[2_300]["name"].as_str().unwrap().to_lowercase();
    assert_eq!(found(&db.store, &late).await, 1, "{}: {late}", db.label);
    assert_eq!(found(&db.store, &early).await, 1, "{}: {early}", db.label);
    assert_eq!(
        found(&db.store, &format!("{renamed} renamed.buyer")).await,
        1,
        "{}",
        db.label
    );
    assert_eq!(
        found(&db.store, &format!("{renamed} {old_email}")).await,
        0,
        "{}",
        db.label
    );
    assert_eq!(
        found(&db.store, &old_email).await,
        scanned(&db.store, &old_email).await,
        "{}",
        db.label
    );
    // The trigram index holds exactly what the rows hold.
    search_index_sound(&db).await;
}

/// An order the file creates and a later batch of the same file changes
/// (its buyer's e-mail), beside an order the store held before that the
/// file changes too: the filter finds each by its new text only.
async fn search_after_changes_within_one_import(db: dbs::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut orders = storefront_orders(2_600);
    let first = write(
        dir.path(),
        "first.json",
        &json!({ "orders": orders[..100] }),
    );
    import::import_file(&db.store, &policy(), Source::Storefront, &first, now())
        .await
        .unwrap();
    let mut file: Vec<Value> = orders[100..2_500].to_vec();
    for i in [10, 200] {
        orders[i]["email"] = json!(format!("changed.{i}@example.test"));
        orders[i]["updated_at"] = json!("2026-11-27T11:00:00Z");
        file.push(orders[i].clone());
    }
    let later = write(dir.path(), "later.json", &json!({ "orders": file }));
    let (report, _) = import::import_file(&db.store, &policy(), Source::Storefront, &later, now())
        .await
        .unwrap();
    assert_eq!(report.documents, 2_402, "{}", db.label);
    for i in [10, 200] {
        let name = orders[i]["name"].as_str().unwrap().to_lowercase();
        assert_eq!(
            found(&db.store, &format!("{name} changed.{i}@")).await,
            1,
            "{}: {name}",
            db.label
        );
        assert_eq!(
            found(&db.store, &format!("changed.{i}@")).await,
            scanned(&db.store, &format!("changed.{i}@")).await,
            "{}",
            db.label
        );
    }
    let late = orders[2_400]["name"].as_str().unwrap().to_lowercase();
    assert_eq!(found(&db.store, &late).await, 1, "{}: {late}", db.label);
    search_index_sound(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filter_finds_orders_changed_by_a_later_batch_of_the_same_import() {
    for db in dbs::all().await {
        search_after_changes_within_one_import(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filter_finds_orders_after_a_first_import_and_after_a_later_one() {
    for db in dbs::all().await {
        search_after_a_first_and_a_later_import(db).await;
    }
}

/// A ShipStation order.
fn warehouse_order(order_id: u64, number: &str, key: Option<&str>) -> Value {
    json!({
        "orderId": order_id,
        "orderNumber": number,
        "orderKey": key,
        "orderDate": "2026-11-20T09:00:00.0000000",
        "createDate": "2026-11-20T09:00:00.0000000",
        "modifyDate": "2026-11-20T10:00:00.0000000",
        "orderStatus": "awaiting_shipment",
        "items": [{"sku": "SKU-1", "name": "Mug", "quantity": 1}],
    })
}

/// Imports `path`, which must load whole: no error, nothing kept aside.
async fn import_cleanly(db: &dbs::TestDb, source: Source, path: &Path) {
    let (report, _) = import::import_file(&db.store, &policy(), source, path, now())
        .await
        .unwrap();
    assert_eq!(report.error, None, "{}", db.label);
    assert!(
        report.rejected.is_empty(),
        "{}: {:?}",
        db.label,
        report.rejected
    );
}

async fn merge_across_batches(db: dbs::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    // Two warehouse orders that look like two orders in the first batch; a
    // third, far enough down the file to land in a later batch, carries the
    // first one's key and the second one's number: they were one order.
    let mut orders = vec![
        warehouse_order(1, "5001", Some("900001")),
        warehouse_order(2, "5002", None),
    ];
    orders.extend((0..1_500).map(|i| warehouse_order(10 + i, &format!("{}", 7_000 + i), None)));
    orders.push(warehouse_order(3, "5002", Some("900001")));
    let body = json!({ "orders": orders, "total": orders.len(), "page": 1, "pages": 1 });
    let path = write(dir.path(), "warehouse.json", &body);

    import_cleanly(&db, Source::Warehouse, &path).await;

    let orphans: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM orders WHERE id NOT IN (SELECT order_id FROM payloads)")
            .fetch_all(db.store.pool())
            .await
            .unwrap();
    assert!(
        orphans.is_empty(),
        "{}: orders without documents {orphans:?}",
        db.label
    );
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(count.0, 1_501, "{}", db.label);
    search_index_sound(&db).await;

    let reference = dbs::sqlite().await;
    file_in_batches(&reference.store, Source::Warehouse, &body, 1_000).await;
    assert_eq!(
        contents(&db.store).await,
        contents(&reference.store).await,
        "{}",
        db.label
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_merged_away_by_a_later_batch_stays_gone() {
    for db in dbs::all().await {
        merge_across_batches(db).await;
    }
}

fn import_command(db: &Path, file: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orderdeck"));
    command
        .args(["--db", &sqlite_url(db)])
        .args(["--now", &now().to_rfc3339_opts(SecondsFormat::Secs, true)])
        .args(["import", "--source", "storefront"])
        .arg(file)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run_to_end(mut command: Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What the store lets the WAL keep once it starts over
/// (`journal_size_limit`, set by `Store::open`).
const WAL_KEPT: u64 = 16 << 20;

fn wal_bytes(db: &Path) -> u64 {
    std::fs::metadata(format!("{}-wal", db.display())).map_or(0, |m| m.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_part_way_and_run_again_ends_as_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "orders.json",
        &json!({ "orders": storefront_orders(6_000) }),
    );

    let killed = dir.path().join("killed.sqlite");
    let mut child = import_command(&killed, &file).spawn().unwrap();
    let started = Instant::now();
    // Killed once several batches are written and before the end.
    while wal_bytes(&killed) < 4 << 20 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it could be killed"
        );
        assert!(started.elapsed() < Duration::from_secs(300));
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    {
        let store = Store::open(&sqlite_url(&killed)).await.unwrap();
        let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(count.0, 0, "a killed import left orders behind");
        sqlite_search_index_sound(&store).await;
        store.close().await;
    }
    run_to_end(import_command(&killed, &file));

    let clean = dir.path().join("clean.sqlite");
    run_to_end(import_command(&clean, &file));

    let killed = Store::open(&sqlite_url(&killed)).await.unwrap();
    let clean = Store::open(&sqlite_url(&clean)).await.unwrap();
    let migrated =
        index_definitions(&mut dbs::sqlite().await.store.pool().acquire().await.unwrap()).await;
    for store in [&killed, &clean] {
        let mut conn = store.pool().acquire().await.unwrap();
        assert_eq!(index_definitions(&mut conn).await, migrated);
        assert_eq!(integrity(&mut conn).await, "ok");
    }
    let outcomes = store_view::outcomes(&killed).await;
    assert_eq!(outcomes.len(), 6_000);
    assert_eq!(outcomes, store_view::outcomes(&clean).await);
    assert_eq!(contents(&killed).await, contents(&clean).await);
    let payloads = "SELECT COUNT(*) FROM payloads";
    let count = |store: Store| async move {
        let n: (i64,) = sqlx::query_as(payloads)
            .fetch_one(store.pool())
            .await
            .unwrap();
        n.0
    };
    assert_eq!(count(killed).await, count(clean).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_defers_the_search_index_of_a_migrated_store_and_puts_its_triggers_back() {
    let db = dbs::sqlite().await;
    let mut conn = db.store.pool().acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let deferred = orderdeck::store::defer_search_index(&mut tx)
        .await
        .unwrap()
        .expect("the migration's triggers are recognised");
    let (narrowed,): (String,) = sqlx::query_as(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'orders_search_insert'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert!(narrowed.contains("new.id <= 0"), "{narrowed}");
    deferred.finish(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    drop(conn);
    search_index_sound(&db).await;
}

/// Every index SQLite keeps a definition of, as `(name, sql)`.
async fn index_definitions(conn: &mut sqlx::AnyConnection) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

/// Orders `from..=to` as an import would leave them, minus the columns the
/// indexes do not need.
async fn add_orders(conn: &mut sqlx::AnyConnection, from: i64, to: i64) {
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
         INSERT INTO orders (id, storefront_id, name, name_key, queue, ship_by, placed_at, \
         evaluated_at, next_eval_at, facts_changed_at) \
         SELECT i, 'S' || i, '#' || i, i, CASE i % 3 WHEN 0 THEN 'overdue' ELSE 'ok' END, \
         i * 1000, i * 900, 1, i * 2000, 1 FROM n",
    )
    .bind(from)
    .bind(to)
    .execute(&mut *conn)
    .await
    .unwrap();
}

async fn integrity(conn: &mut sqlx::AnyConnection) -> String {
    let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_import_builds_the_console_indexes_once_exactly_as_the_migrations_left_them() {
    let db = dbs::sqlite().await;
    let mut conn = db.store.pool().acquire().await.unwrap();
    let migrated = index_definitions(&mut conn).await;
    assert!(migrated
        .iter()
        .any(|(name, _)| name == "orders_queue_deadline"));

    let mut tx = conn.begin().await.unwrap();
    let mut indexes = BulkIndexes::start(&mut tx).await.unwrap();
    add_orders(&mut tx, 1, 100).await;
    indexes.after_batch(&mut tx).await.unwrap();
    assert_eq!(
        index_definitions(&mut tx).await,
        migrated,
        "a small import keeps them"
    );
    add_orders(&mut tx, 101, 6_000).await;
    indexes.after_batch(&mut tx).await.unwrap();
    let during: Vec<String> = index_definitions(&mut tx)
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for set_aside in ["orders_queue", "orders_queue_deadline", "findings_code"] {
        assert!(!during.iter().any(|name| name == set_aside), "{during:?}");
    }
    assert!(
        during.iter().any(|name| name == "orders_warehouse_key"),
        "the import matches orders by it: {during:?}"
    );
    add_orders(&mut tx, 6_001, 7_000).await;
    indexes.after_batch(&mut tx).await.unwrap();
    indexes.finish(&mut tx).await.unwrap();
    assert_eq!(index_definitions(&mut tx).await, migrated);
    tx.commit().await.unwrap();
    assert_eq!(integrity(&mut conn).await, "ok");
    let (overdue,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM orders INDEXED BY orders_queue_deadline WHERE queue = 'overdue'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(overdue, 7_000 / 3);

    // Into a store that large, an import of fewer orders than it holds
    // keeps them.
    let mut tx = conn.begin().await.unwrap();
    let mut indexes = BulkIndexes::start(&mut tx).await.unwrap();
    add_orders(&mut tx, 7_001, 13_000).await;
    indexes.after_batch(&mut tx).await.unwrap();
    assert_eq!(index_definitions(&mut tx).await, migrated);
    indexes.finish(&mut tx).await.unwrap();
    tx.commit().await.unwrap();

    // An import that fails after setting them aside gives them back with
    // the rest of its rollback.
    let mut tx = conn.begin().await.unwrap();
    let mut indexes = BulkIndexes::start(&mut tx).await.unwrap();
    add_orders(&mut tx, 13_001, 30_000).await;
    indexes.after_batch(&mut tx).await.unwrap();
    assert_ne!(index_definitions(&mut tx).await, migrated);
    tx.rollback().await.unwrap();
    assert_eq!(index_definitions(&mut conn).await, migrated);
    assert_eq!(integrity(&mut conn).await, "ok");
}

async fn two_orders_under_one_name(db: dbs::TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut orders = storefront_orders(3);
    for order in &mut orders {
        order["name"] = json!("#5555");
    }
    // One file holding two of them, then a later file with the third.
    let together = write(
        dir.path(),
        "together.json",
        &json!({ "orders": orders[..2] }),
    );
    let later = write(dir.path(), "later.json", &json!({ "orders": orders[2..] }));
    for path in [&together, &later] {
        import_cleanly(&db, Source::Storefront, path).await;
    }
    let named: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT storefront_id, name_key FROM orders WHERE name = '#5555' ORDER BY id",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    let ids: Vec<String> = orders.iter().map(|order| order["id"].to_string()).collect();
    assert_eq!(
        named.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        ids,
        "{}: every order kept",
        db.label
    );
    assert_eq!(
        named.iter().filter(|(_, key)| key.is_some()).count(),
        1,
        "{}: the name matches the first order only: {named:?}",
        db.label
    );
    assert_eq!(named[0].1.as_deref(), Some("5555"), "{}", db.label);
    let evaluated: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM orders WHERE name = '#5555' AND queue IS NOT NULL")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
    assert_eq!(evaluated.0, 3, "{}: every order evaluated", db.label);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storefront_orders_under_one_name_are_all_kept_and_the_first_holds_the_name() {
    for db in dbs::all().await {
        two_orders_under_one_name(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_shrinks_back_after_a_large_import_while_the_console_reads() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("deck.sqlite");
    let store = Store::open(&sqlite_url(&db_path)).await.unwrap();
    // The console keeps a connection open, so the import's is not the last
    // to close, which would remove the WAL.
    let mut console = store.pool().acquire().await.unwrap();
    let orders = storefront_orders(8_001);
    let large = write(
        dir.path(),
        "large.json",
        &json!({ "orders": orders[..8_000] }),
    );
    let next = write(
        dir.path(),
        "next.json",
        &json!({ "orders": orders[8_000..] }),
    );
    import::import_file(&store, &policy(), Source::Storefront, &large, now())
        .await
        .unwrap();
    let after_import = wal_bytes(&db_path);
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders")
        .fetch_one(&mut *console)
        .await
        .unwrap();
    assert_eq!(count, 8_000);
    assert!(
        after_import > WAL_KEPT,
        "the import's WAL: {after_import} bytes"
    );
    // The next write starts the WAL over, and cuts it back.
    import::import_file(&store, &policy(), Source::Storefront, &next, now())
        .await
        .unwrap();
    let after_next = wal_bytes(&db_path);
    assert!(
        after_next <= WAL_KEPT,
        "the WAL after the next write: {after_next} bytes (after the import: {after_import})"
    );
    drop(console);
}
