//! One order's whole life, decided when the order is made: what happens in
//! each system and when. What a system shows at any moment is folded from the
//! changes up to that moment, so the same plan answers for every clock time
//! and every change bumps that system's own modification time.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::scenario::Scenario;
use super::truth::CodeSpan;

/// The carriers the simulator speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    Fedex,
    Ups,
    Usps,
    Dhl,
}

impl Carrier {
    pub const ALL: [Carrier; 4] = [Carrier::Fedex, Carrier::Ups, Carrier::Usps, Carrier::Dhl];

    /// The `[carriers.*]` key and URL prefix.
    pub fn key(self) -> &'static str {
        match self {
            Carrier::Fedex => "fedex",
            Carrier::Ups => "ups",
            Carrier::Usps => "usps",
            Carrier::Dhl => "dhl",
        }
    }

    /// Shopify's `tracking_company`.
    pub fn company(self) -> &'static str {
        match self {
            Carrier::Fedex => "FedEx",
            Carrier::Ups => "UPS",
            Carrier::Usps => "USPS",
            Carrier::Dhl => "DHL Express",
        }
    }

    /// ShipStation's `carrierCode` and `serviceCode`.
    pub fn shipstation_codes(self) -> (&'static str, &'static str) {
        match self {
            Carrier::Fedex => ("fedex", "fedex_ground"),
            Carrier::Ups => ("ups", "ups_ground"),
            Carrier::Usps => ("stamps_com", "usps_priority_mail"),
            Carrier::Dhl => ("dhl_express_worldwide", "dhl_express_worldwide"),
        }
    }
}

/// A town, with the zone its local times are given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub street: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub zip: &'static str,
    pub zone: Tz,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: u64,
    pub first: &'static str,
    pub last: &'static str,
    pub address: Place,
}

impl Customer {
    pub fn email(&self) -> String {
        format!(
            "{}.{}@example.com",
            self.first.to_lowercase(),
            self.last.to_lowercase()
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub id: u64,
    pub sku: &'static str,
    pub title: &'static str,
    pub vendor: &'static str,
    pub quantity: u32,
    pub price_cents: u64,
}

/// Shopify's `financial_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Financial {
    Pending,
    Authorized,
    Paid,
    PartiallyRefunded,
    Refunded,
    Voided,
}

impl Financial {
    pub fn as_str(self) -> &'static str {
        match self {
            Financial::Pending => "pending",
            Financial::Authorized => "authorized",
            Financial::Paid => "paid",
            Financial::PartiallyRefunded => "partially_refunded",
            Financial::Refunded => "refunded",
            Financial::Voided => "voided",
        }
    }
}

