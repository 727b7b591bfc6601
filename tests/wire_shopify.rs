//! Shopify storefront bodies through `connectors::read_body`: every accepted
//! shape, what is owed, holds, timestamps, rejected elements, unsupported
//! shapes and streaming. Payloads are hand-written after Shopify's REST Admin
//! Order and FulfillmentOrder resource documentation.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use orderdeck::connectors::{read_body, Document, Item, Rejected, Source, WireError};
use orderdeck::domain::{
    DocumentContent, FinancialStatus, FulfillmentOrder, FulfillmentStatus, StorefrontOrder,
};
use serde_json::{json, Value};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn read(body: &[u8]) -> Result<Vec<Item>, WireError> {
    let mut items = Vec::new();
    let produced = read_body(Source::Storefront, body, &mut |item| items.push(item))?;
    assert_eq!(
        produced,
        items.len(),
        "the count returned is the items produced"
    );
    Ok(items)
}

fn read_json(body: &Value) -> Vec<Item> {
    read(body.to_string().as_bytes()).unwrap()
}

fn document(item: &Item) -> &Document {
    match item {
        Item::Document(document) => document,
        Item::Rejected(rejected) => panic!("expected a document, got {rejected:?}"),
    }
}

fn rejected(item: &Item) -> &Rejected {
    match item {
        Item::Rejected(rejected) => rejected,
        Item::Document(document) => panic!("expected a rejection, got {document:?}"),
    }
}

fn order(item: &Item) -> &StorefrontOrder {
    match &document(item).content {
        DocumentContent::StorefrontOrder(order) => order,
        other => panic!("expected a storefront order, got {other:?}"),
    }
}

fn fulfillment_orders(item: &Item) -> (&str, &[FulfillmentOrder]) {
    match &document(item).content {
        DocumentContent::FulfillmentOrders {
            order_id,
            fulfillment_orders,
        } => (order_id, fulfillment_orders),
        other => panic!("expected fulfillment orders, got {other:?}"),
    }
}

fn unsupported(body: &[u8]) -> String {
    match read(body) {
        Err(WireError::UnsupportedShape(message)) => message,
        other => panic!("expected UnsupportedShape, got {other:?}"),
    }
}

/// A minimal REST order: one line of `quantity`, nothing fulfilled.
fn minimal_order(id: u64, name: &str, quantity: u32) -> Value {
    json!({
        "id": id,
        "name": name,
        "created_at": "2024-05-02T09:15:00-04:00",
        "financial_status": "paid",
        "fulfillment_status": null,
        "line_items": [{"id": id * 10, "quantity": quantity, "title": "Mug", "sku": "MUG-1"}]
    })
}

#[test]
fn orders_list_streams_each_order_and_keeps_its_exact_json() {
    // Whitespace and key order inside an element survive as the raw snapshot.
    let first = r##"{ "id": 1001,  "name": "#1001", "created_at": "2024-05-02T09:15:00-04:00", "line_items": [] }"##;
    let body = format!(
        r##"{{"orders": [{first}, {second}], "next_page_info": "abc"}}"##,
        second = minimal_order(1002, "#1002", 1)
    );
    let items = read(body.as_bytes()).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(document(&items[0]).raw, first);
    assert_eq!(order(&items[0]).name, "#1001");
    assert_eq!(order(&items[0]).id, "1001");
    assert_eq!(order(&items[1]).name, "#1002");
    assert_eq!(
        serde_json::from_str::<Value>(&document(&items[1]).raw).unwrap(),
        minimal_order(1002, "#1002", 1)
    );
}

#[test]
fn other_top_level_keys_before_the_list_are_ignored() {
    let items = read_json(&json!({"count": 1, "orders": [minimal_order(7, "#7", 1)]}));
    assert_eq!(items.len(), 1);
    assert_eq!(order(&items[0]).name, "#7");
}

#[test]
fn single_order_envelope() {
    let items = read_json(&json!({"order": minimal_order(450789469, "#1001", 2)}));
    assert_eq!(items.len(), 1);
    let order = order(&items[0]);
    assert_eq!(order.id, "450789469");
    assert_eq!(order.financial_status, FinancialStatus::Paid);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(order.lines[0].owed, 2);
}

