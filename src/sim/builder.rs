//! The pieces scenarios are laid out with: placing an order in time, the
//! usual steps of its life in each system, a parcel's journey, and the spans
//! of ground truth those steps imply.

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::Rng;

use super::calendar;
use super::catalog::{ADDRESSES, DROP_SHIPPED, FIRST_NAMES, HUBS, IN_HOUSE, LAST_NAMES};
use super::plan::{
    Carrier, Customer, Financial, Line, OrderPlan, ParcelPlan, Place, Scan, ScanEvent, SfChange,
    Shipping, StorefrontPlan, WarehousePlan, WhChange,
};
use super::scenario::Scenario;
use super::truth::Spans;
use crate::domain::FindingCode;

pub fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

pub fn minutes(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

/// The engine's tolerances and deadlines are passed strictly ("longer than"),
/// so a finding that starts when one runs out starts a second later.
pub fn after(limit: DateTime<Utc>) -> DateTime<Utc> {
    limit + TimeDelta::seconds(1)
}

/// How an order is placed in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The order was placed before this moment, and its scenario's situation
    /// holds at it (the world's start, or a snapshot's `now`).
    Backlog(DateTime<Utc>),
    /// The order is placed at this moment, while the world runs; its
    /// scenario's situation holds some time later.
    Arrival(DateTime<Utc>),
}

/// Which of the order's ids to use: the order itself, or the replacement
/// created for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Original,
    Replacement,
}

/// One order being laid out.
pub struct Builder<'r> {
    pub rng: &'r mut StdRng,
    pub index: u64,
    pub role: Role,
    pub scenario: Scenario,
    pub carrier: Carrier,
    /// When the order is placed.
    pub t0: DateTime<Utc>,
    /// When the scenario's situation holds.
    pub anchor: DateTime<Utc>,
    pub line: Line,
    pub customer: Customer,
    pub initial: Financial,
    pub tags: String,
    pub in_storefront: bool,
    pub origin: Place,
    sf: Vec<(DateTime<Utc>, SfChange)>,
    wh: Vec<(DateTime<Utc>, WhChange)>,
    scans: Vec<Scan>,
    /// When the storefront records a drop-ship vendor's parcel, if the
    /// vendor holding the PO ships the one planned here. Only the truth
    /// uses it: the storefront fulfils drop-shipped goods on the vendor's
    /// ship notice alone (see `server::deliveries`), never by plan.
    pub vendor_recorded: Option<DateTime<Utc>>,
    pub spans: Spans,
}

impl<'r> Builder<'r> {
    pub fn new(rng: &'r mut StdRng, index: u64, role: Role, scenario: Scenario) -> Self {
        let quantity = if scenario == Scenario::RefundedPartialOwed {
            rng.random_range(2..=4)
        } else {
            rng.random_range(1..=3)
        };
        let (sku, title, vendor, price_cents) = if scenario == Scenario::ThirdPartyVendor {
            DROP_SHIPPED[rng.random_range(0..DROP_SHIPPED.len())]
        } else {
            IN_HOUSE[rng.random_range(0..IN_HOUSE.len())]
        };
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let address = ADDRESSES[rng.random_range(0..ADDRESSES.len())];
        let mut builder = Builder {
            index,
            role,
            scenario,
            carrier: Carrier::ALL[(index % 4) as usize],
            t0: DateTime::<Utc>::UNIX_EPOCH,
            anchor: DateTime::<Utc>::UNIX_EPOCH,
            line: Line {
                id: 0,
                sku,
                title,
                vendor,
                quantity,
                // A replacement is sent free of charge.
                price_cents: if role == Role::Replacement {
                    0
                } else {
                    price_cents
                },
            },
            customer: Customer {
                id: 7_000_000_000 + index,
                first,
                last,
                address,
            },
            initial: Financial::Pending,
            tags: String::new(),
            in_storefront: true,
            origin: super::catalog::WAREHOUSE,
            sf: Vec::new(),
            wh: Vec::new(),
            scans: Vec::new(),
            vendor_recorded: None,
            spans: Spans::default(),
            rng,
        };
        builder.line.id = builder.storefront_id() * 10 + 1;
        builder
    }

    pub fn storefront_id(&self) -> u64 {
        match self.role {
            Role::Original => 5_000_000_000 + self.index,
            Role::Replacement => 6_000_000_000 + self.index,
        }
    }

    /// Unique within the world (two per order), and different for each seed
    /// so that two worlds' parcels do not share numbers.
    fn serial(&self, seed: u64) -> u64 {
        serial_base(seed) + 2 * self.index + u64::from(self.role == Role::Replacement)
    }

    pub fn name(&self) -> String {
        match self.role {
            Role::Original => format!("#{}", 1001 + self.index),
            Role::Replacement => format!("#{}-R1", 1001 + self.index),
        }
    }

