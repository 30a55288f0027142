//! Pinduoduo through the PDD open platform gateway (`gw-api.pinduoduo.com/api/router`).
//!
//! Every call carries `type` (the API name), `client_id`, `access_token`, `timestamp` (Unix seconds),
//! `data_type` and the business parameters, all of them signed.

mod signer;

pub use self::signer::{concat_params, sign};
