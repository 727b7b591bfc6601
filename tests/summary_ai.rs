#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The model-written summary against a real chat-completions server on
//! loopback: what is sent (and what personal data is not), each way the
//! exchange can go wrong falling back to the offline summary with its
//! reason, replies checked against the facts, and the cache.

mod chat_server;
mod dbs;

use std::path::Path;
use std::time::{Duration, Instant};

use chat_server::{ChatServer, Step};
use chrono::{DateTime, Utc};
use orderdeck::config::Config;
use orderdeck::connectors::secret::Secret;
use orderdeck::connectors::Source;
use orderdeck::domain::FindingCode;
use orderdeck::store::{OrderDetail, Store};
use orderdeck::summary::{Author, Provider, Summarizer, SummaryOutcome};
use orderdeck::sync::import::import_paths;
use serde_json::{json, Value};

const NOW: &str = "2026-11-23T20:00:00Z";
const KEY: &str = "sk-test-secret-4242";

/// Ada's order: late, with her name, e-mail, phone and street in the
/// fields made for them and in the note as free text.
fn adas_order(updated_at: &str, note: &str) -> Value {
    let address = json!({"first_name": "Ada", "last_name": "Lovelace", "name": "Ada Lovelace",
        "address1": "12 Elm Street", "city": "Springfield", "zip": "01101",
        "phone": "555-867-5309", "country_code": "US"});
    json!({"orders": [{
        "id": 501, "name": "#501", "created_at": "2026-11-16T10:00:00-05:00",
        "updated_at": updated_at, "financial_status": "paid", "fulfillment_status": null,
        "tags": "", "email": "ada.lovelace@example.com", "phone": "+1 555-867-5309",
        "note": note,
        "customer": {"first_name": "Ada", "last_name": "Lovelace",
                     "email": "ada.lovelace@example.com", "phone": "+15558675309"},
        "shipping_address": address, "billing_address": address,
        "line_items": [{"id": 5010, "sku": "LAMP-OAK", "title": "Lamp", "quantity": 1,
                        "fulfillable_quantity": 1, "vendor": "orderdeck-goods",
                        "fulfillment_service": "manual", "requires_shipping": true}]
    }]})
}

const ADAS_NOTE: &str = "Ada Lovelace asked us to call 555-867-5309 or write to \
                         ada.l@example.net before delivery to 12 Elm Street";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

async fn import(store: &Store, dir: &Path, name: &str, body: &Value) {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(body).unwrap()).unwrap();
    let policy = Config::builtin().unwrap().policy().unwrap();
    let report = import_paths(store, &policy, Source::Storefront, &[path], now())
        .await
        .unwrap();
    assert!(report.clean(), "{report:?}");
}

async fn detail(store: &Store, name: &str) -> OrderDetail {
    let id = store.find_order(name).await.unwrap().expect("order stored");
    store.order_detail(id).await.unwrap().unwrap()
}

fn summarizer(server: &ChatServer, overrides: &[(&str, &str)]) -> Summarizer {
    let config = Config::from_str_over_defaults("test", &server.config(overrides)).unwrap();
    Summarizer::with_key(
        &config.ai().unwrap(),
        config.policy().unwrap().sla.timezone,
        Some(Secret::new(KEY.to_string())),
    )
}

/// Ada's order in a fresh SQLite store.
async fn adas_shop() -> (dbs::TestDb, tempfile::TempDir, OrderDetail) {
    let db = dbs::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    import(
        &db.store,
        dir.path(),
        "ada.json",
        &adas_order("2026-11-16T10:00:00-05:00", ADAS_NOTE),
    )
    .await;
    let detail = detail(&db.store, "#501").await;
    (db, dir, detail)
}

async fn summarize_adas(
    script: Vec<Step>,
    overrides: &[(&str, &str)],
) -> (ChatServer, SummaryOutcome) {
    let server = ChatServer::start(script).await;
    let (db, _dir, detail) = adas_shop().await;
    let outcome = summarizer(&server, overrides)
        .summarize(&db.store, &detail)
        .await;
    (server, outcome)
}

fn assert_fell_back(outcome: &SummaryOutcome, reason_has: &[&str]) {
    assert_eq!(outcome.shown.author, Author::Offline, "{outcome:?}");
    assert!(
        outcome.shown.text.starts_with("#501 for Ada Lovelace"),
        "{outcome:?}"
    );
    let reason = outcome.fallback_reason.as_deref().expect("a reason");
    for part in reason_has {
        assert!(reason.contains(part), "{part:?} not in {reason:?}");
    }
    assert!(!reason.contains(KEY), "{reason}");
    assert!(outcome.model.is_none() && !outcome.unverified);
}

