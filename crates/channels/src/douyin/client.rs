//! The Douyin connector: the only IO of this folder. Every call is a POST to the method's path with
//! the common parameters in the query string and `param_json` as the JSON body. Listings page
//! backwards (a cheap count first, then the last page down to page 0, newest first): an order modified
//! during the scan leaves the window towards "now", which only moves orders towards pages already
//! read, so none is skipped (paging forwards would skip one per change).

use std::sync::{Mutex, PoisonError};

use app::{
    ChannelError, Connector, Fetched, ListedStock, OrderPage, PageToken, PushMessage,
    ShipmentConfirmation, SyncLimits, Window,
};
use domain::{ChannelKind, ShopId, Timestamp};
use mapping::OrderMapping;
use serde_json::{Value, json};

use crate::douyin::config::DouyinConfig;
use crate::douyin::mapping::{fetched, order_mapping};
use crate::douyin::wire::{
    company_code, data, douyin_time, method_path, order_detail, param_json, push_message,
    refreshed, search_list, shipped_with, token_expired,
};
use crate::douyin::{Request, sign, verify_push};

/// The shop's tokens: the access token in use and the refresh token that replaces it.
#[derive(Clone)]
struct Tokens {
    access: String,
    refresh: Option<String>,
}

/// One Douyin shop.
pub struct DouyinConnector {
    config: DouyinConfig,
    /// Replaced together when a refresh gives new ones (doudian hands out a new refresh token too).
    tokens: Mutex<Tokens>,
    shop: ShopId,
    mapping: OrderMapping,
    http: reqwest::Client,
}

impl DouyinConnector {
    /// A connector for `shop`; `overrides` are the shop's changes to the built-in mapping.
    pub fn new(
        config: DouyinConfig,
        shop: ShopId,
        overrides: Option<&str>,
    ) -> Result<DouyinConnector, mapping::MapError> {
        Ok(DouyinConnector {
            mapping: order_mapping(overrides)?,
            tokens: Mutex::new(Tokens {
                access: config.access_token.clone(),
                refresh: config.refresh_token.clone(),
            }),
            config,
            shop,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("a TLS-less default client builds"),
        })
    }

    fn tokens(&self) -> Tokens {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// One call with the shop's access token; when the token has expired and a refresh token is
    /// configured, the token is refreshed once (unless another call refreshed it meanwhile) and the
    /// call made again.
    async fn call(
        &self,
        method: &str,
        business: &Value,
        now: Timestamp,
    ) -> Result<Vec<u8>, ChannelError> {
        let tokens = self.tokens();
        let body = self
            .send(method, business, Some(&tokens.access), now)
            .await?;
        let Some(refresh_token) = &tokens.refresh else {
            return Ok(body);
        };
        if !token_expired(&body) {
            return Ok(body);
        }
        let current = self.tokens();
        if current.access != tokens.access {
            return self
                .send(method, business, Some(&current.access), now)
                .await;
        }
        let params = json!({"grant_type": "refresh_token", "refresh_token": refresh_token});
        let answer = self.send("token.refresh", &params, None, now).await?;
        let fresh = refreshed(&answer)?;
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = Tokens {
            access: fresh.access_token.clone(),
            refresh: Some(fresh.refresh_token),
        };
        self.send(method, business, Some(&fresh.access_token), now)
            .await
    }

    /// One signed POST; the body of a 2xx answer.
    async fn send(
        &self,
        method: &str,
        business: &Value,
        access_token: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<u8>, ChannelError> {
        let c = &self.config;
        let body = param_json(business);
        let timestamp = douyin_time(now);
        let signature = sign(
            &c.app_secret,
            c.sign_method,
            &Request {
                app_key: &c.app_key,
                method,
                param_json: &body,
                timestamp: &timestamp,
            },
        );
        let mut query: Vec<(&str, &str)> = vec![
            ("app_key", &c.app_key),
            ("method", method),
            ("timestamp", &timestamp),
            ("v", crate::douyin::API_VERSION),
            ("sign_method", c.sign_method.param()),
            ("sign", &signature),
        ];
        if let Some(token) = access_token {
            query.push(("access_token", token));
        }
        let url = format!("{}{}", c.gateway.trim_end_matches('/'), method_path(method));
        let url =
            reqwest::Url::parse_with_params(&url, &query).map_err(|e| ChannelError::Rejected {
                code: "gateway".to_owned(),
                message: format!("{url}: {e}"),
            })?;
        crate::http::send(
            self.http
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body),
            method,
        )
        .await
    }

    /// `order.searchList` over the window's whole seconds, newest first.
    async fn search(
        &self,
        seconds: (i64, i64),
        page: u64,
        size: u32,
        now: Timestamp,
    ) -> Result<Vec<u8>, ChannelError> {
        let params = json!({
            "order_by": "update_time",
            "order_asc": false,
            "update_time_start": seconds.0,
            "update_time_end": seconds.1,
            "page": page,
            "size": size,
        });
        self.call("order.searchList", &params, now).await
    }
}

/// The whole seconds `[start, end]` (both inclusive, as doudian reads them) whose instants lie in
/// `[from, to)`; `None` when there are none.
fn window_seconds(window: Window) -> Option<(i64, i64)> {
    let start = window.from.unix_millis().div_euclid(1000)
        + i64::from(window.from.unix_millis().rem_euclid(1000) != 0);
    let end = (window.to.unix_millis() - 1).div_euclid(1000);
    (start <= end).then_some((start, end))
}

#[async_trait::async_trait]
impl Connector for DouyinConnector {
    fn channel(&self) -> ChannelKind {
        ChannelKind::Douyin
    }

