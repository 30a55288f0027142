//! The Taobao connector: the only IO of this folder. Every call is a signed form POST to the TOP
//! gateway; listings page backwards as TOP requires (a cheap count first, then the last page down to
//! the first), so trades modified during the scan move towards pages already read instead of being
//! skipped.

use app::{
    AfterSaleDocument, AfterSalePage, ChannelError, Connector, Fetched, ListedStock, OrderPage,
    PageToken, PushMessage, ShipmentConfirmation, SyncLimits, Window,
};
use domain::{ChannelKind, ShopId, Timestamp};
use mapping::OrderMapping;

use crate::taobao::config::TaobaoConfig;
use crate::taobao::mapping::{REFUND_FORMAT, after_sale, fetched, trade_mapping};
use crate::taobao::sign;
use crate::taobao::wire::{
    accepted, company_code, fullinfo, increment, refreshed_session, refunds, session_expired,
    top_time,
};

/// The trade fields a listing or detail asks for: what the `taobao` mapping reads.
pub const FIELDS: &str = "tid,tid_str,status,type,created,pay_time,modified,buyer_nick,\
buyer_open_uid,receiver_name,receiver_mobile,receiver_phone,receiver_state,receiver_city,\
receiver_district,receiver_town,receiver_address,receiver_zip,receiver_country,total_fee,\
discount_fee,post_fee,payment,buyer_message,seller_memo,oaid,orders";

/// Whether a trade's lines carry this tracking number (`invoice_no`).
fn shipped_with(trade: &str, tracking_no: &str) -> bool {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(trade) else {
        return false;
    };
    value
        .pointer("/orders/order")
        .and_then(|it| it.as_array())
        .is_some_and(|lines| {
            lines
                .iter()
                .any(|line| line.get("invoice_no").and_then(|it| it.as_str()) == Some(tracking_no))
        })
}

/// One Taobao/Tmall shop.
pub struct TaobaoConnector {
    config: TaobaoConfig,
    /// The seller's session, replaced when a refresh gives a new one.
    session: std::sync::Mutex<String>,
    shop: ShopId,
    mapping: OrderMapping,
    http: reqwest::Client,
}

impl TaobaoConnector {
    /// A connector for `shop`; `overrides` are the shop's changes to the built-in mapping.
    pub fn new(
        config: TaobaoConfig,
        shop: ShopId,
        overrides: Option<&str>,
    ) -> Result<TaobaoConnector, mapping::MapError> {
        Ok(TaobaoConnector {
            mapping: trade_mapping(overrides)?,
            session: std::sync::Mutex::new(config.session.clone()),
            config,
            shop,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("a TLS-less default client builds"),
        })
    }

    fn session(&self) -> String {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// One signed call with the seller's session; when the session has expired and a refresh token
    /// is configured, the session is refreshed once and the call made again.
    async fn call(
        &self,
        method: &str,
        business: &[(&str, String)],
        now: Timestamp,
    ) -> Result<Vec<u8>, ChannelError> {
        let body = self
            .send(method, business, Some(self.session()), now)
            .await?;
        let Some(refresh_token) = &self.config.refresh_token else {
            return Ok(body);
        };
        if !session_expired(&body) {
            return Ok(body);
        }
        let params = [("refresh_token", refresh_token.clone())];
        let answer = self
            .send("taobao.top.auth.token.refresh", &params, None, now)
            .await?;
        let session = refreshed_session(&answer)?;
        *self
            .session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = session.clone();
        self.send(method, business, Some(session), now).await
    }

    /// One signed form POST; the body of a 2xx answer.
    async fn send(
        &self,
        method: &str,
        business: &[(&str, String)],
        session: Option<String>,
        now: Timestamp,
    ) -> Result<Vec<u8>, ChannelError> {
        let c = &self.config;
        let mut params: Vec<(&str, String)> = vec![
            ("method", method.to_owned()),
            ("app_key", c.app_key.clone()),
            ("timestamp", top_time(now)),
            ("format", "json".to_owned()),
            ("v", "2.0".to_owned()),
            ("sign_method", c.sign_method.param().to_owned()),
        ];
        if let Some(session) = session {
            params.push(("session", session));
        }
        params.extend(business.iter().cloned());
        let signature = sign(
            &c.app_secret,
            c.sign_method,
            params.iter().map(|(k, v)| (*k, v)),
        );
        params.push(("sign", signature));
        crate::http::send(self.http.post(&c.gateway).form(&params), method).await
    }

    fn window_params(&self, window: Window) -> Vec<(&'static str, String)> {
        vec![
            ("start_modified", top_time(window.from)),
            // TOP's end is inclusive to the second; ours is exclusive.
            ("end_modified", top_time(window.to.plus_millis(-1000))),
        ]
    }

    async fn page(
        &self,
        window: Window,
        page_no: u64,
        now: Timestamp,
    ) -> Result<Vec<Fetched>, ChannelError> {
        let mut params = self.window_params(window);
        params.extend([
            ("fields", FIELDS.to_owned()),
            ("page_no", page_no.to_string()),
            ("page_size", self.config.page_size.to_string()),
        ]);
        let body = self
            .call("taobao.trades.sold.increment.get", &params, now)
            .await?;
        let page = increment(&body)?;
        Ok(page
            .trades
            .map(|it| it.trade)
            .unwrap_or_default()
            .into_iter()
            .map(|trade| fetched(&self.mapping, self.shop, trade.get().as_bytes()))
            .collect())
    }
}

#[async_trait::async_trait]
impl Connector for TaobaoConnector {
    fn channel(&self) -> ChannelKind {
        ChannelKind::Taobao
    }

