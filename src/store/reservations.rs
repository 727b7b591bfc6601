//! Vendor ATP reservations: what each PO line holds, soft or firm, so that
//! a restart hands no order's units to another.

use sqlx::{Acquire, Row};

use super::{from_millis, to_millis, QueryContext, Store, StoreError};
use crate::domain::{Reservation, ReservationState};

const COLUMNS: &str = "po_number, sku, order_ref, vendor_id, vendor_sku, units, state, held_at";

fn read(row: &sqlx::any::AnyRow) -> Result<Reservation, StoreError> {
    let what = "reading reservations";
    let state: String = row.try_get("state").context(what)?;
    let units: i64 = row.try_get("units").context(what)?;
    Ok(Reservation {
        po_number: row.try_get("po_number").context(what)?,
        sku: row.try_get("sku").context(what)?,
        order_ref: row.try_get("order_ref").context(what)?,
        vendor_id: row.try_get("vendor_id").context(what)?,
        vendor_sku: row.try_get("vendor_sku").context(what)?,
        units: u32::try_from(units).unwrap_or(0),
        state: if state == ReservationState::Firm.as_str() {
            ReservationState::Firm
        } else {
            ReservationState::Soft
        },
        held_at: from_millis(row.try_get("held_at").context(what)?),
    })
}

impl Store {
    /// Every live reservation, first held first.
    pub async fn reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM vendor_reservations ORDER BY held_at, po_number, sku"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading reservations")?;
        rows.iter().map(read).collect()
    }

    /// The live reservations of one order (its normalised name).
    pub async fn reservations_of(&self, order_ref: &str) -> Result<Vec<Reservation>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM vendor_reservations WHERE order_ref = $1 \
             ORDER BY po_number, sku"
        ))
        .bind(order_ref)
        .fetch_all(self.pool())
        .await
        .context("reading an order's reservations")?;
        rows.iter().map(read).collect()
    }

    /// Makes `held` all that PO `po_number` holds: lines missing from it
    /// are released.
    pub async fn replace_reservations(
        &self,
        po_number: &str,
        held: &[Reservation],
    ) -> Result<(), StoreError> {
        let what = "storing reservations";
        let mut conn = self.pool().acquire().await.context(what)?;
        let mut tx = conn.begin().await.context(what)?;
        sqlx::query("DELETE FROM vendor_reservations WHERE po_number = $1")
            .bind(po_number)
            .execute(&mut *tx)
            .await
            .context(what)?;
        for r in held.iter().filter(|r| r.po_number == po_number) {
            sqlx::query(&format!(
                "INSERT INTO vendor_reservations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&r.po_number)
            .bind(&r.sku)
            .bind(&r.order_ref)
            .bind(&r.vendor_id)
            .bind(&r.vendor_sku)
            .bind(i64::from(r.units))
            .bind(r.state.as_str())
            .bind(to_millis(r.held_at))
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)
    }
}
