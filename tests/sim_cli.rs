#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `orderdeck sim` as operators run it: it prints where it listens and the
//! credentials to export, writes a config the real config loader accepts,
//! serves, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use orderdeck::config::Config;
use orderdeck::sim::{
    Limits, CREDENTIAL_ENV, DHL_API_KEY_ENV, SHOPIFY_ACCESS_TOKEN, VENDOR_API_KEY_ENV,
};

/// Kills the simulator if a test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sim_prints_its_url_writes_a_loadable_config_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("orderdeck.toml");
    let child = Command::new(env!("CARGO_BIN_EXE_orderdeck"))
        .args([
            "--now",
            "2026-11-23T15:00:00Z",
            "sim",
            "--port",
            "0",
            "--orders",
            "30",
            "--write-config",
        ])
        .arg(&config_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let stdout = running.0.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    while !printed.iter().any(|l: &String| l.starts_with("Ctrl-C")) {
        printed.push(
            lines
                .recv_timeout(Duration::from_secs(20))
                .expect("the banner"),
        );
    }
    let url = printed[0]
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .expect("the URL on the first line")
        .to_string();
    for (name, value) in CREDENTIAL_ENV
        .into_iter()
        .chain([DHL_API_KEY_ENV, VENDOR_API_KEY_ENV])
    {
        assert!(
            printed.contains(&format!("export {name}={value}")),
            "{name}: {printed:#?}"
        );
    }

    let config = Config::load(&config_path).expect("the written config loads");
    assert_eq!(config.storefront.base_url, format!("{url}/shopify"));
    assert_eq!(config.storefront.token_env, CREDENTIAL_ENV[0].0);
    assert_eq!(config.warehouse.base_url, format!("{url}/shipstation"));
    for carrier in ["fedex", "ups", "usps", "dhl"] {
        assert_eq!(
            config.carriers[carrier].base_url,
            format!("{url}/{carrier}")
        );
    }
    assert_eq!(
        config.carriers["dhl"].api_key_env.as_deref(),
        Some(DHL_API_KEY_ENV.0)
    );
    // The drop-ship vendors: the storefront's own at the simulated `acme`,
    // an alternate at `northwind`, both with the simulator's vendor key.
    let vendors: Vec<(&str, Option<&str>)> = config
        .vendors
        .iter()
        .map(|v| (v.id.as_str(), v.api_base_url.as_deref()))
        .collect();
    assert_eq!(
        vendors,
        [
            ("acme-home", Some(format!("{url}/vendors/acme").as_str())),
            (
                "northwind-supply",
                Some(format!("{url}/vendors/northwind").as_str())
            ),
        ]
    );
    assert!(config
        .vendors
        .iter()
        .all(|v| v.api_key_env.as_deref() == Some(VENDOR_API_KEY_ENV.0)));
    assert!(!dir.path().join("orderdeck.toml.partial").exists());
    // orderdeck keeps to the simulator's limits, the real services' own.
    assert_eq!(config.storefront.requests_per_minute, 120);
    assert_eq!(config.storefront.burst, 40);
    assert_eq!(config.warehouse.requests_per_minute, 40);

    // It serves what it printed.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!(
                "{}/admin/api/2024-10/orders/count.json",
                config.storefront.base_url
            ))
            .header("X-Shopify-Access-Token", SHOPIFY_ACCESS_TOKEN)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, reqwest::StatusCode::OK);

    let pid = running.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let stopped = lines
        .recv_timeout(Duration::from_secs(10))
        .expect("a last line");
    assert_eq!(stopped, "orderdeck sim: stopped");
    let exit = running.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn sim_with_lifted_limits_writes_a_config_lifting_orderdeck_s_own() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("orderdeck.toml");
    let child = Command::new(env!("CARGO_BIN_EXE_orderdeck"))
        .args(["sim", "--port", "0", "--orders", "5", "--lift-limits"])
        .arg("--write-config")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _running = Running(child);
    let started = std::time::Instant::now();
    while !config_path.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "no config");
        std::thread::sleep(Duration::from_millis(20));
    }
    let config = Config::load(&config_path).expect("the written config loads");
    let lifted = Limits::lifted();
    assert_eq!(
        config.storefront.requests_per_minute,
        lifted.shopify_per_minute()
    );
    assert_eq!(config.storefront.burst, lifted.shopify_bucket);
    assert_eq!(
        config.warehouse.requests_per_minute,
        lifted.shipstation_per_minute
    );
}

#[test]
fn sim_reports_a_busy_port_in_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_orderdeck"))
        .args(["sim", "--port", &port, "--orders", "5"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
}
