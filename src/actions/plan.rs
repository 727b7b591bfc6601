//! Planning: from what orderdeck knows of the order (and, where the action
//! rewrites a backend record, the record as the backend holds it now), the
//! preflight checks and the exact requests. No I/O: the pipeline gathers the
//! inputs.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::preflight::Preflight;
use super::preview::{PlannedRequest, Preview, Target};
use super::replace::{self, LiveStorefront};
use super::{ActionKind, Impact};
use crate::config::Config;
use crate::connectors::http::join;
use crate::connectors::writes;
use crate::domain::{normalize_order_name, FindingCode, Verdict, WarehouseStatus};
use crate::store::OrderDetail;

pub struct PlanInput<'a> {
    pub action: ActionKind,
    pub detail: &'a OrderDetail,
    pub config: &'a Config,
    pub now: DateTime<Utc>,
    pub note: Option<&'a str>,
    pub hold_until: Option<NaiveDate>,
    /// `reroute-approve`: which of the proposal's alternates (0 = the best).
    pub alternate: Option<usize>,
    /// Finding codes an operator already marked resolved on this order.
    pub resolved: &'a [String],
    /// The warehouse order as ShipStation returns it now (cancel rewrites it
    /// whole), or why it could not be read.
    pub live_warehouse_order: Option<Result<Value, String>>,
    /// The storefront order, its fulfilment orders and their stock as they
    /// are now (replace), or why they could not be read.
    pub live_storefront: Option<Result<LiveStorefront, String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub action: ActionKind,
    pub impact: Impact,
    pub order: String,
    /// The order's name key: what a run claims.
    #[serde(skip)]
    pub order_ref: String,
    pub preflight: Preflight,
    pub preview: Preview,
    /// The order as orderdeck sees it now: the audit entry's "before".
    pub before: Value,
    /// Findings `resolve` marks resolved.
    #[serde(skip)]
    pub resolves: Vec<String>,
    /// What a reroute decision files once its requests went through.
    #[serde(skip)]
    pub reroute: Option<super::reroute::Decision>,
}

pub fn plan(input: &PlanInput<'_>) -> Plan {
    let detail = input.detail;
    let mut preflight = Preflight::default();
    let mut preview = Preview::default();
    let mut resolves = Vec::new();
    let mut reroute = None;
    match input.action {
        ActionKind::Note => note(input, &mut preflight, &mut preview),
        ActionKind::Resolve => {
            resolves = resolve(input, &mut preflight);
            if !resolves.is_empty() {
                preview
                    .local
                    .push(format!("mark {} resolved", resolves.join(", ")));
            }
        }
        ActionKind::Hold => hold(input, &mut preflight, &mut preview),
        ActionKind::Release => release(input, &mut preflight, &mut preview),
        ActionKind::CancelAtWarehouse => cancel(input, &mut preflight, &mut preview),
        ActionKind::PushFulfilment => push_fulfilment(input, &mut preflight, &mut preview),
        ActionKind::Replace => replace::plan(input, &mut preflight, &mut preview),
        ActionKind::RerouteApprove | ActionKind::RerouteReject => {
            reroute = super::reroute::plan(input, &mut preflight, &mut preview);
        }
        other => preflight.block(
            "NOT_AVAILABLE",
            format!("{other} cannot be run from orderdeck act yet"),
        ),
    }
    Plan {
        action: input.action,
        impact: input.action.impact(),
        order: detail.row.name.clone(),
        order_ref: normalize_order_name(&detail.row.name),
        preflight,
        preview,
        before: before_state(detail),
        resolves,
        reroute,
    }
}

/// What the audit keeps of the order before the action: its queue, open
/// findings and the fields actions change. No customer data.
fn before_state(detail: &OrderDetail) -> Value {
    let findings: Vec<&str> = detail
        .findings
        .iter()
        .filter(|f| f.verdict != Verdict::Pass)
        .map(|f| f.code.as_str())
        .collect();
    let storefront = detail.facts.storefront.as_ref().map(|s| {
        json!({
            "id": s.value.id,
            "fulfillment_status": s.value.fulfillment_status.as_str(),
            "cancelled": s.value.cancelled_at.is_some(),
            "note": s.value.note,
        })
    });
    let warehouse: Vec<Value> = detail
        .facts
        .warehouse_orders
        .iter()
        .map(|w| {
            json!({
                "id": w.value.id,
                "status": w.value.status.as_str(),
                "hold_until": w.value.hold_until.map(|t| t.to_rfc3339()),
            })
        })
        .collect();
    json!({
        "queue": detail.row.queue.as_str(),
        "findings": findings,
        "storefront": storefront,
        "warehouse": warehouse,
    })
}

