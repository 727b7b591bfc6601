//! What the simulator's HTTP tests share: a simulator with a still clock,
//! a client, and each API's way of asking.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

use orderdeck::sim::{
    self, Backend, SimHandle, SimOptions, SHIPSTATION_API_KEY, SHIPSTATION_API_SECRET,
    SHOPIFY_ACCESS_TOKEN,
};

pub const SEED: u64 = 7;

pub fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

/// A simulator whose clock stands still unless a test moves it.
pub async fn simulator(orders: u64, tweak: impl FnOnce(&mut SimOptions)) -> SimHandle {
    let mut options = SimOptions::new(SEED, orders, start());
    options.speed = 0.0;
    tweak(&mut options);
    sim::start(options).await.expect("simulator starts")
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub fn shopify_orders_url(handle: &SimHandle) -> String {
    format!(
        "{}/admin/api/2024-10/orders.json",
        handle.url(Backend::Shopify)
    )
}

pub async fn shopify(client: &Client, url: &str) -> Response {
    client
        .get(url)
        .header("X-Shopify-Access-Token", SHOPIFY_ACCESS_TOKEN)
        .send()
        .await
        .unwrap()
}

pub fn next_link(response: &Response) -> Option<String> {
    let header = response.headers().get("link")?.to_str().ok()?;
    header.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

pub fn previous_link(response: &Response) -> Option<String> {
    let header = response.headers().get("link")?.to_str().ok()?;
    header.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"previous\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

pub fn ids(body: &Value) -> Vec<u64> {
    body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect()
}

/// Every order of a listing, following `Link: rel="next"`.
pub async fn all_orders(client: &Client, first: &str) -> Vec<Value> {
    let mut orders = Vec::new();
    let mut url = Some(first.to_string());
    while let Some(next) = url {
        let response = shopify(client, &next).await;
        assert_eq!(response.status(), StatusCode::OK);
        url = next_link(&response);
        let body: Value = response.json().await.unwrap();
        orders.extend(body["orders"].as_array().unwrap().iter().cloned());
    }
    orders
}

pub fn shopify_time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

pub async fn shipstation(client: &Client, url: &str) -> Response {
    client
        .get(url)
        .basic_auth(SHIPSTATION_API_KEY, Some(SHIPSTATION_API_SECRET))
        .send()
        .await
        .unwrap()
}

pub fn pacific(text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").unwrap();
    Los_Angeles
        .from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}
