use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::System;

/// A check's outcome. `Overdue` is carried only by `SLA_BREACH`, the finding
/// that drives the overdue queue (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Info,
    Overdue,
    Blocked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Info => "info",
            Verdict::Overdue => "overdue",
            Verdict::Blocked => "blocked",
        }
    }
}

/// Stable finding codes: operators' scripts match on these strings, so a code
/// is added, never renamed or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingCode {
    NotInStorefront,
    NotAtWarehouse,
    Cancelled,
    CancelledButActive,
    RefundedFull,
    OnHold,
    RefundedPartial,
    ThirdPartyVendor,
    SyncDelay,
    FulfilmentNotSynced,
    DeliveredNotClosed,
    SlaBreach,
    ReplacementExists,
    NoTracking,
    TrackingStalled,
    CarrierException,
    VendorNoAck,
    VendorPartialAck,
    VendorRejected,
    SkuUnmapped,
    UomMismatch,
    Discontinued,
    RerouteProposed,
    StaleData,
    CarrierStatusUnknown,
    /// Cancelled at the warehouse while the storefront still owes goods.
    WarehouseCancelled,
    /// Goods owed, deadline not yet reached: the pass side of the SLA check.
    SlaOnTime,
    /// A vendor will ship a substitute for a line: blocked until decided.
    VendorSubstitution,
    /// A vendor accepted a PO and has not shipped it by the date it promised.
    VendorShipLate,
}

impl FindingCode {
    pub const ALL: [FindingCode; 29] = [
        FindingCode::NotInStorefront,
        FindingCode::NotAtWarehouse,
        FindingCode::Cancelled,
        FindingCode::CancelledButActive,
        FindingCode::RefundedFull,
        FindingCode::OnHold,
        FindingCode::RefundedPartial,
        FindingCode::ThirdPartyVendor,
        FindingCode::SyncDelay,
        FindingCode::FulfilmentNotSynced,
        FindingCode::DeliveredNotClosed,
        FindingCode::SlaBreach,
        FindingCode::ReplacementExists,
        FindingCode::NoTracking,
        FindingCode::TrackingStalled,
        FindingCode::CarrierException,
        FindingCode::VendorNoAck,
        FindingCode::VendorPartialAck,
        FindingCode::VendorRejected,
        FindingCode::SkuUnmapped,
        FindingCode::UomMismatch,
        FindingCode::Discontinued,
        FindingCode::RerouteProposed,
        FindingCode::StaleData,
        FindingCode::CarrierStatusUnknown,
        FindingCode::WarehouseCancelled,
        FindingCode::SlaOnTime,
        FindingCode::VendorSubstitution,
        FindingCode::VendorShipLate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::NotInStorefront => "NOT_IN_STOREFRONT",
            FindingCode::NotAtWarehouse => "NOT_AT_WAREHOUSE",
            FindingCode::Cancelled => "CANCELLED",
            FindingCode::CancelledButActive => "CANCELLED_BUT_ACTIVE",
            FindingCode::RefundedFull => "REFUNDED_FULL",
            FindingCode::OnHold => "ON_HOLD",
            FindingCode::RefundedPartial => "REFUNDED_PARTIAL",
            FindingCode::ThirdPartyVendor => "THIRD_PARTY_VENDOR",
            FindingCode::SyncDelay => "SYNC_DELAY",
            FindingCode::FulfilmentNotSynced => "FULFILMENT_NOT_SYNCED",
            FindingCode::DeliveredNotClosed => "DELIVERED_NOT_CLOSED",
            FindingCode::SlaBreach => "SLA_BREACH",
            FindingCode::ReplacementExists => "REPLACEMENT_EXISTS",
            FindingCode::NoTracking => "NO_TRACKING",
            FindingCode::TrackingStalled => "TRACKING_STALLED",
            FindingCode::CarrierException => "CARRIER_EXCEPTION",
            FindingCode::VendorNoAck => "VENDOR_NO_ACK",
            FindingCode::VendorPartialAck => "VENDOR_PARTIAL_ACK",
            FindingCode::VendorRejected => "VENDOR_REJECTED",
            FindingCode::SkuUnmapped => "SKU_UNMAPPED",
            FindingCode::UomMismatch => "UOM_MISMATCH",
            FindingCode::Discontinued => "DISCONTINUED",
            FindingCode::RerouteProposed => "REROUTE_PROPOSED",
            FindingCode::StaleData => "STALE_DATA",
            FindingCode::CarrierStatusUnknown => "CARRIER_STATUS_UNKNOWN",
            FindingCode::WarehouseCancelled => "WAREHOUSE_CANCELLED",
            FindingCode::SlaOnTime => "SLA_ON_TIME",
            FindingCode::VendorSubstitution => "VENDOR_SUBSTITUTION",
            FindingCode::VendorShipLate => "VENDOR_SHIP_LATE",
        }
    }

    pub fn parse(code: &str) -> Option<FindingCode> {
        FindingCode::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one system said, as shown beside a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub system: System,
    pub field: String,
    pub value: String,
    pub observed_at: DateTime<Utc>,
}

impl Evidence {
    pub fn new(
        system: System,
        field: impl Into<String>,
        value: impl Into<String>,
        observed_at: DateTime<Utc>,
    ) -> Self {
        Evidence {
            system,
            field: field.into(),
            value: value.into(),
            observed_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: FindingCode,
    pub verdict: Verdict,
    /// One line, plain language, for an operator.
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

/// Where an order is listed (DESIGN.md §3, in precedence order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    Blocked,
    Overdue,
    Informational,
    Ok,
}

impl Queue {
    pub const LISTED: [Queue; 3] = [Queue::Overdue, Queue::Informational, Queue::Blocked];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Blocked => "blocked",
            Queue::Overdue => "overdue",
            Queue::Informational => "informational",
            Queue::Ok => "ok",
        }
    }

    pub fn parse(name: &str) -> Option<Queue> {
        [
            Queue::Blocked,
            Queue::Overdue,
            Queue::Informational,
            Queue::Ok,
        ]
        .into_iter()
        .find(|q| q.as_str() == name)
    }
}

impl std::fmt::Display for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
