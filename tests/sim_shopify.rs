#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The simulated Shopify REST Admin API over real HTTP on loopback:
//! cursor paging through `Link`, filters, the token, the call-limit bucket,
//! and a world whose orders move with the clock.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, TimeDelta};
use chrono_tz::America::Los_Angeles;
use reqwest::StatusCode;
use serde_json::Value;

use orderdeck::sim::{self, Backend, Endpoint};

mod sim_common;
use sim_common::*;

#[tokio::test]
async fn shopify_pages_through_every_order_exactly_once() {
    let handle = simulator(400, |_| {}).await;
    let client = client();
    let base = shopify_orders_url(&handle);
    let first = shopify(&client, &format!("{base}?status=any&limit=250")).await;
    assert_eq!(first.status(), StatusCode::OK);
    let next = next_link(&first).expect("more than one page");
    assert!(
        next.starts_with(&base) && next.contains("page_info="),
        "{next}"
    );
    assert!(previous_link(&first).is_none());
    let first_ids = ids(&first.json().await.unwrap());
    assert_eq!(first_ids.len(), 250);

    // The second page links back to the first.
    let second = shopify(&client, &next).await;
    let back = previous_link(&second).expect("a previous link");
    let back_ids = ids(&shopify(&client, &back).await.json().await.unwrap());
    assert_eq!(back_ids, first_ids);

    let orders = all_orders(&client, &format!("{base}?status=any&limit=250")).await;
    let unique: BTreeSet<u64> = orders.iter().map(|o| o["id"].as_u64().unwrap()).collect();
    assert_eq!(unique.len(), orders.len(), "no order twice");
    assert!(orders.len() > 250);
    let count: Value = shopify(
        &client,
        &format!(
            "{}/admin/api/2024-10/orders/count.json?status=any",
            handle.url(Backend::Shopify)
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(count["count"].as_u64().unwrap() as usize, orders.len());
    // Smaller pages give the same orders in the same order.
    let small = all_orders(&client, &format!("{base}?status=any&limit=37")).await;
    assert_eq!(small, orders);
    // Every order of the world's ground truth is listed, but for those the
    // storefront never had.
    let names: BTreeSet<&str> = orders.iter().map(|o| o["name"].as_str().unwrap()).collect();
    let absent: BTreeSet<String> = handle
        .world()
        .scenarios()
        .into_iter()
        .filter(|(_, s)| *s == sim::Scenario::NotInStorefront)
        .map(|(name, _)| name)
        .collect();
    assert!(!absent.is_empty());
    for expected in handle.ground_truth() {
        assert_ne!(
            names.contains(expected.name.as_str()),
            absent.contains(&expected.name),
            "{}",
            expected.name
        );
    }
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn shopify_refuses_what_the_real_api_refuses() {
    let handle = simulator(60, |_| {}).await;
    let client = client();
    let base = shopify_orders_url(&handle);
    let no_token = client.get(&base).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    let wrong = client
        .get(&base)
        .header("X-Shopify-Access-Token", "shpat_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let too_many = shopify(&client, &format!("{base}?limit=251")).await;
    assert_eq!(too_many.status(), StatusCode::BAD_REQUEST);
    let first = shopify(&client, &format!("{base}?status=any&limit=10")).await;
    let next = next_link(&first).unwrap();
    let mixed = shopify(&client, &format!("{next}&status=any")).await;
    assert_eq!(
        mixed.status(),
        StatusCode::BAD_REQUEST,
        "filters are not allowed with page_info"
    );
    let unknown = shopify(
        &client,
        &format!(
            "{}/admin/api/2024-10/orders/42.json",
            handle.url(Backend::Shopify)
        ),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn shopify_updated_at_min_filters_and_single_order_endpoints_agree() {
    let handle = simulator(120, |_| {}).await;
    let client = client();
    let base = shopify_orders_url(&handle);
    let all = all_orders(&client, &format!("{base}?status=any&limit=250")).await;
    let since = start() - TimeDelta::hours(30);
    let since_text = since
        .with_timezone(&chrono_tz::America::New_York)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
        .replace('+', "%2B");
    let recent = all_orders(
        &client,
        &format!("{base}?status=any&limit=250&updated_at_min={since_text}"),
    )
    .await;
    let expected: Vec<&Value> = all
        .iter()
        .filter(|o| shopify_time(&o["updated_at"]) >= since)
        .collect();
    assert!(!recent.is_empty() && recent.len() < all.len());
    assert_eq!(recent.iter().collect::<Vec<_>>(), expected);

    // status=open leaves the cancelled orders out.
    let open = all_orders(&client, &format!("{base}?limit=250")).await;
    assert!(open.iter().all(|o| o["cancelled_at"].is_null()));
    assert!(open.len() < all.len());

    // One order and its fulfilment orders, by id.
    let held = all
        .iter()
        .find(|o| o["financial_status"] == "authorized" && o["cancelled_at"].is_null())
        .expect("an order held for review");
    let id = held["id"].as_u64().unwrap();
    let shop = handle.url(Backend::Shopify);
    let single: Value = shopify(
        &client,
        &format!("{shop}/admin/api/2024-10/orders/{id}.json"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(&single["order"], held);
    let fos: Value = shopify(
        &client,
        &format!("{shop}/admin/api/2024-10/orders/{id}/fulfillment_orders.json"),
    )
    .await
    .json()
    .await
    .unwrap();
    let fo = &fos["fulfillment_orders"][0];
    assert_eq!(fo["status"], "on_hold");
    assert_eq!(fo["fulfillment_holds"][0]["reason"], "high_risk_of_fraud");
    assert_eq!(
        fo["line_items"][0]["line_item_id"],
        held["line_items"][0]["id"]
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn shopify_counts_calls_in_its_bucket_and_refuses_a_burst() {
    let handle = simulator(30, |_| {}).await;
    let client = client();
    let url = format!(
        "{}/admin/api/2024-10/orders/count.json",
        handle.url(Backend::Shopify)
    );
    let mut levels = Vec::new();
    let mut refused = None;
    for _ in 0..60 {
        let response = shopify(&client, &url).await;
        let limit = response.headers()["x-shopify-shop-api-call-limit"]
            .to_str()
            .unwrap()
            .to_string();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((
                limit,
                response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .to_string(),
            ));
            break;
        }
        levels.push(limit);
    }
    assert_eq!(levels[0], "1/40");
    assert_eq!(levels[1], "2/40");
    let (limit, retry_after) = refused.expect("a burst overflows the bucket");
    assert_eq!(limit, "40/40");
    assert!(retry_after.parse::<f64>().unwrap() >= 1.0, "{retry_after}");
    assert!(levels.len() >= 39);
    assert_eq!(
        handle.requests(Endpoint::ShopifyOrderCount),
        levels.len() as u64 + 1
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_world_moves_with_its_clock() {
    let handle = simulator(100, |_| {}).await;
    let client = client();
    let shop = handle.url(Backend::Shopify);
    let since = start().to_rfc3339_opts(SecondsFormat::Secs, true);
    let changed_url = format!(
        "{}?status=any&limit=250&updated_at_min={since}",
        shopify_orders_url(&handle)
    );
    let count_url = format!("{shop}/admin/api/2024-10/orders/count.json?status=any");
    let count_before: Value = shopify(&client, &count_url).await.json().await.unwrap();
    assert!(
        all_orders(&client, &changed_url).await.is_empty(),
        "nothing has changed since the start yet"
    );
    let before = all_orders(
        &client,
        &format!("{}?status=any&limit=250", shopify_orders_url(&handle)),
    )
    .await;

    handle.advance(TimeDelta::hours(8));
    assert_eq!(handle.now(), start() + TimeDelta::hours(8));
    let changed = all_orders(&client, &changed_url).await;
    let count_after: Value = shopify(&client, &count_url).await.json().await.unwrap();
    assert!(
        count_after["count"].as_u64() > count_before["count"].as_u64(),
        "new orders arrived"
    );
    let known: BTreeSet<&str> = before.iter().map(|o| o["name"].as_str().unwrap()).collect();
    let arrived = changed
        .iter()
        .filter(|o| !known.contains(o["name"].as_str().unwrap()))
        .count();
    let updated: Vec<&Value> = changed
        .iter()
        .filter(|o| known.contains(o["name"].as_str().unwrap()))
        .collect();
    assert!(
        arrived > 0 && !updated.is_empty(),
        "{arrived} arrived, {} updated",
        updated.len()
    );
    for order in &updated {
        let old = before.iter().find(|o| o["name"] == order["name"]).unwrap();
        assert!(shopify_time(&order["updated_at"]) > shopify_time(&old["updated_at"]));
        assert_ne!(*order, old);
    }
    // The warehouse saw changes too, stamped in its own modifyDate.
    let since_pacific = start()
        .with_timezone(&Los_Angeles)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let warehouse: Value = shipstation(
        &client,
        &format!(
            "{}/orders?pageSize=500&modifyDateStart={since_pacific}",
            handle.url(Backend::ShipStation)
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(warehouse["total"].as_u64().unwrap() > 0);
    // The ground truth is the world's at the clock's moment.
    assert_eq!(
        handle.ground_truth(),
        handle.world().ground_truth(handle.now())
    );
    handle.shutdown().await.unwrap();
}
