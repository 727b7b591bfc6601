//! Purchase orders orderdeck creates: each stored with its idempotency key
//! before it is sent, so that a pass cut short re-sends it under the same
//! key, and polled until it is cancelled or shipped.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::results::stored_facts;
use super::{from_millis, to_millis, QueryContext, Store, StoreError};
use crate::domain::{DocumentContent, PurchaseOrder, RerouteProposal, REROUTE_KIND};

/// A PO orderdeck created, and where its sending stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoSend {
    pub po: PurchaseOrder,
    pub order_ref: String,
    pub idempotency_key: String,
    pub sent_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "po, order_ref, idempotency_key, sent_at";

fn read(row: &sqlx::any::AnyRow) -> Result<PoSend, StoreError> {
    let po: String = row.try_get("po").context("reading vendor POs")?;
    let po = serde_json::from_str(&po).map_err(|source| StoreError::CorruptFacts {
        order_id: 0,
        kind: "vendor_po_sends.po".to_string(),
        source,
    })?;
    Ok(PoSend {
        po,
        order_ref: row.try_get("order_ref").context("reading vendor POs")?,
        idempotency_key: row
            .try_get("idempotency_key")
            .context("reading vendor POs")?,
        sent_at: row
            .try_get::<Option<i64>, _>("sent_at")
            .context("reading vendor POs")?
            .map(from_millis),
    })
}

impl Store {
    /// Orders owing goods to a third-party vendor for which orderdeck has
    /// created no PO yet.
    pub async fn orders_needing_pos(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT o.id FROM orders o JOIN findings f ON f.order_id = o.id \
             WHERE f.code = 'THIRD_PARTY_VENDOR' AND f.verdict = 'info' AND NOT EXISTS \
             (SELECT 1 FROM vendor_po_sends s WHERE s.order_ref = o.name_key) ORDER BY o.id",
        )
        .fetch_all(self.pool())
        .await
        .context("finding orders that need a purchase order")?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>(0).context("reading order ids"))
            .collect()
    }

    /// Stores a PO to send under `key`. False when a PO with its number
    /// was stored before (nothing is changed then).
    pub async fn queue_po(
        &self,
        po: &PurchaseOrder,
        order_ref: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(po).unwrap_or_default();
        let done = sqlx::query(
            "INSERT INTO vendor_po_sends (po_number, vendor_id, order_ref, idempotency_key, po, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (po_number) DO NOTHING",
        )
        .bind(&po.po_number)
        .bind(&po.vendor_id)
        .bind(order_ref)
        .bind(key)
        .bind(json)
        .bind(to_millis(now))
        .execute(self.pool())
        .await
        .context("storing a purchase order to send")?;
        Ok(done.rows_affected() == 1)
    }

    /// POs stored and not yet taken by their vendor.
    pub async fn unsent_pos(&self) -> Result<Vec<PoSend>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM vendor_po_sends WHERE sent_at IS NULL ORDER BY created_at, po_number"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading unsent purchase orders")?;
        rows.iter().map(read).collect()
    }

    /// POs sent and neither cancelled nor shipped yet: the ones to poll.
    pub async fn open_pos(&self) -> Result<Vec<PoSend>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM vendor_po_sends WHERE sent_at IS NOT NULL AND settled_at IS NULL \
             ORDER BY po_number"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading open purchase orders")?;
        rows.iter().map(read).collect()
    }

    /// POs neither cancelled nor shipped, sent or not, first created first:
    /// the order in which they hold their vendors' ATP.
    pub async fn live_pos(&self) -> Result<Vec<PoSend>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM vendor_po_sends WHERE settled_at IS NULL \
             ORDER BY created_at, po_number"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading live purchase orders")?;
        rows.iter().map(read).collect()
    }

    pub async fn po_send(&self, po_number: &str) -> Result<Option<PoSend>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM vendor_po_sends WHERE po_number = $1"
        ))
        .bind(po_number)
        .fetch_optional(self.pool())
        .await
        .context("reading a purchase order")?;
        row.as_ref().map(read).transpose()
    }

    pub async fn mark_po_sent(
        &self,
        po_number: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE vendor_po_sends SET sent_at = $1 WHERE po_number = $2 AND sent_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(po_number)
        .execute(self.pool())
        .await
        .context("marking a purchase order sent")?;
        Ok(())
    }

    pub async fn settle_po(&self, po_number: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE vendor_po_sends SET settled_at = $1 WHERE po_number = $2")
            .bind(to_millis(now))
            .bind(po_number)
            .execute(self.pool())
            .await
            .context("settling a purchase order")?;
        Ok(())
    }

    /// Every reroute proposal with its order, as last filed.
    pub async fn reroutes(&self) -> Result<Vec<(i64, RerouteProposal)>, StoreError> {
        // The kind as a literal, so the partial index of migration 0011
        // serves the walk.
        let rows = sqlx::query(&format!(
            "SELECT order_id, facts FROM payloads WHERE source = '{REROUTE_KIND}' ORDER BY doc_id"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading reroute proposals")?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let order_id: i64 = row.try_get("order_id").context("reading payloads")?;
            if let DocumentContent::RerouteProposal(proposal) =
                stored_facts(row, order_id, REROUTE_KIND)?
            {
                out.push((order_id, proposal));
            }
        }
        Ok(out)
    }
}
