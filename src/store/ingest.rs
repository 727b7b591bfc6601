//! Files incoming documents under their order entity. Orders are matched
//! across systems by the storefront's id wherever the other system carries it
//! (ShipStation's `orderKey`), else by the order name with or without `#`
//! (DESIGN.md §2); the result must not depend on which system spoke first.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::body::{compress, pack, PackedBody};
use super::params::{bind_all, id_chunks, in_list, insert_rows, Param, Style};
use super::results::{
    finding_rows, insert_findings, link_from_row, resolutions_by_key, summary_values,
    SUMMARY_COLUMN_NAMES,
};
use super::{from_millis, highest_order_id, to_millis, Backend, QueryContext, StoreError};
use crate::domain::{
    normalize_order_name, DocumentContent, OrderFacts, ReplacementLink, ShipmentStatus,
};
use crate::engine::{Evaluation, Listing};

/// One document as read from a backend or a saved file.
#[derive(Debug, Clone)]
pub struct IncomingDoc {
    pub content: DocumentContent,
    /// The exact JSON the document came from.
    pub raw: String,
    /// Where it came from: a file path or a request URL.
    pub origin: String,
    pub fetched_at: DateTime<Utc>,
}

/// What the engine makes of an order. The store evaluates the orders a
/// batch creates itself, before their rows are written, so that each is
/// written once, evaluation and all.
pub trait Evaluate {
    /// The moment evaluations are made as of.
    fn at(&self) -> DateTime<Utc>;
    /// Each order with the findings operators marked resolved on it (code,
    /// who), evaluated in turn; the results in the same order. One call for
    /// a batch, which the engine evaluates faster than order by order.
    fn evaluate_all(
        &self,
        orders: &[(&OrderFacts, &[(String, String)])],
    ) -> Vec<(Evaluation, Listing)>;
}

/// What a batch did: new orders are stored evaluated; the others it touched
/// still need evaluating.
#[derive(Debug, Default)]
pub struct IngestOutcome {
    /// Orders first seen in this batch, stored with their evaluation.
    pub evaluated: usize,
    /// Orders that existed before, or whose replacements changed: their
    /// facts are read back from the store.
    pub existing: Vec<i64>,
    /// Orders that turned out to be another order and are gone: an
    /// evaluation of them not yet stored must not be.
    pub removed: Vec<i64>,
}

#[derive(Debug, Default, Clone)]
struct Entity {
    id: Option<i64>,
    storefront_id: Option<String>,
    name: Option<String>,
    name_key: Option<String>,
    warehouse_key: Option<String>,
    customer: Option<String>,
    placed_at: Option<i64>,
    /// Set when this entity turned out to be the same order as another.
    merged_into: Option<usize>,
}

struct DocKeys {
    /// Storefront order id the document is about (its own id, or `order_id`).
    storefront_id: Option<String>,
    /// Warehouse `orderKey`: the storefront id when an integration set it.
    warehouse_key: Option<String>,
    name: Option<String>,
    /// Only the storefront owns an order's name; warehouse numbers only fill a gap.
    owns_name: bool,
    /// Parcels the document names: how a carrier's tracking reply finds its
    /// order, whichever arrived first.
    tracking_numbers: Vec<String>,
    /// What the document calls the parcels' carrier, if it says.
    carrier_hint: Option<String>,
    /// The carrier says the parcel's journey is over: stop polling it.
    settled: bool,
}

