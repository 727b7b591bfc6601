use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One normalised shipment status across carriers (DESIGN.md §2). A carrier
/// code the mapping does not know is `Unknown`, never assumed in transit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    Pending,
    PickedUp,
    InTransit,
    OutForDelivery,
    ReadyForPickup,
    Delivered,
    DeliveryFailed,
    Delayed,
    OnHold,
    ReturnedToSender,
    Cancelled,
    Unknown,
}

/// One carrier scan, with the carrier's raw code kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingScan {
    pub at: DateTime<Utc>,
    pub status: ShipmentStatus,
    pub carrier_code: String,
    pub description: String,
    pub location: Option<String>,
}

/// A parcel as its carrier reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierShipment {
    pub carrier: String,
    pub tracking_number: String,
    pub status: ShipmentStatus,
    /// The carrier's raw status code, kept as evidence.
    pub raw_status: String,
    /// Why a parcel is held up, where the carrier says.
    pub incident: Option<String>,
    pub scans: Vec<TrackingScan>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl CarrierShipment {
    pub fn last_scan_at(&self) -> Option<DateTime<Utc>> {
        self.scans.iter().map(|s| s.at).max()
    }
}