#[test]
fn bare_webhook_order_is_read_from_its_top_level_keys() {
    let body = minimal_order(820982911946154508, "#9999", 3);
    let items = read_json(&body);
    assert_eq!(items.len(), 1);
    let order = order(&items[0]);
    assert_eq!(order.id, "820982911946154508");
    assert_eq!(order.name, "#9999");
    assert_eq!(order.lines[0].id, "8209829119461545080");
    assert_eq!(
        serde_json::from_str::<Value>(&document(&items[0]).raw).unwrap(),
        body,
        "the rebuilt raw snapshot is the same JSON"
    );
}

#[test]
fn ids_may_be_strings() {
    let items = read_json(&json!({"order": {
        "id": "gid://shopify/Order/5", "name": "#5", "created_at": "2024-05-02T09:15:00Z",
        "line_items": [{"id": "gid://shopify/LineItem/50", "quantity": 1}]
    }}));
    let order = order(&items[0]);
    assert_eq!(order.id, "gid://shopify/Order/5");
    assert_eq!(order.lines[0].id, "gid://shopify/LineItem/50");
    assert_eq!(
        order.financial_status,
        FinancialStatus::Other("unknown".into())
    );
    assert!(order.lines[0].requires_shipping);
}

#[test]
fn owed_falls_back_to_effective_fulfilments_and_refunds() {
    let body = json!({"order": {
        "id": 1, "name": "#1", "created_at": "2024-05-02T09:15:00-04:00",
        "financial_status": "partially_refunded", "fulfillment_status": "partial",
        "line_items": [
            // 5 ordered; 1 shipped (success), 1 open, 2 in a failed and a
            // cancelled fulfilment (still owed), 1 refunded: 2 owed.
            {"id": 11, "quantity": 5, "fulfillment_status": "partial"},
            // fulfillable_quantity wins over the computation.
            {"id": 12, "quantity": 2, "fulfillable_quantity": 2},
            // Marked fulfilled: nothing owed whatever the numbers say.
            {"id": 13, "quantity": 4, "fulfillment_status": "fulfilled"},
            // Refunded more than ordered: floor at zero.
            {"id": 14, "quantity": 1},
            // Pending fulfilment counts as taken.
            {"id": 15, "quantity": 3}
        ],
        "fulfillments": [
            {"id": 901, "status": "success", "created_at": "2024-05-03T10:00:00-04:00",
             "tracking_numbers": ["1Z999", "1Z998"], "tracking_number": "ignored",
             "line_items": [{"id": 11, "quantity": 1}, {"id": 12, "quantity": 2}]},
            {"id": 902, "status": "open", "created_at": "2024-05-03T11:00:00-04:00",
             "line_items": [{"id": 11, "quantity": 1}]},
            {"id": 903, "status": "failure", "created_at": "2024-05-03T12:00:00-04:00",
             "line_items": [{"id": 11, "quantity": 1}]},
            {"id": 904, "status": "cancelled", "created_at": "2024-05-03T13:00:00-04:00",
             "tracking_number": "9400", "line_items": [{"id": 11, "quantity": 1}]},
            {"id": 905, "status": "pending", "created_at": "2024-05-03T14:00:00-04:00",
             "tracking_numbers": [], "line_items": [{"id": 15, "quantity": 2}]}
        ],
        "refunds": [
            {"id": 801, "created_at": "2024-05-04T10:00:00-04:00",
             "refund_line_items": [{"id": 1, "line_item_id": 11, "quantity": 1},
                                   {"id": 2, "line_item_id": 14, "quantity": 2}]}
        ]
    }});
    let items = read_json(&body);
    let order = order(&items[0]);
    let owed: Vec<(&str, u32)> = order
        .lines
        .iter()
        .map(|l| (l.id.as_str(), l.owed))
        .collect();
    assert_eq!(
        owed,
        vec![("11", 2), ("12", 2), ("13", 0), ("14", 0), ("15", 1)]
    );
    assert_eq!(order.owed_quantity(), 5);
    assert_eq!(order.financial_status, FinancialStatus::PartiallyRefunded);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Partial);

    assert_eq!(order.fulfillments.len(), 5);
    assert_eq!(
        order.fulfillments[0].tracking_numbers,
        vec!["1Z999", "1Z998"]
    );
    assert_eq!(order.fulfillments[0].created_at, at("2024-05-03T14:00:00Z"));
    assert_eq!(order.fulfillments[3].tracking_numbers, vec!["9400"]);
    assert!(order.fulfillments[4].tracking_numbers.is_empty());
    assert!(!order.fulfillments[2].is_effective());
    assert_eq!(order.refunds.len(), 1);
    assert_eq!(order.refunds[0].id, "801");
    assert_eq!(order.refunds[0].lines[1].line_id, "14");
    assert_eq!(order.refunds[0].lines[1].quantity, 2);
}

