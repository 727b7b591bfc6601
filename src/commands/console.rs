//! `orderdeck` with no command: the console, with the background workers
//! feeding it unless `--no-workers`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::{CommandError, Context};
use crate::actions::pipeline::Actor;
use crate::actions::{Identity as Operator, Permissions};
use crate::sync::connections::Connections;
use crate::sync::workers::{Clock, WorkerSettings, Workers};
use crate::tui::data::Acting;
use crate::tui::keymap::Keymap;
use crate::tui::state::Identity;
use crate::tui::{self, colors_wanted, ConsoleOptions};

pub struct ConsoleFlags {
    pub no_workers: bool,
    pub read_only: bool,
    /// How often the poller asks every backend for changes.
    pub poll_every: Duration,
}

/// Where the console logs: never the terminal it draws on.
pub fn log_dir() -> Option<PathBuf> {
    crate::paths::project_dirs().map(|d| d.data_dir().join("logs"))
}

/// The user's `keymap.toml` in the config dir, laid over the built-in one.
/// Read before the terminal is taken, so an error prints plainly.
pub fn load_keymap(read_only: bool) -> Result<Keymap, CommandError> {
    let user_file = crate::paths::project_dirs()
        .map(|d| d.config_dir().join("keymap.toml"))
        .filter(|path| path.is_file());
    let keymap =
        Keymap::load(user_file.as_deref()).map_err(|e| CommandError::Other(e.to_string()))?;
    Ok(if read_only {
        keymap.read_only()
    } else {
        keymap
    })
}

/// Sends this process's tracing to `orderdeck.log` in `dir`; the returned
/// guard flushes it when dropped.
pub fn log_to_file(
    dir: &Path,
) -> Result<tracing_appender::non_blocking::WorkerGuard, CommandError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CommandError::Other(format!("cannot create {}: {e}", dir.display())))?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(dir, "orderdeck.log"));
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORDERDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(guard)
}

pub fn require_terminal() -> Result<(), CommandError> {
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(CommandError::Other(
            "the console needs a terminal; for scripts use `orderdeck queues` or `orderdeck show`"
                .into(),
        ))
    }
}

/// The clock the console and its workers share: `--now` holds it still.
pub fn clock_of(ctx: &Context) -> Clock {
    match ctx.fixed_now {
        Some(now) => Arc::new(move || now),
        None => Arc::new(Utc::now),
    }
}

pub async fn run(ctx: &Context, flags: &ConsoleFlags) -> Result<(), CommandError> {
    let keymap = load_keymap(flags.read_only)?;
    require_terminal()?;
    let _log = match log_dir() {
        Some(dir) => Some(log_to_file(&dir)?),
        None => None,
    };
    ctx.refresh().await?;
    let clock = clock_of(ctx);
    let workers = (!flags.no_workers).then(|| {
        Workers::spawn(
            ctx.store.clone(),
            ctx.policy.clone(),
            Connections::from_config(&ctx.config),
            WorkerSettings {
                poll_every: flags.poll_every,
                ..WorkerSettings::default()
            },
            clock.clone(),
        )
    });
    let options = console_options(
        ctx,
        keymap,
        flags,
        clock,
        Connections::from_config(&ctx.config),
    )?;
    tui::run(ctx.store.clone(), workers, options).await?;
    Ok(())
}

/// `connections` are the actions' own: the workers hold theirs.
pub fn console_options(
    ctx: &Context,
    keymap: Keymap,
    flags: &ConsoleFlags,
    clock: Clock,
    connections: Connections,
) -> Result<ConsoleOptions, CommandError> {
    let operator = Operator::current()
        .map(|operator| operator.account)
        .map_err(CommandError::Other)?;
    let permissions = Permissions::new(&ctx.config.roles, &ctx.config.permissions);
    let roles = permissions.roles_of(&operator);
    let allowed = if flags.read_only {
        Vec::new()
    } else {
        permissions.allowed_actions(&operator)
    };
    Ok(ConsoleOptions {
        identity: Identity {
            shop: ctx.config.shop.name.clone(),
            allowed,
            reason_codes: ctx.config.reason_codes(),
            role: (!roles.is_empty()).then(|| roles.join(",")),
            operator,
            read_only: flags.read_only,
            live: !flags.no_workers,
        },
        keymap,
        zone: ctx.policy.sla.timezone,
        color: colors_wanted(),
        clock,
        summarizer: ctx.summarizer()?,
        tolerances: ctx.policy.tolerances,
        acting: if flags.read_only {
            None
        } else {
            Some(Acting {
                config: ctx.config.clone(),
                policy: ctx.policy.clone(),
                connections,
                actor: Actor::current()?,
            })
        },
    })
}
