//! `orderdeck sim`: the simulated backends alone, on loopback, until Ctrl-C
//! or SIGTERM. Prints where each backend is and the credentials' `export`
//! lines; with `--write-config`, writes an `orderdeck.toml` that points every
//! backend at the simulator, names those variables and keeps to the
//! simulator's rate limits (lifted ones with `--lift-limits`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};

use super::{emit, CommandError, GlobalOptions};
use crate::sim::{
    self, Backend, Limits, SimHandle, SimOptions, CREDENTIAL_ENV, DHL_API_KEY_ENV, VENDORS,
    VENDOR_API_KEY_ENV, WAREHOUSE_LOCATION_ID,
};

pub struct SimCommandOptions {
    pub port: Option<u16>,
    pub seed: u64,
    pub orders: u64,
    pub write_config: Option<PathBuf>,
    /// Rate limits no client reaches, for load tests.
    pub lift_limits: bool,
}

pub async fn run(global: &GlobalOptions, options: &SimCommandOptions) -> Result<(), CommandError> {
    // `--now` fixes the world's start, so a run can be repeated exactly.
    let start = global.now.unwrap_or_else(Utc::now);
    let mut sim_options = SimOptions::new(options.seed, options.orders, start);
    sim_options.port = options.port;
    if options.lift_limits {
        sim_options.limits = Limits::lifted();
    }
    let handle = sim::start(sim_options)
        .await
        .map_err(|e| CommandError::Other(e.to_string()))?;
    if let Some(path) = &options.write_config {
        write_config(path, &handle)?;
    }
    emit(&banner(&handle, options))?;
    wait_for_stop().await?;
    handle
        .shutdown()
        .await
        .map_err(|e| CommandError::Other(e.to_string()))?;
    emit("orderdeck sim: stopped\n")
}

fn exports() -> impl Iterator<Item = (&'static str, &'static str)> {
    CREDENTIAL_ENV
        .into_iter()
        .chain([DHL_API_KEY_ENV, VENDOR_API_KEY_ENV])
}

fn banner(handle: &SimHandle, options: &SimCommandOptions) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "orderdeck sim: listening on {} (seed {}, {} orders, clock from {}{})",
        handle.base_url(),
        options.seed,
        options.orders,
        handle.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        if options.lift_limits {
            ", rate limits lifted"
        } else {
            ""
        }
    );
    for (backend, what) in [
        (Backend::Shopify, "storefront  Shopify REST Admin API"),
        (Backend::ShipStation, "warehouse   ShipStation API V1"),
        (Backend::Fedex, "carrier     FedEx Track API"),
        (Backend::Ups, "carrier     UPS Track API"),
        (Backend::Usps, "carrier     USPS Tracking v3"),
        (Backend::Dhl, "carrier     DHL Shipment Tracking - Unified"),
    ] {
        let _ = writeln!(text, "  {what:<45} {}", handle.url(backend));
    }
    for vendor in VENDORS {
        let what = format!("vendor      drop-ship vendor API ({vendor})");
        let _ = writeln!(text, "  {what:<45} {}", handle.vendor_url(vendor));
    }
    let _ = writeln!(
        text,
        "Credentials the simulator accepts; set them where orderdeck runs:"
    );
    for (name, value) in exports() {
        let _ = writeln!(text, "export {name}={value}");
    }
    if let Some(path) = &options.write_config {
        let _ = writeln!(
            text,
            "Config written to {}; try: orderdeck --config {} sync --once",
            path.display(),
            path.display()
        );
    }
    let _ = writeln!(text, "Ctrl-C stops the simulator.");
    text
}

/// The config a user file would hold to use the simulator: every backend's
/// `base_url`, the names of the variables holding its credentials and the
/// rate limits the simulator enforces; all other keys keep their documented
/// defaults, which the ground truth assumes.
pub fn config_text(handle: &SimHandle) -> String {
    config_with_drop_ship_at(handle, "acme")
}

