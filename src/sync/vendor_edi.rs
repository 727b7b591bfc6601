//! Drop-ship vendors over X12: files from a vendor's inbox folder applied
//! once each (855s and 856s to the purchase orders they name, 846s to the
//! vendor's ATP), and 850s written to its outbox. A file that cannot be
//! applied as a whole is applied not at all, and kept aside with its reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use sqlx::{Acquire, AnyConnection};

use crate::config::VendorConfig;
use crate::connectors::edi::sets::{AckVerdict, InventoryAdvice, PoAck, ShipNotice, ShippedItem};
use crate::connectors::edi::{self, Interchange, Party, Separators, VendorMessage, X12Error};
use crate::domain::{
    AckState, DocumentContent, PurchaseOrder, PurchaseOrderLine, Substitution, VendorPackage,
    VendorQuantity,
};
use crate::engine::{sla, Policy};
use crate::store::{self, AtpRow, IncomingDoc, RejectRow, SeenBefore, Store, StoreError};
use crate::sync::reconcile;

/// The source name rejects from vendor files are kept under.
pub const SOURCE: &str = "vendor";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// Applied: the purchase orders and ATP rows it changed.
    Applied { documents: usize },
    /// Already applied from an earlier file with the same bytes.
    Duplicate { first: String },
    /// Not applied, with the reason.
    Quarantined { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub path: PathBuf,
    pub outcome: FileOutcome,
    /// Where the file was moved, when it sat in an inbox.
    pub moved_to: Option<PathBuf>,
    /// The 997 written to the vendor's outbox for it, when it was applied.
    pub acknowledged_by: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum VendorEdiError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("vendor {vendor}: {message}")]
    Config { vendor: String, message: String },
    #[error("vendor {vendor}: {source}")]
    X12 {
        vendor: String,
        #[source]
        source: X12Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VendorEdiError + '_ {
    move |source| VendorEdiError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn query(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |source| StoreError::Query {
        context: what.to_string(),
        source,
    }
}

/// Applies every file waiting in each configured vendor inbox, in name
/// order, moving each to `processed` or `quarantine` beside the inbox.
pub async fn poll_inboxes(
    store: &Store,
    policy: &Policy,
    vendors: &[VendorConfig],
    now: DateTime<Utc>,
) -> Result<Vec<FileReport>, VendorEdiError> {
    let mut reports = Vec::new();
    for vendor in vendors {
        let Some(inbox) = &vendor.edi_inbox else {
            continue;
        };
        let entries = match std::fs::read_dir(inbox) {
            Ok(entries) => entries,
            // No folder yet: the vendor has sent nothing.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(inbox)(e)),
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        files.sort();
        for path in files {
            reports.push(apply_path(store, policy, vendors, Some(vendor), &path, now).await?);
        }
    }
    Ok(reports)
}

/// `import --source vendor`: each file as an inbox poll would apply it. A
/// file inside a vendor's inbox counts as that vendor's and is moved like a
/// polled one; a file elsewhere stays where it is.
pub async fn import_files(
    store: &Store,
    policy: &Policy,
    vendors: &[VendorConfig],
    paths: &[PathBuf],
    now: DateTime<Utc>,
) -> Result<Vec<FileReport>, VendorEdiError> {
    let mut reports = Vec::new();
    for path in super::import::expand_paths(paths) {
        let vendor = inbox_owner(vendors, &path);
        reports.push(apply_path(store, policy, vendors, vendor, &path, now).await?);
    }
    Ok(reports)
}

fn inbox_owner<'a>(vendors: &'a [VendorConfig], path: &Path) -> Option<&'a VendorConfig> {
    let dir = path.parent()?.canonicalize().ok()?;
    vendors.iter().find(|v| {
        v.edi_inbox
            .as_ref()
            .and_then(|inbox| inbox.canonicalize().ok())
            .is_some_and(|inbox| inbox == dir)
    })
}

