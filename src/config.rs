//! `orderdeck.toml`: the documented defaults in `assets/orderdeck.toml`, with
//! the user's file laid over them key by key. Every error names the key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use serde::Deserialize;

use crate::engine::{
    CategoryPolicy, DropShipPolicy, Expedite, Policy, ReroutePolicy, SlaPolicy, Tolerances,
    VendorCategoryTerms, VendorItem, VendorPolicy,
};
use crate::summary::{AiSettings, Provider};

/// The built-in defaults, also the documentation of every key.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/orderdeck.toml");

#[derive(Debug, thiserror::Error)]
#[error("config {origin}: {key}: {message}")]
pub struct ConfigError {
    /// The file, or "built-in defaults".
    pub origin: String,
    /// The dotted key at fault, e.g. `sla.cutoff`.
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub shop: ShopConfig,
    pub storefront: StorefrontConfig,
    pub warehouse: WarehouseConfig,
    #[serde(default)]
    pub carriers: BTreeMap<String, CarrierConfig>,
    pub sla: SlaConfig,
    pub tolerances: TolerancesConfig,
    #[serde(default)]
    pub vendors: Vec<VendorConfig>,
    /// In-house warehouses a reroute may take drop-shipped goods from.
    #[serde(default)]
    pub warehouses: Vec<WarehouseSourceConfig>,
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    pub ai: AiConfig,
    /// Role → the actions it may run ("*": all of them).
    #[serde(default)]
    pub permissions: BTreeMap<String, Vec<String>>,
    pub actions: ActionsConfig,
    pub reroute: RerouteConfig,
    pub drop_ship: DropShipConfig,
}

/// `[drop_ship]`: how far drop-shipped goods are committed on a soft
/// reservation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropShipConfig {
    pub sensitive_categories: Vec<String>,
}

