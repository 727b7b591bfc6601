//! Refreshing one order from its backends on demand (an operator's `r`), with
//! per-order look-ups: the bulk listings are for the pollers.

use chrono::{DateTime, Utc};

use super::connections::Connections;
use std::collections::BTreeMap;

use super::connections::ConnectError;
use super::poll::{
    apply_body, apply_items, carrier_items, carrier_of, carrier_origin, ListingReport, PassError,
};
use crate::connectors::carriers::Carrier;
use crate::connectors::shipstation_client::Listing;
use crate::connectors::Source;
use crate::engine::Policy;
use crate::store::OpenParcel;
use crate::store::{Store, StoreError};

/// Which systems to ask again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Systems {
    Storefront,
    Warehouse,
    /// The carriers of the order's parcels.
    Carrier,
    All,
}

impl Systems {
    fn storefront(self) -> bool {
        matches!(self, Systems::Storefront | Systems::All)
    }

    fn warehouse(self) -> bool {
        matches!(self, Systems::Warehouse | Systems::All)
    }

    fn carrier(self) -> bool {
        matches!(self, Systems::Carrier | Systems::All)
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
    if systems.carrier() {
        reports.extend(resync_parcels(store, policy, connections, &keys.parcels, now).await);
    }
    Ok(reports)
}

/// Asks each carrier about the order's parcels, one report per carrier.
async fn resync_parcels(
    store: &Store,
    policy: &Policy,
    connections: &Connections,
    parcels: &[OpenParcel],
    now: DateTime<Utc>,
) -> Vec<ListingReport> {
    let mut by_carrier: BTreeMap<Carrier, Vec<String>> = BTreeMap::new();
    let mut unknown = ListingReport {
        listing: "carrier.unrecognised",
        ..ListingReport::default()
    };
    for parcel in parcels {
        match carrier_of(parcel) {
            Some(carrier) => by_carrier
                .entry(carrier)
                .or_default()
                .push(parcel.tracking_number.clone()),
            None => unknown.rejected.push(format!(
                "parcel {}: no configured carrier recognises it",
                parcel.tracking_number
            )),
        }
    }
    let mut reports = Vec::new();
    for (carrier, numbers) in by_carrier {
        let mut listing = ListingReport {
            listing: "carrier",
            ..ListingReport::default()
        };
        let result: Result<(), PassError> = async {
            let client = match connections.carriers.get(&carrier) {
                Some(client) => client.clone()?,
                None => {
                    return Err(ConnectError {
                        backend: format!("carriers.{}", carrier.as_str()),
                        message: "not configured".into(),
                    }
                    .into())
                }
            };
            let items = carrier_items(client.track_replies(&numbers).await?);
            let applied = apply_items(
                store,
                policy,
                Source::Carrier,
                &carrier_origin(carrier),
                items,
                now,
            )
            .await?;
            listing.absorb(applied);
            Ok(())
        }
        .await;
        listing.error = result.err().map(|e| e.to_string());
        reports.push(listing);
    }
    if !unknown.rejected.is_empty() {
        reports.push(unknown);
    }
    reports
}