#[tokio::test]
async fn the_request_carries_model_and_facts_and_no_personal_data() {
    let (server, outcome) = summarize_adas(vec![Step::CiteFindings], &[]).await;
    let received = server.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.authorization.as_deref(),
        Some(&*format!("Bearer {KEY}"))
    );
    let body = request.json();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["max_tokens"], 400);
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["messages"][0]["role"], "system");
    assert!(body["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("Use only the JSON"));
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(
        chat_server::codes_sent(&request.body),
        ["NOT_AT_WAREHOUSE", "SLA_BREACH"]
    );

    let bytes = request.text();
    for personal in [
        "Ada",
        "Lovelace",
        "ada.lovelace@example.com",
        "ada.l@example.net",
        "555-867-5309",
        "5558675309",
        "Elm Street",
    ] {
        assert!(!bytes.contains(personal), "{personal:?} was sent: {bytes}");
    }
    for placeholder in [
        "[customer]",
        "[email]",
        "[phone]",
        "[address]",
        "#501",
        "LAMP-OAK",
    ] {
        assert!(
            bytes.contains(placeholder),
            "{placeholder:?} missing: {bytes}"
        );
    }

    assert_eq!(outcome.shown.author, Author::Model);
    assert_eq!(
        outcome.shown.text,
        "This order needs a look (NOT_AT_WAREHOUSE) (SLA_BREACH)."
    );
    assert_eq!(
        outcome.shown.cites,
        [FindingCode::NotAtWarehouse, FindingCode::SlaBreach]
    );
    assert_eq!(outcome.model.as_deref(), Some("test-model"));
    assert!(!outcome.cached && !outcome.unverified && outcome.fallback_reason.is_none());
    assert!(outcome.offline.is_none());
}

#[tokio::test]
async fn personal_data_is_sent_only_when_the_config_says_so() {
    let (server, _) =
        summarize_adas(vec![Step::CiteFindings], &[("send_personal_data", "true")]).await;
    let bytes = server.received()[0].text();
    assert!(bytes.contains("Ada Lovelace"), "{bytes}");
    assert!(bytes.contains("ada.lovelace@example.com"), "{bytes}");
}

#[tokio::test]
async fn the_public_fixture_order_leaves_without_its_customer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/shopify");
    if !dir.is_dir() {
        eprintln!("skipping: ../shared/fixtures is not beside the checkout");
        return;
    }
    let server = ChatServer::start(vec![Step::CiteFindings]).await;
    let db = dbs::sqlite().await;
    let policy = Config::builtin().unwrap().policy().unwrap();
    let file = dir.join("order-authorized-fulfillment-failed.json");
    import_paths(&db.store, &policy, Source::Storefront, &[file], now())
        .await
        .unwrap();
    let detail = detail(&db.store, "#1001").await;
    assert_eq!(detail.row.customer.as_deref(), Some("Bob Norman"));
    let outcome = summarizer(&server, &[]).summarize(&db.store, &detail).await;
    assert_eq!(outcome.shown.author, Author::Model, "{outcome:?}");
    let bytes = server.received()[0].text();
    for personal in [
        "Bob",
        "Norman",
        "bob.norman@hostmail.com",
        "555-625-1199",
        "Chestnut",
        "40202",
    ] {
        assert!(!bytes.contains(personal), "{personal:?} was sent: {bytes}");
    }
}

#[tokio::test]
async fn a_429_is_waited_out_as_retry_after_says_then_answered() {
    let limited = r#"{"error": {"message": "Rate limit reached for requests", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}"#;
    let (server, outcome) = summarize_adas(
        vec![
            Step::Fail(429, Some("1"), limited.to_string()),
            Step::CiteFindings,
        ],
        &[],
    )
    .await;
    let received = server.received();
    assert_eq!(received.len(), 2);
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert_eq!(received[0].body, received[1].body);
    assert_eq!(outcome.shown.author, Author::Model, "{outcome:?}");
    assert_eq!(outcome.shown.cites.len(), 2);
}

#[tokio::test]
async fn a_server_error_is_retried_a_bounded_number_of_times_then_falls_back() {
    let broken = r#"{"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}}"#;
    let (server, outcome) = summarize_adas(
        vec![Step::Fail(500, None, broken.to_string())],
        &[("retries", "2")],
    )
    .await;
    assert_eq!(server.hits(), 3);
    assert_fell_back(
        &outcome,
        &[
            "model test-model",
            "HTTP 500",
            "The server had an error while processing your request., server_error",
        ],
    );
}

#[tokio::test]
async fn a_model_that_answers_too_late_is_not_waited_for() {
    let started = Instant::now();
    let (server, outcome) = summarize_adas(
        vec![Step::Stall(Duration::from_secs(30))],
        &[("timeout", "\"500ms\"")],
    )
    .await;
    assert_fell_back(&outcome, &["no answer within 500ms"]);
    assert_eq!(server.hits(), 1);
    // Far below the server's 30 s, whatever the machine's load.
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test]
async fn a_reply_that_is_not_a_chat_completion_falls_back() {
    let (server, outcome) =
        summarize_adas(vec![Step::Raw("<html>upstream hiccup</html>".into())], &[]).await;
    assert_eq!(server.hits(), 1);
    assert_fell_back(&outcome, &["not a chat completion"]);

    let (_, outcome) = summarize_adas(
        vec![Step::Raw(
            r#"{"id": "x", "object": "chat.completion", "choices": []}"#.into(),
        )],
        &[],
    )
    .await;
    assert_fell_back(&outcome, &["no choices"]);
}

