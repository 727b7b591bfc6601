//! Raw payload bodies as the store keeps them: LZ4-compressed.
//!
//! The raw bodies are most of what an import writes (a Shopify order is
//! ~2.5 KB of JSON; on SQLite's 4 KB pages it took a page of its own), and
//! every byte written goes to the WAL and again to the database at the
//! checkpoint. Packed, a generated Shopify order's body is ~51% of its
//! text (2,461 to 1,263 bytes on average over 100,000). LZ4 (the pure-Rust
//! `lz4_flex`: no C to build) because the packing runs on the import's
//! parser thread and must stay cheap there; zlib and zstd pack tighter at
//! several times the CPU.
//!
//! A stored body is `[1] ++ LZ4 block (with its length first)`. Bodies
//! stored before compression were converted to their UTF-8 bytes by the
//! migration that brought it: JSON never starts with byte 1, so a body
//! without the tag is plain text. A document's facts (its canonical JSON)
//! are kept the same way: with the body, they were the rest of a payload
//! row, and a row small enough that two share a 4 KB page halves the pages
//! an import writes for them.

use super::StoreError;

const LZ4_TAG: u8 = 1;

/// A body ready for the `payloads` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedBody {
    /// The body's length in characters: the fuller of two snapshots with
    /// the same version wins (see `ingest::supersedes`).
    pub chars: i64,
    pub bytes: Vec<u8>,
}

pub fn pack(text: &str) -> PackedBody {
    PackedBody {
        chars: i64::try_from(text.chars().count()).unwrap_or(i64::MAX),
        bytes: compress(text),
    }
}

/// Text as the store keeps it: a body, or a document's facts.
pub fn compress(text: &str) -> Vec<u8> {
    let compressed = lz4_flex::block::compress_prepend_size(text.as_bytes());
    let mut bytes = Vec::with_capacity(compressed.len() + 1);
    bytes.push(LZ4_TAG);
    bytes.extend_from_slice(&compressed);
    bytes
}

/// The text of a stored body or facts.
pub fn unpack(bytes: &[u8]) -> Result<String, StoreError> {
    let text = match bytes.split_first() {
        Some((&LZ4_TAG, block)) => lz4_flex::block::decompress_size_prepended(block)
            .map_err(|e| StoreError::CorruptBody(e.to_string()))?,
        _ => bytes.to_vec(),
    };
    String::from_utf8(text).map_err(|e| StoreError::CorruptBody(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_comes_back_as_it_went_in() -> Result<(), StoreError> {
        let body = r##"{"id":5000000000,"name":"#1001","note":"café ☕"}"##;
        let packed = pack(body);
        assert_eq!(packed.bytes[0], LZ4_TAG);
        assert_eq!(packed.chars, 48);
        assert_eq!(unpack(&packed.bytes)?, body);
        assert_eq!(unpack(&pack("").bytes)?, "");
        Ok(())
    }

    #[test]
    fn a_body_stored_before_compression_reads_as_text() -> Result<(), StoreError> {
        assert_eq!(unpack(br#"{"id":1}"#)?, r#"{"id":1}"#);
        Ok(())
    }

    #[test]
    fn a_damaged_body_is_an_error_not_a_panic() {
        let mut packed = pack(&"x".repeat(1000)).bytes;
        packed.truncate(8);
        assert!(matches!(unpack(&packed), Err(StoreError::CorruptBody(_))));
        assert!(matches!(
            unpack(&[LZ4_TAG, 0xff, 0xff, 0xff, 0x7f, 0x10]),
            Err(StoreError::CorruptBody(_))
        ));
    }
}
