use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a drop-ship purchase order stands with its vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckState {
    /// Sent, not yet acknowledged.
    Sent,
    Accepted,
    AcceptedWithChanges,
    PartiallyAccepted,
    Rejected,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderLine {
    pub our_sku: String,
    pub vendor_sku: Option<String>,
    pub ordered: u32,
    pub accepted: Option<u32>,
    pub shipped: u32,
}

/// One package a vendor's ship notice names, for the carriers to track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorPackage {
    pub tracking_number: String,
    /// The carrier as the vendor named it (SCAC or routing text).
    pub carrier: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
}

/// A purchase order sent to a drop-ship vendor for (part of) an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub po_number: String,
    pub vendor_id: String,
    pub sent_at: DateTime<Utc>,
    pub ack: AckState,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub promised_ship_date: Option<DateTime<Utc>>,
    pub lines: Vec<PurchaseOrderLine>,
    /// The order (its name) this PO was sent for: how vendor documents about
    /// the PO find their order.
    #[serde(default)]
    pub order_name: String,
    /// Bumped by each vendor document applied to this PO, so the store keeps
    /// the latest state whatever the vendor's own dates say.
    #[serde(default)]
    pub revision: u32,
    #[serde(default)]
    pub packages: Vec<VendorPackage>,
}
