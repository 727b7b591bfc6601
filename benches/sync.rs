//! `sync --once` against the simulator, measured (DESIGN.md §8).
//!
//! ```sh
//! cargo bench --bench sync                               # N = 100,000, 60 s window
//! ORDERDECK_BENCH_ORDERS=20000 ORDERDECK_BENCH_WINDOW=30 cargo bench --bench sync
//! ```
//!
//! Environment:
//! - `ORDERDECK_BENCH_ORDERS`: N, the simulated shop's orders (default 100,000).
//! - `ORDERDECK_BENCH_WINDOW`: seconds of the realistic-limits run (default 60).
//!
//! The simulator runs in this process; each sync or import runs in a fresh
//! child process (this executable, re-run with `ORDERDECK_BENCH_PHASE`), so
//! the peak RSS it reports (VmHWM) is its own, not the simulator's:
//! 1. `sync_once` of the whole shop with the simulator's limits lifted and
//!    the config's lifted to match (`sim --lift-limits --write-config`):
//!    orders/s, peak RSS, requests, and every order against the ground truth;
//! 2. the same with the carriers left out (no credentials for them), into a
//!    fresh database: exactly the storefront and warehouse bodies that
//!    `import` can also read;
//! 3. `import` of those very bodies, dumped from the second database as the
//!    API's own list bodies: the target is a sync within 2x of it;
//! 4. `sync_once` against the real services' limits for a bounded window,
//!    killed at its end: the share of each API's allowance used in the
//!    window (target >= 90%) and the 429s received (target: none).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod harness;
use harness::{
    cpu_seconds, env_number, env_path, get, group, machine, report, run_child, runtime, Results,
    PHASE_VAR,
};

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};

use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::connectors::Source;
use orderdeck::domain::normalize_order_name;
use orderdeck::sim::{
    self, Backend, Endpoint, Limits, SimHandle, SimOptions, CREDENTIAL_ENV, DHL_API_KEY_ENV,
    VENDOR_API_KEY_ENV,
};
use orderdeck::store::{sqlite_url, Store};
use orderdeck::sync::connections::Connections;
use orderdeck::sync::import::import_file;
use orderdeck::sync::poll::sync_once;

const SEED: u64 = 42;
const START: &str = "2026-11-23T15:00:00Z";
const RATIO_TARGET: f64 = 2.0;
const SHARE_TARGET: f64 = 0.9;

const CONFIG_VAR: &str = "ORDERDECK_BENCH_CONFIG";
const DB_VAR: &str = "ORDERDECK_BENCH_DB";
const NOW_VAR: &str = "ORDERDECK_BENCH_NOW";
const FILES_VAR: &str = "ORDERDECK_BENCH_FILES";

const NAME: &str = "sync";

fn main() {
    harness::main(NAME, parent, child);
}

// ---------------------------------------------------------------- parent --

/// What the realistic-limits window saw of one API.
struct Window {
    requests: u64,
    allowance: u64,
    throttled: u64,
}

