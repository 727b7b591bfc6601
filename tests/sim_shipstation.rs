#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The simulated ShipStation API V1 over real HTTP on loopback: Basic auth,
//! page/pageSize, Pacific date windows and the 40-a-minute limit.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use chrono_tz::America::Los_Angeles;
use reqwest::StatusCode;
use serde_json::Value;

use orderdeck::sim::{Backend, Endpoint, SHIPSTATION_API_KEY};

mod sim_common;
use sim_common::*;

#[tokio::test]
async fn shipstation_pages_filters_in_pacific_time_and_needs_basic_auth() {
    let handle = simulator(150, |_| {}).await;
    let client = client();
    let orders_url = format!("{}/orders", handle.url(Backend::ShipStation));
    let anonymous = client.get(&orders_url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = client
        .get(&orders_url)
        .basic_auth(SHIPSTATION_API_KEY, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let first = shipstation(&client, &format!("{orders_url}?page=1&pageSize=40")).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["x-rate-limit-limit"], "40");
    assert_eq!(first.headers()["x-rate-limit-remaining"], "39");
    let reset: u64 = first.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&reset));
    let first: Value = first.json().await.unwrap();
    let total = first["total"].as_u64().unwrap() as usize;
    let pages = first["pages"].as_u64().unwrap();
    assert_eq!(pages as usize, total.div_ceil(40));
    let mut seen = Vec::new();
    for page in 1..=pages {
        let body: Value = shipstation(&client, &format!("{orders_url}?page={page}&pageSize=40"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["page"], page);
        seen.extend(body["orders"].as_array().unwrap().iter().cloned());
    }
    let unique: BTreeSet<u64> = seen
        .iter()
        .map(|o| o["orderId"].as_u64().unwrap())
        .collect();
    assert_eq!((seen.len(), unique.len()), (total, total));
    let too_big = shipstation(&client, &format!("{orders_url}?pageSize=501")).await;
    assert_eq!(too_big.status(), StatusCode::BAD_REQUEST);

    // modifyDateStart is Pacific wall-clock time without an offset.
    let since = start() - TimeDelta::hours(20);
    let since_text = since
        .with_timezone(&Los_Angeles)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let changed: Value = shipstation(
        &client,
        &format!(
            "{orders_url}?pageSize=500&modifyDateStart={}",
            since_text.replace(' ', "%20")
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    let changed: Vec<&Value> = changed["orders"].as_array().unwrap().iter().collect();
    let expected: Vec<&Value> = seen
        .iter()
        .filter(|o| pacific(o["modifyDate"].as_str().unwrap()) >= since)
        .collect();
    assert!(!changed.is_empty() && changed.len() < seen.len());
    assert_eq!(changed, expected);
    // Seven fractional digits, no offset.
    let modify = seen[0]["modifyDate"].as_str().unwrap();
    assert_eq!(
        modify.len(),
        "2026-11-23T07:00:00.0000000".len(),
        "{modify}"
    );

    // Shipments of one order, with their items when asked.
    let shipped = seen.iter().find(|o| o["orderStatus"] == "shipped").unwrap();
    let number = shipped["orderNumber"].as_str().unwrap();
    let shipments: Value = shipstation(
        &client,
        &format!(
            "{}/shipments?orderNumber={number}&includeShipmentItems=true",
            handle.url(Backend::ShipStation)
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    let shipment = &shipments["shipments"][0];
    assert_eq!(shipment["orderId"], shipped["orderId"]);
    assert_eq!(
        shipment["shipmentItems"][0]["sku"],
        shipped["items"][0]["sku"]
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn shipstation_allows_forty_requests_a_minute() {
    let handle = simulator(20, |_| {}).await;
    let client = client();
    let url = format!("{}/shipments?pageSize=1", handle.url(Backend::ShipStation));
    for n in 1..=40u32 {
        let response = shipstation(&client, &url).await;
        assert_eq!(response.status(), StatusCode::OK, "request {n}");
        assert_eq!(
            response.headers()["x-rate-limit-remaining"],
            (40 - n).to_string().as_str()
        );
    }
    let refused = shipstation(&client, &url).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["x-rate-limit-remaining"], "0");
    assert!(refused.headers().contains_key("x-rate-limit-reset"));
    assert_eq!(handle.requests(Endpoint::ShipStationShipments), 41);
    handle.shutdown().await.unwrap();
}
