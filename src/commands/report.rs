use serde::Serialize;

use super::{emit, CommandError, Context};
use crate::store::BreachRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Json,
}

#[derive(Debug, Serialize)]
struct BreachRecord<'a> {
    order: &'a str,
    storefront_id: Option<&'a str>,
    customer: Option<&'a str>,
    queue: &'a str,
    placed_at: Option<String>,
    ship_by: Option<String>,
    hours_late: Option<f64>,
    reason: &'a str,
}

fn record<'a>(row: &'a BreachRow, ctx: &Context) -> BreachRecord<'a> {
    BreachRecord {
        order: &row.order.name,
        storefront_id: row.order.storefront_id.as_deref(),
        customer: row.order.customer.as_deref(),
        queue: row.order.queue.as_str(),
        placed_at: row.order.placed_at.map(|t| t.to_rfc3339()),
        ship_by: row.order.ship_by.map(|t| t.to_rfc3339()),
        hours_late: row
            .order
            .ship_by
            .map(|t| ((ctx.now - t).num_minutes() as f64 / 60.0 * 10.0).round() / 10.0),
        reason: &row.reason,
    }
}

/// Only orders that genuinely owe goods past the right deadline: the report
/// lists `SLA_BREACH` findings, which the engine never gives a cancelled,
/// refunded, held or not-yet-due order.
pub async fn breaches(ctx: &Context, format: ReportFormat) -> Result<(), CommandError> {
    ctx.refresh().await?;
    let rows = ctx.store.breaches().await?;
    let records: Vec<BreachRecord> = rows.iter().map(|r| record(r, ctx)).collect();
    match format {
        ReportFormat::Json => {
            let text = serde_json::to_string_pretty(&records)
                .map_err(|e| CommandError::Other(e.to_string()))?;
            emit(&format!("{text}\n"))
        }
        ReportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for record in &records {
                writer
                    .serialize(record)
                    .map_err(|e| CommandError::Other(format!("writing CSV: {e}")))?;
            }
            if records.is_empty() {
                writer
                    .write_record([
                        "order",
                        "storefront_id",
                        "customer",
                        "queue",
                        "placed_at",
                        "ship_by",
                        "hours_late",
                        "reason",
                    ])
                    .map_err(|e| CommandError::Other(format!("writing CSV: {e}")))?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| CommandError::Other(format!("writing CSV: {e}")))?;
            emit(&String::from_utf8_lossy(&bytes))
        }
    }
}
