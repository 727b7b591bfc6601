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
