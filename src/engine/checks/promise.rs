//! Checks about the promise to ship: the SLA deadline, and what legitimately
//! suspends or replaces it (a deliberate hold, a third-party vendor's own SLA).

use std::fmt::{self, Display, Formatter, Write};

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
    let mut reason = String::with_capacity(160);
    reason.push_str("On hold on purpose: ");
    let mut evidence = Vec::with_capacity(2 * ctx.holds.len());
    // Writing into a String cannot fail: the results below are ignored.
    for (i, hold) in ctx.holds.iter().enumerate() {
        if i > 0 {
            reason.push_str("; ");
        }
        match hold {
            Hold::Storefront {
                order,
                hold: Some(hold),
                observed_at,
            } => {
                let why = match hold.reason_notes.as_deref().map(str::trim) {
                    Some(notes) if !notes.is_empty() => format!("{}: \"{notes}\"", hold.reason),
                    _ => hold.reason.clone(),
                };
                reason.push_str("held in the storefront");
                if let Some(since) = hold.held_since {
                    let _ = write!(reason, " for {}", text::duration(ctx.now - since));
                }
                reason.push_str(" (");
                for (j, piece) in why.split('_').enumerate() {
                    if j > 0 {
                        reason.push(' ');
                    }
                    reason.push_str(piece);
                }
                reason.push(')');
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
                let _ = write!(
                    reason,
                    "fulfilment order {} is on hold in the storefront",
                    order.id
                );
                evidence.push(Evidence::new(
                    System::Storefront,
                    format!("fulfillment order {} status", order.id),
                    order.status.clone(),
                    *observed_at,
                ));
            }
            Hold::Warehouse(order) => {
                let _ = write!(
                    reason,
                    "on hold at the warehouse (order {})",
                    order.value.order_number
                );
                if let Some(until) = order.value.hold_until {
                    let _ = write!(reason, " until {}", text::shop_time(zone, until));
                }
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
    reason.push_str("; not counted as late while held");
    out.add(FindingCode::OnHold, Verdict::Info, reason, evidence);
}

/// THIRD_PARTY_VENDOR: lines a drop-ship vendor ships, timed by its own SLA.
/// Being past that SLA is the deadline check's business, not this one's.
pub(super) fn third_party(ctx: &Context<'_>, out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    // By vendor id, and within a vendor in line order (the sort is stable).
    let mut lines: Vec<(&str, &OwedLine<'_>)> = ctx
        .lines
        .iter()
        .filter(|l| l.owed > 0)
        .filter_map(|l| l.third_party.map(|vendor| (vendor.id.as_str(), l)))
        .collect();
    if lines.is_empty() {
        return;
    }
    lines.sort_by(|a, b| a.0.cmp(b.0));
    let zone = ctx.policy.sla.timezone;
    let mut reason = String::from("Drop-shipped by a third-party vendor: ");
    let mut evidence = Vec::with_capacity(lines.len());
    for (i, group) in lines.chunk_by(|a, b| a.0 == b.0).enumerate() {
        let vendor = group[0].0;
        let units: u32 = group.iter().map(|(_, l)| l.owed).sum();
        if let Some((_, first)) = group.iter().min_by_key(|(_, l)| l.ship_by) {
            if i > 0 {
                reason.push_str("; ");
            }
            // Writing into a String cannot fail.
            let _ = write!(
                reason,
                "{} from {vendor}, due by {} ({})",
                text::items(units),
                text::shop_time(zone, first.ship_by),
                first.rule
            );
        }
        evidence.extend(group.iter().map(|(_, l)| {
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
        reason,
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
    let owed = || ctx.lines.iter().filter(|l| l.owed > 0);
    // Every owed line's deadline is a moment the answer changes at.
    let mut late = false;
    for line in owed() {
        late |= out.past(line.ship_by);
    }
    let (code, verdict) = if late {
        (FindingCode::SlaBreach, Verdict::Overdue)
    } else {
        (FindingCode::SlaOnTime, Verdict::Pass)
    };
    // The late lines when any is late, else every owed line: picked again
    // wherever they are needed rather than collected.
    let now = ctx.now;
    let lines = move || owed().filter(move |l| !late || now > l.ship_by);
    let Some(first) = lines().min_by_key(|l| l.ship_by) else {
        return;
    };
    let units: u32 = lines().map(|l| l.owed).sum();
    let when = text::shop_time(ctx.policy.sla.timezone, first.ship_by);
    let what = describe_lines(lines());
    let reason = if late {
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
    let mut evidence = Vec::with_capacity(1 + 2 * lines().count());
    evidence.push(Evidence::new(
        System::Storefront,
        "created_at",
        text::iso(sf.value.created_at),
        sf.observed_at,
    ));
    for line in lines() {
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
fn describe_lines<'a, 'b: 'a, I>(lines: I) -> impl Display
where
    I: Iterator<Item = &'a OwedLine<'b>> + Clone,
{
    DescribeLines(lines)
}

struct DescribeLines<I>(I);

impl<'a, 'b: 'a, I> Display for DescribeLines<I>
where
    I: Iterator<Item = &'a OwedLine<'b>> + Clone,
{
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 3;
        let mut rest = 0;
        for (i, line) in self.0.clone().enumerate() {
            if i >= SHOWN {
                rest += 1;
                continue;
            }
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} ×{}", line.label(), line.owed)?;
        }
        if rest > 0 {
            let noun = if rest == 1 { "line" } else { "lines" };
            write!(f, ", and {rest} more {noun}")?;
        }
        Ok(())
    }
}
