//! Checks on what the carriers say about the order's parcels: delivered
//! while the storefront still owes the goods, no scan for too long, an
//! exception, a status code the mapping does not know.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::context::Context;
use super::text;
use super::Outcome;
use crate::domain::{
    CarrierShipment, Evidence, FindingCode, FulfillmentStatus, Observed, ShipmentStatus, System,
    Verdict,
};

type Parcel = Observed<CarrierShipment>;

/// Runs the carrier checks over the order's parcels, in a fixed order.
pub(super) fn parcels(ctx: &Context<'_>, out: &mut Outcome) {
    let mut parcels: Vec<&Parcel> = ctx.facts.carrier_shipments.iter().collect();
    if parcels.is_empty() {
        return;
    }
    parcels.sort_by_cached_key(|p| {
        (
            tracking_key(&p.value.tracking_number),
            p.value.carrier.clone(),
            p.value.raw_status.clone(),
            p.value.last_scan_at(),
        )
    });
    delivered_not_closed(ctx, &parcels, out);
    stalled(ctx, &parcels, out);
    exceptions(ctx, &parcels, out);
    unknown_status(&parcels, out);
}

/// DELIVERED_NOT_CLOSED: the carrier delivered a parcel the storefront has
/// no fulfilment for, while the storefront still lists goods as owed. A
/// parcel whose number a storefront fulfilment carries is already reflected
/// there, whatever else the order still owes.
fn delivered_not_closed(ctx: &Context<'_>, parcels: &[&Parcel], out: &mut Outcome) {
    let Some(sf) = ctx.storefront else {
        return;
    };
    let owed = sf.value.owed_quantity();
    let closed = matches!(
        sf.value.fulfillment_status,
        FulfillmentStatus::Fulfilled | FulfillmentStatus::Restocked
    );
    if ctx.cancelled() || closed || owed == 0 {
        return;
    }
    let recorded: BTreeSet<String> = sf
        .value
        .fulfillments
        .iter()
        .filter(|f| f.is_effective())
        .flat_map(|f| &f.tracking_numbers)
        .map(|n| tracking_key(n))
        .collect();
    let zone = ctx.policy.sla.timezone;
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for parcel in parcels.iter().filter(|p| {
        p.value.status == ShipmentStatus::Delivered
            && !recorded.contains(&tracking_key(&p.value.tracking_number))
    }) {
        let shipment = &parcel.value;
        let delivered_at = shipment.delivered_at.or_else(|| shipment.last_scan_at());
        let when = delivered_at
            .map(|at| format!(" on {}", text::shop_time(zone, at)))
            .unwrap_or_default();
        parts.push(format!(
            "{} {}{when} ({})",
            shipment.carrier,
            shipment.tracking_number,
            code(shipment)
        ));
        evidence.push(status_evidence(parcel));
        if let Some(at) = delivered_at {
            evidence.push(Evidence::new(
                System::Carrier,
                format!(
                    "{} {} delivered at",
                    shipment.carrier, shipment.tracking_number
                ),
                text::iso(at),
                parcel.observed_at,
            ));
        }
    }
    if parts.is_empty() {
        return;
    }
    evidence.push(Evidence::new(
        System::Storefront,
        "fulfillment_status",
        sf.value.fulfillment_status.as_str(),
        sf.observed_at,
    ));
    evidence.push(Evidence::new(
        System::Storefront,
        "quantity still to fulfil",
        owed.to_string(),
        sf.observed_at,
    ));
    out.add(
        FindingCode::DeliveredNotClosed,
        Verdict::Blocked,
        format!(
            "The carrier delivered {}, but the storefront still shows {} unfulfilled",
            parts.join("; "),
            text::items(owed)
        ),
        evidence,
    );
}

/// TRACKING_STALLED: a parcel still on its way has not been scanned for
/// longer than the tolerance. One never scanned at all is measured from when
/// it was handed over (the warehouse's ship date, or the storefront's
/// fulfilment carrying its number).
fn stalled(ctx: &Context<'_>, parcels: &[&Parcel], out: &mut Outcome) {
    let tolerance = ctx.policy.tolerances.tracking_stall;
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for parcel in parcels.iter().filter(|p| !p.value.status.is_final()) {
        let shipment = &parcel.value;
        let label = format!("{} {}", shipment.carrier, shipment.tracking_number);
        let (since, part, proof) = match shipment.last_scan() {
            Some(scan) => (
                scan.at,
                format!(
                    "{label} last scanned {} ago ({}: \"{}\", {})",
                    text::duration(ctx.now - scan.at),
                    shipment.status.words(),
                    scan.description,
                    code(shipment)
                ),
                Evidence::new(
                    System::Carrier,
                    format!("{label} last scan"),
                    format!("{} {}", text::iso(scan.at), scan.description),
                    parcel.observed_at,
                ),
            ),
            None => {
                let Some((at, source)) = handed_over(ctx, &shipment.tracking_number) else {
                    continue;
                };
                (
                    at,
                    format!(
                        "{label} handed over {} ago and never scanned ({})",
                        text::duration(ctx.now - at),
                        code(shipment)
                    ),
                    source,
                )
            }
        };
        if out.past(since + tolerance) {
            parts.push(part);
            evidence.push(status_evidence(parcel));
            evidence.push(proof);
        }
    }
    if parts.is_empty() {
        return;
    }
    out.add(
        FindingCode::TrackingStalled,
        Verdict::Blocked,
        format!(
            "No carrier scan for longer than the {} tolerance: {}",
            text::duration(tolerance),
            parts.join("; ")
        ),
        evidence,
    );
}

