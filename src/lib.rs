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

// The engine allocates a few short-lived strings (reasons, evidence) for
// most orders it evaluates: glibc's malloc and free took about 14% of its
// time in a profile, and with mimalloc it evaluates ~9% more orders per CPU
// second. Set here rather than in main.rs so that the benchmarks and tests
// run on the allocator the program ships with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
