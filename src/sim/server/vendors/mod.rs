//! The simulated drop-ship vendors, speaking assets/vendor-api.yaml under
//! `/vendors/{vendor}`: ATP per SKU, purchase orders created once per
//! Idempotency-Key, cancelled until they ship, acknowledged and shipped on
//! the world's clock (see `shipping`). `acme` acknowledges within its SLA
//! (with ATP for every order the world places), `northwind` too, `silent`
//! takes orders and never acknowledges (nor ships) them, `lowstock`
//! answers like `acme` but has run out of rugs: the demo's drop-ship
//! vendor, so a fresh demo has reroutes waiting for a decision, and `tardy`
//! accepts like `acme` but ships three days after the date it promised.
//! The others ship what they accepted on or before that date, and the
//! storefront records the parcel some hours later (`super::deliveries`).

mod shipping;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::{endpoint, form_pairs, lock, reply, Shared};
use crate::sim::catalog::DROP_SHIPPED;
use crate::sim::options::Endpoint;
use crate::sim::plan::{Carrier, ParcelPlan};
use crate::sim::world::World;
use shipping::{Shipment, Taken};

/// The bearer key every simulated vendor accepts.
pub const VENDOR_API_KEY: &str = "orderdeck-sim-vendor-key";

/// How one simulated vendor behaves.
struct Behaviour {
    name: &'static str,
    /// How long after a PO arrives it is acknowledged; `None`: never.
    acknowledges_after: Option<TimeDelta>,
    /// Promises to ship within this long after the PO arrives.
    ships_after: TimeDelta,
    /// Units it can promise of each drop-shipped SKU…
    atp: i64,
    /// …except these, of which it has none.
    sold_out: &'static [&'static str],
    /// Ships this long after the date it promised.
    ships_late_by: TimeDelta,
}

impl Behaviour {
    fn atp_of(&self, sku: &str) -> i64 {
        if self.sold_out.contains(&sku) {
            0
        } else {
            self.atp
        }
    }

    /// How many units of `line` the vendor takes on.
    fn accepts(&self, line: &SimLine) -> u64 {
        (line.quantity as i64).min(self.atp_of(&line.sku)).max(0) as u64
    }

    /// When the vendor acknowledges `po`, if it does.
    fn acknowledges(&self, po: &SimPo) -> Option<DateTime<Utc>> {
        self.acknowledges_after
            .map(|after| po.created_at + after)
            .filter(|at| po.cancelled_at.is_none_or(|c| c > *at))
    }

    /// The parcel `po` left in by `now`: never for a PO cancelled first or
    /// one of which the vendor accepted nothing.
    fn shipped<'p>(&self, po: &'p SimPo, now: DateTime<Utc>) -> Option<&'p Shipment> {
        let shipment = po.shipment.as_ref()?;
        let before_cancel = po.cancelled_at.is_none_or(|c| c > shipment.shipped_at);
        let anything = po.lines.iter().any(|l| self.accepts(l) > 0);
        (shipment.shipped_at <= now && before_cancel && anything).then_some(shipment)
    }
}

pub const VENDORS: [&str; 5] = ["acme", "northwind", "silent", "lowstock", "tardy"];

fn behaviour(name: &str) -> Option<Behaviour> {
    let half_hour = Some(TimeDelta::minutes(30));
    let on_time = TimeDelta::zero();
    let (acknowledges_after, ships_after, atp, sold_out, ships_late_by): (
        _,
        _,
        _,
        &'static [&'static str],
        _,
    ) = match name {
        // Enough for every order the world places: its ground truth has no
        // reroutes, and orderdeck holds each PO's units against this ATP.
        "acme" => (half_hour, TimeDelta::days(2), 100_000, &[], on_time),
        "northwind" => (
            Some(TimeDelta::minutes(20)),
            TimeDelta::days(3),
            25,
            &[],
            on_time,
        ),
        "silent" => (None, TimeDelta::days(2), 10, &[], on_time),
        "lowstock" => (
            half_hour,
            TimeDelta::days(2),
            100_000,
            &["RUG-160"],
            on_time,
        ),
        "tardy" => (
            half_hour,
            TimeDelta::days(2),
            100_000,
            &[],
            TimeDelta::days(3),
        ),
        _ => return None,
    };
    VENDORS.iter().find(|v| **v == name).map(|&name| Behaviour {
        name,
        acknowledges_after,
        ships_after,
        atp,
        sold_out,
        ships_late_by,
    })
}

