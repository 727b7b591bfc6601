use std::fmt::Write;

use serde::Serialize;

use super::{emit, human_duration, local_time, CommandError, Context};
use crate::domain::{Finding, Queue};
use crate::store::OrderRow;
use crate::text::sanitize;

const PAGE: i64 = 500;

/// One listed order in `queues --json`: `order`, `queue`, `findings` with
/// `code`/`verdict`/`reason` are the contract (DESIGN.md §4); the rest is extra.
#[derive(Debug, Serialize)]
pub struct ListedOrder<'a> {
    pub order: &'a str,
    pub queue: Queue,
    pub findings: &'a [Finding],
    pub storefront_id: Option<&'a str>,
    pub customer: Option<&'a str>,
    pub placed_at: Option<String>,
    pub ship_by: Option<String>,
}

impl<'a> ListedOrder<'a> {
    pub fn new(row: &'a OrderRow, findings: &'a [Finding]) -> Self {
        ListedOrder {
            order: &row.name,
            queue: row.queue,
            findings,
            storefront_id: row.storefront_id.as_deref(),
            customer: row.customer.as_deref(),
            placed_at: row.placed_at.map(|t| t.to_rfc3339()),
            ship_by: row.ship_by.map(|t| t.to_rfc3339()),
        }
    }
}

pub async fn run(ctx: &Context, json: bool) -> Result<(), CommandError> {
    ctx.refresh().await?;
    let counts = ctx.store.queue_counts().await?;
    let freshness = ctx.freshness().await?;
    if json {
        emit("[")?;
    }
    let mut first = true;
    for queue in Queue::LISTED {
        let count = counts.get(&queue).copied().unwrap_or(0);
        if !json {
            emit(&format!("{} ({count})\n", queue.as_str().to_uppercase()))?;
        }
        let mut after: Option<OrderRow> = None;
        loop {
            let page = ctx.store.queue_page(queue, after.as_ref(), PAGE).await?;
            if page.is_empty() {
                break;
            }
            let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
            let mut findings = ctx.store.findings_of(&ids).await?;
            let mut out = String::new();
            for row in &page {
                let mut row_findings = findings.remove(&row.id).unwrap_or_default();
                freshness.add_to(&mut row_findings, row.system_states.as_deref());
                if json {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    let value = serde_json::to_string(&ListedOrder::new(row, &row_findings))
                        .map_err(|e| CommandError::Other(e.to_string()))?;
                    out.push('\n');
                    out.push_str(&value);
                } else {
                    write_row(&mut out, ctx, row, &row_findings);
                }
            }
            emit(&out)?;
            after = page.last().cloned();
        }
    }
    if json {
        emit("\n]\n")?;
    } else {
        let ok = counts.get(&Queue::Ok).copied().unwrap_or(0);
        emit(&format!("ok: {ok} order(s) need nothing\n"))?;
    }
    Ok(())
}

fn write_row(out: &mut String, ctx: &Context, row: &OrderRow, findings: &[Finding]) {
    let deadline = match row.ship_by {
        Some(ship_by) if ship_by < ctx.now => {
            format!("{} late", human_duration(ctx.now - ship_by))
        }
        Some(ship_by) => format!("ship by {}", local_time(ship_by)),
        None => String::new(),
    };
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    let _ = writeln!(
        out,
        "  {:<10} {:<24} {:<28} {}",
        sanitize(&row.name),
        sanitize(row.customer.as_deref().unwrap_or("-")),
        deadline,
        codes.join(",")
    );
    if let Some(reason) = &row.top_reason {
        let _ = writeln!(out, "             {}", sanitize(reason));
    }
}