/// Something that happens to the order in the storefront.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SfChange {
    Paid,
    /// A hold on the fulfilment order (Shopify's reason enum and notes).
    Held {
        reason: &'static str,
        notes: &'static str,
    },
    Cancelled {
        reason: &'static str,
    },
    Refunded {
        quantity: u32,
    },
    /// The storefront records the shipment (a fulfilment), with the parcel's
    /// tracking number unless the parcel has none.
    Fulfilled {
        tracked: bool,
    },
    /// The fulfilment's `shipment_status`, as the carrier reports it.
    Shipment(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorefrontPlan {
    pub id: u64,
    pub initial: Financial,
    pub tags: String,
    /// In time order.
    pub changes: Vec<(DateTime<Utc>, SfChange)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    pub since: DateTime<Utc>,
    pub reason: &'static str,
    pub notes: &'static str,
}

/// The storefront's view of the order at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfState {
    pub financial: Financial,
    pub cancelled: Option<(DateTime<Utc>, &'static str)>,
    pub refunded: Option<(DateTime<Utc>, u32)>,
    pub fulfilled: Option<(DateTime<Utc>, bool)>,
    pub hold: Option<Hold>,
    pub shipment_status: Option<&'static str>,
    /// The last change to the fulfilment (its creation or a shipment status).
    pub shipment_updated_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The last change to the fulfilment order (hold, cancel, fulfilment).
    pub fulfillment_order_updated_at: DateTime<Utc>,
}

impl StorefrontPlan {
    pub fn state(&self, created: DateTime<Utc>, quantity: u32, at: DateTime<Utc>) -> SfState {
        let mut state = SfState {
            financial: self.initial,
            cancelled: None,
            refunded: None,
            fulfilled: None,
            hold: None,
            shipment_status: None,
            shipment_updated_at: None,
            updated_at: created,
            fulfillment_order_updated_at: created,
        };
        for &(when, change) in self.changes.iter().take_while(|(when, _)| *when <= at) {
            state.updated_at = when;
            match change {
                SfChange::Paid => state.financial = Financial::Paid,
                SfChange::Held { reason, notes } => {
                    state.hold = Some(Hold {
                        since: when,
                        reason,
                        notes,
                    });
                    state.fulfillment_order_updated_at = when;
                }
                SfChange::Cancelled { reason } => {
                    state.cancelled = Some((when, reason));
                    state.hold = None;
                    state.fulfillment_order_updated_at = when;
                    if state.financial == Financial::Authorized {
                        state.financial = Financial::Voided;
                    }
                }
                SfChange::Refunded { quantity: refunded } => {
                    state.refunded = Some((when, refunded));
                    state.financial = if refunded >= quantity {
                        Financial::Refunded
                    } else {
                        Financial::PartiallyRefunded
                    };
                    state.fulfillment_order_updated_at = when;
                }
                SfChange::Fulfilled { tracked } => {
                    state.fulfilled = Some((when, tracked));
                    state.shipment_status = tracked.then_some("confirmed");
                    state.shipment_updated_at = Some(when);
                    state.fulfillment_order_updated_at = when;
                }
                SfChange::Shipment(status) => {
                    state.shipment_status = Some(status);
                    state.shipment_updated_at = Some(when);
                }
            }
        }
        state
    }
}

/// ShipStation's `orderStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhStatus {
    AwaitingShipment,
    OnHold,
    Shipped,
    Cancelled,
}

impl WhStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WhStatus::AwaitingShipment => "awaiting_shipment",
            WhStatus::OnHold => "on_hold",
            WhStatus::Shipped => "shipped",
            WhStatus::Cancelled => "cancelled",
        }
    }
}

/// Something that happens to the order at the warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhChange {
    /// The order reaches the warehouse, awaiting shipment.
    Imported,
    Held {
        until: DateTime<Utc>,
    },
    Released,
    /// Fewer units to ship (a partial refund reached the warehouse).
    Quantity(u32),
    /// A label is bought and the parcel leaves: the order is shipped and a
    /// shipment exists, with a tracking number unless `tracked` is false.
    Shipped {
        tracked: bool,
    },
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehousePlan {
    pub order_id: u64,
    pub shipment_id: u64,
    /// In time order; the first is `Imported`.
    pub changes: Vec<(DateTime<Utc>, WhChange)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhState {
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub status: WhStatus,
    pub hold_until: Option<DateTime<Utc>>,
    pub quantity: u32,
    pub shipped: Option<(DateTime<Utc>, bool)>,
}

impl WarehousePlan {
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.changes.first().map(|(at, _)| *at)
    }

    /// `None` before the order reaches the warehouse.
    pub fn state(&self, quantity: u32, at: DateTime<Utc>) -> Option<WhState> {
        let created_at = self.created_at().filter(|created| *created <= at)?;
        let mut state = WhState {
            created_at,
            modified_at: created_at,
            status: WhStatus::AwaitingShipment,
            hold_until: None,
            quantity,
            shipped: None,
        };
        for &(when, change) in self.changes.iter().take_while(|(when, _)| *when <= at) {
            state.modified_at = when;
            match change {
                WhChange::Imported => {}
                WhChange::Held { until } => {
                    state.status = WhStatus::OnHold;
                    state.hold_until = Some(until);
                }
                WhChange::Released => {
                    state.status = WhStatus::AwaitingShipment;
                    state.hold_until = None;
                }
                WhChange::Quantity(units) => state.quantity = units,
                WhChange::Shipped { tracked } => {
                    state.status = WhStatus::Shipped;
                    state.shipped = Some((when, tracked));
                }
                WhChange::Cancelled => state.status = WhStatus::Cancelled,
            }
        }
        Some(state)
    }
}