async fn apply_path(
    store: &Store,
    policy: &Policy,
    vendors: &[VendorConfig],
    inbox_vendor: Option<&VendorConfig>,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<FileReport, VendorEdiError> {
    let bytes = std::fs::read(path);
    let origin = path.display().to_string();
    let (outcome, acknowledged_by) = match &bytes {
        Ok(bytes) => apply_bytes(store, policy, vendors, inbox_vendor, bytes, &origin, now).await?,
        Err(e) => (
            FileOutcome::Quarantined {
                reason: format!("cannot read: {e}"),
            },
            None,
        ),
    };
    if let FileOutcome::Quarantined { reason } = &outcome {
        let raw = bytes
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let mut conn = store
            .pool()
            .acquire()
            .await
            .map_err(query("keeping a vendor file aside"))?;
        store::insert_rejects(
            &mut conn,
            vec![RejectRow {
                source: SOURCE.to_string(),
                origin: origin.clone(),
                order_ref: None,
                reason: reason.clone(),
                raw,
                rejected_at: now,
            }],
        )
        .await?;
    }
    let moved_to = match (inbox_vendor, bytes.is_ok()) {
        (Some(_), true) => Some(move_beside_inbox(path, &outcome)?),
        _ => None,
    };
    Ok(FileReport {
        path: path.to_path_buf(),
        outcome,
        moved_to,
        acknowledged_by,
    })
}

/// Moves a file from its inbox to `processed` or `quarantine` beside it; a
/// quarantined file gets a `.reason` file next to it.
fn move_beside_inbox(path: &Path, outcome: &FileOutcome) -> Result<PathBuf, VendorEdiError> {
    let inbox = path.parent().unwrap_or(Path::new("."));
    let beside = inbox.parent().unwrap_or(Path::new("."));
    let folder = beside.join(match outcome {
        FileOutcome::Quarantined { .. } => "quarantine",
        _ => "processed",
    });
    std::fs::create_dir_all(&folder).map_err(io(&folder))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A vendor may reuse a file name; an earlier file is never overwritten.
    let mut target = folder.join(&name);
    let mut n = 1;
    while target.exists() {
        target = folder.join(format!("{name}.{n}"));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(io(path))?;
    if let FileOutcome::Quarantined { reason } = outcome {
        let mut reason_path = target.clone().into_os_string();
        reason_path.push(".reason");
        let reason_path = PathBuf::from(reason_path);
        std::fs::write(&reason_path, format!("{reason}\n")).map_err(io(&reason_path))?;
    }
    Ok(target)
}

/// A file's problem, which keeps it out whole.
struct Refused(String);

impl From<X12Error> for Refused {
    fn from(e: X12Error) -> Self {
        Refused(e.0)
    }
}

async fn apply_bytes(
    store: &Store,
    policy: &Policy,
    vendors: &[VendorConfig],
    inbox_vendor: Option<&VendorConfig>,
    bytes: &[u8],
    origin: &str,
    now: DateTime<Utc>,
) -> Result<(FileOutcome, Option<PathBuf>), VendorEdiError> {
    let kept_aside = |reason: String| Ok((FileOutcome::Quarantined { reason }, None));
    let hash = format!("{:x}", Sha256::digest(bytes));
    let Ok(text) = std::str::from_utf8(bytes) else {
        return kept_aside("not an X12 interchange: the file is not text".to_string());
    };
    let (interchange, messages) = match edi::parse(text).and_then(|i| {
        let messages = edi::read(&i)?;
        Ok((i, messages))
    }) {
        Ok(read) => read,
        Err(e) => return kept_aside(e.0),
    };
    let vendor = inbox_vendor.or_else(|| {
        vendors.iter().find(|v| {
            v.edi_id
                .as_deref()
                .is_some_and(|id| id.trim().eq_ignore_ascii_case(&interchange.sender))
        })
    });
    let mut conn = store
        .pool()
        .acquire()
        .await
        .map_err(query("applying a vendor file"))?;
    let mut tx = conn
        .begin()
        .await
        .map_err(query("applying a vendor file"))?;
    match store::interchange_seen(
        &mut tx,
        &hash,
        &interchange.sender,
        &interchange.control_number,
    )
    .await?
    {
        Some(SeenBefore::SameContent { origin: first }) => {
            return Ok((FileOutcome::Duplicate { first }, None));
        }
        Some(SeenBefore::SameControlNumber { origin: first }) => {
            return kept_aside(format!(
                "interchange {} from {} was already applied from {first} with different content: a reused control number",
                interchange.control_number, interchange.sender
            ));
        }
        None => {}
    }
    let changes = match changes(
        &mut tx,
        policy,
        vendor,
        &interchange.sender,
        messages,
        origin,
        now,
    )
    .await?
    {
        Ok(changes) => changes,
        Err(Refused(reason)) => return kept_aside(reason),
    };
    let documents = changes.purchase_orders.len() + changes.atp.len();
    let pos = changes.purchase_orders.into_values().collect();
    file_purchase_orders(&mut tx, policy, pos, text, origin, now).await?;
    store::upsert_atp(&mut tx, changes.atp).await?;
    store::record_interchange(
        &mut tx,
        &hash,
        &interchange.sender,
        &interchange.control_number,
        vendor.map(|v| v.id.as_str()),
        origin,
        now,
    )
    .await?;
    // Applied files are acknowledged, as trading partners expect; a vendor
    // with no outbox gets none.
    let acknowledgement = match vendor {
        Some(vendor) if vendor.edi_outbox.is_some() && edi::wants_997(&interchange) => Some(
            write_to_outbox(&mut tx, vendor, "997", "", now, |separators, control| {
                edi::functional_ack_997(&interchange, separators, control, now)
            })
            .await?,
        ),
        _ => None,
    };
    if let Some(written) = &acknowledgement {
        written.publish()?;
    }
    tx.commit().await.map_err(query("applying a vendor file"))?;
    Ok((
        FileOutcome::Applied { documents },
        acknowledgement.map(|w| w.path),
    ))
}

#[derive(Default)]
struct Changes {
    purchase_orders: BTreeMap<String, PurchaseOrder>,
    atp: Vec<AtpRow>,
}

impl Changes {
    /// The PO as this file has left it so far, else as stored.
    async fn purchase_order(
        &mut self,
        conn: &mut AnyConnection,
        vendor: Option<&VendorConfig>,
        set: &str,
        po_number: &str,
    ) -> Result<Result<&mut PurchaseOrder, Refused>, StoreError> {
        if !self.purchase_orders.contains_key(po_number) {
            let Some(po) = store::purchase_order(conn, po_number).await? else {
                return Ok(Err(Refused(format!(
                    "{set} for PO {po_number}: no order has a purchase order with this number"
                ))));
            };
            if let Some(vendor) = vendor.filter(|v| !v.id.eq_ignore_ascii_case(&po.vendor_id)) {
                return Ok(Err(Refused(format!(
                    "{set} for PO {po_number} came from vendor {}, but the PO was sent to {}",
                    vendor.id, po.vendor_id
                ))));
            }
            self.purchase_orders.insert(po_number.to_string(), po);
        }
        match self.purchase_orders.get_mut(po_number) {
            Some(po) => Ok(Ok(po)),
            None => Ok(Err(Refused(format!("{set} for PO {po_number}: not found")))),
        }
    }
}

async fn changes(
    conn: &mut AnyConnection,
    policy: &Policy,
    vendor: Option<&VendorConfig>,
    sender: &str,
    messages: Vec<VendorMessage>,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Result<Changes, Refused>, StoreError> {
    let mut changes = Changes::default();
    for message in messages {
        match message {
            VendorMessage::Ack(ack) => {
                match changes
                    .purchase_order(conn, vendor, "855", &ack.po_number)
                    .await?
                {
                    Ok(po) => apply_ack(po, &ack, policy.sla.timezone, now),
                    Err(refused) => return Ok(Err(refused)),
                }
            }
            VendorMessage::ShipNotice(notice) => {
                for order in &notice.orders {
                    match changes
                        .purchase_order(conn, vendor, "856", &order.po_number)
                        .await?
                    {
                        Ok(po) => apply_ship_notice(po, &notice, &order.po_number),
                        Err(refused) => return Ok(Err(refused)),
                    }
                }
            }
            // A 997 acknowledging our 997: nothing to act on (X12 does not
            // ask for one).
            VendorMessage::FunctionalAck(receipt) if receipt.functional_id == "FA" => {}
            VendorMessage::FunctionalAck(receipt) => {
                let control = receipt.group_control.trim().parse::<i64>().ok();
                let sent = match control {
                    Some(control) => store::outbound_po(conn, control).await?,
                    None => None,
                };
                let Some((to, po_number)) =
                    sent.filter(|(to, _)| vendor.is_none_or(|v| v.id.eq_ignore_ascii_case(to)))
                else {
                    return Ok(Err(Refused(format!(
                        "997 for group {} ({}): orderdeck sent this vendor no interchange with that control number",
                        receipt.group_control, receipt.functional_id
                    ))));
                };
                if !receipt.rejected() {
                    continue;
                }
                if receipt.functional_id != "PO" {
                    // Our 860 never reached the vendor: the PO is filed as
                    // cancelled, so only a person can still stop it.
                    return Ok(Err(Refused(format!(
                        "997 from {to}: its translator rejected our {} for PO {po_number} (AK9 R); cancel PO {po_number} with the vendor by hand",
                        receipt.functional_id
                    ))));
                }
                match changes
                    .purchase_order(conn, vendor, "997", &po_number)
                    .await?
                {
                    // The 850 never reached the vendor's system: nothing is
                    // coming, which the engine treats as a rejection.
                    Ok(po) if po.ack == AckState::Sent => {
                        po.ack = AckState::Rejected;
                        po.acknowledged_at = Some(now);
                        po.revision += 1;
                    }
                    Ok(_) => {}
                    Err(refused) => return Ok(Err(refused)),
                }
            }
            VendorMessage::Inventory(advice) => {
                let Some(vendor) = vendor else {
                    return Ok(Err(Refused(format!(
                        "846 from sender {sender:?}: no [[vendors]] entry has this edi_id, and the file is not in a vendor's edi_inbox"
                    ))));
                };
                changes
                    .atp
                    .extend(atp_rows(&vendor.id, &advice, origin, now));
            }
        }
    }
    Ok(Ok(changes))
}

fn line_index(po: &PurchaseOrder, line_number: &str, product_ids: &[String]) -> Option<usize> {
    let by_number = line_number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|&i| i < po.lines.len());
    let names = |line: &PurchaseOrderLine| {
        product_ids.iter().any(|id| {
            id.eq_ignore_ascii_case(&line.our_sku)
                || line
                    .vendor_sku
                    .as_deref()
                    .is_some_and(|v| id.eq_ignore_ascii_case(v))
        })
    };
    // Our 850 numbers lines from 1; a vendor that renumbers still names
    // the product, which then wins.
    po.lines.iter().position(names).or(by_number)
}

/// ACK01 codes under which the vendor will ship (some of) the line.
fn accepts(code: &str) -> bool {
    matches!(
        code,
        "IA" | "IC" | "IQ" | "IP" | "IS" | "DR" | "AC" | "IF" | "IW"
    )
}

fn changes_terms(code: &str) -> bool {
    matches!(code, "IC" | "IQ" | "IP" | "IS" | "DR")
}

fn apply_ack(po: &mut PurchaseOrder, ack: &PoAck, timezone: Tz, now: DateTime<Utc>) {
    let rejected = ack.verdict == AckVerdict::Rejected;
    let mut accepted: Vec<Option<u32>> = po
        .lines
        .iter()
        .map(|l| Some(if rejected { 0 } else { l.ordered }))
        .collect();
    for line in &mut po.lines {
        line.ack_in_other_unit = None;
    }
    let mut changed = ack.verdict == AckVerdict::AcceptedWithChanges;
    for line in &ack.lines {
        let Some(i) = line_index(po, &line.line_number, &line.product_ids) else {
            continue;
        };
        let ours = &po.lines[i];
        // The vendor's quantities are in its units; each is converted back
        // to ours, and one in a unit other than the line's is kept as sent.
        let mut other_unit: Option<VendorQuantity> = None;
        let mut convert = |quantity: Option<u32>, unit: Option<&str>| {
            let quantity = quantity.unwrap_or(ours.vendor_quantity());
            let converted = ours.our_units(quantity, unit);
            if converted.is_none() {
                other_unit = Some(VendorQuantity {
                    quantity,
                    uom: unit.unwrap_or_default().to_string(),
                });
            }
            converted.unwrap_or(0)
        };
        let answer = if rejected {
            0
        } else if line.statuses.is_empty() {
            convert(line.ordered, line.unit.as_deref())
        } else {
            line.statuses
                .iter()
                .filter(|status| accepts(&status.code))
                .map(|status| convert(status.quantity, status.unit.as_deref()))
                .sum()
        };
        changed |= line
            .statuses
            .iter()
            .any(|status| changes_terms(&status.code));
        // IS: the vendor ships something else, named in ACK07/08 (the id
        // that is not the line's own); unnamed, it is still a substitute.
        if let Some(status) = line.statuses.iter().find(|s| s.code == "IS") {
            let own = |id: &&String| {
                id.eq_ignore_ascii_case(&ours.our_sku)
                    || ours
                        .vendor_sku
                        .as_deref()
                        .is_some_and(|v| id.eq_ignore_ascii_case(v))
            };
            let named = status.product_ids.iter().find(|id| !own(id));
            let substitute = Substitution::offered(
                ours.substitute.as_ref(),
                named.map_or("(not named)", String::as_str),
            );
            po.lines[i].substitute = Some(substitute);
        }
        accepted[i] = if other_unit.is_some() {
            None
        } else {
            Some(answer)
        };
        po.lines[i].ack_in_other_unit = other_unit;
    }
    for (line, accepted) in po.lines.iter_mut().zip(&accepted) {
        line.accepted = *accepted;
    }
    let total: u32 = accepted.iter().flatten().sum();
    // A line answered in another unit is neither short nor confirmed:
    // UOM_MISMATCH holds it until someone reads the vendor's answer.
    let unknown = accepted.iter().any(Option::is_none);
    let short = po
        .lines
        .iter()
        .any(|l| l.accepted.is_some_and(|a| a < l.ordered));
    po.ack = if rejected || (total == 0 && !unknown) {
        AckState::Rejected
    } else if short {
        AckState::PartiallyAccepted
    } else if changed || unknown {
        AckState::AcceptedWithChanges
    } else {
        AckState::Accepted
    };
    po.acknowledged_at = Some(now);
    // X12 dates carry no zone: the vendor's ship day is the shop's, to its
    // last second, as a ship-by is.
    if let Some(day) = ack.ship_date {
        po.promised_ship_date = Some(sla::end_of_day(timezone, day));
    }
    po.revision += 1;
}

fn apply_ship_notice(po: &mut PurchaseOrder, notice: &ShipNotice, po_number: &str) {
    for order in notice.orders.iter().filter(|o| o.po_number == po_number) {
        for package in &order.packages {
            if !po
                .packages
                .iter()
                .any(|p| p.tracking_number == package.tracking_number)
            {
                po.packages.push(VendorPackage {
                    tracking_number: package.tracking_number.clone(),
                    carrier: notice.carrier.clone(),
                    shipped_at: notice.shipped_at,
                });
            }
        }
        let items = order
            .packages
            .iter()
            .flat_map(|p| &p.items)
            .chain(&order.loose_items);
        for ShippedItem {
            product_ids,
            quantity,
        } in items
        {
            if let Some(i) = line_index(po, "", product_ids) {
                let pack = po.lines[i].pack();
                po.lines[i].shipped += quantity.saturating_mul(pack);
            }
        }
    }
    po.revision += 1;
}

fn atp_rows(
    vendor_id: &str,
    advice: &InventoryAdvice,
    origin: &str,
    now: DateTime<Utc>,
) -> Vec<AtpRow> {
    advice
        .items
        .iter()
        .map(|item| {
            let find = |q: &str| {
                item.quantities
                    .iter()
                    .find(|(k, _)| k == q)
                    .map(|(_, v)| *v)
            };
            let quantities: BTreeMap<&str, i64> = item
                .quantities
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect();
            AtpRow {
                vendor_id: vendor_id.to_string(),
                vendor_sku: item.vendor_sku.clone(),
                available: find("33").or_else(|| find("17")),
                unit: item.unit.clone(),
                quantities: serde_json::to_string(&quantities).unwrap_or_default(),
                as_of: now,
                origin: origin.to_string(),
            }
        })
        .collect()
}

/// What orderdeck writes into a vendor's outbox about a PO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outgoing {
    PurchaseOrder,
    Cancellation,
}

impl Outgoing {
    fn set_id(self) -> &'static str {
        match self {
            Outgoing::PurchaseOrder => "850",
            Outgoing::Cancellation => "860",
        }
    }
}

