//! ASC X12 004010 with drop-ship vendors: 846/855/856 read from a vendor's
//! inbox folder; 850 purchase orders and 860 cancellations written to its
//! outbox.
//!
//! The tokenizer is our own: the Rust X12 crates either lack these sets in
//! 004010 (`x12-types` has 810/997 but no 846/850/855/856) or only split
//! segments without checking envelopes (`edi`, `x12-stream-parser`).

pub mod outbound;
pub mod sets;
pub mod x12;

pub use outbound::{functional_ack_997, po_cancel_860, purchase_order_850, wants_997, Party};
pub use sets::{read, VendorMessage};
pub use x12::{parse, render, Interchange, Separators, X12Error};
