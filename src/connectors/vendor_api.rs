//! A drop-ship vendor's purchase-order API (assets/vendor-api.yaml): ATP by
//! SKU, purchase orders created once under an Idempotency-Key, cancelled,
//! and read back with their acknowledgement and ship notices. Answers are
//! turned into the same [`PurchaseOrder`] state the X12 path keeps.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::http::{join, Backend, Fetched, HttpError, RetryPolicy};
use super::secret::Secret;
use crate::domain::{AckState, PurchaseOrder, Substitution, VendorPackage, VendorQuantity};

pub struct VendorApiClient {
    backend: Backend,
    base_url: String,
    key: Secret,
}

/// One SKU's availability.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AtpItem {
    pub sku: String,
    pub available: i64,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AtpList {
    items: Vec<AtpItem>,
}

#[derive(Debug, Serialize)]
struct NewLine<'a> {
    line: usize,
    sku: &'a str,
    quantity: u32,
    unit: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    option: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct WirePo {
    status: String,
    #[serde(default)]
    acknowledgement: Option<WireAck>,
    #[serde(default)]
    ship_notices: Vec<WireShipNotice>,
}

#[derive(Debug, Deserialize)]
struct WireAck {
    status: String,
    acknowledged_at: DateTime<Utc>,
    #[serde(default)]
    promised_ship_date: Option<DateTime<Utc>>,
    #[serde(default)]
    lines: Vec<WireAckLine>,
}

#[derive(Debug, Deserialize)]
struct WireAckLine {
    line: usize,
    sku: String,
    quantity_accepted: u32,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    status: String,
    /// With `status: substituted`, the vendor's SKU it ships instead.
    #[serde(default)]
    substitute_sku: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireShipNotice {
    shipped_at: DateTime<Utc>,
    #[serde(default)]
    carrier: Option<String>,
    packages: Vec<WirePackage>,
}

#[derive(Debug, Deserialize)]
struct WirePackage {
    tracking_number: String,
    #[serde(default)]
    items: Vec<WireItem>,
}

#[derive(Debug, Deserialize)]
struct WireItem {
    sku: String,
    quantity: u32,
}

/// The body of a PO creation, as the API takes it (also the preview).
pub fn create_body(po: &PurchaseOrder) -> Value {
    let lines: Vec<NewLine<'_>> = po
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| NewLine {
            line: i + 1,
            sku: l.vendor_sku.as_deref().unwrap_or(&l.our_sku),
            quantity: l.vendor_quantity(),
            unit: l.unit(),
            option: l.vendor_option.as_deref(),
        })
        .collect();
    let mut body = serde_json::json!({
        "po_number": po.po_number,
        "order_reference": po.order_name,
        "lines": lines,
    });
    if po.expedite {
        body["expedite"] = Value::Bool(true);
    }
    body
}

/// The path of a PO creation under the vendor's base URL.
pub fn create_path() -> &'static str {
    "v1/purchase-orders"
}

/// The path of a PO's cancellation under the vendor's base URL.
pub fn cancel_path(po_number: &str) -> String {
    format!("v1/purchase-orders/{}/cancel", path_segment(po_number))
}

fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An answer the client could not read as the spec says.
fn unreadable(what: &str, e: serde_json::Error) -> HttpError {
    HttpError::Config {
        backend: "vendor",
        what: format!("{what}: the answer is not as assets/vendor-api.yaml says: {e}"),
    }
}

impl VendorApiClient {
    /// `requests_per_minute`: the vendor's allowance (the API document
    /// names none; vendors do).
    pub fn new(
        base_url: &str,
        key: Secret,
        requests_per_minute: u32,
        timeout: Duration,
    ) -> Result<Self, HttpError> {
        Ok(VendorApiClient {
            backend: Backend::new(
                "vendor",
                requests_per_minute,
                timeout,
                RetryPolicy::default(),
            )?,
            base_url: base_url.to_string(),
            key,
        })
    }

    pub fn url(&self, path: &str) -> String {
        join(&self.base_url, path)
    }

    async fn get(&self, url: &str) -> Result<Fetched, HttpError> {
        self.backend
            .send(|| {
                self.backend
                    .client
                    .get(url)
                    .bearer_auth(self.key.expose())
                    .header("Accept", "application/json")
            })
            .await
    }

    /// A write under `key`, sent once: a retry is the caller's, under the
    /// same key.
    pub async fn write(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &Value,
        key: &str,
    ) -> Result<Fetched, HttpError> {
        self.backend
            .write(method, url, body, key, |r| r.bearer_auth(self.key.expose()))
            .await
    }

    /// The vendor's ATP for `skus`.
    pub async fn atp(&self, skus: &[String]) -> Result<Vec<AtpItem>, HttpError> {
        let query: Vec<String> = skus
            .iter()
            .map(|s| format!("sku={}", path_segment(s)))
            .collect();
        let url = format!("{}?{}", self.url("v1/atp"), query.join("&"));
        let fetched = self.get(&url).await?;
        let list: AtpList =
            serde_json::from_slice(&fetched.body).map_err(|e| unreadable("ATP", e))?;
        Ok(list.items)
    }