fn parent() {
    let n = env_number("ORDERDECK_BENCH_ORDERS").unwrap_or(100_000);
    let window = Duration::from_secs(env_number("ORDERDECK_BENCH_WINDOW").unwrap_or(60).max(1));
    println!(
        "orderdeck sync benchmark (orderdeck {})",
        env!("CARGO_PKG_VERSION")
    );
    println!("machine: {}", machine());
    println!(
        "data: N = {} simulated orders (seed {SEED}, clock {START}); realistic window {} s",
        group(n),
        window.as_secs()
    );
    let temp = tempfile::TempDir::new().expect("temporary directory");
    let dir = temp.path();
    let rt = runtime();
    let start: DateTime<Utc> = START.parse().expect("START is RFC 3339");

    // 1-3: limits lifted.
    let started = Instant::now();
    let handle = rt.block_on(simulator(n, start, Limits::lifted()));
    println!(
        "simulator: {} orders laid out in {:.1} s at {}",
        group(n),
        started.elapsed().as_secs_f64(),
        handle.base_url()
    );
    let config = dir.join("orderdeck.toml");
    std::fs::write(&config, config_text(&handle)).expect("writing the config");
    let full_db = dir.join("full.sqlite");
    let sim_cpu = cpu_seconds();
    let full = run_sync("sync (all backends)", &handle, &config, &full_db, true);
    let full_sim_cpu = cpu_seconds() - sim_cpu;
    let full_requests: u64 = handle.request_counts().values().sum();
    let (truth_total, wrong) = rt.block_on(compare_with_truth(&handle, &full_db));
    println!(
        "  ground truth: {} of {} orders as stated ({} differ); simulator CPU {:.1} s; {} requests",
        group((truth_total - wrong.len()) as u64),
        group(truth_total as u64),
        wrong.len(),
        full_sim_cpu,
        group(full_requests)
    );
    for line in wrong.iter().take(5) {
        println!("    {line}");
    }

    let partial_db = dir.join("partial.sqlite");
    let partial = run_sync(
        "sync (storefront and warehouse)",
        &handle,
        &config,
        &partial_db,
        false,
    );
    rt.block_on(async {
        handle.shutdown().await.expect("simulator stops");
    });
    let files = rt.block_on(dump_payloads(&partial_db, dir));
    let import = run_child(
        "import",
        &[
            (
                FILES_VAR,
                files
                    .iter()
                    .map(|(source, path)| format!("{}={}", source.as_str(), path.display()))
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
            (DB_VAR, dir.join("import.sqlite").display().to_string()),
            (NOW_VAR, start.to_rfc3339()),
        ],
    );

    // 4: the real services' limits, for a bounded window.
    let handle = rt.block_on(simulator(n, start, Limits::default()));
    std::fs::write(&config, config_text(&handle)).expect("writing the config");
    let windows = realistic(&handle, &config, &dir.join("realistic.sqlite"), window);
    rt.block_on(async {
        handle.shutdown().await.expect("simulator stops");
    });

    summary(n, window, &full, &partial, &import, &windows, wrong.len());
    drop(temp);
}

async fn simulator(n: u64, start: DateTime<Utc>, limits: Limits) -> SimHandle {
    let mut options = SimOptions::new(SEED, n, start);
    options.speed = 0.0;
    options.limits = limits;
    sim::start(options).await.expect("simulator starts")
}

fn credentials(with_carriers: bool) -> Vec<(&'static str, String)> {
    let storefront_and_warehouse = &CREDENTIAL_ENV[..3];
    let all: Vec<(&str, &str)> = if with_carriers {
        CREDENTIAL_ENV
            .into_iter()
            .chain([DHL_API_KEY_ENV, VENDOR_API_KEY_ENV])
            .collect()
    } else {
        storefront_and_warehouse.to_vec()
    };
    all.into_iter().map(|(k, v)| (k, v.to_string())).collect()
}

fn sync_vars(
    handle: &SimHandle,
    config: &Path,
    db: &Path,
    with_carriers: bool,
) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        (CONFIG_VAR, config.display().to_string()),
        (DB_VAR, db.display().to_string()),
        (
            NOW_VAR,
            handle.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        ),
    ];
    vars.extend(credentials(with_carriers));
    vars
}

fn run_sync(
    what: &str,
    handle: &SimHandle,
    config: &Path,
    db: &Path,
    with_carriers: bool,
) -> Results {
    println!();
    println!("-- {what} --");
    run_child("sync", &sync_vars(handle, config, db, with_carriers))
}

