//! When a simulated vendor ships a purchase order it took, and the parcel
//! it ships. An order the world planned as drop-shipped already has a
//! parcel (its ground truth expects the storefront to record it): a vendor
//! that can still make it ships that one, so the world's plan, the vendor
//! and the carrier agree. Otherwise the vendor books its own parcel, with a
//! journey the carriers report like any other. Either way the storefront
//! records the parcel only once the vendor has shipped it.

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::sim::builder::{self, fnv, hours, Builder, Role};
use crate::sim::catalog::VENDOR_DOCK;
use crate::sim::plan::{Carrier, ParcelPlan};
use crate::sim::scenario::Scenario;
use crate::sim::world::World;

/// One parcel a vendor will hand to a carrier.
#[derive(Clone)]
pub(super) struct Shipment {
    pub shipped_at: DateTime<Utc>,
    pub carrier: Carrier,
    pub tracking_number: String,
    /// The parcel's journey when the vendor booked it itself; `None` when
    /// it is the one the world planned, which the carriers know already.
    pub own: Option<ParcelPlan>,
}

/// What a vendor taking a PO decides about shipping it.
pub(super) struct Plan {
    /// The ship date it promises in its acknowledgement.
    pub promised: DateTime<Utc>,
    pub shipment: Shipment,
}

/// What `plan` needs to know about the PO and the vendor.
pub(super) struct Taken<'a> {
    pub vendor: &'a str,
    pub po_number: &'a str,
    pub order_reference: &'a str,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: DateTime<Utc>,
    /// How long after a PO arrives the vendor promises to ship it.
    pub ships_within: TimeDelta,
    /// A vendor that breaks its promise ships this long after it.
    pub ships_late_by: TimeDelta,
    /// Paid to ship sooner: the world's parcel will do only if it leaves
    /// by the promise.
    pub expedite: bool,
    /// Numbers this vendor's own parcels by: unique among them.
    pub serial: u64,
}

/// Deterministic for the world's seed and the PO: the same run ships the
/// same parcels at the same moments.
pub(super) fn plan(world: &World, taken: &Taken<'_>) -> Plan {
    let mut rng = StdRng::seed_from_u64(world.seed() ^ fnv(taken.vendor) ^ fnv(taken.po_number));
    let promised = taken.created_at + taken.ships_within;
    let order = world.order_named(taken.order_reference);
    let planned = order
        .filter(|plan| plan.scenario == Scenario::ThirdPartyVendor)
        .and_then(|plan| plan.parcel.as_ref())
        .filter(|_| taken.ships_late_by.is_zero())
        .filter(|parcel| {
            parcel.scans.first().is_some_and(|label| {
                label.at > taken.acknowledged_at && (!taken.expedite || label.at <= promised)
            })
        });
    if let Some(parcel) = planned {
        let shipped_at = parcel.scans.first().map_or(promised, |label| label.at);
        return Plan {
            // A vendor that knows when the goods leave promises no earlier.
            promised: promised.max(shipped_at),
            shipment: Shipment {
                shipped_at,
                carrier: parcel.carrier,
                tracking_number: parcel.tracking_number.clone(),
                own: None,
            },
        };
    }
    // Between a third of the way to the promise and an hour before it, for
    // a vendor that keeps its word.
    let window = (promised - taken.acknowledged_at - hours(1)).max(hours(1));
    let shipped_at = taken.acknowledged_at
        + window / 3
        + TimeDelta::seconds(rng.random_range(0..=(window * 2 / 3).num_seconds()))
        + taken.ships_late_by;
    let carrier = Carrier::ALL[rng.random_range(0..Carrier::ALL.len())];
    let serial = builder::serial_base(world.seed()) + 2 * world.orders_made() + taken.serial;
    let tracking_number = builder::tracking_number(carrier, serial);
    let mut journey = Builder::new(
        &mut rng,
        taken.serial,
        Role::Original,
        Scenario::ThirdPartyVendor,
    );
    journey.origin = VENDOR_DOCK;
    if let Some(order) = order {
        journey.customer.address = order.customer.address;
    }
    let delivered = shipped_at + journey.between(hours(48), hours(96));
    journey.journey(shipped_at, delivered);
    let own = ParcelPlan {
        carrier,
        tracking_number: tracking_number.clone(),
        origin: VENDOR_DOCK,
        destination: journey.customer.address,
        scans: journey.into_scans(),
    };
    Plan {
        promised,
        shipment: Shipment {
            shipped_at,
            carrier,
            tracking_number,
            own: Some(own),
        },
    }
}