/// `[reroute]`: which proposals wait for a human.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RerouteConfig {
    pub approve_above_cost: f64,
    pub approve_splits: bool,
    pub approve_substitutions: bool,
    pub approve_expedites: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsConfig {
    /// Reason codes besides the built-in ones.
    #[serde(default)]
    pub reason_codes: Vec<String>,
    /// How long an action waits for the backend's answer before its outcome
    /// is "unknown" (and the same command reconciles it).
    pub timeout: String,
    /// How long a hold at the warehouse lasts when `--until` is not given.
    pub hold_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopConfig {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorefrontConfig {
    pub kind: String,
    pub base_url: String,
    pub api_version: String,
    pub token_env: String,
    /// The steady rate the client keeps to: Shopify leaks this many a minute.
    pub requests_per_minute: u32,
    /// Requests the client may send back to back before the steady rate
    /// applies: Shopify's bucket size.
    pub burst: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseConfig {
    pub kind: String,
    pub base_url: String,
    pub key_env: String,
    pub secret_env: String,
    /// ShipStation's allowance per 60-second window.
    pub requests_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierConfig {
    pub base_url: String,
    pub client_id_env: Option<String>,
    pub client_secret_env: Option<String>,
    pub api_key_env: Option<String>,
    /// The account's allowance, when the carrier states one; requests go
    /// one at a time either way.
    #[serde(default)]
    pub requests_per_minute: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    pub timezone: String,
    pub cutoff: String,
    pub ship_within_business_days: u32,
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub shipping_methods: BTreeMap<String, u32>,
    #[serde(default)]
    pub categories: Vec<CategoryConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryConfig {
    pub name: String,
    pub sku_prefixes: Vec<String>,
    pub ship_within_business_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TolerancesConfig {
    pub sync_lag: String,
    pub warehouse_handoff: String,
    pub no_tracking: String,
    pub tracking_stall: String,
    pub stale_data: String,
}

/// `[[warehouses]]`: a warehouse of our own whose stock a reroute may use
/// in place of a vendor's. Its stock is the storefront's inventory level at
/// `location_id`, and a reroute moves the order's fulfilment order there.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseSourceConfig {
    pub id: String,
    /// The storefront location (Shopify `location_id`) it ships from.
    pub location_id: String,
    /// Lower goes first when alternates are ranked, as for vendors.
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// What one unit costs to ship from it, by our SKU.
    #[serde(default)]
    pub landed_cost: BTreeMap<String, f64>,
    /// Its N; the shop's `sla.ship_within_business_days` when absent.
    pub ship_within_business_days: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorConfig {
    pub id: String,
    #[serde(default)]
    pub third_party: bool,
    pub ship_within_business_days: Option<u32>,
    pub confirm_within: Option<String>,
    /// "HH:MM" in the shop's zone: an order after it starts this vendor's
    /// ship-by clock on its next business day (`sla.cutoff` when absent).
    pub cutoff: Option<String>,
    pub edi_inbox: Option<PathBuf>,
    pub edi_outbox: Option<PathBuf>,
    /// The vendor's interchange id (ISA06 of what it sends, ISA08 of ours).
    pub edi_id: Option<String>,
    /// Our interchange id with this vendor (ISA06 of the 850s we send).
    pub edi_our_id: Option<String>,
    /// Element separator, component separator and segment terminator of
    /// the 850s we send, e.g. "*>~".
    pub edi_separators: Option<String>,
    /// Origin of the vendor's purchase-order API (assets/vendor-api.yaml).
    pub api_base_url: Option<String>,
    /// Name of the variable holding the vendor API's bearer key.
    pub api_key_env: Option<String>,
    /// Requests a minute orderdeck keeps to with the vendor's API.
    #[serde(default = "default_api_requests_per_minute")]
    pub api_requests_per_minute: u32,
    /// Rank among alternates: lower goes first.
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// Landed cost of one unit, by our SKU.
    #[serde(default)]
    pub landed_cost: BTreeMap<String, f64>,
    /// Reroutes away from this vendor are recorded, never executed.
    #[serde(default)]
    pub observe_only: bool,
    /// Our SKUs and the vendor's (`[[vendors.items]]`). Once a vendor has
    /// any, a SKU missing here is never ordered from it.
    #[serde(default)]
    pub items: Vec<VendorItemConfig>,
    /// The vendor's paid faster SLA: its N, smaller than the standard one.
    #[serde(default)]
    pub expedite_within_business_days: Option<u32>,
    /// What an expedite costs per purchase order, in the shop's currency.
    #[serde(default)]
    pub expedite_fee: Option<f64>,
    /// The vendor's own terms for categories of goods (`[[vendors.categories]]`).
    #[serde(default)]
    pub categories: Vec<VendorCategoryConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorCategoryConfig {
    /// The name of one of `[[sla.categories]]`.
    pub category: String,
    pub ship_within_business_days: Option<u32>,
    pub confirm_within: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorItemConfig {
    pub sku: String,
    pub vendor_sku: String,
    #[serde(default)]
    pub discontinued: bool,
    /// Our units in one of the vendor's.
    #[serde(default = "default_pack_size")]
    pub pack_size: u32,
    /// The vendor's unit code (X12 PO103).
    #[serde(default = "default_uom")]
    pub uom: String,
    /// The option that picks our variant out of `vendor_sku`.
    #[serde(default)]
    pub option: Option<String>,
}

fn default_pack_size() -> u32 {
    1
}

fn default_uom() -> String {
    "EA".to_string()
}

fn default_priority() -> u32 {
    100
}

fn default_api_requests_per_minute() -> u32 {
    120
}

impl VendorConfig {
    /// Purchase orders can be sent to it: it has an API, or an EDI outbox
    /// and the interchange id an 850 needs.
    pub fn takes_orders(&self) -> bool {
        self.api_base_url.is_some() || (self.edi_outbox.is_some() && self.edi_id.is_some())
    }
    /// The separators this vendor's 850s are written with.
    pub fn separators(&self) -> Result<crate::connectors::edi::Separators, String> {
        let Some(text) = &self.edi_separators else {
            return Ok(crate::connectors::edi::Separators::default());
        };
        let chars: Vec<char> = text.chars().collect();
        let valid = chars.len() == 3
            && chars
                .iter()
                .all(|c| !c.is_ascii_alphanumeric() && *c != ' ')
            && chars[0] != chars[1]
            && chars[1] != chars[2]
            && chars[0] != chars[2];
        if !valid {
            return Err(format!(
                "{text:?} must be three different non-alphanumeric characters: element, component, segment (e.g. \"*>~\")"
            ));
        }
        Ok(crate::connectors::edi::Separators {
            element: chars[0],
            component: chars[1],
            segment: chars[2],
            repetition: None,
        })
    }
}

/// `[ai]`: who writes the order summary. Validated into
/// [`AiSettings`] when the config is loaded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiConfig {
    pub provider: String,
    pub base_url: String,
    pub model: String,
    pub api_key_env: String,
    pub timeout: String,
    pub max_tokens: u32,
    pub temperature: f64,
    pub send_personal_data: bool,
    pub requests_per_minute: u32,
    pub retries: u32,
    pub parallel: u32,
}

impl Config {
    /// The built-in defaults alone.
    pub fn builtin() -> Result<Config, ConfigError> {
        Config::from_layers("built-in defaults", None)
    }

    /// Reads `path` and lays it over the built-in defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: origin.clone(),
            key: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        Config::from_layers(&origin, Some(&text))
    }

    /// Parses `text` as a user file laid over the built-in defaults.
    pub fn from_str_over_defaults(origin: &str, text: &str) -> Result<Config, ConfigError> {
        Config::from_layers(origin, Some(text))
    }

    fn from_layers(origin: &str, user: Option<&str>) -> Result<Config, ConfigError> {
        let mut merged = parse_table("built-in defaults", DEFAULT_CONFIG)?;
        if let Some(text) = user {
            let mut user_table = parse_table(origin, text)?;
            // Roles grant power: a user's [roles] replaces the defaults whole,
            // so no default account keeps a role the user did not write.
            if let Some(roles) = user_table.remove("roles") {
                merged.insert("roles".to_string(), roles);
            }
            merge_tables(&mut merged, user_table);
        }
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                ConfigError {
                    origin: origin.to_string(),
                    key: e.path().to_string(),
                    message: e.inner().message().to_string(),
                }
            })?;
        config.policy_for(origin)?;
        config.check_rates(origin)?;
        config.ai_for(origin)?;
        config.check_actions(origin)?;
        Ok(config)
    }

    fn check_rates(&self, origin: &str) -> Result<(), ConfigError> {
        for (key, value) in [
            (
                "storefront.requests_per_minute",
                self.storefront.requests_per_minute,
            ),
            ("storefront.burst", self.storefront.burst),
            (
                "warehouse.requests_per_minute",
                self.warehouse.requests_per_minute,
            ),
            ("ai.requests_per_minute", self.ai.requests_per_minute),
            ("ai.max_tokens", self.ai.max_tokens),
            ("ai.parallel", self.ai.parallel),
        ] {
            if value == 0 {
                return Err(ConfigError {
                    origin: origin.to_string(),
                    key: key.to_string(),
                    message: "must be at least 1: no request could ever be sent".to_string(),
                });
            }
        }
        for (name, carrier) in &self.carriers {
            if carrier.requests_per_minute == Some(0) {
                return Err(ConfigError {
                    origin: origin.to_string(),
                    key: format!("carriers.{name}.requests_per_minute"),
                    message: "must be at least 1: no request could ever be sent".to_string(),
                });
            }
        }
        Ok(())
    }

    /// The summary's provider settings. Validated when the config is
    /// loaded, so this only fails for a config built by hand.
    pub fn ai(&self) -> Result<AiSettings, ConfigError> {
        self.ai_for("config")
    }

    fn ai_for(&self, origin: &str) -> Result<AiSettings, ConfigError> {
        let err = |key: &str, message: String| ConfigError {
            origin: origin.to_string(),
            key: format!("ai.{key}"),
            message,
        };
        let ai = &self.ai;
        let provider = match ai.provider.trim() {
            "offline" => Provider::Offline,
            "openai" => Provider::OpenAi,
            other => {
                return Err(err(
                    "provider",
                    format!(
                        "{other:?} is not a provider orderdeck knows (\"offline\" or \"openai\")"
                    ),
                ))
            }
        };
        let base_url = reqwest::Url::parse(ai.base_url.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| {
                err(
                    "base_url",
                    format!(
                        "{:?} is not an http:// or https:// URL such as \"https://api.openai.com\"",
                        ai.base_url
                    ),
                )
            })?;
        if provider == Provider::OpenAi && ai.model.trim().is_empty() {
            return Err(err(
                "model",
                "is empty: the provider needs a model name".to_string(),
            ));
        }
        let timeout = parse_duration(&ai.timeout)
            .map_err(|message| err("timeout", message))?
            .to_std()
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                err(
                    "timeout",
                    format!("{:?} must be longer than zero", ai.timeout),
                )
            })?;
        if !(0.0..=2.0).contains(&ai.temperature) {
            return Err(err(
                "temperature",
                format!("{} is outside 0 to 2", ai.temperature),
            ));
        }
        let api_key_env = ai.api_key_env.trim();
        Ok(AiSettings {
            provider,
            base_url: base_url.to_string(),
            model: ai.model.trim().to_string(),
            api_key_env: (!api_key_env.is_empty()).then(|| api_key_env.to_string()),
            timeout,
            max_tokens: ai.max_tokens,
            temperature: ai.temperature,
            send_personal_data: ai.send_personal_data,
            requests_per_minute: ai.requests_per_minute,
            retries: ai.retries,
            parallel: ai.parallel,
        })
    }

    fn check_actions(&self, origin: &str) -> Result<(), ConfigError> {
        let err = |key: String, message: String| ConfigError {
            origin: origin.to_string(),
            key,
            message,
        };
        for (role, actions) in &self.permissions {
            for (i, action) in actions.iter().enumerate() {
                if action != "*" && crate::actions::ActionKind::from_name(action).is_none() {
                    return Err(err(
                        format!("permissions.{role}[{i}]"),
                        format!("{action:?} is not an action orderdeck knows"),
                    ));
                }
            }
        }
        for (i, code) in self.actions.reason_codes.iter().enumerate() {
            let well_formed = !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                return Err(err(
                    format!("actions.reason_codes[{i}]"),
                    format!("{code:?} is not a code such as \"DATA_FIX\" (A-Z, 0-9, _)"),
                ));
            }
        }
        self.action_timeout()
            .map_err(|message| err("actions.timeout".to_string(), message))?;
        Ok(())
    }

    /// `[actions] timeout`, validated when the config is loaded.
    pub fn action_timeout(&self) -> Result<std::time::Duration, String> {
        parse_duration(&self.actions.timeout)?
            .to_std()
            .map_err(|_| format!("{:?} must be positive", self.actions.timeout))
    }

    /// Every reason code accepted: the built-in ones, then the config's.
    pub fn reason_codes(&self) -> Vec<String> {
        crate::actions::REASON_CODES
            .iter()
            .map(|c| c.to_string())
            .chain(self.actions.reason_codes.iter().cloned())
            .collect()
    }

    /// The engine's view of the rules. Validated when the config is loaded, so
    /// this only fails for a config built by hand.
    pub fn policy(&self) -> Result<Policy, ConfigError> {
        self.policy_for("config")
    }

    fn policy_for(&self, origin: &str) -> Result<Policy, ConfigError> {
        let err = |key: &str, message: String| ConfigError {
            origin: origin.to_string(),
            key: key.to_string(),
            message,
        };
        let timezone = self.sla.timezone.parse::<chrono_tz::Tz>().map_err(|_| {
            err(
                "sla.timezone",
                format!(
                    "unknown time zone {:?} (an IANA name such as \"America/New_York\")",
                    self.sla.timezone
                ),
            )
        })?;
        let cutoff = NaiveTime::parse_from_str(&self.sla.cutoff, "%H:%M").map_err(|_| {
            err(
                "sla.cutoff",
                format!("{:?} is not a time of day as HH:MM", self.sla.cutoff),
            )
        })?;
        let mut holidays = BTreeSet::new();
        for (i, day) in self.sla.holidays.iter().enumerate() {
            let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                err(
                    &format!("sla.holidays[{i}]"),
                    format!("{day:?} is not a date as YYYY-MM-DD"),
                )
            })?;
            holidays.insert(date);
        }
        let shipping_methods = self
            .sla
            .shipping_methods
            .iter()
            .map(|(method, days)| (method.trim().to_lowercase(), *days))
            .collect();
        let categories = self
            .sla
            .categories
            .iter()
            .map(|c| CategoryPolicy {
                name: c.name.clone(),
                sku_prefixes: c.sku_prefixes.clone(),
                ship_within_business_days: c.ship_within_business_days,
            })
            .collect();
        let duration = |key: &str, value: &str| {
            parse_duration(value).map_err(|message| err(&format!("tolerances.{key}"), message))
        };
        let tolerances = Tolerances {
            sync_lag: duration("sync_lag", &self.tolerances.sync_lag)?,
            warehouse_handoff: duration("warehouse_handoff", &self.tolerances.warehouse_handoff)?,
            no_tracking: duration("no_tracking", &self.tolerances.no_tracking)?,
            tracking_stall: duration("tracking_stall", &self.tolerances.tracking_stall)?,
            stale_data: duration("stale_data", &self.tolerances.stale_data)?,
        };
        for name in self.carriers.keys() {
            if !["fedex", "ups", "usps", "dhl"].contains(&name.as_str()) {
                return Err(err(
                    &format!("carriers.{name}"),
                    "not a carrier orderdeck knows (fedex, ups, usps, dhl)".to_string(),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        let mut vendors = Vec::with_capacity(self.vendors.len());
        for (i, vendor) in self.vendors.iter().enumerate() {
            if !seen.insert(vendor.id.to_lowercase()) {
                return Err(err(
                    &format!("vendors[{i}].id"),
                    format!("vendor {:?} is listed twice", vendor.id),
                ));
            }
            let confirm_within = vendor
                .confirm_within
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(|message| err(&format!("vendors[{i}].confirm_within"), message))?;
            vendor
                .separators()
                .map_err(|message| err(&format!("vendors[{i}].edi_separators"), message))?;
            let vendor_cutoff = vendor
                .cutoff
                .as_deref()
                .map(|text| {
                    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
                        err(
                            &format!("vendors[{i}].cutoff"),
                            format!("{text:?} is not a time of day as HH:MM"),
                        )
                    })
                })
                .transpose()?;
            let mut items: Vec<VendorItem> = Vec::with_capacity(vendor.items.len());
            for (j, item) in vendor.items.iter().enumerate() {
                let key = |field: &str| format!("vendors[{i}].items[{j}].{field}");
                if item.sku.trim().is_empty() {
                    return Err(err(&key("sku"), "is empty".to_string()));
                }
                if item.vendor_sku.trim().is_empty() {
                    return Err(err(&key("vendor_sku"), "is empty".to_string()));
                }
                if items
                    .iter()
                    .any(|seen| seen.sku.eq_ignore_ascii_case(item.sku.trim()))
                {
                    return Err(err(
                        &key("sku"),
                        format!("SKU {:?} is mapped twice for this vendor", item.sku),
                    ));
                }
                if item.pack_size == 0 {
                    return Err(err(&key("pack_size"), "must be at least 1".to_string()));
                }
                let uom = item.uom.trim().to_ascii_uppercase();
                // X12 element 355 is two characters; the API takes the same codes.
                if uom.len() != 2 || !uom.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(err(
                        &key("uom"),
                        format!(
                            "{:?} is not a unit code (two letters or digits, e.g. EA, CA, PK, BX)",
                            item.uom
                        ),
                    ));
                }
                let option = match item.option.as_deref().map(str::trim) {
                    Some("") => return Err(err(&key("option"), "is empty".to_string())),
                    other => other.map(str::to_string),
                };
                if let Some(twin) = items.iter().find(|seen| {
                    seen.vendor_sku.eq_ignore_ascii_case(item.vendor_sku.trim())
                        && seen.option.as_deref().map(str::to_ascii_lowercase)
                            == option.as_deref().map(str::to_ascii_lowercase)
                }) {
                    return Err(err(
                        &key("option"),
                        format!(
                            "{} is already {}'s vendor SKU with this option: a variant needs an option of its own",
                            item.vendor_sku.trim(),
                            twin.sku
                        ),
                    ));
                }
                items.push(VendorItem {
                    sku: item.sku.trim().to_string(),
                    vendor_sku: item.vendor_sku.trim().to_string(),
                    discontinued: item.discontinued,
                    pack_size: item.pack_size,
                    uom,
                    option,
                });
            }
            let expedite = expedite_of(vendor, self.sla.ship_within_business_days)
                .map_err(|(field, message)| err(&format!("vendors[{i}].{field}"), message))?;
            let mut categories: Vec<VendorCategoryTerms> =
                Vec::with_capacity(vendor.categories.len());
            for (j, terms) in vendor.categories.iter().enumerate() {
                let key = |field: &str| format!("vendors[{i}].categories[{j}].{field}");
                let name = terms.category.trim();
                if !self
                    .sla
                    .categories
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(name))
                {
                    return Err(err(
                        &key("category"),
                        format!("{name:?} is not the name of any [[sla.categories]]"),
                    ));
                }
                if categories
                    .iter()
                    .any(|seen| seen.category.eq_ignore_ascii_case(name))
                {
                    return Err(err(
                        &key("category"),
                        format!("{name:?} has terms twice for this vendor"),
                    ));
                }
                let confirm_within = terms
                    .confirm_within
                    .as_deref()
                    .map(parse_duration)
                    .transpose()
                    .map_err(|message| err(&key("confirm_within"), message))?;
                categories.push(VendorCategoryTerms {
                    category: name.to_string(),
                    ship_within_business_days: terms.ship_within_business_days,
                    confirm_within,
                });
            }
            vendors.push(VendorPolicy {
                id: vendor.id.clone(),
                third_party: vendor.third_party,
                ship_within_business_days: vendor.ship_within_business_days,
                confirm_within,
                priority: vendor.priority,
                landed_cost: vendor.landed_cost.clone(),
                observe_only: vendor.observe_only,
                takes_orders: vendor.takes_orders(),
                items,
                expedite,
                location_id: None,
                cutoff: vendor_cutoff,
                categories,
            });
            if let Some(url) = &vendor.api_base_url {
                let ok = reqwest::Url::parse(url.trim())
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
                if !ok {
                    return Err(err(
                        &format!("vendors[{i}].api_base_url"),
                        format!("{url:?} is not an http:// or https:// URL"),
                    ));
                }
                if vendor.api_key_env.is_none() {
                    return Err(err(
                        &format!("vendors[{i}].api_key_env"),
                        "is required with api_base_url: the name of the variable holding the API key".to_string(),
                    ));
                }
            }
            if vendor.api_requests_per_minute == 0 {
                return Err(err(
                    &format!("vendors[{i}].api_requests_per_minute"),
                    "must be at least 1: no request could ever be sent".to_string(),
                ));
            }
            for (sku, cost) in &vendor.landed_cost {
                if !cost.is_finite() || *cost < 0.0 {
                    return Err(err(
                        &format!("vendors[{i}].landed_cost.{sku}"),
                        format!("{cost} is not a cost (a number, zero or more)"),
                    ));
                }
            }
        }
        for (i, warehouse) in self.warehouses.iter().enumerate() {
            let key = |field: &str| format!("warehouses[{i}].{field}");
            if warehouse.id.trim().is_empty() {
                return Err(err(&key("id"), "is empty".to_string()));
            }
            if !seen.insert(warehouse.id.to_lowercase()) {
                return Err(err(
                    &key("id"),
                    format!(
                        "{:?} is already the id of a vendor or warehouse",
                        warehouse.id
                    ),
                ));
            }
            if warehouse.location_id.trim().is_empty() {
                return Err(err(&key("location_id"), "is empty".to_string()));
            }
            for (sku, cost) in &warehouse.landed_cost {
                if !cost.is_finite() || *cost < 0.0 {
                    return Err(err(
                        &key(&format!("landed_cost.{sku}")),
                        format!("{cost} is not a cost (a number, zero or more)"),
                    ));
                }
            }
            vendors.push(VendorPolicy {
                id: warehouse.id.trim().to_string(),
                third_party: false,
                ship_within_business_days: warehouse.ship_within_business_days,
                confirm_within: None,
                priority: warehouse.priority,
                landed_cost: warehouse.landed_cost.clone(),
                observe_only: false,
                takes_orders: true,
                items: Vec::new(),
                expedite: None,
                location_id: Some(warehouse.location_id.trim().to_string()),
                cutoff: None,
                categories: Vec::new(),
            });
        }
        if !self.reroute.approve_above_cost.is_finite() || self.reroute.approve_above_cost < 0.0 {
            return Err(err(
                "reroute.approve_above_cost",
                format!(
                    "{} is not a cost (a number, zero or more)",
                    self.reroute.approve_above_cost
                ),
            ));
        }
        for (i, name) in self.drop_ship.sensitive_categories.iter().enumerate() {
            if !self
                .sla
                .categories
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(name.trim()))
            {
                return Err(err(
                    &format!("drop_ship.sensitive_categories[{i}]"),
                    format!("{name:?} is not the name of any [[sla.categories]]"),
                ));
            }
        }
        Ok(Policy {
            sla: SlaPolicy {
                timezone,
                cutoff,
                ship_within_business_days: self.sla.ship_within_business_days,
                holidays,
                shipping_methods,
                categories,
            },
            tolerances,
            vendors,
            reroute: ReroutePolicy {
                approve_above_cost: self.reroute.approve_above_cost,
                approve_splits: self.reroute.approve_splits,
                approve_substitutions: self.reroute.approve_substitutions,
                approve_expedites: self.reroute.approve_expedites,
            },
            drop_ship: DropShipPolicy {
                sensitive_categories: self
                    .drop_ship
                    .sensitive_categories
                    .iter()
                    .map(|c| c.trim().to_string())
                    .collect(),
            },
        })
    }
}

