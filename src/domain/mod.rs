//! The canonical model every part of orderdeck speaks. Pure data: no I/O, no
//! clock reads. Every fact carries the system that stated it and when it was
//! observed, so a finding can always show its evidence.

mod facts;
mod finding;
mod reservation;
mod storefront;
mod tracking;
mod vendor;
mod warehouse;

pub use facts::{
    DocumentContent, Observed, OrderFacts, ReplacementLink, PURCHASE_ORDER_KIND, REROUTE_KIND,
};
pub use finding::{Evidence, Finding, FindingCode, Queue, Verdict};
pub use reservation::{Reservation, ReservationState};
pub use storefront::{
    FinancialStatus, Fulfillment, FulfillmentHold, FulfillmentOrder, FulfillmentOrderLine,
    FulfillmentStatus, LineQuantity, OrderLine, Refund, StorefrontOrder,
};
pub use tracking::{CarrierShipment, ShipmentStatus, TrackingScan};
pub use vendor::{
    AckState, AlternateSource, PurchaseOrder, PurchaseOrderLine, RerouteAlternate, RerouteProposal,
    RerouteStatus, RerouteTrigger, Substitution, SubstitutionStatus, VendorPackage, VendorQuantity,
};
pub use warehouse::{WarehouseItem, WarehouseOrder, WarehouseShipment, WarehouseStatus};

use serde::{Deserialize, Serialize};

/// The systems orderdeck reconciles, named as operators name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    Storefront,
    Warehouse,
    Carrier,
    Vendor,
    /// Facts orderdeck derived itself (a deadline, a tolerance).
    Orderdeck,
}

impl System {
    pub fn as_str(self) -> &'static str {
        match self {
            System::Storefront => "storefront",
            System::Warehouse => "warehouse",
            System::Carrier => "carrier",
            System::Vendor => "vendor",
            System::Orderdeck => "orderdeck",
        }
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Order names are matched with or without their leading `#` (DESIGN.md §2):
/// ShipStation stores "1001" for Shopify's "#1001".
pub fn normalize_order_name(name: &str) -> String {
    name.trim()
        .trim_start_matches('#')
        .trim()
        .to_ascii_uppercase()
}
