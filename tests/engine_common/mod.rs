//! Builders for the engine tests: an order as the storefront, the warehouse
//! and the policy of DESIGN.md §5 describe it, with only what a case changes
//! spelled out.
#![allow(dead_code, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use orderdeck::domain::{
    FinancialStatus, Fulfillment, FulfillmentHold, FulfillmentOrder, FulfillmentStatus, Observed,
    OrderFacts, OrderLine, ReplacementLink, StorefrontOrder, WarehouseItem, WarehouseOrder,
    WarehouseShipment, WarehouseStatus,
};
use orderdeck::engine::{
    self, CategoryPolicy, DropShipPolicy, Evaluation, Policy, ReroutePolicy, SlaPolicy, Tolerances,
    VendorPolicy,
};

pub fn t(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("test timestamp")
        .with_timezone(&Utc)
}

pub fn day(iso: &str) -> NaiveDate {
    iso.parse().expect("test date")
}

/// The documented defaults (DESIGN.md §5): New York, 14:00 cutoff, 2 business
/// days, Thanksgiving and Christmas off; acme-home drop-ships within 7.
pub fn policy() -> Policy {
    Policy {
        sla: SlaPolicy {
            timezone: chrono_tz::America::New_York,
            cutoff: NaiveTime::from_hms_opt(14, 0, 0).expect("cutoff"),
            ship_within_business_days: 2,
            holidays: BTreeSet::from([day("2026-09-07"), day("2026-11-26"), day("2026-12-25")]),
            shipping_methods: BTreeMap::from([("express".to_string(), 1)]),
            categories: vec![CategoryPolicy {
                name: "furniture".to_string(),
                sku_prefixes: vec!["FURN-".to_string()],
                ship_within_business_days: 5,
            }],
        },
        tolerances: Tolerances {
            sync_lag: TimeDelta::hours(2),
            warehouse_handoff: TimeDelta::hours(4),
            no_tracking: TimeDelta::hours(24),
            tracking_stall: TimeDelta::hours(72),
            stale_data: TimeDelta::hours(1),
        },
        vendors: vec![
            VendorPolicy {
                id: "acme-home".to_string(),
                third_party: true,
                ship_within_business_days: Some(7),
                confirm_within: Some(TimeDelta::hours(4)),
                priority: 10,
                landed_cost: BTreeMap::from([
                    ("SOFA".to_string(), 610.0),
                    ("RUG".to_string(), 240.0),
                ]),
                observe_only: false,
                takes_orders: true,
                items: Vec::new(),
                expedite: None,
                location_id: None,
                cutoff: None,
                categories: Vec::new(),
            },
            VendorPolicy {
                id: "slowpoke".to_string(),
                third_party: true,
                ship_within_business_days: None,
                confirm_within: None,
                priority: 100,
                landed_cost: BTreeMap::new(),
                observe_only: false,
                takes_orders: false,
                items: Vec::new(),
                expedite: None,
                location_id: None,
                cutoff: None,
                categories: Vec::new(),
            },
            VendorPolicy {
                id: "northwind-supply".to_string(),
                third_party: true,
                ship_within_business_days: Some(5),
                confirm_within: Some(TimeDelta::hours(4)),
                priority: 20,
                landed_cost: BTreeMap::from([
                    ("SOFA".to_string(), 655.0),
                    ("RUG".to_string(), 251.5),
                ]),
                observe_only: false,
                takes_orders: true,
                items: Vec::new(),
                expedite: None,
                location_id: None,
                cutoff: None,
                categories: Vec::new(),
            },
            VendorPolicy {
                id: "bluebird".to_string(),
                third_party: true,
                ship_within_business_days: Some(3),
                confirm_within: Some(TimeDelta::hours(4)),
                priority: 20,
                landed_cost: BTreeMap::from([
                    ("SOFA".to_string(), 600.0),
                    ("RUG".to_string(), 230.0),
                ]),
                observe_only: false,
                takes_orders: true,
                items: Vec::new(),
                expedite: None,
                location_id: None,
                cutoff: None,
                categories: Vec::new(),
            },
        ],
        reroute: ReroutePolicy {
            approve_above_cost: 0.0,
            approve_splits: true,
            approve_substitutions: true,
            approve_expedites: true,
        },
        drop_ship: DropShipPolicy::default(),
    }
}

