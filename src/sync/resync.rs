//! Refreshing one order from its backends on demand (an operator's `r`), with
//! per-order look-ups: the bulk listings are for the pollers.

use chrono::{DateTime, Utc};

use super::connections::Connections;
use super::poll::{apply_body, ListingReport, PassError};
use crate::connectors::shipstation_client::Listing;
use crate::connectors::Source;
use crate::engine::Policy;
use crate::store::{Store, StoreError};

/// Which systems to ask again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Systems {
    Storefront,
    Warehouse,
    All,
}

impl Systems {
    fn storefront(self) -> bool {
        matches!(self, Systems::Storefront | Systems::All)
    }

    fn warehouse(self) -> bool {
        matches!(self, Systems::Warehouse | Systems::All)
    }
}

/// Re-reads one order from the chosen systems and re-evaluates it. Each
/// system's outcome is reported separately: one failing does not stop the
/// others.
pub async fn resync_order(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    order_id: i64,
    systems: Systems,
    now: DateTime<Utc>,
) -> Result<Vec<ListingReport>, StoreError> {
    let keys = store.order_keys(order_id).await?;
    let mut reports = Vec::new();
    if systems.storefront() {
        let mut listing = ListingReport {
            listing: "storefront",
            ..ListingReport::default()
        };
        let result: Result<(), PassError> = async {
            let client = connections.storefront.as_ref().map_err(Clone::clone)?;
            let page = match (&keys.storefront_id, &keys.name) {
                (Some(id), _) => client.order(id).await?,
                (None, Some(name)) => client.orders_named(name).await?,
                (None, None) => return Ok(()),
            };
            let applied = apply_body(
                store,
                policy,
                Source::Storefront,
                &page.body,
                &page.origin,
                now,
            )
            .await?;
            listing.absorb(applied);
            if let Some(id) = &keys.storefront_id {
                let page = client.fulfillment_orders(id).await?;
                let applied = apply_body(
                    store,
                    policy,
                    Source::Storefront,
                    &page.body,
                    &page.origin,
                    now,
                )
                .await?;
                listing.absorb(applied);
            }
            Ok(())
        }
        .await;
        listing.error = result.err().map(|e| e.to_string());
        reports.push(listing);
    }
    if systems.warehouse() {
        let mut listing = ListingReport {
            listing: "warehouse",
            ..ListingReport::default()
        };
        let result: Result<(), PassError> = async {
            let client = connections.warehouse.as_ref().map_err(Clone::clone)?;
            let Some(name) = &keys.name else {
                return Ok(());
            };
            for which in [Listing::Orders, Listing::Shipments] {
                let page = client.by_order_number(which, name).await?;
                let applied = apply_body(
                    store,
                    policy,
                    Source::Warehouse,
                    &page.body,
                    &page.origin,
                    now,
                )
                .await?;
                listing.absorb(applied);
            }
            Ok(())
        }
        .await;
        listing.error = result.err().map(|e| e.to_string());
        reports.push(listing);
    }
    Ok(reports)
}