/// A file written aside in the vendor's outbox, numbered inside the
/// caller's transaction; `publish` renames it into place once that
/// transaction holds everything that goes with it.
struct Written {
    text: String,
    partial: PathBuf,
    path: PathBuf,
}

impl Written {
    fn publish(&self) -> Result<(), VendorEdiError> {
        std::fs::rename(&self.partial, &self.path).map_err(io(&self.path))
    }
}

async fn write_outgoing(
    conn: &mut AnyConnection,
    vendor: &VendorConfig,
    po: &PurchaseOrder,
    outgoing: Outgoing,
    now: DateTime<Utc>,
) -> Result<Written, VendorEdiError> {
    let set = outgoing.set_id();
    let to = Party {
        qualifier: "ZZ".to_string(),
        id: vendor
            .edi_id
            .clone()
            .ok_or_else(|| VendorEdiError::Config {
                vendor: vendor.id.clone(),
                message: format!("no edi_id is configured (ISA08 of the {set})"),
            })?,
    };
    let from = Party {
        qualifier: "ZZ".to_string(),
        id: vendor
            .edi_our_id
            .clone()
            .unwrap_or_else(|| "ORDERDECK".to_string()),
    };
    write_to_outbox(
        conn,
        vendor,
        set,
        &po.po_number,
        now,
        |separators, control| match outgoing {
            Outgoing::PurchaseOrder => {
                edi::purchase_order_850(po, &from, &to, separators, control, now)
            }
            Outgoing::Cancellation => edi::po_cancel_860(po, &from, &to, separators, control, now),
        },
    )
    .await
}

