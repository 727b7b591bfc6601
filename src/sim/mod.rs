//! Simulated backends. For now the seeded shop generator, which writes
//! Shopify and ShipStation bodies in their real wire formats (used by `demo`
//! and the benchmark); the HTTP servers come with live sync.

pub mod shop;