    fn limits(&self) -> SyncLimits {
        SyncLimits {
            // Doudian's own limit is not documented ([U]); small windows keep pages few.
            max_window_millis: 30 * 60_000,
            overlap_millis: 5 * 60_000,
            lag_millis: 3 * 60_000,
        }
    }

    async fn list_orders(
        &self,
        window: Window,
        page: Option<PageToken>,
        now: Timestamp,
    ) -> Result<OrderPage, ChannelError> {
        let done = OrderPage {
            items: Vec::new(),
            next: None,
        };
        let Some(seconds) = window_seconds(window) else {
            return Ok(done);
        };
        let size = self.config.page_size.clamp(1, 100);
        let page_no = match page {
            Some(PageToken(text)) => text
                .parse::<u64>()
                .map_err(|_| ChannelError::Decode(format!("page token {text:?}")))?,
            None => {
                let body = self.search(seconds, 0, 1, now).await?;
                let total = search_list(&body)?.total;
                match total.div_ceil(u64::from(size)) {
                    0 => return Ok(done),
                    pages => pages - 1,
                }
            }
        };
        let body = self.search(seconds, page_no, size, now).await?;
        let items = search_list(&body)?
            .shop_order_list
            .into_iter()
            .map(|order| fetched(&self.mapping, self.shop, order.get().as_bytes()))
            .collect();
        Ok(OrderPage {
            items,
            next: (page_no > 0).then(|| PageToken((page_no - 1).to_string())),
        })
    }

    async fn fetch_order(
        &self,
        external_id: &str,
        now: Timestamp,
    ) -> Result<Fetched, ChannelError> {
        let params = json!({ "shop_order_id": external_id });
        let body = self.call("order.orderDetail", &params, now).await?;
        let order = order_detail(&body)?;
        Ok(fetched(&self.mapping, self.shop, order.get().as_bytes()))
    }

    async fn confirm_shipment(
        &self,
        confirmation: &ShipmentConfirmation,
        now: Timestamp,
    ) -> Result<(), ChannelError> {
        if !confirmation.line_ids.is_empty() {
            // Per line is `order.logisticsAddMultiPack` with each line's quantity: not built yet.
            return Err(ChannelError::Rejected {
                code: "per-line".to_owned(),
                message: "Douyin ships whole orders here; per-line shipping is not built"
                    .to_owned(),
            });
        }
        let method = "order.logisticsAdd";
        let params = json!({
            "order_id": confirmation.external_id,
            "company_code": company_code(&confirmation.carrier),
            "logistics_code": confirmation.tracking_no,
        });
        let body = self.call(method, &params, now).await?;
        match data(&body, method) {
            Ok(_) => Ok(()),
            // Refused: when the order already left with this very tracking number, this is a
            // retried delivery of ours, and success.
            Err(ChannelError::Rejected { code, message }) => {
                let params = json!({ "shop_order_id": confirmation.external_id });
                let body = self.call("order.orderDetail", &params, now).await?;
                let order = order_detail(&body)?;
                match shipped_with(order.get(), &confirmation.tracking_no) {
                    true => Ok(()),
                    false => Err(ChannelError::Rejected { code, message }),
                }
            }
            Err(other) => Err(other),
        }
    }

    async fn push_stock(&self, levels: &[ListedStock], now: Timestamp) -> Result<(), ChannelError> {
        let method = "sku.syncStock";
        for level in levels {
            let id = |text: &str| match text.parse::<u64>() {
                Ok(n) => json!(n),
                Err(_) => json!(text),
            };
            let params = json!({
                "product_id": id(&level.platform_item_id),
                "sku_id": id(&level.platform_sku_id),
                "stock_num": level.quantity,
                "incremental": false,
            });
            let body = self.call(method, &params, now).await?;
            data(&body, method)?;
        }
        Ok(())
    }

    fn verify_push(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        _now: Timestamp,
    ) -> Result<Vec<PushMessage>, ChannelError> {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let (Some(app_id), Some(event_sign)) = (header("app-id"), header("event-sign")) else {
            return Err(ChannelError::Unauthorized(
                "a push without app-id or event-sign".to_owned(),
            ));
        };
        let c = &self.config;
        verify_push(&c.app_key, &c.app_secret, app_id, event_sign, body)
            .map_err(|e| ChannelError::Unauthorized(e.to_string()))?;
        push_message(body)
    }
}

#[cfg(test)]
mod tests {
    use app::Window;
    use domain::Timestamp;

    use crate::douyin::client::window_seconds;

    #[test]
    fn windows_become_inclusive_whole_seconds() {
        let w = |from: i64, to: i64| Window {
            from: Timestamp::from_unix_millis(from),
            to: Timestamp::from_unix_millis(to),
        };
        assert_eq!(window_seconds(w(10_000, 20_000)), Some((10, 19)));
        assert_eq!(window_seconds(w(10_500, 20_500)), Some((11, 20)));
        assert_eq!(window_seconds(w(10_200, 10_800)), None);
        assert_eq!(window_seconds(w(10_000, 10_001)), Some((10, 10)));
    }
}