#[derive(Clone)]
struct SimLine {
    line: u64,
    sku: String,
    quantity: u64,
    unit: String,
    option: Option<String>,
}

/// A PO as the create request asks for it.
struct Order {
    po_number: String,
    order_reference: String,
    lines: Vec<SimLine>,
    expedite: bool,
}

#[derive(Clone)]
struct SimPo {
    po_number: String,
    order_reference: String,
    lines: Vec<SimLine>,
    created_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
    /// Asked for on the vendor's expedited terms: promised and shipped in
    /// half the time.
    expedite: bool,
    /// The ship date the acknowledgement promises.
    promised: DateTime<Utc>,
    /// The parcel the vendor will ship; `None` for a vendor that never
    /// acknowledges.
    shipment: Option<Shipment>,
}

/// A parcel a vendor shipped for the order its PO names.
pub struct VendorParcel {
    /// The PO's `order_reference`: the storefront order's name.
    pub order_reference: String,
    pub shipped_at: DateTime<Utc>,
    pub carrier: Carrier,
    pub tracking_number: String,
    /// Its journey when the vendor booked it itself; `None` for the parcel
    /// the world planned, which the world knows.
    pub own: Option<ParcelPlan>,
}

/// Every vendor's purchase orders and the answers given per key.
#[derive(Default)]
pub struct VendorBook {
    pos: HashMap<(String, String), SimPo>,
    answers: HashMap<(String, String), (StatusCode, Value)>,
    /// (vendor, SKU) → the SKU the vendor ships instead.
    substitutes: HashMap<(String, String), String>,
    /// The parcels vendors booked themselves → (vendor, PO number).
    own_parcels: HashMap<(Carrier, String), (String, String)>,
}

impl VendorBook {
    /// Whether `vendor` holds PO `po_number`, and whether it is cancelled.
    pub fn state(&self, vendor: &str, po_number: &str) -> Option<bool> {
        self.pos
            .get(&(vendor.to_string(), po_number.to_string()))
            .map(|po| po.cancelled_at.is_some())
    }

