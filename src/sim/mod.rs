//! Simulated backends: a seeded world of orders served on loopback in the
//! real wire formats of Shopify, ShipStation, FedEx, UPS, USPS and DHL, with
//! a clock, ground truth, rate limits and injectable faults.
//!
//! One listener on 127.0.0.1 serves every backend under its own prefix, the
//! paths after it being the API's own:
//!
//! | prefix | API | paths |
//! | --- | --- | --- |
//! | `/shopify` | Shopify REST Admin | `/admin/api/{version}/orders.json`, `…/orders/count.json`, `…/orders/{id}.json` (GET, PUT), `…/orders/{id}/fulfillment_orders.json`, `POST …/fulfillments.json`, `POST …/fulfillment_orders/{id}/move.json`, `…/inventory_levels.json` |
//! | `/shipstation` | ShipStation V1 | `/orders`, `/orders/{orderId}`, `/shipments`, `POST /orders/holduntil`, `/orders/restorefromhold`, `/orders/createorder` |
//! | `/fedex` | FedEx Track | `POST /oauth/token`, `POST /track/v1/trackingnumbers` |
//! | `/ups` | UPS Track | `POST /security/v1/oauth/token`, `GET /api/track/v1/details/{inquiryNumber}` |
//! | `/usps` | USPS Tracking v3 | `POST /oauth2/v3/token`, `GET /tracking/v3/tracking/{number}` |
//! | `/dhl` | DHL Shipment Tracking – Unified | `GET /track/shipments?trackingNumber=` |
//!
//! So a config's `base_url` for Shopify is `http://127.0.0.1:PORT/shopify`,
//! and so on. The credentials accepted are fixed constants (`SHOPIFY_ACCESS_TOKEN`,
//! …); [`CREDENTIAL_ENV`] and [`DHL_API_KEY_ENV`] pair them with the
//! environment variable names `orderdeck sim --write-config` uses.
//!
//! The world is laid out from scenarios ([`Scenario`]); each states its
//! orders' ground truth under the default config, independently of the
//! engine ([`World::ground_truth`]). `shop` writes the same world as files
//! for `demo` and the benchmark.

