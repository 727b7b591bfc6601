#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The real binary, as operators' scripts run it: exit codes, one-line
//! errors, the `--json` shapes of DESIGN.md §4, and the public fixtures.

mod chat_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chat_server::{ChatServer, Step};
use serde_json::{json, Value};

struct Deck {
    dir: tempfile::TempDir,
}

impl Deck {
    fn new() -> Deck {
        Deck {
            dir: tempfile::tempdir().expect("dir"),
        }
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("deck.sqlite").display())
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[])
    }

    fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_orderdeck"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env("TZ", "UTC")
            .envs(env.iter().copied())
            .output()
            .expect("run orderdeck")
    }

    /// `import --source SOURCE PATH` at [`NOW`], which must succeed.
    fn import(&self, source: &str, path: &Path) {
        let out = self.run(&[
            "--now",
            NOW,
            "import",
            "--source",
            source,
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }

    fn write(&self, name: &str, body: &Value) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(body).unwrap()).unwrap();
        path
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn order(id: u64, name: &str, created: &str, financial: &str, owed: u32) -> Value {
    json!({
        "id": id, "name": name, "created_at": created, "updated_at": created,
        "financial_status": financial, "fulfillment_status": null, "tags": "",
        "customer": {"first_name": "Grace", "last_name": "Hopper"},
        "line_items": [{"id": id * 10, "sku": "LAMP-OAK", "title": "Lamp", "quantity": 1,
                         "fulfillable_quantity": owed, "vendor": "orderdeck-goods",
                         "fulfillment_service": "manual", "requires_shipping": true}]
    })
}

const NOW: &str = "2026-11-23T20:00:00Z";

fn shop(deck: &Deck) {
    // #1 late at the warehouse, #2 cancelled but still awaiting shipment,
    // #3 placed today and at the warehouse, #4 cancelled and gone.
    let mut cancelled = order(2, "#2", "2026-11-20T10:00:00-05:00", "voided", 0);
    cancelled["cancelled_at"] = json!("2026-11-20T11:00:00-05:00");
    let mut gone = order(4, "#4", "2026-11-20T10:00:00-05:00", "voided", 0);
    gone["cancelled_at"] = json!("2026-11-20T11:00:00-05:00");
    let storefront = deck.write(
        "shopify.json",
        &json!({"orders": [
            order(1, "#1", "2026-11-16T10:00:00-05:00", "paid", 1),
            cancelled,
            order(3, "#3", "2026-11-23T09:00:00-05:00", "paid", 1),
            gone,
        ]}),
    );
    let warehouse_order = |id: u64, number: &str, status: &str| {
        json!({"orderId": id, "orderNumber": number, "orderKey": number, "orderStatus": status,
               "createDate": "2026-11-16T08:00:00.0000000", "modifyDate": "2026-11-20T08:00:00.0000000",
               "items": [{"sku": "LAMP-OAK", "quantity": 1}]})
    };
    let warehouse = deck.write(
        "shipstation.json",
        &json!({"orders": [
            warehouse_order(91, "1", "awaiting_shipment"),
            warehouse_order(92, "2", "awaiting_shipment"),
            warehouse_order(93, "3", "awaiting_shipment"),
        ], "total": 3, "page": 1, "pages": 1}),
    );
    for (source, path) in [("storefront", &storefront), ("warehouse", &warehouse)] {
        deck.import(source, path);
    }
}

fn listed(deck: &Deck, now: &str) -> Vec<Value> {
    let out = deck.run(&["--now", now, "queues", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice::<Value>(&out.stdout)
        .expect("queues --json is JSON")
        .as_array()
        .expect("an array")
        .clone()
}

fn find<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["order"] == name)
}

fn codes(row: &Value) -> Vec<String> {
    row["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn queues_json_lists_each_order_with_its_queue_and_explained_findings() {
    let deck = Deck::new();
    shop(&deck);
    let rows = listed(&deck, NOW);
    let late = find(&rows, "#1").expect("#1 listed");
    assert_eq!(late["queue"], "overdue");
    assert_eq!(codes(late), ["SLA_BREACH"]);
    let finding = &late["findings"][0];
    assert_eq!(finding["verdict"], "overdue");
    assert!(finding["reason"]
        .as_str()
        .unwrap()
        .contains("past the ship-by deadline"));
    assert_eq!(finding["evidence"][0]["system"], "storefront");

    let cancelled = find(&rows, "#2").expect("#2 listed");
    assert_eq!(cancelled["queue"], "blocked");
    assert_eq!(codes(cancelled), ["CANCELLED_BUT_ACTIVE"]);
    assert_eq!(cancelled["findings"][0]["verdict"], "blocked");

    assert_eq!(
        find(&rows, "#4").expect("#4 listed")["queue"],
        "informational"
    );
    assert!(
        find(&rows, "#3").is_none(),
        "an order on time is not listed"
    );
}

#[test]
fn now_moves_orders_by_time_alone() {
    let deck = Deck::new();
    shop(&deck);
    // #3 was placed Monday 09:00 New York: due by the end of Wednesday (Thursday is a holiday).
    let before = listed(&deck, "2026-11-26T04:59:00Z");
    assert!(find(&before, "#3").is_none());
    let after = listed(&deck, "2026-11-26T05:00:30Z");
    assert_eq!(find(&after, "#3").expect("#3 now late")["queue"], "overdue");
    let again = listed(&deck, "2026-11-26T04:59:00Z");
    assert!(
        find(&again, "#3").is_none(),
        "--now in the past is honoured too"
    );
}

#[test]
fn show_prints_findings_timeline_and_sources() {
    let deck = Deck::new();
    shop(&deck);
    let out = deck.run(&["--now", NOW, "show", "2", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["order"], "#2");
    assert_eq!(shown["queue"], "blocked");
    assert_eq!(shown["findings"][0]["code"], "CANCELLED_BUT_ACTIVE");
    let systems: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["system"].as_str().unwrap())
        .collect();
    assert!(
        systems.contains(&"storefront") && systems.contains(&"warehouse"),
        "{systems:?}"
    );
    assert_eq!(shown["sources"].as_array().unwrap().len(), 2);

    let out = deck.run(&["--now", NOW, "show", "#2"]);
    let text = stdout(&out);
    assert!(
        text.contains("CANCELLED_BUT_ACTIVE") && text.contains("Timeline"),
        "{text}"
    );
}

#[test]
fn show_names_the_other_orders_under_the_same_name() {
    let deck = Deck::new();
    // Two shops' exports each have a #1001; the first to arrive holds it.
    let first = deck.write(
        "shop-a.json",
        &json!({"orders": [order(11, "#1001", "2026-11-20T10:00:00-05:00", "paid", 1)]}),
    );
    let second = deck.write(
        "shop-b.json",
        &json!({"orders": [
            order(22, "#1001", "2026-11-21T10:00:00-05:00", "paid", 1),
            order(33, "#1001", "2026-11-22T10:00:00-05:00", "paid", 1),
            order(44, "#1002", "2026-11-22T10:00:00-05:00", "paid", 1),
        ]}),
    );
    for path in [&first, &second] {
        deck.import("storefront", path);
    }
    let shown = |reference: &str| -> Value {
        let out = deck.run(&["--now", NOW, "show", reference, "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let holder = shown("#1001");
    assert_eq!(holder["storefront_id"], "11");
    assert_eq!(holder["also_named"], json!(["22", "33"]));
    let kept_for_display = shown("33");
    assert_eq!(kept_for_display["order"], "#1001");
    assert_eq!(kept_for_display["also_named"], json!(["11", "22"]));
    assert_eq!(shown("#1002")["also_named"], json!([]));

    let text = stdout(&deck.run(&["--now", NOW, "show", "#1001"]));
    assert!(
        text.contains("2 other orders have this name: 22, 33 (orderdeck show 22)"),
        "{text}"
    );
    let text = stdout(&deck.run(&["--now", NOW, "show", "#1002"]));
    assert!(!text.contains("this name"), "{text}");
}

#[test]
fn breach_report_lists_only_genuine_breaches() {
    let deck = Deck::new();
    shop(&deck);
    let out = deck.run(&["--now", NOW, "report", "breaches", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("order,storefront_id,customer,queue,placed_at,ship_by,hours_late,reason")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(rows[0].starts_with("#1,1,Grace Hopper,overdue,"), "{text}");

    let out = deck.run(&["--now", NOW, "report", "breaches", "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.as_array().unwrap().len(), 1);
    assert_eq!(report[0]["order"], "#1");
    assert!(report[0]["hours_late"].as_f64().unwrap() > 24.0);
}

fn assert_one_line_error(out: &Output, needle: &str) {
    assert!(!out.status.success());
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err:?} should name {needle:?}");
}

#[test]
fn errors_are_one_line_and_non_zero() {
    let deck = Deck::new();
    shop(&deck);
    assert_one_line_error(&deck.run(&["show", "#9999"]), "#9999");

    let bad = deck.dir.path().join("bad.toml");
    std::fs::write(&bad, "[sla]\ncutoff = \"25:99\"\n").unwrap();
    assert_one_line_error(
        &deck.run(&["--config", bad.to_str().unwrap(), "queues"]),
        "sla.cutoff",
    );
    std::fs::write(&bad, "[tolerances]\nsync_lag = \"soon\"\n").unwrap();
    assert_one_line_error(
        &deck.run(&["--config", bad.to_str().unwrap(), "queues"]),
        "tolerances.sync_lag",
    );
    std::fs::write(&bad, "[sla]\ncuttoff = \"14:00\"\n").unwrap();
    assert_one_line_error(
        &deck.run(&["--config", bad.to_str().unwrap(), "queues"]),
        "cuttoff",
    );
    std::fs::write(&bad, "[sla\n").unwrap();
    assert_one_line_error(
        &deck.run(&["--config", bad.to_str().unwrap(), "queues"]),
        "line 1",
    );

    let out = Command::new(env!("CARGO_BIN_EXE_orderdeck"))
        .args(["--db", "mysql://somewhere/db", "queues"])
        .output()
        .unwrap();
    assert_one_line_error(&out, "mysql://somewhere/db");
}

#[test]
fn a_good_config_changes_the_rules() {
    let deck = Deck::new();
    let config = deck.dir.path().join("orderdeck.toml");
    // Five business days instead of two: #1 is then on time on Friday.
    std::fs::write(&config, "[sla]\nship_within_business_days = 5\n").unwrap();
    let storefront = deck.write(
        "s.json",
        &json!({"order": order(1, "#1", "2026-11-16T10:00:00-05:00", "paid", 1)}),
    );
    let out = deck.run(&[
        "--config",
        config.to_str().unwrap(),
        "--now",
        "2026-11-20T20:00:00Z",
        "import",
        "--source",
        "storefront",
        storefront.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = deck.run(&[
        "--config",
        config.to_str().unwrap(),
        "--now",
        "2026-11-20T20:00:00Z",
        "queues",
        "--json",
    ]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Listed only for NOT_AT_WAREHOUSE; the SLA check passes.
    let row = &rows.as_array().unwrap()[0];
    assert_eq!(row["queue"], "blocked");
    assert_eq!(codes(row), ["NOT_AT_WAREHOUSE", "SLA_ON_TIME"]);
    assert_eq!(row["findings"][1]["verdict"], "pass");
}

#[test]
fn a_directory_with_one_malformed_file_loads_the_rest_and_names_it() {
    let deck = Deck::new();
    let dir = deck.dir.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("a.json"),
        serde_json::to_vec(
            &json!({"order": order(1, "#1", "2026-11-23T09:00:00-05:00", "paid", 1)}),
        )
        .unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("b.json"),
        b"{\"orders\": [ {\"id\": 2, \"name\": \"#2\",",
    )
    .unwrap();
    std::fs::write(
        dir.join("c.json"),
        serde_json::to_vec(
            &json!({"order": order(3, "#3", "2026-11-23T09:00:00-05:00", "paid", 1)}),
        )
        .unwrap(),
    )
    .unwrap();
    let out = deck.run(&[
        "--now",
        NOW,
        "import",
        "--source",
        "storefront",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "partial import");
    let err = stderr(&out);
    assert!(
        err.contains("b.json") && !err.contains("a.json") && !err.contains("c.json"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("2 of 3 file(s) loaded"),
        "{}",
        stdout(&out)
    );
    for name in ["1", "3"] {
        assert!(
            deck.run(&["--now", NOW, "show", name]).status.success(),
            "#{name} loaded"
        );
    }
    assert!(!deck.run(&["--now", NOW, "show", "2"]).status.success());

    // The bad file stays listed, with its reason, after the import's
    // output has scrolled away.
    let kept = deck.run(&["rejects"]);
    assert!(kept.status.success(), "{}", stderr(&kept));
    let text = stdout(&kept);
    assert!(
        text.contains("b.json") && !text.contains("a.json"),
        "{text}"
    );
    let kept = deck.run(&["rejects", "--json"]);
    let rows: Value = serde_json::from_slice(&kept.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0]["origin"].as_str().unwrap().ends_with("b.json"));
    assert!(!rows[0]["reason"].as_str().unwrap().is_empty());
    assert!(rows[0]["raw_bytes"].as_u64().unwrap() > 0);
}

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/shopify");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/fixtures is not beside the checkout");
        None
    }
}

#[test]
fn every_public_shopify_fixture_imports_as_it_shows() {
    let Some(dir) = fixtures() else { return };
    let deck = Deck::new();
    let now = "2026-11-23T12:00:00Z";
    let out = deck.run(&[
        "--now",
        now,
        "import",
        "--source",
        "storefront",
        dir.to_str().unwrap(),
    ]);
    // Five of the eight are not order bodies (a fulfilment, a fulfilment
    // event, a transaction, tender transactions, a refund calculation).
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    for skipped in [
        "fulfillment-event-label-printed.json",
        "fulfillment-pending-with-tracking.json",
        "refund-calculate-suggested.json",
        "tender-transactions-list.json",
        "transaction-authorization.json",
    ] {
        assert!(err.contains(skipped), "{skipped} not named: {err}");
    }
    assert!(
        stdout(&out).contains("3 of 8 file(s) loaded"),
        "{}",
        stdout(&out)
    );

    // Both order files are order 450789469 (#1001) at the same updated_at;
    // the full body wins over the trimmed one whatever the file order, and
    // its two fulfilment orders join it by order id.
    let out = deck.run(&["--now", now, "show", "450789469", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["order"], "#1001");
    assert_eq!(shown["customer"], "Bob Norman");
    // Authorized in 2008, its only fulfilment failed: all three items are
    // still owed, long past the deadline.
    assert_eq!(shown["queue"], "overdue");
    assert_eq!(shown["findings"][0]["code"], "SLA_BREACH");
    assert!(shown["findings"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("3 items still owed"));
    let kinds: Vec<&str> = shown["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["storefront.fulfillment_orders", "storefront.order"]);
    let origin = shown["sources"][1]["origin"].as_str().unwrap();
    assert!(
        origin.ends_with("order-authorized-fulfillment-failed.json"),
        "{origin}"
    );
}

#[test]
fn saved_carrier_replies_import_and_join_their_orders() {
    let Some(dir) = fixtures() else { return };
    let carriers = dir.join("../carriers");
    let deck = Deck::new();
    // The UPS sample's parcel, shipped by the warehouse for order #7.
    let shipments = deck.write(
        "shipments.json",
        &json!({"shipments": [{"shipmentId": 1, "orderId": 70, "orderKey": "7", "orderNumber": "7",
                "createDate": "2022-01-20T08:00:00.0000000", "trackingNumber": "1Z1442YY7229014688",
                "carrierCode": "ups", "voided": false}]}),
    );
    deck.import("warehouse", &shipments);
    let ups = carriers.join("ups-track-delivered.json");
    deck.import("carrier", &ups);
    let out = deck.run(&["--now", NOW, "show", "7", "--json"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = shown["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["carrier.tracking", "warehouse.shipment"], "{shown}");
    let events: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["system"] == "carrier")
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(!events.is_empty(), "{shown}");

    // A storefront body is not a carrier reply.
    let out = deck.run(&[
        "import",
        "--source",
        "carrier",
        dir.join("order-authorized-fulfillment-failed.json")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("not a carrier tracking reply"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn demo_runs_the_simulator_and_shows_the_queues() {
    let deck = Deck::new();
    let out = Command::new(env!("CARGO_BIN_EXE_orderdeck"))
        .args(["demo", "--orders", "30", "--dir"])
        .arg(deck.dir.path().join("demo"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for heading in [
        "Simulator on http://127.0.0.1:",
        "OVERDUE (",
        "INFORMATIONAL (",
        "BLOCKED (",
        "Demo database:",
    ] {
        assert!(text.contains(heading), "{heading} missing from:\n{text}");
    }
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// `summarize --all-listed` and `show` against a chat-completions server on
/// loopback: one call per listed order, then answers from the cache; a
/// failing model leaves the built-in summary with the reason, and exit 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summarize_and_show_ask_the_configured_model_once_per_order() {
    let server = ChatServer::start(vec![Step::CiteFindings]).await;
    let deck = Deck::new();
    shop(&deck);
    let listed = listed(&deck, NOW).len();
    let key = ("ORDERDECK_CLI_TEST_KEY", "sk-cli-secret-77");
    let with_model = |config: &Path, args: &[&str]| {
        let mut all = vec!["--config", config.to_str().unwrap(), "--now", NOW];
        all.extend_from_slice(args);
        let out = deck.run_with_env(&all, &[key]);
        assert!(!stdout(&out).contains(key.1) && !stderr(&out).contains(key.1));
        out
    };
    let config = deck.dir.path().join("ai.toml");
    std::fs::write(
        &config,
        server.config(&[("api_key_env", "\"ORDERDECK_CLI_TEST_KEY\"")]),
    )
    .unwrap();

    let out = with_model(&config, &["summarize", "--all-listed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("summarised {listed} order(s): {listed} written, 0 already cached\n")
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(server.hits(), listed);
    let authorization = server.received()[0].authorization.clone();
    assert_eq!(authorization.as_deref(), Some("Bearer sk-cli-secret-77"));

    let out = with_model(&config, &["show", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["order"], "#1");
    assert_eq!(shown["queue"], "overdue");
    assert_eq!(shown["findings"][0]["code"], "SLA_BREACH");
    let summary = &shown["summary"];
    assert_eq!(summary["text"], "This order needs a look (SLA_BREACH).");
    assert_eq!(summary["author"], "model");
    assert_eq!(summary["cites"], json!(["SLA_BREACH"]));
    assert_eq!(summary["model"], "test-model");
    assert_eq!(summary["cached"], true);
    assert_eq!(summary["unverified"], false);
    assert_eq!(summary["fallback_reason"], Value::Null);
    assert_eq!(server.hits(), listed, "show answered from the cache");

    let out = with_model(&config, &["show", "1"]);
    let text = stdout(&out);
    assert!(
        text.contains("Summary  [written by model test-model, cached: check it against the findings]\n  This order needs a look (SLA_BREACH).\n  cites: SLA_BREACH\n"),
        "{text}"
    );

    // Another model, not in the cache, whose server fails every time.
    let broken = ChatServer::start(vec![Step::Fail(
        500,
        None,
        r#"{"error": {"message": "overloaded", "type": "server_error", "code": null}}"#.into(),
    )])
    .await;
    let config = deck.dir.path().join("broken.toml");
    std::fs::write(
        &config,
        broken.config(&[("model", "\"other-model\""), ("retries", "1")]),
    )
    .unwrap();
    let out = with_model(&config, &["summarize", "--all-listed"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(
        line.starts_with(&format!(
            "summarised {listed} order(s): 0 written, 0 already cached, {listed} failed (first: #"
        )) && line.contains("HTTP 500 Internal Server Error: overloaded, server_error)"),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1, "{line}");
    assert_eq!(broken.hits(), listed * 2);

    let out = with_model(&config, &["show", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("\nSummary\n  #1 for Grace Hopper was placed"),
        "{text}"
    );
    assert!(
        text.contains("(built-in summary: model other-model:"),
        "{text}"
    );
}

#[test]
fn health_says_when_no_pass_has_run_and_prints_json() {
    let deck = Deck::new();
    let out = deck.run(&["health"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no sync pass has run"),
        "{}",
        stdout(&out)
    );
    let out = deck.run(&["health", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(shown, serde_json::json!([]));
}
