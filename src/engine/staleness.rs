//! `STALE_DATA`: whether what a source last said can still be trusted.
//!
//! Staleness belongs to a source, not to one order's facts, so it is judged
//! when orders are read, from the sources' sync health, and never stored
//! with an evaluation: stored, every open order would have to be evaluated
//! again each time a source went quiet or came back. It is an `info`
//! finding and is only added to orders that are already listed, so it
//! never moves an order between queues; it tells the operator that the
//! evidence behind a listing may have changed since.

use chrono::{DateTime, TimeDelta, Utc};

use super::checks::text;
use super::Tolerances;
use crate::domain::{Evidence, Finding, FindingCode, System, Verdict};

/// What sync knows about one listing of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFreshness {
    /// The listing as sync names it: `storefront.orders`, `warehouse.shipments`,
    /// `carrier.fedex`. The part before the dot is the system.
    pub listing: String,
    /// The last pass that read the listing without error.
    pub last_success: Option<DateTime<Utc>>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// The newest change the source has reported (its incremental cursor);
    /// `None` for listings read whole, such as carriers' tracking.
    pub newest_change: Option<DateTime<Utc>>,
}

impl SourceFreshness {
    fn system(&self) -> Option<System> {
        match self.listing.split('.').next()? {
            "storefront" => Some(System::Storefront),
            "warehouse" => Some(System::Warehouse),
            "carrier" => Some(System::Carrier),
            "vendor" => Some(System::Vendor),
            _ => None,
        }
    }
}

/// A listing whose data may be out of date, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleSource {
    pub system: System,
    pub listing: String,
    pub why: Staleness,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// No pass has read the listing for longer than the tolerance.
    NotReached {
        last_success: DateTime<Utc>,
        age: TimeDelta,
        expected: TimeDelta,
    },
    /// Every pass so far failed.
    NeverReached { last_error_at: DateTime<Utc> },
    /// The warehouse answers but its newest change lags the storefront's
    /// by more than it may take to take an order in: it has stopped
    /// updating (a stuck integration, a frozen export). A quiet shop is
    /// quiet everywhere, so the lag, not the age, is what tells. Only the
    /// warehouse is judged so: orders flow from the storefront to it, while
    /// a storefront quiet beside a busy warehouse is an ordinary afternoon.
    NotChanging {
        newest_change: DateTime<Utc>,
        behind: TimeDelta,
        ahead: System,
        expected: TimeDelta,
    },
}

impl StaleSource {
    /// Why, in a phrase: "no successful sync of warehouse.orders for 3h
    /// (expected within 1h)".
    pub fn describe(&self) -> String {
        match &self.why {
            Staleness::NotReached { age, expected, .. } => format!(
                "no successful sync of {} for {} (expected within {})",
                self.listing,
                text::duration(*age),
                text::duration(*expected)
            ),
            Staleness::NeverReached { .. } => {
                format!("every sync of {} has failed so far", self.listing)
            }
            Staleness::NotChanging {
                behind,
                ahead,
                expected,
                ..
            } => format!(
                "the {} has reported no change for {} while the {ahead} has moved on (expected within {})",
                self.system,
                text::duration(*behind),
                text::duration(*expected)
            ),
        }
    }

    fn evidence(&self, now: DateTime<Utc>) -> Evidence {
        let (field, value, observed_at) = match &self.why {
            Staleness::NotReached { last_success, .. } => (
                "last successful sync",
                text::iso(*last_success),
                *last_success,
            ),
            Staleness::NeverReached { last_error_at } => {
                ("last successful sync", "never".to_string(), *last_error_at)
            }
            Staleness::NotChanging { newest_change, .. } => {
                ("newest change reported", text::iso(*newest_change), now)
            }
        };
        Evidence::new(
            self.system,
            format!("{} {field}", self.listing),
            value,
            observed_at,
        )
    }
}

/// The sources' staleness as of one moment, judged once and then added to
/// each listed order read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    stale: Vec<StaleSource>,
    now: DateTime<Utc>,
}

impl Freshness {
    pub fn judge(sources: &[SourceFreshness], tolerances: &Tolerances, now: DateTime<Utc>) -> Self {
        Freshness {
            stale: stale_sources(sources, tolerances, now),
            now,
        }
    }

    pub fn stale(&self) -> &[StaleSource] {
        &self.stale
    }

    /// Adds `STALE_DATA` to a listed order's stored findings, where the
    /// engine's sort would put it.
    pub fn add_to(&self, findings: &mut Vec<Finding>, system_states: Option<&str>) {
        if findings.iter().any(|f| f.code == FindingCode::StaleData) {
            return;
        }
        if let Some(finding) = self.finding(system_states) {
            let at = findings
                .iter()
                .position(|f| {
                    f.verdict < finding.verdict
                        || (f.verdict == finding.verdict && f.code > finding.code)
                })
                .unwrap_or(findings.len());
            findings.insert(at, finding);
        }
    }

