//! ShipStation API V1 warehouse bodies through `connectors::read_body`: List
//! Orders and List Shipments pages, bare documents, Pacific time conversion,
//! rejected elements, unsupported shapes and streaming. Payloads are
//! hand-written after the ShipStation V1 documentation.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use chrono::{DateTime, Utc};
use orderdeck::connectors::{read_body, Item, Rejected, Source, WireError};
use orderdeck::domain::{DocumentContent, WarehouseOrder, WarehouseShipment, WarehouseStatus};
use serde_json::{json, Value};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn read(body: &[u8]) -> Result<Vec<Item>, WireError> {
    let mut items = Vec::new();
    let produced = read_body(Source::Warehouse, body, &mut |item| items.push(item))?;
    assert_eq!(produced, items.len());
    Ok(items)
}

fn read_json(body: &Value) -> Vec<Item> {
    read(body.to_string().as_bytes()).unwrap()
}

fn order(item: &Item) -> &WarehouseOrder {
    match item {
        Item::Document(document) => match &document.content {
            DocumentContent::WarehouseOrder(order) => order,
            other => panic!("expected a warehouse order, got {other:?}"),
        },
        Item::Rejected(rejected) => panic!("expected a document, got {rejected:?}"),
    }
}

fn shipment(item: &Item) -> &WarehouseShipment {
    match item {
        Item::Document(document) => match &document.content {
            DocumentContent::WarehouseShipment(shipment) => shipment,
            other => panic!("expected a warehouse shipment, got {other:?}"),
        },
        Item::Rejected(rejected) => panic!("expected a document, got {rejected:?}"),
    }
}

fn rejected(item: &Item) -> &Rejected {
    match item {
        Item::Rejected(rejected) => rejected,
        Item::Document(document) => panic!("expected a rejection, got {document:?}"),
    }
}

fn unsupported(body: &[u8]) -> String {
    match read(body) {
        Err(WireError::UnsupportedShape(message)) => message,
        other => panic!("expected UnsupportedShape, got {other:?}"),
    }
}

/// An order as List Orders returns it (summer dates: PDT, UTC-7).
fn summer_order() -> Value {
    json!({
        "orderId": 123456789,
        "orderNumber": "1001",
        "orderKey": "450789469",
        "orderDate": "2015-06-29T08:46:27.0000000",
        "createDate": "2015-07-16T14:00:34.8230000",
        "modifyDate": "2015-08-17T09:21:59.4430000",
        "paymentDate": "2015-06-29T08:46:27.0000000",
        "shipByDate": "2015-07-05T00:00:00.0000000",
        "orderStatus": "awaiting_shipment",
        "customerId": 37701499,
        "shipTo": {"name": "The President", "country": "US"},
        "items": [
            {"orderItemId": 128836912, "lineItemKey": "vd08-MSLbtx", "sku": "ABC123",
             "name": "Test item #1", "quantity": 2, "adjustment": false},
            {"orderItemId": 128836913, "lineItemKey": null, "sku": "", "name": "Discount",
             "quantity": 1, "adjustment": true}
        ],
        "carrierCode": "fedex",
        "serviceCode": "fedex_2day",
        "holdUntilDate": null,
        "advancedOptions": {"storeId": 12345}
    })
}

#[test]
fn orders_page_with_pacific_daylight_times() {
    let body = json!({"orders": [summer_order()], "total": 1, "page": 1, "pages": 1});
    let items = read_json(&body);
    assert_eq!(items.len(), 1);
    let order = order(&items[0]);
    assert_eq!(order.id, "123456789");
    assert_eq!(order.order_number, "1001");
    assert_eq!(order.order_key.as_deref(), Some("450789469"));
    assert_eq!(order.status, WarehouseStatus::AwaitingShipment);
    // PDT: UTC-7.
    assert_eq!(order.created_at, Some(at("2015-07-16T21:00:34.823Z")));
    assert_eq!(order.modified_at, Some(at("2015-08-17T16:21:59.443Z")));
    assert_eq!(order.ship_by, Some(at("2015-07-05T07:00:00Z")));
    assert_eq!(order.hold_until, None);
    assert_eq!(order.carrier_code.as_deref(), Some("fedex"));
    assert_eq!(order.service_code.as_deref(), Some("fedex_2day"));
    assert_eq!(order.items.len(), 1, "the discount adjustment is not goods");
    assert_eq!(order.items[0].sku.as_deref(), Some("ABC123"));
    assert_eq!(order.items[0].name.as_deref(), Some("Test item #1"));
    assert_eq!(order.items[0].quantity, 2);
}

