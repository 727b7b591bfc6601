//! The real public sample payloads in `../shared/fixtures` (see its
//! PROVENANCE.md) through `connectors::read_body`, each asserted for what it
//! shows. Skipped, with the reason printed, when that folder is absent.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use orderdeck::connectors::{read_body, Item, Source, WireError};
use orderdeck::domain::{DocumentContent, FinancialStatus, FulfillmentStatus};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn fixtures(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} does not exist (the shared fixtures sit beside the repository)",
            dir.display()
        );
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn read(source: Source, path: &Path) -> Result<Vec<Item>, WireError> {
    let mut items = Vec::new();
    let produced = read_body(source, File::open(path).unwrap(), &mut |item| {
        items.push(item)
    })?;
    assert_eq!(produced, items.len());
    Ok(items)
}

fn assert_unsupported_naming(result: Result<Vec<Item>, WireError>, key: &str, file: &str) {
    match result {
        Err(WireError::UnsupportedShape(message)) => {
            assert!(
                message.contains(&format!("`{key}`")),
                "{file}: the message should name `{key}`: {message}"
            );
        }
        other => panic!("{file}: expected UnsupportedShape naming `{key}`, got {other:?}"),
    }
}

#[test]
fn every_shopify_fixture_reads_as_it_shows() {
    let Some(dir) = fixtures("shopify") else {
        return;
    };
    let mut checked = BTreeSet::new();
    for path in files(&dir) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = read(Source::Storefront, &path);
        match file.as_str() {
            "order-authorized-fulfillment-failed.json" => {
                let items = result.unwrap();
                assert_eq!(items.len(), 1, "{file}");
                let Item::Document(document) = &items[0] else {
                    panic!("{file}: {:?}", items[0]);
                };
                let DocumentContent::StorefrontOrder(order) = &document.content else {
                    panic!("{file}: {:?}", document.content);
                };
                assert_eq!(order.name, "#1001");
                assert_eq!(order.id, "450789469");
                assert_eq!(order.created_at, at("2008-01-10T16:00:00Z"));
                assert_eq!(order.financial_status, FinancialStatus::Authorized);
                assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
                assert_eq!(order.customer_name.as_deref(), Some("Bob Norman"));
                assert_eq!(order.email.as_deref(), Some("bob.norman@hostmail.com"));
                assert_eq!(order.shipping_method.as_deref(), Some("Free Shipping"));
                assert!(order.tags.is_empty());
                // The one fulfilment failed, so it took nothing: every line
                // is still owed.
                assert_eq!(order.fulfillments.len(), 1);
                let fulfillment = &order.fulfillments[0];
                assert_eq!(fulfillment.id, "255858046");
                assert_eq!(fulfillment.status, "failure");
                assert!(!fulfillment.is_effective());
                assert_eq!(fulfillment.tracking_numbers, vec!["1Z2345"]);
                assert_eq!(fulfillment.lines.len(), 1);
                assert_eq!(fulfillment.lines[0].line_id, "466157049");
                let lines: Vec<(&str, Option<&str>, u32, u32)> = order
                    .lines
                    .iter()
                    .map(|l| (l.id.as_str(), l.sku.as_deref(), l.quantity, l.owed))
                    .collect();
                assert_eq!(
                    lines,
                    vec![
                        ("466157049", Some("IPOD2008GREEN"), 1, 1),
                        ("518995019", Some("IPOD2008RED"), 1, 1),
                        ("703073504", Some("IPOD2008BLACK"), 1, 1),
                    ]
                );
                assert_eq!(order.owed_quantity(), 3);
            }
            "orders-list-partially-refunded.json" => {
                // A trimmed sample: no `line_items`, so nothing is known to be
                // owed, but its payment state is.
                let items = result.unwrap();
                assert_eq!(items.len(), 1, "{file}");
                let Item::Document(document) = &items[0] else {
                    panic!("{file}: {:?}", items[0]);
                };
                let DocumentContent::StorefrontOrder(order) = &document.content else {
                    panic!("{file}: {:?}", document.content);
                };
                assert_eq!(order.id, "450789469");
                assert_eq!(order.name, "#1001");
                assert_eq!(order.financial_status, FinancialStatus::PartiallyRefunded);
                assert!(order.lines.is_empty());
                assert_eq!(order.owed_quantity(), 0);
            }
            "fulfillment-orders-two-open.json" => {
                let items = result.unwrap();
                assert_eq!(items.len(), 1, "{file}");
                let Item::Document(document) = &items[0] else {
                    panic!("{file}: {:?}", items[0]);
                };
                let DocumentContent::FulfillmentOrders {
                    order_id,
                    fulfillment_orders,
                } = &document.content
                else {
                    panic!("{file}: {:?}", document.content);
                };
                assert_eq!(order_id, "450789469");
                assert_eq!(fulfillment_orders.len(), 2);
                let summary: Vec<(&str, &str, Option<&str>, Option<&str>)> = fulfillment_orders
                    .iter()
                    .map(|f| {
                        (
                            f.id.as_str(),
                            f.status.as_str(),
                            f.request_status.as_deref(),
                            f.service_handle.as_deref(),
                        )
                    })
                    .collect();
                assert_eq!(
                    summary,
                    vec![
                        ("519788021", "open", Some("unsubmitted"), Some("shipwire")),
                        ("519788022", "open", Some("unsubmitted"), Some("manual")),
                    ]
                );
                for fulfillment_order in fulfillment_orders {
                    assert_eq!(fulfillment_order.order_id, "450789469");
                    assert!(fulfillment_order.holds.is_empty());
                    assert_eq!(fulfillment_order.fulfill_at, None);
                    assert_eq!(
                        fulfillment_order.updated_at,
                        Some(at("2016-07-12T15:23:42Z"))
                    );
                    assert_eq!(fulfillment_order.lines.len(), 1);
                    assert_eq!(fulfillment_order.lines[0].line_id, "466157049");
                    assert_eq!(fulfillment_order.lines[0].quantity, 1);
                }
            }
            "fulfillment-pending-with-tracking.json" => {
                assert_unsupported_naming(result, "fulfillment", &file)
            }
            "fulfillment-event-label-printed.json" => {
                assert_unsupported_naming(result, "fulfillment_event", &file)
            }
            "transaction-authorization.json" => {
                assert_unsupported_naming(result, "transaction", &file)
            }
            "tender-transactions-list.json" => {
                assert_unsupported_naming(result, "tender_transactions", &file)
            }
            "refund-calculate-suggested.json" => assert_unsupported_naming(result, "refund", &file),
            other => panic!("no expectation for fixture shopify/{other}: add one here"),
        }
        checked.insert(file);
    }
    assert_eq!(checked.len(), 8, "checked: {checked:?}");
}

#[test]
fn shopify_fixtures_are_never_read_as_warehouse_documents() {
    let Some(dir) = fixtures("shopify") else {
        return;
    };
    for path in files(&dir) {
        let result = read(Source::Warehouse, &path);
        assert!(
            matches!(result, Err(WireError::UnsupportedShape(_))),
            "{}: {result:?}",
            path.display()
        );
    }
}

/// Another platform's orders are not Shopify orders with fields missing:
/// the whole body is refused, not loaded as rejected orders.
#[test]
fn woocommerce_fixtures_are_not_storefront_shapes() {
    let Some(dir) = fixtures("woocommerce") else {
        return;
    };
    for path in files(&dir) {
        let result = read(Source::Storefront, &path);
        assert!(
            matches!(result, Err(WireError::UnsupportedShape(_))),
            "{}: {result:?}",
            path.display()
        );
    }
}