/// Every order's queue and codes in the database against the simulator's
/// ground truth: how many orders it states, and what differs.
async fn compare_with_truth(handle: &SimHandle, db: &Path) -> (usize, Vec<String>) {
    let store = Store::open(&sqlite_url(db))
        .await
        .expect("opening the store");
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
    store.close().await;
    let mut codes: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (order, code, verdict) in findings {
        if verdict != "pass" {
            codes.entry(order).or_default().insert(code);
        }
    }
    let stored: BTreeMap<String, (String, BTreeSet<String>)> = orders
        .into_iter()
        .filter_map(|(id, key, queue)| Some((key?, (queue, codes.remove(&id).unwrap_or_default()))))
        .collect();
    let truth = handle.ground_truth();
    let mut wrong = Vec::new();
    for expected in &truth {
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
    (truth.len(), wrong)
}

/// The bodies a sync filed, written back as the APIs' own list bodies: one
/// file per kind of document.
async fn dump_payloads(db: &Path, dir: &Path) -> Vec<(Source, PathBuf)> {
    let store = Store::open(&sqlite_url(db))
        .await
        .expect("opening the store");
    let mut files = Vec::new();
    for (kind, source, key, file) in [
        (
            "storefront.order",
            Source::Storefront,
            "orders",
            "shopify-orders.json",
        ),
        (
            "storefront.fulfillment_orders",
            Source::Storefront,
            "fulfillment_orders",
            "shopify-fulfillment-orders.json",
        ),
        (
            "warehouse.order",
            Source::Warehouse,
            "orders",
            "shipstation-orders.json",
        ),
        (
            "warehouse.shipment",
            Source::Warehouse,
            "shipments",
            "shipstation-shipments.json",
        ),
    ] {
        let raws: Vec<String> = sqlx::query_as::<_, (Vec<u8>,)>(
            "SELECT raw FROM payloads WHERE source = $1 ORDER BY order_id",
        )
        .bind(kind)
        .fetch_all(store.pool())
        .await
        .expect("reading payloads")
        .into_iter()
        .map(|(raw,)| orderdeck::store::unpack(&raw).expect("a stored body"))
        .collect();
        let path = dir.join(file);
        let mut out = BufWriter::new(File::create(&path).expect("creating a payload file"));
        write!(out, "{{\"{key}\":[").unwrap();
        let mut first = true;
        for raw in &raws {
            // A fulfilment-order document keeps its order's elements as an
            // array; the body lists the elements themselves.
            let elements = if kind == "storefront.fulfillment_orders" {
                raw.trim()
                    .strip_prefix('[')
                    .and_then(|r| r.strip_suffix(']'))
                    .unwrap_or(raw)
            } else {
                raw.as_str()
            };
            if elements.trim().is_empty() {
                continue;
            }
            if !first {
                out.write_all(b",\n").unwrap();
            }
            first = false;
            out.write_all(elements.as_bytes()).unwrap();
        }
        write!(out, "]}}").unwrap();
        out.flush().unwrap();
        println!(
            "  dumped {} {kind} documents to {} ({} bytes)",
            group(raws.len() as u64),
            path.display(),
            group(std::fs::metadata(&path).map_or(0, |m| m.len()))
        );
        files.push((source, path));
    }
    store.close().await;
    files
}

/// Syncs against the real limits for `window` from the first request, then
/// kills the sync; reads what reached each API from the simulator's journal.
fn realistic(
    handle: &SimHandle,
    config: &Path,
    db: &Path,
    window: Duration,
) -> BTreeMap<Backend, Window> {
    println!();
    println!(
        "-- sync with the real services' limits, {} s --",
        window.as_secs()
    );
    let exe = std::env::current_exe().expect("current executable");
    let mut command = Command::new(exe);
    command
        .arg("--bench")
        .env(PHASE_VAR, "sync")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (key, value) in sync_vars(handle, config, db, true) {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("starting the sync");
    // The window is counted from each API's first request; the child needs
    // a moment to start before that.
    let deadline = Instant::now() + window + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("watching the sync") {
            println!("  the sync ended within the window: {status}");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let limits = handle.limits();
    let exchanges = handle.exchanges();
    let mut windows = BTreeMap::new();
    for backend in [Backend::Shopify, Backend::ShipStation] {
        let of_backend: Vec<_> = exchanges
            .iter()
            .filter(|e| e.endpoint.backend() == backend)
            .collect();
        let Some(first) = of_backend.iter().map(|e| e.arrived).min() else {
            continue;
        };
        let inside: Vec<_> = of_backend
            .iter()
            .filter(|e| e.arrived < first + window)
            .collect();
        let seconds = window.as_secs_f64();
        // Shopify's bucket starts empty and leaks steadily; ShipStation's
        // allowance renews with each 60-second window from its first request.
        let allowance = match backend {
            Backend::Shopify => {
                f64::from(limits.shopify_bucket) + limits.shopify_leak_per_second * seconds
            }
            _ => f64::from(limits.shipstation_per_minute) * (seconds / 60.0).ceil(),
        };
        let requests = inside.iter().filter(|e| e.status != 429).count() as u64;
        let throttled = inside.iter().filter(|e| e.status == 429).count() as u64;
        println!(
            "  {backend:?}: {requests} requests answered, {throttled} refused with 429, in {} s from the first; allowance {allowance:.0}; endpoints {:?}",
            window.as_secs(),
            endpoint_counts(&inside.iter().map(|e| e.endpoint).collect::<Vec<_>>())
        );
        windows.insert(
            backend,
            Window {
                requests,
                allowance: allowance as u64,
                throttled,
            },
        );
    }
    windows
}

fn endpoint_counts(endpoints: &[Endpoint]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for endpoint in endpoints {
        *counts.entry(endpoint.as_str()).or_default() += 1;
    }
    counts
}

fn summary(
    n: u64,
    window: Duration,
    full: &Results,
    partial: &Results,
    import: &Results,
    windows: &BTreeMap<Backend, Window>,
    mismatches: usize,
) {
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    let mb = |kb: f64| format!("{:.0} MB", kb / 1024.0);
    let rate = |secs: f64| format!("{}/s", group((n as f64 / secs).round() as u64));
    println!();
    println!(
        "== summary: N = {} simulated orders; {} ==",
        group(n),
        machine()
    );
    println!(
        "{:<66} {:>12} {:>9} {:>9} {:>9}",
        "measured", "orders/s", "seconds", "CPU s", "peak RSS"
    );
    for (name, results) in [
        ("sync_once, limits lifted, all backends", full),
        ("sync_once, limits lifted, storefront + warehouse", partial),
        ("import_file of those same bodies", import),
    ] {
        println!(
            "{:<66} {:>12} {:>9.2} {:>9.1} {:>9}",
            name,
            rate(get(results, "secs")),
            get(results, "secs"),
            get(results, "cpu_s"),
            mb(get(results, "hwm_kb"))
        );
    }
    println!();
    println!(
        "ground truth: {} -> {}",
        if mismatches == 0 {
            "every order in its stated queue with its stated codes".to_string()
        } else {
            format!("{mismatches} orders differ")
        },
        verdict(mismatches == 0)
    );
    let ratio = get(partial, "secs") / get(import, "secs");
    println!(
        "sync / import time (same bodies) = {:.2} s / {:.2} s = {ratio:.2} vs target <= {RATIO_TARGET} -> {}",
        get(partial, "secs"),
        get(import, "secs"),
        verdict(ratio <= RATIO_TARGET)
    );
    for (backend, seen) in windows {
        let share = seen.requests as f64 / seen.allowance.max(1) as f64;
        println!(
            "{backend:?}, real limits, {} s: {} of {} allowed requests used = {:.1}% vs target >= {:.0}% -> {}; 429s received: {} vs target 0 -> {}",
            window.as_secs(),
            seen.requests,
            seen.allowance,
            share * 100.0,
            SHARE_TARGET * 100.0,
            verdict(share >= SHARE_TARGET),
            seen.throttled,
            verdict(seen.throttled == 0)
        );
    }
}

// ----------------------------------------------------------------- child --

fn child(phase: &str) {
    match phase {
        "sync" => sync_phase(),
        "import" => import_phase(),
        other => panic!("unknown phase {other:?}"),
    }
}

fn now_from_env() -> DateTime<Utc> {
    std::env::var(NOW_VAR)
        .expect("the parent sets the clock")
        .parse()
        .expect("an RFC 3339 time")
}

fn sync_phase() {
    let config = Config::load(&env_path(CONFIG_VAR)).expect("the simulator's config");
    let policy = config.policy().expect("its policy");
    let db = env_path(DB_VAR);
    let now = now_from_env();
    let rt = runtime();
    let (report_, secs) = rt.block_on(async {
        let store = Store::open(&sqlite_url(&db))
            .await
            .expect("opening the store");
        let connections = Connections::from_config(&config);
        let started = Instant::now();
        let report = sync_once(&store, &policy, &connections, now)
            .await
            .expect("the pass");
        let secs = started.elapsed().as_secs_f64();
        store.close().await;
        (report, secs)
    });
    for listing in &report_.listings {
        println!(
            "{:<30} {:>5} page(s) {:>8} document(s){}{}",
            listing.listing,
            listing.pages,
            listing.documents,
            if listing.rejected.is_empty() {
                String::new()
            } else {
                format!(", {} kept aside", listing.rejected.len())
            },
            listing
                .error
                .as_deref()
                .map_or_else(String::new, |e| format!(", failed: {e}"))
        );
    }
    println!("sync_once: {secs:.2} s");
    report("secs", secs);
}

fn import_phase() {
    let files = std::env::var(FILES_VAR).expect("the parent names the files");
    let db = env_path(DB_VAR);
    let now = now_from_env();
    let policy = Config::builtin()
        .expect("built-in config")
        .policy()
        .expect("its policy");
    let rt = runtime();
    let secs = rt.block_on(async {
        let store = Store::open(&sqlite_url(&db))
            .await
            .expect("opening the store");
        let started = Instant::now();
        for entry in files.split(';') {
            let (source, path) = entry.split_once('=').expect("SOURCE=PATH");
            let source = match source {
                "storefront" => Source::Storefront,
                "warehouse" => Source::Warehouse,
                other => panic!("unexpected source {other}"),
            };
            let (file, _) = import_file(&store, &policy, source, Path::new(path), now)
                .await
                .expect("import");
            assert!(
                file.error.is_none() && file.rejected.is_empty(),
                "{path}: {file:?}"
            );
            println!(
                "import_file {path}: {} documents",
                group(file.documents as u64)
            );
        }
        let secs = started.elapsed().as_secs_f64();
        store.close().await;
        secs
    });
    println!("import: {secs:.2} s");
    report("secs", secs);
}