mod builder;
mod calendar;
mod catalog;
mod options;
mod plan;
mod scenario;
mod server;
pub mod shop;
mod truth;
mod wire;
mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use catalog::{VENDOR_LOCATION_ID, WAREHOUSE_LOCATION_ID};
pub use options::{
    Backend, Endpoint, Exchange, Faults, Limits, SimOptions, SystemFaults, CREDENTIAL_ENV,
    DHL_API_KEY, DHL_API_KEY_ENV, FEDEX_CLIENT_ID, FEDEX_CLIENT_SECRET, SHIPSTATION_API_KEY,
    SHIPSTATION_API_SECRET, SHOPIFY_ACCESS_TOKEN, UPS_CLIENT_ID, UPS_CLIENT_SECRET, USPS_CLIENT_ID,
    USPS_CLIENT_SECRET, VENDOR_API_KEY_ENV,
};
pub use plan::Carrier;
pub use scenario::Scenario;
pub use server::vendors::VENDORS;
pub use truth::ExpectedOrder;
pub use wire::carriers::UNMAPPED_CODES;
pub use world::{KnownParcel, Stock, World};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("simulator: cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("simulator: server failed: {0}")]
    Serve(#[source] std::io::Error),
    #[error("simulator: server task ended abnormally: {0}")]
    Task(String),
}

/// A running simulator. Dropping it stops the server too; `shutdown` waits
/// for it to finish.
pub struct SimHandle {
    shared: Arc<server::Shared>,
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts the simulator on loopback.
pub async fn start(options: SimOptions) -> Result<SimHandle, SimError> {
    let port = options.port.unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| SimError::Bind { port, source })?;
    let address = listener
        .local_addr()
        .map_err(|source| SimError::Bind { port, source })?;
    let world = World::new(options.seed, options.orders, options.start);
    let clock = server::Clock::new(world.start(), options.speed);
    let shared = Arc::new(server::Shared::new(
        world,
        clock,
        format!("http://{address}"),
        options.faults,
        options.limits,
    ));
    let app = server::router(shared.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // A dropped handle stops the server as a shutdown does.
                let _ = stopped.await;
            })
            .await
    });
    Ok(SimHandle {
        shared,
        address,
        stop: Some(stop),
        task,
    })
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The base URL of one backend, e.g. `http://127.0.0.1:PORT/shopify`:
    /// what a config's `base_url` for it should say.
    pub fn url(&self, backend: Backend) -> String {
        format!("{}{}", self.shared.base_url, backend.prefix())
    }

    /// The URL of one simulated vendor's API (`acme`, `northwind`, `silent`,
    /// `lowstock`).
    pub fn vendor_url(&self, vendor: &str) -> String {
        format!("{}/{vendor}", self.url(Backend::Vendors))
    }

    /// Whether the simulated `vendor` holds PO `po_number`: `Some(true)`
    /// when it is cancelled there.
    pub fn vendor_po_cancelled(&self, vendor: &str, po_number: &str) -> Option<bool> {
        self.shared
            .vendors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .state(vendor, po_number)
    }

    /// The lines of the simulated `vendor`'s PO `po_number` as it took
    /// them: (SKU, quantity, unit, option).
    pub fn vendor_po_lines(
        &self,
        vendor: &str,
        po_number: &str,
    ) -> Vec<(String, u64, String, Option<String>)> {
        self.shared
            .vendors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .lines(vendor, po_number)
    }

    /// From now on the simulated `vendor` acknowledges `sku` as substituted
    /// by `substitute`.
    pub fn offer_substitution(&self, vendor: &str, sku: &str, substitute: &str) {
        self.shared
            .vendors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .substitute(vendor, sku, substitute);
    }

    /// Every PO the simulated `vendor` holds, by number.
    pub fn vendor_pos(&self, vendor: &str) -> Vec<String> {
        self.shared
            .vendors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .po_numbers(vendor)
    }

    /// The metafields written to a Shopify order.
    pub fn order_metafields(&self, order_id: u64) -> Vec<serde_json::Value> {
        self.shared.metafields(order_id)
    }

    /// The location a reroute moved a Shopify order's fulfilment order to.
    pub fn fulfillment_order_moved_to(&self, order_id: u64) -> Option<u64> {
        self.shared.moved_location(order_id)
    }

    pub fn world(&self) -> &World {
        &self.shared.world
    }

    /// The world's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// The world's clock as the workers and console watching it read it.
    pub fn clock(&self) -> crate::sync::workers::Clock {
        let shared = self.shared.clone();
        Arc::new(move || shared.clock.now())
    }

    /// Moves the world's clock on (or back, with a negative delta).
    pub fn advance(&self, by: TimeDelta) {
        self.shared.clock.advance(by);
    }

    /// The ground truth as of the world's clock.
    pub fn ground_truth(&self) -> Vec<ExpectedOrder> {
        self.shared.world.ground_truth(self.now())
    }

    /// Requests received at `endpoint` so far, refused and faulted ones
    /// included.
    pub fn requests(&self, endpoint: Endpoint) -> u64 {
        self.shared.requests(endpoint)
    }

    /// Writes the simulator applied: a repeat answered from its idempotency
    /// key is not one.
    pub fn writes_applied(&self) -> u64 {
        self.shared.writes_applied()
    }

    /// Every request answered so far, in the order the answers were ready.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.journal()
    }

    /// The rate limits this simulator enforces.
    pub fn limits(&self) -> &Limits {
        &self.shared.limits
    }

    /// Every carrier OAuth token issued so far stops working at once, as
    /// when a carrier revokes them or restarts: the next request with one
    /// is answered 401.
    pub fn expire_tokens(&self) {
        self.shared.expire_tokens();
    }

    /// Every endpoint's request count, by name (`shopify.orders`, …).
    pub fn request_counts(&self) -> BTreeMap<&'static str, u64> {
        Endpoint::ALL
            .iter()
            .map(|e| (e.as_str(), self.shared.requests(*e)))
            .collect()
    }

    /// Stops accepting connections, lets requests in flight finish, and
    /// waits for the server to end.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result.map_err(SimError::Serve),
            Err(e) => Err(SimError::Task(e.to_string())),
        }
    }
}

/// The simulator's own credentials by the variable names its written config
/// uses: a secret source for running orderdeck against an in-process
/// simulator without touching the environment.
pub fn credential(variable: &str) -> Result<crate::connectors::secret::Secret, String> {
    CREDENTIAL_ENV
        .iter()
        .chain([&DHL_API_KEY_ENV, &VENDOR_API_KEY_ENV])
        .find(|(name, _)| *name == variable)
        .map(|(_, value)| crate::connectors::secret::Secret::new(value.to_string()))
        .ok_or_else(|| format!("{variable} is not one of the simulator's credentials"))
}