    /// A random duration in `lo..=hi`, in whole seconds.
    pub fn between(&mut self, lo: TimeDelta, hi: TimeDelta) -> TimeDelta {
        TimeDelta::seconds(self.rng.random_range(lo.num_seconds()..=hi.num_seconds()))
    }

    /// Places the order `lo..=hi` before its anchor moment, moving it a day
    /// further back (or, for an arrival, its anchor a day later) until
    /// `accept(t0, anchor)` holds.
    pub fn place(
        &mut self,
        anchor: Anchor,
        lo: TimeDelta,
        hi: TimeDelta,
        accept: impl Fn(DateTime<Utc>, DateTime<Utc>) -> bool,
    ) {
        let mut age = self.between(lo, hi);
        for _ in 0..30 {
            let (t0, at) = match anchor {
                Anchor::Backlog(at) => (away_from_cutoff(at - age), at),
                Anchor::Arrival(placed) => {
                    let t0 = away_from_cutoff(placed);
                    (t0, t0 + age)
                }
            };
            self.t0 = t0;
            self.anchor = at;
            if accept(t0, at) {
                return;
            }
            age += TimeDelta::days(1);
        }
    }

    /// The default ship-by deadline of this order.
    pub fn deadline(&self) -> DateTime<Utc> {
        calendar::ship_by(self.t0, calendar::DEFAULT_BUSINESS_DAYS)
    }

    pub fn storefront(&mut self, at: DateTime<Utc>, change: SfChange) {
        self.sf.push((at, change));
    }

    pub fn warehouse(&mut self, at: DateTime<Utc>, change: WhChange) {
        self.wh.push((at, change));
    }

    /// Payment is captured a few minutes after checkout.
    pub fn pay(&mut self) -> DateTime<Utc> {
        let paid = self.t0 + self.between(minutes(1), minutes(5));
        self.storefront(paid, SfChange::Paid);
        paid
    }

    /// The integration hands the order to the warehouse well within the
    /// hand-off tolerance.
    pub fn import(&mut self) -> DateTime<Utc> {
        let at = self.t0 + self.between(minutes(10), minutes(40));
        self.warehouse(at, WhChange::Imported);
        at
    }

    /// The warehouse ships at `shipped`, the storefront hears `lag` later,
    /// and the parcel is delivered a few days on: the ordinary happy ending.
    pub fn ship_and_sync(&mut self, shipped: DateTime<Utc>, lag: (TimeDelta, TimeDelta)) {
        self.warehouse(shipped, WhChange::Shipped { tracked: true });
        let synced = shipped + self.between(lag.0, lag.1);
        self.storefront(synced, SfChange::Fulfilled { tracked: true });
        let delivered = shipped + self.between(hours(36), hours(96));
        self.journey(shipped, delivered);
        self.sync_spans(shipped, Some(synced));
    }

    /// SYNC_DELAY from the shipment until the storefront hears or the sync
    /// tolerance runs out, FULFILMENT_NOT_SYNCED after that until it hears.
    pub fn sync_spans(&mut self, shipped: DateTime<Utc>, synced: Option<DateTime<Utc>>) {
        let limit = after(shipped + calendar::sync_lag());
        let delay_end = synced.map_or(limit, |synced| synced.min(limit));
        self.spans
            .add(FindingCode::SyncDelay, shipped, Some(delay_end));
        if synced.is_none_or(|synced| synced > limit) {
            self.spans
                .add(FindingCode::FulfilmentNotSynced, limit, synced);
        }
    }

    /// SLA_BREACH while goods are owed (`from..until`) past the deadline.
    pub fn breach(
        &mut self,
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        deadline: DateTime<Utc>,
    ) {
        let late = after(deadline).max(from);
        self.spans.add(FindingCode::SlaBreach, late, until);
    }

    pub fn scan(&mut self, at: DateTime<Utc>, event: ScanEvent, place: Place) {
        self.scans.push(Scan { at, event, place });
    }

    /// The label is bought when the warehouse ships; the carrier picks the
    /// parcel up a few hours later. Returns the pickup time.
    pub fn label_and_pickup(&mut self, shipped: DateTime<Utc>) -> DateTime<Utc> {
        let origin = self.origin;
        self.scan(shipped, ScanEvent::LabelCreated, origin);
        let picked = shipped + self.between(hours(2), hours(5));
        self.scan(picked, ScanEvent::PickedUp, origin);
        picked
    }

