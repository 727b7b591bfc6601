#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The simulated carriers over real HTTP on loopback (each one's OAuth or
//! key, then a tracking call in its own shape), and injected faults as a
//! client meets them.

use std::time::Duration;

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{json, Value};

use orderdeck::sim::{
    Backend, Carrier, SimHandle, DHL_API_KEY, FEDEX_CLIENT_ID, FEDEX_CLIENT_SECRET, UPS_CLIENT_ID,
    UPS_CLIENT_SECRET, USPS_CLIENT_ID, USPS_CLIENT_SECRET,
};

mod sim_common;
use sim_common::*;

/// A parcel of `carrier` the carrier has scanned by the start.
fn parcel_of(handle: &SimHandle, carrier: Carrier) -> String {
    handle
        .world()
        .parcels(handle.now())
        .into_iter()
        .find(|p| p.carrier == carrier)
        .map(|p| p.tracking_number)
        .expect("a parcel with this carrier")
}

#[tokio::test]
async fn each_carrier_issues_a_token_and_tracks_in_its_own_shape() {
    let handle = simulator(60, |_| {}).await;
    let client = client();

    // FedEx: form client credentials, then POST the numbers.
    let fedex = handle.url(Backend::Fedex);
    let refused = client
        .post(format!("{fedex}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", FEDEX_CLIENT_ID),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let token: Value = client
        .post(format!("{fedex}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", FEDEX_CLIENT_ID),
            ("client_secret", FEDEX_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "bearer");
    assert!(token["expires_in"].as_u64().unwrap() > 3000);
    let number = parcel_of(&handle, Carrier::Fedex);
    let request = json!({
        "includeDetailedScans": true,
        "trackingInfo": [
            {"trackingNumberInfo": {"trackingNumber": number}},
            {"trackingNumberInfo": {"trackingNumber": "123456789012"}},
        ],
    });
    let anonymous = client
        .post(format!("{fedex}/track/v1/trackingnumbers"))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = client
        .post(format!("{fedex}/track/v1/trackingnumbers"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let results = &body["output"]["completeTrackResults"];
    let found = &results[0]["trackResults"][0];
    assert_eq!(
        found["trackingNumberInfo"]["trackingNumber"],
        number.as_str()
    );
    assert!(found["latestStatusDetail"]["derivedCode"].is_string());
    assert!(!found["scanEvents"].as_array().unwrap().is_empty());
    assert_eq!(
        results[1]["trackResults"][0]["error"]["code"],
        "TRACKING.TRACKINGNUMBER.NOTFOUND"
    );

    // UPS: Basic auth for the token, then GET with transId/transactionSrc.
    let ups = handle.url(Backend::Ups);
    let token: Value = client
        .post(format!("{ups}/security/v1/oauth/token"))
        .basic_auth(UPS_CLIENT_ID, Some(UPS_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["status"], "approved");
    let number = parcel_of(&handle, Carrier::Ups);
    let body: Value = client
        .get(format!("{ups}/api/track/v1/details/{number}"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .header("transId", "t-1")
        .header("transactionSrc", "orderdeck")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let package = &body["trackResponse"]["shipment"][0]["package"][0];
    assert_eq!(package["trackingNumber"], number.as_str());
    let activity = package["activity"].as_array().unwrap();
    assert!(activity[0]["status"]["type"].is_string());
    assert_eq!(activity[0]["date"].as_str().unwrap().len(), 8, "YYYYMMDD");
    let anonymous = client
        .get(format!("{ups}/api/track/v1/details/{number}"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // USPS: JSON client credentials, then expand=DETAIL.
    let usps = handle.url(Backend::Usps);
    let token: Value = client
        .post(format!("{usps}/oauth2/v3/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": USPS_CLIENT_ID, "client_secret": USPS_CLIENT_SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "Bearer");
    let number = parcel_of(&handle, Carrier::Usps);
    let body: Value = client
        .get(format!(
            "{usps}/tracking/v3/tracking/{number}?expand=DETAIL"
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["trackingNumber"], number.as_str());
    assert!(body["statusCategory"].is_string());
    let event = &body["trackingEvents"][0];
    assert!(
        event["eventCode"].is_string() && event["GMTTimestamp"].as_str().unwrap().ends_with('Z')
    );

    // DHL: an API key header, no OAuth.
    let dhl = handle.url(Backend::Dhl);
    let number = parcel_of(&handle, Carrier::Dhl);
    let anonymous = client
        .get(format!("{dhl}/track/shipments?trackingNumber={number}"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = client
        .get(format!("{dhl}/track/shipments?trackingNumber={number}"))
        .header("DHL-API-Key", DHL_API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let shipment = &body["shipments"][0];
    assert_eq!(shipment["id"], number.as_str());
    assert!([
        "pre-transit",
        "transit",
        "delivered",
        "failure",
        "pending-review"
    ]
    .contains(&shipment["status"]["statusCode"].as_str().unwrap()));
    let missing = client
        .get(format!("{dhl}/track/shipments?trackingNumber=1234567890"))
        .header("DHL-API-Key", DHL_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn injected_faults_come_back_as_the_clients_see_them() {
    let handle = simulator(30, |options| {
        options.faults.shopify.server_errors = 1.0;
        options.faults.shipstation.truncated = 1.0;
        options.faults.dhl.malformed = 1.0;
        options.faults.ups.too_many_requests = 1.0;
        options.faults.usps.latency = Duration::from_millis(300);
    })
    .await;
    let client = client();

    let failed = shopify(&client, &shopify_orders_url(&handle)).await;
    assert!(failed.status().is_server_error(), "{}", failed.status());

    let truncated = shipstation(
        &client,
        &format!("{}/orders", handle.url(Backend::ShipStation)),
    )
    .await;
    assert_eq!(truncated.status(), StatusCode::OK);
    assert!(
        truncated.bytes().await.is_err(),
        "the body stops short of its Content-Length"
    );

    let malformed = client
        .get(format!(
            "{}/track/shipments?trackingNumber=1",
            handle.url(Backend::Dhl)
        ))
        .header("DHL-API-Key", DHL_API_KEY)
        .send()
        .await
        .unwrap();
    let text = malformed.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    let throttled = client
        .post(format!(
            "{}/security/v1/oauth/token",
            handle.url(Backend::Ups)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers().contains_key("retry-after"));

    let began = std::time::Instant::now();
    let slow = client
        .post(format!("{}/oauth2/v3/token", handle.url(Backend::Usps)))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.status(), StatusCode::BAD_REQUEST);
    assert!(began.elapsed() >= Duration::from_millis(300));
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_frozen_source_stops_updating() {
    let handle = simulator(60, |options| {
        options.faults.shipstation.frozen_at = Some(start());
    })
    .await;
    let client = client();
    let url = format!("{}/orders?pageSize=500", handle.url(Backend::ShipStation));
    let before: Value = shipstation(&client, &url).await.json().await.unwrap();
    handle.advance(TimeDelta::days(2));
    let after: Value = shipstation(&client, &url).await.json().await.unwrap();
    assert_eq!(before, after);
    // The storefront, not frozen, moved on.
    let shop = format!("{}?status=any&limit=250", shopify_orders_url(&handle));
    let latest = all_orders(&client, &shop)
        .await
        .iter()
        .map(|o| shopify_time(&o["updated_at"]))
        .max()
        .unwrap();
    assert!(latest > start() + TimeDelta::days(1));
    handle.shutdown().await.unwrap();
}
