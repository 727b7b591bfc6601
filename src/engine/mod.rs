//! Pure functions over the domain: checks → findings, queue classification,
//! SLA clocks. No I/O and no clock reads: `now` is always a parameter.

mod checks;
mod listing;
mod policy;
mod queue;
pub mod reroute;
pub mod reservation;
pub mod sla;
mod staleness;
pub mod substitution;
mod timeline;
mod vendor_steps;

pub use listing::{listing, Listing};
pub use policy::{
    CategoryPolicy, DropShipPolicy, Expedite, ItemMapping, Policy, ReroutePolicy, SlaPolicy,
    Tolerances, VendorCategoryTerms, VendorItem, VendorPolicy,
};
pub use queue::classify;
pub use staleness::{Freshness, SourceFreshness, StaleSource, Staleness};
pub use timeline::{timeline, TimelineEvent};
pub use vendor_steps::{
    decision_steps, purchase_order_lines, reservation_lines, vendor_steps, StepLine,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Finding, OrderFacts, Queue, Verdict};

/// The result of checking one order at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub queue: Queue,
    /// The earliest moment after `now` at which this result could change with
    /// no new data (a deadline passes, a tolerance runs out); `None` if only
    /// new data can change it.
    pub next_change_at: Option<DateTime<Utc>>,
    /// The earliest ship-by deadline over the goods still owed.
    pub ship_by: Option<DateTime<Utc>>,
}

/// An operator marked these findings resolved (code, who): they stay on
/// the order, as passes saying who resolved them, and no longer place it
/// in a queue.
pub fn apply_resolutions(mut evaluation: Evaluation, resolved: &[(String, String)]) -> Evaluation {
    if resolved.is_empty() {
        return evaluation;
    }
    let by = |finding: &Finding| {
        resolved
            .iter()
            .find(|(code, _)| code == finding.code.as_str())
            .map(|(_, who)| who.clone())
    };
    for finding in &mut evaluation.findings {
        if matches!(finding.verdict, Verdict::Blocked | Verdict::Overdue) {
            if let Some(who) = by(finding) {
                finding.verdict = Verdict::Pass;
                finding.reason = format!("resolved by {who}: {}", finding.reason);
            }
        }
    }
    let standing: Vec<Finding> = evaluation
        .findings
        .iter()
        .filter(|f| by(f).is_none())
        .cloned()
        .collect();
    evaluation.queue = classify(&standing);
    evaluation
}

/// Runs every check over one order's facts as of `now`.
pub fn evaluate(facts: &OrderFacts, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
    checks::evaluate(facts, policy, now)
}

/// [`evaluate`] for each of `orders`, in turn, each result handed to `each`
/// with its order: the same results, faster for many orders than one call
/// each (the next orders' facts are fetched from memory during the current
/// one's checks).
pub fn evaluate_each<'a, T>(
    orders: &'a [T],
    facts_of: impl Fn(&'a T) -> &'a OrderFacts,
    policy: &Policy,
    now: DateTime<Utc>,
    each: impl FnMut(&'a T, Evaluation),
) {
    checks::evaluate_each(orders, facts_of, policy, now, each);
}