    /// Hub scans after `from`, each within a day or so of the last, the last
    /// at least an hour before `until`.
    pub fn travel(&mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> DateTime<Utc> {
        let mut last = from;
        let mut hub = self.rng.random_range(0..HUBS.len());
        let mut arriving = true;
        loop {
            let next = last + self.between(hours(8), hours(26));
            if next >= until - hours(1) {
                return last;
            }
            let event = if arriving {
                ScanEvent::Arrived
            } else {
                hub = (hub + 1) % HUBS.len();
                ScanEvent::Departed
            };
            self.scan(next, event, HUBS[hub]);
            arriving = !arriving;
            last = next;
        }
    }

    /// Out for delivery in the morning of `delivered`'s day, then delivered.
    pub fn deliver(&mut self, delivered: DateTime<Utc>) -> DateTime<Utc> {
        let destination = self.customer.address;
        let out = delivered - self.between(hours(2), hours(5));
        self.scan(out, ScanEvent::OutForDelivery, destination);
        self.scan(delivered, ScanEvent::Delivered, destination);
        out
    }

    /// A parcel's uneventful journey from label to doorstep.
    pub fn journey(&mut self, shipped: DateTime<Utc>, delivered: DateTime<Utc>) {
        let picked = self.label_and_pickup(shipped);
        let out = delivered - hours(5);
        self.travel(picked, out);
        self.deliver(delivered);
    }

    /// The scans laid out so far, for a parcel that is no order's own (a
    /// drop-ship vendor's): no plan and no ground truth come with them.
    pub fn into_scans(mut self) -> Vec<Scan> {
        self.scans.sort_by_key(|scan| scan.at);
        self.scans
    }

    /// The finished plan. Carrier findings follow from the scans: a gap
    /// longer than the stall tolerance, an exception or an unknown code until
    /// the next scan, and a delivery the storefront has not recorded.
    pub fn finish(mut self, seed: u64) -> OrderPlan {
        self.sf.sort_by_key(|(at, _)| *at);
        self.wh.sort_by_key(|(at, _)| *at);
        self.scans.sort_by_key(|scan| scan.at);
        let synced = self
            .sf
            .iter()
            .find_map(|(at, change)| matches!(change, SfChange::Fulfilled { .. }).then_some(*at));
        self.carrier_spans(synced.or(self.vendor_recorded));
        if let Some(synced) = synced {
            let follow: Vec<(DateTime<Utc>, SfChange)> =
                shipment_updates(&self.scans, synced).collect();
            self.sf.extend(follow);
            self.sf.sort_by_key(|(at, _)| *at);
        }
        let storefront_id = self.storefront_id();
        let parcel = (!self.scans.is_empty()).then(|| ParcelPlan {
            carrier: self.carrier,
            tracking_number: tracking_number(self.carrier, self.serial(seed)),
            origin: self.origin,
            destination: self.customer.address,
            scans: std::mem::take(&mut self.scans),
        });
        let offset = u64::from(self.role == Role::Replacement);
        OrderPlan {
            index: self.index,
            scenario: self.scenario,
            name: self.name(),
            created_at: self.t0,
            customer: self.customer.clone(),
            line: self.line.clone(),
            shipping: Shipping {
                code: "Standard",
                title: "Standard shipping",
                price_cents: if self.role == Role::Replacement {
                    0
                } else {
                    500
                },
            },
            storefront: self.in_storefront.then(|| StorefrontPlan {
                id: storefront_id,
                initial: self.initial,
                tags: self.tags.clone(),
                changes: std::mem::take(&mut self.sf),
            }),
            warehouse: (!self.wh.is_empty()).then(|| WarehousePlan {
                order_id: 100_000_000 + 2 * self.index + offset,
                shipment_id: 300_000_000 + 2 * self.index + offset,
                changes: std::mem::take(&mut self.wh),
            }),
            parcel,
            order_key: storefront_id,
            truth: std::mem::take(&mut self.spans.0),
        }
    }

    fn carrier_spans(&mut self, synced: Option<DateTime<Utc>>) {
        let stall = calendar::tracking_stall();
        let scans = self.scans.clone();
        for (i, scan) in scans.iter().enumerate() {
            let next = scans.get(i + 1).map(|s| s.at);
            match scan.event {
                ScanEvent::Delivered => {
                    if synced.is_none_or(|synced| synced > scan.at) {
                        self.spans
                            .add(FindingCode::DeliveredNotClosed, scan.at, synced);
                    }
                    continue;
                }
                ScanEvent::DeliveryFailed => {
                    self.spans.add(FindingCode::CarrierException, scan.at, next)
                }
                ScanEvent::Unmapped => {
                    self.spans
                        .add(FindingCode::CarrierStatusUnknown, scan.at, next)
                }
                _ => {}
            }
            let quiet_from = after(scan.at + stall);
            if next.is_none_or(|next| next > quiet_from) {
                self.spans
                    .add(FindingCode::TrackingStalled, quiet_from, next);
            }
        }
    }
}

/// The storefront's `shipment_status` changes that `scans` after `synced`
/// (when it recorded the parcel) bring.
pub fn shipment_updates(
    scans: &[Scan],
    synced: DateTime<Utc>,
) -> impl Iterator<Item = (DateTime<Utc>, SfChange)> + '_ {
    scans
        .iter()
        .filter(move |scan| scan.at > synced)
        .filter_map(|scan| {
            scan.event
                .shopify_status()
                .map(|status| (scan.at, SfChange::Shipment(status)))
        })
}

