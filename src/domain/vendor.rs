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
}