    /// Creates `po` at the vendor under `key`, retried like a read: the
    /// API answers a repeat under a key it has answered with that answer
    /// and creates nothing, so a retry can never make a second PO.
    pub async fn create(&self, po: &PurchaseOrder, key: &str) -> Result<Fetched, HttpError> {
        let url = self.url(create_path());
        let body = create_body(po);
        self.backend
            .send(|| {
                self.backend
                    .client
                    .post(&url)
                    .bearer_auth(self.key.expose())
                    .header("Accept", "application/json")
                    .header("Idempotency-Key", key)
                    .json(&body)
            })
            .await
    }

    /// Reads the PO back and lays the vendor's answer over `po`. Returns
    /// whether anything changed.
    pub async fn refresh(&self, po: &mut PurchaseOrder) -> Result<(bool, Vec<u8>), HttpError> {
        let url = self.url(&format!(
            "v1/purchase-orders/{}",
            path_segment(&po.po_number)
        ));
        let fetched = self.get(&url).await?;
        let wire: WirePo = serde_json::from_slice(&fetched.body)
            .map_err(|e| unreadable(&format!("PO {}", po.po_number), e))?;
        Ok((apply(po, &wire), fetched.body))
    }
}

/// The vendor's view of a PO, laid over ours: the same transitions the
/// 855/856 path makes.
fn apply(po: &mut PurchaseOrder, wire: &WirePo) -> bool {
    let before = po.clone();
    if wire.status == "cancelled" {
        po.ack = AckState::Cancelled;
    } else if let Some(ack) = &wire.acknowledgement {
        let rejected = ack.status == "rejected";
        for (i, line) in po.lines.iter_mut().enumerate() {
            let answered = ack.lines.iter().find(|a| {
                a.line == i + 1
                    || a.sku.eq_ignore_ascii_case(&line.our_sku)
                    || line
                        .vendor_sku
                        .as_deref()
                        .is_some_and(|v| a.sku.eq_ignore_ascii_case(v))
            });
            line.ack_in_other_unit = None;
            line.accepted = if rejected {
                Some(0)
            } else {
                match answered {
                    None => Some(line.ordered),
                    Some(a) => {
                        if a.status == "substituted" {
                            line.substitute = Some(Substitution::offered(
                                line.substitute.as_ref(),
                                a.substitute_sku.as_deref().unwrap_or("(not named)"),
                            ));
                        }
                        let ours = line.our_units(a.quantity_accepted, a.unit.as_deref());
                        if ours.is_none() {
                            line.ack_in_other_unit = Some(VendorQuantity {
                                quantity: a.quantity_accepted,
                                uom: a.unit.clone().unwrap_or_default(),
                            });
                        }
                        ours
                    }
                }
            };
        }
        let total: u32 = po.lines.iter().filter_map(|l| l.accepted).sum();
        // A line answered in another unit is neither short nor confirmed:
        // UOM_MISMATCH holds it until someone reads the vendor's answer.
        let unknown = po.lines.iter().any(|l| l.ack_in_other_unit.is_some());
        let short = po
            .lines
            .iter()
            .any(|l| l.accepted.is_some_and(|a| a < l.ordered));
        po.ack = if rejected || (total == 0 && !unknown) {
            AckState::Rejected
        } else if short {
            AckState::PartiallyAccepted
        } else if ack.status == "accepted_with_changes" || unknown {
            AckState::AcceptedWithChanges
        } else {
            AckState::Accepted
        };
        po.acknowledged_at = Some(ack.acknowledged_at);
        po.promised_ship_date = ack.promised_ship_date;
    }
    for notice in &wire.ship_notices {
        for package in &notice.packages {
            if po
                .packages
                .iter()
                .any(|p| p.tracking_number == package.tracking_number)
            {
                continue;
            }
            po.packages.push(VendorPackage {
                tracking_number: package.tracking_number.clone(),
                carrier: notice.carrier.clone(),
                shipped_at: Some(notice.shipped_at),
            });
            for item in &package.items {
                if let Some(line) = po.lines.iter_mut().find(|l| {
                    l.our_sku.eq_ignore_ascii_case(&item.sku)
                        || l.vendor_sku
                            .as_deref()
                            .is_some_and(|v| v.eq_ignore_ascii_case(&item.sku))
                        || l.substitute
                            .as_ref()
                            .is_some_and(|s| s.vendor_sku.eq_ignore_ascii_case(&item.sku))
                }) {
                    line.shipped += item.quantity.saturating_mul(line.pack());
                }
            }
        }
    }
    let changed = *po != before;
    if changed {
        po.revision += 1;
    }
    changed
}