/// A carrier scan, in the simulator's own words; each carrier's module says
/// it in that carrier's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanEvent {
    LabelCreated,
    PickedUp,
    Arrived,
    Departed,
    OutForDelivery,
    Delivered,
    /// A failed delivery attempt: the carrier's exception.
    DeliveryFailed,
    /// A code outside the carrier's usual set.
    Unmapped,
}

impl ScanEvent {
    /// The Shopify `shipment_status` this scan leads to, if it changes it.
    pub fn shopify_status(self) -> Option<&'static str> {
        match self {
            ScanEvent::LabelCreated => Some("label_printed"),
            ScanEvent::PickedUp | ScanEvent::Arrived | ScanEvent::Departed => Some("in_transit"),
            ScanEvent::OutForDelivery => Some("out_for_delivery"),
            ScanEvent::Delivered => Some("delivered"),
            ScanEvent::DeliveryFailed => Some("attempted_delivery"),
            ScanEvent::Unmapped => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    pub at: DateTime<Utc>,
    pub event: ScanEvent,
    pub place: Place,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParcelPlan {
    pub carrier: Carrier,
    pub tracking_number: String,
    pub origin: Place,
    pub destination: Place,
    /// In time order.
    pub scans: Vec<Scan>,
}

impl ParcelPlan {
    /// The scans the carrier has made by `at`, oldest first.
    pub fn scans_at(&self, at: DateTime<Utc>) -> &[Scan] {
        let seen = self.scans.iter().take_while(|s| s.at <= at).count();
        &self.scans[..seen]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipping {
    pub code: &'static str,
    pub title: &'static str,
    pub price_cents: u64,
}

/// One order and everything that will happen to it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPlan {
    pub index: u64,
    pub scenario: Scenario,
    /// Shopify's `name` (`#1001`); ShipStation's `orderNumber` drops the `#`.
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub customer: Customer,
    pub line: Line,
    pub shipping: Shipping,
    pub storefront: Option<StorefrontPlan>,
    pub warehouse: Option<WarehousePlan>,
    pub parcel: Option<ParcelPlan>,
    /// The storefront id written as ShipStation's `orderKey`.
    pub order_key: u64,
    /// Which finding codes hold when (see `truth`).
    pub truth: Vec<CodeSpan>,
}

impl OrderPlan {
    /// When any system first knows the order.
    pub fn appears_at(&self) -> DateTime<Utc> {
        let storefront = self.storefront.as_ref().map(|_| self.created_at);
        let warehouse = self.warehouse.as_ref().and_then(WarehousePlan::created_at);
        match (storefront, warehouse) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => self.created_at,
        }
    }

    pub fn storefront_state(&self, at: DateTime<Utc>) -> Option<SfState> {
        let plan = self.storefront.as_ref()?;
        (self.created_at <= at).then(|| plan.state(self.created_at, self.line.quantity, at))
    }

    pub fn warehouse_state(&self, at: DateTime<Utc>) -> Option<WhState> {
        self.warehouse.as_ref()?.state(self.line.quantity, at)
    }

    /// The name orderdeck knows the order by: the storefront's, else the
    /// warehouse's order number.
    pub fn display_name(&self) -> &str {
        if self.storefront.is_some() {
            &self.name
        } else {
            self.order_number()
        }
    }

    pub fn order_number(&self) -> &str {
        self.name.trim_start_matches('#')
    }
}
