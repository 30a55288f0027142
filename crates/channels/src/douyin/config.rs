//! What a Douyin shop's connector needs: the gateway, the app's key and secret, the shop's access and
//! refresh tokens, and how to sign.

use crate::douyin::SignMethod;

/// The production gateway; each method is a path under it (`order.searchList` → `/order/searchList`).
pub const GATEWAY: &str = "https://openapi-fxg.jinritemai.com";

/// One shop's doudian settings.
#[derive(Clone)]
pub struct DouyinConfig {
    /// The gateway's base URL, without a trailing slash (a simulator's on loopback in tests and the demo).
    pub gateway: String,
    pub app_key: String,
    pub app_secret: String,
    /// The shop's access token (sent as `access_token`, never signed).
    pub access_token: String,
    /// Trades for a new access token when the current one expires (`token.refresh`).
    pub refresh_token: Option<String>,
    pub sign_method: SignMethod,
    /// Orders per listing page, 1–100.
    pub page_size: u32,
}

impl std::fmt::Debug for DouyinConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DouyinConfig")
            .field("gateway", &self.gateway)
            .field("app_key", &self.app_key)
            .field("app_secret", &"***")
            .field("access_token", &"***")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("sign_method", &self.sign_method)
            .field("page_size", &self.page_size)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::douyin::{DouyinConfig, SignMethod};

    #[test]
    fn secrets_stay_out_of_debug() {
        let config = DouyinConfig {
            gateway: "http://127.0.0.1:1".to_owned(),
            app_key: "7000000000000000001".to_owned(),
            app_secret: "app-secret-value".to_owned(),
            access_token: "access-token-value".to_owned(),
            refresh_token: Some("refresh-token-value".to_owned()),
            sign_method: SignMethod::HmacSha256,
            page_size: 100,
        };
        let text = format!("{config:?}");
        assert!(text.contains("7000000000000000001"), "{text}");
        for secret in [
            "app-secret-value",
            "access-token-value",
            "refresh-token-value",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
