#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The simulated drop-ship vendors over HTTP, as assets/vendor-api.yaml
//! says: a PO acknowledged, then shipped by its promised date in a parcel
//! the simulated carriers track to the door; a cancelled or rejected PO
//! never ships, and a shipped one cannot be cancelled.

mod sim_common;

use chrono::{DateTime, TimeDelta, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::connectors::carriers::Carrier;
use orderdeck::domain::ShipmentStatus;
use orderdeck::sim::{self, Endpoint, SimHandle, VENDOR_API_KEY_ENV};
use orderdeck::sync::connections::Connections;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sim_common::{client, simulator};

/// A PO number not sent before; "#9001" is no order of the world's.
async fn create(client: &Client, handle: &SimHandle, vendor: &str, po: &str, sku: &str) -> Value {
    create_with(client, handle, vendor, po, sku, false).await
}

async fn create_with(
    client: &Client,
    handle: &SimHandle,
    vendor: &str,
    po: &str,
    sku: &str,
    expedite: bool,
) -> Value {
    let response = client
        .post(format!("{}/v1/purchase-orders", handle.vendor_url(vendor)))
        .bearer_auth(VENDOR_API_KEY_ENV.1)
        .header("Idempotency-Key", format!("key-{po}"))
        .json(&json!({
            "po_number": po,
            "order_reference": "#9001",
            "expedite": expedite,
            "lines": [{"line": 1, "sku": sku, "quantity": 2, "unit": "EA"}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn read(client: &Client, handle: &SimHandle, vendor: &str, po: &str) -> Value {
    let response = client
        .get(format!(
            "{}/v1/purchase-orders/{po}",
            handle.vendor_url(vendor)
        ))
        .bearer_auth(VENDOR_API_KEY_ENV.1)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn cancel(client: &Client, handle: &SimHandle, vendor: &str, po: &str) -> StatusCode {
    client
        .post(format!(
            "{}/v1/purchase-orders/{po}/cancel",
            handle.vendor_url(vendor)
        ))
        .bearer_auth(VENDOR_API_KEY_ENV.1)
        .header("Idempotency-Key", format!("cancel-{po}"))
        .json(&json!({"reason": "test"}))
        .send()
        .await
        .unwrap()
        .status()
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// What the simulated carrier says of `number`, asked through orderdeck's
/// own client for `carrier` as the vendor named it.
async fn track(handle: &SimHandle, carrier: &str, number: &str) -> ShipmentStatus {
    let config = Config::from_str_over_defaults("simulator", &config_text(handle)).unwrap();
    let connections = Connections::with_secrets(&config, &sim::credential);
    let carrier = Carrier::from_name(carrier).expect("a carrier orderdeck knows");
    let client = connections.carriers[&carrier].as_ref().unwrap();
    let replies = client.track_replies(&[number.to_string()]).await.unwrap();
    replies[0].shipments[0].status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_po_ships_by_its_promise_and_its_carrier_tracks_it() {
    let handle = simulator(20, |_| {}).await;
    let client = client();
    let created = create(&client, &handle, "acme", "SIM-1", "SOFA-3S-GRY").await;
    assert_eq!(created["ship_notices"], json!([]));

    handle.advance(TimeDelta::hours(1));
    let acked = read(&client, &handle, "acme", "SIM-1").await;
    assert_eq!(acked["acknowledgement"]["status"], "accepted");
    let promised = time(&acked["acknowledgement"]["promised_ship_date"]);
    assert_eq!(acked["ship_notices"], json!([]));

    handle.advance(promised - handle.now());
    let shipped = read(&client, &handle, "acme", "SIM-1").await;
    let notices = shipped["ship_notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{shipped}");
    let notice = &notices[0];
    let shipped_at = time(&notice["shipped_at"]);
    assert!(shipped_at > time(&acked["acknowledgement"]["acknowledged_at"]));
    assert!(shipped_at <= promised);
    let packages = notice["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(
        packages[0]["items"],
        json!([{"sku": "SOFA-3S-GRY", "quantity": 2}])
    );
    let number = packages[0]["tracking_number"].as_str().unwrap();
    let carrier = notice["carrier"].as_str().unwrap();
    assert_ne!(
        track(&handle, carrier, number).await,
        ShipmentStatus::Unknown
    );

    handle.advance(TimeDelta::days(5));
    assert_eq!(
        track(&handle, carrier, number).await,
        ShipmentStatus::Delivered
    );
    // The same answer each time it is read.
    assert_eq!(
        read(&client, &handle, "acme", "SIM-1").await["ship_notices"],
        shipped["ship_notices"]
    );
    // Shipped goods can no longer be cancelled.
    assert_eq!(
        cancel(&client, &handle, "acme", "SIM-1").await,
        StatusCode::CONFLICT
    );
    assert_eq!(handle.vendor_po_cancelled("acme", "SIM-1"), Some(false));
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_and_rejected_pos_never_ship() {
    let handle = simulator(20, |_| {}).await;
    let client = client();
    create(&client, &handle, "acme", "SIM-C", "SOFA-3S-GRY").await;
    create(&client, &handle, "lowstock", "SIM-R", "RUG-160").await;
    handle.advance(TimeDelta::hours(1));
    assert_eq!(
        cancel(&client, &handle, "acme", "SIM-C").await,
        StatusCode::OK
    );
    handle.advance(TimeDelta::days(10));

    let cancelled = read(&client, &handle, "acme", "SIM-C").await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["ship_notices"], json!([]));
    let rejected = read(&client, &handle, "lowstock", "SIM-R").await;
    assert_eq!(rejected["acknowledgement"]["status"], "rejected");
    assert_eq!(rejected["ship_notices"], json!([]));
    // Each vendor request was counted at its endpoint.
    assert_eq!(handle.requests(Endpoint::VendorPoCreate), 2);
    assert_eq!(handle.requests(Endpoint::VendorPoCancel), 1);
    assert_eq!(handle.requests(Endpoint::VendorPo), 2);
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expedited_po_is_promised_and_shipped_in_half_the_time() {
    let handle = simulator(20, |_| {}).await;
    let client = client();
    let created =
        time(&create(&client, &handle, "northwind", "SIM-S", "SOFA-3S-GRY").await["created_at"]);
    let expedited = create_with(&client, &handle, "northwind", "SIM-E", "SOFA-3S-GRY", true).await;
    assert_eq!(expedited["expedite"], true);
    handle.advance(TimeDelta::hours(1));
    let promise = |po: Value| time(&po["acknowledgement"]["promised_ship_date"]);
    let standard = promise(read(&client, &handle, "northwind", "SIM-S").await);
    let fast = promise(read(&client, &handle, "northwind", "SIM-E").await);
    assert_eq!((fast - created) * 2, standard - created);
    handle.advance(fast - handle.now());
    let shipped = read(&client, &handle, "northwind", "SIM-E").await;
    assert!(
        time(&shipped["ship_notices"][0]["shipped_at"]) <= fast,
        "{shipped}"
    );
    handle.shutdown().await.unwrap();
}