/// Numbers an interchange in `conn`'s transaction (recorded against
/// `po_number`, empty for none), builds it and writes it aside in the
/// vendor's outbox as `{set}-{subject}-{control}.edi`.
async fn write_to_outbox(
    conn: &mut AnyConnection,
    vendor: &VendorConfig,
    set: &str,
    po_number: &str,
    now: DateTime<Utc>,
    build: impl FnOnce(Separators, u32) -> Result<Interchange, X12Error>,
) -> Result<Written, VendorEdiError> {
    let config = |message: String| VendorEdiError::Config {
        vendor: vendor.id.clone(),
        message,
    };
    let outbox = vendor
        .edi_outbox
        .as_ref()
        .ok_or_else(|| config("no edi_outbox is configured".to_string()))?;
    let separators = vendor.separators().map_err(config)?;
    let control = store::next_control_number(conn, &vendor.id, po_number, now).await?;
    let control = u32::try_from(control).unwrap_or(u32::MAX);
    let interchange = build(separators, control).map_err(|source| VendorEdiError::X12 {
        vendor: vendor.id.clone(),
        source,
    })?;
    let text = edi::render(&interchange);
    std::fs::create_dir_all(outbox).map_err(io(outbox))?;
    // PO numbers may hold characters a file name cannot (the 856 fixture's
    // "SO/VINCE1"); the name only needs to be recognisable and unique.
    let subject = if po_number.is_empty() {
        interchange.receiver.trim()
    } else {
        po_number
    };
    let name: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = outbox.join(format!("{set}-{name}-{control:09}.edi"));
    // Written aside and renamed, so the vendor's pickup never sees half a file.
    let partial = outbox.join(format!(".{set}-{control:09}.partial"));
    std::fs::write(&partial, &text).map_err(io(&partial))?;
    store::record_outbound_path(conn, i64::from(control), &path.display().to_string()).await?;
    Ok(Written {
        text,
        partial,
        path,
    })
}

