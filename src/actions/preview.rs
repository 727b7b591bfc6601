//! The dry-run preview: exactly the requests execution would send, with
//! every credential replaced by a mask.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::text::sanitize;

/// What stands in for a secret wherever a request is shown or recorded.
pub const MASK: &str = "***";

/// What the idempotency key header says before a run has one.
pub const KEY_PENDING: &str = "(assigned when run)";

/// Which backend a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Storefront,
    Warehouse,
    /// A drop-ship vendor's API; `PlannedRequest::vendor` says which.
    Vendor,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRequest {
    pub target: Target,
    pub method: String,
    pub url: String,
    /// Headers as sent, credentials masked.
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The vendor a `Target::Vendor` request goes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

impl PlannedRequest {
    pub fn new(target: Target, method: &str, url: String, body: Value) -> PlannedRequest {
        let auth = match target {
            Target::Storefront => ("X-Shopify-Access-Token", MASK.to_string()),
            Target::Warehouse => ("Authorization", format!("Basic {MASK}")),
            Target::Vendor => ("Authorization", format!("Bearer {MASK}")),
        };
        PlannedRequest {
            target,
            method: method.to_string(),
            url,
            headers: vec![
                (auth.0.to_string(), auth.1),
                ("Content-Type".to_string(), "application/json".to_string()),
                ("Idempotency-Key".to_string(), KEY_PENDING.to_string()),
            ],
            body,
            vendor: None,
        }
    }

    /// A request to drop-ship vendor `vendor_id`'s API.
    pub fn vendor(vendor_id: &str, method: &str, url: String, body: Value) -> PlannedRequest {
        PlannedRequest {
            vendor: Some(vendor_id.to_string()),
            ..PlannedRequest::new(Target::Vendor, method, url, body)
        }
    }

    /// The same request as a run sends it, under its key.
    pub fn keyed(&self, key: &str) -> PlannedRequest {
        let mut keyed = self.clone();
        for (name, value) in &mut keyed.headers {
            if name == "Idempotency-Key" {
                *value = key.to_string();
            }
        }
        keyed
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub requests: Vec<PlannedRequest>,
    /// What changes in orderdeck's own database, for local actions.
    pub local: Vec<String>,
}

impl Preview {
    pub fn keyed(&self, key: &str) -> Preview {
        Preview {
            requests: self.requests.iter().map(|r| r.keyed(key)).collect(),
            local: self.local.clone(),
        }
    }

    /// The preview as an operator reads it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.requests.is_empty() && self.local.is_empty() {
            let _ = writeln!(out, "  nothing would be sent");
        }
        for request in &self.requests {
            let _ = writeln!(out, "  {} {}", request.method, sanitize(&request.url));
            for (name, value) in &request.headers {
                let _ = writeln!(out, "    {name}: {}", sanitize(value));
            }
            let body = serde_json::to_string_pretty(&request.body).unwrap_or_default();
            for line in body.lines() {
                let _ = writeln!(out, "    {}", sanitize(line));
            }
        }
        for change in &self.local {
            let _ = writeln!(out, "  local: {}", sanitize(change));
        }
        out
    }
}