pub(super) fn storefront_url(config: &Config, path: &str) -> String {
    join(
        &config.storefront.base_url,
        &format!("admin/api/{}/{}", config.storefront.api_version, path),
    )
}

/// What the pipeline read live for the plan, or a block saying why there
/// is nothing to plan from.
pub(super) fn live_read<'a, T>(
    read: &'a Option<Result<T, String>>,
    preflight: &mut Preflight,
    code: &str,
    what: &str,
) -> Option<&'a T> {
    match read {
        Some(Ok(value)) => Some(value),
        Some(Err(why)) => {
            preflight.block(code, format!("{what} cannot be read now: {why}"));
            None
        }
        None => {
            preflight.block(code, format!("{what} was not read"));
            None
        }
    }
}

fn has_finding(detail: &OrderDetail, codes: &[FindingCode]) -> Option<FindingCode> {
    detail
        .findings
        .iter()
        .map(|f| f.code)
        .find(|code| codes.contains(code))
}

fn note(input: &PlanInput<'_>, preflight: &mut Preflight, preview: &mut Preview) {
    let Some(order) = &input.detail.facts.storefront else {
        preflight.block(
            "NOT_IN_STOREFRONT",
            "the storefront has no such order to note",
        );
        return;
    };
    preflight.pass(
        "IN_STOREFRONT",
        format!("storefront order {}", order.value.id),
    );
    let Some(text) = input.note.map(str::trim).filter(|t| !t.is_empty()) else {
        preflight.block("NOTE_MISSING", "the note's text is missing: --note TEXT");
        return;
    };
    // Shopify replaces the note whole: the new text is added below the old.
    let combined = match order.value.note.as_deref().map(str::trim) {
        Some(existing) if !existing.is_empty() => format!("{existing}\n{text}"),
        _ => text.to_string(),
    };
    let (path, body) = writes::shopify_order_note(&order.value.id, &combined);
    preview.requests.push(PlannedRequest::new(
        Target::Storefront,
        "PUT",
        storefront_url(input.config, &path),
        body,
    ));
}

fn resolve(input: &PlanInput<'_>, preflight: &mut Preflight) -> Vec<String> {
    let open: Vec<String> = input
        .detail
        .findings
        .iter()
        .filter(|f| matches!(f.verdict, Verdict::Blocked | Verdict::Overdue))
        .map(|f| f.code.as_str().to_string())
        .filter(|code| !input.resolved.contains(code))
        .collect();
    if open.is_empty() {
        preflight.block(
            "NOTHING_TO_RESOLVE",
            "the order has no blocked or overdue finding left unresolved",
        );
    } else {
        preflight.pass("OPEN_FINDINGS", format!("unresolved: {}", open.join(", ")));
    }
    open
}

/// The one live warehouse order actions at the warehouse act on.
fn warehouse_order<'d>(
    input: &'d PlanInput<'_>,
    preflight: &mut Preflight,
) -> Option<&'d crate::domain::WarehouseOrder> {
    let orders = &input.detail.facts.warehouse_orders;
    let found = orders
        .iter()
        .map(|w| &w.value)
        .filter(|w| w.status != WarehouseStatus::Cancelled)
        .max_by_key(|w| w.modified_at)
        .or_else(|| orders.first().map(|w| &w.value));
    match found {
        Some(order) => {
            preflight.pass(
                "AT_WAREHOUSE",
                format!("warehouse order {} is {}", order.id, order.status.as_str()),
            );
            Some(order)
        }
        None => {
            preflight.block("NOT_AT_WAREHOUSE", "the warehouse has no such order");
            None
        }
    }
}

fn warehouse_request(input: &PlanInput<'_>, (path, body): (String, Value)) -> PlannedRequest {
    PlannedRequest::new(
        Target::Warehouse,
        "POST",
        join(&input.config.warehouse.base_url, &path),
        body,
    )
}

