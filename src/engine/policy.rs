use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use chrono_tz::Tz;

use super::checks::text::trimmed;

/// Everything the engine needs to know about the shop's rules, built from the
/// config once; the engine never reads config itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub sla: SlaPolicy,
    pub tolerances: Tolerances,
    pub vendors: Vec<VendorPolicy>,
    pub reroute: ReroutePolicy,
    pub drop_ship: DropShipPolicy,
}

/// How far orderdeck commits drop-shipped goods on its own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DropShipPolicy {
    /// Categories (`sla.categories` names) whose goods are never promised
    /// to the customer, nor rerouted automatically, before the vendor has
    /// acknowledged them.
    pub sensitive_categories: Vec<String>,
}

/// Which reroute proposals need a human before they run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReroutePolicy {
    /// A proposal whose landed cost exceeds the original PO's by more than
    /// this (shop currency) waits for approval.
    pub approve_above_cost: f64,
    /// A proposal that splits the order over several sources waits for
    /// approval.
    pub approve_splits: bool,
    /// A vendor's substitute waits for approval; otherwise it is accepted
    /// on its own (and recorded).
    pub approve_substitutions: bool,
    /// A proposal that pays a vendor to expedite waits for approval: the fee
    /// is money spent to save the ship-by.
    pub approve_expedites: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlaPolicy {
    /// The shop's zone: business days, the cutoff and deadlines are counted in it.
    pub timezone: Tz,
    /// Orders placed after this local time start the next business day.
    pub cutoff: NaiveTime,
    /// The default N: ship by the end of the Nth business day after the start day.
    pub ship_within_business_days: u32,
    pub holidays: BTreeSet<NaiveDate>,
    /// N per shipping method, keyed by the method's code or title, lower-cased.
    pub shipping_methods: BTreeMap<String, u32>,
    pub categories: Vec<CategoryPolicy>,
}

/// A product category, recognised by SKU prefix, with its own N.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryPolicy {
    pub name: String,
    pub sku_prefixes: Vec<String>,
    pub ship_within_business_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Warehouse shipped, storefront not yet updated: `SYNC_DELAY` until this
    /// has passed, `FULFILMENT_NOT_SYNCED` after.
    pub sync_lag: TimeDelta,
    /// A paid order unknown to the warehouse is `NOT_AT_WAREHOUSE` after this.
    pub warehouse_handoff: TimeDelta,
    /// Shipped with no tracking number for longer than this: `NO_TRACKING`.
    pub no_tracking: TimeDelta,
    /// No carrier scan for longer than this: `TRACKING_STALLED`.
    pub tracking_stall: TimeDelta,
    /// A source not read for longer than this, or whose newest change lags
    /// the other systems' by more: `STALE_DATA` on the orders it concerns.
    pub stale_data: TimeDelta,
}

/// A vendor's own rules. Lines are matched to a vendor by the line's `vendor`.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorPolicy {
    pub id: String,
    /// Fulfilled by the vendor (drop-ship), not by our warehouse.
    pub third_party: bool,
    /// The vendor's own N, most specific of all SLA policies.
    pub ship_within_business_days: Option<u32>,
    /// How long the vendor has to acknowledge a purchase order.
    pub confirm_within: Option<TimeDelta>,
    /// Lower goes first when alternates are ranked.
    pub priority: u32,
    /// Landed cost of one unit, by our SKU.
    pub landed_cost: BTreeMap<String, f64>,
    /// Reroutes away from this vendor are recorded, never executed.
    pub observe_only: bool,
    /// Purchase orders can be sent to it (an API or an EDI outbox).
    pub takes_orders: bool,
    /// Our SKUs and the vendor's; empty when the vendor takes our SKUs as
    /// they are.
    pub items: Vec<VendorItem>,
    /// A faster SLA the vendor sells for a fee, used by a reroute only when
    /// the standard one would miss the order's ship-by.
    pub expedite: Option<Expedite>,
    /// Set for an in-house warehouse (`[[warehouses]]`), not a vendor: the
    /// storefront location whose stock it ships. A reroute to it moves the
    /// order's fulfilment order there instead of sending a PO.
    pub location_id: Option<String>,
    /// The vendor's daily cutoff (shop time): an order after it starts the
    /// vendor's clock on its next business day. The shop's when absent.
    pub cutoff: Option<chrono::NaiveTime>,
    /// The vendor's own terms for some categories of goods, which beat its
    /// general ones for lines of that category.
    pub categories: Vec<VendorCategoryTerms>,
}

/// A vendor's SLA for one category (`[[vendors.categories]]`): a rug vendor
/// may ship rugs in 5 days but confirm made-to-order furniture in 48 hours
/// and ship it in 15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorCategoryTerms {
    /// The name of one of `sla.categories`.
    pub category: String,
    pub ship_within_business_days: Option<u32>,
    pub confirm_within: Option<TimeDelta>,
}

/// A vendor's paid, faster promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expedite {
    /// Its N: smaller than the vendor's standard one.
    pub within_business_days: u32,
    /// Charged per purchase order, in cents of the shop's currency.
    pub fee_cents: i64,
}

