//! A seeded synthetic shop written as files: the same orders the simulator
//! serves (each drawn from a scenario: late, cancelled but live at the
//! warehouse, shipped but not synced, …), as the real APIs would send them
//! at one moment. Used by `demo` and the benchmark.

use std::io::{self, Write};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::Value;

use super::builder::Anchor;
pub use super::scenario::Scenario;
use super::{plan::OrderPlan, scenario, wire};

/// One generated order, in each system's wire format.
#[derive(Debug, Clone)]
pub struct GeneratedOrder {
    pub scenario: Scenario,
    pub storefront: Option<Value>,
    pub fulfillment_orders: Vec<Value>,
    pub warehouse_order: Option<Value>,
    pub shipments: Vec<Value>,
    /// The replacement order created for a `ReplacementExists` original.
    pub replacement: Option<Value>,
}

pub struct ShopGenerator {
    seed: u64,
    now: DateTime<Utc>,
}

/// The storefront order and its fulfilment orders as of `at`.
fn storefront(plan: &OrderPlan, at: DateTime<Utc>) -> Option<(Value, Vec<Value>)> {
    let sf = plan.storefront.as_ref()?;
    let state = plan.storefront_state(at)?;
    Some((
        wire::shopify::order(plan, sf.id, &sf.tags, &state),
        wire::shopify::fulfillment_orders(plan, sf.id, &state),
    ))
}

impl ShopGenerator {
    /// Every order's situation holds at `now`: the shop as a sync at that
    /// moment would find it.
    pub fn new(seed: u64, now: DateTime<Utc>) -> Self {
        let now = now.duration_trunc(TimeDelta::seconds(1)).unwrap_or(now);
        ShopGenerator { seed, now }
    }

    /// Order `index` is the same for the same seed and `now`, whatever else
    /// is generated, so files can be written in one streaming pass.
    pub fn order(&self, index: u64) -> GeneratedOrder {
        let plans = scenario::plan(self.seed, index, Anchor::Backlog(self.now));
        let mut plans = plans.iter();
        let Some(plan) = plans.next() else {
            return GeneratedOrder {
                scenario: scenario::choose(self.seed, index),
                storefront: None,
                fulfillment_orders: Vec::new(),
                warehouse_order: None,
                shipments: Vec::new(),
                replacement: None,
            };
        };
        let at = self.now;
        let (storefront_order, fulfillment_orders) = storefront(plan, at).unzip();
        let warehouse = plan.warehouse.as_ref().zip(plan.warehouse_state(at));
        let notified = plan
            .storefront_state(at)
            .is_some_and(|state| state.fulfilled.is_some());
        GeneratedOrder {
            scenario: plan.scenario,
            storefront: storefront_order,
            fulfillment_orders: fulfillment_orders.unwrap_or_default(),
            warehouse_order: warehouse
                .as_ref()
                .map(|(wh, state)| wire::shipstation::order(plan, wh.order_id, state)),
            shipments: warehouse
                .as_ref()
                .and_then(|(wh, state)| {
                    wire::shipstation::shipment(
                        plan,
                        (wh.order_id, wh.shipment_id),
                        state,
                        notified,
                        false,
                    )
                })
                .into_iter()
                .collect(),
            replacement: plans
                .next()
                .and_then(|r| storefront(r, at))
                .map(|(order, _)| order),
        }
    }

    /// The replacement order for a `ReplacementExists` original.
    pub fn replacement_for(&self, original: &GeneratedOrder) -> Option<Value> {
        original.replacement.clone()
    }
}

/// Writes `{"<key>": [ … ]}` one element at a time, so a million orders never
/// sit in memory.
pub struct ListWriter<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> ListWriter<W> {
    pub fn start(mut out: W, key: &str) -> io::Result<Self> {
        write!(out, "{{\"{key}\":[")?;
        Ok(ListWriter { out, first: true })
    }

    pub fn push(&mut self, value: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::other)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The four bodies a sync of the generated shop would fetch.
pub struct ShopFiles<W: Write> {
    pub storefront_orders: ListWriter<W>,
    pub fulfillment_orders: ListWriter<W>,
    pub warehouse_orders: ListWriter<W>,
    pub shipments: ListWriter<W>,
}

impl<W: Write> ShopFiles<W> {
    pub fn write(&mut self, generator: &ShopGenerator, count: u64) -> io::Result<()> {
        for index in 0..count {
            let order = generator.order(index);
            if let Some(storefront) = &order.storefront {
                self.storefront_orders.push(storefront)?;
            }
            if let Some(replacement) = &order.replacement {
                self.storefront_orders.push(replacement)?;
            }
            for fo in &order.fulfillment_orders {
                self.fulfillment_orders.push(fo)?;
            }
            if let Some(warehouse) = &order.warehouse_order {
                self.warehouse_orders.push(warehouse)?;
            }
            for shipment in &order.shipments {
                self.shipments.push(shipment)?;
            }
        }
        Ok(())
    }
}
