//! `orderdeck rejects [--limit N] [--json]`: the inputs kept aside, newest
//! first — a malformed payload, a quarantined EDI file — each with the
//! reason, so nothing set aside goes unseen once the import or sync that
//! met it has scrolled away.

use std::fmt::Write;

use serde::Serialize;

use super::{emit, local_time, CommandError, Context};
use crate::store::RejectRow;
use crate::text::sanitize;

#[derive(Serialize)]
struct Shown<'a> {
    source: &'a str,
    /// The file or request it came from.
    origin: &'a str,
    order: Option<&'a str>,
    reason: &'a str,
    rejected_at: String,
    /// Size of the input as kept (its bytes are in the store, and a
    /// quarantined file is in its inbox's `quarantine/`).
    raw_bytes: usize,
}

pub async fn run(ctx: &Context, limit: u32, json: bool) -> Result<(), CommandError> {
    let rows = ctx.store.rejects(i64::from(limit)).await?;
    if json {
        let shown: Vec<Shown> = rows.iter().map(shown).collect();
        let text =
            serde_json::to_string_pretty(&shown).map_err(|e| CommandError::Other(e.to_string()))?;
        return emit(&format!("{text}\n"));
    }
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("nothing has been kept aside\n");
    }
    for row in &rows {
        let _ = writeln!(
            out,
            "{}  {:<12} {}{}\n  {}",
            local_time(row.rejected_at),
            sanitize(&row.source),
            sanitize(&row.origin),
            row.order_ref
                .as_deref()
                .map(|o| format!("  order {}", sanitize(o)))
                .unwrap_or_default(),
            sanitize(&row.reason)
        );
    }
    emit(&out)
}

fn shown(row: &RejectRow) -> Shown<'_> {
    Shown {
        source: &row.source,
        origin: &row.origin,
        order: row.order_ref.as_deref(),
        reason: &row.reason,
        rejected_at: row.rejected_at.to_rfc3339(),
        raw_bytes: row.raw.len(),
    }
}
