//! The SLA clock of DESIGN.md §3: business days in the shop's zone, the daily
//! cutoff, and the ship-by deadline at the end of the Nth business day.

use std::borrow::Cow;
use std::fmt;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use super::checks::text::trimmed;
use super::policy::{CategoryPolicy, Policy, SlaPolicy, VendorPolicy};
use crate::domain::{OrderLine, StorefrontOrder};

/// The last second of a shop day: deadlines are "by the end of the day".
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// Weekends never count; configured holidays do not either.
pub fn is_business_day(policy: &SlaPolicy, day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !policy.holidays.contains(&day)
}

/// The business day the clock starts on: the order's own day in the shop's
/// zone, unless it came after the cutoff (strictly: an order at the cutoff
/// itself still makes the day) or on a weekend or holiday.
pub fn start_day(policy: &SlaPolicy, placed_at: DateTime<Utc>) -> NaiveDate {
    start_day_after(policy, placed_at, policy.cutoff)
}

/// [`start_day`] with another daily cutoff than the shop's: a drop-ship
/// vendor's, after which its day is over.
fn start_day_after(policy: &SlaPolicy, placed_at: DateTime<Utc>, cutoff: NaiveTime) -> NaiveDate {
    let local = placed_at.with_timezone(&policy.timezone);
    let day = local.date_naive();
    if local.time() > cutoff || !is_business_day(policy, day) {
        next_business_day(policy, day).unwrap_or(day)
    } else {
        day
    }
}

/// The ship-by deadline: the end (23:59:59 shop time) of the Nth business day
/// after the start day, `business_days` = 0 being the start day itself.
pub fn ship_by(policy: &SlaPolicy, placed_at: DateTime<Utc>, business_days: u32) -> DateTime<Utc> {
    ship_by_after(policy, placed_at, business_days, policy.cutoff)
}

/// [`ship_by`] counted from `cutoff` (a vendor's, in the shop's zone)
/// instead of the shop's.
pub fn ship_by_after(
    policy: &SlaPolicy,
    placed_at: DateTime<Utc>,
    business_days: u32,
    cutoff: NaiveTime,
) -> DateTime<Utc> {
    let mut day = start_day_after(policy, placed_at, cutoff);
    for _ in 0..business_days {
        match next_business_day(policy, day) {
            Some(next) => day = next,
            None => break,
        }
    }
    end_of_day(policy.timezone, day)
}

fn next_business_day(policy: &SlaPolicy, day: NaiveDate) -> Option<NaiveDate> {
    let mut candidate = day.succ_opt()?;
    // Terminates: holidays are finite, so some weekday is always free.
    while !is_business_day(policy, candidate) {
        candidate = candidate.succ_opt()?;
    }
    Some(candidate)
}

/// The last instant of `day` in `tz`. When clocks fall back over 23:59:59 it
/// happens twice and the day ends at the second; when clocks jump over it,
/// the day ends the second before the jump.
pub fn end_of_day(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let last_second = day.and_time(END_OF_DAY);
    match tz.from_local_datetime(&last_second).latest() {
        Some(instant) => instant.with_timezone(&Utc),
        None => first_instant_reaching(tz, last_second) - TimeDelta::seconds(1),
    }
}

