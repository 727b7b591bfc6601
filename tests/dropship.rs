#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Drop-ship orders all the way, end to end: the real binary against the
//! simulator over loopback HTTP and a real database (SQLite, and
//! PostgreSQL when ORDERDECK_TEST_PG names one). The PO goes out, the
//! vendor acknowledges it, ships it with tracking by the date it promised,
//! the carrier tracks the parcel to the door, and the order leaves its
//! queue as each step lands. A rerouted order ships from the new vendor
//! and never from the one whose PO was cancelled; a vendor that lets the
//! day it promised pass is VENDOR_SHIP_LATE and rerouted; the vendors' injected
//! 429s and 5xx are retried and counted.

mod dbs;
mod deck;

use chrono::{DateTime, TimeDelta, Utc};
use deck::{approve, codes, simulator, simulator_with, timeline, trail, Deck};
use orderdeck::domain::ShipmentStatus;
use orderdeck::sim::{Backend, Endpoint, SimHandle};
use orderdeck::store::Store;
use serde_json::Value;

/// Moves the clock on by `by`, syncs, and shows the order then.
fn step(handle: &SimHandle, deck: &Deck, order: &str, by: TimeDelta) -> (Value, DateTime<Utc>) {
    handle.advance(by);
    let now = handle.now();
    deck.ok(now, &["sync", "--once"]);
    (deck.show(now, order), now)
}

/// `step`s until `done` holds for the order's `show --json`; at most
/// `steps` of them.
fn sync_until(
    handle: &SimHandle,
    deck: &Deck,
    order: &str,
    by: TimeDelta,
    steps: usize,
    done: impl Fn(&Value) -> bool,
) -> (Value, DateTime<Utc>) {
    for _ in 0..steps {
        let (shown, now) = step(handle, deck, order, by);
        if done(&shown) {
            return (shown, now);
        }
    }
    panic!("{order}: not there after {steps} steps of {by}");
}

fn po<'a>(shown: &'a Value, po_number: &str) -> &'a Value {
    shown["purchase_orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["po_number"] == po_number)
        .unwrap_or_else(|| panic!("no PO {po_number} in {shown}"))
}

