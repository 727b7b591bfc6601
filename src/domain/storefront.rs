use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The storefront's payment state (Shopify's `financial_status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinancialStatus {
    Pending,
    Authorized,
    PartiallyPaid,
    Paid,
    PartiallyRefunded,
    Refunded,
    Voided,
    Expired,
    Other(String),
}

impl FinancialStatus {
    pub fn from_wire(value: &str) -> FinancialStatus {
        match value {
            "pending" => FinancialStatus::Pending,
            "authorized" => FinancialStatus::Authorized,
            "partially_paid" => FinancialStatus::PartiallyPaid,
            "paid" => FinancialStatus::Paid,
            "partially_refunded" => FinancialStatus::PartiallyRefunded,
            "refunded" => FinancialStatus::Refunded,
            "voided" => FinancialStatus::Voided,
            "expired" => FinancialStatus::Expired,
            other => FinancialStatus::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            FinancialStatus::Pending => "pending",
            FinancialStatus::Authorized => "authorized",
            FinancialStatus::PartiallyPaid => "partially_paid",
            FinancialStatus::Paid => "paid",
            FinancialStatus::PartiallyRefunded => "partially_refunded",
            FinancialStatus::Refunded => "refunded",
            FinancialStatus::Voided => "voided",
            FinancialStatus::Expired => "expired",
            FinancialStatus::Other(other) => other,
        }
    }

    /// Money has been taken (in whole or part), so the goods are owed.
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            FinancialStatus::Paid
                | FinancialStatus::PartiallyPaid
                | FinancialStatus::PartiallyRefunded
        )
    }
}

/// The storefront's own summary of fulfilment (Shopify's `fulfillment_status`;
/// `null` on the wire is `Unfulfilled`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentStatus {
    Unfulfilled,
    Partial,
    Fulfilled,
    Restocked,
    Other(String),
}

impl FulfillmentStatus {
    pub fn from_wire(value: Option<&str>) -> FulfillmentStatus {
        match value {
            None | Some("unfulfilled") | Some("null") => FulfillmentStatus::Unfulfilled,
            Some("partial") => FulfillmentStatus::Partial,
            Some("fulfilled") | Some("shipped") => FulfillmentStatus::Fulfilled,
            Some("restocked") => FulfillmentStatus::Restocked,
            Some(other) => FulfillmentStatus::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            FulfillmentStatus::Unfulfilled => "unfulfilled",
            FulfillmentStatus::Partial => "partial",
            FulfillmentStatus::Fulfilled => "fulfilled",
            FulfillmentStatus::Restocked => "restocked",
            FulfillmentStatus::Other(other) => other,
        }
    }
}

/// One line of a storefront order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub id: String,
    pub sku: Option<String>,
    pub title: String,
    pub quantity: u32,
    /// Still to be fulfilled: Shopify's `fulfillable_quantity` when the payload
    /// has it, else quantity less what successful fulfilments and refunds took.
    pub owed: u32,
    pub vendor: Option<String>,
    pub fulfillment_service: Option<String>,
    pub requires_shipping: bool,
}

/// A quantity of one order line (inside a fulfilment, refund or fulfilment order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQuantity {
    pub line_id: String,
    pub quantity: u32,
}

/// A fulfilment the storefront knows of (goods handed to a carrier, as far as
/// the storefront has heard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfillment {
    pub id: String,
    /// `pending`, `open`, `success`, `cancelled`, `error`, `failure`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub tracking_company: Option<String>,
    pub tracking_numbers: Vec<String>,
    /// The storefront's last known shipment status (`delivered`, `in_transit`, …).
    pub shipment_status: Option<String>,
    pub lines: Vec<LineQuantity>,
}

impl Fulfillment {
    /// Only successful fulfilments mean goods left; failed and cancelled ones
    /// leave the goods owed.
    pub fn is_effective(&self) -> bool {
        matches!(self.status.as_str(), "success" | "open" | "pending")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub lines: Vec<LineQuantity>,
}

/// A hold placed on a fulfilment order on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentHold {
    /// Shopify's reason enum (`awaiting_payment`, `high_risk_of_fraud`, …).
    pub reason: String,
    pub reason_notes: Option<String>,
    /// When the hold was placed, where the payload says so.
    pub held_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentOrderLine {
    pub line_id: String,
    pub quantity: u32,
    /// The fulfilment order line's own id: what a move names.
    #[serde(default)]
    pub id: Option<String>,
    /// Whose stock ships it: the key of the storefront's inventory levels.
    #[serde(default)]
    pub inventory_item_id: Option<String>,
}

/// The storefront's unit of fulfilment work: shows holds, schedules and
/// rejected requests that the order's own `fulfillment_status` cannot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentOrder {
    pub id: String,
    pub order_id: String,
    /// `open`, `in_progress`, `scheduled`, `on_hold`, `incomplete`, `closed`, `cancelled`.
    pub status: String,
    /// `unsubmitted`, `submitted`, `accepted`, `rejected`, …
    pub request_status: Option<String>,
    pub fulfill_at: Option<DateTime<Utc>>,
    pub service_handle: Option<String>,
    pub holds: Vec<FulfillmentHold>,
    pub lines: Vec<FulfillmentOrderLine>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The location that is to ship it.
    #[serde(default)]
    pub assigned_location_id: Option<String>,
}

/// An order as the storefront sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorefrontOrder {
    pub id: String,
    /// The name customers and operators use (`#1001`).
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub financial_status: FinancialStatus,
    pub fulfillment_status: FulfillmentStatus,
    pub tags: Vec<String>,
    pub customer_name: Option<String>,
    pub email: Option<String>,
    /// The first shipping line's code, else its title.
    pub shipping_method: Option<String>,
    pub note: Option<String>,
    pub lines: Vec<OrderLine>,
    pub fulfillments: Vec<Fulfillment>,
    pub refunds: Vec<Refund>,
}

/// Tag prefix by which a storefront order names the order it replaces.
pub const REPLACEMENT_TAG_PREFIX: &str = "replacement-of:";

impl StorefrontOrder {
    /// Total quantity still owed over lines that need shipping.
    pub fn owed_quantity(&self) -> u32 {
        self.lines
            .iter()
            .filter(|l| l.requires_shipping)
            .map(|l| l.owed)
            .sum()
    }

    /// The name of the order this one replaces, from its `replacement-of:` tag.
    pub fn replaces(&self) -> Option<&str> {
        self.tags.iter().find_map(|tag| {
            tag.trim()
                .strip_prefix(REPLACEMENT_TAG_PREFIX)
                .map(str::trim)
                .filter(|name| !name.is_empty())
        })
    }
}
