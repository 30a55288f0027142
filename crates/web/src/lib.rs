//! OrderHub's HTTP layer, the only crate that knows HTTP besides the simulators. Today it serves the
//! platforms' push endpoints; the API and the console join it later.

mod push;

pub use crate::push::{PushShop, PushState, router};
