#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Operator actions end to end: the real binary against the simulator on
//! loopback and a real SQLite file (previews, roles, read-only, execution,
//! retries after a timeout and after a crash, the audit log), and the
//! pipeline itself on SQLite and PostgreSQL (two operators racing, tamper
//! detection, the database refusing changes to the log).

mod dbs;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use orderdeck::actions::pipeline::{self, ActRequest, Actor, Deck};
use orderdeck::actions::{ActionKind, Identity};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::sim::{
    self, Endpoint, Limits, Scenario, SimHandle, SimOptions, SystemFaults, CREDENTIAL_ENV,
    DHL_API_KEY_ENV, SHIPSTATION_API_SECRET, SHOPIFY_ACCESS_TOKEN, VENDOR_API_KEY_ENV,
};
use orderdeck::store::{Store, Verification};
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::sync_once;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

async fn simulator(faults: impl FnOnce(&mut SystemFaults, &mut SystemFaults)) -> SimHandle {
    let mut options = SimOptions::new(11, 60, start());
    options.speed = 0.0;
    options.limits = Limits::lifted();
    faults(&mut options.faults.shopify, &mut options.faults.shipstation);
    sim::start(options).await.expect("simulator starts")
}

/// The account running these tests, found as orderdeck finds it.
fn me() -> String {
    Identity::current().expect("the test's own account").account
}

/// The simulator's config with `roles` for this account and a short
/// action timeout.
fn config_with(handle: &SimHandle, roles: &str) -> String {
    format!(
        "{}\n[roles]\n{roles}\n\n[actions]\ntimeout = \"2s\"\nhold_days = 7\n",
        config_text(handle)
    )
}

fn first(handle: &SimHandle, scenario: Scenario) -> String {
    handle
        .world()
        .scenarios()
        .into_iter()
        .find(|(_, s)| *s == scenario)
        .map(|(name, _)| name)
        .unwrap_or_else(|| panic!("no {scenario:?} order in the world"))
}

struct Deckhand {
    dir: tempfile::TempDir,
    now: String,
}

impl Deckhand {
    /// A database synced from the simulator through the real binary.
    fn new(handle: &SimHandle, roles: &str) -> Deckhand {
        let deck = Deckhand {
            dir: tempfile::tempdir().unwrap(),
            now: handle.now().to_rfc3339(),
        };
        deck.configure(handle, roles);
        let out = deck.run(&["sync", "--once"]);
        assert!(out.status.success(), "{}", stderr(&out));
        deck
    }

    fn configure(&self, handle: &SimHandle, roles: &str) {
        std::fs::write(self.config(), config_with(handle, roles)).unwrap();
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("orderdeck.toml")
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("deck.sqlite").display())
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_orderdeck"));
        command
            .arg("--db")
            .arg(self.db())
            .arg("--config")
            .arg(self.config())
            .args(["--now", &self.now])
            .args(args)
            .env("TZ", "UTC");
        for (name, value) in CREDENTIAL_ENV
            .into_iter()
            .chain([DHL_API_KEY_ENV, VENDOR_API_KEY_ENV])
        {
            command.env(name, value);
        }
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn refused_in_one_line(output: &Output) -> String {
    assert!(!output.status.success(), "{}", stdout(output));
    let text = stderr(output);
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    text
}

const AGENT: &str = "cs_agent";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_refusals_and_each_action_through_the_binary() {
    let handle = simulator(|_, _| {}).await;
    let roles = format!("{AGENT} = [{:?}]\nviewer = [\"*\"]\nadmin = []", me());
    let deck = Deckhand::new(&handle, &roles);
    let awaiting = first(&handle, Scenario::AwaitingWithinSla);

    // The preview: exactly the request, credentials masked, nothing sent.
    let out = deck.run(&["act", &awaiting, "hold", "--until", "2026-12-01"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "POST {}/orders/holduntil",
            handle.url(sim::Backend::ShipStation)
        )),
        "{text}"
    );
    assert!(text.contains("Authorization: Basic ***"), "{text}");
    assert!(text.contains("\"holdUntilDate\": \"2026-12-01\""), "{text}");
    assert!(!text.contains(SHIPSTATION_API_SECRET), "{text}");
    assert_eq!(handle.requests(Endpoint::ShipStationHold), 0);

    // Read-only refuses, whoever asks.
    let out = deck.run(&["--read-only", "act", &awaiting, "hold", "--yes"]);
    assert!(refused_in_one_line(&out).contains("read-only"));

    // No reason code, no change.
    let out = deck.run(&["act", &awaiting, "hold", "--yes"]);
    assert!(refused_in_one_line(&out).contains("reason code is required"));

