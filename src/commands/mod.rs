//! The headless commands behind `main.rs` (DESIGN.md §4). Each writes its
//! result to stdout; errors travel up as `CommandError` and `main` prints
//! them as one line.

pub mod act;
pub mod audit;
pub mod console;
pub mod demo;
pub mod health;
pub mod import;
pub mod queues;
pub mod rejects;
pub mod report;
pub mod show;
pub mod sim;
pub mod summarize;
pub mod sync;

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Local, Utc};

use crate::config::{Config, ConfigError};
use crate::engine::{Freshness, Policy};
use crate::store::{Store, StoreError};
use crate::summary::Summarizer;
use crate::sync::reconcile;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Action(#[from] crate::actions::ActionError),
    #[error("unknown order {0:?}: no storefront, warehouse or vendor record has that name or id")]
    UnknownOrder(String),
    #[error("{0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    VendorEdi(#[from] crate::sync::vendor_edi::VendorEdiError),
    #[error("{0}")]
    Other(String),
}

/// What every command is given: `--config`, `--db`, `--now`.
#[derive(Debug, Clone, Default)]
pub struct GlobalOptions {
    pub config: Option<PathBuf>,
    pub db: Option<String>,
    pub now: Option<DateTime<Utc>>,
}

/// The opened config, policy, store and clock a command runs with.
pub struct Context {
    pub config: Config,
    pub policy: Policy,
    pub store: Store,
    pub now: DateTime<Utc>,
    /// `--now`, when given: long-running commands keep this clock still.
    pub fixed_now: Option<DateTime<Utc>>,
}

impl Context {
    pub async fn open(options: &GlobalOptions) -> Result<Context, CommandError> {
        let config = load_config(options)?;
        let policy = config.policy()?;
        let url = match &options.db {
            Some(url) => url.clone(),
            None => Store::default_url()?,
        };
        let store = Store::open(&url).await?;
        Ok(Context {
            config,
            policy,
            store,
            now: options.now.unwrap_or_else(Utc::now),
            fixed_now: options.now,
        })
    }

    /// The order summary's writer, as `[ai]` says.
    pub fn summarizer(&self) -> Result<Summarizer, CommandError> {
        Ok(Summarizer::new(
            &self.config.ai()?,
            self.policy.sla.timezone,
        ))
    }

    /// How fresh each source is as of `now`, to add `STALE_DATA` to the
    /// listed orders read.
    pub async fn freshness(&self) -> Result<Freshness, CommandError> {
        let sources = self.store.source_freshness().await?;
        Ok(Freshness::judge(
            &sources,
            &self.policy.tolerances,
            self.now,
        ))
    }

    /// Every command that reads queues first brings the orders whose moment
    /// has come up to date as of `now` (DESIGN.md §3).
    pub async fn refresh(&self) -> Result<usize, CommandError> {
        Ok(reconcile::reevaluate_due(&self.store, &self.policy, self.now).await?)
    }
}

/// `--config FILE`, else `orderdeck.toml` in the user config dir, else the
/// built-in defaults.
pub fn load_config(options: &GlobalOptions) -> Result<Config, ConfigError> {
    if let Some(path) = &options.config {
        return Config::load(path);
    }
    let user_file = crate::paths::project_dirs().map(|d| d.config_dir().join("orderdeck.toml"));
    match user_file {
        Some(path) if path.is_file() => Config::load(&path),
        _ => Config::builtin(),
    }
}

/// Times are stored in UTC and shown in the operator's zone.
pub fn local_time(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    if local.offset().local_minus_utc() == 0 {
        format!("{} UTC", local.format("%Y-%m-%d %H:%M"))
    } else {
        local.format("%Y-%m-%d %H:%M %:z").to_string()
    }
}

/// "2d 3h", "45m": how far apart two moments are, for a person.
pub fn human_duration(delta: chrono::TimeDelta) -> String {
    let minutes = delta.num_minutes().abs();
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}m"),
        (0, _) => format!("{hours}h {mins}m"),
        _ => format!("{days}d {hours}h"),
    }
}

/// Writes to stdout, treating a closed pipe (`| head`) as a normal end.
pub fn emit(text: &str) -> Result<(), CommandError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
