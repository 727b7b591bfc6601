//! Sending a run's requests through the configured clients, once each.

use serde_json::{json, Value};

use super::preview::{PlannedRequest, Target};
use crate::sync::connections::Connections;

/// How one request ended.
pub enum Sent {
    /// Answered with success: the status and body.
    Ok(Value),
    /// Refused: nothing was changed.
    Refused(String),
    /// No telling whether it was applied.
    Unknown(String),
}

pub async fn send(connections: &Connections, request: &PlannedRequest, key: &str) -> Sent {
    let method = match reqwest::Method::from_bytes(request.method.as_bytes()) {
        Ok(method) => method,
        Err(_) => return Sent::Refused(format!("bad method {:?}", request.method)),
    };
    let answer = match request.target {
        Target::Storefront => match &connections.storefront {
            Ok(client) => client.write(method, &request.url, &request.body, key).await,
            Err(e) => return Sent::Refused(e.to_string()),
        },
        Target::Warehouse => match &connections.warehouse {
            Ok(client) => client.write(method, &request.url, &request.body, key).await,
            Err(e) => return Sent::Refused(e.to_string()),
        },
        Target::Vendor => {
            let vendor = request.vendor.as_deref().unwrap_or_default();
            match connections.vendor_apis.get(&vendor.to_lowercase()) {
                Some(Ok(client)) => client.write(method, &request.url, &request.body, key).await,
                Some(Err(e)) => return Sent::Refused(e.to_string()),
                None => return Sent::Refused(format!("vendor {vendor:?} has no API configured")),
            }
        }
    };
    match answer {
        Ok(fetched) => {
            let body = serde_json::from_slice::<Value>(&fetched.body)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&fetched.body)));
            Sent::Ok(body)
        }
        Err(e) if e.outcome_unknown() => Sent::Unknown(e.to_string()),
        Err(e) => Sent::Refused(e.to_string()),
    }
}