    // A cs_agent may not cancel at the warehouse: admin may.
    let cancelled = first(&handle, Scenario::CancelledButActive);
    let out = deck.run(&[
        "act",
        &cancelled,
        "cancel-at-warehouse",
        "--reason",
        "DATA_FIX",
        "--yes",
    ]);
    let text = refused_in_one_line(&out);
    assert!(
        text.contains("needs role admin") && text.contains(&me()),
        "{text}"
    );

    // A blocked preflight: cancelling an order that is not cancelled.
    deck.configure(&handle, &format!("admin = [{:?}]", me()));
    let out = deck.run(&["act", &awaiting, "cancel-at-warehouse"]);
    assert!(refused_in_one_line(&out).contains("CANCELLED_BUT_ACTIVE"));
    assert!(stdout(&out).contains("NOT_CANCELLED_BUT_ACTIVE"));

    // Each action once, for real.
    let runs: [(&str, &str, &[&str]); 5] = [
        (&awaiting, "hold", &[]),
        (&awaiting, "release", &[]),
        (&awaiting, "note", &["--note", "customer called: keep it"]),
        (&cancelled, "cancel-at-warehouse", &[]),
        (
            &first(&handle, Scenario::FulfilmentNotSynced),
            "push-fulfilment",
            &[],
        ),
    ];
    for (order, action, extra) in runs {
        let mut args = vec![
            "act",
            order,
            action,
            "--reason",
            "CUSTOMER_REQUEST",
            "--yes",
        ];
        args.extend_from_slice(extra);
        let out = deck.run(&args);
        assert!(out.status.success(), "{action}: {}", stderr(&out));
        assert!(stdout(&out).starts_with("done:"), "{}", stdout(&out));
    }
    assert_eq!(handle.writes_applied(), 5);
    // The backends were read back: the warehouse now says cancelled.
    let out = deck.run(&["act", &cancelled, "cancel-at-warehouse"]);
    assert!(!out.status.success());
    // Doing it again is refused, naming who did it.
    let out = deck.run(&[
        "act",
        &first(&handle, Scenario::FulfilmentNotSynced),
        "push-fulfilment",
        "--reason",
        "OTHER",
        "--yes",
    ]);
    assert!(!out.status.success());
    assert_eq!(handle.writes_applied(), 5);

