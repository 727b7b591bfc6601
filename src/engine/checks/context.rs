//! What the checks share: one order's facts in canonical order, and what is
//! derived from them once (the goods still owed, the warehouse shipments the
//! storefront has not heard of, the holds).

use std::borrow::Cow;

use chrono::{DateTime, NaiveTime, Utc};

use super::text::trimmed;
use crate::domain::{
    AckState, FulfillmentHold, FulfillmentOrder, FulfillmentStatus, Observed, OrderFacts,
    OrderLine, PurchaseOrder, RerouteStatus, StorefrontOrder, WarehouseOrder, WarehouseShipment,
    WarehouseStatus,
};
use crate::engine::policy::{Policy, VendorPolicy};
use crate::engine::sla::{self, SlaRule, SlaSource};

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
    /// When an approved reroute handed the line to its source.
    pub rerouted_at: Option<DateTime<Utc>>,
}

impl OwedLine<'_> {
    pub fn label(&self) -> &str {
        self.line
            .sku
            .as_deref()
            .filter(|sku| !trimmed(sku).is_empty())
            .unwrap_or(&self.line.title)
    }
}

pub(super) enum ShipSource<'a> {
    Shipment(&'a Observed<WarehouseShipment>),
    /// Marked shipped with no shipment (label) known for it.
    Order(&'a Observed<WarehouseOrder>),
    /// A drop-ship vendor's ship notice (856 or its API) for a PO.
    Vendor(&'a Observed<PurchaseOrder>),
}

/// Goods the warehouse or a drop-ship vendor shipped that the storefront
/// has not recorded.
pub(super) struct ShipEvent<'a> {
    pub at: DateTime<Utc>,
    pub source: ShipSource<'a>,
    /// Storefront-owed units this shipment accounts for.
    pub covered: u32,
}

impl<'a> ShipEvent<'a> {
    pub fn observed_at(&self) -> DateTime<Utc> {
        match self.source {
            ShipSource::Shipment(s) => s.observed_at,
            ShipSource::Order(o) => o.observed_at,
            ShipSource::Vendor(po) => po.observed_at,
        }
    }

    /// The units it names per SKU (trimmed; SKU-less and empty entries left
    /// out); `None` when the warehouse did not say what it shipped, in which
    /// case the whole in-house order is taken as shipped.
    fn shipped_items(&self) -> Option<Vec<(&'a str, u32)>> {
        let items: Vec<(&str, u32)> = match self.source {
            ShipSource::Shipment(shipment) => shipment
                .value
                .items
                .iter()
                .filter_map(|item| Some((trimmed(item.sku.as_deref()?), item.quantity)))
                .filter(|&(sku, quantity)| !sku.is_empty() && quantity > 0)
                .collect(),
            ShipSource::Vendor(po) => po
                .value
                .lines
                .iter()
                .map(|line| (trimmed(&line.our_sku), line.shipped))
                .filter(|&(sku, quantity)| !sku.is_empty() && quantity > 0)
                .collect(),
            ShipSource::Order(_) => return None,
        };
        (!items.is_empty()).then_some(items)
    }
}

/// Whether two SKUs or tracking numbers are the same in either case.
/// Compared in place: this runs for every shipped item and every shipment
/// of every order evaluated.
fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
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
            .map(|sf| owed_lines(policy, facts, &sf.value))
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

    /// The latest hand-over of in-house goods by an approved reroute (to
    /// one of our warehouses), if any are still owed.
    pub fn in_house_rerouted_at(&self) -> Option<DateTime<Utc>> {
        self.lines
            .iter()
            .filter(|l| l.third_party.is_none() && l.owed > 0)
            .filter_map(|l| l.rerouted_at)
            .max()
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

fn owed_lines<'a>(
    policy: &'a Policy,
    facts: &'a OrderFacts,
    order: &'a StorefrontOrder,
) -> Vec<OwedLine<'a>> {
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
            if let Some(moved) = rerouted(policy, facts, line) {
                return moved;
            }
            let vendor = line.vendor.as_deref().and_then(|v| policy.line_vendor(v));
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
                rerouted_at: None,
            }
        })
        .collect()
}

