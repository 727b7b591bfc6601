use std::fmt::Write;

use serde::Serialize;

use super::{emit, local_time, CommandError, Context};
use crate::domain::{
    normalize_order_name, Finding, PurchaseOrder, Queue, RerouteProposal, Reservation, Verdict,
};
use crate::engine::reservation;
use crate::engine::{reservation_lines, timeline, vendor_steps, TimelineEvent};
use crate::store::OrderDetail;
use crate::summary::{Author, SummaryOutcome};
use crate::text::{also_named_line, sanitize};

#[derive(Debug, Serialize)]
struct ShownOrder<'a> {
    order: &'a str,
    queue: Queue,
    findings: &'a [Finding],
    storefront_id: Option<&'a str>,
    customer: Option<&'a str>,
    placed_at: Option<String>,
    ship_by: Option<String>,
    evaluated_at: Option<String>,
    summary: &'a SummaryOutcome,
    timeline: Vec<TimelineEvent>,
    sources: Vec<ShownSource<'a>>,
    /// Drop-ship POs as the vendors' answers left them.
    purchase_orders: Vec<&'a PurchaseOrder>,
    /// Reroute proposals with their alternates (cost, ATP, promise) and
    /// each step's result.
    reroutes: Vec<&'a RerouteProposal>,
    /// Units held against drop-ship vendors' ATP (soft until the vendor
    /// acknowledges, then firm).
    reservations: &'a [Reservation],
    /// The sensitive category of its drop-shipped goods: no promise and no
    /// automatic reroute before the vendor acknowledges.
    sensitive_category: Option<&'a str>,
    /// The other orders under the same name, by the reference `show` takes.
    also_named: &'a [String],
}

#[derive(Debug, Serialize)]
struct ShownSource<'a> {
    kind: &'a str,
    id: &'a str,
    fetched_at: String,
    origin: &'a str,
}

pub fn verdict_glyph(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Blocked => "✗ blocked",
        Verdict::Overdue => "! overdue",
        Verdict::Info => "i info   ",
        Verdict::Pass => "✓ pass   ",
    }
}

pub async fn run(ctx: &Context, reference: &str, json: bool) -> Result<(), CommandError> {
    ctx.refresh().await?;
    let id = ctx
        .store
        .find_order(reference)
        .await?
        .ok_or_else(|| CommandError::UnknownOrder(reference.to_string()))?;
    let mut detail = ctx
        .store
        .order_detail(id)
        .await?
        .ok_or_else(|| CommandError::UnknownOrder(reference.to_string()))?;
    if detail.row.queue != Queue::Ok {
        ctx.freshness()
            .await?
            .add_to(&mut detail.findings, detail.row.system_states.as_deref());
    }
    let events = timeline(&detail.facts);
    let summary = ctx.summarizer()?.summarize(&ctx.store, &detail).await;
    let held = ctx
        .store
        .reservations_of(&normalize_order_name(&detail.row.name))
        .await?;
    let sensitive = reservation::order_sensitivity(&ctx.policy, &detail.facts);
    let also_named = ctx.store.others_named(id).await?;
    if json {
        let shown = ShownOrder {
            order: &detail.row.name,
            queue: detail.row.queue,
            findings: &detail.findings,
            storefront_id: detail.row.storefront_id.as_deref(),
            customer: detail.row.customer.as_deref(),
            placed_at: detail.row.placed_at.map(|t| t.to_rfc3339()),
            ship_by: detail.row.ship_by.map(|t| t.to_rfc3339()),
            evaluated_at: detail.row.evaluated_at.map(|t| t.to_rfc3339()),
            summary: &summary,
            timeline: events,
            sources: detail
                .payloads
                .iter()
                .map(|p| ShownSource {
                    kind: &p.kind,
                    id: &p.doc_id,
                    fetched_at: p.fetched_at.to_rfc3339(),
                    origin: &p.origin,
                })
                .collect(),
            purchase_orders: detail
                .facts
                .purchase_orders
                .iter()
                .map(|p| &p.value)
                .collect(),
            reroutes: detail.facts.reroutes.iter().map(|r| &r.value).collect(),
            reservations: &held,
            sensitive_category: sensitive,
            also_named: &also_named,
        };
        let text =
            serde_json::to_string_pretty(&shown).map_err(|e| CommandError::Other(e.to_string()))?;
        return emit(&format!("{text}\n"));
    }
    let vendors = Vendors {
        held: &held,
        sensitive,
    };
    emit(&render_text(
        &detail,
        &also_named,
        &summary,
        &events,
        &vendors,
    ))
}

/// What `show` adds to the facts about the order's drop-ship commitments.
struct Vendors<'a> {
    held: &'a [Reservation],
    sensitive: Option<&'a str>,
}