fn packages(po: &Value) -> &Vec<Value> {
    po["packages"].as_array().unwrap()
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// Where the carrier that tracks `tracking` says the parcel is.
async fn carrier_status(db: &str, order: &str, tracking: &str) -> Option<ShipmentStatus> {
    let store = Store::open(db).await.unwrap();
    let id = store.find_order(order).await.unwrap().unwrap();
    let detail = store.order_detail(id).await.unwrap().unwrap();
    detail
        .facts
        .carrier_shipments
        .iter()
        .map(|s| &s.value)
        .find(|s| s.tracking_number == tracking)
        .map(|s| s.status)
}

/// The queue `order` (as its POs name it, with no `#`) is listed in, if any.
fn listed(deck: &Deck, now: DateTime<Utc>, order: &str) -> Option<String> {
    let queues: Value = serde_json::from_str(&deck.ok(now, &["queues", "--json"])).unwrap();
    queues
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order"].as_str().unwrap().trim_start_matches('#') == order)
        .map(|o| o["queue"].as_str().unwrap().to_string())
}

async fn delivered_end_to_end(db: dbs::TestDb) {
    let handle = simulator().await;
    let deck = Deck::at(&handle, db.url.clone(), "acme", "");
    let t0 = handle.now();
    deck.ok(t0, &["sync", "--once"]);
    let po_number = handle.vendor_pos("acme").remove(0);
    let order = po_number.trim_end_matches("-ACME-HOME").to_string();
    let shown = deck.show(t0, &order);
    assert_eq!(po(&shown, &po_number)["ack"], "sent");
    assert!(packages(po(&shown, &po_number)).is_empty());
    assert_eq!(listed(&deck, t0, &order).as_deref(), Some("informational"));

    // Acknowledged within acme's half hour, with a promised ship date;
    // nothing has left yet.
    let (shown, _) = step(&handle, &deck, &order, TimeDelta::hours(1));
    let acked = po(&shown, &po_number);
    assert_eq!(acked["ack"], "accepted");
    let promised = time(&acked["promised_ship_date"]);
    assert!(packages(acked).is_empty());
    assert!(
        timeline(&shown).iter().any(|e| e
            == &format!(
                "vendor acme-home acknowledged PO {po_number}: accepted, ships by {}",
                promised.format("%Y-%m-%d")
            )),
        "{:#?}",
        timeline(&shown)
    );
    assert!(!codes(&shown).iter().any(|c| c.starts_with("VENDOR_")));

    // Shipped on or before the promise, every unit, with tracking.
    let (shown, t2) = sync_until(&handle, &deck, &order, TimeDelta::hours(6), 24, |shown| {
        !packages(po(shown, &po_number)).is_empty()
    });
    let shipped = po(&shown, &po_number);
    let package = &packages(shipped)[0];
    let tracking = package["tracking_number"].as_str().unwrap().to_string();
    let carrier = package["carrier"].as_str().unwrap().to_string();
    assert!(!tracking.is_empty());
    assert!(time(&package["shipped_at"]) <= promised, "{shipped}");
    assert!(time(&package["shipped_at"]) <= t2);
    for line in shipped["lines"].as_array().unwrap() {
        assert_eq!(line["shipped"], line["ordered"], "{shipped}");
    }
    let events = timeline(&shown);
    assert!(
        events.iter().any(|e| e
            == &format!(
                "vendor acme-home shipped PO {po_number} via {carrier}, tracking {tracking}"
            )),
        "{events:#?}"
    );
    // `show` lists the package under its PO, as the console does.
    let text = deck.ok(t2, &["show", &order]);
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("shipped ")
            && l.ends_with(&format!("via {carrier}, tracking {tracking}"))),
        "{text}"
    );

    // The storefront records the vendor's parcel within hours of the
    // ship notice, and no sooner.
    let shipped_at = time(&package["shipped_at"]);
    let recorded_by_storefront = |shown: &Value| {
        timeline(shown)
            .iter()
            .any(|e| e.starts_with("storefront fulfilment") && e.contains(&tracking))
    };
    let (shown, recorded) = if recorded_by_storefront(&shown) {
        (shown, t2)
    } else {
        sync_until(
            &handle,
            &deck,
            &order,
            TimeDelta::hours(1),
            5,
            recorded_by_storefront,
        )
    };
    let fulfilled_at = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            let event = e["event"].as_str().unwrap();
            event.starts_with("fulfilment") && event.contains(&tracking)
        })
        .map(|e| time(&e["at"]))
        .unwrap();
    assert!(fulfilled_at > shipped_at, "{shown}");
    assert!(fulfilled_at <= shipped_at + TimeDelta::hours(4), "{shown}");

    // The carrier picks the parcel up and, days later, delivers it; the
    // order then needs nobody.
    deck.ok(recorded, &["sync", "--once"]);
    let status = carrier_status(&db.url, &order, &tracking).await;
    assert!(
        status.is_some_and(|s| s != ShipmentStatus::Delivered),
        "{status:?}"
    );
    let mut delivered = None;
    for _ in 0..16 {
        handle.advance(TimeDelta::hours(12));
        let now = handle.now();
        deck.ok(now, &["sync", "--once"]);
        if carrier_status(&db.url, &order, &tracking).await == Some(ShipmentStatus::Delivered) {
            delivered = Some(now);
            break;
        }
    }
    let t3 = delivered.expect("the carrier never delivered the vendor's parcel");
    let shown = deck.show(t3, &order);
    assert_eq!(shown["queue"], "ok", "{:?}", codes(&shown));
    assert_eq!(listed(&deck, t3, &order), None);
    let carrier_events: Vec<String> = timeline(&shown)
        .into_iter()
        .filter(|e| e.starts_with("carrier") && e.contains(&tracking))
        .collect();
    assert!(carrier_events.len() >= 3, "{carrier_events:#?}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_ship_order_is_acknowledged_shipped_and_delivered_on_sqlite() {
    delivered_end_to_end(dbs::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_ship_order_is_acknowledged_shipped_and_delivered_on_postgres() {
    if let Some(db) = dbs::postgres().await {
        delivered_end_to_end(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerouted_order_ships_from_the_new_vendor_never_the_cancelled_one() {
    let handle = simulator().await;
    let db = dbs::sqlite().await;
    let deck = Deck::new(&handle, db.url.clone());
    deck.ok(handle.now(), &["sync", "--once"]);
    let old_po = handle.vendor_pos("silent").remove(0);
    let order = old_po.trim_end_matches("-ACME-HOME").to_string();
    let (shown, t1) = step(&handle, &deck, &order, TimeDelta::hours(5));
    assert_eq!(shown["queue"], "blocked");
    assert_eq!(listed(&deck, t1, &order).as_deref(), Some("blocked"));

    deck.ok(t1, &approve(&order, None));
    let new_po = format!("{old_po}-R-NORTHWIND-SUPPLY");
    assert_eq!(handle.vendor_po_cancelled("silent", &old_po), Some(true));
    let (shown, t2) = sync_until(&handle, &deck, &order, TimeDelta::hours(6), 24, |shown| {
        !packages(po(shown, &new_po)).is_empty()
    });
    assert_eq!(po(&shown, &new_po)["ack"], "accepted");
    assert_eq!(po(&shown, &old_po)["ack"], "cancelled");
    assert!(packages(po(&shown, &old_po)).is_empty());
    assert_ne!(listed(&deck, t2, &order).as_deref(), Some("blocked"));

    // Long past every promise, the cancelled PO has still not shipped.
    let (shown, _) = step(&handle, &deck, &order, TimeDelta::days(10));
    assert!(packages(po(&shown, &old_po)).is_empty());
    assert_eq!(packages(po(&shown, &new_po)).len(), 1);
    handle.shutdown().await.unwrap();
}

/// `tardy` accepts with a ship day and lets it pass: VENDOR_SHIP_LATE, and
/// a reroute proposal that waits for a human (the vendor may still ship),
/// approved through `act`; the late PO is cancelled before it ships, the
/// new vendor ships instead, and the audit log has the decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_past_the_day_it_promised_is_rerouted() {
    let handle = simulator().await;
    let db = dbs::sqlite().await;
    let deck = Deck::at(&handle, db.url.clone(), "tardy", "");
    deck.ok(handle.now(), &["sync", "--once"]);
    let old_po = handle.vendor_pos("tardy").remove(0);
    let order = old_po.trim_end_matches("-ACME-HOME").to_string();
    let (shown, t1) = step(&handle, &deck, &order, TimeDelta::hours(1));
    assert_eq!(po(&shown, &old_po)["ack"], "accepted");
    let promised = time(&po(&shown, &old_po)["promised_ship_date"]);
    assert!(!codes(&shown).contains(&"VENDOR_SHIP_LATE".to_string()));

    // The day passes with nothing shipped.
    let (shown, t2) = step(&handle, &deck, &order, promised - t1 + TimeDelta::hours(1));
    assert!(packages(po(&shown, &old_po)).is_empty());
    let found = codes(&shown);
    assert!(found.contains(&"VENDOR_SHIP_LATE".to_string()), "{found:?}");
    assert!(found.contains(&"REROUTE_PROPOSED".to_string()), "{found:?}");
    assert_eq!(shown["queue"], "blocked");
    let late = shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "VENDOR_SHIP_LATE")
        .unwrap();
    assert!(
        late["reason"].as_str().unwrap().starts_with(&format!(
            "Vendor acme-home promised to ship PO {old_po} by "
        )),
        "{late}"
    );
    let proposal = &shown["reroutes"][0];
    assert_eq!(proposal["trigger"], "ship_late");
    assert_eq!(proposal["status"], "proposed");
    assert!(
        proposal["needs_approval"]
            .as_array()
            .unwrap()
            .iter()
            .any(|why| why.as_str().unwrap().contains("may still ship it")),
        "{proposal}"
    );
    let to = proposal["alternates"][0]["sources"][0]["vendor_id"]
        .as_str()
        .unwrap()
        .to_uppercase();
    assert_eq!(listed(&deck, t2, &order).as_deref(), Some("blocked"));

    deck.ok(t2, &approve(&order, None));
    assert_eq!(handle.vendor_po_cancelled("tardy", &old_po), Some(true));
    let new_po = format!("{old_po}-R-{to}");
    let (shown, _) = sync_until(&handle, &deck, &order, TimeDelta::hours(6), 24, |shown| {
        !packages(po(shown, &new_po)).is_empty()
    });
    assert_eq!(po(&shown, &old_po)["ack"], "cancelled");
    let found = codes(&shown);
    assert!(
        !found.contains(&"VENDOR_SHIP_LATE".to_string()),
        "{found:?}"
    );
    // Three days on, when tardy would have shipped, it has not.
    let (shown, _) = step(&handle, &deck, &order, TimeDelta::days(4));
    assert!(packages(po(&shown, &old_po)).is_empty());
    assert!(
        trail(&db.url, &order)
            .await
            .iter()
            .any(|e| e.starts_with("reroute-approve ")),
        "{:?}",
        trail(&db.url, &order).await
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_faults_are_retried_and_counted() {
    let handle = simulator_with(|options| {
        options.faults.vendors.server_errors = 0.25;
        options.faults.vendors.too_many_requests = 0.25;
    })
    .await;
    let db = dbs::sqlite().await;
    let deck = Deck::at(&handle, db.url.clone(), "acme", "");
    // A PO refused by a fault is sent again by a later pass, under the
    // same key.
    let mut order = None;
    for _ in 0..6 {
        let _ = deck.run(handle.now(), &["sync", "--once"]);
        if let Some(po) = handle.vendor_pos("acme").first() {
            order = Some(po.trim_end_matches("-ACME-HOME").to_string());
            break;
        }
        handle.advance(TimeDelta::minutes(10));
    }
    let order = order.expect("no PO got through the faults");
    let mut acknowledged = false;
    for _ in 0..6 {
        handle.advance(TimeDelta::hours(1));
        let _ = deck.run(handle.now(), &["sync", "--once"]);
        let shown = deck.show(handle.now(), &order);
        if shown["purchase_orders"][0]["ack"] == "accepted" {
            acknowledged = true;
            break;
        }
    }
    assert!(acknowledged, "the acknowledgement never got through");

    let vendor: Vec<_> = handle
        .exchanges()
        .into_iter()
        .filter(|e| e.endpoint.backend() == Backend::Vendors)
        .collect();
    let count = |status: u16| vendor.iter().filter(|e| e.status == status).count();
    assert!(count(429) > 0, "no 429 drawn: {vendor:?}");
    assert!(vendor.iter().any(|e| e.status >= 500), "no 5xx drawn");
    assert!(count(200) + count(201) > 0);
    for endpoint in [
        Endpoint::VendorAtp,
        Endpoint::VendorPoCreate,
        Endpoint::VendorPo,
    ] {
        let answered = vendor.iter().filter(|e| e.endpoint == endpoint).count() as u64;
        assert!(answered > 0, "{endpoint:?} never asked");
        assert_eq!(handle.requests(endpoint), answered, "{endpoint:?}");
    }
    // A GET that drew a fault was asked again within the same pass: some
    // failure is followed by a success at the same endpoint.
    let retried = vendor.windows(2).any(|pair| {
        pair[0].status >= 429 && pair[1].endpoint == pair[0].endpoint && pair[1].status == 200
    });
    assert!(retried, "{vendor:?}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expedited_reroute_asks_the_new_vendor_to_expedite_and_it_ships_sooner() {
    let handle = simulator().await;
    let db = dbs::sqlite().await;
    let deck = Deck::new(&handle, db.url.clone());
    // Northwind's standard 7 business days from the reroute would miss the
    // order's ship-by; its paid 2-day expedite meets it.
    let config = std::fs::read_to_string(deck.config()).unwrap().replacen(
        "id = \"northwind-supply\"\n",
        "id = \"northwind-supply\"\nexpedite_within_business_days = 2\nexpedite_fee = 35.0\n",
        1,
    );
    std::fs::write(deck.config(), config).unwrap();
    deck.ok(handle.now(), &["sync", "--once"]);
    let old_po = handle.vendor_pos("silent").remove(0);
    let order = old_po.trim_end_matches("-ACME-HOME").to_string();
    let (shown, t1) = step(&handle, &deck, &order, TimeDelta::hours(5));
    let source = &shown["reroutes"][0]["alternates"][0]["sources"][0];
    assert_eq!(source["vendor_id"], "northwind-supply");
    assert_eq!(source["expedite_fee_cents"], 3_500, "{shown}");

    let preview = deck.ok(t1, &["act", &order, "reroute-approve"]);
    assert!(preview.contains("\"expedite\": true"), "{preview}");
    deck.ok(t1, &approve(&order, None));
    let new_po = format!("{old_po}-R-NORTHWIND-SUPPLY");
    let (shown, _) = step(&handle, &deck, &order, TimeDelta::hours(1));
    let sent = po(&shown, &new_po);
    assert_eq!(sent["expedite"], true);
    // Northwind promises within half its usual 3 days.
    let promised = time(&sent["promised_ship_date"]);
    assert!(promised <= t1 + TimeDelta::hours(36), "{sent}");
    let (shown, _) = sync_until(&handle, &deck, &order, TimeDelta::hours(6), 8, |shown| {
        !packages(po(shown, &new_po)).is_empty()
    });
    let shipped_at = time(&packages(po(&shown, &new_po))[0]["shipped_at"]);
    assert!(shipped_at <= promised, "{shown}");
    handle.shutdown().await.unwrap();
}
