//! How the simulator is started: the world's size and seed, its clock, the
//! rate limits it enforces and the faults it injects, and the fixed
//! credentials it accepts.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The Shopify Admin API access token (`X-Shopify-Access-Token`).
pub const SHOPIFY_ACCESS_TOKEN: &str = "shpat_0rderdeck5im000000000000000";
/// ShipStation's API key and secret (HTTP Basic auth).
pub const SHIPSTATION_API_KEY: &str = "orderdeck-sim-key";
pub const SHIPSTATION_API_SECRET: &str = "orderdeck-sim-secret";
/// OAuth client credentials of each carrier that uses them.
pub const FEDEX_CLIENT_ID: &str = "l7orderdecksimfedex";
pub const FEDEX_CLIENT_SECRET: &str = "fedex-sim-secret";
pub const UPS_CLIENT_ID: &str = "orderdeck-sim-ups";
pub const UPS_CLIENT_SECRET: &str = "ups-sim-secret";
pub const USPS_CLIENT_ID: &str = "orderdeck-sim-usps";
pub const USPS_CLIENT_SECRET: &str = "usps-sim-secret";
/// The DHL API key (`DHL-API-Key` header).
pub const DHL_API_KEY: &str = "orderdeck-sim-dhl-key";

/// The environment variables `orderdeck sim --write-config` names in the
/// config it writes, with the value each must hold.
pub const CREDENTIAL_ENV: [(&str, &str); 9] = [
    ("ORDERDECK_SIM_SHOPIFY_TOKEN", SHOPIFY_ACCESS_TOKEN),
    ("ORDERDECK_SIM_SHIPSTATION_KEY", SHIPSTATION_API_KEY),
    ("ORDERDECK_SIM_SHIPSTATION_SECRET", SHIPSTATION_API_SECRET),
    ("ORDERDECK_SIM_FEDEX_CLIENT_ID", FEDEX_CLIENT_ID),
    ("ORDERDECK_SIM_FEDEX_CLIENT_SECRET", FEDEX_CLIENT_SECRET),
    ("ORDERDECK_SIM_UPS_CLIENT_ID", UPS_CLIENT_ID),
    ("ORDERDECK_SIM_UPS_CLIENT_SECRET", UPS_CLIENT_SECRET),
    ("ORDERDECK_SIM_USPS_CLIENT_ID", USPS_CLIENT_ID),
    ("ORDERDECK_SIM_USPS_CLIENT_SECRET", USPS_CLIENT_SECRET),
];
/// The DHL key's variable, kept apart because DHL has no OAuth pair.
pub const DHL_API_KEY_ENV: (&str, &str) = ("ORDERDECK_SIM_DHL_API_KEY", DHL_API_KEY);

/// The simulated vendors' bearer key's variable.
pub const VENDOR_API_KEY_ENV: (&str, &str) = (
    "ORDERDECK_SIM_VENDOR_API_KEY",
    super::server::vendors::VENDOR_API_KEY,
);

/// The simulated backends, each mounted under its own URL prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    Shopify,
    ShipStation,
    Fedex,
    Ups,
    Usps,
    Dhl,
    /// Every simulated drop-ship vendor, each under `/vendors/{vendor}`.
    Vendors,
}

impl Backend {
    pub const ALL: [Backend; 7] = [
        Backend::Shopify,
        Backend::ShipStation,
        Backend::Fedex,
        Backend::Ups,
        Backend::Usps,
        Backend::Dhl,
        Backend::Vendors,
    ];

    /// The URL prefix: `/shopify`, `/shipstation`, `/fedex`, …
    pub fn prefix(self) -> &'static str {
        match self {
            Backend::Shopify => "/shopify",
            Backend::ShipStation => "/shipstation",
            Backend::Fedex => "/fedex",
            Backend::Ups => "/ups",
            Backend::Usps => "/usps",
            Backend::Dhl => "/dhl",
            Backend::Vendors => "/vendors",
        }
    }
}

