use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a drop-ship purchase order stands with its vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckState {
    /// Sent, not yet acknowledged.
    Sent,
    Accepted,
    AcceptedWithChanges,
    PartiallyAccepted,
    Rejected,
    Cancelled,
}

impl AckState {
    /// As an operator reads it.
    pub fn as_words(self) -> &'static str {
        match self {
            AckState::Sent => "sent, not acknowledged",
            AckState::Accepted => "accepted",
            AckState::AcceptedWithChanges => "accepted with changes",
            AckState::PartiallyAccepted => "partially accepted",
            AckState::Rejected => "rejected",
            AckState::Cancelled => "cancelled",
        }
    }
}

/// One line of a PO. `ordered`, `accepted` and `shipped` are in our units
/// whatever the vendor sells in; `uom` and `pack_size` say how they read on
/// the vendor's side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderLine {
    pub our_sku: String,
    pub vendor_sku: Option<String>,
    pub ordered: u32,
    pub accepted: Option<u32>,
    pub shipped: u32,
    /// The vendor's unit (X12 PO103: EA, CA, PK, BX, …); `None` is EA.
    #[serde(default)]
    pub uom: Option<String>,
    /// Our units in one of the vendor's; `None` is 1.
    #[serde(default)]
    pub pack_size: Option<u32>,
    /// The option that picks our variant out of the vendor's SKU.
    #[serde(default)]
    pub vendor_option: Option<String>,
    /// What the vendor acknowledged, in a unit other than the one ordered:
    /// kept as sent, since no conversion to our units can be trusted.
    #[serde(default)]
    pub ack_in_other_unit: Option<VendorQuantity>,
    /// What the vendor said it will ship instead (855 ACK01 IS, or the
    /// API's `substituted`), and what was decided of it.
    #[serde(default)]
    pub substitute: Option<Substitution>,
}

/// A substitute a vendor offered for a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Substitution {
    /// The vendor's product id for what it will ship.
    pub vendor_sku: String,
    pub status: SubstitutionStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubstitutionStatus {
    /// Waiting for a decision (VENDOR_SUBSTITUTION, blocked).
    Pending,
    Accepted,
    /// Refused: the vendor is to ship what was ordered.
    Rejected,
}

impl Substitution {
    /// The vendor's offer laid over what was decided before: the same
    /// substitute keeps its decision, another one waits afresh.
    pub fn offered(previous: Option<&Substitution>, vendor_sku: &str) -> Substitution {
        match previous {
            Some(known) if known.vendor_sku.eq_ignore_ascii_case(vendor_sku) => known.clone(),
            _ => Substitution {
                vendor_sku: vendor_sku.to_string(),
                status: SubstitutionStatus::Pending,
            },
        }
    }
}

/// A quantity in a vendor's unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorQuantity {
    pub quantity: u32,
    pub uom: String,
}

impl PurchaseOrderLine {
    /// The vendor's unit code.
    pub fn unit(&self) -> &str {
        self.uom.as_deref().unwrap_or("EA")
    }

    pub fn pack(&self) -> u32 {
        self.pack_size.unwrap_or(1).max(1)
    }

    /// What the PO asks of the vendor, in its unit. Lines are created only
    /// when `ordered` is a whole number of packs.
    pub fn vendor_quantity(&self) -> u32 {
        self.ordered / self.pack()
    }

    /// `quantity` of the vendor's `uom` in our units, or `None` when the
    /// unit is not the one this line was ordered in. A vendor that names
    /// no unit speaks in the one ordered.
    pub fn our_units(&self, quantity: u32, uom: Option<&str>) -> Option<u32> {
        let same = uom
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .is_none_or(|u| u.eq_ignore_ascii_case(self.unit()));
        same.then(|| quantity.saturating_mul(self.pack()))
    }
}

/// One package a vendor's ship notice names, for the carriers to track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorPackage {
    pub tracking_number: String,
    /// The carrier as the vendor named it (SCAC or routing text).
    pub carrier: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
}

/// A purchase order sent to a drop-ship vendor for (part of) an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub po_number: String,
    pub vendor_id: String,
    pub sent_at: DateTime<Utc>,
    pub ack: AckState,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub promised_ship_date: Option<DateTime<Utc>>,
    pub lines: Vec<PurchaseOrderLine>,
    /// The order (its name) this PO was sent for: how vendor documents about
    /// the PO find their order.
    #[serde(default)]
    pub order_name: String,
    /// Bumped by each vendor document applied to this PO, so the store keeps
    /// the latest state whatever the vendor's own dates say.
    #[serde(default)]
    pub revision: u32,
    #[serde(default)]
    pub packages: Vec<VendorPackage>,
    /// Asked to ship on the vendor's expedited terms: a reroute paid for
    /// it to meet the order's ship-by.
    #[serde(default)]
    pub expedite: bool,
}

/// Why a reroute was proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RerouteTrigger {
    Rejected,
    PartialAck,
    NoAck,
    AtpShort,
    /// The vendor will ship a substitute for a line.
    Substitution,
    /// The vendor accepted and has not shipped by the date it promised (or,
    /// naming none, by its SLA).
    ShipLate,
}