/// A line whose goods an approved reroute sent elsewhere: from then on the
/// source it chose ships them (a vendor drop-ships them, our warehouse ships
/// them in-house) by the date the reroute promised, whatever vendor the
/// storefront still names on the line. The latest approval wins: a rerouted
/// PO can be rerouted again.
fn rerouted<'a>(
    policy: &'a Policy,
    facts: &'a OrderFacts,
    line: &'a OrderLine,
) -> Option<OwedLine<'a>> {
    let sku = trimmed(line.sku.as_deref()?);
    let (proposal, source) = facts
        .reroutes
        .iter()
        .map(|p| &p.value)
        .filter(|p| p.status == RerouteStatus::Approved)
        .filter_map(|p| {
            let alternate = p.alternates.get(p.chosen?)?;
            if alternate.substitution {
                return None;
            }
            let source = alternate
                .sources
                .iter()
                .filter(|s| s.lines.iter().any(|(l, _, _)| l.eq_ignore_ascii_case(sku)))
                .max_by_key(|s| s.promised_by)?;
            Some((p, source))
        })
        .max_by_key(|(p, _)| p.decided_at)?;
    let vendor = policy.vendor(&source.vendor_id);
    let default = policy.sla.ship_within_business_days;
    let business_days = vendor.map_or(default, |v| {
        v.ship_within(default, source.expedite_fee_cents.is_some())
    });
    Some(OwedLine {
        line,
        third_party: vendor.filter(|v| v.third_party && v.location_id.is_none()),
        owed: line.owed,
        rule: SlaRule {
            business_days,
            source: SlaSource::Reroute {
                proposal: Cow::Borrowed(&proposal.id),
                to: Cow::Borrowed(&source.vendor_id),
            },
        },
        ship_by: proposal
            .promise_written
            .map_or(source.promised_by, |(promise, _)| promise),
        rerouted_at: proposal.decided_at,
    })
}

/// Whether two tracking numbers are the same once trimmed, in either case.
fn same_tracking(a: &str, b: &str) -> bool {
    same_ignoring_case(trimmed(a), trimmed(b))
}

/// Warehouse shipments and vendors' ship notices the storefront does not
/// show yet, each allotted the owed units it accounts for (taken off
/// `lines`). A shipment whose tracking
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
            .filter(|n| !trimmed(n).is_empty())
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
    events.extend(
        facts
            .purchase_orders
            .iter()
            .filter(|po| po.value.ack != AckState::Cancelled)
            .filter(|po| po.value.lines.iter().any(|l| l.shipped > 0))
            // Once the storefront carries any of the PO's packages, its owed
            // counts reflect what the vendor shipped; counting the PO again
            // could hide goods still owed.
            .filter(|po| {
                !po.value
                    .packages
                    .iter()
                    .any(|p| recorded().any(|r| same_tracking(r, &p.tracking_number)))
            })
            .map(|po| ShipEvent {
                at: po
                    .value
                    .packages
                    .iter()
                    .filter_map(|p| p.shipped_at)
                    .max()
                    .unwrap_or(po.observed_at),
                source: ShipSource::Vendor(po),
                covered: 0,
            }),
    );
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
        ShipSource::Vendor(po) => (2, &po.value.po_number),
    }
}

fn allot(event: &mut ShipEvent<'_>, lines: &mut [OwedLine<'_>]) {
    match event.shipped_items() {
        Some(items) => {
            // Each SKU once, with the units of every item that names it (in
            // any case): the lines of one SKU take them in line order.
            for (first, &(sku, _)) in items.iter().enumerate() {
                if items[..first]
                    .iter()
                    .any(|&(seen, _)| same_ignoring_case(seen, sku))
                {
                    continue;
                }
                let mut shipped: u32 = items[first..]
                    .iter()
                    .filter(|&&(other, _)| same_ignoring_case(other, sku))
                    .map(|&(_, quantity)| quantity)
                    .sum();
                for line in lines.iter_mut().filter(|l| {
                    l.line
                        .sku
                        .as_deref()
                        .is_some_and(|s| same_ignoring_case(trimmed(s), sku))
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