    /// The lines of `vendor`'s PO `po_number` as it took them: (SKU,
    /// quantity, unit, option).
    pub fn lines(
        &self,
        vendor: &str,
        po_number: &str,
    ) -> Vec<(String, u64, String, Option<String>)> {
        self.pos
            .get(&(vendor.to_string(), po_number.to_string()))
            .map(|po| {
                po.lines
                    .iter()
                    .map(|l| (l.sku.clone(), l.quantity, l.unit.clone(), l.option.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// From now on `vendor` acknowledges `sku` as substituted by
    /// `substitute`.
    pub fn substitute(&mut self, vendor: &str, sku: &str, substitute: &str) {
        self.substitutes.insert(
            (vendor.to_string(), sku.to_string()),
            substitute.to_string(),
        );
    }

    /// The parcel a vendor booked itself under `number`, once the PO it
    /// carries has shipped (a cancelled PO's parcel never leaves).
    pub fn parcel(&self, carrier: Carrier, number: &str, at: DateTime<Utc>) -> Option<ParcelPlan> {
        let (vendor, po) = self
            .own_parcels
            .get(&(carrier, number.trim().to_string()))?;
        let po = self.pos.get(&(vendor.clone(), po.clone()))?;
        behaviour(vendor)?.shipped(po, at)?.own.clone()
    }

    /// Every parcel a vendor had shipped by `at`, oldest first.
    pub fn shipped(&self, at: DateTime<Utc>) -> Vec<VendorParcel> {
        let mut shipped: Vec<VendorParcel> = self
            .pos
            .iter()
            .filter_map(|((vendor, _), po)| {
                let shipment = behaviour(vendor)?.shipped(po, at)?;
                Some(VendorParcel {
                    order_reference: po.order_reference.clone(),
                    shipped_at: shipment.shipped_at,
                    carrier: shipment.carrier,
                    tracking_number: shipment.tracking_number.clone(),
                    own: shipment.own.clone(),
                })
            })
            .collect();
        // The map's order is arbitrary; two parcels for one order (a
        // reroute's) must come out the same way every time.
        shipped.sort_by(|a, b| {
            (a.shipped_at, &a.tracking_number).cmp(&(b.shipped_at, &b.tracking_number))
        });
        shipped
    }

    /// A PO `vendor` takes now, with the promise and the parcel it plans.
    fn take(
        &mut self,
        world: &World,
        vendor: &Behaviour,
        order: Order,
        now: DateTime<Utc>,
    ) -> SimPo {
        let ships_within = if order.expedite {
            vendor.ships_after / 2
        } else {
            vendor.ships_after
        };
        let mut po = SimPo {
            po_number: order.po_number,
            order_reference: order.order_reference,
            lines: order.lines,
            created_at: now,
            cancelled_at: None,
            expedite: order.expedite,
            promised: now + ships_within,
            shipment: None,
        };
        if let Some(acknowledged_at) = vendor.acknowledges(&po) {
            let plan = shipping::plan(
                world,
                &Taken {
                    vendor: vendor.name,
                    po_number: &po.po_number,
                    order_reference: &po.order_reference,
                    created_at: now,
                    acknowledged_at,
                    ships_within,
                    ships_late_by: vendor.ships_late_by,
                    expedite: order.expedite,
                    serial: self.own_parcels.len() as u64,
                },
            );
            if let Some(own) = &plan.shipment.own {
                self.own_parcels.insert(
                    (own.carrier, own.tracking_number.clone()),
                    (vendor.name.to_string(), po.po_number.clone()),
                );
            }
            po.promised = plan.promised;
            po.shipment = Some(plan.shipment);
        }
        po
    }

    /// Every PO `vendor` holds, by number.
    pub fn po_numbers(&self, vendor: &str) -> Vec<String> {
        let mut numbers: Vec<String> = self
            .pos
            .keys()
            .filter(|(v, _)| v == vendor)
            .map(|(_, po)| po.clone())
            .collect();
        numbers.sort();
        numbers
    }
}

pub fn routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/{vendor}/v1/atp",
            endpoint(shared, Endpoint::VendorAtp, get(atp)),
        )
        .route(
            "/{vendor}/v1/purchase-orders",
            endpoint(shared, Endpoint::VendorPoCreate, post(create)),
        )
        .route(
            "/{vendor}/v1/purchase-orders/{po}",
            endpoint(shared, Endpoint::VendorPo, get(read)),
        )
        .route(
            "/{vendor}/v1/purchase-orders/{po}/cancel",
            endpoint(shared, Endpoint::VendorPoCancel, post(cancel)),
        )
}

fn problem(status: StatusCode, message: &str) -> Response {
    reply(status, &json!({"error": message}))
}

/// The vendor, if the path names one and the bearer key is right.
fn admit(headers: &HeaderMap, vendor: &str) -> Result<Behaviour, Refused> {
    let authorised = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|key| key.trim() == VENDOR_API_KEY);
    if !authorised {
        return Err(Refused(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer key",
        ));
    }
    behaviour(vendor).ok_or(Refused(StatusCode::NOT_FOUND, "no such vendor"))
}

/// Why a request was not let in.
struct Refused(StatusCode, &'static str);

impl Refused {
    fn response(self) -> Response {
        problem(self.0, self.1)
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn render(
    vendor: &Behaviour,
    po: &SimPo,
    substitutes: &HashMap<(String, String), String>,
    now: DateTime<Utc>,
) -> Value {
    let lines: Vec<Value> = po
        .lines
        .iter()
        .map(|l| {
            json!({"line": l.line, "sku": l.sku, "quantity": l.quantity, "unit": l.unit, "option": l.option})
        })
        .collect();
    let substitute_of = |l: &SimLine| substitutes.get(&(vendor.name.to_string(), l.sku.clone()));
    let acknowledged_at = vendor.acknowledges(po).filter(|at| *at <= now);
    let acknowledgement = acknowledged_at.map(|at| {
        let answered: Vec<Value> = po
            .lines
            .iter()
            .map(|l| {
                let accepted = vendor.accepts(l);
                let status = if accepted == l.quantity {
                    "accepted"
                } else if accepted == 0 {
                    "rejected"
                } else {
                    "backordered"
                };
                match substitute_of(l).filter(|_| accepted > 0) {
                    Some(substitute) => json!({"line": l.line, "sku": l.sku, "status": "substituted", "substitute_sku": substitute, "quantity_accepted": accepted, "unit": l.unit}),
                    None => json!({"line": l.line, "sku": l.sku, "status": status, "quantity_accepted": accepted, "unit": l.unit}),
                }
            })
            .collect();
        let all = answered
            .iter()
            .all(|l| l["status"] == "accepted" || l["status"] == "substituted");
        let none = answered.iter().all(|l| l["status"] == "rejected");
        json!({
            "status": if none { "rejected" } else if all { "accepted" } else { "accepted_with_changes" },
            "acknowledged_at": time(at),
            "promised_ship_date": if none { Value::Null } else { json!(time(po.promised)) },
            "lines": answered,
        })
    });
    // What was accepted leaves in one parcel; a substitute under its own
    // SKU, in the unit the line was ordered in.
    let ship_notices: Vec<Value> = vendor
        .shipped(po, now)
        .map(|shipment| {
            let items: Vec<Value> = po
                .lines
                .iter()
                .filter(|l| vendor.accepts(l) > 0)
                .map(|l| {
                    let sku = substitute_of(l).unwrap_or(&l.sku);
                    json!({"sku": sku, "quantity": vendor.accepts(l)})
                })
                .collect();
            json!({
                "shipped_at": time(shipment.shipped_at),
                "carrier": shipment.carrier.company(),
                "packages": [{"tracking_number": shipment.tracking_number, "items": items}],
            })
        })
        .into_iter()
        .collect();
    json!({
        "po_number": po.po_number,
        "order_reference": po.order_reference,
        "status": if po.cancelled_at.is_some() { "cancelled" } else { "open" },
        "created_at": time(po.created_at),
        "cancelled_at": po.cancelled_at.map(time),
        "expedite": po.expedite,
        "lines": lines,
        "acknowledgement": acknowledgement,
        "ship_notices": ship_notices,
    })
}

async fn atp(
    State(shared): State<Arc<Shared>>,
    Path(vendor): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let vendor = match admit(&headers, &vendor) {
        Ok(vendor) => vendor,
        Err(refusal) => return refusal.response(),
    };
    let pairs = form_pairs(query.as_deref().unwrap_or(""));
    let asked: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "sku")
        .map(|(_, v)| v.as_str())
        .collect();
    let items: Vec<Value> = DROP_SHIPPED
        .iter()
        .filter(|(sku, ..)| asked.is_empty() || asked.contains(sku))
        .map(|(sku, ..)| json!({"sku": sku, "available": vendor.atp_of(sku), "unit": "EA"}))
        .collect();
    reply(
        StatusCode::OK,
        &json!({"as_of": time(shared.clock.now()), "items": items}),
    )
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Path(vendor): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let behaviour = match admit(&headers, &vendor) {
        Ok(vendor) => vendor,
        Err(refusal) => return refusal.response(),
    };
    let Some(key) = idempotency_key(&headers) else {
        return problem(StatusCode::BAD_REQUEST, "Idempotency-Key is required");
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let po_number = request["po_number"]
        .as_str()
        .unwrap_or("")
        .trim()
        .to_string();
    let lines: Option<Vec<SimLine>> = request["lines"].as_array().map(|lines| {
        lines
            .iter()
            .filter_map(|l| {
                Some(SimLine {
                    line: l["line"].as_u64()?,
                    sku: l["sku"].as_str()?.to_string(),
                    quantity: l["quantity"].as_u64().filter(|q| *q > 0)?,
                    unit: l["unit"].as_str().unwrap_or("EA").to_string(),
                    option: l["option"].as_str().map(str::to_string),
                })
            })
            .collect()
    });
    let lines = match lines {
        Some(lines) if !po_number.is_empty() && !lines.is_empty() => lines,
        _ => {
            return problem(
                StatusCode::BAD_REQUEST,
                "po_number and at least one line (line, sku, quantity) are required",
            )
        }
    };
    let now = shared.clock.now();
    let mut book = lock(&shared.vendors);
    let answer_key = (behaviour.name.to_string(), key);
    if let Some((status, body)) = book.answers.get(&answer_key) {
        return reply(*status, body);
    }
    let po_key = (behaviour.name.to_string(), po_number.clone());
    if book.pos.contains_key(&po_key) {
        return problem(
            StatusCode::CONFLICT,
            &format!("PO {po_number} exists already (created under another Idempotency-Key)"),
        );
    }
    let order_reference = request["order_reference"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let expedite = request["expedite"].as_bool().unwrap_or(false);
    let po = book.take(
        &shared.world,
        &behaviour,
        Order {
            po_number,
            order_reference,
            lines,
            expedite,
        },
        now,
    );
    let body = render(&behaviour, &po, &book.substitutes, now);
    book.pos.insert(po_key, po);
    book.answers
        .insert(answer_key, (StatusCode::CREATED, body.clone()));
    reply(StatusCode::CREATED, &body)
}

async fn read(
    State(shared): State<Arc<Shared>>,
    Path((vendor, po)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    with_po(&shared, &headers, &vendor, po, |_, _, _| Ok(()))
}

/// Applies `change` to one of the vendor's POs (given the vendor and the
/// moment) and answers with the PO, or with the change's refusal.
fn with_po(
    shared: &Shared,
    headers: &HeaderMap,
    vendor: &str,
    po: String,
    change: impl FnOnce(&Behaviour, &mut SimPo, DateTime<Utc>) -> Result<(), Refused>,
) -> Response {
    let behaviour = match admit(headers, vendor) {
        Ok(vendor) => vendor,
        Err(refusal) => return refusal.response(),
    };
    let now = shared.clock.now();
    let mut book = lock(&shared.vendors);
    let book = &mut *book;
    match book.pos.get_mut(&(behaviour.name.to_string(), po)) {
        Some(po) => {
            if let Err(refusal) = change(&behaviour, po, now) {
                return refusal.response();
            }
            let body = render(&behaviour, po, &book.substitutes, now);
            reply(StatusCode::OK, &body)
        }
        None => problem(StatusCode::NOT_FOUND, "no such purchase order"),
    }
}

async fn cancel(
    State(shared): State<Arc<Shared>>,
    Path((vendor, po)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    with_po(&shared, &headers, &vendor, po, |behaviour, po, now| {
        if po.cancelled_at.is_none() && behaviour.shipped(po, now).is_some() {
            return Err(Refused(
                StatusCode::CONFLICT,
                "the purchase order has shipped and cannot be cancelled",
            ));
        }
        po.cancelled_at.get_or_insert(now);
        Ok(())
    })
}
