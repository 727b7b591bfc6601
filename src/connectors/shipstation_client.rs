//! ShipStation API V1 over HTTP: orders and shipments listed in bulk by
//! modify/create date windows with page/pageSize (per-order look-ups only for
//! a resync: the allowance is 40 requests a minute). Dates in ShipStation's
//! own zone, Pacific time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::America::Los_Angeles;
use serde::Deserialize;

use super::http::{join, Backend, Fetched, HttpError, RetryPolicy};
use super::secret::Secret;

/// The most ShipStation sends a page.
const PAGE_SIZE: u32 = 500;

pub struct ShipStationClient {
    backend: Backend,
    base_url: String,
    key: Secret,
    secret: Secret,
    page_size: u32,
}

/// One page of a listing.
pub struct Page {
    pub body: Vec<u8>,
    pub page: u32,
    pub pages: u32,
    pub origin: String,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    pages: Option<u32>,
}

/// The listings this client pages through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `/orders` by `modifyDateStart`.
    Orders,
    /// `/shipments` by `createDateStart`, with their items.
    Shipments,
}

fn pacific(t: DateTime<Utc>) -> String {
    t.with_timezone(&Los_Angeles)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn query_value(value: &str) -> String {
    value
        .replace(' ', "%20")
        .replace(':', "%3A")
        .replace('#', "%23")
}

impl ShipStationClient {
    /// `requests_per_minute` is the account's allowance per 60-second window.
    pub fn new(
        base_url: &str,
        key: Secret,
        secret: Secret,
        requests_per_minute: u32,
        timeout: Duration,
    ) -> Result<Self, HttpError> {
        Ok(ShipStationClient {
            backend: Backend::new(
                "warehouse",
                requests_per_minute,
                timeout,
                RetryPolicy::default(),
            )?,
            base_url: base_url.to_string(),
            key,
            secret,
            page_size: PAGE_SIZE,
        })
    }

    /// Pages of `size` (1 to 500) instead of ShipStation's largest.
    pub fn with_page_size(self, size: u32) -> Self {
        ShipStationClient {
            page_size: size.clamp(1, PAGE_SIZE),
            ..self
        }
    }

    async fn get(&self, url: &str) -> Result<Fetched, HttpError> {
        let response = self
            .backend
            .send(|| {
                self.backend
                    .client
                    .get(url)
                    .basic_auth(self.key.expose(), Some(self.secret.expose()))
                    .header("Accept", "application/json")
            })
            .await?;
        let header = |name: &str| {
            response
                .header(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        // The window's allowance is spent: wait for it to reset rather
        // than collect a 429.
        if let (Some(0), Some(reset)) = (
            header("X-Rate-Limit-Remaining"),
            header("X-Rate-Limit-Reset"),
        ) {
            self.backend.pause(Duration::from_secs(reset));
        }
        Ok(response)
    }

    /// One write, sent once (see `Backend::write`).
    pub async fn write(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &serde_json::Value,
        idempotency_key: &str,
    ) -> Result<Fetched, HttpError> {
        self.backend
            .write(method, url, body, idempotency_key, |request| {
                request.basic_auth(self.key.expose(), Some(self.secret.expose()))
            })
            .await
    }

    /// One order by its `orderId`, read live.
    pub async fn order(&self, order_id: &str) -> Result<Fetched, HttpError> {
        self.get(&join(&self.base_url, &format!("orders/{order_id}")))
            .await
    }

    /// One page of a listing changed (orders) or created (shipments) since
    /// `since`, 1-based.
    pub async fn page(
        &self,
        listing: Listing,
        since: Option<DateTime<Utc>>,
        page: u32,
    ) -> Result<Page, HttpError> {
        let (path, date_param, extra) = match listing {
            Listing::Orders => ("orders", "modifyDateStart", ""),
            Listing::Shipments => ("shipments", "createDateStart", "&includeShipmentItems=true"),
        };
        let mut url = format!(
            "{}?page={page}&pageSize={}&sortBy={}&sortDir=ASC{extra}",
            join(&self.base_url, path),
            self.page_size,
            match listing {
                Listing::Orders => "ModifyDate",
                Listing::Shipments => "CreateDate",
            }
        );
        if let Some(since) = since {
            url.push_str(&format!("&{date_param}={}", query_value(&pacific(since))));
        }
        self.fetch(&url).await
    }

    /// Orders or shipments of one order number, for a resync.
    pub async fn by_order_number(
        &self,
        listing: Listing,
        order_number: &str,
    ) -> Result<Page, HttpError> {
        let path = match listing {
            Listing::Orders => "orders",
            Listing::Shipments => "shipments",
        };
        let extra = if listing == Listing::Shipments {
            "&includeShipmentItems=true"
        } else {
            ""
        };
        let url = format!(
            "{}?orderNumber={}{extra}",
            join(&self.base_url, path),
            query_value(order_number.trim_start_matches('#'))
        );
        self.fetch(&url).await
    }

    async fn fetch(&self, url: &str) -> Result<Page, HttpError> {
        let fetched = self.get(url).await?;
        let paging: Paging = serde_json::from_slice(&fetched.body).unwrap_or(Paging {
            page: None,
            pages: None,
        });
        Ok(Page {
            page: paging.page.unwrap_or(1),
            pages: paging.pages.unwrap_or(1),
            body: fetched.body,
            origin: fetched.url,
        })
    }
}
