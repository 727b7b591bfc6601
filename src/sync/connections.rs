//! The clients for each configured backend, with their secrets read from the
//! environment variables the config names.

use std::time::Duration;

use crate::config::Config;
use crate::connectors::http::HttpError;
use crate::connectors::secret::Secret;
use crate::connectors::shipstation_client::ShipStationClient;
use crate::connectors::shopify_client::ShopifyClient;

/// A backend that cannot be reached as configured.
#[derive(Debug, thiserror::Error)]
#[error("{backend}: {message}")]
pub struct ConnectError {
    pub backend: &'static str,
    pub message: String,
}

pub struct Connections {
    pub storefront: ShopifyClient,
    pub warehouse: ShipStationClient,
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Where secrets come from: the process environment, or (in tests and the
/// demo, which run the simulator in-process) a given table.
pub type SecretSource<'a> = &'a dyn Fn(&str) -> Result<Secret, String>;

fn secret(source: SecretSource<'_>, backend: &'static str, key: &str, variable: &str) -> Result<Secret, ConnectError> {
    source(variable).map_err(|message| ConnectError {
        backend,
        message: format!("{message} (named by {key})"),
    })
}

fn client_error(e: HttpError) -> ConnectError {
    ConnectError {
        backend: "http",
        message: e.to_string(),
    }
}

impl Connections {
    /// Secrets from the environment variables the config names.
    pub fn from_config(config: &Config) -> Result<Connections, ConnectError> {
        Connections::with_secrets(config, &Secret::from_env)
    }

    pub fn with_secrets(config: &Config, secrets: SecretSource<'_>) -> Result<Connections, ConnectError> {
        if config.storefront.kind != "shopify" {
            return Err(ConnectError {
                backend: "storefront",
                message: format!(
                    "storefront.kind {:?} is not supported (only \"shopify\")",
                    config.storefront.kind
                ),
            });
        }
        if config.warehouse.kind != "shipstation" {
            return Err(ConnectError {
                backend: "warehouse",
                message: format!(
                    "warehouse.kind {:?} is not supported (only \"shipstation\")",
                    config.warehouse.kind
                ),
            });
        }
        let token = secret(secrets, "storefront",
            "storefront.token_env",
            &config.storefront.token_env,
        )?;
        let key = secret(secrets, "warehouse", "warehouse.key_env", &config.warehouse.key_env)?;
        let warehouse_secret = secret(secrets, "warehouse",
            "warehouse.secret_env",
            &config.warehouse.secret_env,
        )?;
        Ok(Connections {
            storefront: ShopifyClient::new(
                &config.storefront.base_url,
                &config.storefront.api_version,
                token,
                TIMEOUT,
            )
            .map_err(client_error)?,
            warehouse: ShipStationClient::new(
                &config.warehouse.base_url,
                key,
                warehouse_secret,
                TIMEOUT,
            )
            .map_err(client_error)?,
        })
    }
}