/// Carriers print tracking numbers with spaces and in either case.
pub(crate) fn tracking_key(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

fn keys_of(content: &DocumentContent) -> DocKeys {
    match content {
        DocumentContent::StorefrontOrder(order) => DocKeys {
            storefront_id: Some(order.id.clone()),
            warehouse_key: None,
            name: Some(order.name.clone()),
            owns_name: true,
            tracking_numbers: order
                .fulfillments
                .iter()
                .flat_map(|f| f.tracking_numbers.iter().map(|t| tracking_key(t)))
                .collect(),
            carrier_hint: order
                .fulfillments
                .iter()
                .find_map(|f| f.tracking_company.clone()),
            settled: false,
        },
        DocumentContent::FulfillmentOrders { order_id, .. } => DocKeys {
            storefront_id: Some(order_id.clone()),
            warehouse_key: None,
            name: None,
            owns_name: false,
            tracking_numbers: Vec::new(),
            carrier_hint: None,
            settled: false,
        },
        DocumentContent::WarehouseOrder(order) => DocKeys {
            storefront_id: None,
            warehouse_key: order.order_key.clone(),
            name: Some(order.order_number.clone()),
            owns_name: false,
            tracking_numbers: Vec::new(),
            carrier_hint: None,
            settled: false,
        },
        DocumentContent::WarehouseShipment(shipment) => DocKeys {
            storefront_id: None,
            warehouse_key: shipment.order_key.clone(),
            name: Some(shipment.order_number.clone()),
            owns_name: false,
            tracking_numbers: shipment
                .tracking_number
                .iter()
                .map(|t| tracking_key(t))
                .collect(),
            carrier_hint: shipment.carrier_code.clone(),
            settled: false,
        },
        DocumentContent::CarrierShipment(shipment) => DocKeys {
            storefront_id: None,
            warehouse_key: None,
            name: None,
            owns_name: false,
            tracking_numbers: vec![tracking_key(&shipment.tracking_number)],
            carrier_hint: Some(shipment.carrier.clone()),
            settled: matches!(
                shipment.status,
                ShipmentStatus::Delivered
                    | ShipmentStatus::ReturnedToSender
                    | ShipmentStatus::Cancelled
            ),
        },
        DocumentContent::PurchaseOrder(po) => DocKeys {
            storefront_id: None,
            warehouse_key: None,
            name: Some(po.order_name.clone()),
            owns_name: false,
            tracking_numbers: po
                .packages
                .iter()
                .map(|p| tracking_key(&p.tracking_number))
                .collect(),
            carrier_hint: po.packages.iter().find_map(|p| p.carrier.clone()),
            settled: false,
        },
        DocumentContent::RerouteProposal(proposal) => DocKeys {
            storefront_id: None,
            warehouse_key: None,
            name: Some(proposal.order_name.clone()),
            owns_name: false,
            tracking_numbers: Vec::new(),
            carrier_hint: None,
            settled: false,
        },
    }
}

#[derive(Default)]
struct Resolver {
    entities: Vec<Entity>,
    by_storefront_id: HashMap<String, usize>,
    by_warehouse_key: HashMap<String, usize>,
    by_name_key: HashMap<String, usize>,
    by_tracking: HashMap<String, usize>,
}

impl Resolver {
    fn root(&self, mut slot: usize) -> usize {
        while let Some(next) = self.entities[slot].merged_into {
            slot = next;
        }
        slot
    }

    fn index(&mut self, slot: usize) {
        let entity = &self.entities[slot];
        if let Some(key) = &entity.storefront_id {
            self.by_storefront_id.insert(key.clone(), slot);
        }
        if let Some(key) = &entity.warehouse_key {
            self.by_warehouse_key.insert(key.clone(), slot);
        }
        if let Some(key) = &entity.name_key {
            self.by_name_key.insert(key.clone(), slot);
        }
    }

    fn add(&mut self, entity: Entity) -> usize {
        self.entities.push(entity);
        let slot = self.entities.len() - 1;
        self.index(slot);
        slot
    }

    fn by_id_key(&self, key: &str) -> Option<usize> {
        self.by_storefront_id
            .get(key)
            .or_else(|| self.by_warehouse_key.get(key))
            .map(|&slot| self.root(slot))
    }

    /// The entity this document belongs to, merging entities that the
    /// document shows to be one order.
    fn resolve(&mut self, keys: &DocKeys) -> usize {
        let id_key = keys
            .storefront_id
            .as_deref()
            .or(keys.warehouse_key.as_deref());
        let name_key = keys.name.as_deref().map(normalize_order_name);
        let by_id = id_key.and_then(|k| self.by_id_key(k));
        // A storefront order never joins another storefront order's entity by
        // name alone; a warehouse document falls back to the name when its
        // key is not a storefront id we know (DESIGN.md §2).
        let by_name = name_key.as_deref().and_then(|k| {
            let slot = self.root(*self.by_name_key.get(k)?);
            let owned_by_other = self.entities[slot]
                .storefront_id
                .as_deref()
                .is_some_and(|sid| Some(sid) != keys.storefront_id.as_deref());
            let contradicted = owned_by_other && (keys.storefront_id.is_some() || by_id.is_some());
            (!contradicted).then_some(slot)
        });
        let by_tracking = keys
            .tracking_numbers
            .iter()
            .filter_map(|t| self.by_tracking.get(t).map(|&slot| self.root(slot)));
        let mut candidates: Vec<usize> = by_id
            .into_iter()
            .chain(by_name)
            .chain(by_tracking)
            .collect();
        candidates.dedup();
        let slot = match candidates.split_first() {
            None => self.add(Entity::default()),
            Some((&first, rest)) => rest.iter().fold(first, |kept, &other| {
                let other = self.root(other);
                if other == kept {
                    kept
                } else {
                    self.merge(kept, other)
                }
            }),
        };
        for tracking in &keys.tracking_numbers {
            self.by_tracking.insert(tracking.clone(), slot);
        }
        self.apply_keys(slot, keys, name_key);
        slot
    }

    fn merge(&mut self, a: usize, b: usize) -> usize {
        // The entity already in the store with the lowest id survives, so
        // the surviving id does not depend on arrival order.
        let rank = |e: &Entity| e.id.unwrap_or(i64::MAX);
        let (survivor, loser) = if rank(&self.entities[a]) <= rank(&self.entities[b]) {
            (a, b)
        } else {
            (b, a)
        };
        let lost = std::mem::take(&mut self.entities[loser]);
        self.entities[loser].id = lost.id;
        self.entities[loser].merged_into = Some(survivor);
        let target = &mut self.entities[survivor];
        target.storefront_id = target.storefront_id.take().or(lost.storefront_id);
        target.warehouse_key = target.warehouse_key.take().or(lost.warehouse_key);
        if target.name_key.is_none() {
            target.name_key = lost.name_key;
            target.name = lost.name;
        }
        target.customer = target.customer.take().or(lost.customer);
        target.placed_at = target.placed_at.or(lost.placed_at);
        self.index(survivor);
        survivor
    }

    fn apply_keys(&mut self, slot: usize, keys: &DocKeys, name_key: Option<String>) {
        // An order name matches one order. Another storefront order under
        // the same name (files of two shops, a shop that renumbered) keeps
        // the name for display but is not matched by it.
        let name_key = name_key.filter(|key| {
            self.by_name_key
                .get(key)
                .is_none_or(|&holder| self.root(holder) == slot)
        });
        let entity = &mut self.entities[slot];
        if let Some(sid) = &keys.storefront_id {
            entity.storefront_id = Some(sid.clone());
        }
        if let Some(key) = keys
            .warehouse_key
            .as_ref()
            .filter(|_| entity.warehouse_key.is_none())
        {
            entity.warehouse_key = Some(key.clone());
        }
        if keys.owns_name || entity.name_key.is_none() {
            if let Some(name) = &keys.name {
                if let Some(old) = name_key.and_then(|key| entity.name_key.replace(key)) {
                    if self.by_name_key.get(&old) == Some(&slot) {
                        self.by_name_key.remove(&old);
                    }
                }
                self.entities[slot].name = Some(name.clone());
            }
        }
        self.index(slot);
    }
}

/// A document with the work on it that needs no database done: its facts
/// as the store keeps them. Staging a batch on another thread than the
/// writer's (as `import` does while the writer files the batch before)
/// takes that work off the writer's path.
#[derive(Debug)]
pub struct StagedDoc {
    /// Its `raw` is moved into `body`.
    doc: IncomingDoc,
    body: PackedBody,
    /// Packed as the body is.
    facts: Result<Vec<u8>, serde_json::Error>,
}

impl StagedDoc {
    pub fn new(mut doc: IncomingDoc) -> StagedDoc {
        let facts = serde_json::to_string(&doc.content).map(|json| compress(&json));
        let body = pack(&std::mem::take(&mut doc.raw));
        StagedDoc { doc, body, facts }
    }
}

/// Files one batch of documents inside the caller's transaction.
pub async fn ingest_batch(
    conn: &mut AnyConnection,
    docs: Vec<IncomingDoc>,
    engine: &(dyn Evaluate + Sync),
) -> Result<IngestOutcome, StoreError> {
    let staged = docs.into_iter().map(StagedDoc::new).collect();
    ingest_staged(conn, staged, engine).await
}

/// [`ingest_batch`] of documents staged beforehand.
pub async fn ingest_staged(
    conn: &mut AnyConnection,
    docs: Vec<StagedDoc>,
    engine: &(dyn Evaluate + Sync),
) -> Result<IngestOutcome, StoreError> {
    let docs = newest_per_document(docs);
    if docs.is_empty() {
        return Ok(IngestOutcome::default());
    }
    let keys: Vec<DocKeys> = docs.iter().map(|d| keys_of(&d.doc.content)).collect();
    let mut resolver = load_matching_entities(conn, &keys).await?;
    let existing_count = resolver.entities.len();

    let mut slots = Vec::with_capacity(docs.len());
    for (staged, doc_keys) in docs.iter().zip(&keys) {
        let slot = resolver.resolve(doc_keys);
        if let DocumentContent::StorefrontOrder(order) = &staged.doc.content {
            let entity = &mut resolver.entities[slot];
            entity.customer = order.customer_name.clone().or(entity.customer.take());
            entity.placed_at = Some(to_millis(order.created_at));
        }
        slots.push(slot);
    }
    let changed_at = docs
        .iter()
        .map(|d| to_millis(d.doc.fetched_at))
        .max()
        .unwrap_or(0);

    let removed = persist_merges(conn, &resolver, existing_count).await?;
    upsert_existing(conn, &resolver, existing_count, &slots, changed_at).await?;

    let replacing = replacing_of(&docs, &slots);
    let mut fresh: BTreeMap<usize, OrderFacts> = (existing_count..resolver.entities.len())
        .filter(|&slot| resolver.entities[slot].merged_into.is_none())
        .map(|slot| (slot, OrderFacts::default()))
        .collect();
    let mut payloads = Vec::with_capacity(docs.len());
    for (doc, &slot) in docs.into_iter().zip(&slots) {
        let root = resolver.root(slot);
        let (payload, content) = PayloadRow::of(doc, resolver.entities[root].id)?;
        if let Some(facts) = fresh.get_mut(&root) {
            facts.absorb(content, payload.fetched_at);
        }
        payloads.push(payload);
    }
    let evaluations = evaluate_fresh(conn, &resolver, fresh, &replacing, engine).await?;
    insert_new(conn, &mut resolver, changed_at, &evaluations, engine.at()).await?;

    let order_ids: Vec<i64> = slots
        .iter()
        .map(|&slot| {
            resolver.entities[resolver.root(slot)]
                .id
                .unwrap_or_default()
        })
        .collect();
    upsert_payloads(conn, payloads, &order_ids).await?;
    record_parcels(conn, &keys, &order_ids).await?;
    let originals = relink_replacements(conn, &replacing, &resolver).await?;

    let mut findings = Vec::new();
    let mut fresh_ids = BTreeSet::new();
    for (slot, (evaluation, _)) in &evaluations {
        if let Some(id) = resolver.entities[*slot].id {
            findings.extend(finding_rows(id, evaluation)?);
            fresh_ids.insert(id);
        }
    }
    insert_findings(conn, findings).await?;

    let mut existing: BTreeSet<i64> = slots
        .iter()
        .map(|&slot| resolver.root(slot))
        .filter(|&root| root < existing_count)
        .filter_map(|root| resolver.entities[root].id)
        .collect();
    existing.extend(originals.into_iter().filter(|id| !fresh_ids.contains(id)));
    Ok(IngestOutcome {
        evaluated: fresh_ids.len(),
        existing: existing.into_iter().collect(),
        removed,
    })
}

/// A storefront order of the batch, by its entity's slot, with the order it
/// says it replaces (that order's name key) when it is a replacement.
struct Replacing {
    slot: usize,
    replaces: Option<(String, ReplacementLink)>,
}

fn replacing_of(docs: &[StagedDoc], slots: &[usize]) -> Vec<Replacing> {
    docs.iter()
        .zip(slots)
        .filter_map(|(staged, &slot)| {
            let DocumentContent::StorefrontOrder(order) = &staged.doc.content else {
                return None;
            };
            let replaces = order.replaces().map(|original| {
                let link = ReplacementLink {
                    replacement_name: order.name.clone(),
                    replacement_id: order.id.clone(),
                    // As the store keeps it, so a link read back is the same.
                    created_at: from_millis(to_millis(order.created_at)),
                };
                (normalize_order_name(original), link)
            });
            Some(Replacing { slot, replaces })
        })
        .collect()
}

/// One document's payload row, less its order's id.
struct PayloadRow {
    kind: &'static str,
    doc_id: String,
    version: i64,
    fetched_at: DateTime<Utc>,
    origin: String,
    body: PackedBody,
    facts: Vec<u8>,
}

impl PayloadRow {
    /// The row, and the document's content for the facts of a new order
    /// (`order_id` is `None` until such an order is written).
    fn of(
        staged: StagedDoc,
        order_id: Option<i64>,
    ) -> Result<(PayloadRow, DocumentContent), StoreError> {
        let StagedDoc { doc, body, facts } = staged;
        let facts = facts.map_err(|source| StoreError::CorruptFacts {
            order_id: order_id.unwrap_or_default(),
            kind: doc.content.kind().to_string(),
            source,
        })?;
        let row = PayloadRow {
            kind: doc.content.kind(),
            doc_id: doc.content.doc_id().to_string(),
            version: doc.content.version(),
            fetched_at: doc.fetched_at,
            origin: doc.origin,
            body,
            facts,
        };
        Ok((row, doc.content))
    }
}

/// Evaluates the orders first seen in this batch, by slot: their facts are
/// all in the batch, but for the replacements recorded before and the
/// findings operators resolved under their name.
async fn evaluate_fresh(
    conn: &mut AnyConnection,
    resolver: &Resolver,
    fresh: BTreeMap<usize, OrderFacts>,
    replacing: &[Replacing],
    engine: &(dyn Evaluate + Sync),
) -> Result<Vec<(usize, (Evaluation, Listing))>, StoreError> {
    let name_keys: Vec<String> = fresh
        .keys()
        .filter_map(|&slot| resolver.entities[slot].name_key.clone())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let mut links = stored_links(conn, resolver, replacing, &name_keys).await?;
    // The links this batch records; a second one for the same pair is
    // ignored there, so it is here.
    let mut recorded = HashSet::new();
    for item in replacing {
        if let Some((key, link)) = &item.replaces {
            if recorded.insert((key.as_str(), resolver.root(item.slot))) {
                links.entry(key.clone()).or_default().push(link.clone());
            }
        }
    }
    let resolutions = resolutions_by_key(conn, &name_keys).await?;
    let mut fresh: Vec<(usize, OrderFacts)> = fresh.into_iter().collect();
    for (slot, facts) in &mut fresh {
        let key = resolver.entities[*slot].name_key.as_deref();
        if let Some(found) = key.and_then(|k| links.get(k)) {
            facts.replacements.extend(found.iter().cloned());
        }
        facts.canonicalize();
    }
    let orders: Vec<(&OrderFacts, &[(String, String)])> = fresh
        .iter()
        .map(|(slot, facts)| {
            let resolved = resolver.entities[*slot]
                .name_key
                .as_deref()
                .and_then(|k| resolutions.get(k))
                .map_or(&[][..], Vec::as_slice);
            (facts, resolved)
        })
        .collect();
    let evaluated = engine.evaluate_all(&orders);
    Ok(fresh.iter().map(|&(slot, _)| slot).zip(evaluated).collect())
}

/// The replacement links already stored for `name_keys`, by key, less those
/// of replacements in this batch: [`relink_replacements`] records those anew.
async fn stored_links(
    conn: &mut AnyConnection,
    resolver: &Resolver,
    replacing: &[Replacing],
    name_keys: &[String],
) -> Result<HashMap<String, Vec<ReplacementLink>>, StoreError> {
    let relinked: HashSet<i64> = replacing
        .iter()
        .filter_map(|item| resolver.entities[resolver.root(item.slot)].id)
        .collect();
    let mut links: HashMap<String, Vec<ReplacementLink>> = HashMap::new();
    for chunk in id_chunks(name_keys) {
        let (list, params) = in_list(
            Style::of(conn),
            1,
            chunk.iter().cloned().map(Param::Text).collect(),
        );
        let sql = format!(
            "SELECT original_key, replacement_order_id, replacement_name, replacement_storefront_id, created_at \
             FROM replacement_links WHERE original_key IN ({list})"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&mut *conn)
            .await
            .context("reading replacement links")?;
        for row in rows {
            let replacement: i64 = row
                .try_get("replacement_order_id")
                .context("reading replacement links")?;
            if relinked.contains(&replacement) {
                continue;
            }
            let key: String = row
                .try_get("original_key")
                .context("reading replacement links")?;
            links.entry(key).or_default().push(link_from_row(&row)?);
        }
    }
    Ok(links)
}

/// Whether a snapshot replaces the stored one: the system's own clock
/// decides; on a tie the fuller body wins (a trimmed `fields=` response must
/// not shadow a whole one), then the stored body's bytes, so arrival order
/// never matters. `PAYLOAD_SUPERSEDES` says the same in SQL.
fn supersedes(new: &StagedDoc, old: &StagedDoc) -> bool {
    let (new_version, old_version) = (new.doc.content.version(), old.doc.content.version());
    new_version > old_version
        || (new_version == old_version
            && (new.body.chars, &new.body.bytes) >= (old.body.chars, &old.body.bytes))
}

const PAYLOAD_SUPERSEDES: &str =
    "payloads.version < excluded.version OR (payloads.version = excluded.version \
     AND (excluded.raw_chars > payloads.raw_chars \
     OR (excluded.raw_chars = payloads.raw_chars AND excluded.raw >= payloads.raw)))";

/// Two snapshots of one document in one batch: keep the one the store would.
fn newest_per_document(docs: Vec<StagedDoc>) -> Vec<StagedDoc> {
    let mut position: HashMap<(&'static str, String), usize> = HashMap::new();
    let mut kept: Vec<StagedDoc> = Vec::with_capacity(docs.len());
    for doc in docs {
        let key = (doc.doc.content.kind(), doc.doc.content.doc_id().to_string());
        match position.get(&key) {
            Some(&i) if supersedes(&doc, &kept[i]) => kept[i] = doc,
            Some(_) => {}
            None => {
                position.insert(key, kept.len());
                kept.push(doc);
            }
        }
    }
    kept
}

async fn load_matching_entities(
    conn: &mut AnyConnection,
    keys: &[DocKeys],
) -> Result<Resolver, StoreError> {
    let id_keys: BTreeSet<&str> = keys
        .iter()
        .flat_map(|k| [k.storefront_id.as_deref(), k.warehouse_key.as_deref()])
        .flatten()
        .collect();
    let name_keys: BTreeSet<String> = keys
        .iter()
        .filter_map(|k| k.name.as_deref().map(normalize_order_name))
        .collect();
    let tracking: BTreeSet<&str> = keys
        .iter()
        .flat_map(|k| k.tracking_numbers.iter().map(String::as_str))
        .collect();
    let mut resolver = Resolver::default();
    let style = Style::of(conn);
    let mut params: Vec<Param> = Vec::new();
    let mut conditions = Vec::new();
    let list = |values: Vec<String>, params: &mut Vec<Param>| {
        let values = values.into_iter().map(Param::Text).collect();
        let (text, values) = in_list(style, params.len() + 1, values);
        params.extend(values);
        text
    };
    let ids: Vec<String> = id_keys.iter().map(|k| k.to_string()).collect();
    if !ids.is_empty() {
        // Each list is written out where it is used: with `?` a reused list
        // would bind the wrong values.
        let storefront_ids = list(ids.clone(), &mut params);
        let warehouse_keys = list(ids, &mut params);
        conditions.push(format!(
            "storefront_id IN ({storefront_ids}) OR warehouse_key IN ({warehouse_keys})"
        ));
    }
    if !name_keys.is_empty() {
        let names = list(name_keys.iter().cloned().collect(), &mut params);
        conditions.push(format!("name_key IN ({names})"));
    }
    if !tracking.is_empty() {
        let numbers = list(
            tracking.iter().map(|t| t.to_string()).collect(),
            &mut params,
        );
        conditions.push(format!(
            "id IN (SELECT order_id FROM order_tracking WHERE tracking_number IN ({numbers}))"
        ));
    }
    if conditions.is_empty() {
        return Ok(resolver);
    }
    let sql = format!(
        "SELECT id, storefront_id, name, name_key, warehouse_key, customer, placed_at \
         FROM orders WHERE {} ORDER BY id",
        conditions.join(" OR ")
    );
    let rows = bind_all(sqlx::query(&sql), params)
        .fetch_all(&mut *conn)
        .await
        .context("matching documents to orders")?;
    let mut slot_of_id = HashMap::new();
    for row in rows {
        let id: i64 = row.try_get("id").context("reading orders.id")?;
        let slot = resolver.add(Entity {
            id: Some(id),
            storefront_id: row.try_get("storefront_id").context("reading orders")?,
            name: row.try_get("name").context("reading orders")?,
            name_key: row.try_get("name_key").context("reading orders")?,
            warehouse_key: row.try_get("warehouse_key").context("reading orders")?,
            customer: row.try_get("customer").context("reading orders")?,
            placed_at: row.try_get("placed_at").context("reading orders")?,
            merged_into: None,
        });
        slot_of_id.insert(id, slot);
    }
    if !tracking.is_empty() {
        let (list, params) = in_list(
            Style::of(conn),
            1,
            tracking
                .iter()
                .map(|k| Param::Text(k.to_string()))
                .collect(),
        );
        let sql = format!(
            "SELECT tracking_number, order_id FROM order_tracking WHERE tracking_number IN ({list})"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&mut *conn)
            .await
            .context("matching parcels to orders")?;
        for row in rows {
            let number: String = row.try_get("tracking_number").context("reading parcels")?;
            let order_id: i64 = row.try_get("order_id").context("reading parcels")?;
            if let Some(&slot) = slot_of_id.get(&order_id) {
                resolver.by_tracking.insert(number, slot);
            }
        }
    }
    Ok(resolver)
}

/// Entities already in the store that a document showed to be one order: the
/// loser's documents move to the survivor, then the loser goes. Returns the
/// losers' ids.
async fn persist_merges(
    conn: &mut AnyConnection,
    resolver: &Resolver,
    existing_count: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut removed = Vec::new();
    for slot in 0..existing_count {
        let entity = &resolver.entities[slot];
        let (Some(loser), Some(_)) = (entity.id, entity.merged_into) else {
            continue;
        };
        let Some(survivor) = resolver.entities[resolver.root(slot)].id else {
            continue;
        };
        for sql in [
            "UPDATE payloads SET order_id = $1 WHERE order_id = $2",
            "UPDATE order_tracking SET order_id = $1 WHERE order_id = $2",
            "UPDATE replacement_links SET replacement_order_id = $1 WHERE replacement_order_id = $2",
        ] {
            sqlx::query(sql)
                .bind(survivor)
                .bind(loser)
                .execute(&mut *conn)
                .await
                .context("merging two records of one order")?;
        }
        for sql in [
            "DELETE FROM findings WHERE order_id = $1",
            "DELETE FROM orders WHERE id = $1",
        ] {
            sqlx::query(sql)
                .bind(loser)
                .execute(&mut *conn)
                .await
                .context("merging two records of one order")?;
        }
        removed.push(loser);
    }
    Ok(removed)
}

fn entity_params(entity: &Entity, changed_at: i64) -> Vec<Param> {
    vec![
        Param::OptText(entity.storefront_id.clone()),
        Param::OptText(entity.name.clone()),
        Param::OptText(entity.name_key.clone()),
        Param::OptText(entity.warehouse_key.clone()),
        Param::OptText(entity.customer.clone()),
        Param::OptInt(entity.placed_at),
        Param::Int(changed_at),
    ]
}

async fn upsert_existing(
    conn: &mut AnyConnection,
    resolver: &Resolver,
    existing_count: usize,
    slots: &[usize],
    changed_at: i64,
) -> Result<(), StoreError> {
    let touched: BTreeSet<usize> = slots
        .iter()
        .map(|&s| resolver.root(s))
        .filter(|&s| s < existing_count)
        .collect();
    let rows: Vec<Vec<Param>> = touched
        .into_iter()
        .filter_map(|slot| {
            let entity = &resolver.entities[slot];
            let mut row = vec![Param::Int(entity.id?)];
            row.extend(entity_params(entity, changed_at));
            Some(row)
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO orders (id, storefront_id, name, name_key, warehouse_key, customer, placed_at, facts_changed_at)",
        "ON CONFLICT (id) DO UPDATE SET storefront_id = excluded.storefront_id, name = excluded.name, \
         name_key = excluded.name_key, warehouse_key = excluded.warehouse_key, customer = excluded.customer, \
         placed_at = excluded.placed_at, facts_changed_at = excluded.facts_changed_at",
        rows,
        "updating matched orders",
    )
    .await
}

/// Writes each order first seen in this batch once, with its evaluation,
/// under an id reserved for it beforehand.
async fn insert_new(
    conn: &mut AnyConnection,
    resolver: &mut Resolver,
    changed_at: i64,
    evaluations: &[(usize, (Evaluation, Listing))],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let ids = reserve_order_ids(conn, evaluations.len()).await?;
    let rows = evaluations
        .iter()
        .zip(ids)
        .map(|((slot, (evaluation, listing)), id)| {
            let entity = &mut resolver.entities[*slot];
            entity.id = Some(id);
            let mut row = vec![Param::Int(id)];
            row.extend(entity_params(entity, changed_at));
            row.extend(summary_values(evaluation, listing, at));
            row
        })
        .collect();
    insert_rows(
        conn,
        &format!(
            "INSERT INTO orders (id, storefront_id, name, name_key, warehouse_key, customer, placed_at, \
             facts_changed_at, {SUMMARY_COLUMN_NAMES})"
        ),
        "",
        rows,
        "recording new orders",
    )
    .await
}

/// `count` order ids no order holds, for rows about to be inserted. Knowing
/// each new order's id before its row is written spares reading every row
/// back (`RETURNING`) and matching it to its entity by key, which cost an
/// import of a large file as much as writing the rows.
async fn reserve_order_ids(conn: &mut AnyConnection, count: usize) -> Result<Vec<i64>, StoreError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    match Backend::of(conn) {
        // What SQLite itself would assign: the caller's transaction writes
        // them, and SQLite lets one transaction write at a time (one that
        // read before another's commit cannot write at all), so no other
        // writer can take them in between.
        Backend::Sqlite => {
            let above = highest_order_id(conn).await?;
            Ok((1..=count as i64).map(|n| above + n).collect())
        }
        // Drawn from the identity column's own sequence, as a default
        // would be: concurrent writers each draw their own.
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id \
                 FROM generate_series(1, $1)",
            )
            .bind(count as i64)
            .fetch_all(&mut *conn)
            .await
            .context("reserving ids for new orders")?;
            rows.iter()
                .map(|row| row.try_get("id").context("reserving ids for new orders"))
                .collect()
        }
    }
}