    fn limits(&self) -> SyncLimits {
        SyncLimits {
            // TOP allows a day and recommends 30 minutes.
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
        let page_no = match page {
            Some(PageToken(text)) => text
                .parse::<u64>()
                .map_err(|_| ChannelError::Decode(format!("page token {text:?}")))?,
            None => {
                let mut params = self.window_params(window);
                params.extend([
                    ("fields", "tid".to_owned()),
                    ("page_no", "1".to_owned()),
                    ("page_size", "1".to_owned()),
                ]);
                let body = self
                    .call("taobao.trades.sold.increment.get", &params, now)
                    .await?;
                let total = increment(&body)?.total_results.unwrap_or(0);
                let size = u64::from(self.config.page_size.max(1));
                total.div_ceil(size)
            }
        };
        if page_no == 0 {
            return Ok(OrderPage {
                items: Vec::new(),
                next: None,
            });
        }
        let items = self.page(window, page_no, now).await?;
        Ok(OrderPage {
            items,
            next: (page_no > 1).then(|| PageToken((page_no - 1).to_string())),
        })
    }

    async fn fetch_order(
        &self,
        external_id: &str,
        now: Timestamp,
    ) -> Result<Fetched, ChannelError> {
        let params = [
            ("fields", FIELDS.to_owned()),
            ("tid", external_id.to_owned()),
        ];
        let body = self.call("taobao.trade.fullinfo.get", &params, now).await?;
        let trade = fullinfo(&body)?;
        Ok(fetched(&self.mapping, self.shop, trade.get().as_bytes()))
    }

    async fn list_after_sales(
        &self,
        window: Window,
        page: Option<PageToken>,
        now: Timestamp,
    ) -> Result<AfterSalePage, ChannelError> {
        let page_no = match page {
            Some(PageToken(text)) => text
                .parse::<u64>()
                .map_err(|_| ChannelError::Decode(format!("page token {text:?}")))?,
            None => 1,
        };
        let mut params = self.window_params(window);
        params.extend([
            (
                "fields",
                "refund_id,tid,oid,total_fee,refund_fee,payment,status,good_status,has_good_return,\
reason,desc,created,modified,order_status,refund_phase,dispute_type"
                    .to_owned(),
            ),
            ("page_no", page_no.to_string()),
            ("page_size", "100".to_owned()),
            ("use_has_next", "true".to_owned()),
        ]);
        let body = self
            .call("taobao.refunds.receive.get", &params, now)
            .await?;
        let (items, has_next) = refunds(&body)?;
        let items = items
            .into_iter()
            .map(|raw| {
                let value: serde_json::Value =
                    serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null);
                let text = |name: &str| match value.get(name) {
                    Some(serde_json::Value::String(it)) => it.clone(),
                    Some(serde_json::Value::Number(it)) => it.to_string(),
                    _ => String::new(),
                };
                AfterSaleDocument {
                    id: text("refund_id"),
                    order_id: text("tid"),
                    format: REFUND_FORMAT.to_owned(),
                    raw: raw.get().as_bytes().to_vec(),
                    case: after_sale(raw.get().as_bytes()),
                }
            })
            .collect();
        Ok(AfterSalePage {
            items,
            next: has_next.then(|| PageToken((page_no + 1).to_string())),
        })
    }

    async fn confirm_shipment(
        &self,
        confirmation: &ShipmentConfirmation,
        now: Timestamp,
    ) -> Result<(), ChannelError> {
        let mut params = vec![
            ("tid", confirmation.external_id.clone()),
            ("out_sid", confirmation.tracking_no.clone()),
            (
                "company_code",
                company_code(&confirmation.carrier).to_owned(),
            ),
        ];
        if !confirmation.line_ids.is_empty() {
            params.push(("is_split", "1".to_owned()));
            params.push(("sub_tid", confirmation.line_ids.join(",")));
        }
        let method = "taobao.logistics.offline.send";
        let body = self.call(method, &params, now).await?;
        match accepted(&body, method) {
            // B04: already shipped (or closed). Shipped with this very tracking number is a retried
            // delivery of ours, and success.
            Err(ChannelError::Rejected { code, message }) if code.ends_with("B04") => {
                let params = [
                    ("fields", "tid,status,orders".to_owned()),
                    ("tid", confirmation.external_id.clone()),
                ];
                let body = self.call("taobao.trade.fullinfo.get", &params, now).await?;
                let trade = fullinfo(&body)?;
                if shipped_with(trade.get(), &confirmation.tracking_no) {
                    Ok(())
                } else {
                    Err(ChannelError::Rejected { code, message })
                }
            }
            other => other,
        }
    }

    async fn push_stock(&self, levels: &[ListedStock], now: Timestamp) -> Result<(), ChannelError> {
        let method = "taobao.item.quantity.update";
        for level in levels {
            let mut params = vec![
                ("num_iid", level.platform_item_id.clone()),
                ("quantity", level.quantity.to_string()),
                ("type", "1".to_owned()),
            ];
            if !level.platform_sku_id.is_empty() {
                params.push(("sku_id", level.platform_sku_id.clone()));
            }
            let body = self.call(method, &params, now).await?;
            accepted(&body, method)?;
        }
        Ok(())
    }

    fn rotated_credentials(&self) -> Vec<(String, String)> {
        let session = self.session();
        match session == self.config.session {
            true => Vec::new(),
            false => vec![("session".to_owned(), session)],
        }
    }

    fn verify_push(
        &self,
        _headers: &[(String, String)],
        _body: &[u8],
        _now: Timestamp,
    ) -> Result<Vec<PushMessage>, ChannelError> {
        Err(ChannelError::Rejected {
            code: "tmc".to_owned(),
            message: "Taobao pushes through TMC (a WebSocket), not HTTP; polling covers it"
                .to_owned(),
        })
    }
}
