//! Checks about the promise to ship: the SLA deadline, and what legitimately
//! suspends or replaces it (a deliberate hold, a third-party vendor's own SLA).

use std::collections::BTreeMap;
use std::fmt::{self, Display, Formatter};

use super::context::{Context, Hold, OwedLine};
use super::text;
use super::Outcome;
use crate::domain::{Evidence, FindingCode, System, Verdict};

/// ON_HOLD: held on purpose, with the hold's reason and age.
pub(super) fn holds(ctx: &Context<'_>, out: &mut Outcome) {
    if ctx.holds.is_empty() {
        return;
    }
    let zone = ctx.policy.sla.timezone;
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for hold in &ctx.holds {
        match hold {
            Hold::Storefront {
                order,
                hold: Some(hold),
                observed_at,
            } => {
                let age = hold
                    .held_since
                    .map(|since| format!(" for {}", text::duration(ctx.now - since)))
                    .unwrap_or_default();
                let why = match hold.reason_notes.as_deref().map(str::trim) {
                    Some(notes) if !notes.is_empty() => format!("{}: \"{notes}\"", hold.reason),
                    _ => hold.reason.clone(),
                };
                parts.push(format!(
                    "held in the storefront{age} ({})",
                    why.replace('_', " ")
                ));
                evidence.push(Evidence::new(
                    System::Storefront,
                    format!("fulfillment order {} hold", order.id),
                    why,
                    *observed_at,
                ));
                if let Some(since) = hold.held_since {
                    evidence.push(Evidence::new(
                        System::Storefront,
                        format!("fulfillment order {} held since", order.id),
                        text::iso(since),
                        *observed_at,
                    ));
                }
            }
            Hold::Storefront {
                order,
                hold: None,
                observed_at,
            } => {
                parts.push(format!(
                    "fulfilment order {} is on hold in the storefront",
                    order.id
                ));
                evidence.push(Evidence::new(
                    System::Storefront,
                    format!("fulfillment order {} status", order.id),
                    order.status.clone(),
                    *observed_at,
                ));
            }
            Hold::Warehouse(order) => {
                let until = order
                    .value
                    .hold_until
                    .map(|until| format!(" until {}", text::shop_time(zone, until)))
                    .unwrap_or_default();
                parts.push(format!(
                    "on hold at the warehouse (order {}){until}",
                    order.value.order_number
                ));
                evidence.push(Evidence::new(
                    System::Warehouse,
                    format!("order {} status", order.value.order_number),
                    order.value.status.as_str(),
                    order.observed_at,
                ));
                if let Some(until) = order.value.hold_until {
                    evidence.push(Evidence::new(
                        System::Warehouse,
                        format!("order {} hold until", order.value.order_number),
                        text::iso(until),
                        order.observed_at,
                    ));
                }
            }
        }
    }
    out.add(
        FindingCode::OnHold,
        Verdict::Info,
        format!(
            "On hold on purpose: {}; not counted as late while held",
            parts.join("; ")
        ),
        evidence,
    );
}

/// THIRD_PARTY_VENDOR: lines a drop-ship vendor ships, timed by its own SLA.
/// Being past that SLA is the deadline check's business, not this one's.
pub(super) fn third_party(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    let mut by_vendor: BTreeMap<&str, Vec<&OwedLine<'_>>> = BTreeMap::new();
    for line in ctx.lines.iter().filter(|l| l.owed > 0) {
        if let Some(vendor) = line.third_party {
            by_vendor.entry(vendor.id.as_str()).or_default().push(line);
        }
    }
    if by_vendor.is_empty() {
        return;
    }
    let zone = ctx.policy.sla.timezone;
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for (vendor, lines) in &by_vendor {
        let units = lines.iter().map(|l| l.owed).sum();
        if let Some(first) = lines.iter().min_by_key(|l| l.ship_by) {
            parts.push(format!(
                "{} from {vendor}, due by {} ({})",
                text::items(units),
                text::shop_time(zone, first.ship_by),
                first.rule
            ));
        }
        evidence.extend(lines.iter().map(|l| {
            Evidence::new(
                System::Storefront,
                format!("line {} vendor", l.label()),
                l.line.vendor.clone().unwrap_or_default(),
                sf.observed_at,
            )
        }));
    }
    out.add(
        FindingCode::ThirdPartyVendor,
        Verdict::Info,
        format!("Drop-shipped by a third-party vendor: {}", parts.join("; ")),
        evidence,
    );
}

/// SLA_BREACH / SLA_ON_TIME: goods still owed against each line's ship-by
/// deadline. A held order is never late on that ground; ON_HOLD says why.
pub(super) fn deadline(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    if ctx.held() {
        return;
    }
    let owed: Vec<&OwedLine<'_>> = ctx.lines.iter().filter(|l| l.owed > 0).collect();
    let late: Vec<&OwedLine<'_>> = owed
        .iter()
        .copied()
        .filter(|l| out.past(l.ship_by))
        .collect();
    let (lines, code, verdict) = if late.is_empty() {
        (owed, FindingCode::SlaOnTime, Verdict::Pass)
    } else {
        (late, FindingCode::SlaBreach, Verdict::Overdue)
    };
    let Some(first) = lines.iter().min_by_key(|l| l.ship_by) else {
        return;
    };
    let units: u32 = lines.iter().map(|l| l.owed).sum();
    let when = text::shop_time(ctx.policy.sla.timezone, first.ship_by);
    let what = describe_lines(&lines);
    let reason = if code == FindingCode::SlaBreach {
        text::reason(format_args!(
            "{} still owed ({what}), {} past the ship-by deadline {when} ({})",
            text::items(units),
            text::duration(ctx.now - first.ship_by),
            first.rule
        ))
    } else {
        text::reason(format_args!(
            "{} owed ({what}); ship by {when} ({}), {} left",
            text::items(units),
            first.rule,
            text::duration(first.ship_by - ctx.now)
        ))
    };
    let mut evidence = Vec::with_capacity(1 + 2 * lines.len());
    evidence.push(Evidence::new(
        System::Storefront,
        "created_at",
        text::iso(sf.value.created_at),
        sf.observed_at,
    ));
    for line in &lines {
        evidence.push(Evidence::new(
            System::Storefront,
            format!("line {} still owed", line.label()),
            line.owed.to_string(),
            sf.observed_at,
        ));
        evidence.push(Evidence::new(
            System::Orderdeck,
            format!("line {} ship by", line.label()),
            text::iso(line.ship_by),
            sf.observed_at,
        ));
    }
    out.add(code, verdict, reason, evidence);
}

/// "SKU-1 ×2, SKU-2 ×1, and 3 more lines": enough to recognise the goods;
/// written straight into the reason.
fn describe_lines<'a>(lines: &'a [&'a OwedLine<'a>]) -> impl Display + 'a {
    DescribeLines(lines)
}

struct DescribeLines<'a>(&'a [&'a OwedLine<'a>]);

impl Display for DescribeLines<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 3;
        for (i, line) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} ×{}", line.label(), line.owed)?;
        }
        let rest = self.0.len().saturating_sub(SHOWN);
        if rest > 0 {
            let noun = if rest == 1 { "line" } else { "lines" };
            write!(f, ", and {rest} more {noun}")?;
        }
        Ok(())
    }
}
