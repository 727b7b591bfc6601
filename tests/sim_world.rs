#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The simulated world without HTTP: its ground truth covers every finding
//! code the storefront, warehouse and carriers can produce, is unambiguous at
//! the start, moves with time, and is the same for the same seed.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};

use orderdeck::domain::{FindingCode, Queue};
use orderdeck::sim::{Carrier, Scenario, World};

/// The default seed of `orderdeck sim` and `orderdeck demo`.
const SEED: u64 = 7;

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

/// Every code the simulated storefront, warehouse and carriers can produce.
const SIMULATED: [FindingCode; 17] = [
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
    FindingCode::CarrierStatusUnknown,
];

#[test]
fn ground_truth_at_the_start_covers_every_simulated_code() {
    let world = World::new(SEED, 60, start());
    let truth = world.ground_truth(start());
    let codes: BTreeSet<FindingCode> = truth.iter().flat_map(|o| o.codes.clone()).collect();
    assert_eq!(codes, SIMULATED.into_iter().collect::<BTreeSet<_>>());
    let queues: BTreeSet<Queue> = truth.iter().map(|o| o.queue).collect();
    assert_eq!(
        queues,
        [
            Queue::Blocked,
            Queue::Overdue,
            Queue::Informational,
            Queue::Ok
        ]
        .into_iter()
        .collect()
    );
}

#[test]
fn every_shop_of_twenty_orders_shows_every_code_for_any_seed() {
    for seed in [1, 2, 3, 42, 1234] {
        let world = World::new(seed, 20, start());
        let codes: BTreeSet<FindingCode> = world
            .ground_truth(start())
            .iter()
            .flat_map(|o| o.codes.clone())
            .collect();
        assert_eq!(codes.len(), SIMULATED.len(), "seed {seed}: {codes:?}");
    }
}

#[test]
fn the_truth_at_the_start_is_far_from_every_edge() {
    let world = World::new(SEED, 300, start());
    let margin = TimeDelta::minutes(15);
    for expected in world.ground_truth(start()) {
        assert!(start() - expected.since >= margin, "{expected:?}");
        if let Some(until) = expected.until {
            assert!(until - start() >= margin, "{expected:?}");
        }
    }
}

#[test]
fn queues_follow_the_design_precedence() {
    let world = World::new(SEED, 300, start());
    for expected in world.ground_truth(start()) {
        let blocked = expected.codes.iter().any(|c| {
            matches!(
                c,
                FindingCode::NotInStorefront
                    | FindingCode::NotAtWarehouse
                    | FindingCode::CancelledButActive
                    | FindingCode::FulfilmentNotSynced
                    | FindingCode::DeliveredNotClosed
                    | FindingCode::NoTracking
                    | FindingCode::TrackingStalled
                    | FindingCode::CarrierException
            )
        });
        let queue = if blocked {
            Queue::Blocked
        } else if expected.codes.contains(&FindingCode::SlaBreach) {
            Queue::Overdue
        } else if expected.codes.is_empty() {
            Queue::Ok
        } else {
            Queue::Informational
        };
        assert_eq!(expected.queue, queue, "{expected:?}");
    }
}

#[test]
fn time_moves_orders_between_queues_and_brings_new_ones() {
    let world = World::new(SEED, 100, start());
    let before = world.ground_truth(start());
    let later = start() + TimeDelta::days(3);
    let after = world.ground_truth(later);
    assert!(after.len() > before.len(), "new orders arrive");
    let changed = before
        .iter()
        .filter(|b| {
            after
                .iter()
                .find(|a| a.name == b.name)
                .is_some_and(|a| a.codes != b.codes)
        })
        .count();
    assert!(changed > 10, "only {changed} orders changed in three days");
    // Every late order of the backlog is shipped within two days of the start.
    for (name, scenario) in world.scenarios() {
        if scenario == Scenario::Late && before.iter().any(|b| b.name == name) {
            let order = after.iter().find(|o| o.name == name).unwrap();
            assert!(!order.codes.contains(&FindingCode::SlaBreach), "{order:?}");
        }
    }
}

#[test]
fn the_world_is_the_same_for_the_same_seed() {
    let a = World::new(SEED, 80, start());
    let b = World::new(SEED, 80, start());
    let c = World::new(SEED + 1, 80, start());
    let at = start() + TimeDelta::hours(5);
    assert_eq!(a.ground_truth(at), b.ground_truth(at));
    assert_eq!(a.parcels(at), b.parcels(at));
    assert_ne!(a.ground_truth(at), c.ground_truth(at));
}

#[test]
fn parcels_travel_with_all_four_carriers_in_their_number_patterns() {
    let world = World::new(SEED, 60, start());
    let parcels = world.parcels(start());
    for carrier in Carrier::ALL {
        let numbers: Vec<&str> = parcels
            .iter()
            .filter(|p| p.carrier == carrier)
            .map(|p| p.tracking_number.as_str())
            .collect();
        assert!(!numbers.is_empty(), "no {carrier:?} parcel");
        for number in numbers {
            let digits = number.chars().all(|c| c.is_ascii_digit());
            let ok = match carrier {
                Carrier::Ups => number.starts_with("1Z") && number.len() == 18,
                Carrier::Fedex => digits && number.len() == 12,
                Carrier::Usps => digits && number.len() == 22 && number.starts_with("9400"),
                Carrier::Dhl => digits && number.len() == 10,
            };
            assert!(ok, "{carrier:?} {number}");
        }
    }
}
