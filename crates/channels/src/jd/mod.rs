//! JD POP through JOS (`api.jd.com/routerjson`).
//!
//! System parameters are `method`, `app_key`, `access_token`, `timestamp`, `v=2.0` and the business
//! parameters as one JSON string in `360buy_param_json`, all of them signed.

mod signer;

pub use self::signer::{concat_params, sign};