#[test]
fn order_fields_tags_customer_shipping_and_timestamps() {
    let body = json!({"order": {
        "id": 77, "name": "#1077",
        // PST offset, and a UTC "Z" form.
        "created_at": "2024-03-09T17:30:00-08:00",
        "updated_at": "2024-03-10T12:00:00Z",
        "cancelled_at": "2024-03-11T08:00:00+01:00",
        "cancel_reason": "customer",
        "closed_at": null,
        "financial_status": "voided",
        "fulfillment_status": null,
        "tags": " vip, replacement-of:#1001 ,,wholesale ",
        "email": "",
        "contact_email": "ada@example.com",
        "customer": {"first_name": null, "last_name": null},
        "shipping_address": {"name": "Ada Lovelace", "first_name": "Ada"},
        "shipping_lines": [{"code": null, "title": "Express"}, {"code": "standard", "title": "Standard"}],
        "note": "  leave at door ",
        "line_items": [{"id": 1, "quantity": 1, "name": "Mug - Blue", "sku": "",
                        "vendor": "Acme", "fulfillment_service": "acme-dropship",
                        "requires_shipping": false}]
    }});
    let items = read_json(&body);
    let order = order(&items[0]);
    assert_eq!(order.created_at, at("2024-03-10T01:30:00Z"));
    assert_eq!(order.updated_at, Some(at("2024-03-10T12:00:00Z")));
    assert_eq!(order.cancelled_at, Some(at("2024-03-11T07:00:00Z")));
    assert_eq!(order.cancel_reason.as_deref(), Some("customer"));
    assert_eq!(order.closed_at, None);
    assert_eq!(order.financial_status, FinancialStatus::Voided);
    assert_eq!(order.tags, vec!["vip", "replacement-of:#1001", "wholesale"]);
    assert_eq!(order.replaces(), Some("#1001"));
    assert_eq!(order.email.as_deref(), Some("ada@example.com"));
    assert_eq!(order.customer_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(order.shipping_method.as_deref(), Some("Express"));
    assert_eq!(order.note.as_deref(), Some("leave at door"));
    let line = &order.lines[0];
    assert_eq!(line.title, "Mug - Blue");
    assert_eq!(line.sku, None);
    assert_eq!(line.vendor.as_deref(), Some("Acme"));
    assert_eq!(line.fulfillment_service.as_deref(), Some("acme-dropship"));
    assert!(!line.requires_shipping);
    assert_eq!(
        order.owed_quantity(),
        0,
        "lines that need no shipping owe no goods"
    );
}

#[test]
fn customer_name_and_shipping_code_win_when_present() {
    let body = json!({"order": {
        "id": 78, "name": "#1078", "created_at": "2024-03-09T17:30:00-08:00",
        "tags": ["a", "b, c"],
        "customer": {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
        "shipping_address": {"name": "Someone Else"},
        "shipping_lines": [{"code": "FEDEX_2_DAY", "title": "FedEx 2Day"}],
        "line_items": []
    }});
    let order = order(&read_json(&body)[0]).clone();
    assert_eq!(order.customer_name.as_deref(), Some("Grace Hopper"));
    assert_eq!(order.email.as_deref(), Some("grace@example.com"));
    assert_eq!(order.shipping_method.as_deref(), Some("FEDEX_2_DAY"));
    assert_eq!(order.tags, vec!["a", "b", "c"]);
}

#[test]
fn element_missing_created_at_is_rejected_and_the_stream_goes_on() {
    let mut broken = minimal_order(1002000, "#1002", 1);
    broken.as_object_mut().unwrap().remove("created_at");
    let body = json!({"orders": [
        minimal_order(1001000, "#1001", 1),
        broken,
        minimal_order(1003000, "#1003", 1)
    ]});
    let items = read_json(&body);
    assert_eq!(items.len(), 3);
    assert_eq!(order(&items[0]).name, "#1001");
    assert_eq!(order(&items[2]).name, "#1003");
    let rejected = rejected(&items[1]);
    assert_eq!(rejected.order.as_deref(), Some("#1002"));
    assert!(rejected.reason.contains("#1002"), "{}", rejected.reason);
    assert!(rejected.reason.contains("1002000"), "{}", rejected.reason);
    assert!(
        rejected.reason.contains("`created_at`"),
        "{}",
        rejected.reason
    );
    assert_eq!(
        rejected.reason,
        "order #1002 (id 1002000): missing field `created_at`"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&rejected.raw).unwrap(),
        body["orders"][1]
    );
    let documents = items
        .iter()
        .filter(|i| matches!(i, Item::Document(_)))
        .count();
    assert_eq!(documents, 2);
}

#[test]
fn wrong_types_and_bad_timestamps_name_the_field() {
    let body = json!({"orders": [
        {"id": 1, "name": "#1", "created_at": "2024-05-02T09:15:00Z",
         "line_items": [{"id": 10, "quantity": 1}, {"id": 11, "quantity": "two"}]},
        {"id": 2, "name": "#2", "created_at": "yesterday", "line_items": []},
        {"id": 3, "created_at": "2024-05-02T09:15:00Z", "line_items": []},
        {"name": 4, "created_at": "2024-05-02T09:15:00Z", "line_items": [{"quantity": 1}]},
        "not an order",
        {"id": 6, "name": "#6", "created_at": "2024-05-02T09:15:00Z",
         "line_items": [{"id": 60, "quantity": -1}]}
    ]});
    let items = read_json(&body);
    let reasons: Vec<&str> = items.iter().map(|i| rejected(i).reason.as_str()).collect();
    assert!(
        reasons[0]
            .starts_with("order #1 (id 1): line_items[1].quantity: invalid type: string \"two\""),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[1].starts_with("order #2 (id 2): created_at: invalid timestamp \"yesterday\""),
        "{}",
        reasons[1]
    );
    assert_eq!(reasons[2], "order id 3: missing field `name`");
    assert!(reasons[3].starts_with("order 4: "), "{}", reasons[3]);
    assert!(
        reasons[4].starts_with("order (no name or id): invalid type: string"),
        "{}",
        reasons[4]
    );
    assert!(
        reasons[5].contains("line_items[0].quantity"),
        "{}",
        reasons[5]
    );
    assert_eq!(rejected(&items[2]).order.as_deref(), Some("3"));
    assert_eq!(rejected(&items[4]).order, None);
}

#[test]
fn fulfillment_orders_are_grouped_per_order_with_holds_and_schedules() {
    let body = json!({"fulfillment_orders": [
        {"id": 1046000794, "order_id": 450789469, "status": "on_hold",
         "request_status": "unsubmitted", "fulfill_at": null,
         "updated_at": "2024-05-02T10:00:00-04:00",
         "fulfillment_holds": [
             {"reason": "inventory_out_of_stock", "reason_notes": "Not enough inventory."},
             {"reason": "HIGH_RISK_OF_FRAUD", "reason_notes": "", "held_at": "2024-05-02T11:00:00-04:00"}
         ],
         "line_items": [{"id": 1, "line_item_id": 518995019, "quantity": 3, "fulfillable_quantity": 2}]},
        {"id": 1046000795, "order_id": 450789470, "status": "scheduled",
         "request_status": "unsubmitted", "fulfill_at": "2024-06-01T09:00:00-04:00",
         "fulfillment_holds": [], "line_items": [{"line_item_id": 1, "quantity": 1}]},
        {"id": 1046000796, "status": "open"},
        {"id": 1046000797, "order_id": 450789469, "status": "CLOSED",
         "request_status": "ACCEPTED", "fulfill_at": "2024-06-02",
         "updated_at": "2024-05-03T10:00:00-04:00",
         "fulfillment_order_line_items": [{"line_item_id": 703073504, "quantity": 1}]}
    ]});
    let items = read_json(&body);
    assert_eq!(items.len(), 3);

    let (order_id, first) = fulfillment_orders(&items[0]);
    assert_eq!(order_id, "450789469");
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].id, "1046000794");
    assert_eq!(first[0].status, "on_hold");
    assert_eq!(first[0].request_status.as_deref(), Some("unsubmitted"));
    assert_eq!(first[0].holds.len(), 2);
    assert_eq!(first[0].holds[0].reason, "inventory_out_of_stock");
    assert_eq!(
        first[0].holds[0].reason_notes.as_deref(),
        Some("Not enough inventory.")
    );
    assert_eq!(first[0].holds[0].held_since, None);
    assert_eq!(first[0].holds[1].reason, "high_risk_of_fraud");
    assert_eq!(first[0].holds[1].reason_notes, None);
    assert_eq!(
        first[0].holds[1].held_since,
        Some(at("2024-05-02T15:00:00Z"))
    );
    assert_eq!(first[0].lines[0].line_id, "518995019");
    assert_eq!(first[0].lines[0].quantity, 2, "what is still to fulfil");
    assert_eq!(first[1].status, "closed");
    assert_eq!(first[1].request_status.as_deref(), Some("accepted"));
    assert_eq!(first[1].fulfill_at, Some(at("2024-06-02T00:00:00Z")));
    assert_eq!(first[1].lines[0].line_id, "703073504");
    assert_eq!(first[1].updated_at, Some(at("2024-05-03T14:00:00Z")));
    assert_eq!(
        serde_json::from_str::<Value>(&document(&items[0]).raw).unwrap(),
        json!([body["fulfillment_orders"][0], body["fulfillment_orders"][3]])
    );

    let (order_id, second) = fulfillment_orders(&items[1]);
    assert_eq!(order_id, "450789470");
    assert_eq!(second[0].status, "scheduled");
    assert_eq!(second[0].fulfill_at, Some(at("2024-06-01T13:00:00Z")));
    assert!(second[0].holds.is_empty());

    let rejected = rejected(&items[2]);
    assert_eq!(rejected.order, None);
    assert_eq!(
        rejected.reason,
        "fulfillment order 1046000796: missing field `order_id`"
    );
}