/// Moves each document's packed body into the store: nothing reads it after.
async fn upsert_payloads(
    conn: &mut AnyConnection,
    payloads: Vec<PayloadRow>,
    order_ids: &[i64],
) -> Result<(), StoreError> {
    let rows = payloads
        .into_iter()
        .zip(order_ids)
        .map(|(payload, &order_id)| {
            vec![
                Param::Int(order_id),
                Param::Text(payload.kind.to_string()),
                Param::Text(payload.doc_id),
                Param::Int(payload.version),
                Param::Int(to_millis(payload.fetched_at)),
                Param::Text(payload.origin),
                Param::Int(payload.body.chars),
                Param::Bytes(payload.body.bytes),
                Param::Bytes(payload.facts),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO payloads (order_id, source, doc_id, version, fetched_at, origin, raw_chars, raw, facts)",
        &format!(
            "ON CONFLICT (order_id, source, doc_id) DO UPDATE SET version = excluded.version, \
             fetched_at = excluded.fetched_at, origin = excluded.origin, \
             raw_chars = excluded.raw_chars, raw = excluded.raw, \
             facts = excluded.facts WHERE {PAYLOAD_SUPERSEDES}"
        ),
        rows,
        "storing payloads",
    )
    .await
}

/// Remembers which order each parcel belongs to, so a carrier's reply (which
/// names only the parcel) finds its order even when it arrives first.
async fn record_parcels(
    conn: &mut AnyConnection,
    keys: &[DocKeys],
    order_ids: &[i64],
) -> Result<(), StoreError> {
    let mut parcels: HashMap<&str, (i64, Option<&str>, bool)> = HashMap::new();
    for (doc_keys, &order_id) in keys.iter().zip(order_ids) {
        for number in &doc_keys.tracking_numbers {
            let entry = parcels.entry(number).or_insert((order_id, None, false));
            entry.0 = order_id;
            entry.1 = doc_keys.carrier_hint.as_deref().or(entry.1);
            entry.2 |= doc_keys.settled;
        }
    }
    let rows: Vec<Vec<Param>> = parcels
        .into_iter()
        .map(|(number, (order_id, hint, settled))| {
            vec![
                Param::Text(number.to_string()),
                Param::Int(order_id),
                Param::OptText(hint.map(str::to_string)),
                Param::Int(i64::from(settled)),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO order_tracking (tracking_number, order_id, carrier_hint, settled)",
        "ON CONFLICT (tracking_number) DO UPDATE SET order_id = excluded.order_id, \
         carrier_hint = COALESCE(excluded.carrier_hint, order_tracking.carrier_hint), \
         settled = CASE WHEN excluded.settled = 1 THEN 1 ELSE order_tracking.settled END",
        rows,
        "recording parcels",
    )
    .await
}

/// Records which storefront orders replace which, and returns the ids of the
/// originals whose facts that changed.
async fn relink_replacements(
    conn: &mut AnyConnection,
    replacing: &[Replacing],
    resolver: &Resolver,
) -> Result<Vec<i64>, StoreError> {
    let id_of = |slot: usize| {
        resolver.entities[resolver.root(slot)]
            .id
            .unwrap_or_default()
    };
    let storefront_orders: Vec<i64> = replacing.iter().map(|item| id_of(item.slot)).collect();
    let links: Vec<Vec<Param>> = replacing
        .iter()
        .filter_map(|item| {
            let (key, link) = item.replaces.as_ref()?;
            Some(vec![
                Param::Text(key.clone()),
                Param::Int(id_of(item.slot)),
                Param::Text(link.replacement_name.clone()),
                Param::Text(link.replacement_id.clone()),
                Param::Int(to_millis(link.created_at)),
            ])
        })
        .collect();
    if storefront_orders.is_empty() {
        return Ok(Vec::new());
    }
    let mut original_keys: BTreeSet<String> = BTreeSet::new();
    for chunk in id_chunks(&storefront_orders) {
        let (list, params) = in_list(
            Style::of(conn),
            1,
            chunk.iter().map(|&id| Param::Int(id)).collect(),
        );
        let sql = format!(
            "DELETE FROM replacement_links WHERE replacement_order_id IN ({list}) RETURNING original_key"
        );
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&mut *conn)
            .await
            .context("refreshing replacement links")?;
        for row in rows {
            original_keys.insert(
                row.try_get("original_key")
                    .context("reading replacement links")?,
            );
        }
    }
    for link in &links {
        if let Some(Param::Text(key)) = link.first() {
            original_keys.insert(key.clone());
        }
    }
    insert_rows(
        conn,
        "INSERT INTO replacement_links (original_key, replacement_order_id, replacement_name, replacement_storefront_id, created_at)",
        "ON CONFLICT (original_key, replacement_order_id) DO NOTHING",
        links,
        "recording replacement links",
    )
    .await?;
    if original_keys.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = original_keys.into_iter().collect();
    let mut ids = Vec::new();
    for chunk in id_chunks(&keys) {
        let (list, params) = in_list(
            Style::of(conn),
            1,
            chunk.iter().cloned().map(Param::Text).collect(),
        );
        let sql = format!("SELECT id FROM orders WHERE name_key IN ({list})");
        let rows = bind_all(sqlx::query(&sql), params)
            .fetch_all(&mut *conn)
            .await
            .context("finding replaced orders")?;
        for row in rows {
            ids.push(
                row.try_get::<i64, _>("id")
                    .context("reading replaced orders")?,
            );
        }
    }
    Ok(ids)
}
