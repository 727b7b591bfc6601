//! What a queue row shows of an order besides its name and top finding: who
//! ships it, one word per system, and the text the console's filter searches.
//! Derived at each evaluation and stored with it, so listing a queue never
//! reads facts.

use crate::domain::{Finding, OrderFacts};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The vendors of the goods, else the fulfilment service, else the
    /// warehouse's carrier: who the operator would chase.
    pub source: Option<String>,
    /// `storefront|warehouse|carrier`, one state each, `-` when the system
    /// has not said anything.
    pub system_states: String,
    /// Lower case: order number, customer, SKUs, vendors, finding codes.
    pub search_text: String,
}

pub fn listing(facts: &OrderFacts, findings: &[Finding]) -> Listing {
    let mut vendors: Vec<&str> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    if let Some(name) = facts.display_name() {
        words.push(name.to_string());
    }
    if let Some(order) = &facts.storefront {
        let order = &order.value;
        words.extend(order.customer_name.iter().cloned());
        words.extend(order.email.iter().cloned());
        for line in &order.lines {
            words.extend(line.sku.iter().cloned());
            let shipper = line
                .vendor
                .as_deref()
                .or(line.fulfillment_service.as_deref());
            if let Some(shipper) = shipper.filter(|s| !s.is_empty()) {
                if !vendors.contains(&shipper) {
                    vendors.push(shipper);
                }
            }
        }
    }
    for warehouse in &facts.warehouse_orders {
        for item in &warehouse.value.items {
            words.extend(item.sku.iter().cloned());
        }
    }
    words.extend(vendors.iter().map(|v| v.to_string()));
    words.extend(findings.iter().map(|f| f.code.as_str().to_string()));

    let source = if vendors.is_empty() {
        facts
            .warehouse_orders
            .last()
            .and_then(|w| w.value.carrier_code.clone())
    } else {
        Some(vendors.join(","))
    };
    Listing {
        source,
        system_states: system_states(facts),
        search_text: words.join(" ").to_lowercase(),
    }
}

fn system_states(facts: &OrderFacts) -> String {
    let storefront = match &facts.storefront {
        Some(order) if order.value.cancelled_at.is_some() => "cancelled".to_string(),
        Some(order) => format!(
            "{}/{}",
            order.value.financial_status.as_str(),
            order.value.fulfillment_status.as_str()
        ),
        None => "-".to_string(),
    };
    let warehouse = facts
        .warehouse_orders
        .iter()
        .max_by_key(|w| w.observed_at)
        .map_or("-", |w| w.value.status.as_str());
    let carrier = facts
        .carrier_shipments
        .iter()
        .max_by_key(|c| c.observed_at)
        .map_or("-", |c| c.value.status.as_str());
    format!("{storefront}|{warehouse}|{carrier}")
}
