//! ASC X12 004010 with drop-ship vendors: 846/855/856 read from a vendor's
//! inbox folder, 850 purchase orders written to its outbox.
//!
//! The tokenizer is our own: the Rust X12 crates either lack these sets in
//! 004010 (`x12-types` has 810/997 but no 846/850/855/856) or only split
//! segments without checking envelopes (`edi`, `x12-stream-parser`).

pub mod po850;
pub mod sets;
pub mod x12;

pub use po850::{purchase_order_850, Party};
pub use sets::{read, VendorMessage};
pub use x12::{parse, render, Interchange, Separators, X12Error};