    // An order on time has nothing to resolve; a late one has.
    let out = deck.run(&["act", &awaiting, "resolve", "--reason", "DATA_FIX", "--yes"]);
    assert!(refused_in_one_line(&out).contains("no blocked or overdue finding"));
    let late = first(&handle, Scenario::Late);
    let listed = |deck: &Deckhand| -> Option<String> {
        let out = deck.run(&["queues", "--json"]);
        let queues: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        queues
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["order"].as_str() == Some(late.as_str()))
            .map(|o| o["queue"].as_str().unwrap().to_string())
    };
    assert_eq!(listed(&deck).as_deref(), Some("overdue"));
    let out = deck.run(&["act", &late, "resolve", "--reason", "DATA_FIX", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Resolved, it leaves the overdue queue; its finding stays, saying who.
    assert_ne!(listed(&deck).as_deref(), Some("overdue"));
    let out = deck.run(&["show", &late]);
    assert!(
        stdout(&out).contains(&format!("resolved by {}", me())),
        "{}",
        stdout(&out)
    );
    let out = deck.run(&["act", &late, "resolve", "--reason", "DATA_FIX", "--yes"]);
    assert!(refused_in_one_line(&out).contains("no blocked or overdue finding"));
    assert_eq!(handle.writes_applied(), 5, "resolve is local");

    let out = deck.run(&["audit", "verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("intact: 6 entries"),
        "{}",
        stdout(&out)
    );
    let mut files = Vec::new();
    for name in ["deck.sqlite", "deck.sqlite-wal"] {
        files.extend(std::fs::read(deck.dir.path().join(name)).unwrap_or_default());
    }
    let files = String::from_utf8_lossy(&files);
    assert!(!files.contains(SHOPIFY_ACCESS_TOKEN) && !files.contains(SHIPSTATION_API_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_timeout_or_a_crash_never_doubles_a_fulfilment() {
    let handle = simulator(|shopify, _| {
        shopify.delayed_writes = 2;
        shopify.write_reply_delay = Duration::from_secs(8);
    })
    .await;
    let deck = Deckhand::new(&handle, &format!("admin = [{:?}]", me()));
    let owed = [
        first(&handle, Scenario::FulfilmentNotSynced),
        first(&handle, Scenario::DeliveredNotClosed),
    ];
    let args = |order: &str| -> Vec<String> {
        [
            "act",
            order,
            "push-fulfilment",
            "--reason",
            "DATA_FIX",
            "--yes",
        ]
        .map(str::to_string)
        .to_vec()
    };

    // The backend applies it, then answers too late.
    let first_args = args(&owed[0]);
    let first_args: Vec<&str> = first_args.iter().map(String::as_str).collect();
    let out = deck.run(&first_args);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("outcome unknown"), "{}", stderr(&out));
    let out = deck.run(&first_args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("reconciled"), "{}", stdout(&out));
    assert_eq!(handle.requests(Endpoint::ShopifyFulfillmentCreate), 2);
    assert_eq!(handle.writes_applied(), 1);

    // Killed between sending and recording.
    let second_args = args(&owed[1]);
    let second_args: Vec<&str> = second_args.iter().map(String::as_str).collect();
    let mut child = deck
        .command(&second_args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let waited = std::time::Instant::now();
    while handle.writes_applied() < 2 {
        assert!(waited.elapsed() < Duration::from_secs(30), "never sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = deck.run(&second_args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("reconciled"), "{}", stdout(&out));
    assert_eq!(handle.requests(Endpoint::ShopifyFulfillmentCreate), 4);
    assert_eq!(handle.writes_applied(), 2, "one fulfilment per order");

    let out = deck.run(&["audit", "verify"]);
    assert!(
        stdout(&out).contains("intact: 2 entries"),
        "{}",
        stdout(&out)
    );
}

async fn synced(db: &dbs::TestDb, handle: &SimHandle) -> (Config, Connections) {
    let config = Config::from_str_over_defaults(
        "test",
        &config_with(handle, &format!("admin = [{:?}]", me())),
    )
    .unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);
    let policy = config.policy().unwrap();
    sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    (config, connections)
}

fn request(order: &str, action: ActionKind, note: Option<&str>) -> ActRequest {
    ActRequest {
        order: order.to_string(),
        action,
        note: note.map(str::to_string),
        hold_until: None,
        alternate: None,
        read_only: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_operators_at_once_one_wins_and_the_other_is_told_who() {
    for db in dbs::all().await {
        let handle = simulator(|_, shipstation| {
            // Both claims land while the first request is in flight.
            shipstation.latency = Duration::from_millis(300);
        })
        .await;
        let (config, connections) = synced(&db, &handle).await;
        let policy = config.policy().unwrap();
        let deck = Deck {
            store: &db.store,
            config: &config,
            policy: &policy,
            connections: &connections,
        };
        let actor = Actor::current().unwrap();
        let order = first(&handle, Scenario::AwaitingWithinSla);
        let hold = request(&order, ActionKind::Hold, None);
        let now = handle.now();
        let a = pipeline::prepare(&deck, &actor, &hold, now).await.unwrap();
        let b = pipeline::prepare(&deck, &actor, &hold, now).await.unwrap();
        let (first_run, second_run) = tokio::join!(
            pipeline::execute(&deck, &actor, &a, Some("CUSTOMER_REQUEST"), None, now),
            pipeline::execute(&deck, &actor, &b, Some("CUSTOMER_REQUEST"), None, now),
        );
        let (won, lost) = match (first_run, second_run) {
            (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
            other => panic!("{}: exactly one wins: {other:?}", db.label),
        };
        assert_eq!(won.audit_seq, 1, "{}", db.label);
        let told = lost.to_string();
        assert!(
            told.contains(&actor.identity.account) && told.contains("hold"),
            "{}: {told}",
            db.label
        );
        assert_eq!(
            handle.requests(Endpoint::ShipStationHold),
            1,
            "{}",
            db.label
        );
        assert_eq!(handle.writes_applied(), 1, "{}", db.label);
    }
}

/// Four audit entries (notes) on `db`.
async fn four_entries(db: &dbs::TestDb) {
    let handle = simulator(|_, _| {}).await;
    let (config, connections) = synced(db, &handle).await;
    let policy = config.policy().unwrap();
    let deck = Deck {
        store: &db.store,
        config: &config,
        policy: &policy,
        connections: &connections,
    };
    let actor = Actor::current().unwrap();
    let order = first(&handle, Scenario::Late);
    for i in 0..4 {
        let note = format!("call {i}");
        let prepared = pipeline::prepare(
            &deck,
            &actor,
            &request(&order, ActionKind::Note, Some(&note)),
            handle.now(),
        )
        .await
        .unwrap();
        pipeline::execute(
            &deck,
            &actor,
            &prepared,
            Some("OTHER"),
            Some(&note),
            handle.now(),
        )
        .await
        .unwrap();
    }
    assert!(matches!(
        db.store.verify_audit().await.unwrap(),
        Verification::Intact { entries: 4, .. }
    ));
}

async fn exec(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

async fn broken_at(store: &Store) -> (i64, String) {
    match store.verify_audit().await.unwrap() {
        Verification::Broken { seq, problem } => (seq, problem),
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_the_first_edited_deleted_inserted_or_moved_entry() {
    for db in dbs::all().await {
        tamper_and_verify(&db).await;
    }
}

async fn tamper_and_verify(db: &dbs::TestDb) {
    four_entries(db).await;
    let store = &db.store;
    // Whoever can write the SQLite file, or owns the PostgreSQL table, can
    // take the guards away; the hash chain still tells.
    if db.label == "postgres" {
        exec(store, "ALTER TABLE audit_log DISABLE TRIGGER USER").await;
    } else {
        exec(store, "DROP TRIGGER audit_log_no_update").await;
        exec(store, "DROP TRIGGER audit_log_no_delete").await;
    }
    exec(store, "CREATE TABLE kept AS SELECT * FROM audit_log").await;
    let restore = || async {
        exec(store, "DELETE FROM audit_log").await;
        exec(store, "INSERT INTO audit_log SELECT * FROM kept").await;
        assert!(matches!(
            store.verify_audit().await.unwrap(),
            Verification::Intact { .. }
        ));
    };

    exec(
        store,
        "UPDATE audit_log SET reason_code = 'DATA_FIX' WHERE seq = 2",
    )
    .await;
    let (seq, problem) = broken_at(store).await;
    assert_eq!(seq, 2, "{problem}");
    assert!(problem.contains("edited"), "{problem}");
    restore().await;

    exec(store, "DELETE FROM audit_log WHERE seq = 3").await;
    assert_eq!(broken_at(store).await.0, 4);
    restore().await;

    exec(store, "DELETE FROM audit_log WHERE seq = 4").await;
    let (seq, problem) = broken_at(store).await;
    assert_eq!(seq, 4, "the last entry too: {problem}");
    restore().await;

    // Inserted, with a hash that is right for what it says.
    let forged = {
        let head: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 4")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let fields = orderdeck::store::AuditFields {
            at: start(),
            actor: "mallory".into(),
            action: "replace".into(),
            order_ref: "1001".into(),
            reason_code: "OTHER".into(),
            note: None,
            preview: "{}".into(),
            result: "{}".into(),
            before: "{}".into(),
            after: "{}".into(),
            run_key: "forged".into(),
        };
        let hash = orderdeck::store::entry_hash(5, &head, &fields);
        format!(
            "INSERT INTO audit_log SELECT 5, at, 'mallory', 'replace', '1001', 'OTHER', NULL, \
             '{{}}', '{{}}', '{{}}', '{{}}', 'forged', '{head}', '{hash}' FROM audit_log WHERE seq = 4"
        )
    };
    exec(store, &forged).await;
    let (seq, problem) = broken_at(store).await;
    assert_eq!(seq, 5, "{problem}");
    restore().await;

    exec(store, "UPDATE audit_log SET seq = -2 WHERE seq = 2").await;
    exec(store, "UPDATE audit_log SET seq = 2 WHERE seq = 3").await;
    exec(store, "UPDATE audit_log SET seq = 3 WHERE seq = -2").await;
    let (seq, problem) = broken_at(store).await;
    assert_eq!(seq, 2, "reordered: {problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_itself_refuses_to_change_or_remove_an_audit_entry() {
    let Some(db) = dbs::postgres().await else {
        return;
    };
    four_entries(&db).await;
    for sql in [
        "UPDATE audit_log SET reason_code = 'DATA_FIX' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 4",
        "TRUNCATE audit_log",
    ] {
        let error = sqlx::query(sql)
            .execute(db.store.pool())
            .await
            .expect_err(sql)
            .to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    assert!(matches!(
        db.store.verify_audit().await.unwrap(),
        Verification::Intact { entries: 4, .. }
    ));
}

/// An order that exists now, of a scenario whose goods went out, with its
/// SKU, quantity and the warehouse's stock of that SKU, chosen by `pick`.
fn replaceable(handle: &SimHandle, pick: impl Fn(u32, u32) -> bool) -> (String, String, u32, u32) {
    let world = handle.world();
    let existing: Vec<String> = world
        .ground_truth(handle.now())
        .into_iter()
        .map(|o| o.name)
        .collect();
    world
        .scenarios()
        .into_iter()
        .filter(|(name, s)| {
            existing.contains(name)
                && matches!(
                    s,
                    Scenario::ShippedAndSynced
                        | Scenario::CarrierException
                        | Scenario::TrackingStalled
                )
        })
        .find_map(|(name, _)| {
            let (sku, quantity) = world.line_of(&name)?;
            let stock = world.stock().iter().find(|s| s.sku == sku)?.warehouse;
            pick(quantity, stock).then(|| (name, sku.to_string(), quantity, stock))
        })
        .expect("a shipped order to replace")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_checks_live_stock_previews_the_order_and_creates_it_once() {
    let handle = simulator(|shopify, _| {
        // The first replacement is created, then answered too late.
        shopify.delayed_writes = 1;
        shopify.write_reply_delay = Duration::from_secs(8);
    })
    .await;
    let deck = Deckhand::new(&handle, &format!("{AGENT} = [{:?}]", me()));
    let (fits, sku, quantity, stock) = replaceable(&handle, |q, stock| stock >= q);

    // The preview: the stock seen, and exactly the order that would be created.
    let out = deck.run(&["act", &fits, "replace"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "{sku}: {quantity} needed, {stock} available at the warehouse"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "POST {}/admin/api/2024-10/orders.json",
            handle.url(sim::Backend::Shopify)
        )),
        "{text}"
    );
    assert!(text.contains("X-Shopify-Access-Token: ***"), "{text}");
    assert!(!text.contains(SHOPIFY_ACCESS_TOKEN), "{text}");
    for field in [
        format!("\"tags\": \"replacement-of:{fits}\""),
        format!("\"quantity\": {quantity}"),
        "\"variant_id\":".to_string(),
        "\"financial_status\": \"paid\"".to_string(),
        "\"type\": \"percentage\"".to_string(),
        "\"shipping_address\":".to_string(),
    ] {
        assert!(text.contains(&field), "{field}: {text}");
    }
    assert!(handle.requests(Endpoint::ShopifyInventoryLevels) >= 1);
    assert_eq!(handle.requests(Endpoint::ShopifyOrderCreate), 0);

    // Stock that cannot cover the line: blocked, naming the SKU and counts.
    let (short, short_sku, short_quantity, _) = replaceable(&handle, |_, stock| stock == 0);
    let out = deck.run(&["act", &short, "replace"]);
    let text = refused_in_one_line(&out);
    assert!(
        text.contains(&format!(
            "{short_sku}: {short_quantity} needed, only 0 available at the warehouse"
        )),
        "{text}"
    );
    assert!(stdout(&out).contains("STOCK_SHORT"), "{}", stdout(&out));
    let out = deck.run(&["act", &short, "replace", "--reason", "OTHER", "--yes"]);
    assert!(refused_in_one_line(&out).contains("only 0 available"));

    for (scenario, code, says) in [
        (Scenario::Cancelled, "ORDER_CANCELLED", "is cancelled"),
        (Scenario::RefundedFull, "REFUNDED_FULL", "fully refunded"),
        (
            Scenario::ReplacementExists,
            "REPLACEMENT_EXISTS",
            "a replacement already exists",
        ),
    ] {
        let out = deck.run(&["act", &first(&handle, scenario), "replace"]);
        assert!(refused_in_one_line(&out).contains(says), "{code}");
        assert!(stdout(&out).contains(code), "{}", stdout(&out));
    }
    assert_eq!(handle.requests(Endpoint::ShopifyOrderCreate), 0);

    // Created, but the answer is lost; running it again reconciles under
    // the same key, and a third run is refused: one order in all.
    let run = [
        "act",
        &fits,
        "replace",
        "--reason",
        "DAMAGED_IN_TRANSIT",
        "--yes",
    ];
    let out = deck.run(&run);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(handle.writes_applied(), 1);
    let out = deck.run(&run);
    assert!(stdout(&out).starts_with("reconciled"), "{}", stderr(&out));
    let out = deck.run(&run);
    assert!(
        refused_in_one_line(&out).contains("already ran replace"),
        "{}",
        stderr(&out)
    );
    assert_eq!(handle.requests(Endpoint::ShopifyOrderCreate), 2);
    assert_eq!(handle.writes_applied(), 1, "one replacement order");

    // The next sync brings the new order in, and the original is linked to it.
    let out = deck.run(&["sync", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = deck.run(&["show", &fits, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("REPLACEMENT_EXISTS"),
        "{}",
        stdout(&out)
    );
    let out = deck.run(&["act", &fits, "replace"]);
    assert!(refused_in_one_line(&out).contains("a replacement already exists"));

    let out = deck.run(&["audit", "verify"]);
    assert!(
        stdout(&out).contains("intact: 1 entries"),
        "{}",
        stdout(&out)
    );
}
