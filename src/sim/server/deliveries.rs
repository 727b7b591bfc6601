//! What the storefront records of goods shipped outside the world's plan:
//! a drop-ship vendor's parcel, some hours after the vendor holding the PO
//! ships it, and goods a reroute moved to our warehouse, once the warehouse
//! ships them. Worked out for each request from the vendors' POs and the
//! moves, so a drop-shipped line is fulfilled in the storefront only when,
//! and with the parcel with which, someone really shipped it: never for a
//! PO a vendor sits on, rejects or had cancelled, nor for goods no PO was
//! sent for.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{lock, Shared};
use crate::sim::builder::{
    self, fnv, hours, minutes, shipment_updates, vendor_record_lag, Builder, Role,
};
use crate::sim::catalog::drop_shipped;
use crate::sim::plan::{Line, OrderPlan, ParcelPlan, SfChange};
use crate::sim::world::World;

/// Parcels for goods moved to our warehouse are numbered this far past
/// the vendors' own (which count up one a parcel from the same base), so
/// that the two never share a number.
const MOVED_SERIALS: u64 = 1_000_000;

/// A parcel the storefront records for an order, and what it records when.
struct Recorded {
    /// The fulfilment, then the shipment statuses the carrier's scans bring.
    changes: Vec<(DateTime<Utc>, SfChange)>,
    parcel: ParcelPlan,
    /// A drop-ship vendor's parcel: only a drop-shipped line takes it.
    by_vendor: bool,
}

impl Recorded {
    fn first(&self) -> Option<DateTime<Utc>> {
        self.changes.first().map(|(at, _)| *at)
    }
}

/// Storefront order numbers (no `#`) → the parcel recorded for each.
pub(super) struct Deliveries(HashMap<String, Recorded>);

impl Deliveries {
    /// The parcels shipped by `at` for storefront orders. Where an order
    /// has two (a PO rerouted after its first vendor shipped), the one the
    /// storefront records first stands.
    pub(super) fn at(shared: &Shared, at: DateTime<Utc>) -> Deliveries {
        let mut recorded: HashMap<String, Recorded> = HashMap::new();
        let vendor_parcels = lock(&shared.vendors).shipped(at);
        for shipped in vendor_parcels {
            let parcel = match shipped.own {
                Some(own) => own,
                None => {
                    let planned = shared
                        .world
                        .parcel(shipped.carrier, &shipped.tracking_number)
                        .and_then(|plan| plan.parcel.clone());
                    let Some(planned) = planned else {
                        continue;
                    };
                    planned
                }
            };
            let synced = shipped.shipped_at
                + vendor_record_lag(&shipped.order_reference, shipped.shipped_at);
            let mut changes = vec![(synced, SfChange::Fulfilled { tracked: true })];
            changes.extend(shipment_updates(&parcel.scans, synced));
            keep_first(
                &mut recorded,
                number(&shipped.order_reference),
                Recorded {
                    changes,
                    parcel,
                    by_vendor: true,
                },
            );
        }
        for plan in lock(&shared.writes).warehouse_orders() {
            let (Some(sf), Some(parcel)) = (&plan.storefront, &plan.parcel) else {
                continue;
            };
            keep_first(
                &mut recorded,
                plan.order_number().to_string(),
                Recorded {
                    changes: sf.changes.clone(),
                    parcel: parcel.clone(),
                    by_vendor: false,
                },
            );
        }
        Deliveries(recorded)
    }

    /// `plan` as the storefront has it: with the parcel recorded for it,
    /// if there is one.
    pub(super) fn view<'p>(&self, plan: &'p OrderPlan) -> Cow<'p, OrderPlan> {
        let recorded = self
            .0
            .get(plan.order_number())
            .filter(|r| !r.by_vendor || drop_shipped(plan.line.sku));
        let Some(recorded) = recorded.filter(|_| plan.storefront.is_some()) else {
            return Cow::Borrowed(plan);
        };
        let mut plan = plan.clone();
        if let Some(sf) = plan.storefront.as_mut() {
            sf.changes.extend(recorded.changes.iter().copied());
            sf.changes.sort_by_key(|(at, _)| *at);
        }
        plan.parcel = Some(recorded.parcel.clone());
        Cow::Owned(plan)
    }
}

fn number(order_name: &str) -> String {
    order_name.trim().trim_start_matches('#').to_string()
}

fn keep_first(recorded: &mut HashMap<String, Recorded>, number: String, candidate: Recorded) {
    match recorded.entry(number) {
        Entry::Occupied(mut held) => {
            if candidate.first() < held.get().first() {
                held.insert(candidate);
            }
        }
        Entry::Vacant(free) => {
            free.insert(candidate);
        }
    }
}

/// The order our warehouse ships `units` of `original`'s drop-shipped
/// line under, once a reroute moved them there at `moved_at`, the `nth`
/// such order: it reaches ShipStation within the hand-off, ships on the
/// warehouse's usual schedule for an in-house order, and the storefront
/// records the parcel as it records the warehouse's. Its ids are the ones
/// the world keeps for `original`'s warehouse order, which a drop-shipped
/// order never has.
pub(super) fn warehouse_order(
    world: &World,
    original: &OrderPlan,
    units: u32,
    moved_at: DateTime<Utc>,
    nth: u64,
) -> OrderPlan {
    let mut rng =
        StdRng::seed_from_u64(world.seed() ^ fnv(&original.name) ^ moved_at.timestamp() as u64);
    let mut b = Builder::new(&mut rng, original.index, Role::Original, original.scenario);
    b.t0 = moved_at;
    b.anchor = moved_at;
    b.line = Line {
        quantity: units,
        ..original.line.clone()
    };
    b.customer = original.customer.clone();
    b.import();
    let shipped = moved_at + b.between(hours(2), hours(20));
    b.ship_and_sync(shipped, (minutes(10), minutes(90)));
    let mut plan = b.finish(world.seed());
    plan.name = original.name.clone();
    plan.created_at = original.created_at;
    plan.order_key = original.order_key;
    if let Some(parcel) = plan.parcel.as_mut() {
        let serial =
            builder::serial_base(world.seed()) + 2 * world.orders_made() + MOVED_SERIALS + nth;
        parcel.tracking_number = builder::tracking_number(parcel.carrier, serial);
    }
    plan
}
