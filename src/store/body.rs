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
//! A stored body is a tag byte, then an LZ4 block with its length first:
//! - tag 2: compressed against [`DICTIONARY_1`], what is written now;
//! - tag 1: compressed alone, as stores written before it hold.
//!
//! Bodies stored before compression were converted to their UTF-8 bytes by
//! the migration that brought it: JSON never starts with byte 1 or 2, so a
//! body without a tag is plain text. A document's facts (its canonical
//! JSON) are kept the same way: with the body, they are the rest of a
//! payload row.
//!
//! The dictionary is text the bodies and facts repeat, which LZ4 can then
//! refer back to from the first byte of a small document instead of only
//! once the document has said it itself: a Shopify order from Shopify's
//! own API samples (`order-authorized-fulfillment-failed.json` in the
//! shared fixtures, compact; `test/fixtures/order.json` of
//! Shopify/shopify_python_api at 307fa92, MIT, whose licence is
//! `pack_dictionary_1.LICENSE` beside it), after the facts orderdeck reads
//! from it.
//! Over 20,000 generated orders it packs a body to 881 bytes instead of
//! 1,264 and its facts to 287 instead of 525, so three payload rows share a
//! 4 KB page where two did not quite; packing costs ~1.5 µs more a body on
//! the import's parser thread. A stored body needs the dictionary it was
//! packed against, byte for byte, for as long as any store holds one: the
//! file never changes, and a better dictionary would come with a new tag
//! (and, as migration 0014 did for this one, a migration that keeps older
//! builds from opening a store they could not read).

use super::StoreError;

const PLAIN_LZ4_TAG: u8 = 1;
const DICTIONARY_1_TAG: u8 = 2;
const DICTIONARY_1: &[u8] = include_bytes!("pack_dictionary_1.txt");

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
    let compressed =
        lz4_flex::block::compress_prepend_size_with_dict(text.as_bytes(), DICTIONARY_1);
    let mut bytes = Vec::with_capacity(compressed.len() + 1);
    bytes.push(DICTIONARY_1_TAG);
    bytes.extend_from_slice(&compressed);
    bytes
}

/// The text of a stored body or facts.
pub fn unpack(bytes: &[u8]) -> Result<String, StoreError> {
    let text = match bytes.split_first() {
        Some((&DICTIONARY_1_TAG, block)) => {
            lz4_flex::block::decompress_size_prepended_with_dict(block, DICTIONARY_1)
                .map_err(|e| StoreError::CorruptBody(e.to_string()))?
        }
        Some((&PLAIN_LZ4_TAG, block)) => lz4_flex::block::decompress_size_prepended(block)
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
        assert_eq!(packed.bytes[0], DICTIONARY_1_TAG);
        assert_eq!(packed.chars, 48);
        assert_eq!(unpack(&packed.bytes)?, body);
        assert_eq!(unpack(&pack("").bytes)?, "");
        Ok(())
    }

    const SAMPLE: &str = r##"{"id":450789469,"name":"#1001","email":"bob.norman@hostmail.com","financial_status":"authorized","line_items":[{"sku":"IPOD2008GREEN","quantity":1}]}"##;

    /// Stores hold bodies packed against the dictionary as it was when they
    /// were written: these bytes are `pack(SAMPLE)` from then, and must
    /// read back whatever changes here.
    #[test]
    fn a_body_packed_against_dictionary_1_reads_back() -> Result<(), StoreError> {
        let stored = [
            2, 149, 0, 0, 0, 2, 92, 21, 5, 173, 24, 5, 126, 11, 4, 224, 18, 15, 158, 2, 17, 15,
            186, 19, 11, 11, 27, 16, 15, 121, 15, 3, 4, 44, 21, 96, 34, 58, 49, 125, 93, 125,
        ];
        assert_eq!(unpack(&stored)?, SAMPLE);
        assert!(pack(SAMPLE).bytes.len() < SAMPLE.len() / 3);
        Ok(())
    }

    /// Any byte of the dictionary may be what some stored body refers to.
    #[test]
    fn dictionary_1_is_as_it_was() {
        let fnv1a = DICTIONARY_1
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        assert_eq!((DICTIONARY_1.len(), fnv1a), (6344, 0x6eee_cac8_f560_904a));
    }

    #[test]
    fn a_body_packed_without_a_dictionary_reads_back() -> Result<(), StoreError> {
        let mut stored = vec![PLAIN_LZ4_TAG];
        stored.extend(lz4_flex::block::compress_prepend_size(SAMPLE.as_bytes()));
        assert_eq!(unpack(&stored)?, SAMPLE);
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
            unpack(&[DICTIONARY_1_TAG, 0xff, 0xff, 0xff, 0x7f, 0x10]),
            Err(StoreError::CorruptBody(_))
        ));
    }
}
