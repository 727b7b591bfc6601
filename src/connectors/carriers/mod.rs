//! The carriers' own tracking APIs (FedEx Track API, UPS Track API, USPS
//! Tracking v3, DHL Shipment Tracking – Unified), turned into one shipment
//! model. Each carrier's module holds its wire structs and its code table:
//! the same code means different things at different carriers (`DD` is a
//! delivery delay at FedEx but freight delivered to a destination depot at
//! UPS), so a code is only ever read together with its carrier. A code a
//! table does not know is `Unknown`, never assumed in transit.

mod auth;
mod client;
mod decode;
mod dhl;
mod fedex;
mod http;
mod numbers;
mod saved;
mod ups;
mod usps;
mod zones;

pub use saved::read_saved;

pub use crate::connectors::http::RetryPolicy;
pub use auth::Credentials;
pub use client::{CarrierClient, TrackReply};

use crate::domain::{CarrierShipment, ShipmentStatus};

/// A carrier orderdeck can track with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    Fedex,
    Ups,
    Usps,
    Dhl,
}

impl Carrier {
    pub const ALL: [Carrier; 4] = [Carrier::Fedex, Carrier::Ups, Carrier::Usps, Carrier::Dhl];

    /// The key under `[carriers.*]` in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            Carrier::Fedex => "fedex",
            Carrier::Ups => "ups",
            Carrier::Usps => "usps",
            Carrier::Dhl => "dhl",
        }
    }

    /// The carrier as operators write it, and as `CarrierShipment::carrier` holds it.
    pub fn name(self) -> &'static str {
        match self {
            Carrier::Fedex => "FedEx",
            Carrier::Ups => "UPS",
            Carrier::Usps => "USPS",
            Carrier::Dhl => "DHL",
        }
    }

    /// The API whose responses this connector reads.
    pub fn api(self) -> &'static str {
        match self {
            Carrier::Fedex => "FedEx Track API",
            Carrier::Ups => "UPS Track API",
            Carrier::Usps => "USPS Tracking v3 API",
            Carrier::Dhl => "DHL Shipment Tracking – Unified API",
        }
    }

    /// The carrier behind a storefront's `tracking_company` ("FedEx", "DHL
    /// Express", "USPS") or a warehouse's carrier code (ShipStation's
    /// `fedex`, `ups_walleted`, `stamps_com`, `dhl_express_worldwide`).
    /// Case, spaces, dots, hyphens and underscores do not matter. Stamps.com
    /// and Endicia are USPS resellers: their labels are USPS parcels.
    pub fn from_name(name: &str) -> Option<Carrier> {
        let key: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        // USPS before UPS: both start with a "u", and only this order keeps
        // "usps…" from being read as anything else.
        if key.starts_with("usps")
            || key.starts_with("stampscom")
            || key.starts_with("endicia")
            || key.contains("postalservice")
        {
            Some(Carrier::Usps)
        } else if key.starts_with("ups") || key.starts_with("unitedparcel") {
            Some(Carrier::Ups)
        } else if key.starts_with("fedex") || key.starts_with("federalexpress") {
            Some(Carrier::Fedex)
        } else if key.starts_with("dhl") {
            Some(Carrier::Dhl)
        } else {
            None
        }
    }

    /// The carrier a tracking number's shape points to, or `None` when the
    /// shape is no well-known one. Shapes overlap (a 22-digit number may be
    /// USPS or FedEx); the `numbers` module says how each overlap is decided.
    pub fn from_tracking_number(number: &str) -> Option<Carrier> {
        numbers::carrier_of(number)
    }

    fn code_table(self) -> &'static [(&'static str, ShipmentStatus)] {
        match self {
            Carrier::Fedex => fedex::CODES,
            Carrier::Ups => ups::CODES,
            Carrier::Usps => usps::CODES,
            Carrier::Dhl => dhl::CODES,
        }
    }
}

impl std::fmt::Display for Carrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong talking to a carrier or reading its answer. Every message
/// names the carrier; none ever carries a credential.
#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    #[error("{carrier}: the response is {found}, not the JSON the {api} sends", api = .carrier.api())]
    NotJson {
        carrier: Carrier,
        /// "XML", "HTML", "an empty body", "not JSON".
        found: &'static str,
    },
    #[error("{carrier}: the response body ends early (line {line}, column {column}): it was cut short in transfer")]
    Truncated {
        carrier: Carrier,
        line: usize,
        column: usize,
    },
    #[error("{carrier}: unexpected response at `{path}`: {detail}")]
    Shape {
        carrier: Carrier,
        /// Where in the body, e.g. `trackResponse.shipment[0].package`.
        path: String,
        detail: String,
    },
    #[error("{carrier}: tracking number {tracking_number}: {detail}")]
    Invalid {
        carrier: Carrier,
        tracking_number: String,
        detail: String,
    },
    #[error("{carrier} refused the request{}: {code}: {message}", http_status(*.status))]
    Rejected {
        carrier: Carrier,
        status: Option<u16>,
        code: String,
        message: String,
    },
    #[error("{carrier}: not authorised (HTTP {status} from {endpoint}): {detail}")]
    Unauthorized {
        carrier: Carrier,
        endpoint: String,
        status: u16,
        detail: String,
    },
    #[error("{carrier}: HTTP {status} from {endpoint} after {attempts} attempt(s): {detail}")]
    Status {
        carrier: Carrier,
        endpoint: String,
        status: u16,
        attempts: usize,
        detail: String,
    },
    #[error("{carrier}: {endpoint} asks to retry in {}s, longer than the {}s orderdeck waits", .retry_after.as_secs(), .limit.as_secs())]
    RetryTooLate {
        carrier: Carrier,
        endpoint: String,
        retry_after: std::time::Duration,
        limit: std::time::Duration,
    },
    #[error("{carrier}: {endpoint} failed after {attempts} attempt(s): {detail}")]
    Transport {
        carrier: Carrier,
        endpoint: String,
        attempts: usize,
        detail: String,
    },
    #[error("{carrier}: {detail}")]
    Config { carrier: Carrier, detail: String },
}

fn http_status(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

/// Reads one tracking response body of `carrier`'s API: every parcel it
/// describes, oldest scan first, times in UTC. A number the carrier says it
/// does not know is a shipment too — status `Unknown`, no scans, the
/// carrier's error code as `raw_status` and its message as `incident` —
/// not an error; when the body does
/// not name the number (UPS's and DHL's "not found" answers), its
/// `tracking_number` is empty — [`CarrierClient`] fills it from the request.
pub fn parse_tracking(carrier: Carrier, body: &[u8]) -> Result<Vec<CarrierShipment>, CarrierError> {
    parse(carrier, body, None)
}

fn parse(
    carrier: Carrier,
    body: &[u8],
    requested: Option<&str>,
) -> Result<Vec<CarrierShipment>, CarrierError> {
    match carrier {
        Carrier::Fedex => fedex::parse(body, requested),
        Carrier::Ups => ups::parse(body, requested),
        Carrier::Usps => usps::parse(body, requested),
        Carrier::Dhl => dhl::parse(body, requested),
    }
}

/// The normalised status of one of `carrier`'s codes; `Unknown` for a code
/// its table does not know. Codes are compared without regard to case.
pub fn map_status(carrier: Carrier, code: &str) -> ShipmentStatus {
    lookup(carrier, code).unwrap_or(ShipmentStatus::Unknown)
}

fn lookup(carrier: Carrier, code: &str) -> Option<ShipmentStatus> {
    let code = code.trim();
    carrier
        .code_table()
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(code))
        .map(|(_, status)| *status)
}
