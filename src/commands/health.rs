//! `orderdeck health [--json]`: each source's freshness and last error, as
//! the sync passes recorded them.

use std::fmt::Write;

use serde::Serialize;

use super::{emit, human_duration, local_time, CommandError, Context};
use crate::engine::StaleSource;
use crate::store::SourceHealth;
use crate::text::sanitize;

#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    health: &'a SourceHealth,
    /// Seconds since the last success, as of `--now` or the clock.
    lag_seconds: Option<i64>,
    /// Why the listing's data may be out of date (`[tolerances] stale_data`);
    /// null while it is fresh.
    stale: Option<String>,
}

pub async fn run(ctx: &Context, json: bool) -> Result<(), CommandError> {
    let health = ctx.store.source_health().await?;
    let freshness = ctx.freshness().await?;
    // A system that stopped updating makes each of its listings stale.
    let stale_listing = |listing: &str| {
        let reasons: Vec<String> = freshness
            .stale()
            .iter()
            .filter(|s| {
                s.listing == listing
                    || listing
                        .strip_prefix(s.listing.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .map(StaleSource::describe)
            .collect();
        (!reasons.is_empty()).then(|| reasons.join("; "))
    };
    if json {
        let shown: Vec<Shown> = health
            .iter()
            .map(|h| Shown {
                health: h,
                lag_seconds: h.last_success.map(|at| (ctx.now - at).num_seconds()),
                stale: stale_listing(&h.listing),
            })
            .collect();
        let text =
            serde_json::to_string_pretty(&shown).map_err(|e| CommandError::Other(e.to_string()))?;
        return emit(&format!("{text}\n"));
    }
    let mut out = String::new();
    if health.is_empty() {
        out.push_str("no sync pass has run against this database yet\n");
    }
    for source in &health {
        let fresh = match source.last_success {
            Some(at) => format!(
                "ok {} ago ({}), {} document(s)",
                human_duration(ctx.now - at),
                local_time(at),
                source.documents
            ),
            None => "never succeeded".to_string(),
        };
        let _ = writeln!(out, "{:<32} {fresh}", source.listing);
        if let Some(stale) = stale_listing(&source.listing) {
            let _ = writeln!(out, "{:<32} STALE: {stale}", "");
        }
        if let (Some(error), Some(at)) = (&source.last_error, source.last_error_at) {
            let _ = writeln!(
                out,
                "{:<32} last error {}: {}",
                "",
                local_time(at),
                sanitize(error)
            );
        }
    }
    emit(&out)
}