impl RerouteTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            RerouteTrigger::Rejected => "the vendor rejected the PO",
            RerouteTrigger::PartialAck => "the vendor confirmed only part of the PO",
            RerouteTrigger::NoAck => "the vendor has not acknowledged the PO in time",
            RerouteTrigger::AtpShort => "the vendor's ATP does not cover the PO",
            RerouteTrigger::Substitution => "the vendor offered a substitute",
            RerouteTrigger::ShipLate => "the vendor has not shipped in time",
        }
    }
}

/// Where a reroute proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RerouteStatus {
    /// Waiting for a human (REROUTE_PROPOSED).
    Proposed,
    /// Needs no human; orderdeck runs it on its own.
    Automatic,
    /// The vendor is observe-only: recorded, never executed.
    Observed,
    /// Approved and executed: the new PO sent, the old one cancelled.
    Approved,
    Rejected,
}

/// One vendor's part of an alternate: what it would ship, what its ATP
/// says, what it costs and when it promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlternateSource {
    pub vendor_id: String,
    /// (our SKU, quantity, the vendor's ATP for it).
    pub lines: Vec<(String, u32, i64)>,
    /// Landed cost in cents; `None` when the vendor's cost of a SKU is not
    /// configured.
    pub cost_cents: Option<i64>,
    /// The ship-by the vendor's own SLA gives from now (its expedited one
    /// when `expedite_fee_cents` is set).
    pub promised_by: DateTime<Utc>,
    /// Set when the vendor's standard SLA would miss the order's ship-by and
    /// its paid expedite meets it: the fee, in cents, already in
    /// `cost_cents`. Absent from proposals stored before expedites.
    #[serde(default)]
    pub expedite_fee_cents: Option<i64>,
    /// Set when the source is an in-house warehouse, not a vendor: the
    /// storefront location the order's fulfilment order moves to (no PO).
    #[serde(default)]
    pub location_id: Option<String>,
}

/// One way to source the PO's goods elsewhere: one source, or a split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerouteAlternate {
    pub sources: Vec<AlternateSource>,
    pub cost_cents: Option<i64>,
    /// The latest promise of its sources: when the customer gets it all.
    pub promised_by: DateTime<Utc>,
    /// Takes the substitute the PO's own vendor offered: nothing is sent or
    /// cancelled, the substitute is recorded as accepted.
    #[serde(default)]
    pub substitution: bool,
}

impl RerouteAlternate {
    pub fn split(&self) -> bool {
        self.sources.len() > 1
    }

    /// Its sources as an operator reads them:
    /// "northwind-supply (SOFA 1 of ATP 25) + …", with ", expedited" inside
    /// the brackets of a source paid to ship faster and ", our warehouse"
    /// inside those of an in-house warehouse.
    pub fn describe(&self) -> String {
        let sources: Vec<String> = self
            .sources
            .iter()
            .map(|s| {
                let lines: Vec<String> = s
                    .lines
                    .iter()
                    .map(|(sku, qty, atp)| format!("{sku} {qty} of ATP {atp}"))
                    .collect();
                let expedited = if s.expedite_fee_cents.is_some() {
                    ", expedited"
                } else {
                    ""
                };
                let ours = if s.location_id.is_some() {
                    ", our warehouse"
                } else {
                    ""
                };
                format!("{} ({}{expedited}{ours})", s.vendor_id, lines.join(", "))
            })
            .collect();
        if self.substitution {
            return format!("keep {}, taking its substitute", sources.join(" + "));
        }
        sources.join(" + ")
    }
}

/// A proposal to source a troubled PO's goods elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerouteProposal {
    /// `RR-{po_number}`: one proposal per troubled PO.
    pub id: String,
    pub order_name: String,
    pub po_number: String,
    pub vendor_id: String,
    pub trigger: RerouteTrigger,
    pub proposed_at: DateTime<Utc>,
    /// Best first: priority, then landed cost.
    pub alternates: Vec<RerouteAlternate>,
    /// The original PO's landed cost in cents, when known.
    pub original_cost_cents: Option<i64>,
    /// Why a human must decide; empty when it may run on its own.
    pub needs_approval: Vec<String>,
    pub status: RerouteStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The alternate approved (index into `alternates`).
    pub chosen: Option<usize>,
    /// The POs the approval sent.
    #[serde(default)]
    pub new_po_numbers: Vec<String>,
    /// The promise written back to the storefront once the new vendor
    /// confirmed, and when.
    #[serde(default)]
    pub promise_written: Option<(DateTime<Utc>, DateTime<Utc>)>,
    #[serde(default)]
    pub revision: u32,
}

impl RerouteProposal {
    /// Whether approving it leaves the troubled PO with its vendor: a PO the
    /// vendor confirmed in part still brings what it confirmed, so only the
    /// rest is sourced elsewhere and nothing is cancelled.
    pub fn keeps_old_po(&self) -> bool {
        self.trigger == RerouteTrigger::PartialAck
    }
}
