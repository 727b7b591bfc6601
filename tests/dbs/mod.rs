//! Real databases for tests: a SQLite file in a temp dir, and the PostgreSQL
//! server named by ORDERDECK_TEST_PG (each test in a schema of its own).

#![allow(dead_code, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};

use orderdeck::store::{sqlite_url, Store};
use sqlx::Connection;

pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url(&dir.path().join("test.sqlite"));
    let store = Store::open(&url).await.expect("open sqlite");
    TestDb {
        store,
        url,
        label: "sqlite",
        _dir: Some(dir),
    }
}

/// A fresh schema on the PostgreSQL test server, or None (with the reason
/// printed) when ORDERDECK_TEST_PG is not set.
pub async fn postgres() -> Option<TestDb> {
    let url = empty_postgres().await?;
    let store = Store::open(&url).await.expect("open postgres");
    Some(TestDb {
        store,
        url,
        label: "postgres",
        _dir: None,
    })
}

/// The URL of a fresh, empty (unmigrated) schema on the PostgreSQL test
/// server, or None as [`postgres`].
pub async fn empty_postgres() -> Option<String> {
    let Ok(base) = std::env::var("ORDERDECK_TEST_PG") else {
        eprintln!("skipping PostgreSQL: ORDERDECK_TEST_PG is not set");
        return None;
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros()
    );
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to ORDERDECK_TEST_PG");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("create schema");
    conn.close().await.ok();
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!(
        "{base}{separator}options=-c%20search_path%3D{schema}"
    ))
}

/// SQLite always; PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}
