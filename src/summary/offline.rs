//! The deterministic summariser: every sentence comes from a stored fact or a
//! finding, in a fixed order — who and what, where the goods are in each
//! system, what the carriers say, then every discrepancy the checks found.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Author, Summary};
use crate::domain::{
    FinancialStatus, Finding, FulfillmentStatus, OrderFacts, Verdict, WarehouseStatus,
};

fn day(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone).format("%a %Y-%m-%d").to_string()
}

fn moment(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

fn items(n: u32) -> String {
    if n == 1 {
        "1 item".into()
    } else {
        format!("{n} items")
    }
}

fn payment(status: &FinancialStatus) -> String {
    match status {
        FinancialStatus::Pending => "payment pending".into(),
        FinancialStatus::Authorized => "payment authorised, not yet captured".into(),
        FinancialStatus::PartiallyPaid => "partly paid".into(),
        FinancialStatus::Paid => "paid".into(),
        FinancialStatus::PartiallyRefunded => "partly refunded".into(),
        FinancialStatus::Refunded => "refunded in full".into(),
        FinancialStatus::Voided => "payment voided".into(),
        FinancialStatus::Expired => "payment authorisation expired".into(),
        FinancialStatus::Other(other) => format!("payment status {other}"),
    }
}

fn warehouse_status(status: &WarehouseStatus) -> String {
    match status {
        WarehouseStatus::AwaitingPayment => "awaiting payment".into(),
        WarehouseStatus::AwaitingShipment => "awaiting shipment".into(),
        WarehouseStatus::PendingFulfillment => "pending fulfilment".into(),
        WarehouseStatus::Shipped => "shipped".into(),
        WarehouseStatus::OnHold => "on hold".into(),
        WarehouseStatus::Cancelled => "cancelled".into(),
        WarehouseStatus::Other(other) => other.clone(),
    }
}

/// One paragraph about one order, as of `now`, with times in the shop's zone.
pub fn summarise(name: &str, facts: &OrderFacts, findings: &[Finding], zone: Tz) -> Summary {
    let mut sentences: Vec<String> = Vec::new();
    match &facts.storefront {
        Some(order) => {
            let order = &order.value;
            let ordered: u32 = order.lines.iter().map(|l| l.quantity).sum();
            let customer = order
                .customer_name
                .as_deref()
                .map(|c| format!(" for {c}"))
                .unwrap_or_default();
            sentences.push(format!(
                "{name}{customer} was placed {} ({}, {}).",
                day(zone, order.created_at),
                items(ordered),
                payment(&order.financial_status)
            ));
            if let Some(cancelled) = order.cancelled_at {
                sentences.push(format!(
                    "The storefront cancelled it {}{}.",
                    moment(zone, cancelled),
                    order
                        .cancel_reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ));
            }
            let owed = match order.owed_quantity() {
                0 => "nothing left to ship".to_string(),
                n => format!("{} still to ship", items(n)),
            };
            let state = match order.fulfillment_status {
                FulfillmentStatus::Fulfilled => "fulfilled".to_string(),
                FulfillmentStatus::Partial => format!("partly fulfilled, {owed}"),
                FulfillmentStatus::Restocked => "restocked".to_string(),
                FulfillmentStatus::Unfulfilled => format!("unfulfilled, {owed}"),
                FulfillmentStatus::Other(ref other) => format!("{other}, {owed}"),
            };
            sentences.push(format!("The storefront shows it {state}."));
        }
        None => sentences.push(format!("{name} is not in the storefront.")),
    }

    if facts.warehouse_orders.is_empty() && facts.warehouse_shipments.is_empty() {
        if facts.storefront.is_some() {
            sentences.push("The warehouse has no record of it.".into());
        }
    } else {
        for order in &facts.warehouse_orders {
            sentences.push(format!(
                "The warehouse has order {} {}.",
                order.value.order_number,
                warehouse_status(&order.value.status)
            ));
        }
    }
    for shipment in &facts.warehouse_shipments {
        let shipment = &shipment.value;
        let how = match (&shipment.carrier_code, &shipment.tracking_number) {
            (Some(carrier), Some(tracking)) => format!(" with {carrier}, tracking {tracking}"),
            (None, Some(tracking)) => format!(", tracking {tracking}"),
            (_, None) => " without a tracking number".to_string(),
        };
        let voided = if shipment.voided {
            " (label since voided)"
        } else {
            ""
        };
        sentences.push(format!(
            "It left the warehouse {}{how}{voided}.",
            moment(zone, shipment.shipped_at)
        ));
    }
    for parcel in &facts.carrier_shipments {
        let parcel = &parcel.value;
        let latest = parcel
            .scans
            .iter()
            .max_by_key(|s| s.at)
            .map(|s| format!(", last scan {} ({})", moment(zone, s.at), s.description))
            .unwrap_or_default();
        sentences.push(format!(
            "{} reports parcel {}: {}{latest}.",
            parcel.carrier,
            parcel.tracking_number,
            parcel.status.words()
        ));
    }
    for link in &facts.replacements {
        sentences.push(format!(
            "Replacement order {} was created {}.",
            link.replacement_name,
            day(zone, link.created_at)
        ));
    }

    let needs: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Blocked)
        .collect();
    let late: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Overdue)
        .collect();
    let info: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Info)
        .collect();
    if needs.is_empty() && late.is_empty() && info.is_empty() {
        sentences.push("The systems agree and nothing needs attention.".into());
    }
    for (heading, group) in [
        ("Needs a decision", &needs),
        ("Late", &late),
        ("For information", &info),
    ] {
        if !group.is_empty() {
            let reasons: Vec<String> = group
                .iter()
                .map(|f| format!("{} ({})", f.reason.trim_end_matches('.'), f.code))
                .collect();
            sentences.push(format!("{heading}: {}.", reasons.join("; ")));
        }
    }
    Summary {
        text: sentences.join(" "),
        author: Author::Offline,
        cites: findings
            .iter()
            .filter(|f| f.verdict != Verdict::Pass)
            .map(|f| f.code)
            .collect(),
    }
}
