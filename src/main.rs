use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{ArgGroup, Parser, Subcommand, ValueEnum};

use orderdeck::commands::{
    self, demo::DemoOptions, report::ReportFormat, CommandError, Context, GlobalOptions,
};
use orderdeck::connectors::Source;

/// Exit status when some of the work failed (input kept aside, summaries
/// not written) but the rest was done.
const EXIT_PARTIAL: u8 = 3;
/// Exit status when an action's outcome is unknown (run it again to
/// reconcile).
const EXIT_UNKNOWN: u8 = 4;

#[derive(Parser)]
#[command(
    name = "orderdeck",
    version,
    about = "Reconciles storefront, warehouse and carrier data into explained queues"
)]
struct Cli {
    /// Config file (default: orderdeck.toml in the user config dir, else the built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH (default: in the user data dir) or postgres://USER@HOST/DB.
    #[arg(long, global = true, value_name = "URL")]
    db: Option<String>,
    /// Evaluate as of this moment (RFC 3339), for tests and replays.
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// Refuse every action that would change a backend, and hide it from the console.
    #[arg(long, global = true)]
    read_only: bool,
    /// The console only: show the store as it is, with no background sync.
    #[arg(long)]
    no_workers: bool,
    /// The console only: how often the workers poll every backend.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    poll_every: std::time::Duration,
    /// Without a command: the console.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The simulator on loopback, a fresh demo database, live workers and
    /// the console (without a terminal: one sync, then the queues).
    Demo {
        /// How many orders the synthetic shop has.
        #[arg(long, default_value_t = 200)]
        orders: u64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Where the demo keeps its payloads and database (default: the data dir).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Simulated seconds per real second while the console runs: at 300,
        /// a new order every few seconds and a hand-off tolerance in a minute.
        #[arg(long, default_value_t = 300.0)]
        speed: f64,
    },
    /// The simulated backends alone (Shopify, ShipStation, FedEx, UPS, USPS,
    /// DHL) on loopback, until Ctrl-C or SIGTERM.
    Sim {
        /// Port on 127.0.0.1 (default: any free port).
        #[arg(long)]
        port: Option<u16>,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// How many orders the simulated shop has.
        #[arg(long, default_value_t = 200)]
        orders: u64,
        /// Write an orderdeck.toml pointing every backend at the simulator.
        #[arg(long, value_name = "FILE")]
        write_config: Option<PathBuf>,
        /// Lift the simulated rate limits (load tests); the written config
        /// lifts orderdeck's own to match.
        #[arg(long)]
        lift_limits: bool,
    },
    /// Sync every configured backend and reconcile: once, or continuously.
    Sync {
        /// One incremental pass, then exit (without it: keep syncing until Ctrl-C).
        #[arg(long)]
        once: bool,
    },
    /// Load saved payloads (API responses, webhook bodies) exactly as a sync would.
    Import {
        #[arg(long, value_enum)]
        source: SourceArg,
        /// Files or directories of files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// The current queues: overdue, informational, blocked.
    Queues {
        #[arg(long)]
        json: bool,
    },
    /// Each source's freshness and last error, as the sync passes left them.
    Health {
        #[arg(long)]
        json: bool,
    },
    /// Inputs kept aside (malformed payloads, quarantined EDI files), newest
    /// first, each with its reason.
    Rejects {
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// One order: findings, cross-system timeline, sources.
    Show {
        /// Order name (with or without #) or storefront id.
        order: String,
        #[arg(long)]
        json: bool,
    },
    /// Asks the model about orders ahead of time, so the console and `show`
    /// answer from the summary cache; rate-limited as `[ai]` says.
    #[command(group(ArgGroup::new("which").required(true).args(["orders", "all_listed"])))]
    Summarize {
        /// Every order in the overdue, informational and blocked queues.
        #[arg(long)]
        all_listed: bool,
        /// Order names (with or without #) or storefront ids.
        #[arg(value_name = "ORDER")]
        orders: Vec<String>,
    },
    /// Reports.
    Report {
        #[command(subcommand)]
        report: ReportKind,
    },
    /// Runs one action on an order: preflight, preview, role, confirmation,
    /// audit. Without --yes it only previews.
    Act {
        /// Order name (with or without #) or storefront id.
        order: String,
        /// replace, push-fulfilment, cancel-at-warehouse, hold, release,
        /// note, resolve, resync, reroute-approve, reroute-reject.
        action: String,
        /// Only show the preflight and the exact requests (as without --yes).
        #[arg(long)]
        dry_run: bool,
        /// Why (required to run): CUSTOMER_REQUEST, DAMAGED_IN_TRANSIT,
        /// LOST_IN_TRANSIT, WRONG_ITEM, ADDRESS_PROBLEM, VENDOR_FAILURE,
        /// DATA_FIX, OTHER, or one the config adds.
        #[arg(long, value_name = "CODE")]
        reason: Option<String>,
        /// A note for the audit log (for `note`: the note itself).
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Confirms: run it.
        #[arg(long)]
        yes: bool,
        /// `hold`: until this day (default: [actions] hold_days from today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<chrono::NaiveDate>,
        /// `reroute-approve`: which alternate of the proposal to take (0,
        /// the default, is the best ranked; `show` lists them).
        #[arg(long, value_name = "N")]
        alternate: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        audit: AuditKind,
    },
}

#[derive(Subcommand)]
enum AuditKind {
    /// Checks the hash chain; names the first entry that does not hold.
    Verify,
}

#[derive(Subcommand)]
enum ReportKind {
    /// Orders owing goods past their ship-by deadline.
    Breaches {
        #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
        format: FormatArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SourceArg {
    Storefront,
    Warehouse,
    Carrier,
    /// X12 846/855/856 files from a drop-ship vendor.
    Vendor,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Json,
}

fn parse_duration(value: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(value)
        .map_err(|e| format!("{value:?} is not a duration such as 30s or 2m ({e})"))
}

fn parse_now(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("{value:?} is not an RFC 3339 time such as 2026-11-23T09:00:00Z ({e})")
        })
}

fn main() -> ExitCode {
    let _ = color_eyre::install();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("orderdeck: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("orderdeck: {}", one_line(&e));
            match e {
                CommandError::Action(orderdeck::actions::ActionError::Unknown { .. }) => {
                    ExitCode::from(EXIT_UNKNOWN)
                }
                _ => ExitCode::FAILURE,
            }
        }
    }
}

/// The error and its causes on one line.
fn one_line(error: &CommandError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace('\n', " ")
}

async fn run(cli: Cli) -> Result<ExitCode, CommandError> {
    let global = GlobalOptions {
        config: cli.config,
        db: cli.db,
        now: cli.now,
    };
    let read_only = cli.read_only;
    let Some(command) = cli.command else {
        let ctx = Context::open(&global).await?;
        let flags = commands::console::ConsoleFlags {
            no_workers: cli.no_workers,
            read_only: cli.read_only,
            poll_every: cli.poll_every,
        };
        let result = commands::console::run(&ctx, &flags).await;
        ctx.store.close().await;
        result?;
        return Ok(ExitCode::SUCCESS);
    };
    if let Command::Demo {
        orders,
        seed,
        dir,
        speed,
    } = command
    {
        let options = DemoOptions {
            orders,
            seed,
            dir,
            speed,
            read_only: cli.read_only,
        };
        commands::demo::run(&global, &options).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Sim {
        port,
        seed,
        orders,
        write_config,
        lift_limits,
    } = command
    {
        let options = commands::sim::SimCommandOptions {
            port,
            seed,
            orders,
            write_config,
            lift_limits,
        };
        commands::sim::run(&global, &options).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let ctx = Context::open(&global).await?;
    let code = match command {
        Command::Demo { .. } | Command::Sim { .. } => ExitCode::SUCCESS,
        Command::Import { source, files } => {
            let source = match source {
                SourceArg::Storefront => Source::Storefront,
                SourceArg::Warehouse => Source::Warehouse,
                SourceArg::Carrier => Source::Carrier,
                SourceArg::Vendor => {
                    return Ok(partial_unless(
                        commands::import::run_vendor(&ctx, &files).await?,
                    ))
                }
            };
            let report = commands::import::run(&ctx, source, &files).await?;
            if report.clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_PARTIAL)
            }
        }
        Command::Sync { once: false } => {
            commands::sync::run(&ctx).await?;
            ExitCode::SUCCESS
        }
        Command::Sync { once: true } => {
            let report = commands::sync::once(&ctx).await?;
            if report.listings.iter().any(|l| l.error.is_some()) {
                ExitCode::FAILURE
            } else if report.clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_PARTIAL)
            }
        }
        Command::Queues { json } => {
            commands::queues::run(&ctx, json).await?;
            ExitCode::SUCCESS
        }
        Command::Health { json } => {
            commands::health::run(&ctx, json).await?;
            ExitCode::SUCCESS
        }
        Command::Rejects { limit, json } => {
            commands::rejects::run(&ctx, limit, json).await?;
            ExitCode::SUCCESS
        }
        Command::Show { order, json } => {
            commands::show::run(&ctx, &order, json).await?;
            ExitCode::SUCCESS
        }
        Command::Summarize { all_listed, orders } => {
            let which = if all_listed {
                commands::summarize::Which::AllListed
            } else {
                commands::summarize::Which::Orders(orders)
            };
            if commands::summarize::run(&ctx, &which).await?.clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_PARTIAL)
            }
        }
        Command::Report {
            report: ReportKind::Breaches { format },
        } => {
            let format = match format {
                FormatArg::Csv => ReportFormat::Csv,
                FormatArg::Json => ReportFormat::Json,
            };
            commands::report::breaches(&ctx, format).await?;
            ExitCode::SUCCESS
        }
        Command::Act {
            order,
            action,
            dry_run,
            reason,
            note,
            yes,
            until,
            alternate,
            json,
        } => {
            let options = commands::act::ActOptions {
                order,
                action,
                dry_run,
                reason,
                note,
                yes,
                until,
                alternate,
                json,
                read_only,
            };
            commands::act::run(&ctx, &options).await?;
            ExitCode::SUCCESS
        }
        Command::Audit {
            audit: AuditKind::Verify,
        } => {
            if commands::audit::verify(&ctx).await? {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    };
    ctx.store.close().await;
    Ok(code)
}

/// Anything kept aside makes a run partial (exit 3), as for every import.
fn partial_unless(clean: bool) -> ExitCode {
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PARTIAL)
    }
}
