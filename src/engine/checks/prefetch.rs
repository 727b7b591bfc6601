//! Asks the memory for an order's facts before the checks read them.
//!
//! An order's facts are many small heap blocks (its lines, their SKUs and
//! titles, fulfilment orders, warehouse orders and shipments), and an order
//! the engine has not looked at lately has none of them in cache. The checks
//! read them one at a time with a lot of work in between, so each miss is
//! waited for on its own; asked for together here, they arrive together.
//! Prefetches change no value: the result of an evaluation is the same with
//! or without them.

use std::mem::size_of_val;

use crate::domain::OrderFacts;

const CACHE_LINE: usize = 64;

/// All of one order's facts, for an order evaluated on its own.
pub(super) fn facts(facts: &OrderFacts) {
    lists(facts);
    texts(facts);
    nested(facts);
}

/// The elements of every list, whose addresses need no load: the first step
/// for an order evaluated two turns from now (see `evaluate_each`).
pub(super) fn lists(facts: &OrderFacts) {
    if let Some(sf) = &facts.storefront {
        each(&sf.value.lines);
        each(&sf.value.fulfillments);
    }
    if let Some(orders) = &facts.fulfillment_orders {
        each(&orders.value);
    }
    each(&facts.warehouse_orders);
    each(&facts.warehouse_shipments);
    each(&facts.carrier_shipments);
    each(&facts.purchase_orders);
}

/// The text inside the elements: their addresses are in the elements, asked
/// for a turn earlier.
pub(super) fn texts(facts: &OrderFacts) {
    if let Some(sf) = &facts.storefront {
        for line in &sf.value.lines {
            text(&line.id);
            text(&line.title);
            for optional in [&line.sku, &line.vendor].into_iter().flatten() {
                text(optional);
            }
        }
        for fulfillment in &sf.value.fulfillments {
            text(&fulfillment.status);
            each(&fulfillment.tracking_numbers);
        }
    }
    if let Some(orders) = &facts.fulfillment_orders {
        for order in &orders.value {
            text(&order.status);
            each(&order.holds);
        }
    }
    for shipment in &facts.warehouse_shipments {
        text(&shipment.value.id);
        for optional in [&shipment.value.tracking_number, &shipment.value.order_id]
            .into_iter()
            .flatten()
        {
            text(optional);
        }
        each(&shipment.value.items);
    }
    for order in &facts.warehouse_orders {
        text(&order.value.id);
        text(&order.value.order_number);
    }
}

/// The text in the lists those elements point to: the tracking numbers
/// every shipment is compared with, and the SKUs a shipment lists.
pub(super) fn nested(facts: &OrderFacts) {
    if let Some(sf) = &facts.storefront {
        for fulfillment in &sf.value.fulfillments {
            for number in &fulfillment.tracking_numbers {
                text(number);
            }
        }
    }
    for shipment in &facts.warehouse_shipments {
        for sku in shipment.value.items.iter().filter_map(|i| i.sku.as_ref()) {
            text(sku);
        }
    }
}

fn each<T>(items: &[T]) {
    let bytes = size_of_val(items);
    let start = items.as_ptr().cast::<u8>();
    for offset in (0..bytes).step_by(CACHE_LINE) {
        line(start.wrapping_add(offset));
    }
}

fn text(text: &str) {
    if !text.is_empty() {
        line(text.as_ptr());
    }
}

#[cfg(target_arch = "x86_64")]
fn line(at: *const u8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch reads nothing and cannot fault, whatever the
    // address; SSE, which it needs, is part of every x86_64.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(at.cast::<i8>()) }
}

#[cfg(not(target_arch = "x86_64"))]
fn line(_: *const u8) {}
