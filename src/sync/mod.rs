//! Bringing data in: saved payloads now, pollers and workers later. Everything
//! here reaches the UI only through the store and channels.

pub mod connections;
mod filing;
pub mod import;
pub mod poll;
pub mod reconcile;
pub mod reservations;
pub mod resync;
pub mod vendor_api;
pub mod vendor_edi;
pub mod warehouse_stock;
pub mod workers;