/// Every endpoint the simulator serves; requests are counted per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `GET /shopify/admin/api/{version}/orders.json`
    ShopifyOrders,
    /// `GET /shopify/admin/api/{version}/orders/count.json`
    ShopifyOrderCount,
    /// `GET /shopify/admin/api/{version}/orders/{id}.json`
    ShopifyOrder,
    /// `GET /shopify/admin/api/{version}/orders/{id}/fulfillment_orders.json`
    ShopifyFulfillmentOrders,
    /// `PUT /shopify/admin/api/{version}/orders/{id}.json`
    ShopifyOrderUpdate,
    /// `POST /shopify/admin/api/{version}/fulfillments.json`
    ShopifyFulfillmentCreate,
    /// `POST /shopify/admin/api/{version}/fulfillment_orders/{id}/move.json`
    ShopifyFulfillmentOrderMove,
    /// `POST /shopify/admin/api/{version}/orders.json`
    ShopifyOrderCreate,
    /// `GET /shopify/admin/api/{version}/inventory_levels.json`
    ShopifyInventoryLevels,
    /// `GET`/`POST /shopify/admin/api/{version}/orders/{id}/metafields.json`
    ShopifyOrderMetafields,
    /// `GET /shipstation/orders`
    ShipStationOrders,
    /// `GET /shipstation/orders/{orderId}`
    ShipStationOrder,
    /// `GET /shipstation/shipments`
    ShipStationShipments,
    /// `POST /shipstation/orders/holduntil`
    ShipStationHold,
    /// `POST /shipstation/orders/restorefromhold`
    ShipStationRestore,
    /// `POST /shipstation/orders/createorder`
    ShipStationCreateOrder,
    /// `POST /fedex/oauth/token`
    FedexToken,
    /// `POST /fedex/track/v1/trackingnumbers`
    FedexTrack,
    /// `POST /ups/security/v1/oauth/token`
    UpsToken,
    /// `GET /ups/api/track/v1/details/{inquiryNumber}`
    UpsTrack,
    /// `POST /usps/oauth2/v3/token`
    UspsToken,
    /// `GET /usps/tracking/v3/tracking/{trackingNumber}`
    UspsTrack,
    /// `GET /dhl/track/shipments`
    DhlTrack,
    /// `GET /vendors/{vendor}/v1/atp`
    VendorAtp,
    /// `POST /vendors/{vendor}/v1/purchase-orders`
    VendorPoCreate,
    /// `GET /vendors/{vendor}/v1/purchase-orders/{po}`
    VendorPo,
    /// `POST /vendors/{vendor}/v1/purchase-orders/{po}/cancel`
    VendorPoCancel,
}

impl Endpoint {
    pub const ALL: [Endpoint; 27] = [
        Endpoint::ShopifyOrders,
        Endpoint::ShopifyOrderCount,
        Endpoint::ShopifyOrder,
        Endpoint::ShopifyFulfillmentOrders,
        Endpoint::ShopifyOrderUpdate,
        Endpoint::ShopifyFulfillmentCreate,
        Endpoint::ShopifyFulfillmentOrderMove,
        Endpoint::ShopifyOrderCreate,
        Endpoint::ShopifyInventoryLevels,
        Endpoint::ShopifyOrderMetafields,
        Endpoint::ShipStationOrders,
        Endpoint::ShipStationOrder,
        Endpoint::ShipStationShipments,
        Endpoint::ShipStationHold,
        Endpoint::ShipStationRestore,
        Endpoint::ShipStationCreateOrder,
        Endpoint::FedexToken,
        Endpoint::FedexTrack,
        Endpoint::UpsToken,
        Endpoint::UpsTrack,
        Endpoint::UspsToken,
        Endpoint::UspsTrack,
        Endpoint::DhlTrack,
        Endpoint::VendorAtp,
        Endpoint::VendorPoCreate,
        Endpoint::VendorPo,
        Endpoint::VendorPoCancel,
    ];

