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

impl ShipmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Pending => "pending",
            ShipmentStatus::PickedUp => "picked_up",
            ShipmentStatus::InTransit => "in_transit",
            ShipmentStatus::OutForDelivery => "out_for_delivery",
            ShipmentStatus::ReadyForPickup => "ready_for_pickup",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::DeliveryFailed => "delivery_failed",
            ShipmentStatus::Delayed => "delayed",
            ShipmentStatus::OnHold => "on_hold",
            ShipmentStatus::ReturnedToSender => "returned_to_sender",
            ShipmentStatus::Cancelled => "cancelled",
            ShipmentStatus::Unknown => "unknown",
        }
    }

    /// The status in the words a reason uses ("out for delivery").
    pub fn words(self) -> &'static str {
        match self {
            ShipmentStatus::Pending => "not yet handed to the carrier",
            ShipmentStatus::PickedUp => "picked up",
            ShipmentStatus::InTransit => "in transit",
            ShipmentStatus::OutForDelivery => "out for delivery",
            ShipmentStatus::ReadyForPickup => "ready for pickup",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::DeliveryFailed => "delivery failed",
            ShipmentStatus::Delayed => "delayed",
            ShipmentStatus::OnHold => "on hold",
            ShipmentStatus::ReturnedToSender => "returned to sender",
            ShipmentStatus::Cancelled => "cancelled",
            ShipmentStatus::Unknown => "status unknown",
        }
    }

    /// The parcel's journey is over: no further scans are expected.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ShipmentStatus::Delivered
                | ShipmentStatus::ReturnedToSender
                | ShipmentStatus::Cancelled
        )
    }
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
    /// The carrier as operators write it ("FedEx", "UPS", "USPS", "DHL").
    pub carrier: String,
    pub tracking_number: String,
    pub status: ShipmentStatus,
    /// The carrier's raw status code, kept as evidence. For a number the
    /// carrier has no record of (status `Unknown`, no scans), the carrier's
    /// error code, with its message as the incident.
    pub raw_status: String,
    /// Why a parcel is held up, where the carrier says.
    pub incident: Option<String>,
    /// Oldest first.
    pub scans: Vec<TrackingScan>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl CarrierShipment {
    pub fn last_scan_at(&self) -> Option<DateTime<Utc>> {
        self.scans.iter().map(|s| s.at).max()
    }

    /// The most recent scan; of scans at the same moment, the last listed.
    pub fn last_scan(&self) -> Option<&TrackingScan> {
        self.scans.iter().max_by_key(|s| s.at)
    }
}