/// How long after a drop-ship vendor's parcel leaves the storefront records
/// it (the ship notice reaches the shop through the vendor's integration):
/// half an hour to four hours, fixed by the order and the moment, so that
/// the world's plan and the vendor that ships the planned parcel agree.
pub fn vendor_record_lag(order_name: &str, shipped_at: DateTime<Utc>) -> TimeDelta {
    let spread = (hours(4) - minutes(30)).num_seconds() as u64;
    let hash = fnv(order_name.trim().trim_start_matches('#'))
        ^ (shipped_at.timestamp() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    minutes(30) + TimeDelta::seconds((hash % (spread + 1)) as i64)
}

/// FNV-1a: a hash that stays the same across builds and platforms, unlike
/// the standard library's.
pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// Where a world's parcel serials start: orders take two each from here,
/// and parcels made while the world runs (drop-ship vendors') follow them.
pub fn serial_base(seed: u64) -> u64 {
    40_961 * (seed % 211 + 1)
}

/// Orders placed within a quarter of an hour of the daily cutoff are moved
/// half an hour earlier, so that "after the cutoff" is never close.
pub fn away_from_cutoff(at: DateTime<Utc>) -> DateTime<Utc> {
    if calendar::seconds_from_cutoff(at).abs() < 15 * 60 {
        at - minutes(30)
    } else {
        at
    }
}

/// A tracking number in the carrier's own pattern, check digit included;
/// `serial` keeps it unique.
pub fn tracking_number(carrier: Carrier, serial: u64) -> String {
    match carrier {
        // 1Z, shipper number, service 03 (Ground), seven digits, check digit.
        Carrier::Ups => {
            let body = format!("4Y6W8003{:07}", serial % 10_000_000);
            format!("1Z{body}{}", ups_check_digit(&body))
        }
        // Twelve digits; the last is the mod-11 check over weights 1, 3, 7
        // from the right.
        Carrier::Fedex => {
            let body = format!("7{:010}", serial % 10_000_000_000);
            let sum: u32 = digits(&body)
                .rev()
                .zip([1, 3, 7].iter().cycle())
                .map(|(d, w)| d * w)
                .sum();
            format!("{body}{}", sum % 11 % 10)
        }
        // IMpb: 22 digits starting 9400, mod-10 check over weights 3, 1 from
        // the right.
        Carrier::Usps => {
            let body = format!("9400111{:014}", serial % 100_000_000_000_000);
            let sum: u32 = digits(&body)
                .rev()
                .zip([3, 1].iter().cycle())
                .map(|(d, w)| d * w)
                .sum();
            format!("{body}{}", (10 - sum % 10) % 10)
        }
        // Ten-digit waybill: nine digits and their value mod 7.
        Carrier::Dhl => {
            let body = 400_000_000 + serial % 100_000_000;
            format!("{body}{}", body % 7)
        }
    }
}

/// UPS's check digit over the fifteen characters after `1Z`: letters count
/// as (position in the alphabet + 2) mod 10, every second character double.
fn ups_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .map(|c| {
            c.to_digit(10)
                .unwrap_or_else(|| (c as u32).saturating_sub('A' as u32).wrapping_add(2) % 10)
        })
        .enumerate()
        .map(|(i, v)| if i % 2 == 1 { v * 2 } else { v })
        .sum();
    (10 - sum % 10) % 10
}

fn digits(text: &str) -> impl DoubleEndedIterator<Item = u32> + '_ {
    text.chars().filter_map(|c| c.to_digit(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_numbers_follow_each_carriers_pattern() {
        let ups = tracking_number(Carrier::Ups, 42);
        assert!(ups.starts_with("1Z") && ups.len() == 18, "{ups}");
        let fedex = tracking_number(Carrier::Fedex, 42);
        assert!(
            fedex.len() == 12 && fedex.chars().all(|c| c.is_ascii_digit()),
            "{fedex}"
        );
        let usps = tracking_number(Carrier::Usps, 42);
        assert!(usps.len() == 22 && usps.starts_with("9400"), "{usps}");
        let dhl = tracking_number(Carrier::Dhl, 42);
        assert!(
            dhl.len() == 10 && dhl.chars().all(|c| c.is_ascii_digit()),
            "{dhl}"
        );
        // The published UPS example 1Z999AA10123456784 checks out.
        assert_eq!(ups_check_digit("999AA1012345678"), 4);
    }
}