/// One line of a vendor's item map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorItem {
    pub sku: String,
    pub vendor_sku: String,
    pub discontinued: bool,
    /// Our units in one of the vendor's `uom`.
    pub pack_size: u32,
    /// The vendor's unit code (X12 PO103), upper-case.
    pub uom: String,
    /// The option that picks our variant out of `vendor_sku`.
    pub option: Option<String>,
}

impl VendorItem {
    /// `sku` sold as `vendor_sku`, one of ours to one EA of the vendor's.
    pub fn new(sku: &str, vendor_sku: &str) -> VendorItem {
        VendorItem {
            sku: sku.to_string(),
            vendor_sku: vendor_sku.to_string(),
            discontinued: false,
            pack_size: 1,
            uom: "EA".to_string(),
            option: None,
        }
    }

    /// `quantity` of our units in the vendor's, or `None` when it is not a
    /// whole number of its packs.
    pub fn packs(&self, quantity: u32) -> Option<u32> {
        let pack = self.pack_size.max(1);
        (quantity % pack == 0).then_some(quantity / pack)
    }
}

/// What a vendor's item map says of one of our SKUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemMapping<'a> {
    /// No map: the vendor takes our SKU as it is.
    AsIs,
    Mapped(&'a VendorItem),
    Unmapped,
}

impl VendorPolicy {
    /// How long the vendor has to acknowledge a PO for these SKUs: the
    /// shortest window any of them is under, since the PO is one document
    /// and is late once its strictest line is. A SKU of a category with its
    /// own terms is under those, any other under the vendor's.
    pub fn ack_window<'a>(
        &self,
        policy: &Policy,
        skus: impl IntoIterator<Item = &'a str>,
    ) -> Option<TimeDelta> {
        if self.categories.is_empty() {
            return self.confirm_within;
        }
        skus.into_iter()
            .filter_map(|sku| {
                crate::engine::sla::category_of(policy, sku)
                    .and_then(|category| {
                        self.categories
                            .iter()
                            .find(|t| t.category.eq_ignore_ascii_case(&category.name))
                    })
                    .and_then(|terms| terms.confirm_within)
                    .or(self.confirm_within)
            })
            .min()
    }

    /// Its N: its paid faster one when `expedited` and it sells one, else
    /// its own, else the shop's `default`.
    pub fn ship_within(&self, default: u32, expedited: bool) -> u32 {
        match self.expedite {
            Some(expedite) if expedited => expedite.within_business_days,
            _ => self.ship_within_business_days.unwrap_or(default),
        }
    }

    pub fn item(&self, sku: &str) -> ItemMapping<'_> {
        if self.items.is_empty() {
            return ItemMapping::AsIs;
        }
        let sku = trimmed(sku);
        match self.items.iter().find(|i| i.sku.eq_ignore_ascii_case(sku)) {
            Some(item) => ItemMapping::Mapped(item),
            None => ItemMapping::Unmapped,
        }
    }

    /// The SKU the vendor sells ours under (its ATP is keyed by it), or
    /// `None` when it cannot be ordered from this vendor: unmapped or
    /// discontinued.
    pub fn orderable_as<'a>(&'a self, sku: &'a str) -> Option<&'a str> {
        match self.item(sku) {
            ItemMapping::AsIs => Some(sku),
            ItemMapping::Mapped(item) if !item.discontinued => Some(&item.vendor_sku),
            ItemMapping::Mapped(_) | ItemMapping::Unmapped => None,
        }
    }
}

impl VendorPolicy {
    /// As `orderable_as`, and `quantity` of ours is a whole number of the
    /// vendor's packs.
    pub fn orderable_in<'a>(&'a self, sku: &'a str, quantity: u32) -> Option<&'a str> {
        let whole = match self.item(sku) {
            ItemMapping::Mapped(item) => item.packs(quantity).is_some(),
            ItemMapping::AsIs | ItemMapping::Unmapped => true,
        };
        self.orderable_as(sku).filter(|_| whole)
    }

    /// The map's entry the vendor's ATP for `vendor_sku` is read by (the
    /// first, when variants share it).
    pub fn item_sold_as(&self, vendor_sku: &str) -> Option<&VendorItem> {
        self.items
            .iter()
            .find(|i| i.vendor_sku.eq_ignore_ascii_case(trimmed(vendor_sku)))
    }
}

impl Policy {
    /// The vendor a storefront line names: our warehouses are alternates
    /// of reroutes, never a line's vendor, however a product's vendor field
    /// is spelled.
    pub fn line_vendor(&self, vendor: &str) -> Option<&VendorPolicy> {
        self.vendor(vendor).filter(|v| v.location_id.is_none())
    }

    pub fn vendor(&self, vendor: &str) -> Option<&VendorPolicy> {
        let vendor = trimmed(vendor);
        self.vendors
            .iter()
            .find(|v| v.id.eq_ignore_ascii_case(vendor))
    }
}
