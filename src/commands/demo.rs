//! `orderdeck demo`: the simulator on loopback, a fresh demo database, the
//! workers syncing through the real HTTP connectors, and the console, so new
//! orders and state changes arrive while you watch. Without a terminal (a
//! script, a pipe) it syncs once and prints the queues instead.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use super::console::{console_options, load_keymap, log_to_file, ConsoleFlags};
use super::{emit, queues, CommandError, Context, GlobalOptions};
use crate::actions::Identity;
use crate::commands::sim::config_with_drop_ship_at;
use crate::config::Config;
use crate::sim::{self, Limits, SimOptions};
use crate::store::{sqlite_url, Store};
use crate::sync::connections::Connections;
use crate::sync::poll::sync_once;
use crate::sync::workers::{WorkerSettings, Workers};
use crate::tui;

/// How often the demo's poller asks the simulator for changes: short, so
/// the world's changes show within seconds.
const DEMO_POLL: Duration = Duration::from_secs(5);

pub struct DemoOptions {
    pub orders: u64,
    pub seed: u64,
    pub dir: Option<PathBuf>,
    /// Simulated seconds per real second.
    pub speed: f64,
    pub read_only: bool,
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

    let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let keymap = load_keymap(options.read_only)?;
    let start = global.now.unwrap_or_else(chrono::Utc::now);
    let mut sim_options = SimOptions::new(options.seed, options.orders, start);
    if interactive {
        sim_options.speed = options.speed;
        // The console should fill in seconds, not after the minutes a
        // real shop's allowance takes over a fresh backlog.
        sim_options.limits = Limits::lifted();
    }
    let handle = sim::start(sim_options)
        .await
        .map_err(|e| CommandError::Other(e.to_string()))?;
    // The demo's shop is simulated: whoever runs it may try every action.
    let account = Identity::current().map_err(CommandError::Other)?.account;
    let roles = format!("\n[roles]\nadmin = [{account:?}]\nviewer = [\"*\"]\n");
    // The demo's drop-ship vendor has run out of rugs, so reroutes wait in
    // the blocked queue to be approved from the console.
    let config = Config::from_str_over_defaults(
        "simulator",
        &format!("{}{roles}", config_with_drop_ship_at(&handle, "lowstock")),
    )?;
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
    if interactive {
        let _log = log_to_file(&dir)?;
        let clock = handle.clock();
        let connections = Connections::with_secrets(&ctx.config, &sim::credential);
        let workers = Workers::spawn(
            ctx.store.clone(),
            ctx.policy.clone(),
            connections,
            WorkerSettings {
                poll_every: DEMO_POLL,
                ..WorkerSettings::default()
            },
            clock.clone(),
        );
        let flags = ConsoleFlags {
            no_workers: false,
            read_only: options.read_only,
            poll_every: DEMO_POLL,
        };
        let console = console_options(
            &ctx,
            keymap,
            &flags,
            clock,
            Connections::with_secrets(&ctx.config, &sim::credential),
        )?;
        tui::run(ctx.store.clone(), Some(workers), console).await?;
        ctx.store.close().await;
        return handle
            .shutdown()
            .await
            .map_err(|e| CommandError::Other(e.to_string()));
    }
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