    /// The `STALE_DATA` finding for one listed order, if a source it
    /// depends on is stale.
    pub fn finding(&self, system_states: Option<&str>) -> Option<Finding> {
        let relevant: Vec<&StaleSource> = self
            .stale
            .iter()
            .filter(|s| concerns(s.system, system_states))
            .collect();
        if relevant.is_empty() {
            return None;
        }
        let reasons = phrases(&relevant);
        let evidence = relevant.iter().map(|s| s.evidence(self.now)).collect();
        Some(Finding {
            code: FindingCode::StaleData,
            verdict: Verdict::Info,
            reason: format!(
                "What orderdeck shows may be out of date: {}",
                reasons.join("; ")
            ),
            evidence,
        })
    }
}

/// One phrase per system and kind of staleness, oldest age first named:
/// "no successful sync of the carrier for 3h (carrier.fedex, carrier.ups;
/// expected within 1h)".
fn phrases(stale: &[&StaleSource]) -> Vec<String> {
    let mut phrases = Vec::new();
    for system in [
        System::Storefront,
        System::Warehouse,
        System::Carrier,
        System::Vendor,
    ] {
        let of_system: Vec<&StaleSource> = stale
            .iter()
            .copied()
            .filter(|s| s.system == system)
            .collect();
        let listings = |kind: fn(&Staleness) -> bool| {
            of_system
                .iter()
                .filter(|s| kind(&s.why))
                .map(|s| s.listing.as_str())
                .collect::<Vec<_>>()
        };
        let oldest = of_system
            .iter()
            .filter_map(|s| match s.why {
                Staleness::NotReached { age, expected, .. } => Some((age, expected)),
                _ => None,
            })
            .max();
        if let Some((age, expected)) = oldest {
            phrases.push(format!(
                "no successful sync of the {system} for {} ({}; expected within {})",
                text::duration(age),
                listings(|w| matches!(w, Staleness::NotReached { .. })).join(", "),
                text::duration(expected)
            ));
        }
        let never = listings(|w| matches!(w, Staleness::NeverReached { .. }));
        if !never.is_empty() {
            phrases.push(format!(
                "every sync of the {system} has failed so far ({})",
                never.join(", ")
            ));
        }
        phrases.extend(
            of_system
                .iter()
                .filter(|s| matches!(s.why, Staleness::NotChanging { .. }))
                .map(|s| s.describe()),
        );
    }
    phrases
}

/// Which listings are stale as of `now`.
fn stale_sources(
    sources: &[SourceFreshness],
    tolerances: &Tolerances,
    now: DateTime<Utc>,
) -> Vec<StaleSource> {
    let expected = tolerances.stale_data;
    let mut stale = Vec::new();
    for source in sources {
        let Some(system) = source.system() else {
            continue;
        };
        let why = match (source.last_success, source.last_error_at) {
            (Some(last_success), _) if now - last_success > expected => Staleness::NotReached {
                last_success,
                age: now - last_success,
                expected,
            },
            (None, Some(last_error_at)) => Staleness::NeverReached { last_error_at },
            _ => continue,
        };
        stale.push(StaleSource {
            system,
            listing: source.listing.clone(),
            why,
        });
    }
    let newest_of = |system: System| {
        sources
            .iter()
            .filter(|s| s.system() == Some(system))
            .filter_map(|s| s.newest_change)
            .max()
    };
    // Judged over all the warehouse's listings: shipments legitimately lag
    // orders while it keeps taking orders in. It may take as long as the
    // hand-off tolerance to take an order in.
    let taking_in = expected.max(tolerances.warehouse_handoff);
    if let (Some(storefront), Some(warehouse)) =
        (newest_of(System::Storefront), newest_of(System::Warehouse))
    {
        if storefront - warehouse > taking_in {
            stale.push(StaleSource {
                system: System::Warehouse,
                listing: System::Warehouse.as_str().to_string(),
                why: Staleness::NotChanging {
                    newest_change: warehouse,
                    behind: storefront - warehouse,
                    ahead: System::Storefront,
                    expected: taking_in,
                },
            });
        }
    }
    stale
}
/// The systems a listed order's evidence comes from: the storefront and the
/// warehouse always (an order the warehouse has not heard of is evidence
/// too), the carriers once a parcel is tracked. `system_states` is the
/// stored `storefront|warehouse|carrier` word of `engine::Listing`.
fn concerns(system: System, system_states: Option<&str>) -> bool {
    match system {
        System::Storefront | System::Warehouse => true,
        System::Carrier => system_states
            .and_then(|states| states.split('|').nth(2))
            .is_some_and(|carrier| carrier != "-"),
        System::Vendor | System::Orderdeck => false,
    }
}