/// A vendor's expedite, or the field at fault and why. `default_days` is
/// `[sla] ship_within_business_days`, the vendor's N when it sets none.
fn expedite_of(
    vendor: &VendorConfig,
    default_days: u32,
) -> Result<Option<Expedite>, (&'static str, String)> {
    let fee = vendor.expedite_fee.unwrap_or(0.0);
    if !fee.is_finite() || fee < 0.0 {
        return Err((
            "expedite_fee",
            format!("{fee} is not a fee (a number, zero or more)"),
        ));
    }
    let Some(days) = vendor.expedite_within_business_days else {
        return match vendor.expedite_fee {
            Some(_) => Err((
                "expedite_fee",
                "is set without expedite_within_business_days: what the fee buys".to_string(),
            )),
            None => Ok(None),
        };
    };
    let standard = vendor.ship_within_business_days.unwrap_or(default_days);
    if days >= standard {
        return Err((
            "expedite_within_business_days",
            format!(
                "{days} must be smaller than the vendor's standard {standard} business days: an expedite ships sooner"
            ),
        ));
    }
    Ok(Some(Expedite {
        within_business_days: days,
        fee_cents: (fee * 100.0).round() as i64,
    }))
}

/// Durations are written like "90s", "2h", "3d".
pub fn parse_duration(value: &str) -> Result<TimeDelta, String> {
    let parsed = humantime::parse_duration(value.trim()).map_err(|e| {
        format!("{value:?} is not a duration such as \"90s\", \"2h\" or \"3d\" ({e})")
    })?;
    TimeDelta::from_std(parsed).map_err(|_| format!("{value:?} is too long"))
}

fn parse_table(origin: &str, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        ConfigError {
            origin: origin.to_string(),
            key: line.map_or_else(|| "(syntax)".to_string(), |l| format!("line {l}")),
            message: e.message().to_string(),
        }
    })
}

/// Tables merge key by key; any other value (arrays included) replaces.
fn merge_tables(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(overlay_table)) => {
                merge_tables(base_table, overlay_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}