pub fn line(id: &str, sku: &str, quantity: u32, owed: u32) -> OrderLine {
    OrderLine {
        id: id.to_string(),
        sku: Some(sku.to_string()),
        title: format!("Item {sku}"),
        quantity,
        owed,
        vendor: Some("House Brand".to_string()),
        fulfillment_service: Some("manual".to_string()),
        requires_shipping: true,
    }
}

pub fn vendor_line(id: &str, sku: &str, quantity: u32, owed: u32, vendor: &str) -> OrderLine {
    OrderLine {
        vendor: Some(vendor.to_string()),
        ..line(id, sku, quantity, owed)
    }
}

pub fn fulfillment(id: &str, status: &str, created: &str, tracking: &[&str]) -> Fulfillment {
    Fulfillment {
        id: id.to_string(),
        status: status.to_string(),
        created_at: t(created),
        tracking_company: Some("UPS".to_string()),
        tracking_numbers: tracking.iter().map(|s| s.to_string()).collect(),
        shipment_status: None,
        lines: Vec::new(),
    }
}

pub fn shipment(
    id: &str,
    shipped: &str,
    tracking: Option<&str>,
    items: &[(&str, u32)],
) -> WarehouseShipment {
    WarehouseShipment {
        id: id.to_string(),
        order_id: Some("wo-1".to_string()),
        order_key: Some("sf-1001".to_string()),
        order_number: "1001".to_string(),
        shipped_at: t(shipped),
        tracking_number: tracking.map(str::to_string),
        carrier_code: Some("ups".to_string()),
        service_code: Some("ups_ground".to_string()),
        voided: false,
        items: items
            .iter()
            .map(|(sku, quantity)| WarehouseItem {
                sku: Some(sku.to_string()),
                name: None,
                quantity: *quantity,
            })
            .collect(),
    }
}

pub fn warehouse_order(id: &str, status: WarehouseStatus, modified: &str) -> WarehouseOrder {
    WarehouseOrder {
        id: id.to_string(),
        order_key: Some("sf-1001".to_string()),
        order_number: "1001".to_string(),
        status,
        created_at: Some(t(modified)),
        modified_at: Some(t(modified)),
        ship_by: None,
        hold_until: None,
        carrier_code: None,
        service_code: None,
        items: Vec::new(),
    }
}

pub fn hold(reason: &str, notes: Option<&str>, since: Option<&str>) -> FulfillmentHold {
    FulfillmentHold {
        reason: reason.to_string(),
        reason_notes: notes.map(str::to_string),
        held_since: since.map(t),
    }
}

pub fn fulfillment_order(id: &str, status: &str, holds: Vec<FulfillmentHold>) -> FulfillmentOrder {
    FulfillmentOrder {
        id: id.to_string(),
        order_id: "sf-1001".to_string(),
        status: status.to_string(),
        request_status: None,
        fulfill_at: None,
        service_handle: None,
        holds,
        lines: Vec::new(),
        updated_at: None,
        assigned_location_id: None,
    }
}

/// One order's facts, built up case by case. Starts as a paid storefront
/// order for one in-house unit of SKU-1, observed when it was placed.
#[derive(Clone)]
pub struct Order {
    facts: OrderFacts,
}

impl Order {
    pub fn placed(at: &str) -> Order {
        let created = t(at);
        let order = StorefrontOrder {
            id: "sf-1001".to_string(),
            name: "#1001".to_string(),
            created_at: created,
            updated_at: Some(created),
            cancelled_at: None,
            cancel_reason: None,
            closed_at: None,
            financial_status: FinancialStatus::Paid,
            fulfillment_status: FulfillmentStatus::Unfulfilled,
            tags: Vec::new(),
            customer_name: Some("Ada Customer".to_string()),
            email: None,
            shipping_method: Some("Standard".to_string()),
            note: None,
            lines: vec![line("l1", "SKU-1", 1, 1)],
            fulfillments: Vec::new(),
            refunds: Vec::new(),
        };
        Order {
            facts: OrderFacts {
                storefront: Some(Observed::new(created, order)),
                ..OrderFacts::default()
            },
        }
    }

