//! What the checks share: one order's facts in canonical order, and what is
//! derived from them once (the goods still owed, the warehouse shipments the
//! storefront has not heard of, the holds).

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};

use crate::domain::{
    FulfillmentHold, FulfillmentOrder, FulfillmentStatus, Observed, OrderFacts, OrderLine,
    StorefrontOrder, WarehouseOrder, WarehouseShipment, WarehouseStatus,
};
use crate::engine::policy::{Policy, VendorPolicy};
use crate::engine::sla::{self, SlaRule};

/// A copy of the facts in which every list is in a fixed order, so that the
/// findings (down to the order of names in a reason) never depend on the
/// order payloads arrived in.
pub(super) fn canonical(facts: &OrderFacts) -> Cow<'_, OrderFacts> {
    if facts.is_canonical() {
        Cow::Borrowed(facts)
    } else {
        let mut facts = facts.clone();
        facts.canonicalize();
        Cow::Owned(facts)
    }
}

/// A storefront line that still owes goods.
pub(super) struct OwedLine<'a> {
    pub line: &'a OrderLine,
    /// The vendor that ships this line itself (drop-ship); `None` for lines
    /// our warehouse ships.
    pub third_party: Option<&'a VendorPolicy>,
    /// Still owed once warehouse shipments the storefront has not heard of
    /// are counted as shipped.
    pub owed: u32,
    pub rule: SlaRule<'a>,
    pub ship_by: DateTime<Utc>,
}

impl OwedLine<'_> {
    pub fn label(&self) -> &str {
        self.line
            .sku
            .as_deref()
            .filter(|sku| !sku.trim().is_empty())
            .unwrap_or(&self.line.title)
    }
}

pub(super) enum ShipSource<'a> {
    Shipment(&'a Observed<WarehouseShipment>),
    /// Marked shipped with no shipment (label) known for it.
    Order(&'a Observed<WarehouseOrder>),
}

/// Goods the warehouse shipped that the storefront has not recorded.
pub(super) struct ShipEvent<'a> {
    pub at: DateTime<Utc>,
    pub source: ShipSource<'a>,
    /// Storefront-owed units this shipment accounts for.
    pub covered: u32,
}

impl ShipEvent<'_> {
    pub fn observed_at(&self) -> DateTime<Utc> {
        match self.source {
            ShipSource::Shipment(s) => s.observed_at,
            ShipSource::Order(o) => o.observed_at,
        }
    }

    /// Units per lower-cased SKU; `None` when the warehouse did not say what
    /// it shipped, in which case the whole in-house order is taken as shipped.
    fn shipped_by_sku(&self) -> Option<BTreeMap<String, u32>> {
        let ShipSource::Shipment(shipment) = self.source else {
            return None;
        };
        let mut by_sku = BTreeMap::new();
        for item in &shipment.value.items {
            if let Some(sku) = item.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                *by_sku.entry(sku.to_lowercase()).or_insert(0) += item.quantity;
            }
        }
        (!by_sku.is_empty()).then_some(by_sku)
    }
}

/// Something holding the order on purpose.
pub(super) enum Hold<'a> {
    Storefront {
        order: &'a FulfillmentOrder,
        hold: Option<&'a FulfillmentHold>,
        observed_at: DateTime<Utc>,
    },
    Warehouse(&'a Observed<WarehouseOrder>),
}

pub(super) struct Context<'a> {
    pub now: DateTime<Utc>,
    pub policy: &'a Policy,
    pub facts: &'a OrderFacts,
    pub storefront: Option<&'a Observed<StorefrontOrder>>,
    /// Goods still owed, in line-id order; empty for a cancelled order, which
    /// owes nothing.
    pub lines: Vec<OwedLine<'a>>,
    /// In time order.
    pub ship_events: Vec<ShipEvent<'a>>,
    pub holds: Vec<Hold<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(facts: &'a OrderFacts, policy: &'a Policy, now: DateTime<Utc>) -> Self {
        let storefront = facts.storefront.as_ref();
        let mut lines = storefront
            .filter(|sf| sf.value.cancelled_at.is_none())
            .map(|sf| owed_lines(policy, &sf.value))
            .unwrap_or_default();
        let ship_events = ship_events(facts, &mut lines);
        Context {
            now,
            policy,
            facts,
            storefront,
            lines,
            ship_events,
            holds: holds(facts),
        }
    }

    pub fn cancelled(&self) -> bool {
        self.storefront
            .is_some_and(|sf| sf.value.cancelled_at.is_some())
    }

    pub fn held(&self) -> bool {
        !self.holds.is_empty()
    }

    /// Goods still owed that our own warehouse is expected to ship.
    pub fn in_house_owed(&self) -> u32 {
        self.lines
            .iter()
            .filter(|l| l.third_party.is_none())
            .map(|l| l.owed)
            .sum()
    }

    pub fn live_shipments(&self) -> impl Iterator<Item = &'a Observed<WarehouseShipment>> {
        self.facts
            .warehouse_shipments
            .iter()
            .filter(|s| !s.value.voided)
    }

    /// The earliest deadline over the goods still owed.
    pub fn ship_by(&self) -> Option<DateTime<Utc>> {
        self.lines
            .iter()
            .filter(|l| l.owed > 0)
            .map(|l| l.ship_by)
            .min()
    }
}

