//! The 850 purchase order we send a drop-ship vendor.

use chrono::{DateTime, Utc};

use super::x12::{Group, Interchange, Segment, Separators, TransactionSet, X12Error};
use crate::domain::PurchaseOrder;

/// Who the interchange is from and to: ISA05/06 and ISA07/08.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub qualifier: String,
    pub id: String,
}

/// One 850 for `po` in its own interchange; `control_number` numbers the
/// interchange, its group and (as 0001) its set.
pub fn purchase_order_850(
    po: &PurchaseOrder,
    from: &Party,
    to: &Party,
    separators: Separators,
    control_number: u32,
    now: DateTime<Utc>,
) -> Result<Interchange, X12Error> {
    let reserved = [
        Some(separators.element),
        Some(separators.component),
        Some(separators.segment),
        separators.repetition,
    ];
    let values = std::iter::once(po.po_number.as_str())
        .chain(std::iter::once(po.order_name.as_str()))
        .chain(po.lines.iter().map(|l| l.our_sku.as_str()))
        .chain(po.lines.iter().filter_map(|l| l.vendor_sku.as_deref()))
        .chain(po.lines.iter().filter_map(|l| l.vendor_option.as_deref()))
        .chain(po.lines.iter().map(|l| l.unit()));
    for value in values {
        if let Some(c) = value.chars().find(|c| reserved.contains(&Some(*c))) {
            return Err(X12Error(format!(
                "PO {}: {value:?} contains {c:?}, a separator of this vendor's interchanges",
                po.po_number
            )));
        }
    }
    if control_number == 0 || control_number > 999_999_999 {
        return Err(X12Error(format!(
            "control number {control_number} does not fit ISA13"
        )));
    }
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
            functional_id: "PO".to_string(),
            sender: from.id.clone(),
            receiver: to.id.clone(),
            date: now.format("%Y%m%d").to_string(),
            time: now.format("%H%M").to_string(),
            control_number: control_number.to_string(),
            version: "004010".to_string(),
            sets: vec![TransactionSet {
                id: "850".to_string(),
                control_number: "0001".to_string(),
                segments,
            }],
        }],
    })
}