#[test]
fn winter_dates_are_pacific_standard_time() {
    let body = json!({"orders": [{
        "orderId": 5, "orderNumber": "#1002", "orderKey": "", "orderStatus": "on_hold",
        "orderDate": "2015-01-10T07:00:00.0000000",
        "modifyDate": "2015-01-16 14:00:34",
        "holdUntilDate": "2015-12-24",
        "shipByDate": null,
        "carrierCode": null, "serviceCode": "",
        "items": null
    }], "total": 1, "page": 1, "pages": 1});
    let order = order(&read_json(&body)[0]).clone();
    assert_eq!(order.order_key, None, "an empty orderKey is no key");
    assert_eq!(order.status, WarehouseStatus::OnHold);
    // No createDate: the order date stands in. PST: UTC-8.
    assert_eq!(order.created_at, Some(at("2015-01-10T15:00:00Z")));
    assert_eq!(order.modified_at, Some(at("2015-01-16T22:00:34Z")));
    assert_eq!(order.hold_until, Some(at("2015-12-24T08:00:00Z")));
    assert_eq!(order.ship_by, None);
    assert_eq!(order.carrier_code, None);
    assert_eq!(order.service_code, None);
    assert!(order.items.is_empty());
}

#[test]
fn clock_change_edges_and_explicit_offsets() {
    let body = json!({"orders": [
        // 01:30 happens twice on 2015-11-01; the first (PDT) is taken.
        {"orderId": 1, "orderNumber": "A", "orderStatus": "shipped",
         "createDate": "2015-11-01T01:30:00.0000000"},
        // 02:30 never happens on 2015-03-08; read with PST, as before the jump.
        {"orderId": 2, "orderNumber": "B", "orderStatus": "shipped",
         "createDate": "2015-03-08T02:30:00.0000000"},
        // An explicit offset is taken at its word.
        {"orderId": 3, "orderNumber": "C", "orderStatus": "shipped",
         "createDate": "2015-06-29T08:46:27Z", "modifyDate": "2015-06-29T08:46:27-04:00"}
    ]});
    let items = read_json(&body);
    assert_eq!(
        order(&items[0]).created_at,
        Some(at("2015-11-01T08:30:00Z"))
    );
    assert_eq!(
        order(&items[1]).created_at,
        Some(at("2015-03-08T10:30:00Z"))
    );
    assert_eq!(
        order(&items[2]).created_at,
        Some(at("2015-06-29T08:46:27Z"))
    );
    assert_eq!(
        order(&items[2]).modified_at,
        Some(at("2015-06-29T12:46:27Z"))
    );
}

