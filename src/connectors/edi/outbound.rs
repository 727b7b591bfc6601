//! What we send a drop-ship vendor: the 850 purchase order, the 860 that
//! cancels one, and the 997 that tells it we read its files.

use chrono::{DateTime, Utc};

use super::x12::{Group, Interchange, Segment, Separators, TransactionSet, X12Error};
use crate::domain::PurchaseOrder;

/// Who the interchange is from and to: ISA05/06 and ISA07/08.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub qualifier: String,
    pub id: String,
}

/// Refuses a value that holds one of the vendor's separators: written as
/// is, it would split an element or a segment where the vendor reads it.
fn check_separators<'a>(
    po_number: &str,
    separators: Separators,
    values: impl Iterator<Item = &'a str>,
) -> Result<(), X12Error> {
    let reserved = [
        Some(separators.element),
        Some(separators.component),
        Some(separators.segment),
        separators.repetition,
    ];
    for value in values {
        if let Some(c) = value.chars().find(|c| reserved.contains(&Some(*c))) {
            return Err(X12Error(format!(
                "PO {po_number}: {value:?} contains {c:?}, a separator of this vendor's interchanges"
            )));
        }
    }
    Ok(())
}

/// Transaction sets of one kind in their own interchange and group;
/// `control_number` numbers the interchange and its group, the sets are
/// numbered from 0001.
fn interchange(
    (set_id, functional_id): (&str, &str),
    sets: Vec<Vec<Segment>>,
    from: &Party,
    to: &Party,
    separators: Separators,
    control_number: u32,
    now: DateTime<Utc>,
) -> Result<Interchange, X12Error> {
    if control_number == 0 || control_number > 999_999_999 {
        return Err(X12Error(format!(
            "control number {control_number} does not fit ISA13"
        )));
    }
    Ok(Interchange {
        separators,
        sender_qualifier: from.qualifier.clone(),
        sender: from.id.clone(),
        receiver_qualifier: to.qualifier.clone(),
        receiver: to.id.clone(),
        date: now.format("%y%m%d").to_string(),
        time: now.format("%H%M").to_string(),
        version: "00401".to_string(),
        control_number: format!("{control_number:09}"),
        usage: "P".to_string(),
        groups: vec![Group {
            functional_id: functional_id.to_string(),
            sender: from.id.clone(),
            receiver: to.id.clone(),
            date: now.format("%Y%m%d").to_string(),
            time: now.format("%H%M").to_string(),
            control_number: control_number.to_string(),
            version: "004010".to_string(),
            sets: sets
                .into_iter()
                .enumerate()
                .map(|(i, segments)| TransactionSet {
                    id: set_id.to_string(),
                    control_number: format!("{:04}", i + 1),
                    segments,
                })
                .collect(),
        }],
    })
}

/// One 850 for `po` in its own interchange `control_number`.
pub fn purchase_order_850(
    po: &PurchaseOrder,
    from: &Party,
    to: &Party,
    separators: Separators,
    control_number: u32,
    now: DateTime<Utc>,
) -> Result<Interchange, X12Error> {
    let values = std::iter::once(po.po_number.as_str())
        .chain(std::iter::once(po.order_name.as_str()))
        .chain(po.lines.iter().map(|l| l.our_sku.as_str()))
        .chain(po.lines.iter().filter_map(|l| l.vendor_sku.as_deref()))
        .chain(po.lines.iter().filter_map(|l| l.vendor_option.as_deref()))
        .chain(po.lines.iter().map(|l| l.unit()));
    check_separators(&po.po_number, separators, values)?;
    let mut segments = vec![
        Segment::new(
            "BEG",
            &[
                "00",
                "DS",
                &po.po_number,
                "",
                &po.sent_at.format("%Y%m%d").to_string(),
            ],
        ),
        Segment::new("REF", &["CO", &po.order_name]),
    ];
    // The vendor's paid, faster terms: X12 has no code for "ship within
    // your expedited days", so the header's carrier details ask for it in
    // words (TD505) under a mutually defined service level (TD512 ZZ).
    if po.expedite {
        segments.push(Segment::new(
            "TD5",
            &["", "", "", "", "EXPEDITE", "", "", "", "", "", "", "ZZ"],
        ));
    }
    for (i, line) in po.lines.iter().enumerate() {
        let number = (i + 1).to_string();
        // PO102/PO103 in the vendor's unit: a case of 12 is ordered as 1 CA.
        let quantity = line.vendor_quantity().to_string();
        let mut elements = vec![number.as_str(), quantity.as_str(), line.unit(), "", ""];
        if let Some(vendor_sku) = &line.vendor_sku {
            elements.extend(["VN", vendor_sku.as_str()]);
        }
        elements.extend(["SK", line.our_sku.as_str()]);
        segments.push(Segment::new("PO1", &elements));
        // The variant, in words: X12 has no generic option qualifier, so a
        // free-form PID (PID01 F) carries it under the line.
        if let Some(option) = &line.vendor_option {
            segments.push(Segment::new("PID", &["F", "", "", "", option]));
        }
    }
    segments.push(Segment::new("CTT", &[&po.lines.len().to_string()]));
    interchange(
        ("850", "PO"),
        vec![segments],
        from,
        to,
        separators,
        control_number,
        now,
    )
}

