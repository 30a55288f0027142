//! What a Taobao/Tmall shop's connector needs: the gateway, the app's key and secret, the seller's
//! session, and how to sign.

use crate::taobao::SignMethod;

/// The production gateway.
pub const GATEWAY: &str = "https://gw.api.taobao.com/router/rest";

/// One shop's TOP settings.
#[derive(Clone)]
pub struct TaobaoConfig {
    /// The gateway URL (a simulator's on loopback in tests and the demo).
    pub gateway: String,
    pub app_key: String,
    pub app_secret: String,
    /// The seller's access token.
    pub session: String,
    /// Trades for a new session when the current one expires (`taobao.top.auth.token.refresh`).
    pub refresh_token: Option<String>,
    pub sign_method: SignMethod,
    /// Trades per listing page, 1–100 (TOP recommends 40–50).
    pub page_size: u32,
}

impl std::fmt::Debug for TaobaoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaobaoConfig")
            .field("gateway", &self.gateway)
            .field("app_key", &self.app_key)
            .field("app_secret", &"***")
            .field("session", &"***")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("sign_method", &self.sign_method)
            .field("page_size", &self.page_size)
            .finish()
    }
}
