//! Seeded synthetic orders and throw-away databases, shared by the conformance suite and the benchmark.
//!
//! Everything here is deterministic for a given seed: the same seed gives the same orders, byte for byte.

mod address_eval;
mod synth;
mod test_db;

pub use crate::address_eval::{EvalCase, Expected, eval_set, generated, hard_cases};
pub use crate::synth::{Rng, crash_external_id, product_codes, synthetic_item};
pub use crate::test_db::{POSTGRES_URL_VAR, TestDb};
