//! Douyin Shop (抖店) through the doudian open platform (`openapi-fxg.jinritemai.com`).
//!
//! Requests carry `app_key`, `method`, `access_token`, `timestamp`, `v=2`, `sign_method` and `sign`;
//! the business parameters travel as one JSON string, `param_json`. Pushes are JSON arrays of events
//! signed in the `event-sign` header, with our app key in `app-id`.

mod signer;

pub use self::signer::{API_VERSION, Request, SignMethod, event_sign, sign, verify_push};
