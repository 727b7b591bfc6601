//! One module per real backend API. Each turns its wire format into domain
//! types; wire structs never leave their module.

pub mod carriers;
mod chunks;
pub mod edi;
pub mod http;
pub mod openai;
pub mod secret;
pub mod shipstation;
pub mod shipstation_client;
pub mod shopify;
pub mod shopify_client;
mod stream;
pub mod vendor_api;
pub mod writes;

pub use crate::domain::DocumentContent;

/// Which system a saved payload came from (`import --source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Storefront,
    Warehouse,
    Carrier,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Storefront => "storefront",
            Source::Warehouse => "warehouse",
            Source::Carrier => "carrier",
        }
    }
}

/// One document found in a payload body, in canonical form, with the exact
/// JSON it came from kept as the raw snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub raw: String,
    pub content: DocumentContent,
}

/// A document that could not be turned into domain types: kept aside with the
/// reason, while the rest of the body goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The order's name or id, when the document says it.
    pub order: Option<String>,
    /// Names the order and the field, e.g. "order #1001 (id 450789469): missing field `created_at`".
    pub reason: String,
    pub raw: String,
}

// Nearly every item is a document, so boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Document(Document),
    Rejected(Rejected),
}

/// A body that cannot be read at all; the caller rejects the whole file.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("not valid JSON: {0}")]
    Syntax(#[source] serde_json::Error),
    #[error("{0}")]
    UnsupportedShape(String),
}

/// Reads one saved payload body from `reader` without holding the whole body
/// in memory (a list is streamed element by element), and calls `on_item` for
/// each document, or each rejected document, in body order. Returns how many
/// items it produced. An `Err` means the body as a whole is unreadable (not
/// JSON, or not a shape this source sends); items already produced must then
/// be discarded by the caller.
pub fn read_body(
    source: Source,
    reader: impl std::io::Read,
    on_item: &mut dyn FnMut(Item),
) -> Result<usize, WireError> {
    stream::read_body(source, reader, on_item)
}

/// As [`read_body`] for a body already in memory (a fetched page): the same
/// items, read faster.
pub fn read_slice(
    source: Source,
    body: &[u8],
    on_item: &mut dyn FnMut(Item),
) -> Result<usize, WireError> {
    stream::read_slice(source, body, on_item)
}
