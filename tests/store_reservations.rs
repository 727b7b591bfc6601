//! Reservations kept by the store, on SQLite and on PostgreSQL (when
//! ORDERDECK_TEST_PG names one): what a PO holds survives reopening the
//! database, is replaced whole, and is gone once released.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod dbs;

use chrono::{DateTime, Utc};
use orderdeck::domain::{Reservation, ReservationState};
use orderdeck::store::Store;

fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().unwrap()
}

fn held(order: &str, sku: &str, units: u32, state: ReservationState, when: &str) -> Reservation {
    Reservation {
        order_ref: order.to_string(),
        po_number: format!("{order}-ACME-HOME"),
        vendor_id: "acme-home".to_string(),
        sku: sku.to_string(),
        vendor_sku: format!("AC-{sku}"),
        units,
        state,
        held_at: at(when),
    }
}

async fn reservations_survive_and_are_released(db: dbs::TestDb) {
    let first = vec![
        held(
            "1001",
            "SOFA",
            1,
            ReservationState::Soft,
            "2026-11-04T15:00:00Z",
        ),
        held(
            "1001",
            "RUG",
            2,
            ReservationState::Soft,
            "2026-11-04T15:00:00Z",
        ),
    ];
    let second = vec![held(
        "1002",
        "SOFA",
        3,
        ReservationState::Soft,
        "2026-11-04T14:00:00Z",
    )];
    db.store
        .replace_reservations("1001-ACME-HOME", &first)
        .await
        .unwrap();
    db.store
        .replace_reservations("1002-ACME-HOME", &second)
        .await
        .unwrap();
    db.store.close().await;

    let store = Store::open(&db.url).await.unwrap();
    let all = store.reservations().await.unwrap();
    // First held first: that is who keeps the last units.
    assert_eq!(all[0], second[0], "{}", db.label);
    assert_eq!(all.len(), 3, "{}", db.label);
    let mut mine = store.reservations_of("1001").await.unwrap();
    mine.sort_by(|a, b| a.sku.cmp(&b.sku));
    let mut expected = first.clone();
    expected.sort_by(|a, b| a.sku.cmp(&b.sku));
    assert_eq!(mine, expected, "{}", db.label);

    // The vendor acknowledged the sofa only: the rug's hold is gone.
    let firm = vec![held(
        "1001",
        "SOFA",
        1,
        ReservationState::Firm,
        "2026-11-04T15:00:00Z",
    )];
    store
        .replace_reservations("1001-ACME-HOME", &firm)
        .await
        .unwrap();
    assert_eq!(
        store.reservations_of("1001").await.unwrap(),
        firm,
        "{}",
        db.label
    );
    store
        .replace_reservations("1001-ACME-HOME", &[])
        .await
        .unwrap();
    assert!(store.reservations_of("1001").await.unwrap().is_empty());
    assert_eq!(store.reservations().await.unwrap(), second, "{}", db.label);
}

#[tokio::test]
async fn reservations_on_sqlite() {
    reservations_survive_and_are_released(dbs::sqlite().await).await;
}

#[tokio::test]
async fn reservations_on_postgres() {
    if let Some(db) = dbs::postgres().await {
        reservations_survive_and_are_released(db).await;
    }
}
