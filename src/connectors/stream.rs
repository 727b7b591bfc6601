//! Reads a saved payload body as a stream: a list is taken one element at a
//! time, each element kept as its exact JSON text, so that a multi-gigabyte
//! export never has to sit in memory. Which top-level shapes a source sends,
//! and how an element becomes domain types, is each connector's business
//! (its `WIRE` table); this module only walks the JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{BufReader, Read};

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};
use serde::Deserialize;
use serde_json::error::Category;
use serde_json::value::RawValue;
use serde_json::Value;

use super::chunks::{Chunks, Inside, CHUNK};
use super::{shipstation, shopify, Item, Source, WireError};

/// Turns one element's raw JSON into a document, or a rejection.
pub(super) type Convert = fn(Box<RawValue>) -> Item;

/// How the elements of a JSON array become items.
pub(super) enum Elements {
    /// Each element stands alone and is converted as soon as it is read.
    /// The first element must have one of the `identified_by` keys: a list
    /// from another system (Shopify's and ShipStation's both sit under
    /// `orders`) is refused as a whole instead of rejected element by element.
    Each {
        convert: Convert,
        identified_by: &'static [&'static str],
    },
    /// The elements only make sense together (they are grouped); such
    /// bodies are small, so the whole array is held.
    Whole(fn(Vec<Box<RawValue>>) -> Vec<Item>),
}

/// What the value under one recognised top-level key holds.
pub(super) enum Envelope {
    Array(Elements),
    One(Convert),
}

/// The body shapes one source sends.
pub(super) struct Wire {
    /// `storefront`, `warehouse`: used in messages.
    pub(super) system: &'static str,
    /// Every shape this source accepts, for the message that rejects a body.
    pub(super) accepted: &'static str,
    /// The value under this top-level key holds documents.
    pub(super) envelope: fn(&str) -> Option<Envelope>,
    /// An object with none of the envelope keys, judged by its keys: a
    /// document on its own (a webhook body), or nothing this source sends.
    pub(super) bare_object: fn(&BTreeSet<&str>) -> Option<Convert>,
    /// A top-level array, judged by its first element's keys (`None` when
    /// the array is empty).
    pub(super) bare_array: fn(Option<&BTreeSet<&str>>) -> Option<Elements>,
}

pub(super) fn read_body(
    source: Source,
    reader: impl Read,
    on_item: &mut dyn FnMut(Item),
) -> Result<usize, WireError> {
    let Some(wire) = wire_of(source) else {
        return super::carriers::read_saved(reader, on_item);
    };
    read_chunked(wire, Chunks::new(reader, CHUNK), on_item)
}

fn read_chunked<R: Read>(
    wire: &'static Wire,
    mut chunks: Chunks<R>,
    on_item: &mut dyn FnMut(Item),
) -> Result<usize, WireError> {
    let mut out = Out {
        on_item,
        produced: 0,
    };
    match read_enveloped(wire, &mut chunks, &mut out) {
        Ok(true) => Ok(out.produced),
        // Any other shape is small (a webhook body, a page of fulfilment
        // orders): serde_json reads it from the start, byte by byte.
        Ok(false) => read_with(
            wire,
            serde_json::Deserializer::from_reader(BufReader::new(chunks.rewound())),
            out.on_item,
        ),
        Err(err) => Err(classified(err)),
    }
}