    pub fn backend(self) -> Backend {
        match self {
            Endpoint::ShopifyOrders
            | Endpoint::ShopifyOrderCount
            | Endpoint::ShopifyOrder
            | Endpoint::ShopifyFulfillmentOrders
            | Endpoint::ShopifyOrderUpdate
            | Endpoint::ShopifyFulfillmentCreate
            | Endpoint::ShopifyFulfillmentOrderMove
            | Endpoint::ShopifyOrderCreate
            | Endpoint::ShopifyInventoryLevels
            | Endpoint::ShopifyOrderMetafields => Backend::Shopify,
            Endpoint::ShipStationOrders
            | Endpoint::ShipStationOrder
            | Endpoint::ShipStationShipments
            | Endpoint::ShipStationHold
            | Endpoint::ShipStationRestore
            | Endpoint::ShipStationCreateOrder => Backend::ShipStation,
            Endpoint::FedexToken | Endpoint::FedexTrack => Backend::Fedex,
            Endpoint::UpsToken | Endpoint::UpsTrack => Backend::Ups,
            Endpoint::UspsToken | Endpoint::UspsTrack => Backend::Usps,
            Endpoint::DhlTrack => Backend::Dhl,
            Endpoint::VendorAtp
            | Endpoint::VendorPoCreate
            | Endpoint::VendorPo
            | Endpoint::VendorPoCancel => Backend::Vendors,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::ShopifyOrders => "shopify.orders",
            Endpoint::ShopifyOrderCount => "shopify.orders.count",
            Endpoint::ShopifyOrder => "shopify.order",
            Endpoint::ShopifyFulfillmentOrders => "shopify.fulfillment_orders",
            Endpoint::ShipStationOrders => "shipstation.orders",
            Endpoint::ShipStationOrder => "shipstation.order",
            Endpoint::ShipStationShipments => "shipstation.shipments",
            Endpoint::ShopifyOrderUpdate => "shopify.order.update",
            Endpoint::ShopifyFulfillmentCreate => "shopify.fulfillments.create",
            Endpoint::ShopifyFulfillmentOrderMove => "shopify.fulfillment_orders.move",
            Endpoint::ShopifyOrderCreate => "shopify.orders.create",
            Endpoint::ShopifyInventoryLevels => "shopify.inventory_levels",
            Endpoint::ShopifyOrderMetafields => "shopify.order.metafields",
            Endpoint::ShipStationHold => "shipstation.orders.holduntil",
            Endpoint::ShipStationRestore => "shipstation.orders.restorefromhold",
            Endpoint::ShipStationCreateOrder => "shipstation.orders.createorder",
            Endpoint::FedexToken => "fedex.oauth",
            Endpoint::FedexTrack => "fedex.track",
            Endpoint::UpsToken => "ups.oauth",
            Endpoint::UpsTrack => "ups.track",
            Endpoint::UspsToken => "usps.oauth",
            Endpoint::UspsTrack => "usps.track",
            Endpoint::DhlTrack => "dhl.track",
            Endpoint::VendorAtp => "vendors.atp",
            Endpoint::VendorPoCreate => "vendors.purchase_orders.create",
            Endpoint::VendorPo => "vendors.purchase_order",
            Endpoint::VendorPoCancel => "vendors.purchase_order.cancel",
        }
    }

    pub(crate) fn slot(self) -> usize {
        Endpoint::ALL
            .iter()
            .position(|e| *e == self)
            .unwrap_or_default()
    }
}

/// One request the simulator answered: which endpoint, when it arrived and
/// when its answer was ready (since the simulator started), and the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    pub endpoint: Endpoint,
    pub arrived: Duration,
    pub answered: Duration,
    pub status: u16,
}

/// Faults one backend injects; all off by default. Probabilities are per
/// request and drawn from a generator seeded by the world's seed, so a run
/// is repeatable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemFaults {
    /// Added before every response.
    pub latency: Duration,
    /// Share of requests answered 429 with `Retry-After`.
    pub too_many_requests: f64,
    /// Share of requests answered 500, 502 or 503.
    pub server_errors: f64,
    /// Share of responses whose body stops halfway (the connection closes
    /// short of the announced `Content-Length`).
    pub truncated: f64,
    /// Share of responses whose body is complete but not valid JSON.
    pub malformed: f64,
    /// The backend stops updating: from this moment on it answers with its
    /// data as of this moment, whatever the clock says.
    pub frozen_at: Option<DateTime<Utc>>,
    /// Orders (by number, with or without `#`) that the backend's order
    /// listings send with one field of the wrong type, every time, while
    /// the rest of the page stays intact: Shopify's `created_at` is not a
    /// time, ShipStation's `orderStatus` is not a string.
    pub broken_orders: Vec<String>,
    /// The first this many writes (order updates, fulfilments, holds, …)
    /// are applied and then answered only after `write_reply_delay`: the
    /// client times out not knowing that the change was made.
    pub delayed_writes: u32,
    pub write_reply_delay: Duration,
}