#[test]
fn shipments_page() {
    let body = json!({"shipments": [
        {"shipmentId": 33974374, "orderId": 43945660, "orderKey": "8061c220f0794a9b92460b8bae6837e4",
         "userId": "123456AB-ab12-3c4d-5e67-89f1abc1defa", "orderNumber": "100038-1",
         "createDate": "2014-10-03T06:51:33.6270000", "shipDate": "2014-10-03",
         "shipmentCost": 1.93, "trackingNumber": "9400111899561704681189",
         "isReturnLabel": false, "carrierCode": "stamps_com",
         "serviceCode": "usps_first_class_mail", "voided": false, "voidDate": null,
         "shipmentItems": null},
        {"shipmentId": "33974375", "orderId": null, "orderKey": null, "orderNumber": 1003,
         "createDate": null, "shipDate": "2014-12-03", "trackingNumber": "",
         "voided": true, "voidDate": "2014-12-04T10:00:00.0000000",
         "shipmentItems": [{"orderItemId": 1, "sku": "MUG-1", "name": "Mug", "quantity": 3}]}
    ], "total": 2, "page": 1, "pages": 1});
    let items = read_json(&body);
    assert_eq!(items.len(), 2);

    let first = shipment(&items[0]);
    assert_eq!(first.id, "33974374");
    assert_eq!(first.order_id.as_deref(), Some("43945660"));
    assert_eq!(
        first.order_key.as_deref(),
        Some("8061c220f0794a9b92460b8bae6837e4")
    );
    assert_eq!(first.order_number, "100038-1");
    // createDate, PDT.
    assert_eq!(first.shipped_at, at("2014-10-03T13:51:33.627Z"));
    assert_eq!(
        first.tracking_number.as_deref(),
        Some("9400111899561704681189")
    );
    assert_eq!(first.carrier_code.as_deref(), Some("stamps_com"));
    assert_eq!(first.service_code.as_deref(), Some("usps_first_class_mail"));
    assert!(!first.voided);
    assert!(
        first.items.is_empty(),
        "shipmentItems null: covers the order"
    );

    let second = shipment(&items[1]);
    assert_eq!(second.id, "33974375");
    assert_eq!(second.order_id, None);
    assert_eq!(second.order_key, None);
    assert_eq!(second.order_number, "1003");
    // No createDate: the start of shipDate, PST.
    assert_eq!(second.shipped_at, at("2014-12-03T08:00:00Z"));
    assert_eq!(second.tracking_number, None);
    assert!(second.voided);
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].quantity, 3);
}

#[test]
fn bare_order_and_bare_shipment() {
    let items = read_json(&summer_order());
    assert_eq!(order(&items[0]).id, "123456789");
    assert_eq!(
        serde_json::from_str::<Value>(match &items[0] {
            Item::Document(document) => &document.raw,
            Item::Rejected(_) => unreachable!(),
        })
        .unwrap(),
        summer_order()
    );

    // A shipment also has orderId; shipmentId decides.
    let items = read_json(&json!({
        "shipmentId": 9, "orderId": 123456789, "orderNumber": "1001",
        "createDate": "2015-07-20T10:00:00.0000000"
    }));
    let shipment = shipment(&items[0]);
    assert_eq!(shipment.id, "9");
    assert_eq!(shipment.shipped_at, at("2015-07-20T17:00:00Z"));
}

#[test]
fn broken_elements_are_rejected_by_name_and_the_page_goes_on() {
    let mut missing_status = summer_order();
    missing_status
        .as_object_mut()
        .unwrap()
        .remove("orderStatus");
    let body = json!({"orders": [
        summer_order(),
        missing_status,
        {"orderId": 7, "orderNumber": "1007", "orderStatus": "shipped", "modifyDate": "last tuesday"},
        {"orderId": 8, "orderNumber": "1008", "orderStatus": "shipped",
         "items": [{"sku": "A", "quantity": null}]},
        summer_order()
    ], "total": 5, "page": 1, "pages": 1});
    let items = read_json(&body);
    assert_eq!(items.len(), 5);
    assert_eq!(order(&items[0]).order_number, "1001");
    assert_eq!(order(&items[4]).order_number, "1001");

    let status = rejected(&items[1]);
    assert_eq!(status.order.as_deref(), Some("1001"));
    assert_eq!(
        status.reason,
        "order 1001 (orderId 123456789): missing field `orderStatus`"
    );
    let date = rejected(&items[2]);
    assert!(
        date.reason
            .starts_with("order 1007 (orderId 7): modifyDate: invalid date \"last tuesday\""),
        "{}",
        date.reason
    );
    let quantity = rejected(&items[3]);
    assert!(
        quantity
            .reason
            .starts_with("order 1008 (orderId 8): items[0].quantity: invalid type: null"),
        "{}",
        quantity.reason
    );

    let body = json!({"shipments": [
        {"shipmentId": 1, "orderNumber": "1001", "orderKey": "450789469"},
        {"orderNumber": "1002", "createDate": "2015-07-20T10:00:00.0000000"}
    ]});
    let items = read_json(&body);
    let no_date = rejected(&items[0]);
    assert_eq!(no_date.order.as_deref(), Some("1001"));
    assert_eq!(
        no_date.reason,
        "shipment 1 (order 1001): neither `createDate` nor `shipDate` is set"
    );
    assert_eq!(
        rejected(&items[1]).reason,
        "shipment of order 1002: missing field `shipmentId`"
    );
}

