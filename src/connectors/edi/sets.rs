//! The transaction sets a drop-ship vendor sends us (004010 846, 855, 856),
//! read into plain values; matching them to our purchase orders happens
//! where the store is.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::x12::{Interchange, Segment, TransactionSet, X12Error};

/// One vendor document read from an interchange.
#[derive(Debug, Clone, PartialEq)]
pub enum VendorMessage {
    Ack(PoAck),
    ShipNotice(ShipNotice),
    Inventory(InventoryAdvice),
    FunctionalAck(FunctionalAck),
}

/// A 997: whether the vendor's translator could read one of our groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionalAck {
    /// AK101: the group's functional id (PO for our 850s, PC for our 860s).
    pub functional_id: String,
    /// AK102: the group's control number, which is our interchange's.
    pub group_control: String,
    /// AK901: A accepted, E accepted with errors, P partly, R rejected.
    pub status: String,
    /// The AK2/AK5 pairs: (set id, set control number, AK501).
    pub sets: Vec<(String, String, String)>,
}

impl FunctionalAck {
    /// Whether the vendor refused the group outright (AK901 R): what it
    /// carried never reached the vendor's system.
    pub fn rejected(&self) -> bool {
        self.status == "R"
    }
}

/// BAK02: the vendor's answer for the PO as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckVerdict {
    Accepted,
    AcceptedWithChanges,
    /// Only line exceptions were sent (AE): the lines decide.
    Exceptions,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckLine {
    /// PO101, the line number our 850 gave it.
    pub line_number: String,
    /// Every product id the PO1 names (VN, SK, BP, MG, UP, …).
    pub product_ids: Vec<String>,
    pub ordered: Option<u32>,
    /// PO103: the unit `ordered` is in.
    pub unit: Option<String>,
    /// The ACK segments under the line; none when the vendor sent no ACK.
    pub statuses: Vec<AckStatus>,
}

