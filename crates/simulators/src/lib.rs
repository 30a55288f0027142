//! Our own simulators of the platforms' APIs, one folder per platform: loopback servers with the
//! platform's real paths, parameters, signature checks, windows, paging, rate limits, token expiry,
//! error bodies, status changes over time and write-back endpoints that record what they received.
//!
//! They are part of the product (`orderhub simulate PLATFORM`, the demo, the benchmark) and what the
//! connectors are tested against, so they never answer with canned success: every answer is computed
//! from the simulated shop's state at the time of the request.
//!
//! Time and randomness are injected: the server reads an [`app::Clock`] once per request and the core
//! (`taobao::Simulation`) takes that time as an argument; every random choice comes from a seeded
//! [`Rng`], so one seed always produces the same shop.

mod rng;
mod serve;

pub mod douyin;
pub mod shopify;
pub mod taobao;

pub use crate::rng::Rng;