/// Faults per backend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub shopify: SystemFaults,
    pub shipstation: SystemFaults,
    pub fedex: SystemFaults,
    pub ups: SystemFaults,
    pub usps: SystemFaults,
    pub dhl: SystemFaults,
    /// Shared by every simulated vendor. Its writes (PO creation and
    /// cancellation) are never delayed: `delayed_writes` does not apply.
    pub vendors: SystemFaults,
}

impl Faults {
    pub fn of(&self, backend: Backend) -> &SystemFaults {
        match backend {
            Backend::Shopify => &self.shopify,
            Backend::ShipStation => &self.shipstation,
            Backend::Fedex => &self.fedex,
            Backend::Ups => &self.ups,
            Backend::Usps => &self.usps,
            Backend::Dhl => &self.dhl,
            Backend::Vendors => &self.vendors,
        }
    }

    pub fn of_mut(&mut self, backend: Backend) -> &mut SystemFaults {
        match backend {
            Backend::Shopify => &mut self.shopify,
            Backend::ShipStation => &mut self.shipstation,
            Backend::Fedex => &mut self.fedex,
            Backend::Ups => &mut self.ups,
            Backend::Usps => &mut self.usps,
            Backend::Dhl => &mut self.dhl,
            Backend::Vendors => &mut self.vendors,
        }
    }
}

/// The rate limits the simulator enforces, in real time; the defaults are
/// the real services' published ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Shopify's leaky bucket: its size and how many requests leak per second.
    pub shopify_bucket: u32,
    pub shopify_leak_per_second: f64,
    /// ShipStation's requests per 60-second window.
    pub shipstation_per_minute: u32,
    /// How long the carriers' OAuth tokens live (stated in `expires_in` and
    /// enforced), instead of each carrier's own hours.
    pub token_lifetime: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            shopify_bucket: 40,
            shopify_leak_per_second: 2.0,
            shipstation_per_minute: 40,
            token_lifetime: None,
        }
    }
}

impl Limits {
    /// Limits so high that nothing a single client does reaches them: for
    /// load tests, where the allowance is not what is measured.
    pub fn lifted() -> Self {
        Limits {
            shopify_bucket: 1_000_000,
            shopify_leak_per_second: 1_000_000.0,
            shipstation_per_minute: 1_000_000,
            token_lifetime: None,
        }
    }

    /// Shopify's allowance as requests a minute (whole, at least one).
    pub fn shopify_per_minute(&self) -> u32 {
        (self.shopify_leak_per_second * 60.0).clamp(1.0, f64::from(u32::MAX)) as u32
    }
}

/// What `start` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The loopback port; `None` or `Some(0)` picks a free one.
    pub port: Option<u16>,
    pub seed: u64,
    /// Orders in the world: most placed before `start` (the backlog), the
    /// rest arriving while the clock runs.
    pub orders: u64,
    /// The world's clock at start; the backlog's situations hold then.
    pub start: DateTime<Utc>,
    /// Simulated seconds per real second; 0 stops the clock (tests move it
    /// with `SimHandle::advance`).
    pub speed: f64,
    pub faults: Faults,
    pub limits: Limits,
}

impl SimOptions {
    /// A world of `orders` orders for `seed`, starting at `start`, running at
    /// real speed, with the real rate limits and no faults.
    pub fn new(seed: u64, orders: u64, start: DateTime<Utc>) -> Self {
        SimOptions {
            port: None,
            seed,
            orders,
            start,
            speed: 1.0,
            faults: Faults::default(),
            limits: Limits::default(),
        }
    }
}
