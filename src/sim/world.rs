//! The simulated world: every order's plan, laid out once from the seed, and
//! what it says at any moment. The clock lives with the server; the world
//! answers for whatever moment it is asked about.

use std::collections::HashMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::builder::Anchor;
use super::catalog::IN_HOUSE;
use super::plan::{Carrier, OrderPlan};
use super::scenario::{self, Scenario, DRAWN};
use super::truth::{self, ExpectedOrder};

/// How often new orders arrive once the world runs, on average.
const ARRIVAL_SPACING: TimeDelta = TimeDelta::minutes(12);

/// A parcel a carrier knows about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownParcel {
    pub order: String,
    pub carrier: Carrier,
    pub tracking_number: String,
}

/// What the shop holds of one in-house SKU when the world starts, per
/// location (drop-shipped SKUs are the vendor's and stocked nowhere here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stock {
    pub sku: &'static str,
    pub warehouse: u32,
    pub shop_floor: u32,
}

pub struct World {
    seed: u64,
    stock: Vec<Stock>,
    start: DateTime<Utc>,
    plans: Vec<OrderPlan>,
    /// Plan positions in Shopify id order (the order lists are paged in).
    by_storefront_id: Vec<(u64, usize)>,
    /// Plan positions in ShipStation `orderId` order.
    by_warehouse_id: Vec<(u64, usize)>,
    by_tracking: HashMap<(Carrier, String), usize>,
}

