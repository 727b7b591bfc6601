use std::fmt::Write;
use std::sync::Arc;

use chrono::Utc;
use tokio::signal::unix::{signal, SignalKind};

use super::{emit, CommandError, Context};
use crate::sync::connections::Connections;
use crate::sync::poll::{sync_once, SyncReport};
use crate::sync::workers::{Clock, WorkerEvent, WorkerSettings, Workers};

/// `orderdeck sync --once`: one incremental pass over every backend, then
/// reconcile. Listing failures are printed on stderr; the report decides the
/// exit status.
pub async fn once(ctx: &Context) -> Result<SyncReport, CommandError> {
    let connections = Connections::from_config(&ctx.config);
    let report = sync_once(&ctx.store, &ctx.policy, &connections, ctx.now).await?;
    let mut out = String::new();
    for listing in &report.listings {
        let _ = writeln!(
            out,
            "{:<30} {:>4} page(s) {:>7} document(s){}",
            listing.listing,
            listing.pages,
            listing.documents,
            if listing.rejected.is_empty() {
                String::new()
            } else {
                format!(", {} kept aside", listing.rejected.len())
            }
        );
        for reason in &listing.rejected {
            eprintln!("orderdeck: kept aside from {}: {reason}", listing.listing);
        }
        if let Some(error) = &listing.error {
            eprintln!("orderdeck: {} failed: {error}", listing.listing);
        }
    }
    let _ = writeln!(
        out,
        "{} order(s) re-evaluated for the passage of time",
        report.evaluated
    );
    emit(&out)?;
    Ok(report)
}

/// `orderdeck sync`: the background workers in the foreground, one line per
/// event, until Ctrl-C or SIGTERM.
pub async fn run(ctx: &Context) -> Result<(), CommandError> {
    let connections = Connections::from_config(&ctx.config);
    let clock: Clock = match ctx.fixed_now {
        Some(now) => Arc::new(move || now),
        None => Arc::new(Utc::now),
    };
    let (workers, mut events) = Workers::spawn(
        ctx.store.clone(),
        ctx.policy.clone(),
        connections,
        WorkerSettings::default(),
        clock,
    );
    let mut terminate = signal(SignalKind::terminate())
        .map_err(|e| CommandError::Other(format!("cannot watch for SIGTERM: {e}")))?;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => emit(&describe(&event))?,
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    workers.shutdown().await;
    Ok(())
}

fn describe(event: &WorkerEvent) -> String {
    match event {
        WorkerEvent::SyncFinished { at, listings } => {
            let documents: usize = listings.iter().map(|l| l.documents).sum();
            let failed: Vec<String> = listings
                .iter()
                .filter_map(|l| l.error.as_ref().map(|e| format!("{}: {e}", l.listing)))
                .collect();
            let mut line = format!("{} sync pass: {documents} document(s)", at.to_rfc3339());
            for failure in failed {
                line.push_str(&format!("\n  failed {failure}"));
            }
            line + "\n"
        }
        WorkerEvent::ResyncFinished { order_id, listings } => format!(
            "resync of order {order_id}: {}\n",
            listings
                .iter()
                .map(|l| match &l.error {
                    Some(e) => format!("{} failed ({e})", l.listing),
                    None => format!("{} {} document(s)", l.listing, l.documents),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        WorkerEvent::Reevaluated { at, orders } => {
            format!(
                "{} {orders} order(s) moved by time alone\n",
                at.to_rfc3339()
            )
        }
        WorkerEvent::Failed { what, error } => format!("{what} failed: {error}\n"),
    }
}
