//! Pure functions over the domain: checks → findings, queue classification,
//! SLA clocks. No I/O and no clock reads: `now` is always a parameter.

mod checks;
mod listing;
mod policy;
mod queue;
pub mod sla;
mod timeline;

pub use listing::{listing, Listing};
pub use policy::{CategoryPolicy, Policy, SlaPolicy, Tolerances, VendorPolicy};
pub use queue::classify;
pub use timeline::{timeline, TimelineEvent};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Finding, OrderFacts, Queue};

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

/// Runs every check over one order's facts as of `now`.
pub fn evaluate(facts: &OrderFacts, policy: &Policy, now: DateTime<Utc>) -> Evaluation {
    checks::evaluate(facts, policy, now)
}
