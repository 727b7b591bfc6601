//! `orderdeck demo`: the simulator on loopback, a fresh demo database, one
//! sync through the real HTTP connectors, then the queues. (The console joins
//! it when it lands.)

use std::path::PathBuf;

use super::{emit, queues, CommandError, Context, GlobalOptions};
use crate::commands::sim::config_text;
use crate::config::Config;
use crate::sim::{self, SimOptions};
use crate::store::{sqlite_url, Store};
use crate::sync::connections::Connections;
use crate::sync::poll::sync_once;

pub struct DemoOptions {
    pub orders: u64,
    pub seed: u64,
    pub dir: Option<PathBuf>,
}

pub async fn run(global: &GlobalOptions, options: &DemoOptions) -> Result<(), CommandError> {
    let dir = match &options.dir {
        Some(dir) => dir.clone(),
        None => crate::paths::project_dirs()
            .map(|d| d.data_dir().join("demo"))
            .ok_or_else(|| {
                CommandError::Other("no data directory for this user; pass --dir".into())
            })?,
    };
    // Fresh every time: the demo shows what the simulator holds now, not
    // what an earlier run left.
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| CommandError::Other(format!("cannot clear {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| CommandError::Other(format!("cannot create {}: {e}", dir.display())))?;

    let start = global.now.unwrap_or_else(chrono::Utc::now);
    let handle = sim::start(SimOptions::new(options.seed, options.orders, start))
        .await
        .map_err(|e| CommandError::Other(e.to_string()))?;
    let config = Config::from_str_over_defaults("simulator", &config_text(&handle))?;
    let url = global
        .db
        .clone()
        .unwrap_or_else(|| sqlite_url(&dir.join("demo.sqlite")));
    let ctx = Context {
        policy: config.policy()?,
        store: Store::open(&url).await?,
        now: handle.now(),
        fixed_now: global.now,
        config,
    };
    emit(&format!(
        "Simulator on {} ({} orders, seed {}); syncing through the real connectors…\n\n",
        handle.base_url(),
        options.orders,
        options.seed
    ))?;
    let connections = Connections::with_secrets(&ctx.config, &sim::credential);
    let report = sync_once(&ctx.store, &ctx.policy, &connections, ctx.now).await?;
    for listing in report.listings.iter().filter(|l| l.error.is_some()) {
        eprintln!(
            "orderdeck: {} failed: {}",
            listing.listing,
            listing.error.as_deref().unwrap_or_default()
        );
    }
    queues::run(&ctx, false).await?;
    emit(&format!(
        "\nDemo database: {url}\nTry: orderdeck --db {url} show <ORDER>\n\
         For a simulator that keeps running: orderdeck sim --write-config orderdeck.toml\n"
    ))?;
    ctx.store.close().await;
    handle
        .shutdown()
        .await
        .map_err(|e| CommandError::Other(e.to_string()))
}