#[test]
fn invalid_json_is_a_syntax_error() {
    for body in [
        &br#"{"orders": [{"orderId": 1"#[..],
        br#"{"orders": [], "total": 0,}"#,
        b"<html>502 Bad Gateway</html>",
    ] {
        assert!(
            matches!(read(body), Err(WireError::Syntax(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn other_shapes_are_unsupported() {
    let message = unsupported(br#"{"fulfillments": [], "total": 0, "page": 1, "pages": 0}"#);
    assert!(message.contains("warehouse"), "{message}");
    assert!(message.contains("`fulfillments`"), "{message}");
    assert!(message.contains("`total`"), "{message}");
    assert!(
        message.contains(r#"{"shipments": [...]"#),
        "names what is accepted: {message}"
    );

    // A Shopify order sent as a warehouse payload.
    let message = unsupported(
        br##"{"order": {"id": 1, "name": "#1", "created_at": "2024-05-02T09:15:00Z", "line_items": []}}"##,
    );
    assert!(message.contains("`order`"), "{message}");

    let message = unsupported(br#"[{"orderId": 1, "orderNumber": "1", "orderStatus": "shipped"}]"#);
    assert!(message.contains("bare JSON array"), "{message}");
    // Shopify's orders list also sits under `orders`: refused as a whole.
    let message = unsupported(
        br##"{"orders": [{"id": 1, "name": "#1", "created_at": "2024-05-02T09:15:00Z", "line_items": []}]}"##,
    );
    assert!(message.contains("`orderId`, `orderNumber`"), "{message}");
    assert!(unsupported(b"42").contains("warehouse body"));
    assert!(unsupported(br#"{"shipments": "none"}"#).contains("`shipments`"));
}

/// Serves a List Shipments body of `total` generated shipments, one small
/// piece at a time.
struct GeneratedShipments {
    total: usize,
    emitted: usize,
    stage: Stage,
    pending: Vec<u8>,
    position: usize,
}

enum Stage {
    Opening,
    Shipments,
    Done,
}

impl GeneratedShipments {
    fn new(total: usize) -> Self {
        GeneratedShipments {
            total,
            emitted: 0,
            stage: Stage::Opening,
            pending: Vec::new(),
            position: 0,
        }
    }

    fn refill(&mut self) {
        self.position = 0;
        self.pending = match self.stage {
            Stage::Opening => {
                self.stage = Stage::Shipments;
                br#"{"shipments":["#.to_vec()
            }
            Stage::Shipments if self.emitted < self.total => {
                let n = self.emitted;
                self.emitted += 1;
                let separator = if n > 0 { "," } else { "" };
                format!(
                    r#"{separator}{{"shipmentId":{n},"orderId":{n},"orderNumber":"{n}","createDate":"2015-07-20T10:00:00.0000000","trackingNumber":"1Z{n}","voided":false,"shipmentItems":null}}"#
                )
                .into_bytes()
            }
            Stage::Shipments => {
                self.stage = Stage::Done;
                format!(r#"],"total":{},"page":1,"pages":1}}"#, self.total).into_bytes()
            }
            Stage::Done => Vec::new(),
        };
    }
}

impl Read for GeneratedShipments {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.position == self.pending.len() {
            self.refill();
        }
        let rest = &self.pending[self.position..];
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.position += n;
        Ok(n)
    }
}

#[test]
fn a_large_shipments_page_is_streamed() {
    const COUNT: usize = 20_000;
    let mut seen = 0usize;
    let produced = read_body(
        Source::Warehouse,
        GeneratedShipments::new(COUNT),
        &mut |item| {
            let shipment = shipment(&item);
            assert_eq!(shipment.id, seen.to_string());
            assert_eq!(shipment.shipped_at, at("2015-07-20T17:00:00Z"));
            seen += 1;
        },
    )
    .unwrap();
    assert_eq!(produced, COUNT);
    assert_eq!(seen, COUNT);
}
