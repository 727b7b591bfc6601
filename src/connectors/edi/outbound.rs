//! What we send a drop-ship vendor: the 850 purchase order, and the 860
//! that cancels one.

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

/// One transaction set in its own interchange and group; `control_number`
/// numbers the interchange, its group and (as 0001) its set.
fn interchange(
    (set_id, functional_id): (&str, &str),
    segments: Vec<Segment>,
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
            sets: vec![TransactionSet {
                id: set_id.to_string(),
                control_number: "0001".to_string(),
                segments,
            }],
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
        segments,
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
        segments,
        from,
        to,
        separators,
        control_number,
        now,
    )
}
