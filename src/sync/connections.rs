//! The clients for each configured backend, with their secrets read from the
//! environment variables the config names. A backend that cannot be set up
//! (a missing secret, say) is recorded as unavailable: the others still sync.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Config, VendorConfig};
use crate::connectors::carriers::{Carrier, CarrierClient, Credentials};
use crate::connectors::secret::Secret;
use crate::connectors::shipstation_client::ShipStationClient;
use crate::connectors::shopify_client::{Bucket, ShopifyClient};
use crate::connectors::vendor_api::VendorApiClient;

/// A backend that cannot be reached as configured.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{backend}: {message}")]
pub struct ConnectError {
    pub backend: String,
    pub message: String,
}

pub struct Connections {
    pub storefront: Result<ShopifyClient, ConnectError>,
    pub warehouse: Result<ShipStationClient, ConnectError>,
    /// Shared, so that each carrier can be asked on a task of its own.
    pub carriers: BTreeMap<Carrier, Result<Arc<CarrierClient>, ConnectError>>,
    /// Vendors with an EDI inbox folder to read each pass.
    pub edi_vendors: Vec<VendorConfig>,
    /// Vendors that take purchase orders (an API or an EDI outbox).
    pub order_vendors: Vec<VendorConfig>,
    /// Each vendor API's client, by vendor id.
    pub vendor_apis: BTreeMap<String, Result<VendorApiClient, ConnectError>>,
}

/// Where secrets come from: the process environment, or (in tests and the
/// demo, which run the simulator in-process) a given table.
pub type SecretSource<'a> = &'a dyn Fn(&str) -> Result<Secret, String>;

const TIMEOUT: Duration = Duration::from_secs(30);

fn unavailable(backend: &str, message: impl Into<String>) -> ConnectError {
    ConnectError {
        backend: backend.to_string(),
        message: message.into(),
    }
}

fn secret(
    source: SecretSource<'_>,
    backend: &str,
    key: &str,
    variable: &str,
) -> Result<Secret, ConnectError> {
    source(variable).map_err(|message| unavailable(backend, format!("{message} (named by {key})")))
}

fn shopify(config: &Config, secrets: SecretSource<'_>) -> Result<ShopifyClient, ConnectError> {
    if config.storefront.kind != "shopify" {
        return Err(unavailable(
            "storefront",
            format!(
                "storefront.kind {:?} is not supported (only \"shopify\")",
                config.storefront.kind
            ),
        ));
    }
    let token = secret(
        secrets,
        "storefront",
        "storefront.token_env",
        &config.storefront.token_env,
    )?;
    ShopifyClient::new(
        &config.storefront.base_url,
        &config.storefront.api_version,
        token,
        Bucket {
            requests_per_minute: config.storefront.requests_per_minute,
            size: config.storefront.burst,
        },
        TIMEOUT,
    )
    .map_err(|e| unavailable("storefront", e.to_string()))
}

fn shipstation(
    config: &Config,
    secrets: SecretSource<'_>,
) -> Result<ShipStationClient, ConnectError> {
    if config.warehouse.kind != "shipstation" {
        return Err(unavailable(
            "warehouse",
            format!(
                "warehouse.kind {:?} is not supported (only \"shipstation\")",
                config.warehouse.kind
            ),
        ));
    }
    let key = secret(
        secrets,
        "warehouse",
        "warehouse.key_env",
        &config.warehouse.key_env,
    )?;
    let warehouse_secret = secret(
        secrets,
        "warehouse",
        "warehouse.secret_env",
        &config.warehouse.secret_env,
    )?;
    ShipStationClient::new(
        &config.warehouse.base_url,
        key,
        warehouse_secret,
        config.warehouse.requests_per_minute,
        TIMEOUT,
    )
    .map_err(|e| unavailable("warehouse", e.to_string()))
}

fn carrier(
    name: &str,
    settings: &crate::config::CarrierConfig,
    secrets: SecretSource<'_>,
    http: &reqwest::Client,
) -> (Option<Carrier>, Result<Arc<CarrierClient>, ConnectError>) {
    let backend = format!("carriers.{name}");
    let Some(carrier) = Carrier::from_name(name) else {
        return (
            None,
            Err(unavailable(
                &backend,
                "not a carrier orderdeck knows (fedex, ups, usps, dhl)",
            )),
        );
    };
    let needed = |key: &str, value: &Option<String>| {
        value
            .as_deref()
            .ok_or_else(|| unavailable(&backend, format!("{backend}.{key} is not set")))
            .and_then(|variable| secret(secrets, &backend, &format!("{backend}.{key}"), variable))
    };
    let credentials = if carrier == Carrier::Dhl {
        needed("api_key_env", &settings.api_key_env).map(|key| Credentials::api_key(key.expose()))
    } else {
        needed("client_id_env", &settings.client_id_env).and_then(|id| {
            needed("client_secret_env", &settings.client_secret_env)
                .map(|secret| Credentials::oauth(id.expose(), secret.expose()))
        })
    };
    let client = credentials.and_then(|credentials| {
        CarrierClient::new(carrier, &settings.base_url, credentials, http.clone())
            .map(|client| {
                let client = client.with_timeout(TIMEOUT);
                Arc::new(match settings.requests_per_minute {
                    Some(per_minute) => client.with_allowance(per_minute),
                    None => client,
                })
            })
            .map_err(|e| unavailable(&backend, e.to_string()))
    });
    (Some(carrier), client)
}

fn vendor_api(
    vendor: &VendorConfig,
    url: &str,
    secrets: SecretSource<'_>,
) -> Result<VendorApiClient, ConnectError> {
    let backend = format!("vendors.{}", vendor.id);
    let variable = vendor
        .api_key_env
        .as_deref()
        .ok_or_else(|| unavailable(&backend, "api_key_env is not set"))?;
    let key = secret(
        secrets,
        &backend,
        &format!("{backend}.api_key_env"),
        variable,
    )?;
    VendorApiClient::new(url, key, vendor.api_requests_per_minute, TIMEOUT)
        .map_err(|e| unavailable(&backend, e.to_string()))
}

impl Connections {
    /// The API client of vendor `id`, when it has one that could be set up.
    pub fn vendor_api(&self, id: &str) -> Option<&VendorApiClient> {
        self.vendor_apis.get(&id.to_lowercase())?.as_ref().ok()
    }

    /// Secrets from the environment variables the config names.
    pub fn from_config(config: &Config) -> Connections {
        Connections::with_secrets(config, &Secret::from_env)
    }

    pub fn with_secrets(config: &Config, secrets: SecretSource<'_>) -> Connections {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("orderdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        let mut carriers = BTreeMap::new();
        for (name, settings) in &config.carriers {
            let (kind, client) = carrier(name, settings, secrets, &http);
            match kind {
                Some(kind) => {
                    carriers.insert(kind, client);
                }
                None => tracing::warn!(carrier = %name, "unknown carrier in config"),
            }
        }
        Connections {
            storefront: shopify(config, secrets),
            warehouse: shipstation(config, secrets),
            carriers,
            edi_vendors: config
                .vendors
                .iter()
                .filter(|v| v.edi_inbox.is_some())
                .cloned()
                .collect(),
            order_vendors: config
                .vendors
                .iter()
                .filter(|v| v.takes_orders())
                .cloned()
                .collect(),
            vendor_apis: config
                .vendors
                .iter()
                .filter_map(|v| {
                    let url = v.api_base_url.as_deref()?;
                    Some((v.id.to_lowercase(), vendor_api(v, url, secrets)))
                })
                .collect(),
        }
    }
}