fn owed_lines<'a>(policy: &'a Policy, order: &'a StorefrontOrder) -> Vec<OwedLine<'a>> {
    // The storefront's own summary wins over line counts that lag behind it.
    if matches!(
        order.fulfillment_status,
        FulfillmentStatus::Fulfilled | FulfillmentStatus::Restocked
    ) {
        return Vec::new();
    }
    // The lines of one order share its placing time, so each N needs its
    // calendar walk (and its time-zone conversions) once.
    let mut deadlines: Vec<((u32, NaiveTime), DateTime<Utc>)> = Vec::new();
    order
        .lines
        .iter()
        .filter(|line| line.requires_shipping && line.owed > 0)
        .map(|line| {
            let vendor = line.vendor.as_deref().and_then(|v| policy.vendor(v));
            let rule = sla::rule_for_vendor_line(policy, vendor, order, line);
            // A drop-ship vendor's own cutoff ends its day, not the shop's.
            let cutoff = vendor.and_then(|v| v.cutoff).unwrap_or(policy.sla.cutoff);
            let key = (rule.business_days, cutoff);
            let ship_by = match deadlines.iter().find(|(k, _)| *k == key) {
                Some(&(_, at)) => at,
                None => {
                    let at = sla::ship_by_after(
                        &policy.sla,
                        order.created_at,
                        rule.business_days,
                        cutoff,
                    );
                    deadlines.push((key, at));
                    at
                }
            };
            OwedLine {
                line,
                third_party: vendor.filter(|vendor| vendor.third_party),
                owed: line.owed,
                ship_by,
                rule,
            }
        })
        .collect()
}

/// Whether two tracking numbers are the same once trimmed, in either case.
/// Compared in place: this runs for every shipment of every order evaluated.
fn same_tracking(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_uppercase() == b.to_uppercase()
    }
}

/// Warehouse shipments the storefront does not show yet, each allotted the
/// owed units it accounts for (taken off `lines`). A shipment whose tracking
/// number a storefront fulfilment already carries is reflected in the
/// storefront's owed counts, so counting it again would hide goods still owed.
fn ship_events<'a>(facts: &'a OrderFacts, lines: &mut [OwedLine<'a>]) -> Vec<ShipEvent<'a>> {
    let recorded = || {
        facts
            .storefront
            .iter()
            .flat_map(|sf| &sf.value.fulfillments)
            .filter(|f| f.is_effective())
            .flat_map(|f| &f.tracking_numbers)
            .filter(|n| !n.trim().is_empty())
    };
    let live = || facts.warehouse_shipments.iter().filter(|s| !s.value.voided);
    let mut events: Vec<ShipEvent<'a>> = live()
        .filter(|s| {
            s.value
                .tracking_number
                .as_deref()
                .is_none_or(|n| !recorded().any(|r| same_tracking(r, n)))
        })
        .map(|s| ShipEvent {
            at: s.value.shipped_at,
            source: ShipSource::Shipment(s),
            covered: 0,
        })
        .collect();
    for order in &facts.warehouse_orders {
        let has_label = live().any(|s| {
            s.value
                .order_id
                .as_ref()
                .is_none_or(|id| *id == order.value.id)
        });
        if order.value.status == WarehouseStatus::Shipped && !has_label {
            events.push(ShipEvent {
                at: order
                    .value
                    .modified_at
                    .or(order.value.created_at)
                    .unwrap_or(order.observed_at),
                source: ShipSource::Order(order),
                covered: 0,
            });
        }
    }
    events.sort_by(|a, b| {
        a.at.cmp(&b.at)
            .then_with(|| source_id(a).cmp(&source_id(b)))
    });
    for event in &mut events {
        allot(event, lines);
    }
    events
}

fn source_id<'a>(event: &ShipEvent<'a>) -> (u8, &'a str) {
    match event.source {
        ShipSource::Shipment(s) => (0, &s.value.id),
        ShipSource::Order(o) => (1, &o.value.id),
    }
}

fn allot(event: &mut ShipEvent<'_>, lines: &mut [OwedLine<'_>]) {
    match event.shipped_by_sku() {
        Some(by_sku) => {
            for (sku, mut shipped) in by_sku {
                for line in lines.iter_mut().filter(|l| {
                    l.line
                        .sku
                        .as_deref()
                        .is_some_and(|s| s.trim().to_lowercase() == sku)
                }) {
                    let taken = shipped.min(line.owed);
                    line.owed -= taken;
                    shipped -= taken;
                    event.covered += taken;
                }
            }
        }
        None => {
            for line in lines.iter_mut().filter(|l| l.third_party.is_none()) {
                event.covered += line.owed;
                line.owed = 0;
            }
        }
    }
}

fn holds(facts: &OrderFacts) -> Vec<Hold<'_>> {
    let mut holds = Vec::new();
    if let Some(orders) = &facts.fulfillment_orders {
        // A closed or cancelled fulfilment order holds nothing back any more,
        // whatever holds it still lists.
        for order in orders
            .value
            .iter()
            .filter(|o| !matches!(o.status.as_str(), "closed" | "cancelled"))
        {
            if order.holds.is_empty() && order.status == "on_hold" {
                holds.push(Hold::Storefront {
                    order,
                    hold: None,
                    observed_at: orders.observed_at,
                });
            }
            holds.extend(order.holds.iter().map(|hold| Hold::Storefront {
                order,
                hold: Some(hold),
                observed_at: orders.observed_at,
            }));
        }
    }
    holds.extend(
        facts
            .warehouse_orders
            .iter()
            .filter(|o| o.value.status == WarehouseStatus::OnHold)
            .map(Hold::Warehouse),
    );
    holds
}