fn render_text(
    detail: &OrderDetail,
    also_named: &[String],
    summary: &SummaryOutcome,
    events: &[TimelineEvent],
    vendors: &Vendors<'_>,
) -> String {
    let row = &detail.row;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  [{}]  {}",
        sanitize(&row.name),
        row.queue.as_str(),
        sanitize(row.customer.as_deref().unwrap_or(""))
    );
    if let (Some(line), Some(first)) = (also_named_line(also_named), also_named.first()) {
        let _ = writeln!(out, "{line} (orderdeck show {})", sanitize(first));
    }
    if let Some(placed) = row.placed_at {
        let _ = writeln!(out, "placed   {}", local_time(placed));
    }
    if let Some(ship_by) = row.ship_by {
        let _ = writeln!(out, "ship by  {}", local_time(ship_by));
    }
    render_summary(&mut out, summary);
    let _ = writeln!(out, "\nFindings");
    if detail.findings.is_empty() {
        let _ = writeln!(out, "  nothing to report");
    }
    for finding in &detail.findings {
        let _ = writeln!(
            out,
            "  {}  {:<22} {}",
            verdict_glyph(finding.verdict),
            finding.code.as_str(),
            sanitize(&finding.reason)
        );
        for evidence in &finding.evidence {
            let _ = writeln!(
                out,
                "                 {} {} = {} (seen {})",
                evidence.system,
                sanitize(&evidence.field),
                sanitize(&evidence.value),
                local_time(evidence.observed_at)
            );
        }
    }
    render_vendors(&mut out, detail);
    render_reservations(&mut out, vendors);
    let _ = writeln!(out, "\nTimeline");
    for event in events {
        let _ = writeln!(
            out,
            "  {}  {:<10} {}",
            local_time(event.at),
            event.system.as_str(),
            sanitize(&event.event)
        );
    }
    let _ = writeln!(out, "\nSources");
    for payload in &detail.payloads {
        let _ = writeln!(
            out,
            "  {:<30} {:<14} fetched {}  from {}",
            payload.kind,
            sanitize(&payload.doc_id),
            local_time(payload.fetched_at),
            sanitize(&payload.origin)
        );
    }
    out
}

/// Purchase orders and reroutes: each step of a reroute as it happened.
fn render_vendors(out: &mut String, detail: &OrderDetail) {
    for line in vendor_steps(&detail.facts, local_time) {
        if line.heading {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", sanitize(&line.text));
    }
}

/// Units held against vendors' ATP, and what a sensitive category withholds.
fn render_reservations(out: &mut String, vendors: &Vendors<'_>) {
    if !vendors.held.is_empty() {
        let _ = writeln!(out, "\nReservations");
    }
    for line in reservation_lines(vendors.held, local_time) {
        let _ = writeln!(out, "{}", sanitize(&line));
    }
    if let Some(category) = vendors.sensitive {
        let _ = writeln!(
            out,
            "  {} goods are sensitive: no promise date to the storefront and no automatic \
             reroute before the vendor acknowledges",
            sanitize(category)
        );
    }
}

/// The summary under a heading that says who wrote it; a model's text with
/// the findings it cites, and with the offline summary beside it when it
/// named what the facts do not hold.
fn render_summary(out: &mut String, outcome: &SummaryOutcome) {
    let shown = &outcome.shown;
    match (shown.author, &outcome.model) {
        (Author::Model, Some(model)) => {
            let _ = writeln!(
                out,
                "\nSummary  [written by model {}{}: check it against the findings]",
                sanitize(model),
                if outcome.cached { ", cached" } else { "" }
            );
        }
        _ => {
            let _ = writeln!(out, "\nSummary");
        }
    }
    write_wrapped(out, &shown.text);
    if shown.author == Author::Model {
        let cites: Vec<&str> = shown.cites.iter().map(|c| c.as_str()).collect();
        let cites = if cites.is_empty() {
            "no finding".to_string()
        } else {
            cites.join(", ")
        };
        let _ = writeln!(out, "  cites: {cites}");
    }
    if outcome.unverified {
        write_wrapped(
            out,
            &format!(
                "UNVERIFIED: it names what the facts do not hold: {}",
                outcome.unverified_terms.join(", ")
            ),
        );
    }
    if let Some(reason) = &outcome.fallback_reason {
        write_wrapped(out, &format!("(built-in summary: {reason})"));
    }
    if let Some(offline) = &outcome.offline {
        let _ = writeln!(out, "\nOffline summary");
        write_wrapped(out, &offline.text);
    }
}

fn write_wrapped(out: &mut String, text: &str) {
    for line in wrap(&sanitize(text), 76) {
        let _ = writeln!(out, "  {line}");
    }
}

/// Greedy word wrap: a summary is prose, and a terminal does not wrap
/// kindly.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
