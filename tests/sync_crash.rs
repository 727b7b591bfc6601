#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `orderdeck sync --once`, the real binary, killed with SIGKILL part-way
//! through (twice: while the storefront's pages are being filed, then while
//! its fulfilment orders still are), then run again to the end: the store must
//! end as an uninterrupted sync of the same simulated shop leaves another
//! database, every order in the same queue with the same finding codes.

mod store_view;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::sim::{
    self, Endpoint, Limits, SimHandle, SimOptions, CREDENTIAL_ENV, DHL_API_KEY_ENV,
    VENDOR_API_KEY_ENV,
};
use orderdeck::store::{sqlite_url, Store};

const ORDERS: u64 = 2_000;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

/// `orderdeck sync --once` against the simulator, into `db`, as of the
/// simulator's (still) clock, with its credentials in the environment.
fn sync_command(handle: &SimHandle, config: &Path, db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orderdeck"));
    command
        .arg("--config")
        .arg(config)
        .args(["--db", &sqlite_url(db)])
        .args([
            "--now",
            &handle.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        ])
        .args(["sync", "--once"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in CREDENTIAL_ENV
        .into_iter()
        .chain([DHL_API_KEY_ENV, VENDOR_API_KEY_ENV])
    {
        command.env(name, value);
    }
    command
}

/// Runs to the end on a blocking thread, so the simulator keeps serving.
async fn run_to_end(mut command: Command) -> Output {
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Starts a sync and SIGKILLs it once the simulator has answered `at_least`
/// requests at `endpoint`, and the database holds some filed orders.
async fn killed_part_way(
    command: &mut Command,
    handle: &SimHandle,
    db: &Path,
    endpoint: Endpoint,
    at_least: u64,
) {
    let before = handle.requests(endpoint);
    let mut child = command.spawn().unwrap();
    let started = Instant::now();
    let mut store = None;
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before it could be killed: {:?}",
            child.wait_with_output().unwrap()
        );
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        // The sync has opened (and migrated) its database before it asks
        // the simulator anything, so reading it then races nothing.
        if handle.requests(endpoint) >= before + at_least {
            if store.is_none() {
                store = Some(Store::open(&sqlite_url(db)).await.unwrap());
            }
            if let Some(store) = &store {
                if !store_view::outcomes(store).await.is_empty() {
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(!status.success(), "killed, not finished: {status:?}");
    let store = store.unwrap();
    let filed = store_view::outcomes(&store).await.len();
    store.close().await;
    assert!(
        filed > 0 && (filed as u64) < ORDERS,
        "{filed} orders filed when killed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_part_way_then_rerun_ends_as_an_uninterrupted_one() {
    let mut options = SimOptions::new(31, ORDERS, start());
    options.speed = 0.0;
    options.limits = Limits::lifted();
    // Slow enough answers that a kill lands in the middle of the pass.
    options.faults.shopify.latency = Duration::from_millis(15);
    options.faults.shipstation.latency = Duration::from_millis(60);
    let handle = sim::start(options).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orderdeck.toml");
    std::fs::write(&config, config_text(&handle)).unwrap();
    let (interrupted, uninterrupted) = (
        dir.path().join("killed.sqlite"),
        dir.path().join("whole.sqlite"),
    );

    let mut command = sync_command(&handle, &config, &interrupted);
    // While the storefront's order pages are still being listed…
    killed_part_way(
        &mut command,
        &handle,
        &interrupted,
        Endpoint::ShopifyOrders,
        3,
    )
    .await;
    // …and, on the rerun, while fulfilment orders are being fetched: only
    // a cursor kept back until everything listed is filed brings the rest
    // back.
    killed_part_way(
        &mut command,
        &handle,
        &interrupted,
        Endpoint::ShopifyFulfillmentOrders,
        150,
    )
    .await;
    run_to_end(command).await;

    run_to_end(sync_command(&handle, &config, &uninterrupted)).await;

    let killed = Store::open(&sqlite_url(&interrupted)).await.unwrap();
    let whole = Store::open(&sqlite_url(&uninterrupted)).await.unwrap();
    let (killed, whole) = (
        store_view::outcomes(&killed).await,
        store_view::outcomes(&whole).await,
    );
    assert!(whole.len() as u64 >= ORDERS * 4 / 5, "{}", whole.len());
    let differing: Vec<_> = whole
        .iter()
        .filter(|(name, outcome)| killed.get(*name) != Some(*outcome))
        .map(|(name, outcome)| (name, outcome, killed.get(name)))
        .collect();
    assert!(
        differing.is_empty() && killed.len() == whole.len(),
        "{} of {} orders differ ({} vs {} orders): {:#?}",
        differing.len(),
        whole.len(),
        killed.len(),
        whole.len(),
        &differing[..differing.len().min(10)]
    );
    let wrong = store_view::mismatches(&handle.ground_truth(), &whole);
    assert!(wrong.is_empty(), "{wrong:#?}");
    handle.shutdown().await.unwrap();
}
