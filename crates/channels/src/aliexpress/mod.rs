//! AliExpress through the IOP gateway (`api-sg.aliexpress.com`), the scheme Lazada uses as well.
//!
//! Method-style APIs (`/sync?method=aliexpress.solution.order.get`) carry `method` as a parameter;
//! path-style APIs (`/rest/auth/token/create`) sign their path. `timestamp` is in milliseconds.

mod signer;

pub use self::signer::{concat_params, sign};
