//! orderdeck: reconciles storefront, warehouse, carrier and vendor data into
//! explained queues. See DESIGN.md for the shape of the parts.

pub mod actions;
pub mod commands;
pub mod config;
pub mod connectors;
pub mod domain;
pub mod engine;
pub mod paths;
pub mod sim;
pub mod store;
pub mod summary;
pub mod sync;
pub mod text;
pub mod tui;
