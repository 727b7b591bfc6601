use std::fmt::Write;

use super::{emit, CommandError, Context};
use crate::sync::connections::Connections;
use crate::sync::poll::{sync_once, SyncReport};

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