/// Writes the 850 for `po` into the vendor's outbox and files the PO under
/// its order, so the vendor's 855 and 856 find it and the confirmation
/// clock starts. Returns where the 850 was written.
pub async fn send_purchase_order(
    store: &Store,
    policy: &Policy,
    vendor: &VendorConfig,
    po: PurchaseOrder,
    now: DateTime<Utc>,
) -> Result<PathBuf, VendorEdiError> {
    send(
        store,
        vendor,
        &po,
        Outgoing::PurchaseOrder,
        Some(policy),
        now,
    )
    .await
}

/// Writes the 860 cancelling `po` into the vendor's outbox; the caller
/// files the PO as cancelled. Returns where the 860 was written.
pub async fn send_po_cancel(
    store: &Store,
    vendor: &VendorConfig,
    po: &PurchaseOrder,
    now: DateTime<Utc>,
) -> Result<PathBuf, VendorEdiError> {
    send(store, vendor, po, Outgoing::Cancellation, None, now).await
}

/// Writes `outgoing` about `po`, filing the PO under `filing`'s policy in
/// the same transaction when given: the file appears only once the
/// transaction holds its number (and the PO).
async fn send(
    store: &Store,
    vendor: &VendorConfig,
    po: &PurchaseOrder,
    outgoing: Outgoing,
    filing: Option<&Policy>,
    now: DateTime<Utc>,
) -> Result<PathBuf, VendorEdiError> {
    let what = match outgoing {
        Outgoing::PurchaseOrder => "sending a purchase order",
        Outgoing::Cancellation => "cancelling a purchase order",
    };
    let mut conn = store.pool().acquire().await.map_err(query(what))?;
    let mut tx = conn.begin().await.map_err(query(what))?;
    let written = write_outgoing(&mut tx, vendor, po, outgoing, now).await?;
    if let Some(policy) = filing {
        let origin = written.path.display().to_string();
        file_purchase_orders(
            &mut tx,
            policy,
            vec![po.clone()],
            &written.text,
            &origin,
            now,
        )
        .await?;
    }
    written.publish()?;
    tx.commit().await.map_err(query(what))?;
    Ok(written.path)
}

/// Files purchase orders under their orders and re-evaluates those orders,
/// inside the caller's transaction.
async fn file_purchase_orders(
    conn: &mut AnyConnection,
    policy: &Policy,
    pos: Vec<PurchaseOrder>,
    raw: &str,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let docs = pos
        .into_iter()
        .map(|po| IncomingDoc {
            content: DocumentContent::PurchaseOrder(po),
            raw: raw.to_string(),
            origin: origin.to_string(),
            fetched_at: now,
        })
        .collect();
    reconcile::file_batch(conn, docs, policy, now).await?;
    Ok(())
}