#[test]
fn bare_array_of_fulfillment_orders() {
    let body = json!([
        {"id": 1, "order_id": 9, "status": "open", "request_status": "unsubmitted",
         "fulfillment_order_line_items": [{"line_item_id": 90, "quantity": 1}]},
        {"id": 2, "order_id": 9, "status": "open", "request_status": "submitted", "line_items": []}
    ]);
    let items = read_json(&body);
    assert_eq!(items.len(), 1);
    let (order_id, all) = fulfillment_orders(&items[0]);
    assert_eq!(order_id, "9");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].request_status.as_deref(), Some("submitted"));
    assert!(read(b"[]").unwrap().is_empty());
    assert!(read(br#"{"fulfillment_orders": []}"#).unwrap().is_empty());
    assert!(read(br#"{"orders": null}"#).unwrap().is_empty());
}

#[test]
fn invalid_json_is_a_syntax_error() {
    for body in [
        &b""[..],
        b"not json",
        br#"{"orders": [{"id": 1,}]}"#,
        br##"{"orders": [{"id": 1, "name": "#1"}"##,
        br#"{"orders": []} trailing"#,
    ] {
        match read(body) {
            Err(WireError::Syntax(_)) => {}
            other => panic!(
                "{:?}: expected a syntax error, got {other:?}",
                String::from_utf8_lossy(body)
            ),
        }
    }
}

#[test]
fn other_shopify_resources_are_unsupported_shapes_named_by_key() {
    for (body, key) in [
        (
            json!({"fulfillment": {"id": 1, "order_id": 2, "status": "success", "line_items": []}}),
            "`fulfillment`",
        ),
        (
            json!({"transaction": {"id": 1, "order_id": 2, "kind": "sale"}}),
            "`transaction`",
        ),
        (
            json!({"refund": {"refund_line_items": [], "transactions": []}}),
            "`refund`",
        ),
        (
            json!({"tender_transactions": [{"id": 1, "order_id": 2}]}),
            "`tender_transactions`",
        ),
        (
            json!({"fulfillment_event": {"id": 1, "status": "label_printed"}}),
            "`fulfillment_event`",
        ),
    ] {
        let message = unsupported(body.to_string().as_bytes());
        assert!(message.contains(key), "{message}");
        assert!(message.contains("storefront"), "{message}");
        assert!(
            message.contains("fulfillment_orders"),
            "names what is accepted: {message}"
        );
    }
    // A bare fulfilment (it has line_items and a name) is not an order.
    let message = unsupported(
        json!({"id": 1, "order_id": 2, "name": "#1001.1", "status": "success", "line_items": []})
            .to_string()
            .as_bytes(),
    );
    assert!(message.contains("`order_id`"), "{message}");
    assert!(unsupported(b"{}").contains("empty JSON object"));
    assert!(unsupported(br#""an order""#).contains("storefront body"));
    assert!(
        unsupported(br#"[{"id": 727, "number": "727", "line_items": []}]"#)
            .contains("bare JSON array")
    );
    assert!(unsupported(br#"{"orders": {"id": 1}}"#).contains("`orders`"));
    // ShipStation's List Orders also sits under `orders`: refused as a whole.
    let message = unsupported(
        br#"{"orders": [{"orderId": 1, "orderNumber": "1001", "orderStatus": "shipped"}], "total": 1, "page": 1, "pages": 1}"#,
    );
    assert!(message.contains("`orders`"), "{message}");
    assert!(message.contains("`id`, `name`"), "{message}");
}

#[test]
fn an_order_body_given_as_a_carrier_reply_is_refused_by_shape() {
    let result = read_body(Source::Carrier, &br#"{"orders": []}"#[..], &mut |_| {});
    let Err(WireError::UnsupportedShape(message)) = result else {
        panic!("{result:?}");
    };
    assert!(message.contains("trackResponse"), "{message}");
}

/// Serves `{"orders":[…]}` with `total` generated orders, one small piece
/// at a time, without ever holding the body.
struct GeneratedOrders {
    total: usize,
    emitted: usize,
    stage: Stage,
    pending: Vec<u8>,
    position: usize,
    served: Rc<Cell<usize>>,
}

enum Stage {
    Opening,
    Orders,
    Done,
}

impl GeneratedOrders {
    fn new(total: usize, served: Rc<Cell<usize>>) -> Self {
        GeneratedOrders {
            total,
            emitted: 0,
            stage: Stage::Opening,
            pending: Vec::new(),
            position: 0,
            served,
        }
    }

    fn refill(&mut self) {
        self.position = 0;
        self.pending = match self.stage {
            Stage::Opening => {
                self.stage = Stage::Orders;
                br#"{"orders":["#.to_vec()
            }
            Stage::Orders if self.emitted < self.total => {
                let n = self.emitted;
                self.emitted += 1;
                let separator = if n > 0 { "," } else { "" };
                let line = n * 10 + 1;
                format!(
                    r##"{separator}{{"id":{n},"name":"#{n}","created_at":"2024-05-02T09:15:00-04:00","financial_status":"paid","tags":"bulk","line_items":[{{"id":{line},"quantity":2,"fulfillable_quantity":1,"sku":"SKU-{n}"}}]}}"##
                )
                .into_bytes()
            }
            Stage::Orders => {
                self.stage = Stage::Done;
                br#"],"page":1}"#.to_vec()
            }
            Stage::Done => Vec::new(),
        };
    }
}

impl Read for GeneratedOrders {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.position == self.pending.len() {
            self.refill();
        }
        let rest = &self.pending[self.position..];
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.position += n;
        self.served.set(self.served.get() + n);
        Ok(n)
    }
}

#[test]
fn a_large_list_is_read_one_order_at_a_time() {
    const COUNT: usize = 20_000;
    let served = Rc::new(Cell::new(0));
    let mut seen = 0usize;
    let mut owed = 0u64;
    let mut last_name = String::new();
    let mut served_at_first_item = None;
    let produced = read_body(
        Source::Storefront,
        GeneratedOrders::new(COUNT, Rc::clone(&served)),
        &mut |item| {
            served_at_first_item.get_or_insert(served.get());
            let order = order(&item);
            seen += 1;
            owed += u64::from(order.owed_quantity());
            last_name.clone_from(&order.name);
        },
    )
    .unwrap();
    assert_eq!(produced, COUNT);
    assert_eq!(seen, COUNT);
    assert_eq!(owed, COUNT as u64);
    assert_eq!(last_name, format!("#{}", COUNT - 1));
    let total = served.get();
    let first = served_at_first_item.unwrap();
    assert!(total > 3_000_000, "the body was {total} bytes");
    assert!(
        first < total / 100,
        "the first order arrived only after {first} of {total} bytes were read"
    );
}