fn hold(input: &PlanInput<'_>, preflight: &mut Preflight, preview: &mut Preview) {
    let Some(order) = warehouse_order(input, preflight) else {
        return;
    };
    match &order.status {
        WarehouseStatus::AwaitingShipment | WarehouseStatus::AwaitingPayment => {}
        WarehouseStatus::OnHold => {
            preflight.block(
                "ALREADY_ON_HOLD",
                "the order is already on hold at the warehouse",
            );
            return;
        }
        other => {
            preflight.block(
                "NOT_HOLDABLE",
                format!("a {} order cannot be held", other.as_str()),
            );
            return;
        }
    }
    let today = input.now.date_naive();
    let until = input.hold_until.unwrap_or_else(|| {
        today + TimeDelta::days(i64::from(input.config.actions.hold_days.max(1)))
    });
    if until <= today {
        preflight.block(
            "HOLD_DATE_PAST",
            format!("--until {until} is not after today ({today})"),
        );
        return;
    }
    preflight.pass("HOLD_UNTIL", format!("held until {until}"));
    preview.requests.push(warehouse_request(
        input,
        writes::shipstation_hold(&order.id, until),
    ));
}

fn release(input: &PlanInput<'_>, preflight: &mut Preflight, preview: &mut Preview) {
    let Some(order) = warehouse_order(input, preflight) else {
        return;
    };
    if order.status != WarehouseStatus::OnHold {
        preflight.block(
            "NOT_ON_HOLD",
            format!(
                "the order is {} at the warehouse, not on hold",
                order.status.as_str()
            ),
        );
        return;
    }
    preview.requests.push(warehouse_request(
        input,
        writes::shipstation_restore(&order.id),
    ));
}

fn cancel(input: &PlanInput<'_>, preflight: &mut Preflight, preview: &mut Preview) {
    if has_finding(input.detail, &[FindingCode::CancelledButActive]).is_none() {
        preflight.block(
            "NOT_CANCELLED_BUT_ACTIVE",
            "only an order cancelled in the storefront but live at the warehouse \
             (CANCELLED_BUT_ACTIVE) is cancelled at the warehouse",
        );
        return;
    }
    preflight.pass(
        "CANCELLED_BUT_ACTIVE",
        "cancelled in the storefront, live at the warehouse",
    );
    if warehouse_order(input, preflight).is_none() {
        return;
    }
    let Some(live) = live_read(
        &input.live_warehouse_order,
        preflight,
        "WAREHOUSE_UNREADABLE",
        "the warehouse order",
    ) else {
        return;
    };
    match live.get("orderStatus").and_then(Value::as_str) {
        Some("shipped") => preflight.block(
            "ALREADY_SHIPPED",
            "the warehouse has shipped it: intercept the parcel with the carrier instead",
        ),
        Some("cancelled") => preflight.block(
            "ALREADY_CANCELLED",
            "the warehouse has already cancelled it",
        ),
        Some(status) => {
            preflight.pass("LIVE_STATUS", format!("the warehouse says {status} now"));
            preview
                .requests
                .push(warehouse_request(input, writes::shipstation_cancel(live)));
        }
        None => preflight.block("WAREHOUSE_UNREADABLE", "the warehouse order has no status"),
    }
}

fn push_fulfilment(input: &PlanInput<'_>, preflight: &mut Preflight, preview: &mut Preview) {
    let facts = &input.detail.facts;
    let Some(code) = has_finding(
        input.detail,
        &[
            FindingCode::FulfilmentNotSynced,
            FindingCode::DeliveredNotClosed,
        ],
    ) else {
        preflight.block(
            "NOTHING_TO_PUSH",
            "only FULFILMENT_NOT_SYNCED or DELIVERED_NOT_CLOSED orders have a fulfilment to push",
        );
        return;
    };
    preflight.pass(code.as_str(), "shipped, but the storefront still owes it");
    let open = facts.fulfillment_orders.as_ref().and_then(|orders| {
        orders
            .value
            .iter()
            .find(|f| matches!(f.status.as_str(), "open" | "in_progress"))
    });
    let Some(open) = open else {
        preflight.block(
            "NO_OPEN_FULFILMENT_ORDER",
            "the storefront has no open fulfilment order for it (resync the order first)",
        );
        return;
    };
    let shipment = facts
        .warehouse_shipments
        .iter()
        .map(|s| &s.value)
        .filter(|s| !s.voided)
        .max_by_key(|s| s.shipped_at);
    let tracking = shipment.and_then(|s| s.tracking_number.as_deref());
    match tracking {
        Some(number) => preflight.pass("TRACKING", format!("tracking number {number}")),
        None => preflight.info(
            "NO_TRACKING",
            "the warehouse gave no tracking number: the fulfilment goes without one",
        ),
    }
    let (path, body) = writes::shopify_fulfillment(
        &open.id,
        tracking,
        shipment.and_then(|s| s.carrier_code.as_deref()),
    );
    preview.requests.push(PlannedRequest::new(
        Target::Storefront,
        "POST",
        storefront_url(input.config, &path),
        body,
    ));
}