#[tokio::test]
async fn a_reply_naming_a_tracking_number_not_in_the_facts_is_flagged() {
    let (_, outcome) = summarize_adas(
        vec![Step::Answer(
            "#501 left the warehouse under tracking 1Z999AA10123456784 (SLA_BREACH).".into(),
        )],
        &[],
    )
    .await;
    assert_eq!(outcome.shown.author, Author::Model);
    assert!(outcome.unverified);
    assert_eq!(outcome.unverified_terms, ["number 1Z999AA10123456784"]);
    assert_eq!(outcome.shown.cites, [FindingCode::SlaBreach]);
    let offline = outcome.offline.expect("the offline summary beside it");
    assert_eq!(offline.author, Author::Offline);
    assert!(offline.text.starts_with("#501 for Ada Lovelace"));
}

#[tokio::test]
async fn without_its_key_the_model_is_not_asked() {
    let server = ChatServer::start(vec![Step::CiteFindings]).await;
    let config = Config::from_str_over_defaults(
        "test",
        &server.config(&[("api_key_env", "\"ORDERDECK_TEST_KEY_NOBODY_SETS\"")]),
    )
    .unwrap();
    let summarizer = Summarizer::new(&config.ai().unwrap(), chrono_tz::UTC);
    let (db, _dir, detail) = adas_shop().await;
    let outcome = summarizer.summarize(&db.store, &detail).await;
    assert_fell_back(&outcome, &["ORDERDECK_TEST_KEY_NOBODY_SETS is not set"]);
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn an_unchanged_order_costs_one_call_and_a_changed_one_another() {
    for db in dbs::all().await {
        let server = ChatServer::start(vec![Step::CiteFindings]).await;
        let summarizer = summarizer(&server, &[]);
        let dir = tempfile::tempdir().unwrap();
        let first = adas_order("2026-11-16T10:00:00-05:00", ADAS_NOTE);
        import(&db.store, dir.path(), "first.json", &first).await;

        let outcome = summarizer
            .summarize(&db.store, &detail(&db.store, "#501").await)
            .await;
        assert!(!outcome.cached, "{}: {outcome:?}", db.label);
        let again = summarizer
            .summarize(&db.store, &detail(&db.store, "#501").await)
            .await;
        assert_eq!(
            server.hits(),
            1,
            "{}: the second look sent nothing",
            db.label
        );
        assert!(again.cached, "{}", db.label);
        assert_eq!(again.shown, outcome.shown);

        // The same payload fetched again later is no change.
        import(&db.store, dir.path(), "refetched.json", &first).await;
        summarizer
            .summarize(&db.store, &detail(&db.store, "#501").await)
            .await;
        assert_eq!(server.hits(), 1, "{}", db.label);

        let changed = adas_order("2026-11-23T09:00:00-05:00", "Gift wrap, please");
        import(&db.store, dir.path(), "changed.json", &changed).await;
        let outcome = summarizer
            .summarize(&db.store, &detail(&db.store, "#501").await)
            .await;
        assert_eq!(server.hits(), 2, "{}: a changed order asks again", db.label);
        assert!(!outcome.cached && outcome.shown.author == Author::Model);
        assert!(server.received()[1].text().contains("Gift wrap"));
    }
}

#[test]
fn ai_defaults_are_offline_and_private_and_bad_keys_are_named() {
    let ai = Config::builtin().unwrap().ai().unwrap();
    assert_eq!(ai.provider, Provider::Offline);
    assert!(!ai.send_personal_data);
    assert_eq!(ai.timeout, Duration::from_secs(20));
    assert_eq!(ai.api_key_env.as_deref(), Some("OPENAI_API_KEY"));

    for (text, key, says) in [
        (
            "provider = \"gpt\"",
            "ai.provider",
            "\"offline\" or \"openai\"",
        ),
        (
            "base_url = \"api.openai.com\"",
            "ai.base_url",
            "not an http",
        ),
        ("timeout = \"soon\"", "ai.timeout", "not a duration"),
        ("timeout = \"0s\"", "ai.timeout", "longer than zero"),
        ("max_tokens = 0", "ai.max_tokens", "at least 1"),
        (
            "requests_per_minute = 0",
            "ai.requests_per_minute",
            "at least 1",
        ),
        ("temperature = 3.0", "ai.temperature", "outside 0 to 2"),
        (
            "send_personal_data = \"yes\"",
            "ai.send_personal_data",
            "boolean",
        ),
        ("provider = \"openai\"\nmodel = \"\"", "ai.model", "empty"),
        // A key written into the file is refused, and not repeated.
        ("api_key = \"sk-in-the-file\"", "ai.api_key", "api_key_env"),
    ] {
        let error = Config::from_str_over_defaults("test.toml", &format!("[ai]\n{text}\n"))
            .expect_err(text);
        assert_eq!(error.key, key, "{text}: {error}");
        assert!(error.to_string().contains(says), "{text}: {error}");
        assert!(!error.to_string().contains("sk-in-the-file"), "{error}");
    }
}