/// As [`config_text`], with `acme-home` served by the simulated vendor
/// `sim_vendor` (see `sim::server::vendors`).
pub fn config_with_drop_ship_at(handle: &SimHandle, sim_vendor: &str) -> String {
    let limits = handle.limits();
    let mut text = String::from(
        "# Written by `orderdeck sim --write-config`: every backend points at the\n\
         # simulator; the credentials are read from the variables named below\n\
         # (`orderdeck sim` prints their `export` lines).\n",
    );
    let _ = write!(
        text,
        "\n[storefront]\nkind = \"shopify\"\nbase_url = \"{}\"\ntoken_env = \"{}\"\n\
         requests_per_minute = {}\nburst = {}\n",
        handle.url(Backend::Shopify),
        CREDENTIAL_ENV[0].0,
        limits.shopify_per_minute(),
        limits.shopify_bucket.max(1)
    );
    let _ = write!(
        text,
        "\n[warehouse]\nkind = \"shipstation\"\nbase_url = \"{}\"\nkey_env = \"{}\"\nsecret_env = \"{}\"\n\
         requests_per_minute = {}\n",
        handle.url(Backend::ShipStation),
        CREDENTIAL_ENV[1].0,
        CREDENTIAL_ENV[2].0,
        limits.shipstation_per_minute.max(1)
    );
    for (backend, key, pair) in [
        (Backend::Fedex, "fedex", 3),
        (Backend::Ups, "ups", 5),
        (Backend::Usps, "usps", 7),
    ] {
        let _ = write!(
            text,
            "\n[carriers.{key}]\nbase_url = \"{}\"\nclient_id_env = \"{}\"\nclient_secret_env = \"{}\"\n",
            handle.url(backend),
            CREDENTIAL_ENV[pair].0,
            CREDENTIAL_ENV[pair + 1].0
        );
    }
    let _ = write!(
        text,
        "\n[carriers.dhl]\nbase_url = \"{}\"\napi_key_env = \"{}\"\n",
        handle.url(Backend::Dhl),
        DHL_API_KEY_ENV.0
    );
    text.push_str(&vendors_text(handle, sim_vendor));
    text
}

/// The simulated drop-ship vendors: `acme-home` (the storefront's own
/// drop-ship vendor) at the simulated `drop_ship_at` (`acme` acknowledges
/// within its SLA), and `northwind-supply`, an alternate with ATP for the
/// same SKUs; and the simulated warehouse, `secaucus`, with a few rugs.
/// The simulated vendors enforce no allowance, so none is kept to. Their
/// other keys keep the defaults the ground truth assumes.
fn vendors_text(handle: &SimHandle, drop_ship_at: &str) -> String {
    let mut text = String::new();
    for (id, sim_vendor, priority, sofa, rug) in [
        ("acme-home", drop_ship_at, 10, 610.0, 240.0),
        ("northwind-supply", "northwind", 20, 655.0, 251.5),
    ] {
        let _ = write!(
            text,
            "\n[[vendors]]\nid = \"{id}\"\nthird_party = true\nship_within_business_days = 7\n\
             confirm_within = \"4h\"\napi_base_url = \"{}\"\napi_key_env = \"{}\"\n\
             api_requests_per_minute = 60000\npriority = {priority}\n\
             landed_cost = {{ \"SOFA-3S-GRY\" = {sofa:.2}, \"RUG-160\" = {rug:.2} }}\n",
            handle.vendor_url(sim_vendor),
            VENDOR_API_KEY_ENV.0,
        );
    }
    // The simulated warehouse keeps a few rugs: the last resort of a rug
    // reroute, after the vendors.
    let _ = write!(
        text,
        "\n[[warehouses]]\nid = \"secaucus\"\nlocation_id = \"{WAREHOUSE_LOCATION_ID}\"\n\
         priority = 30\nship_within_business_days = 2\n\
         landed_cost = {{ \"RUG-160\" = 262.00 }}\n"
    );
    text
}

/// Written beside the target and renamed over it, so a failed write never
/// leaves half a config behind.
fn write_config(path: &Path, handle: &SimHandle) -> Result<(), CommandError> {
    let failed = |e: std::io::Error| {
        CommandError::Other(format!("cannot write config {}: {e}", path.display()))
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, config_text(handle)).map_err(failed)?;
    std::fs::rename(&partial, path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        failed(e)
    })
}

#[cfg(unix)]
async fn wait_for_stop() -> Result<(), CommandError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_stop() -> Result<(), CommandError> {
    Ok(tokio::signal::ctrl_c().await?)
}
