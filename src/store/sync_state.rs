//! What incremental sync needs to remember: how far each listing got, and
//! which parcels are still travelling.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::params::{bind_all, placeholders, Param, Style};
use super::{from_millis, to_millis, QueryContext, Store, StoreError};
use crate::engine::SourceFreshness;

/// A parcel to ask its carrier about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenParcel {
    pub tracking_number: String,
    /// What the storefront or warehouse called the carrier.
    pub carrier_hint: Option<String>,
    pub order_id: i64,
}

/// One listing's health as its last passes left it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceHealth {
    pub listing: String,
    pub last_success: Option<DateTime<Utc>>,
    /// The last failure; it stays after a later success, with its time,
    /// so that a flapping source shows.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Documents the last successful pass read.
    pub documents: i64,
}

/// How to reach one order in each backend, for a resync.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderKeys {
    pub storefront_id: Option<String>,
    pub name: Option<String>,
    pub parcels: Vec<OpenParcel>,
}

impl Store {
    pub async fn cursor(&self, listing: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT position FROM sync_cursors WHERE listing = $1")
            .bind(listing.to_string())
            .fetch_optional(&self.pool)
            .await
            .context("reading a sync cursor")?;
        row.map(|r| {
            r.try_get::<String, _>("position")
                .context("reading a sync cursor")
        })
        .transpose()
    }

    /// Records how a pass went for one listing.
    pub async fn record_health(
        &self,
        listing: &str,
        error: Option<&str>,
        documents: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = to_millis(at);
        let query = match error {
            None => sqlx::query(
                "INSERT INTO sync_health (listing, last_success, documents) VALUES ($1, $2, $3) \
                 ON CONFLICT (listing) DO UPDATE SET last_success = excluded.last_success, \
                 documents = excluded.documents",
            )
            .bind(listing.to_string())
            .bind(at)
            .bind(documents),
            Some(error) => sqlx::query(
                "INSERT INTO sync_health (listing, last_error, last_error_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (listing) DO UPDATE SET last_error = excluded.last_error, \
                 last_error_at = excluded.last_error_at",
            )
            .bind(listing.to_string())
            .bind(error.to_string())
            .bind(at),
        };
        query
            .execute(&self.pool)
            .await
            .context("recording a source's health")?;
        Ok(())
    }

    /// Every listing's health, by name.
    pub async fn source_health(&self) -> Result<Vec<SourceHealth>, StoreError> {
        let ctx = "reading source health";
        let rows = sqlx::query(
            "SELECT listing, last_success, last_error, last_error_at, documents \
             FROM sync_health ORDER BY listing",
        )
        .fetch_all(&self.pool)
        .await
        .context(ctx)?;
        rows.iter()
            .map(|r| {
                Ok(SourceHealth {
                    listing: r.try_get("listing").context(ctx)?,
                    last_success: r
                        .try_get::<Option<i64>, _>("last_success")
                        .context(ctx)?
                        .map(from_millis),
                    last_error: r.try_get("last_error").context(ctx)?,
                    last_error_at: r
                        .try_get::<Option<i64>, _>("last_error_at")
                        .context(ctx)?
                        .map(from_millis),
                    documents: r.try_get("documents").context(ctx)?,
                })
            })
            .collect()
    }

    /// Each listing's health with its cursor, for `engine::stale_sources`.
    pub async fn source_freshness(&self) -> Result<Vec<SourceFreshness>, StoreError> {
        let ctx = "reading how fresh each source is";
        let cursors = sqlx::query("SELECT listing, position FROM sync_cursors")
            .fetch_all(&self.pool)
            .await
            .context(ctx)?;
        let mut newest: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        for row in &cursors {
            let listing: String = row.try_get("listing").context(ctx)?;
            let position: String = row.try_get("position").context(ctx)?;
            // Only time cursors say when the source last changed.
            if let Ok(at) = DateTime::parse_from_rfc3339(&position) {
                newest.insert(listing, at.with_timezone(&Utc));
            }
        }
        let mut freshness: Vec<SourceFreshness> = self
            .source_health()
            .await?
            .into_iter()
            .map(|health| SourceFreshness {
                newest_change: newest.remove(&health.listing),
                listing: health.listing,
                last_success: health.last_success,
                last_error_at: health.last_error_at,
            })
            .collect();
        // A cursor with no health yet (an older database): its change time
        // still counts.
        freshness.extend(newest.into_iter().map(|(listing, at)| SourceFreshness {
            listing,
            last_success: None,
            last_error_at: None,
            newest_change: Some(at),
        }));
        Ok(freshness)
    }

