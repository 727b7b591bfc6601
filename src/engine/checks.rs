//! The checks of DESIGN.md §3: each one a small function that reads the shared
//! [`Context`] and adds its findings, and notes when the passing of time alone
//! would change its answer.

mod carrier;
mod context;
mod prefetch;
mod promise;
mod storefront;
pub(super) mod text;
mod vendor;
mod warehouse;

use chrono::{DateTime, TimeDelta, Utc};

use super::{classify, Evaluation, Policy};
use crate::domain::{Evidence, Finding, FindingCode, OrderFacts, Verdict};
use context::Context;

type Check = fn(&Context<'_>, &mut Outcome);

/// Every check, run in this order; the findings are sorted afterwards, so the
/// order here only groups them for the reader.
const CHECKS: &[Check] = &[
    storefront::presence,
    storefront::cancellation,
    storefront::refunds,
    storefront::replacements,
    promise::holds,
    promise::third_party,
    promise::deadline,
    warehouse::handoff,
    warehouse::cancelled_at_warehouse,
    warehouse::sync,
    warehouse::tracking,
    carrier::parcels,
    vendor::acknowledgements,
    vendor::shipments,
    vendor::item_map,
    vendor::units,
    vendor::substitutions,
    vendor::reroutes,
];

pub(super) fn evaluate(facts: &OrderFacts, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
    prefetch::facts(facts);
    evaluate_fetched(facts, policy, now)
}

/// [`evaluate`] for each of `orders` in turn, each result handed to `each`
/// with its order. An order evaluated on its own waits for the memory of its
/// facts (see [`prefetch`]); here the next two orders' facts are asked for
/// while one is evaluated, so a batch of orders not in cache waits far less.
pub(super) fn evaluate_each<'a, T>(
    orders: &'a [T],
    facts_of: impl Fn(&'a T) -> &'a OrderFacts,
    policy: &Policy,
    now: DateTime<Utc>,
    mut each: impl FnMut(&'a T, Evaluation),
) {
    if let Some(first) = orders.first() {
        prefetch::lists(facts_of(first));
        prefetch::texts(facts_of(first));
    }
    if let Some(second) = orders.get(1) {
        prefetch::lists(facts_of(second));
    }
    for (turn, order) in orders.iter().enumerate() {
        // Each order's facts are asked for in three steps, a turn apart,
        // each step's addresses in what the one before brought in.
        if let Some(later) = orders.get(turn + 2) {
            prefetch::lists(facts_of(later));
        }
        if let Some(next) = orders.get(turn + 1) {
            prefetch::texts(facts_of(next));
        }
        let facts = facts_of(order);
        prefetch::nested(facts);
        each(order, evaluate_fetched(facts, policy, now));
    }
}

fn evaluate_fetched(facts: &OrderFacts, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
    let facts = context::canonical(facts);
    let context = Context::new(&facts, policy, now);
    let mut outcome = Outcome {
        now,
        findings: Vec::new(),
        next_change_at: None,
    };
    for check in CHECKS {
        check(&context, &mut outcome);
    }
    let mut findings = outcome.findings;
    findings.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then(a.code.cmp(&b.code))
            .then_with(|| a.reason.cmp(&b.reason))
    });
    Evaluation {
        queue: classify(&findings),
        findings,
        next_change_at: outcome.next_change_at,
        ship_by: context.ship_by(),
    }
}

/// What the checks produce together.
pub(super) struct Outcome {
    now: DateTime<Utc>,
    findings: Vec<Finding>,
    next_change_at: Option<DateTime<Utc>>,
}

impl Outcome {
    fn add(
        &mut self,
        code: FindingCode,
        verdict: Verdict,
        reason: String,
        evidence: Vec<Evidence>,
    ) {
        self.findings.push(Finding {
            code,
            verdict,
            reason,
            evidence,
        });
    }

    /// Whether `now` is strictly past `limit`. While it is not, the second
    /// after `limit` is a moment at which the answer changes by itself, and
    /// the earliest such moment is when the order must be looked at again.
    fn past(&mut self, limit: DateTime<Utc>) -> bool {
        if self.now > limit {
            return true;
        }
        let change = limit + TimeDelta::seconds(1);
        self.next_change_at = Some(self.next_change_at.map_or(change, |at| at.min(change)));
        false
    }
}