/// The first instant whose wall-clock time in `tz` is at or after `local`:
/// for a local time inside a gap, the moment the clocks jumped. UTC offsets
/// stay within a day, so two days either side brackets it.
fn first_instant_reaching(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    const TWO_DAYS: i64 = 2 * 24 * 60 * 60;
    let as_utc = local.and_utc().timestamp();
    let (mut before, mut reached) = (as_utc - TWO_DAYS, as_utc + TWO_DAYS);
    // Whole seconds, like the deadlines themselves.
    while reached - before > 1 {
        let middle = before + (reached - before) / 2;
        let middle_local =
            DateTime::from_timestamp(middle, 0).map(|at| at.with_timezone(&tz).naive_local());
        if middle_local.is_none_or(|at| at >= local) {
            reached = middle;
        } else {
            before = middle;
        }
    }
    DateTime::from_timestamp(reached, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Which policy set a line's N; shown to operators so a deadline can be traced
/// back to the config that produced it. Borrowed from the policy: a rule is
/// chosen for every owed line of every order evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlaSource<'a> {
    Vendor(Cow<'a, str>),
    /// A vendor's own terms for one category of goods (`[[vendors.categories]]`).
    VendorCategory {
        vendor: Cow<'a, str>,
        category: Cow<'a, str>,
    },
    /// An approved reroute moved the goods: N counts from its approval, and
    /// the deadline is the date it promised.
    Reroute {
        proposal: Cow<'a, str>,
        to: Cow<'a, str>,
    },
    ShippingMethod(Cow<'a, str>),
    Category(Cow<'a, str>),
    Default,
}

/// The N (business days to ship within) chosen for one line, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaRule<'a> {
    pub business_days: u32,
    pub source: SlaSource<'a>,
}

impl fmt::Display for SlaRule<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.business_days == 1 {
            "day"
        } else {
            "days"
        };
        let days = self.business_days;
        match &self.source {
            SlaSource::Reroute { proposal, to } => {
                write!(f, "{days} business {unit} from reroute {proposal} to {to}")
            }
            SlaSource::Vendor(id) => write!(f, "{days} business {unit}, vendor {id}'s SLA"),
            SlaSource::VendorCategory { vendor, category } => write!(
                f,
                "{days} business {unit}, vendor {vendor}'s SLA for {category}"
            ),
            SlaSource::ShippingMethod(method) => {
                write!(f, "{days} business {unit}, shipping method {method}")
            }
            SlaSource::Category(name) => write!(f, "{days} business {unit}, category {name}"),
            SlaSource::Default => write!(f, "{days} business {unit}, default SLA"),
        }
    }
}

/// N for one line, most specific policy first: the line's vendor (its terms
/// for the line's category, then its own), the order's
/// shipping method, the line's category (by SKU prefix), the shop default.
pub fn rule_for_line<'a>(
    policy: &'a Policy,
    order: &StorefrontOrder,
    line: &OrderLine,
) -> SlaRule<'a> {
    let vendor = line
        .vendor
        .as_deref()
        .and_then(|name| policy.line_vendor(name));
    rule_for_vendor_line(policy, vendor, order, line)
}

/// [`rule_for_line`] for a line whose vendor policy the caller has already
/// looked up: the engine needs it for every owed line twice (the SLA and
/// whether the vendor ships it itself), and the look-up scans every vendor.
pub(super) fn rule_for_vendor_line<'a>(
    policy: &'a Policy,
    vendor: Option<&'a VendorPolicy>,
    order: &StorefrontOrder,
    line: &OrderLine,
) -> SlaRule<'a> {
    let vendor = vendor.and_then(|v| {
        let own_terms = v.categories.iter().find_map(|terms| {
            let days = terms.ship_within_business_days?;
            let category = category_of(policy, line.sku.as_deref()?)?;
            category
                .name
                .eq_ignore_ascii_case(&terms.category)
                .then(|| SlaRule {
                    business_days: days,
                    source: SlaSource::VendorCategory {
                        vendor: Cow::Borrowed(&v.id),
                        category: Cow::Borrowed(&category.name),
                    },
                })
        });
        own_terms.or_else(|| {
            v.ship_within_business_days.map(|days| SlaRule {
                business_days: days,
                source: SlaSource::Vendor(Cow::Borrowed(&v.id)),
            })
        })
    });
    let method = || {
        let methods = &policy.sla.shipping_methods;
        // Most shops configure none; then the method is not even read.
        if methods.is_empty() {
            return None;
        }
        let method = lowercase(trimmed(order.shipping_method.as_deref()?));
        let (method, days) = methods.get_key_value(method.as_ref())?;
        Some(SlaRule {
            business_days: *days,
            source: SlaSource::ShippingMethod(Cow::Borrowed(method)),
        })
    };
    let category = || {
        let category = category_of(policy, line.sku.as_deref()?)?;
        Some(SlaRule {
            business_days: category.ship_within_business_days,
            source: SlaSource::Category(Cow::Borrowed(&category.name)),
        })
    };
    vendor.or_else(method).or_else(category).unwrap_or(SlaRule {
        business_days: policy.sla.ship_within_business_days,
        source: SlaSource::Default,
    })
}

/// The category a SKU falls in, by its prefix: the first that claims it.
pub fn category_of<'a>(policy: &'a Policy, sku: &str) -> Option<&'a CategoryPolicy> {
    let sku = trimmed(sku);
    policy.sla.categories.iter().find(|c| {
        c.sku_prefixes.iter().any(|prefix| {
            let prefix = trimmed(prefix);
            // An empty prefix would silently claim every SKU.
            !prefix.is_empty() && starts_with_ignoring_case(sku, prefix)
        })
    })
}

/// `text` in lower case, copied only when it has something to lower: this
/// runs for every line of every order evaluated.
fn lowercase(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// Whether `text` starts with `prefix` once both are in lower case.
fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    if text.is_ascii() && prefix.is_ascii() {
        text.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    } else {
        text.to_lowercase().starts_with(&prefix.to_lowercase())
    }
}
