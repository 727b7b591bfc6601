//! What vendor EDI needs kept: which interchanges were applied, the control
//! numbers of the 850s we wrote, the vendors' ATP, and the purchase orders
//! (filed as documents of their order) that 855s and 856s update.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::params::{insert_rows, Param};
use super::results::stored_facts;
use super::{from_millis, to_millis, QueryContext, StoreError};
use crate::domain::{DocumentContent, PurchaseOrder, PURCHASE_ORDER_KIND};

/// An interchange already applied that a new file repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeenBefore {
    /// The same bytes.
    SameContent { origin: String },
    /// The same sender and ISA13 with different bytes.
    SameControlNumber { origin: String },
}

pub async fn interchange_seen(
    conn: &mut AnyConnection,
    content_hash: &str,
    sender: &str,
    control_number: &str,
) -> Result<Option<SeenBefore>, StoreError> {
    let row = sqlx::query(
        "SELECT origin, content_hash FROM edi_interchanges \
         WHERE content_hash = $1 OR (sender = $2 AND control_number = $3)",
    )
    .bind(content_hash)
    .bind(sender)
    .bind(control_number)
    .fetch_optional(&mut *conn)
    .await
    .context("looking up earlier interchanges")?;
    let Some(row) = row else { return Ok(None) };
    let origin: String = row.try_get("origin").context("reading interchanges")?;
    let hash: String = row
        .try_get("content_hash")
        .context("reading interchanges")?;
    Ok(Some(if hash == content_hash {
        SeenBefore::SameContent { origin }
    } else {
        SeenBefore::SameControlNumber { origin }
    }))
}

pub async fn record_interchange(
    conn: &mut AnyConnection,
    content_hash: &str,
    sender: &str,
    control_number: &str,
    vendor_id: Option<&str>,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO edi_interchanges (content_hash, sender, control_number, vendor_id, origin, applied_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(content_hash)
    .bind(sender)
    .bind(control_number)
    .bind(vendor_id)
    .bind(origin)
    .bind(to_millis(now))
    .execute(&mut *conn)
    .await
    .context("recording an applied interchange")?;
    Ok(())
}

/// The purchase order with this number, as last filed.
pub async fn purchase_order(
    conn: &mut AnyConnection,
    po_number: &str,
) -> Result<Option<PurchaseOrder>, StoreError> {
    // The kind as a literal, so the partial index of migration 0011 serves
    // the lookup.
    let row = sqlx::query(&format!(
        "SELECT order_id, facts FROM payloads WHERE source = '{PURCHASE_ORDER_KIND}' \
         AND doc_id = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(po_number)
    .fetch_optional(&mut *conn)
    .await
    .context("looking up a purchase order")?;
    let Some(row) = row else { return Ok(None) };
    let order_id: i64 = row.try_get("order_id").context("reading payloads")?;
    match stored_facts(&row, order_id, PURCHASE_ORDER_KIND)? {
        DocumentContent::PurchaseOrder(po) => Ok(Some(po)),
        _ => Ok(None),
    }
}

/// A fresh interchange control number for an 850 or 860 about to be
/// written.
pub async fn next_control_number(
    conn: &mut AnyConnection,
    vendor_id: &str,
    po_number: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO edi_outbound (vendor_id, po_number, written_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(vendor_id)
    .bind(po_number)
    .bind(to_millis(now))
    .fetch_one(&mut *conn)
    .await
    .context("numbering an outgoing X12 file")?;
    row.try_get("id")
        .context("reading the 850's control number")
}

/// The vendor and PO number of the 850 or 860 orderdeck numbered
/// `control_number`, if it did.
pub async fn outbound_po(
    conn: &mut AnyConnection,
    control_number: i64,
) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query("SELECT vendor_id, po_number FROM edi_outbound WHERE id = $1")
        .bind(control_number)
        .fetch_optional(&mut *conn)
        .await
        .context("looking up an outgoing X12 file")?;
    row.map(|r| -> Result<(String, String), StoreError> {
        Ok((
            r.try_get("vendor_id")
                .context("reading an outgoing X12 file")?,
            r.try_get("po_number")
                .context("reading an outgoing X12 file")?,
        ))
    })
    .transpose()
}

pub async fn record_outbound_path(
    conn: &mut AnyConnection,
    control_number: i64,
    path: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE edi_outbound SET path = $1 WHERE id = $2")
        .bind(path)
        .bind(control_number)
        .execute(&mut *conn)
        .await
        .context("recording where an outgoing X12 file was written")?;
    Ok(())
}

/// One vendor SKU's availability as an 846 stated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtpRow {
    pub vendor_id: String,
    pub vendor_sku: String,
    /// QTY 33 (available for sale), else QTY 17 (on hand); `None` when the
    /// vendor sent neither.
    pub available: Option<i64>,
    pub unit: Option<String>,
    /// Every QTY01 qualifier with its quantity, as JSON.
    pub quantities: String,
    pub as_of: DateTime<Utc>,
    pub origin: String,
}

pub async fn upsert_atp(conn: &mut AnyConnection, rows: Vec<AtpRow>) -> Result<(), StoreError> {
    let rows = rows
        .into_iter()
        .map(|r| {
            vec![
                Param::Text(r.vendor_id),
                Param::Text(r.vendor_sku),
                Param::OptInt(r.available),
                Param::OptText(r.unit),
                Param::Text(r.quantities),
                Param::Int(to_millis(r.as_of)),
                Param::Text(r.origin),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO vendor_atp (vendor_id, vendor_sku, available, unit, quantities, as_of, origin)",
        "ON CONFLICT (vendor_id, vendor_sku) DO UPDATE SET available = excluded.available, \
         unit = excluded.unit, quantities = excluded.quantities, as_of = excluded.as_of, \
         origin = excluded.origin",
        rows,
        "storing vendor ATP",
    )
    .await
}

pub async fn vendor_atp(
    conn: &mut AnyConnection,
    vendor_id: &str,
) -> Result<Vec<AtpRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT vendor_id, vendor_sku, available, unit, quantities, as_of, origin FROM vendor_atp \
         WHERE vendor_id = $1 ORDER BY vendor_sku",
    )
    .bind(vendor_id)
    .fetch_all(&mut *conn)
    .await
    .context("reading vendor ATP")?;
    rows.iter()
        .map(|row| {
            Ok(AtpRow {
                vendor_id: row.try_get("vendor_id").context("reading vendor ATP")?,
                vendor_sku: row.try_get("vendor_sku").context("reading vendor ATP")?,
                available: row.try_get("available").context("reading vendor ATP")?,
                unit: row.try_get("unit").context("reading vendor ATP")?,
                quantities: row.try_get("quantities").context("reading vendor ATP")?,
                as_of: from_millis(row.try_get("as_of").context("reading vendor ATP")?),
                origin: row.try_get("origin").context("reading vendor ATP")?,
            })
        })
        .collect()
}
