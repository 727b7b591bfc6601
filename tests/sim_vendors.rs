#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The simulated drop-ship vendors over HTTP, as assets/vendor-api.yaml
//! says: a PO acknowledged, then shipped by its promised date in a parcel
//! the simulated carriers track to the door; a cancelled or rejected PO
//! never ships, and a shipped one cannot be cancelled. The simulated
//! storefront fulfils drop-shipped goods only as they really leave: hours
//! after the vendor holding the PO ships them, with the vendor's parcel,
//! or once our warehouse ships goods a reroute moved to it.

mod sim_common;

use chrono::{DateTime, TimeDelta, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::connectors::carriers::Carrier;
use orderdeck::domain::ShipmentStatus;
use orderdeck::sim::{
    self, Backend, Endpoint, Scenario, SimHandle, VENDOR_API_KEY_ENV, WAREHOUSE_LOCATION_ID,
};
use orderdeck::sync::connections::Connections;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sim_common::{client, shipstation, shopify, shopify_orders_url, simulator};

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
    order_from(client, handle, vendor, po, "#9001", (sku, 2), expedite).await
}

/// Orders `quantity` of `sku` from `vendor` for the storefront order
/// `reference`.
async fn order_from(
    client: &Client,
    handle: &SimHandle,
    vendor: &str,
    po: &str,
    reference: &str,
    (sku, quantity): (&str, u32),
    expedite: bool,
) -> Value {
    let response = client
        .post(format!("{}/v1/purchase-orders", handle.vendor_url(vendor)))
        .bearer_auth(VENDOR_API_KEY_ENV.1)
        .header("Idempotency-Key", format!("key-{po}"))
        .json(&json!({
            "po_number": po,
            "order_reference": reference,
            "expedite": expedite,
            "lines": [{"line": 1, "sku": sku, "quantity": quantity, "unit": "EA"}],
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

/// The drop-shipped orders the world has placed by now, by name, with
/// their SKU and quantity.
fn drop_ship_orders(handle: &SimHandle) -> Vec<(String, &'static str, u32)> {
    let placed: Vec<String> = handle.ground_truth().into_iter().map(|e| e.name).collect();
    handle
        .world()
        .scenarios()
        .into_iter()
        .filter(|(name, scenario)| *scenario == Scenario::ThirdPartyVendor && placed.contains(name))
        .map(|(name, _)| {
            let (sku, quantity) = handle.world().line_of(&name).unwrap();
            (name, sku, quantity)
        })
        .collect()
}

/// The storefront's order named `name` now.
async fn storefront_order(client: &Client, handle: &SimHandle, name: &str) -> Value {
    let url = format!(
        "{}?status=any&name={}",
        shopify_orders_url(handle),
        name.trim_start_matches('#')
    );
    let body: Value = shopify(client, &url).await.json().await.unwrap();
    let orders = body["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1, "{name}: {body}");
    orders[0].clone()
}

/// Whether the storefront still owes the whole order: unfulfilled, its
/// line's every unit still to fulfil.
fn unfulfilled(order: &Value, quantity: u32) -> bool {
    order["fulfillment_status"].is_null()
        && order["fulfillments"] == json!([])
        && order["line_items"][0]["fulfillable_quantity"] == quantity
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storefront_fulfils_drop_shipped_goods_only_after_their_vendor_ships_them() {
    let handle = simulator(200, |_| {}).await;
    let client = client();
    let orders = drop_ship_orders(&handle);
    assert!(orders.len() >= 3, "{orders:?}");
    let (acked, silent, never_ordered) = (&orders[0], &orders[1], &orders[2]);
    for (name, _, quantity) in [acked, silent, never_ordered] {
        assert!(
            unfulfilled(&storefront_order(&client, &handle, name).await, *quantity),
            "{name}"
        );
    }
    let po =
        |(name, ..): &(String, &str, u32)| format!("{}-ACME-HOME", name.trim_start_matches('#'));
    order_from(
        &client,
        &handle,
        "acme",
        &po(acked),
        &acked.0,
        (acked.1, acked.2),
        false,
    )
    .await;
    order_from(
        &client,
        &handle,
        "silent",
        &po(silent),
        &silent.0,
        (silent.1, silent.2),
        false,
    )
    .await;

    handle.advance(TimeDelta::hours(1));
    let promised = time(
        &read(&client, &handle, "acme", &po(acked)).await["acknowledgement"]["promised_ship_date"],
    );
    handle.advance(promised - handle.now());
    let notice = read(&client, &handle, "acme", &po(acked)).await["ship_notices"][0].clone();
    let shipped_at = time(&notice["shipped_at"]);
    let tracking = notice["packages"][0]["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let carrier = notice["carrier"].as_str().unwrap().to_string();

    // The vendor has shipped; the storefront has not heard yet.
    handle.advance(shipped_at - handle.now());
    assert_eq!(
        read(&client, &handle, "acme", &po(acked)).await["ship_notices"][0],
        notice
    );
    let order = storefront_order(&client, &handle, &acked.0).await;
    assert!(unfulfilled(&order, acked.2), "{order}");

    // Within a few hours it records the vendor's parcel.
    handle.advance(TimeDelta::hours(4) + TimeDelta::seconds(1));
    let order = storefront_order(&client, &handle, &acked.0).await;
    assert_eq!(order["fulfillment_status"], "fulfilled", "{order}");
    assert_eq!(order["line_items"][0]["fulfillable_quantity"], 0);
    let fulfilment = &order["fulfillments"][0];
    assert_eq!(fulfilment["tracking_number"], tracking.as_str());
    assert_eq!(fulfilment["tracking_company"], carrier.as_str());
    let recorded = time(&fulfilment["created_at"]);
    assert!(
        recorded > shipped_at && recorded <= handle.now(),
        "{fulfilment}"
    );
    // An incremental sync (updated_at_min) finds the change.
    assert!(time(&order["updated_at"]) >= recorded, "{order}");

    // Long after every planned day, the carrier has delivered the vendor's
    // parcel and the storefront says so; goods at a vendor that never
    // ships, and goods never ordered, are still owed.
    handle.advance(TimeDelta::days(10));
    let order = storefront_order(&client, &handle, &acked.0).await;
    assert_eq!(
        order["fulfillments"][0]["shipment_status"], "delivered",
        "{order}"
    );
    assert_eq!(
        track(&handle, &carrier, &tracking).await,
        ShipmentStatus::Delivered
    );
    let planned: Vec<String> = handle
        .world()
        .parcels(handle.now())
        .into_iter()
        .map(|p| p.order)
        .collect();
    for (name, _, quantity) in [silent, never_ordered] {
        assert!(planned.contains(name), "{name}'s planned day has not come");
        let order = storefront_order(&client, &handle, name).await;
        assert!(unfulfilled(&order, *quantity), "{order}");
    }
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_shipped_goods_moved_to_our_warehouse_ship_from_shipstation() {
    let handle = simulator(200, |_| {}).await;
    let client = client();
    let (name, _, quantity) = drop_ship_orders(&handle)
        .into_iter()
        .find(|(_, sku, _)| *sku == "RUG-160")
        .expect("a rug order: the warehouse keeps rugs");
    let number = name.trim_start_matches('#').to_string();
    let storefront_id = storefront_order(&client, &handle, &name).await["id"]
        .as_u64()
        .unwrap();
    let warehouse = |path: String| {
        let client = client.clone();
        let url = format!("{}{path}", handle.url(Backend::ShipStation));
        async move {
            let body: Value = shipstation(&client, &url).await.json().await.unwrap();
            body
        }
    };
    let orders_url = format!("/orders?orderNumber={number}");
    let shipments_url = format!("/shipments?orderNumber={number}");
    assert_eq!(warehouse(orders_url.clone()).await["total"], 0);

    let moved = client
        .post(format!(
            "{}/admin/api/2024-10/fulfillment_orders/{}/move.json",
            handle.url(Backend::Shopify),
            storefront_id * 10 + 9
        ))
        .header("X-Shopify-Access-Token", sim::SHOPIFY_ACCESS_TOKEN)
        .json(&json!({"fulfillment_order": {"new_location_id": WAREHOUSE_LOCATION_ID}}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let moved_at = handle.now();

    // The warehouse has the order within its hand-off, awaiting shipment.
    handle.advance(TimeDelta::hours(1));
    let listed = warehouse(orders_url.clone()).await;
    assert_eq!(listed["total"], 1, "{listed}");
    let order = &listed["orders"][0];
    assert_eq!(order["orderKey"], storefront_id.to_string());
    assert_eq!(order["orderStatus"], "awaiting_shipment");
    assert_eq!(order["items"][0]["sku"], "RUG-160");
    assert_eq!(order["items"][0]["quantity"], quantity);
    assert_eq!(warehouse(shipments_url.clone()).await["total"], 0);
    assert!(unfulfilled(
        &storefront_order(&client, &handle, &name).await,
        quantity
    ));

    // It ships within the day, with a label the carrier follows; the
    // storefront records that parcel as it does the warehouse's.
    handle.advance(moved_at + TimeDelta::hours(20) - handle.now());
    let shipments = warehouse(shipments_url).await;
    assert_eq!(shipments["total"], 1, "{shipments}");
    let shipment = &shipments["shipments"][0];
    let tracking = shipment["trackingNumber"].as_str().unwrap().to_string();
    assert_eq!(
        warehouse(orders_url).await["orders"][0]["orderStatus"],
        "shipped"
    );
    let carrier = shipment["carrierCode"].as_str().unwrap().to_string();
    assert_ne!(
        track(&handle, &carrier, &tracking).await,
        ShipmentStatus::Unknown
    );
    handle.advance(TimeDelta::minutes(90));
    let order = storefront_order(&client, &handle, &name).await;
    assert_eq!(order["fulfillment_status"], "fulfilled", "{order}");
    assert_eq!(
        order["fulfillments"][0]["tracking_number"],
        tracking.as_str()
    );
    handle.shutdown().await.unwrap();
}
