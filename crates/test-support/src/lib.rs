//! Seeded synthetic orders and throw-away databases, shared by the conformance suite and the benchmark.
//!
//! Everything here is deterministic for a given seed: the same seed gives the same orders, byte for byte.

mod synth;
mod test_db;

pub use crate::synth::{Rng, synthetic_item};
pub use crate::test_db::{POSTGRES_URL_VAR, TestDb};
