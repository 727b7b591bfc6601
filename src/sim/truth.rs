//! Ground truth: what each order's findings should be at a given moment,
//! stated by the scenario that made the order as spans of time during which a
//! finding code holds. The queue follows from the codes by DESIGN.md §3's
//! precedence; nothing here asks the engine.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::domain::{FindingCode, Queue};

/// A finding code that holds from `from` until `until` (exclusive; `None`:
/// for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeSpan {
    pub code: FindingCode,
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

impl CodeSpan {
    pub fn holds_at(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && self.until.is_none_or(|until| at < until)
    }
}

/// What one order should show at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedOrder {
    /// The storefront name (`#1001`), or for an order the storefront does
    /// not have, the warehouse's order number (`1015`): the name orderdeck
    /// knows the order by.
    pub name: String,
    pub queue: Queue,
    /// The codes of `info`, `blocked` and overdue findings; passing checks
    /// (`SLA_ON_TIME`) are not listed.
    pub codes: BTreeSet<FindingCode>,
    /// Since when this answer has held: the last change of codes, or the
    /// order's first appearance.
    pub since: DateTime<Utc>,
    /// When it next changes, if it ever does (by new data or by a tolerance
    /// or deadline running out). Comparisons are safest well inside
    /// `since..until`.
    pub until: Option<DateTime<Utc>>,
}

/// The queue DESIGN.md §3 puts an order with these codes in.
pub fn queue_of(codes: &BTreeSet<FindingCode>) -> Queue {
    if codes.iter().any(|code| is_blocking(*code)) {
        Queue::Blocked
    } else if codes.contains(&FindingCode::SlaBreach) {
        Queue::Overdue
    } else if codes.is_empty() {
        Queue::Ok
    } else {
        Queue::Informational
    }
}

/// The codes DESIGN.md §3 gives the `blocked` verdict.
fn is_blocking(code: FindingCode) -> bool {
    matches!(
        code,
        FindingCode::NotInStorefront
            | FindingCode::NotAtWarehouse
            | FindingCode::CancelledButActive
            | FindingCode::FulfilmentNotSynced
            | FindingCode::DeliveredNotClosed
            | FindingCode::NoTracking
            | FindingCode::TrackingStalled
            | FindingCode::CarrierException
            | FindingCode::VendorNoAck
            | FindingCode::VendorPartialAck
            | FindingCode::VendorRejected
            | FindingCode::SkuUnmapped
            | FindingCode::UomMismatch
            | FindingCode::Discontinued
            | FindingCode::RerouteProposed
            | FindingCode::VendorSubstitution
            | FindingCode::VendorShipLate
            | FindingCode::WarehouseCancelled
    )
}

/// The expected answer at `at` for an order that appeared at `appeared`.
pub fn expected(
    name: &str,
    appeared: DateTime<Utc>,
    spans: &[CodeSpan],
    at: DateTime<Utc>,
) -> ExpectedOrder {
    let codes: BTreeSet<FindingCode> = spans
        .iter()
        .filter(|span| span.holds_at(at))
        .map(|span| span.code)
        .collect();
    let codes_at = |t: DateTime<Utc>| -> BTreeSet<FindingCode> {
        spans
            .iter()
            .filter(|span| span.holds_at(t))
            .map(|span| span.code)
            .collect()
    };
    // Every moment a span starts or ends is a candidate change; only those
    // where the set of codes really differs count.
    let mut moments: Vec<DateTime<Utc>> = spans
        .iter()
        .flat_map(|span| std::iter::once(span.from).chain(span.until))
        .filter(|t| *t > appeared)
        .collect();
    moments.sort();
    moments.dedup();
    let since = moments
        .iter()
        .rev()
        .filter(|t| **t <= at)
        .find(|t| codes_at(**t - chrono::TimeDelta::seconds(1)) != codes_at(**t))
        .copied()
        .unwrap_or(appeared);
    let until = moments
        .iter()
        .filter(|t| **t > at)
        .find(|t| codes_at(**t) != codes)
        .copied();
    ExpectedOrder {
        name: name.to_string(),
        queue: queue_of(&codes),
        codes,
        since,
        until,
    }
}

/// Collects spans while a scenario lays out an order's life.
#[derive(Debug, Default)]
pub struct Spans(pub Vec<CodeSpan>);

impl Spans {
    /// `code` holds over `from..until`; an empty or inverted span is dropped.
    pub fn add(&mut self, code: FindingCode, from: DateTime<Utc>, until: Option<DateTime<Utc>>) {
        if until.is_none_or(|until| until > from) {
            self.0.push(CodeSpan { code, from, until });
        }
    }
}