/// One ACK segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckStatus {
    /// ACK01, the line item status code (IA, IB, IS, …).
    pub code: String,
    /// ACK02 in the unit of ACK03.
    pub quantity: Option<u32>,
    pub unit: Option<String>,
    /// ACK08, ACK10, …: the product the answer is about; under IS, the
    /// substitute.
    pub product_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoAck {
    pub po_number: String,
    pub verdict: AckVerdict,
    pub code: String,
    pub lines: Vec<AckLine>,
    /// The day the vendor schedules the goods to ship (DTM or ACK04/05
    /// qualifier 068, current schedule ship): the latest one it names.
    pub ship_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedItem {
    pub product_ids: Vec<String>,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedPackage {
    pub tracking_number: String,
    pub items: Vec<ShippedItem>,
}

/// One order level (HL O) of a ship notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedOrder {
    pub po_number: String,
    pub packages: Vec<ShippedPackage>,
    /// Items listed with no package of their own, or under a package with
    /// no tracking number.
    pub loose_items: Vec<ShippedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipNotice {
    pub shipment_id: String,
    pub carrier: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub orders: Vec<ShippedOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryItem {
    pub vendor_sku: String,
    /// QTY01 qualifier → quantity, in the order sent.
    pub quantities: Vec<(String, i64)>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryAdvice {
    pub items: Vec<InventoryItem>,
}

/// Reads every transaction set of an interchange. Anything but 004010 846,
/// 855, 856 and 997 is refused: a vendor sending us something else (an
/// 810, an 850) has sent it to the wrong place.
pub fn read(interchange: &Interchange) -> Result<Vec<VendorMessage>, X12Error> {
    if interchange.version != "00401" {
        return Err(X12Error(format!(
            "interchange {} is version {} (ISA12); only 004010 is read",
            interchange.control_number, interchange.version
        )));
    }
    let mut messages = Vec::new();
    for group in &interchange.groups {
        if !group.version.starts_with("004010") {
            return Err(X12Error(format!(
                "group {} of interchange {} is version {} (GS08); only 004010 is read",
                group.control_number, interchange.control_number, group.version
            )));
        }
        for set in &group.sets {
            let message = match set.id.as_str() {
                "855" => VendorMessage::Ack(ack(set)?),
                "856" => VendorMessage::ShipNotice(ship_notice(set)?),
                "846" => VendorMessage::Inventory(inventory(set)?),
                "997" => VendorMessage::FunctionalAck(functional_ack(set)?),
                other => {
                    return Err(X12Error(format!(
                        "transaction set {} is a {other} ({}); a vendor inbox takes only 846, 855, 856 and 997",
                        set.control_number,
                        set_name(other)
                    )))
                }
            };
            messages.push(message);
        }
    }
    Ok(messages)
}

fn set_name(id: &str) -> &'static str {
    match id {
        "810" => "invoice",
        "850" => "purchase order, which we send rather than receive",
        "860" => "PO change request",
        _ => "not a set orderdeck reads",
    }
}

fn functional_ack(set: &TransactionSet) -> Result<FunctionalAck, X12Error> {
    let find = |id: &str| set.segments.iter().find(|s| s.id == id);
    let ak1 = find("AK1").ok_or_else(|| set_error(set, "no AK1 segment"))?;
    let ak9 = find("AK9").ok_or_else(|| set_error(set, "no AK9 segment"))?;
    let status = ak9.el(1).to_string();
    if !matches!(status.as_str(), "A" | "E" | "P" | "R" | "M" | "W" | "X") {
        return Err(set_error(
            set,
            format!("AK901 {status:?} is not a group status"),
        ));
    }
    let mut sets = Vec::new();
    let mut pending: Option<(String, String)> = None;
    for segment in &set.segments {
        match segment.id.as_str() {
            "AK2" => pending = Some((segment.el(1).to_string(), segment.el(2).to_string())),
            "AK5" => {
                if let Some((id, control)) = pending.take() {
                    sets.push((id, control, segment.el(1).to_string()));
                }
            }
            _ => {}
        }
    }
    Ok(FunctionalAck {
        functional_id: ak1.el(1).to_string(),
        group_control: ak1.el(2).to_string(),
        status,
        sets,
    })
}

fn set_error(set: &TransactionSet, message: impl std::fmt::Display) -> X12Error {
    X12Error(format!(
        "{} transaction set {}: {message}",
        set.id, set.control_number
    ))
}

fn quantity(value: &str) -> Option<u32> {
    let value = value.trim();
    value.parse::<u32>().ok().or_else(|| {
        value
            .parse::<f64>()
            .ok()
            .filter(|q| *q >= 0.0)
            .map(|q| q.round() as u32)
    })
}

fn unit(value: &str) -> Option<String> {
    Some(value.trim().to_ascii_uppercase()).filter(|u| !u.is_empty())
}

/// The values of (qualifier, id) pairs from element `from` on.
fn product_ids(segment: &Segment, from: usize) -> Vec<String> {
    (from..=segment.elements.len())
        .step_by(2)
        .map(|i| segment.el(i + 1).to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

fn ack(set: &TransactionSet) -> Result<PoAck, X12Error> {
    let bak = set
        .segments
        .iter()
        .find(|s| s.id == "BAK")
        .ok_or_else(|| set_error(set, "no BAK segment"))?;
    let code = bak.el(2).to_string();
    let verdict = match code.as_str() {
        "AT" | "AD" | "AK" | "AP" | "NA" => AckVerdict::Accepted,
        "AC" => AckVerdict::AcceptedWithChanges,
        "AE" => AckVerdict::Exceptions,
        "RJ" | "RD" | "RF" | "RO" => AckVerdict::Rejected,
        other => {
            return Err(set_error(
                set,
                format!("BAK02 {other:?} is not an acknowledgement type"),
            ))
        }
    };
    let po_number = bak.el(3).to_string();
    if po_number.is_empty() {
        return Err(set_error(set, "BAK03 (the PO number) is empty"));
    }
    let mut lines: Vec<AckLine> = Vec::new();
    let mut ship_date: Option<NaiveDate> = None;
    let mut scheduled = |qualifier: &str, date: &str| {
        if qualifier == "068" {
            if let Ok(day) = NaiveDate::parse_from_str(date, "%Y%m%d") {
                ship_date = ship_date.max(Some(day));
            }
        }
    };
    for segment in &set.segments {
        match segment.id.as_str() {
            "DTM" => scheduled(segment.el(1), segment.el(2)),
            "PO1" => lines.push(AckLine {
                line_number: segment.el(1).to_string(),
                product_ids: product_ids(segment, 6),
                ordered: quantity(segment.el(2)),
                unit: unit(segment.el(3)),
                statuses: Vec::new(),
            }),
            "ACK" => match lines.last_mut() {
                Some(line) => {
                    scheduled(segment.el(4), segment.el(5));
                    line.statuses.push(AckStatus {
                        code: segment.el(1).to_string(),
                        quantity: quantity(segment.el(2)),
                        unit: unit(segment.el(3)),
                        product_ids: product_ids(segment, 7),
                    });
                }
                None => return Err(set_error(set, "ACK segment before any PO1 line")),
            },
            _ => {}
        }
    }
    Ok(PoAck {
        po_number,
        verdict,
        code,
        lines,
        ship_date,
    })
}

/// CCYYMMDD plus an optional HHMM, read as UTC: X12 dates carry no zone.
fn date_time(date: &str, time: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
    let time =
        NaiveTime::parse_from_str(time.get(..4).unwrap_or(time), "%H%M").unwrap_or(NaiveTime::MIN);
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// A carrier named by SCAC or routing text, in the words the carrier
/// clients recognise.
fn carrier_name(scac: &str, routing: &str) -> Option<String> {
    let known = match scac.to_ascii_uppercase().as_str() {
        "FDE" | "FDEG" | "FDEN" | "FXFE" | "FEDX" | "FED2" => Some("fedex"),
        "UPSN" | "UPSS" | "UPGF" => Some("ups"),
        "USPS" => Some("usps"),
        "DHL" | "DHLC" | "DHLG" => Some("dhl"),
        _ => None,
    };
    let routing_upper = routing.to_ascii_uppercase();
    known
        .map(str::to_string)
        .or_else(|| {
            routing_upper
                .starts_with("FEDX")
                .then(|| "fedex".to_string())
        })
        .or_else(|| (!routing.is_empty()).then(|| routing.to_string()))
        .or_else(|| (!scac.is_empty()).then(|| scac.to_string()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Shipment,
    Order,
    Pack,
    Item,
    Other,
}

fn ship_notice(set: &TransactionSet) -> Result<ShipNotice, X12Error> {
    let bsn = set
        .segments
        .iter()
        .find(|s| s.id == "BSN")
        .ok_or_else(|| set_error(set, "no BSN segment"))?;
    let mut notice = ShipNotice {
        shipment_id: bsn.el(2).to_string(),
        carrier: None,
        shipped_at: None,
        orders: Vec::new(),
    };
    let mut shipment_tracking: Option<String> = None;
    let mut level = Level::Other;
    let mut item_ids: Vec<String> = Vec::new();
    for segment in &set.segments {
        match (segment.id.as_str(), level) {
            ("HL", _) => {
                level = match segment.el(3) {
                    "S" => Level::Shipment,
                    "O" => Level::Order,
                    "P" | "T" => Level::Pack,
                    "I" => Level::Item,
                    _ => Level::Other,
                };
                match level {
                    Level::Order => notice.orders.push(ShippedOrder {
                        po_number: String::new(),
                        packages: Vec::new(),
                        loose_items: Vec::new(),
                    }),
                    Level::Pack => {
                        let order = notice.orders.last_mut().ok_or_else(|| {
                            set_error(set, "a pack level (HL P) before any order level (HL O)")
                        })?;
                        order.packages.push(ShippedPackage {
                            tracking_number: String::new(),
                            items: Vec::new(),
                        });
                    }
                    _ => {}
                }
                item_ids.clear();
            }
            ("TD5", _) => notice.carrier = carrier_name(segment.el(3), segment.el(5)),
            ("DTM", _) if segment.el(1) == "011" => {
                notice.shipped_at = date_time(segment.el(2), segment.el(3));
            }
            ("REF", Level::Shipment) if matches!(segment.el(1), "CN" | "2I") => {
                shipment_tracking = Some(segment.el(2).to_string());
            }
            ("PRF", Level::Order) => {
                if let Some(order) = notice.orders.last_mut() {
                    order.po_number = segment.el(1).to_string();
                }
            }
            ("REF", Level::Pack) | ("MAN", Level::Pack)
                if matches!(segment.el(1), "CN" | "2I" | "CP") =>
            {
                if let Some(package) = notice.orders.last_mut().and_then(|o| o.packages.last_mut())
                {
                    package.tracking_number = segment.el(2).to_string();
                }
            }
            ("LIN", Level::Item) => item_ids = product_ids(segment, 2),
            ("SN1", Level::Item) => {
                let quantity = quantity(segment.el(2)).ok_or_else(|| {
                    set_error(set, format!("SN102 {:?} is not a quantity", segment.el(2)))
                })?;
                let item = ShippedItem {
                    product_ids: item_ids.clone(),
                    quantity,
                };
                let order = notice
                    .orders
                    .last_mut()
                    .ok_or_else(|| set_error(set, "an item (SN1) outside any order level"))?;
                match order.packages.last_mut() {
                    Some(package) => package.items.push(item),
                    None => order.loose_items.push(item),
                }
            }
            _ => {}
        }
    }
    if notice.orders.is_empty() {
        return Err(set_error(set, "no order level (HL O) names a PO"));
    }
    for order in &mut notice.orders {
        if order.po_number.is_empty() {
            return Err(set_error(
                set,
                "an order level (HL O) has no PRF (PO number)",
            ));
        }
        // Carriers often track a whole small shipment by one number given
        // at the shipment level (REF CN); a package without its own takes it.
        for package in &mut order.packages {
            if package.tracking_number.is_empty() {
                if let Some(number) = &shipment_tracking {
                    package.tracking_number = number.clone();
                }
            }
        }
        if order.packages.is_empty() {
            if let Some(number) = &shipment_tracking {
                order.packages.push(ShippedPackage {
                    tracking_number: number.clone(),
                    items: std::mem::take(&mut order.loose_items),
                });
            }
        }
        let (tracked, untracked): (Vec<_>, Vec<_>) = std::mem::take(&mut order.packages)
            .into_iter()
            .partition(|p| !p.tracking_number.is_empty());
        order.packages = tracked;
        order
            .loose_items
            .extend(untracked.into_iter().flat_map(|p| p.items));
    }
    Ok(notice)
}

fn inventory(set: &TransactionSet) -> Result<InventoryAdvice, X12Error> {
    let mut items: Vec<InventoryItem> = Vec::new();
    for segment in &set.segments {
        match segment.id.as_str() {
            "LIN" => {
                // The vendor's own part number names the item; the first
                // id stands in when no qualifier says "vendor".
                let pairs: Vec<(&str, &str)> = (2..=segment.elements.len())
                    .step_by(2)
                    .map(|i| (segment.el(i), segment.el(i + 1)))
                    .filter(|(_, id)| !id.is_empty())
                    .collect();
                let sku = pairs
                    .iter()
                    .find(|(q, _)| matches!(*q, "VN" | "VP" | "VA"))
                    .or(pairs.first())
                    .map(|(_, id)| id.to_string())
                    .ok_or_else(|| set_error(set, "LIN names no product"))?;
                items.push(InventoryItem {
                    vendor_sku: sku,
                    quantities: Vec::new(),
                    unit: None,
                });
            }
            "QTY" => {
                let item = items
                    .last_mut()
                    .ok_or_else(|| set_error(set, "QTY before any LIN"))?;
                let value: i64 = segment
                    .el(2)
                    .parse::<f64>()
                    .map(|q| q.round() as i64)
                    .map_err(|_| {
                        set_error(set, format!("QTY02 {:?} is not a quantity", segment.el(2)))
                    })?;
                item.quantities.push((segment.el(1).to_string(), value));
                let unit = segment
                    .el(3)
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or("");
                if !unit.is_empty() {
                    item.unit = Some(unit.to_string());
                }
            }
            "UIT" => {
                if let Some(item) = items.last_mut() {
                    item.unit = Some(segment.el(1).to_string()).filter(|u| !u.is_empty());
                }
            }
            _ => {}
        }
    }
    if items.is_empty() {
        return Err(set_error(set, "no LIN item"));
    }
    Ok(InventoryAdvice { items })
}
