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
    // serde_json reads byte by byte from a bare reader.
    read_with(
        wire,
        serde_json::Deserializer::from_reader(BufReader::new(reader)),
        on_item,
    )
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
        // Elements are only ever read as raw JSON here, so a data error can
        // only come from a value whose shape is wrong for its place: the body
        // is JSON, just not a shape this source sends.
        Err(err) if err.classify() == Category::Data => {
            Err(WireError::UnsupportedShape(without_position(&err)))
        }
        Err(err) => Err(WireError::Syntax(err)),
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
        read_elements(self.wire, "the array", elements, first, seq, self.out)
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

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let place = format!("`{}`", self.key);
        read_elements(self.wire, &place, self.elements, None, seq, self.out)
    }

    /// `"orders": null` is an empty page, not a broken one.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

fn read_elements<'de, A: SeqAccess<'de>>(
    wire: &Wire,
    place: &str,
    elements: Elements,
    first: Option<Box<RawValue>>,
    mut seq: A,
    out: &mut Out<'_>,
) -> Result<(), A::Error> {
    match elements {
        Elements::Each {
            convert,
            identified_by,
        } => {
            let first = match first {
                Some(raw) => Some(raw),
                None => seq.next_element::<Box<RawValue>>()?,
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
            while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                out.emit(convert(raw));
            }
        }
        Elements::Whole(convert) => {
            let mut all: Vec<Box<RawValue>> = first.into_iter().collect();
            while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
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
