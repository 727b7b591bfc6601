use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    CarrierShipment, FulfillmentOrder, PurchaseOrder, RerouteProposal, StorefrontOrder,
    WarehouseOrder, WarehouseShipment,
};

/// A value as one system stated it, and when orderdeck observed it (the fetch
/// or import time, which is what a sync lag is measured against).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed<T> {
    pub observed_at: DateTime<Utc>,
    pub value: T,
}

impl<T> Observed<T> {
    pub fn new(observed_at: DateTime<Utc>, value: T) -> Self {
        Observed { observed_at, value }
    }
}

/// Another storefront order that declares itself a replacement of this one
/// (tagged `replacement-of:NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementLink {
    pub replacement_name: String,
    pub replacement_id: String,
    pub created_at: DateTime<Utc>,
}

/// Everything every system has said about one order: the engine's whole input
/// besides policy and `now`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderFacts {
    pub storefront: Option<Observed<StorefrontOrder>>,
    /// The storefront's fulfilment orders (holds, schedules, rejected
    /// requests), the latest snapshot for this order.
    pub fulfillment_orders: Option<Observed<Vec<FulfillmentOrder>>>,
    pub warehouse_orders: Vec<Observed<WarehouseOrder>>,
    pub warehouse_shipments: Vec<Observed<WarehouseShipment>>,
    pub carrier_shipments: Vec<Observed<CarrierShipment>>,
    pub purchase_orders: Vec<Observed<PurchaseOrder>>,
    pub replacements: Vec<ReplacementLink>,
    /// Proposals to source troubled purchase orders elsewhere.
    #[serde(default)]
    pub reroutes: Vec<Observed<RerouteProposal>>,
}

impl OrderFacts {
    /// The order's display name, from whichever system knows it.
    pub fn display_name(&self) -> Option<&str> {
        if let Some(order) = &self.storefront {
            return Some(order.value.name.as_str());
        }
        self.warehouse_orders
            .iter()
            .map(|w| w.value.order_number.as_str())
            .chain(
                self.warehouse_shipments
                    .iter()
                    .map(|s| s.value.order_number.as_str()),
            )
            .next()
    }

    /// Keeps facts from every source, and the lists inside them, in one
    /// canonical order, so that an evaluation never depends on the order in
    /// which payloads or their elements arrived.
    pub fn canonicalize(&mut self) {
        self.warehouse_orders
            .sort_by(|a, b| a.value.id.cmp(&b.value.id));
        self.warehouse_shipments
            .sort_by(|a, b| a.value.id.cmp(&b.value.id));
        self.carrier_shipments
            .sort_by(|a, b| a.value.tracking_number.cmp(&b.value.tracking_number));
        self.purchase_orders
            .sort_by(|a, b| a.value.po_number.cmp(&b.value.po_number));
        self.replacements
            .sort_by(|a, b| a.replacement_id.cmp(&b.replacement_id));
        self.replacements.dedup();
        self.reroutes.sort_by(|a, b| a.value.id.cmp(&b.value.id));
        if let Some(order) = &mut self.storefront {
            let order = &mut order.value;
            order.lines.sort_by(|a, b| a.id.cmp(&b.id));
            order.fulfillments.sort_by(|a, b| a.id.cmp(&b.id));
            order.refunds.sort_by(|a, b| a.id.cmp(&b.id));
        }
        if let Some(orders) = &mut self.fulfillment_orders {
            orders.value.sort_by(|a, b| a.id.cmp(&b.id));
            for order in &mut orders.value {
                order.holds.sort_by(hold_order);
            }
        }
    }

    /// Whether `canonicalize` would change nothing: checked, not assumed, so
    /// the engine can borrow facts the store already ordered and copy only
    /// the rest.
    pub fn is_canonical(&self) -> bool {
        fn sorted<T>(items: &[T], order: impl Fn(&T, &T) -> std::cmp::Ordering) -> bool {
            items.windows(2).all(|w| order(&w[0], &w[1]).is_le())
        }
        let storefront_sorted = self.storefront.as_ref().is_none_or(|order| {
            let order = &order.value;
            sorted(&order.lines, |a, b| a.id.cmp(&b.id))
                && sorted(&order.fulfillments, |a, b| a.id.cmp(&b.id))
                && sorted(&order.refunds, |a, b| a.id.cmp(&b.id))
        });
        let holds_sorted = self.fulfillment_orders.as_ref().is_none_or(|orders| {
            sorted(&orders.value, |a, b| a.id.cmp(&b.id))
                && orders.value.iter().all(|o| sorted(&o.holds, hold_order))
        });
        storefront_sorted
            && holds_sorted
            && sorted(&self.warehouse_orders, |a, b| a.value.id.cmp(&b.value.id))
            && sorted(&self.warehouse_shipments, |a, b| {
                a.value.id.cmp(&b.value.id)
            })
            && sorted(&self.carrier_shipments, |a, b| {
                a.value.tracking_number.cmp(&b.value.tracking_number)
            })
            && sorted(&self.purchase_orders, |a, b| {
                a.value.po_number.cmp(&b.value.po_number)
            })
            && sorted(&self.reroutes, |a, b| a.value.id.cmp(&b.value.id))
            && self
                .replacements
                .windows(2)
                .all(|w| w[0].replacement_id < w[1].replacement_id)
    }
}

fn hold_order(a: &super::FulfillmentHold, b: &super::FulfillmentHold) -> std::cmp::Ordering {
    (a.held_since, &a.reason, &a.reason_notes).cmp(&(b.held_since, &b.reason, &b.reason_notes))
}

