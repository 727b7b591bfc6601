use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// ShipStation's `orderStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarehouseStatus {
    AwaitingPayment,
    AwaitingShipment,
    PendingFulfillment,
    Shipped,
    OnHold,
    Cancelled,
    Other(String),
}

impl WarehouseStatus {
    pub fn from_wire(value: &str) -> WarehouseStatus {
        match value {
            "awaiting_payment" => WarehouseStatus::AwaitingPayment,
            "awaiting_shipment" => WarehouseStatus::AwaitingShipment,
            "pending_fulfillment" => WarehouseStatus::PendingFulfillment,
            "shipped" => WarehouseStatus::Shipped,
            "on_hold" => WarehouseStatus::OnHold,
            "cancelled" => WarehouseStatus::Cancelled,
            other => WarehouseStatus::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            WarehouseStatus::AwaitingPayment => "awaiting_payment",
            WarehouseStatus::AwaitingShipment => "awaiting_shipment",
            WarehouseStatus::PendingFulfillment => "pending_fulfillment",
            WarehouseStatus::Shipped => "shipped",
            WarehouseStatus::OnHold => "on_hold",
            WarehouseStatus::Cancelled => "cancelled",
            WarehouseStatus::Other(other) => other,
        }
    }

    /// The warehouse is working on it or has shipped it.
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            WarehouseStatus::AwaitingShipment
                | WarehouseStatus::PendingFulfillment
                | WarehouseStatus::Shipped
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseItem {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub quantity: u32,
}

/// An order as the warehouse (ShipStation) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseOrder {
    /// ShipStation's own `orderId`.
    pub id: String,
    /// `orderKey`: the storefront's order id when an integration created it.
    pub order_key: Option<String>,
    /// `orderNumber`: usually the storefront's order name, with or without `#`.
    pub order_number: String,
    pub status: WarehouseStatus,
    pub created_at: Option<DateTime<Utc>>,
    pub modified_at: Option<DateTime<Utc>>,
    pub ship_by: Option<DateTime<Utc>>,
    pub hold_until: Option<DateTime<Utc>>,
    pub carrier_code: Option<String>,
    pub service_code: Option<String>,
    pub items: Vec<WarehouseItem>,
}

/// A shipment (label) the warehouse created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseShipment {
    pub id: String,
    pub order_id: Option<String>,
    pub order_key: Option<String>,
    pub order_number: String,
    /// When the label was created (`createDate`), the moment goods count as shipped.
    pub shipped_at: DateTime<Utc>,
    pub tracking_number: Option<String>,
    pub carrier_code: Option<String>,
    pub service_code: Option<String>,
    pub voided: bool,
    /// Empty when the payload did not include shipment items: then the
    /// shipment is taken to cover the whole order.
    pub items: Vec<WarehouseItem>,
}