impl World {
    /// `orders` orders for `seed`: all but a fifth placed before `start`,
    /// each in its scenario's situation at `start`; the rest arriving one
    /// every ARRIVAL_SPACING or so after it. At least one of each scenario
    /// is in the backlog when `orders` allows it.
    pub fn new(seed: u64, orders: u64, start: DateTime<Utc>) -> World {
        let start = start.duration_trunc(TimeDelta::seconds(1)).unwrap_or(start);
        let every = DRAWN.len() as u64;
        let arrivals = if orders > every {
            (orders / 5).min(orders - every)
        } else {
            0
        };
        let backlog = orders - arrivals;
        let mut plans = Vec::with_capacity(orders as usize);
        for index in 0..orders {
            let anchor = if index < backlog {
                Anchor::Backlog(start)
            } else {
                let k = (index - backlog) as i32;
                let jitter = (seed ^ index.wrapping_mul(0x2545_F491_4F6C_DD1D)) % 720;
                Anchor::Arrival(start + ARRIVAL_SPACING * k + TimeDelta::seconds(jitter as i64))
            };
            plans.extend(scenario::plan(seed, index, anchor));
        }
        let mut by_storefront_id: Vec<(u64, usize)> = plans
            .iter()
            .enumerate()
            .filter_map(|(i, plan)| plan.storefront.as_ref().map(|sf| (sf.id, i)))
            .collect();
        by_storefront_id.sort();
        let mut by_warehouse_id: Vec<(u64, usize)> = plans
            .iter()
            .enumerate()
            .filter_map(|(i, plan)| plan.warehouse.as_ref().map(|wh| (wh.order_id, i)))
            .collect();
        by_warehouse_id.sort();
        let by_tracking = plans
            .iter()
            .enumerate()
            .filter_map(|(i, plan)| {
                plan.parcel
                    .as_ref()
                    .map(|p| ((p.carrier, p.tracking_number.clone()), i))
            })
            .collect();
        World {
            seed,
            stock: stock(seed),
            start,
            plans,
            by_storefront_id,
            by_warehouse_id,
            by_tracking,
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Each in-house SKU's stock before any write takes some.
    pub fn stock(&self) -> &[Stock] {
        &self.stock
    }

    /// The SKU and quantity of the order named `name` (each simulated order
    /// has one line).
    pub fn line_of(&self, name: &str) -> Option<(&'static str, u32)> {
        self.order_named(name)
            .map(|plan| (plan.line.sku, plan.line.quantity))
    }

    /// The order orderdeck knows by `name`.
    pub(crate) fn order_named(&self, name: &str) -> Option<&OrderPlan> {
        self.plans.iter().find(|plan| plan.display_name() == name)
    }

    /// How many orders the world was made with: a created order numbers on
    /// from there.
    pub(crate) fn orders_made(&self) -> u64 {
        self.plans
            .iter()
            .map(|plan| plan.index + 1)
            .max()
            .unwrap_or(0)
    }

    /// The order a customer placed (customers do not repeat here).
    pub(crate) fn order_of_customer(&self, customer_id: u64) -> Option<&OrderPlan> {
        self.plans
            .iter()
            .find(|plan| plan.customer.id == customer_id && plan.scenario != Scenario::Replacement)
    }

    /// The moment the backlog's situations hold (whole seconds).
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// What every order that exists at `at` should show then, under the
    /// default config, in the order the orders were made. Independent of the
    /// engine: each scenario stated it when it laid the order out.
    pub fn ground_truth(&self, at: DateTime<Utc>) -> Vec<ExpectedOrder> {
        self.plans
            .iter()
            .filter(|plan| plan.appears_at() <= at)
            .map(|plan| truth::expected(plan.display_name(), plan.appears_at(), &plan.truth, at))
            .collect()
    }

    /// The scenario each order (by the name its truth uses) was made from.
    pub fn scenarios(&self) -> Vec<(String, Scenario)> {
        self.plans
            .iter()
            .map(|plan| (plan.display_name().to_string(), plan.scenario))
            .collect()
    }

    /// Parcels the carriers have scanned by `at`.
    pub fn parcels(&self, at: DateTime<Utc>) -> Vec<KnownParcel> {
        self.plans
            .iter()
            .filter_map(|plan| {
                let parcel = plan.parcel.as_ref()?;
                (!parcel.scans_at(at).is_empty()).then(|| KnownParcel {
                    order: plan.display_name().to_string(),
                    carrier: parcel.carrier,
                    tracking_number: parcel.tracking_number.clone(),
                })
            })
            .collect()
    }

    /// Storefront orders in id order.
    pub(crate) fn storefront_orders(&self) -> impl Iterator<Item = (u64, &OrderPlan)> {
        self.by_storefront_id
            .iter()
            .filter_map(|(id, i)| self.plans.get(*i).map(|plan| (*id, plan)))
    }

    pub(crate) fn storefront_order(&self, id: u64) -> Option<&OrderPlan> {
        let at = self
            .by_storefront_id
            .binary_search_by_key(&id, |(id, _)| *id)
            .ok()?;
        self.by_storefront_id
            .get(at)
            .and_then(|(_, i)| self.plans.get(*i))
    }

    /// Warehouse orders in `orderId` order.
    pub(crate) fn warehouse_orders(&self) -> impl Iterator<Item = (u64, &OrderPlan)> {
        self.by_warehouse_id
            .iter()
            .filter_map(|(id, i)| self.plans.get(*i).map(|plan| (*id, plan)))
    }

    pub(crate) fn parcel(&self, carrier: Carrier, number: &str) -> Option<&OrderPlan> {
        self.by_tracking
            .get(&(carrier, number.trim().to_string()))
            .and_then(|i| self.plans.get(*i))
    }
}

/// Seeded stock: plenty of most SKUs, and two short at the warehouse — one
/// sold out, one with fewer units than the largest order line (3) — so that
/// every world has replacements that fit and ones that do not.
fn stock(seed: u64) -> Vec<Stock> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0057_07C4);
    let sold_out = (seed % IN_HOUSE.len() as u64) as usize;
    let low = (sold_out + 1) % IN_HOUSE.len();
    IN_HOUSE
        .iter()
        .enumerate()
        .map(|(i, (sku, ..))| {
            let plenty = rng.random_range(12..=40);
            let shop_floor = rng.random_range(1..=6);
            Stock {
                sku,
                warehouse: if i == sold_out {
                    0
                } else if i == low {
                    2
                } else {
                    plenty
                },
                shop_floor,
            }
        })
        .collect()
}