    /// Only the warehouse knows it.
    pub fn warehouse_only() -> Order {
        Order {
            facts: OrderFacts::default(),
        }
    }

    fn sf(&mut self) -> &mut StorefrontOrder {
        &mut self
            .facts
            .storefront
            .as_mut()
            .expect("a storefront order")
            .value
    }

    pub fn lines(mut self, lines: Vec<OrderLine>) -> Order {
        self.sf().lines = lines;
        self
    }

    pub fn financial(mut self, status: FinancialStatus) -> Order {
        self.sf().financial_status = status;
        self
    }

    pub fn fulfillment_status(mut self, status: FulfillmentStatus) -> Order {
        self.sf().fulfillment_status = status;
        self
    }

    pub fn shipping_method(mut self, method: &str) -> Order {
        self.sf().shipping_method = Some(method.to_string());
        self
    }

    pub fn cancelled(mut self, at: &str) -> Order {
        let sf = self.sf();
        sf.cancelled_at = Some(t(at));
        sf.cancel_reason = Some("customer".to_string());
        self
    }

    pub fn fulfillment(mut self, fulfillment: Fulfillment) -> Order {
        self.sf().fulfillments.push(fulfillment);
        self
    }

    /// Re-observes the storefront at `at` (a later fetch).
    pub fn storefront_seen(mut self, at: &str) -> Order {
        if let Some(sf) = &mut self.facts.storefront {
            sf.observed_at = t(at);
        }
        self
    }

    pub fn fulfillment_orders(mut self, seen: &str, orders: Vec<FulfillmentOrder>) -> Order {
        self.facts.fulfillment_orders = Some(Observed::new(t(seen), orders));
        self
    }

    pub fn warehouse(mut self, order: WarehouseOrder) -> Order {
        let seen = order
            .modified_at
            .unwrap_or_else(|| t("2026-01-01T00:00:00Z"));
        self.facts.warehouse_orders.push(Observed::new(seen, order));
        self
    }

    pub fn shipped(mut self, shipment: WarehouseShipment) -> Order {
        let seen = shipment.shipped_at;
        self.facts
            .warehouse_shipments
            .push(Observed::new(seen, shipment));
        self
    }

    pub fn replacement(mut self, name: &str, at: &str) -> Order {
        self.facts.replacements.push(ReplacementLink {
            replacement_name: name.to_string(),
            replacement_id: format!("sf-{}", name.trim_start_matches('#')),
            created_at: t(at),
        });
        self
    }

    pub fn facts(&self) -> &OrderFacts {
        &self.facts
    }

    pub fn build(self) -> OrderFacts {
        self.facts
    }

    /// Facts a test put together itself (a purchase order, say).
    pub fn from_facts(facts: OrderFacts) -> Order {
        Order { facts }
    }

    pub fn eval(&self, now: &str) -> Evaluation {
        engine::evaluate(&self.facts, &policy(), t(now))
    }

    pub fn eval_with(&self, policy: &Policy, now: &str) -> Evaluation {
        engine::evaluate(&self.facts, policy, t(now))
    }
}

pub fn codes(evaluation: &Evaluation) -> Vec<&'static str> {
    evaluation
        .findings
        .iter()
        .map(|f| f.code.as_str())
        .collect()
}

pub fn reason<'a>(evaluation: &'a Evaluation, code: &str) -> &'a str {
    evaluation
        .findings
        .iter()
        .find(|f| f.code.as_str() == code)
        .map(|f| f.reason.as_str())
        .unwrap_or_else(|| panic!("no {code} finding in {:?}", codes(evaluation)))
}