    pub async fn set_cursor(
        &self,
        listing: &str,
        position: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sync_cursors (listing, position, succeeded_at) VALUES ($1, $2, $3) \
             ON CONFLICT (listing) DO UPDATE SET position = excluded.position, succeeded_at = excluded.succeeded_at",
        )
        .bind(listing.to_string())
        .bind(position.to_string())
        .bind(to_millis(at))
        .execute(&self.pool)
        .await
        .context("saving a sync cursor")?;
        Ok(())
    }

    /// Of these storefront orders (id, version as listed now), those whose
    /// fulfilment orders need no fetching again: the order is stored at
    /// that same version, and its fulfilment orders were stored with it.
    /// Incremental sync already rests on a hold placed or released moving
    /// the order's `updated_at` (Shopify fires `orders/updated` for it):
    /// only orders listed as changed are asked about at all. This drops the
    /// orders a pass re-reads only because its window overlaps the last.
    pub async fn unchanged_since_holds_fetched(
        &self,
        orders: &[(String, i64)],
    ) -> Result<BTreeSet<String>, StoreError> {
        if orders.is_empty() {
            return Ok(BTreeSet::new());
        }
        let listed: HashMap<&str, i64> = orders.iter().map(|(id, v)| (id.as_str(), *v)).collect();
        let mut conn = self
            .pool
            .acquire()
            .await
            .context("reading what was fetched before")?;
        let sql = format!(
            "SELECT o.storefront_id, p.version FROM orders o \
             JOIN payloads p ON p.order_id = o.id AND p.source = 'storefront.order' AND p.doc_id = o.storefront_id \
             WHERE o.storefront_id IN ({}) AND EXISTS (SELECT 1 FROM payloads f \
             WHERE f.order_id = o.id AND f.source = 'storefront.fulfillment_orders')",
            placeholders(Style::of(&conn), 1, orders.len())
        );
        let params = orders
            .iter()
            .map(|(id, _)| Param::Text(id.clone()))
            .collect();
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&mut *conn)
            .await
            .context("reading what was fetched before")?;
        let mut unchanged = BTreeSet::new();
        for row in rows {
            let id: String = row
                .try_get("storefront_id")
                .context("reading what was fetched before")?;
            let version: i64 = row
                .try_get("version")
                .context("reading what was fetched before")?;
            if listed.get(id.as_str()) == Some(&version) {
                unchanged.insert(id);
            }
        }
        Ok(unchanged)
    }

    /// Parcels whose carrier has not yet said the journey is over, a page at
    /// a time after `after` (a tracking number).
    pub async fn open_parcels(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<OpenParcel>, StoreError> {
        let rows = sqlx::query(
            "SELECT tracking_number, carrier_hint, order_id FROM order_tracking \
             WHERE settled = 0 AND tracking_number > $1 ORDER BY tracking_number LIMIT $2",
        )
        .bind(after.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("listing parcels to track")?;
        rows.iter().map(parcel_row).collect()
    }

    pub async fn order_keys(&self, order_id: i64) -> Result<OrderKeys, StoreError> {
        let row = sqlx::query("SELECT storefront_id, name FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_optional(&self.pool)
            .await
            .context("reading an order's keys")?;
        let Some(row) = row else {
            return Ok(OrderKeys::default());
        };
        let parcels = sqlx::query(
            "SELECT tracking_number, carrier_hint, order_id FROM order_tracking WHERE order_id = $1 ORDER BY tracking_number",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await
        .context("reading an order's parcels")?;
        Ok(OrderKeys {
            storefront_id: row
                .try_get("storefront_id")
                .context("reading an order's keys")?,
            name: row.try_get("name").context("reading an order's keys")?,
            parcels: parcels.iter().map(parcel_row).collect::<Result<_, _>>()?,
        })
    }
}

fn parcel_row(row: &sqlx::any::AnyRow) -> Result<OpenParcel, StoreError> {
    Ok(OpenParcel {
        tracking_number: row.try_get("tracking_number").context("reading parcels")?,
        carrier_hint: row.try_get("carrier_hint").context("reading parcels")?,
        order_id: row.try_get("order_id").context("reading parcels")?,
    })
}