/// The large body, a list under an envelope key (`{"orders": [...], ...}`),
/// read one element at a time from chunks in memory. `false`, with nothing
/// read for good, when the body does not start that way.
fn read_enveloped<R: Read>(
    wire: &'static Wire,
    chunks: &mut Chunks<R>,
    out: &mut Out<'_>,
) -> Result<bool, serde_json::Error> {
    if chunks.peek()? != Some(b'{') {
        return Ok(false);
    }
    chunks.bump();
    if chunks.peek()? != Some(b'"') {
        return Ok(false);
    }
    let Ok(key) = chunks.value::<String>(Inside::Object(b"{")) else {
        return Ok(false);
    };
    if chunks.peek()? != Some(b':') {
        return Ok(false);
    }
    chunks.bump();
    if chunks.peek()? != Some(b'[') {
        return Ok(false);
    }
    let Some(Envelope::Array(elements)) = (wire.envelope)(&key) else {
        return Ok(false);
    };
    chunks.stream_from_here();
    read_chunked_array(wire, &key, elements, chunks, out)?;
    // The members after the list, as `Body` takes them once it has seen an
    // envelope key.
    loop {
        match chunks.peek()? {
            Some(b'}') => {
                chunks.bump();
                break;
            }
            Some(b',') => chunks.bump(),
            _ => return Err(chunks.placed(Inside::Object(br#"{"":0"#))),
        }
        match chunks.peek()? {
            Some(b'"') => {}
            Some(_) => return Err(chunks.placed(Inside::Object(br#"{"":0,"#))),
            None => return Err(chunks.placed(Inside::Top(b""))),
        }
        let key = chunks.value::<String>(Inside::Object(br#"{"":0,"#))?;
        if chunks.peek()? != Some(b':') {
            return Err(chunks.placed(Inside::Object(br#"{"""#)));
        }
        chunks.bump();
        match (wire.envelope)(&key) {
            Some(Envelope::Array(elements)) if chunks.peek()? == Some(b'[') => {
                read_chunked_array(wire, &key, elements, chunks, out)?;
            }
            Some(Envelope::Array(elements)) => {
                let raw: Box<RawValue> = chunks.value(Inside::Object(br#"{"":"#))?;
                Array {
                    wire,
                    key: &key,
                    elements,
                    out: &mut *out,
                }
                .deserialize(&mut serde_json::Deserializer::from_str(raw.get()))?;
            }
            Some(Envelope::One(convert)) => {
                out.emit(convert(chunks.value(Inside::Object(br#"{"":"#))?))
            }
            None => {
                chunks.value::<IgnoredAny>(Inside::Object(br#"{"":"#))?;
            }
        }
    }
    match chunks.peek()? {
        None => Ok(true),
        Some(_) => Err(chunks.placed(Inside::Top(b"0"))),
    }
}

/// A list whose `[` is the next byte, up to and with its `]`.
fn read_chunked_array<R: Read>(
    wire: &Wire,
    key: &str,
    elements: Elements,
    chunks: &mut Chunks<R>,
    out: &mut Out<'_>,
) -> Result<(), serde_json::Error> {
    chunks.bump();
    let mut first = true;
    let mut closed = false;
    let mut next = || -> Result<Option<Box<RawValue>>, serde_json::Error> {
        if closed {
            return Ok(None);
        }
        // How far the list is opened before the next element, for errors.
        let inside: &'static [u8] = match chunks.peek()? {
            Some(b']') => {
                chunks.bump();
                closed = true;
                return Ok(None);
            }
            Some(b',') if !first => {
                chunks.bump();
                if chunks.peek()? == Some(b']') {
                    return Err(chunks.placed(Inside::List(b"[0,")));
                }
                b"[0,"
            }
            Some(_) if first => b"[",
            _ => {
                let inside: &'static [u8] = if first { b"[" } else { b"[0" };
                return Err(chunks.placed(Inside::List(inside)));
            }
        };
        first = false;
        chunks.value(Inside::List(inside)).map(Some)
    };
    read_elements(wire, &format!("`{key}`"), elements, None, &mut next, out)
}

/// As [`read_body`] for a body already in memory, which serde_json reads
/// several times faster than through a reader.
pub(super) fn read_slice(
    source: Source,
    body: &[u8],
    on_item: &mut dyn FnMut(Item),
) -> Result<usize, WireError> {
    let Some(wire) = wire_of(source) else {
        return super::carriers::read_saved(body, on_item);
    };
    read_with(wire, serde_json::Deserializer::from_slice(body), on_item)
}

/// The storefront's and the warehouse's body shapes; carriers' replies are
/// read whole by their own module.
fn wire_of(source: Source) -> Option<&'static Wire> {
    match source {
        Source::Storefront => Some(&shopify::WIRE),
        Source::Warehouse => Some(&shipstation::WIRE),
        Source::Carrier => None,
    }
}

fn read_with<'de, R: serde_json::de::Read<'de>>(
    wire: &'static Wire,
    mut de: serde_json::Deserializer<R>,
    on_item: &mut dyn FnMut(Item),
) -> Result<usize, WireError> {
    let mut out = Out {
        on_item,
        produced: 0,
    };
    let read = Body {
        wire,
        out: &mut out,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match read {
        Ok(()) => Ok(out.produced),
        Err(err) => Err(classified(err)),
    }
}

fn classified(err: serde_json::Error) -> WireError {
    // Elements are only ever read as raw JSON here, so a data error can only
    // come from a value whose shape is wrong for its place: the body is
    // JSON, just not a shape this source sends.
    if err.classify() == Category::Data {
        WireError::UnsupportedShape(without_position(&err))
    } else {
        WireError::Syntax(err)
    }
}

struct Out<'f> {
    on_item: &'f mut dyn FnMut(Item),
    produced: usize,
}

impl Out<'_> {
    fn emit(&mut self, item: Item) {
        self.produced += 1;
        (self.on_item)(item);
    }
}

/// The whole body.
struct Body<'o, 'f> {
    wire: &'static Wire,
    out: &'o mut Out<'f>,
}

impl<'de> DeserializeSeed<'de> for Body<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Body<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} body: {}", self.wire.system, self.wire.accepted)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut enveloped = false;
        // Held only until an envelope key shows up: without one, these
        // members are the document itself (a bare webhook object).
        let mut held: Vec<(String, Box<RawValue>)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match (self.wire.envelope)(&key) {
                Some(Envelope::Array(elements)) => {
                    enveloped = true;
                    held.clear();
                    map.next_value_seed(Array {
                        wire: self.wire,
                        key: &key,
                        elements,
                        out: &mut *self.out,
                    })?;
                }
                Some(Envelope::One(convert)) => {
                    enveloped = true;
                    held.clear();
                    let raw: Box<RawValue> = map.next_value()?;
                    self.out.emit(convert(raw));
                }
                None if enveloped => {
                    map.next_value::<IgnoredAny>()?;
                }
                None => {
                    let raw: Box<RawValue> = map.next_value()?;
                    held.push((key, raw));
                }
            }
        }
        if enveloped {
            return Ok(());
        }
        let keys: BTreeSet<&str> = held.iter().map(|(key, _)| key.as_str()).collect();
        let Some(convert) = (self.wire.bare_object)(&keys) else {
            return Err(de::Error::custom(unsupported_object(self.wire, &held)));
        };
        let raw = reassemble(&held).map_err(de::Error::custom)?;
        self.out.emit(convert(raw));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let first: Option<Box<RawValue>> = seq.next_element()?;
        let first_members = first.as_deref().map(members);
        let first_keys: Option<BTreeSet<&str>> = first_members
            .as_ref()
            .map(|m| m.keys().map(String::as_str).collect());
        let Some(elements) = (self.wire.bare_array)(first_keys.as_ref()) else {
            return Err(de::Error::custom(format!(
                "{} body is a bare JSON array whose elements are not documents it accepts; expected {}",
                self.wire.system, self.wire.accepted
            )));
        };
        read_elements(
            self.wire,
            "the array",
            elements,
            first,
            &mut || seq.next_element(),
            self.out,
        )
    }
}

/// The array under an envelope key.
struct Array<'o, 'f> {
    wire: &'static Wire,
    key: &'o str,
    elements: Elements,
    out: &'o mut Out<'f>,
}

impl<'de> DeserializeSeed<'de> for Array<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Array<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON array under `{}`", self.key)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let place = format!("`{}`", self.key);
        read_elements(
            self.wire,
            &place,
            self.elements,
            None,
            &mut || seq.next_element(),
            self.out,
        )
    }

    /// `"orders": null` is an empty page, not a broken one.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The elements of a list, each taken by `next` until it says `None`.
fn read_elements<E: de::Error>(
    wire: &Wire,
    place: &str,
    elements: Elements,
    first: Option<Box<RawValue>>,
    next: &mut dyn FnMut() -> Result<Option<Box<RawValue>>, E>,
    out: &mut Out<'_>,
) -> Result<(), E> {
    match elements {
        Elements::Each {
            convert,
            identified_by,
        } => {
            let first = match first {
                Some(raw) => Some(raw),
                None => next()?,
            };
            if let Some(raw) = first {
                let members = members(&raw);
                if !identified_by.iter().any(|key| members.contains_key(*key)) {
                    let keys: Vec<String> =
                        identified_by.iter().map(|k| format!("`{k}`")).collect();
                    return Err(de::Error::custom(format!(
                        "{} body's {place} holds something else: its first element has none of {}; expected {}",
                        wire.system,
                        keys.join(", "),
                        wire.accepted
                    )));
                }
                out.emit(convert(raw));
            }
            while let Some(raw) = next()? {
                out.emit(convert(raw));
            }
        }
        Elements::Whole(convert) => {
            let mut all: Vec<Box<RawValue>> = first.into_iter().collect();
            while let Some(raw) = next()? {
                all.push(raw);
            }
            for item in convert(all) {
                out.emit(item);
            }
        }
    }
    Ok(())
}

fn unsupported_object(wire: &Wire, members: &[(String, Box<RawValue>)]) -> String {
    const SHOWN: usize = 8;
    if members.is_empty() {
        return format!(
            "{} body is an empty JSON object; expected {}",
            wire.system, wire.accepted
        );
    }
    let mut seen = BTreeSet::new();
    let keys: Vec<String> = members
        .iter()
        .filter(|(key, _)| seen.insert(key.as_str()))
        .map(|(key, _)| format!("`{key}`"))
        .collect();
    let more = if keys.len() > SHOWN {
        format!(" and {} more", keys.len() - SHOWN)
    } else {
        String::new()
    };
    let shown = keys
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let plural = if keys.len() == 1 { "" } else { "s" };
    format!(
        "{} body has top-level key{plural} {shown}{more}, which is not a shape it accepts; expected {}",
        wire.system, wire.accepted
    )
}

/// The object a bare body was, rebuilt from its members' exact text (only
/// the whitespace between members is lost).
fn reassemble(members: &[(String, Box<RawValue>)]) -> Result<Box<RawValue>, serde_json::Error> {
    let mut text = String::from("{");
    for (index, (key, value)) in members.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&Value::String(key.clone()).to_string());
        text.push(':');
        text.push_str(value.get());
    }
    text.push('}');
    RawValue::from_string(text)
}

// Shared by the connectors.

/// Reads one element into a wire struct. The error names the field by its
/// path inside the element (`line_items[2].quantity: invalid type: …`).
pub(super) fn parse<T: DeserializeOwned>(raw: &RawValue) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let message = without_position(err.inner());
        if err.path().iter().next().is_none() {
            message
        } else {
            format!("{}: {message}", err.path())
        }
    })
}

/// The element's own JSON text, without copying it.
pub(super) fn into_text(raw: Box<RawValue>) -> String {
    Box::<str>::from(raw).into_string()
}

/// An element's members, read leniently (for naming a document that failed
/// to parse, or judging a shape); empty when the element is not an object.
pub(super) fn members(raw: &RawValue) -> BTreeMap<String, Value> {
    serde_json::from_str(raw.get()).unwrap_or_default()
}

/// A member's value as text, when it is a non-empty string or a number.
pub(super) fn scalar_text(members: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    match members.get(key)? {
        Value::String(text) => non_empty(Some(text.clone())),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// APIs send `""` and `null` alike for "not set".
pub(super) fn non_empty(text: Option<String>) -> Option<String> {
    let text = text?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_owned())
    }
}

/// serde_json's message without " at line L column C": positions inside one
/// element, or deep in a stream, mean nothing to an operator.
fn without_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    match text.strip_suffix(&position) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// An id or number-like name: the APIs send ids as JSON numbers, but
/// GraphQL-shaped and hand-made payloads send strings; both are kept as text.
pub(super) struct LooseString(pub(super) String);

impl<'de> Deserialize<'de> for LooseString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseStringVisitor)
    }
}

struct LooseStringVisitor;

impl Visitor<'_> for LooseStringVisitor {
    type Value = LooseString;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an integer")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<LooseString, E> {
        Ok(LooseString(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<LooseString, E> {
        Ok(LooseString(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<LooseString, E> {
        Ok(LooseString(value.to_string()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<LooseString, E> {
        Ok(LooseString(value.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a body reads as, from chunks of `capacity` bytes, or as serde_json
    /// reads it from a reader, byte by byte (as bodies of other shapes are).
    fn read_in_chunks(wire: &'static Wire, body: &[u8], capacity: usize) -> String {
        let mut items = Vec::new();
        let result = read_chunked(wire, Chunks::new(body, capacity), &mut |item| {
            items.push(item)
        });
        outcome(result, items)
    }

    fn read_bytewise(wire: &'static Wire, body: &[u8]) -> String {
        let mut items = Vec::new();
        let result = read_with(
            wire,
            serde_json::Deserializer::from_reader(body),
            &mut |item| items.push(item),
        );
        outcome(result, items)
    }

    fn outcome(result: Result<usize, WireError>, items: Vec<Item>) -> String {
        match result {
            Ok(produced) => {
                assert_eq!(produced, items.len());
                format!("{items:#?}")
            }
            Err(err) => format!("error: {err}"),
        }
    }

    fn order(id: u64) -> String {
        format!(
            r##"{{"id": {id}, "name": "#{id}", "created_at": "2024-05-02T09:15:00-04:00",
  "financial_status": "paid", "fulfillment_status": null,
  "line_items": [{{"id": {id}0, "quantity": 2, "title": "Mug \"blue\" \u00e9", "sku": "MUG-1"}}]}}"##
        )
    }

    fn bodies() -> Vec<(&'static Wire, String)> {
        let orders = [order(1001), order(1002), order(1003)].join(",\n ");
        let mut bodies = vec![
            (&shopify::WIRE, format!("{{\"orders\": [{orders}]}}")),
            (
                &shopify::WIRE,
                format!(
                    "\n  {{ \"orders\" : [ {orders} ] , \"next\": {{\"a\": [1, 2.5e3]}}, \"order\": {} }}\n",
                    order(1004)
                ),
            ),
            // An element that does not parse is rejected alone.
            (
                &shopify::WIRE,
                format!(r#"{{"orders": [{}, {{"id": 7, "name": 5}}]}}"#, order(1005)),
            ),
            (&shopify::WIRE, r#"{"orders": []}"#.to_string()),
            // Larger than the first read, so the buffer grows while reading.
            (
                &shopify::WIRE,
                format!(
                    "{{\"orders\": [{}]}}",
                    (2000..2400).map(order).collect::<Vec<_>>().join(",")
                ),
            ),
            (&shopify::WIRE, format!("{{\"order\": {}}}", order(1006))),
            (&shopify::WIRE, order(1007)),
            (&shopify::WIRE, r#"{"orders": null, "x": 1}"#.to_string()),
            (&shopify::WIRE, r#"{"orders": [], "orders": 5}"#.to_string()),
            (&shopify::WIRE, r#"{"customers": [{"id": 1}]}"#.to_string()),
            (&shopify::WIRE, r#"{"orders": [{"email": "a@b"}]}"#.to_string()),
            (
                &shipstation::WIRE,
                r#"{"orders": [{"orderId": 1, "orderNumber": "1001", "orderStatus": "shipped"}], "total": 1, "page": 1, "pages": 12345}"#
                    .to_string(),
            ),
        ];
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/shopify");
        if let Ok(entries) = std::fs::read_dir(fixtures) {
            for entry in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    bodies.push((&shopify::WIRE, text));
                }
            }
        }
        bodies
    }

    #[test]
    fn a_body_read_in_chunks_reads_as_it_does_byte_by_byte() {
        for (wire, body) in bodies() {
            let bytewise = read_bytewise(wire, body.as_bytes());
            for capacity in [1, 2, 3, 5, 8, 64, 1000, CHUNK] {
                assert_eq!(
                    read_in_chunks(wire, body.as_bytes(), capacity),
                    bytewise,
                    "{body} in chunks of {capacity}"
                );
            }
        }
    }

    #[test]
    fn a_broken_body_read_in_chunks_fails_as_it_does_byte_by_byte() {
        let orders = [order(1001), order(1002)].join(",\n ");
        let body = format!("{{\"orders\": [{orders}],\n \"page\": 1}}\n");
        let mut broken: Vec<Vec<u8>> = (0..body.len())
            .map(|end| body.as_bytes()[..end].to_vec())
            .collect();
        for (at, _) in body.char_indices() {
            for replacement in [b"x".as_slice(), b",", b"}", b"]", b"\"", b""] {
                let mut changed = body.as_bytes()[..at].to_vec();
                changed.extend_from_slice(replacement);
                changed.extend_from_slice(&body.as_bytes()[at + 1..]);
                broken.push(changed);
            }
        }
        broken.push(format!("{body} trailing").into_bytes());
        for body in broken {
            let bytewise = read_bytewise(&shopify::WIRE, &body);
            for capacity in [1, 7, 100, CHUNK] {
                assert_eq!(
                    read_in_chunks(&shopify::WIRE, &body, capacity),
                    bytewise,
                    "{} in chunks of {capacity}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
    }
}
