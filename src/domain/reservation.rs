use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How firmly a vendor's units are held for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationState {
    /// Held by orderdeck against the vendor's ATP when the PO was created;
    /// the vendor has not answered yet.
    Soft,
    /// The vendor acknowledged the units.
    Firm,
}

impl ReservationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationState::Soft => "soft",
            ReservationState::Firm => "firm",
        }
    }
}

/// Units of one PO line held against its vendor's ATP, so that later
/// orders and reroute rankings do not count on them too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The order's name, normalised (`normalize_order_name`).
    pub order_ref: String,
    pub po_number: String,
    pub vendor_id: String,
    /// Our SKU.
    pub sku: String,
    /// The SKU the vendor's ATP is keyed by.
    pub vendor_sku: String,
    pub units: u32,
    pub state: ReservationState,
    /// When the units were first held: earlier holds keep their units when
    /// ATP runs short.
    pub held_at: DateTime<Utc>,
}
