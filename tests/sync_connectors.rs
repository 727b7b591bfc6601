#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The connectors against the simulator over loopback, through `sync_once`:
//! listings paged past one page, the server's `Retry-After` kept by every
//! request, 5xx retried, one broken order kept aside by name while the rest
//! syncs, and carrier OAuth tokens fetched again when they expire. What
//! reached the wire is read from the simulator's own journal of exchanges.

mod dbs;
mod store_view;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use orderdeck::commands::sim::config_text;
use orderdeck::config::Config;
use orderdeck::connectors::secret::Secret;
use orderdeck::connectors::shipstation_client::ShipStationClient;
use orderdeck::domain::normalize_order_name;
use orderdeck::engine::Policy;
use orderdeck::sim::{
    self, Backend, Endpoint, Exchange, Limits, SimHandle, SimOptions, SHIPSTATION_API_KEY,
    SHIPSTATION_API_SECRET, SHOPIFY_ACCESS_TOKEN,
};
use orderdeck::sync::connections::Connections;
use orderdeck::sync::poll::{sync_once, ListingReport, SyncReport};

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

/// A simulator whose clock stands still, with its limits lifted unless the
/// test sets them.
async fn simulator(orders: u64, tweak: impl FnOnce(&mut SimOptions)) -> SimHandle {
    let mut options = SimOptions::new(5, orders, start());
    options.speed = 0.0;
    options.limits = Limits::lifted();
    tweak(&mut options);
    sim::start(options).await.unwrap()
}

/// A ShipStation client for the simulator with no limit of its own, asking
/// for pages of `size`.
fn shipstation_in_pages_of(handle: &SimHandle, size: u32) -> ShipStationClient {
    ShipStationClient::new(
        &handle.url(Backend::ShipStation),
        Secret::new(SHIPSTATION_API_KEY.to_string()),
        Secret::new(SHIPSTATION_API_SECRET.to_string()),
        1_000_000,
        Duration::from_secs(10),
    )
    .unwrap()
    .with_page_size(size)
}

/// The config `orderdeck sim --write-config` would write, as `tweak` leaves it.
fn setup(handle: &SimHandle, tweak: impl FnOnce(&mut Config)) -> (Policy, Connections) {
    let mut config = Config::from_str_over_defaults("simulator", &config_text(handle)).unwrap();
    tweak(&mut config);
    (
        config.policy().unwrap(),
        Connections::with_secrets(&config, &sim::credential),
    )
}

fn listing<'r>(report: &'r SyncReport, name: &str) -> &'r ListingReport {
    report
        .listings
        .iter()
        .find(|l| l.listing == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", report.listings))
}

fn answered(handle: &SimHandle, backend: Backend) -> Vec<Exchange> {
    handle
        .exchanges()
        .into_iter()
        .filter(|e| e.endpoint.backend() == backend)
        .collect()
}

async fn storefront_order_count(handle: &SimHandle) -> u64 {
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/admin/api/2024-10/orders/count.json?status=any",
            handle.url(Backend::Shopify)
        ))
        .header("X-Shopify-Access-Token", SHOPIFY_ACCESS_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["count"].as_u64().unwrap()
}

