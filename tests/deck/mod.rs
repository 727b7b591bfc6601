//! orderdeck's binary against a simulator on loopback: the simulator's
//! config with `acme-home` at a chosen simulated vendor, a real database,
//! and each command run as an operator would at a fixed `--now`.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use orderdeck::actions::Identity;
use orderdeck::commands::sim::config_with_drop_ship_at;
use orderdeck::domain::normalize_order_name;
use orderdeck::sim::{
    self, Limits, SimHandle, SimOptions, CREDENTIAL_ENV, DHL_API_KEY_ENV, VENDOR_API_KEY_ENV,
};
use orderdeck::store::{Store, Verification};
use serde_json::Value;

pub fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

pub async fn simulator() -> SimHandle {
    simulator_with(|_| {}).await
}

/// Seed 5, 60 orders, a still clock and no rate limits, then `tweak`.
pub async fn simulator_with(tweak: impl FnOnce(&mut SimOptions)) -> SimHandle {
    let mut options = SimOptions::new(5, 60, start());
    options.speed = 0.0;
    options.limits = Limits::lifted();
    tweak(&mut options);
    sim::start(options).await.expect("simulator starts")
}

pub struct Deck {
    pub dir: tempfile::TempDir,
    pub db: String,
}

impl Deck {
    /// The simulator's config with `acme-home` sent to the simulated vendor
    /// that never acknowledges, and this account a vendor manager.
    pub fn new(handle: &SimHandle, db: String) -> Deck {
        Deck::with(handle, db, "")
    }

    /// As `new`, with `extra` config laid over it.
    pub fn with(handle: &SimHandle, db: String, extra: &str) -> Deck {
        Deck::at(handle, db, "silent", extra)
    }

    /// As `with`, with `acme-home` at the simulated vendor `sim_vendor`.
    pub fn at(handle: &SimHandle, db: String, sim_vendor: &str, extra: &str) -> Deck {
        let dir = tempfile::tempdir().unwrap();
        let me = Identity::current().unwrap().account;
        let config = format!(
            "{}\n[roles]\nvendor_manager = [{me:?}]\nviewer = [\"*\"]\n\n[actions]\ntimeout = \"5s\"\nhold_days = 7\n{extra}",
            config_with_drop_ship_at(handle, sim_vendor)
        );
        std::fs::write(dir.path().join("orderdeck.toml"), config).unwrap();
        Deck { dir, db }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("orderdeck.toml")
    }

    pub fn run(&self, now: DateTime<Utc>, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_orderdeck"));
        command
            .arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(self.config())
            .args(["--now", &now.to_rfc3339()])
            .args(args)
            .env("TZ", "UTC");
        for (name, value) in CREDENTIAL_ENV
            .into_iter()
            .chain([DHL_API_KEY_ENV, VENDOR_API_KEY_ENV])
        {
            command.env(name, value);
        }
        command.output().unwrap()
    }

    pub fn ok(&self, now: DateTime<Utc>, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert!(
            out.status.success(),
            "{args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn show(&self, now: DateTime<Utc>, order: &str) -> Value {
        serde_json::from_str(&self.ok(now, &["show", order, "--json"])).unwrap()
    }
}

pub fn codes(shown: &Value) -> Vec<String> {
    shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] != "pass")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The order's audit trail as "action actor", once the log is checked.
pub async fn trail(db: &str, order: &str) -> Vec<String> {
    let store = Store::open(db).await.unwrap();
    assert!(matches!(
        store.verify_audit().await.unwrap(),
        Verification::Intact { .. }
    ));
    store
        .audit_trail(&normalize_order_name(order))
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.fields.action, e.fields.actor))
        .collect()
}

/// `act ORDER reroute-approve`, confirmed, optionally for another alternate.
pub fn approve<'a>(order: &'a str, alternate: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec![
        "act",
        order,
        "reroute-approve",
        "--reason",
        "VENDOR_FAILURE",
        "--yes",
    ];
    if let Some(n) = alternate {
        args.extend(["--alternate", n]);
    }
    args
}

/// The order's cross-system timeline from `show --json`, as "system event".
pub fn timeline(shown: &Value) -> Vec<String> {
    shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["system"].as_str().unwrap(),
                e["event"].as_str().unwrap()
            )
        })
        .collect()
}