/// When a parcel with this number left, as the warehouse or the storefront
/// recorded it, with the evidence; the earliest if both did.
fn handed_over(ctx: &Context<'_>, number: &str) -> Option<(DateTime<Utc>, Evidence)> {
    let key = tracking_key(number);
    let shipped = ctx
        .live_shipments()
        .filter(|s| {
            s.value
                .tracking_number
                .as_deref()
                .is_some_and(|n| tracking_key(n) == key)
        })
        .map(|s| {
            (
                s.value.shipped_at,
                Evidence::new(
                    System::Warehouse,
                    format!("shipment {} shipped_at", s.value.id),
                    text::iso(s.value.shipped_at),
                    s.observed_at,
                ),
            )
        });
    let fulfilled = ctx.storefront.into_iter().flat_map(|sf| {
        let key = key.clone();
        sf.value
            .fulfillments
            .iter()
            .filter(move |f| {
                f.is_effective() && f.tracking_numbers.iter().any(|n| tracking_key(n) == key)
            })
            .map(move |f| {
                (
                    f.created_at,
                    Evidence::new(
                        System::Storefront,
                        format!("fulfillment {} created_at", f.id),
                        text::iso(f.created_at),
                        sf.observed_at,
                    ),
                )
            })
    });
    shipped.chain(fulfilled).min_by_key(|(at, _)| *at)
}

/// CARRIER_EXCEPTION: the carrier reports a failed delivery, a return to
/// the sender, a hold or delay it gives a reason for, or damage.
fn exceptions(ctx: &Context<'_>, parcels: &[&Parcel], out: &mut Outcome) {
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for parcel in parcels {
        let shipment = &parcel.value;
        let damaged = reports_damage(shipment);
        let exception = match shipment.status {
            ShipmentStatus::DeliveryFailed | ShipmentStatus::ReturnedToSender => true,
            ShipmentStatus::OnHold | ShipmentStatus::Delayed => shipment.incident.is_some(),
            _ => false,
        };
        if !exception && !damaged {
            continue;
        }
        let said = shipment
            .incident
            .clone()
            .or_else(|| shipment.last_scan().map(|s| s.description.clone()))
            .unwrap_or_else(|| "no description".to_owned());
        let damage = if damaged { ", damage reported" } else { "" };
        let since = shipment
            .last_scan_at()
            .map(|at| format!(" since {}", text::shop_time(ctx.policy.sla.timezone, at)))
            .unwrap_or_default();
        parts.push(format!(
            "{} {} {}{damage}{since}: \"{said}\" ({})",
            shipment.carrier,
            shipment.tracking_number,
            shipment.status.words(),
            code(shipment)
        ));
        evidence.push(status_evidence(parcel));
        if let Some(incident) = &shipment.incident {
            evidence.push(Evidence::new(
                System::Carrier,
                format!("{} {} incident", shipment.carrier, shipment.tracking_number),
                incident.clone(),
                parcel.observed_at,
            ));
        }
    }
    if parts.is_empty() {
        return;
    }
    out.add(
        FindingCode::CarrierException,
        Verdict::Blocked,
        format!("The carrier reports a problem: {}", parts.join("; ")),
        evidence,
    );
}

/// Damage shows only in the carrier's words (no carrier has a status for
/// it), in the incident or the latest scan.
fn reports_damage(shipment: &CarrierShipment) -> bool {
    shipment
        .incident
        .iter()
        .map(String::as_str)
        .chain(shipment.last_scan().map(|s| s.description.as_str()))
        .any(|words| words.to_lowercase().contains("damage"))
}

/// CARRIER_STATUS_UNKNOWN: the carrier's answer cannot be placed — a code
/// the mapping does not know, or no status at all (the carrier's "no record
/// of this number", with its error code and message). Such a parcel is
/// never taken to be moving.
fn unknown_status(parcels: &[&Parcel], out: &mut Outcome) {
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    for parcel in parcels
        .iter()
        .filter(|p| p.value.status == ShipmentStatus::Unknown)
    {
        let shipment = &parcel.value;
        match shipment.last_scan() {
            Some(scan) => parts.push(format!(
                "{} sent {}, \"{}\" for {}, which orderdeck does not map",
                shipment.carrier,
                code(shipment),
                scan.description,
                shipment.tracking_number
            )),
            None => {
                let message = shipment
                    .incident
                    .as_deref()
                    .map(|m| format!(": \"{m}\""))
                    .unwrap_or_default();
                parts.push(format!(
                    "{} gives no status for {} ({}{message})",
                    shipment.carrier,
                    shipment.tracking_number,
                    code(shipment)
                ));
            }
        }
        evidence.push(status_evidence(parcel));
        if let Some(incident) = shipment
            .incident
            .as_ref()
            .filter(|_| shipment.scans.is_empty())
        {
            evidence.push(Evidence::new(
                System::Carrier,
                format!("{} {} message", shipment.carrier, shipment.tracking_number),
                incident.clone(),
                parcel.observed_at,
            ));
        }
    }
    if parts.is_empty() {
        return;
    }
    out.add(
        FindingCode::CarrierStatusUnknown,
        Verdict::Info,
        format!(
            "Carrier status unknown, not assumed in transit: {}",
            parts.join("; ")
        ),
        evidence,
    );
}

/// The carrier's raw code as a reason quotes it.
fn code(shipment: &CarrierShipment) -> String {
    match shipment.raw_status.trim() {
        "" => "no status code".to_owned(),
        raw => format!("code {raw}"),
    }
}

fn status_evidence(parcel: &Parcel) -> Evidence {
    let shipment = &parcel.value;
    Evidence::new(
        System::Carrier,
        format!("{} {} status", shipment.carrier, shipment.tracking_number),
        format!("{} ({})", shipment.status.as_str(), shipment.raw_status),
        parcel.observed_at,
    )
}

/// Tracking numbers as different systems write them: with or without
/// spaces, in either case.
fn tracking_key(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