/// The kind purchase orders are filed under.
pub const PURCHASE_ORDER_KIND: &str = "vendor.purchase_order";
/// The kind reroute proposals are filed under.
pub const REROUTE_KIND: &str = "vendor.reroute";

/// What one document from one system says, in canonical form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocumentContent {
    StorefrontOrder(StorefrontOrder),
    /// Every fulfilment order the body held for one storefront order: a
    /// snapshot that replaces the previous one for that order.
    FulfillmentOrders {
        order_id: String,
        fulfillment_orders: Vec<FulfillmentOrder>,
    },
    WarehouseOrder(WarehouseOrder),
    WarehouseShipment(WarehouseShipment),
    /// One parcel as its carrier reports it; it finds its order through the
    /// tracking number.
    CarrierShipment(CarrierShipment),
    /// A drop-ship purchase order as orderdeck sent it and as the vendor's
    /// acknowledgements and ship notices have changed it since.
    PurchaseOrder(PurchaseOrder),
    /// A proposal to source a troubled PO elsewhere, and what became of it.
    RerouteProposal(RerouteProposal),
}

impl DocumentContent {
    /// The name the store files this kind of document under.
    pub fn kind(&self) -> &'static str {
        match self {
            DocumentContent::StorefrontOrder(_) => "storefront.order",
            DocumentContent::FulfillmentOrders { .. } => "storefront.fulfillment_orders",
            DocumentContent::WarehouseOrder(_) => "warehouse.order",
            DocumentContent::WarehouseShipment(_) => "warehouse.shipment",
            DocumentContent::CarrierShipment(_) => "carrier.tracking",
            DocumentContent::PurchaseOrder(_) => PURCHASE_ORDER_KIND,
            DocumentContent::RerouteProposal(_) => REROUTE_KIND,
        }
    }

    /// The document's own id in its system; with `kind` it names one snapshot.
    pub fn doc_id(&self) -> &str {
        match self {
            DocumentContent::StorefrontOrder(order) => &order.id,
            DocumentContent::FulfillmentOrders { order_id, .. } => order_id,
            DocumentContent::WarehouseOrder(order) => &order.id,
            DocumentContent::WarehouseShipment(shipment) => &shipment.id,
            DocumentContent::CarrierShipment(shipment) => &shipment.tracking_number,
            DocumentContent::PurchaseOrder(po) => &po.po_number,
            DocumentContent::RerouteProposal(proposal) => &proposal.id,
        }
    }

    /// Orders two snapshots of one document by the system's own clock, so that
    /// an older payload imported after a newer one never wins.
    pub fn version(&self) -> i64 {
        match self {
            DocumentContent::StorefrontOrder(order) => storefront_version(order),
            DocumentContent::FulfillmentOrders {
                fulfillment_orders, ..
            } => fulfillment_orders
                .iter()
                .filter_map(|f| f.updated_at)
                .max()
                .map_or(0, |t| t.timestamp_millis()),
            DocumentContent::WarehouseOrder(order) => order
                .modified_at
                .or(order.created_at)
                .map_or(0, |t| t.timestamp_millis()),
            // A label is only ever voided after it was created, so a voided
            // snapshot is the later one.
            DocumentContent::WarehouseShipment(shipment) => {
                shipment.shipped_at.timestamp_millis() * 2 + i64::from(shipment.voided)
            }
            // Carriers only ever add scans.
            DocumentContent::CarrierShipment(shipment) => {
                shipment.last_scan_at().map_or(0, |t| t.timestamp_millis())
            }
            DocumentContent::PurchaseOrder(po) => i64::from(po.revision),
            DocumentContent::RerouteProposal(proposal) => i64::from(proposal.revision),
        }
    }
}

impl OrderFacts {
    /// Adds one document's facts; a document already known (same kind and id)
    /// is replaced by the newer version.
    pub fn absorb(&mut self, content: DocumentContent, observed_at: DateTime<Utc>) {
        let version = content.version();
        match content {
            DocumentContent::StorefrontOrder(order) => {
                let newer = self
                    .storefront
                    .as_ref()
                    .is_none_or(|current| storefront_version(&current.value) <= version);
                if newer {
                    self.storefront = Some(Observed::new(observed_at, order));
                }
            }
            DocumentContent::FulfillmentOrders {
                fulfillment_orders, ..
            } => self.fulfillment_orders = Some(Observed::new(observed_at, fulfillment_orders)),
            DocumentContent::WarehouseOrder(order) => {
                self.warehouse_orders.retain(|w| w.value.id != order.id);
                self.warehouse_orders
                    .push(Observed::new(observed_at, order));
            }
            DocumentContent::WarehouseShipment(shipment) => {
                self.warehouse_shipments
                    .retain(|s| s.value.id != shipment.id);
                self.warehouse_shipments
                    .push(Observed::new(observed_at, shipment));
            }
            DocumentContent::CarrierShipment(shipment) => {
                self.carrier_shipments
                    .retain(|s| s.value.tracking_number != shipment.tracking_number);
                self.carrier_shipments
                    .push(Observed::new(observed_at, shipment));
            }
            DocumentContent::PurchaseOrder(po) => {
                self.purchase_orders
                    .retain(|p| p.value.po_number != po.po_number);
                self.purchase_orders.push(Observed::new(observed_at, po));
            }
            DocumentContent::RerouteProposal(proposal) => {
                self.reroutes.retain(|r| r.value.id != proposal.id);
                self.reroutes.push(Observed::new(observed_at, proposal));
            }
        }
    }
}

fn storefront_version(order: &StorefrontOrder) -> i64 {
    order
        .updated_at
        .unwrap_or(order.created_at)
        .timestamp_millis()
}