async fn assert_matches_ground_truth(db: &dbs::TestDb, handle: &SimHandle) {
    let wrong = store_view::mismatches(
        &handle.ground_truth(),
        &store_view::outcomes(&db.store).await,
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_orders_come_through_several_link_pages() {
    let db = dbs::sqlite().await;
    let handle = simulator(700, |_| {}).await;
    let (policy, connections) = setup(&handle, |_| {});
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    assert!(report.clean(), "{:?}", report.listings);

    let orders = storefront_order_count(&handle).await;
    assert!(orders > 500, "{orders}");
    let listed = listing(&report, "storefront.orders");
    assert_eq!(listed.documents as u64, orders, "each order once");
    assert_eq!(listed.pages as u64, orders.div_ceil(250));
    assert!(listed.pages >= 3, "{listed:?}");
    // One request a page: the Link header's page_info was followed, never
    // a page asked twice or a listing started over.
    assert_eq!(
        handle.requests(Endpoint::ShopifyOrders),
        listed.pages as u64
    );
    assert_matches_ground_truth(&db, &handle).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipstation_orders_and_shipments_come_through_several_pages() {
    let db = dbs::sqlite().await;
    let handle = simulator(400, |_| {}).await;
    let (policy, mut connections) = setup(&handle, |_| {});
    // ShipStation's largest page (500) would hold this whole shop.
    connections.warehouse = Ok(shipstation_in_pages_of(&handle, 40));
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    assert!(report.clean(), "{:?}", report.listings);

    let orders = listing(&report, "warehouse.orders");
    let shipments = listing(&report, "warehouse.shipments");
    assert_eq!(orders.pages, orders.documents.div_ceil(40), "{orders:?}");
    assert_eq!(
        shipments.pages,
        shipments.documents.div_ceil(40),
        "{shipments:?}"
    );
    assert!(orders.pages >= 5 && shipments.pages >= 2, "{report:?}");
    assert_eq!(
        handle.requests(Endpoint::ShipStationOrders),
        orders.pages as u64
    );
    assert_eq!(
        handle.requests(Endpoint::ShipStationShipments),
        shipments.pages as u64
    );
    assert_matches_ground_truth(&db, &handle).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_holds_back_every_request_for_as_long_as_retry_after_says() {
    let db = dbs::sqlite().await;
    // A small, quick bucket that orderdeck is told is far larger, as when
    // other apps spend the same shop's allowance.
    let handle = simulator(100, |options| {
        options.limits.shopify_bucket = 5;
        options.limits.shopify_leak_per_second = 20.0;
    })
    .await;
    let (policy, connections) = setup(&handle, |config| {
        config.storefront.requests_per_minute = 60_000;
        config.storefront.burst = 1_000;
    });
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    assert!(report.clean(), "{:?}", report.listings);
    assert_matches_ground_truth(&db, &handle).await;

    let shopify = answered(&handle, Backend::Shopify);
    let refused: Vec<&Exchange> = shopify.iter().filter(|e| e.status == 429).collect();
    assert!(!refused.is_empty(), "the bucket never overflowed");
    // The simulator asks for whole seconds ("1.0"). Requests already on
    // their way when the 429 left may still arrive just after it; none may
    // set out once it is read.
    let wait = Duration::from_secs(1);
    let in_flight = Duration::from_millis(100);
    for refusal in &refused {
        let early: Vec<&Exchange> = shopify
            .iter()
            .filter(|e| {
                e.arrived > refusal.answered + in_flight && e.arrived < refusal.answered + wait
            })
            .collect();
        assert!(
            early.is_empty(),
            "429 answered at {:?}, then {early:#?}",
            refusal.answered
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_and_the_pass_completes() {
    let db = dbs::sqlite().await;
    let handle = simulator(120, |options| {
        for backend in Backend::ALL {
            options.faults.of_mut(backend).server_errors = 0.15;
        }
    })
    .await;
    let (policy, mut connections) = setup(&handle, |_| {});
    // Pages of 10 so that ShipStation is asked often enough to draw its
    // share of failures: one page would hold this whole shop.
    connections.warehouse = Ok(shipstation_in_pages_of(&handle, 10));
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    assert!(report.clean(), "{:?}", report.listings);
    assert_matches_ground_truth(&db, &handle).await;
    for backend in [Backend::Shopify, Backend::ShipStation] {
        let exchanges = answered(&handle, backend);
        let failed = exchanges.iter().filter(|e| e.status >= 500).count();
        assert!(failed > 0, "{backend:?}: no 5xx was drawn");
        // Every listing page ended in a success after its failures.
        assert!(
            exchanges.iter().filter(|e| e.status == 200).count() >= exchanges.len() - failed,
            "{backend:?}: {exchanges:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_order_is_kept_aside_by_name_while_the_rest_syncs() {
    let db = dbs::sqlite().await;
    // Two different orders, both known to the storefront and the warehouse
    // (they have parcels): one broken in each listing.
    let probe = simulator(150, |_| {}).await;
    let parcels = probe.world().parcels(probe.now());
    let shopify_broken = parcels[0].order.clone();
    let shipstation_broken = parcels[1].order.clone();
    probe.shutdown().await.unwrap();
    let handle = simulator(150, |options| {
        options.faults.shopify.broken_orders = vec![shopify_broken.clone()];
        options.faults.shipstation.broken_orders = vec![shipstation_broken.clone()];
    })
    .await;
    let (policy, connections) = setup(&handle, |_| {});
    let report = sync_once(&db.store, &policy, &connections, handle.now())
        .await
        .unwrap();
    assert!(
        report.listings.iter().all(|l| l.error.is_none()),
        "{:?}",
        report.listings
    );

    // Reported under its source's listing, naming the order and the field.
    let storefront = listing(&report, "storefront.orders");
    assert_eq!(storefront.rejected.len(), 1, "{storefront:?}");
    assert!(
        storefront.rejected[0].contains(&shopify_broken)
            && storefront.rejected[0].contains("created_at"),
        "{storefront:?}"
    );
    let warehouse = listing(&report, "warehouse.orders");
    assert_eq!(warehouse.rejected.len(), 1, "{warehouse:?}");
    let number = shipstation_broken.trim_start_matches('#');
    assert!(
        warehouse.rejected[0].contains(number) && warehouse.rejected[0].contains("orderStatus"),
        "{warehouse:?}"
    );
    // Kept aside in the store with the source, the order and the page.
    let kept = db.store.rejects(10).await.unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    for (source, order, path) in [
        ("storefront", &shopify_broken, "/shopify/admin/api/"),
        ("warehouse", &shipstation_broken, "/shipstation/orders"),
    ] {
        assert!(
            kept.iter().any(|r| r.source == source
                && r.order_ref.as_deref().map(normalize_order_name)
                    == Some(normalize_order_name(order))
                && r.origin.contains(path)),
            "{source} {order}: {kept:#?}"
        );
    }

    // Every other order is as the ground truth says.
    let broken: BTreeSet<String> = [&shopify_broken, &shipstation_broken]
        .into_iter()
        .map(|name| normalize_order_name(name))
        .collect();
    let truth: Vec<_> = handle
        .ground_truth()
        .into_iter()
        .filter(|e| !broken.contains(&normalize_order_name(&e.name)))
        .collect();
    assert!(truth.len() > 100);
    let wrong = store_view::mismatches(&truth, &store_view::outcomes(&db.store).await);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_carrier_token_is_fetched_again_once() {
    let db = dbs::sqlite().await;
    let handle = simulator(60, |options| {
        options.limits.token_lifetime = Some(Duration::from_secs(2));
    })
    .await;
    let (policy, connections) = setup(&handle, |_| {});
    let oauth = [
        (Endpoint::FedexToken, Endpoint::FedexTrack),
        (Endpoint::UpsToken, Endpoint::UpsTrack),
        (Endpoint::UspsToken, Endpoint::UspsTrack),
    ];
    let unauthorised = |handle: &SimHandle, track: Endpoint| {
        handle
            .exchanges()
            .iter()
            .filter(|e| e.endpoint == track && e.status == 401)
            .count()
    };
    let pass = || async {
        let report = sync_once(&db.store, &policy, &connections, handle.now())
            .await
            .unwrap();
        assert!(report.clean(), "{:?}", report.listings);
    };

    pass().await;
    for (token, track) in oauth {
        assert_eq!(handle.requests(token), 1, "{token:?}");
        assert!(handle.requests(track) > 0, "{track:?}: nothing to track");
    }

    // Past its stated lifetime: a new token, asked for before the old one
    // could be refused.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    pass().await;
    for (token, track) in oauth {
        assert_eq!(handle.requests(token), 2, "{token:?}");
        assert_eq!(unauthorised(&handle, track), 0, "{track:?}");
    }

    // Revoked early: refused once, fetched again once, and the pass goes on.
    handle.expire_tokens();
    pass().await;
    for (token, track) in oauth {
        assert_eq!(handle.requests(token), 3, "{token:?}");
        assert_eq!(unauthorised(&handle, track), 1, "{track:?}");
    }
    assert_matches_ground_truth(&db, &handle).await;
}

#[test]
fn rate_settings_that_allow_no_request_name_their_key() {
    for (text, key) in [
        (
            "[storefront]\nrequests_per_minute = 0\n",
            "storefront.requests_per_minute",
        ),
        ("[storefront]\nburst = 0\n", "storefront.burst"),
        (
            "[warehouse]\nrequests_per_minute = 0\n",
            "warehouse.requests_per_minute",
        ),
        (
            "[warehouse]\nrequests_per_minute = -5\n",
            "warehouse.requests_per_minute",
        ),
        (
            "[storefront]\nrequests_per_minute = \"fast\"\n",
            "storefront.requests_per_minute",
        ),
    ] {
        let error = Config::from_str_over_defaults("test.toml", text).unwrap_err();
        assert_eq!(error.key, key, "{text}: {error}");
    }
    let config = Config::builtin().unwrap();
    assert_eq!(config.storefront.requests_per_minute, 120);
    assert_eq!(config.storefront.burst, 40);
    assert_eq!(config.warehouse.requests_per_minute, 40);
}
