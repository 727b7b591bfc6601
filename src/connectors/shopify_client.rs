//! Shopify REST Admin API over HTTP: orders listed by `updated_at_min` with
//! cursor pagination through the `Link` header, single orders, each
//! order's fulfilment orders, and inventory levels. Bodies are handed back raw: `shopify.rs` reads
//! them exactly as `import` does.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::http::{join, next_link, Backend, Fetched, HttpError, RetryPolicy};
use super::secret::Secret;

const PAGE_SIZE: u32 = 250;

/// Shopify's leaky bucket, as the config states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// How many requests leak out of it a minute.
    pub requests_per_minute: u32,
    /// How many it holds.
    pub size: u32,
}

/// Clones share the connection pool, the limiter and any pause.
#[derive(Clone)]
pub struct ShopifyClient {
    backend: Backend,
    base_url: String,
    api_version: String,
    token: Secret,
    bucket: Bucket,
}

/// One page of a listing, and where the next one is.
pub struct Page {
    pub body: Vec<u8>,
    pub next: Option<String>,
    /// The request, for the stored snapshot's origin.
    pub origin: String,
}

impl ShopifyClient {
    pub fn new(
        base_url: &str,
        api_version: &str,
        token: Secret,
        bucket: Bucket,
        timeout: Duration,
    ) -> Result<Self, HttpError> {
        // The bucket is counted where requests arrive, this limiter where
        // they leave: one place is kept spare so that the two clocks never
        // disagree into a 429.
        let burst = bucket.size.saturating_sub(1).max(1);
        Ok(ShopifyClient {
            backend: Backend::new(
                "storefront",
                bucket.requests_per_minute,
                timeout,
                RetryPolicy::default(),
            )?
            .with_burst(bucket.requests_per_minute, burst),
            base_url: base_url.to_string(),
            api_version: api_version.to_string(),
            token,
            bucket,
        })
    }

    /// The full URL of an Admin API path such as `orders/1.json`.
    pub fn url(&self, path: &str) -> String {
        join(
            &self.base_url,
            &format!("admin/api/{}/{}", self.api_version, path),
        )
    }

    async fn get(&self, url: &str) -> Result<Fetched, HttpError> {
        let response = self
            .backend
            .send(|| {
                self.backend
                    .client
                    .get(url)
                    .header("X-Shopify-Access-Token", self.token.expose())
                    .header("Accept", "application/json")
            })
            .await?;
        self.ease_off(&response);
        Ok(response)
    }

    /// The bucket is reported as `used/size`. Alone, this client never
    /// fills it; full means other apps share the allowance, so every request
    /// waits for one place to leak rather than collect a 429.
    fn ease_off(&self, response: &Fetched) {
        let Some((used, size)) = response
            .header("X-Shopify-Shop-Api-Call-Limit")
            .and_then(|v| v.split_once('/'))
            .and_then(|(used, size)| {
                Some((
                    used.trim().parse::<u32>().ok()?,
                    size.trim().parse::<u32>().ok()?,
                ))
            })
        else {
            return;
        };
        if used >= size {
            let per_second = f64::from(self.bucket.requests_per_minute.max(1)) / 60.0;
            self.backend.pause(Duration::from_secs_f64(
                f64::from(used + 1 - size) / per_second,
            ));
        }
    }

    /// The first page of orders changed since `updated_since` (all orders
    /// when `None`), any status.
    pub async fn first_orders_page(
        &self,
        updated_since: Option<DateTime<Utc>>,
    ) -> Result<Page, HttpError> {
        let mut url = format!("{}?status=any&limit={PAGE_SIZE}", self.url("orders.json"));
        if let Some(since) = updated_since {
            url.push_str("&updated_at_min=");
            url.push_str(
                &since
                    .to_rfc3339_opts(SecondsFormat::Secs, true)
                    .replace('+', "%2B"),
            );
        }
        self.page(&url).await
    }

    /// The page a previous page's `next` points at.
    pub async fn next_orders_page(&self, next: &str) -> Result<Page, HttpError> {
        self.page(next).await
    }

    async fn page(&self, url: &str) -> Result<Page, HttpError> {
        let fetched = self.get(url).await?;
        Ok(Page {
            next: next_link(&fetched),
            origin: fetched.url,
            body: fetched.body,
        })
    }

    /// One order by its id: `{"order": {…}}`.
    pub async fn order(&self, id: &str) -> Result<Page, HttpError> {
        self.page(&self.url(&format!("orders/{id}.json"))).await
    }

    /// Orders with this name (`#1001`), any status: `{"orders": […]}`.
    pub async fn orders_named(&self, name: &str) -> Result<Page, HttpError> {
        let encoded: String = name
            .chars()
            .map(|c| {
                if c == '#' {
                    "%23".to_string()
                } else {
                    c.to_string()
                }
            })
            .collect();
        self.page(&format!(
            "{}?status=any&name={encoded}",
            self.url("orders.json")
        ))
        .await
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
                request.header("X-Shopify-Access-Token", self.token.expose())
            })
            .await
    }

    /// Every location's level of these inventory items:
    /// `{"inventory_levels": […]}`.
    pub async fn inventory_levels(&self, inventory_item_ids: &[String]) -> Result<Page, HttpError> {
        self.page(&format!(
            "{}?inventory_item_ids={}&limit={PAGE_SIZE}",
            self.url("inventory_levels.json"),
            inventory_item_ids.join("%2C")
        ))
        .await
    }

    /// The levels of these inventory items at these locations, every page
    /// of them: the `inventory_levels` entries.
    pub async fn inventory_levels_at(
        &self,
        inventory_item_ids: &[String],
        location_ids: &[String],
    ) -> Result<Vec<serde_json::Value>, String> {
        let mut levels = Vec::new();
        let mut url = Some(format!(
            "{}?inventory_item_ids={}&location_ids={}&limit={PAGE_SIZE}",
            self.url("inventory_levels.json"),
            inventory_item_ids.join("%2C"),
            location_ids.join("%2C")
        ));
        while let Some(next) = url {
            let page = self.page(&next).await.map_err(|e| e.to_string())?;
            let mut body: serde_json::Value = serde_json::from_slice(&page.body)
                .map_err(|e| format!("{}: unreadable inventory levels: {e}", page.origin))?;
            if let serde_json::Value::Array(found) = body["inventory_levels"].take() {
                levels.extend(found);
            }
            url = page.next;
        }
        Ok(levels)
    }

    /// An order's fulfilment orders: `{"fulfillment_orders": […]}`.
    pub async fn fulfillment_orders(&self, order_id: &str) -> Result<Page, HttpError> {
        self.page(&self.url(&format!("orders/{order_id}/fulfillment_orders.json")))
            .await
    }
}