/// One 860 (purchase order change request, buyer initiated) cancelling all
/// of `po`: BCH01 `01` is a cancellation, so no line is named; BCH06 is
/// the PO's own date and BCH11 the day of the request, as vendors match
/// the change to the PO by number and date.
pub fn po_cancel_860(
    po: &PurchaseOrder,
    from: &Party,
    to: &Party,
    separators: Separators,
    control_number: u32,
    now: DateTime<Utc>,
) -> Result<Interchange, X12Error> {
    let values = [po.po_number.as_str(), po.order_name.as_str()].into_iter();
    check_separators(&po.po_number, separators, values)?;
    let segments = vec![
        Segment::new(
            "BCH",
            &[
                "01",
                "DS",
                &po.po_number,
                "",
                "",
                &po.sent_at.format("%Y%m%d").to_string(),
                "",
                "",
                "",
                "",
                &now.format("%Y%m%d").to_string(),
            ],
        ),
        Segment::new("REF", &["CO", &po.order_name]),
    ];
    interchange(
        ("860", "PC"),
        vec![segments],
        from,
        to,
        separators,
        control_number,
        now,
    )
}

/// Whether `received` has a group a 997 answers: any but 997s (group FA),
/// which X12 never acknowledges.
pub fn wants_997(received: &Interchange) -> bool {
    received.groups.iter().any(|g| g.functional_id != "FA")
}

/// The 997s acknowledging every group of `received` (but its 997s), a
/// vendor's interchange that was applied whole: one set per group (AK1),
/// each of its sets accepted (AK2/AK5 A) and the group with them (AK9 A).
/// Sent from the party the vendor addressed (its ISA08) back to the
/// vendor's ISA06.
pub fn functional_ack_997(
    received: &Interchange,
    separators: Separators,
    control_number: u32,
    now: DateTime<Utc>,
) -> Result<Interchange, X12Error> {
    let from = Party {
        qualifier: received.receiver_qualifier.clone(),
        id: received.receiver.clone(),
    };
    let to = Party {
        qualifier: received.sender_qualifier.clone(),
        id: received.sender.clone(),
    };
    let sets = received
        .groups
        .iter()
        .filter(|group| group.functional_id != "FA")
        .map(|group| {
            let mut segments = vec![Segment::new(
                "AK1",
                &[&group.functional_id, &group.control_number],
            )];
            for set in &group.sets {
                segments.push(Segment::new("AK2", &[&set.id, &set.control_number]));
                segments.push(Segment::new("AK5", &["A"]));
            }
            let count = group.sets.len().to_string();
            segments.push(Segment::new("AK9", &["A", &count, &count, &count]));
            segments
        })
        .collect();
    interchange(
        ("997", "FA"),
        sets,
        &from,
        &to,
        separators,
        control_number,
        now,
    )
}
