//! Bringing data in: saved payloads now, pollers and workers later. Everything
//! here reaches the UI only through the store and channels.

pub mod import;
pub mod reconcile;
