//! The doudian gateway as a pure function of the simulation's state, the request and the time: the
//! common checks (method and path, app key, flow control, version, timestamp, signature over the exact
//! `param_json` received, access token), then the API method itself; and the pushes the platform would
//! send, signed.

use std::collections::HashMap;

use channels::douyin::{Request, SignMethod, event_sign, sign};
use domain::Timestamp;
use serde_json::{Map, Value, json};

use crate::douyin::shop::{Event, OrderStatus, Parcel, ShipError, Shop, StockError, Traffic};
use crate::douyin::wire::{DouyinError, order_json, success};
use crate::rng::Rng;

/// Doudian accepts a `timestamp` within this much of its own clock ([U]: not documented; TOP's ten
/// minutes).
pub const ALLOWED_SKEW_MILLIS: i64 = 10 * 60 * 1000;
/// What a refreshed access token lives ([U]: SDK notes say about seven days).
const ACCESS_TOKEN_MILLIS: i64 = 7 * 24 * 3600 * 1000;

/// What the simulated platform knows: the apps, the shops and who may call for them.
#[derive(Clone, Debug)]
pub struct Config {
    pub apps: Vec<App>,
    pub shops: Vec<ShopConfig>,
    /// Flow control per app key.
    pub rate_limit: RateLimit,
    /// Seeds log ids and push message ids.
    pub seed: u64,
}

/// An app registered on the open platform (`app_key` is 19 digits on doudian).
#[derive(Clone, Debug)]
pub struct App {
    pub app_key: String,
    pub secret: String,
}

/// A shop and the tokens it granted.
#[derive(Clone, Debug)]
pub struct ShopConfig {
    pub name: String,
    pub shop_id: u64,
    pub seed: u64,
    pub grants: Vec<Grant>,
    pub traffic: Traffic,
    /// Simulated hours of trading before the simulation starts.
    pub history_hours: u32,
}

/// A shop's authorisation of an app: the access token, when it stops working, and the refresh token
/// that replaces both (empty: cannot refresh).
#[derive(Clone, Debug)]
pub struct Grant {
    pub access_token: String,
    pub app_key: String,
    pub expires_at: Timestamp,
    pub refresh_token: String,
}

/// At most `calls` calls per app key in each window of `window_secs` seconds.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub calls: u32,
    pub window_secs: u32,
}

/// An `order.logisticsAdd` as received, with what the platform made of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consignment {
    pub app_key: String,
    pub order_id: String,
    pub company_code: String,
    pub tracking_no: String,
    pub at: Timestamp,
    /// `None` when accepted, else the refusal's `sub_code`.
    pub refused: Option<String>,
}

/// An `sku.syncStock` as received, with the resulting stock when accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockUpdate {
    pub app_key: String,
    pub product_id: u64,
    pub sku_id: u64,
    pub stock_num: i64,
    pub incremental: bool,
    pub at: Timestamp,
    /// The SKU's stock afterwards; `None` when refused.
    pub result: Option<i64>,
}

/// Trouble the gateway answers with instead of serving, for retry tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// HTTP 502 with an HTML page from the load balancer.
    BadGateway,
    /// HTTP 200 with code 20000 `dop.service-error`.
    ServiceError,
}

/// An HTTP answer: status, whether the body is JSON, and the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub json: bool,
    pub body: String,
}

/// A push as the platform would POST it: the headers and the raw body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Push {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One request as received: the path, the query parameters and the body.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The whole simulated platform.
#[derive(Debug)]
pub struct Simulation {
    apps: HashMap<String, String>,
    grants: HashMap<String, (Grant, usize)>,
    shops: Vec<Shop>,
    rate_limit: RateLimit,
    windows: HashMap<String, (i64, u32)>,
    seed: u64,
    requests: u64,
    consignments: Vec<Consignment>,
    stock_updates: Vec<StockUpdate>,
    outage: Option<(u32, Outage)>,
    refreshes: u64,
    pushes: u64,
    /// Per shop, how many of its events were pushed already.
    pushed: Vec<usize>,
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

fn missing(sub_code: &str, sub_msg: &str) -> DouyinError {
    DouyinError::new(40001, sub_code, sub_msg)
}

fn invalid(sub_code: &str, sub_msg: &str) -> DouyinError {
    DouyinError::new(40003, sub_code, sub_msg)
}

/// A business parameter doudian reads leniently: a number, or a string holding one.
fn number(params: &Map<String, Value>, name: &str) -> Result<Option<i64>, DouyinError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad(name)),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => text.parse().map(Some).map_err(|_| bad(name)),
        Some(_) => Err(bad(name)),
    }
}

/// An id above 2^53, as a number or a string.
fn id(params: &Map<String, Value>, name: &str) -> Result<Option<u64>, DouyinError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad(name)),
        Some(Value::String(text)) => text.parse().map(Some).map_err(|_| bad(name)),
        Some(_) => Err(bad(name)),
    }
}

fn text<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|it| !it.is_empty())
}

fn flag(params: &Map<String, Value>, name: &str) -> bool {
    match params.get(name) {
        Some(Value::Bool(it)) => *it,
        Some(Value::String(it)) => it == "true" || it == "1",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(_) | None => false,
    }
}

fn bad(name: &str) -> DouyinError {
    DouyinError::new(
        40004,
        &format!("isv.parameter-invalid:{name}"),
        &format!("参数{name}不合法"),
    )
}

fn need(name: &str) -> DouyinError {
    DouyinError::new(
        40002,
        &format!("isv.missing-parameter:{name}"),
        &format!("缺少参数{name}"),
    )
}

fn business(sub: &str, sub_msg: &str) -> DouyinError {
    DouyinError::new(50002, &format!("isv.business-failed:{sub}"), sub_msg)
}

/// `yyyy-MM-dd HH:mm:ss` in GMT+8, or Unix seconds: both appear in SDKs.
fn parse_timestamp(text: &str) -> Option<Timestamp> {
    if !text.is_empty() && text.bytes().all(|it| it.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .ok()
            .map(|it| Timestamp::from_unix_millis(it * 1000));
    }
    crate::taobao::parse_time(text)
}

impl Simulation {
    /// The platform at `now`, each shop with its history already played.
    pub fn new(config: Config, now: Timestamp) -> Simulation {
        let apps = config
            .apps
            .into_iter()
            .map(|it| (it.app_key, it.secret))
            .collect();
        let mut grants = HashMap::new();
        let mut shops = Vec::new();
        for (index, shop) in config.shops.into_iter().enumerate() {
            for grant in shop.grants {
                grants.insert(grant.access_token.clone(), (grant, index));
            }
            let since = now.plus_millis(-i64::from(shop.history_hours) * 3600 * 1000);
            let mut it = Shop::new(
                shop.name,
                shop.shop_id,
                shop.seed,
                index as u64,
                shop.traffic,
                since,
            );
            it.advance(now);
            shops.push(it);
        }
        let n_shops = shops.len();
        Simulation {
            apps,
            grants,
            shops,
            rate_limit: config.rate_limit,
            windows: HashMap::new(),
            seed: config.seed,
            requests: 0,
            consignments: Vec::new(),
            stock_updates: Vec::new(),
            outage: None,
            refreshes: 0,
            pushes: 0,
            pushed: vec![0; n_shops],
        }
    }

    /// The next `calls` calls fail with `outage` (none of them reaches a method or the records).
    pub fn fail_next(&mut self, calls: u32, outage: Outage) {
        self.outage = Some((calls, outage));
    }

    /// Plays every shop forward to `to`.
    pub fn advance(&mut self, to: Timestamp) {
        for shop in &mut self.shops {
            shop.advance(to);
        }
    }

    /// Every access token stops working now (refresh tokens still work): for expiry tests.
    pub fn expire_tokens(&mut self, now: Timestamp) {
        for (grant, _) in self.grants.values_mut() {
            grant.expires_at = grant.expires_at.min(now);
        }
    }

    pub fn shops(&self) -> &[Shop] {
        &self.shops
    }

    /// Every `order.logisticsAdd` received, accepted or not, in order.
    pub fn consignments(&self) -> &[Consignment] {
        &self.consignments
    }

    /// Every `sku.syncStock` received, accepted or not, in order.
    pub fn stock_updates(&self) -> &[StockUpdate] {
        &self.stock_updates
    }

    /// Answers one HTTP request at `now`: an injected outage, else [`Simulation::handle`].
    pub fn answer(&mut self, call: Call<'_>, now: Timestamp) -> Reply {
        let outage = match &mut self.outage {
            Some((left, outage)) if *left > 0 => {
                *left -= 1;
                Some(*outage)
            }
            Some(_) | None => None,
        };
        match outage {
            None => Reply {
                status: 200,
                json: true,
                body: self.handle(call, now).to_string(),
            },
            Some(Outage::BadGateway) => Reply {
                status: 502,
                json: false,
                body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>".to_owned(),
            },
            Some(Outage::ServiceError) => {
                self.requests += 1;
                let error = DouyinError::new(20000, "dop.service-error", "内部错误，请反馈客服或答疑群");
                Reply {
                    status: 200,
                    json: true,
                    body: error.body(&self.log_id(now)).to_string(),
                }
            }
        }
    }

    /// Answers one gateway request at `now` (the world is first played forward to `now`).
    pub fn handle(&mut self, call: Call<'_>, now: Timestamp) -> Value {
        let now = Timestamp::from_unix_millis(now.unix_millis().div_euclid(1000) * 1000);
        self.advance(now);
        self.requests += 1;
        let log_id = self.log_id(now);
        match self.dispatch(call, now) {
            Ok(data) => success(data, &log_id),
            Err(error) => error.body(&log_id),
        }
    }

    /// A log id like doudian's: the time (GMT+8, to the second) and 18 hex digits.
    fn log_id(&self, now: Timestamp) -> String {
        let time = crate::taobao::format_time(now).replace(['-', ' ', ':'], "");
        let mut rng = Rng::derive(self.seed ^ 0x10_61d, self.requests);
        format!("{time}{:018X}", rng.next_u64() >> 8)
    }

    fn dispatch(&mut self, call: Call<'_>, now: Timestamp) -> Result<Value, DouyinError> {
        let query = call.query;
        let Some(method) = param(query, "method") else {
            return Err(missing("isv.method-missing", "缺少method参数"));
        };
        let Some(api) = Method::parse(method) else {
            return Err(DouyinError::new(
                70000,
                "isp.api-service-off",
                "API不存在或API已下线",
            ));
        };
        if call.path.trim_end_matches('/') != format!("/{}", method.replace('.', "/")) {
            return Err(invalid("isv.method-invalid", "method与请求路径不一致"));
        }
        let Some(app_key) = param(query, "app_key") else {
            return Err(missing("isv.app-id-missing", "认证失败，app_key不存在"));
        };
        let Some(secret) = self.apps.get(app_key).cloned() else {
            return Err(invalid(
                "isv.app-id-invalid",
                "认证失败，app_key不存在或格式不正确",
            ));
        };
        self.throttle(app_key, now)?;
        match param(query, "v") {
            Some("2") => {}
            Some(_) | None => return Err(invalid("isv.version-invalid", "v只能为2")),
        }
        let Some(sent) = param(query, "timestamp") else {
            return Err(missing("isv.timestamp-missing", "缺少timestamp参数"));
        };
        match parse_timestamp(sent) {
            None => return Err(invalid("isv.timestamp-format-error", "时间戳格式错误")),
            Some(it) if (it.unix_millis() - now.unix_millis()).abs() > ALLOWED_SKEW_MILLIS => {
                return Err(invalid("isv.timestamp-invalid", "时间戳不合法"));
            }
            Some(_) => {}
        }
        let Some(signature) = param(query, "sign") else {
            return Err(missing(
                "isv.signature-missing",
                "获取签名失败，请根据文档确保参数拼装正确",
            ));
        };
        let sign_method = match param(query, "sign_method") {
            None | Some("md5") => SignMethod::Md5,
            Some("hmac-sha256") => SignMethod::HmacSha256,
            Some(_) => {
                return Err(invalid(
                    "isv.sign-method-invalid",
                    "sign_method只能为md5或hmac-sha256",
                ));
            }
        };
        // `param_json` travels as the body; a query parameter when the body is empty.
        let param_json = match call.body.is_empty() {
            false => std::str::from_utf8(call.body)
                .map_err(|_| invalid("isv.parameter-format-invalid", "业务参数json解析失败"))?,
            true => param(query, "param_json").unwrap_or("{}"),
        };
        let expected = sign(
            &secret,
            sign_method,
            &Request {
                app_key,
                method,
                param_json,
                timestamp: sent,
            },
        );
        if !signature.eq_ignore_ascii_case(&expected) {
            return Err(invalid("isv.signature-invalid", "签名校验失败"));
        }
        let params = match serde_json::from_str::<Value>(param_json) {
            Ok(Value::Object(map)) => map,
            Ok(_) | Err(_) => {
                return Err(invalid(
                    "isv.parameter-format-invalid",
                    "业务参数json解析失败",
                ));
            }
        };
        if api == Method::TokenRefresh {
            return self.refresh(app_key, &params, now);
        }
        let shop = self.authorize(app_key, param(query, "access_token"), now)?;
        match api {
            Method::SearchList => self.search(shop, &params),
            Method::OrderDetail => self.detail(shop, &params),
            Method::LogisticsAdd => self.ship(shop, app_key, &params, now),
            Method::SyncStock => self.stock(shop, app_key, &params, now),
            Method::BatchDecrypt => self.decrypt(shop, &params),
            Method::TokenRefresh => self.refresh(app_key, &params, now),
        }
    }

    fn authorize(
        &self,
        app_key: &str,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<usize, DouyinError> {
        let Some(token) = token else {
            return Err(missing(
                "isv.access-token-missing",
                "认证失败，access_token不能为空",
            ));
        };
        let Some((grant, shop)) = self.grants.get(token) else {
            return Err(invalid(
                "isv.access-token-no-existed",
                "access_token不存在，请使用最新的access_token访问",
            ));
        };
        if grant.app_key != app_key {
            return Err(invalid(
                "isv.access-token-invalid",
                "app_key和access_token不匹配，请仔细检查",
            ));
        }
        if grant.expires_at <= now {
            return Err(invalid("isv.access-token-expired", "access_token已过期"));
        }
        Ok(*shop)
    }

    /// Fixed windows per app key; a call over the limit is refused until the window ends.
    fn throttle(&mut self, app_key: &str, now: Timestamp) -> Result<(), DouyinError> {
        let window = i64::from(self.rate_limit.window_secs.max(1)) * 1000;
        let start = now.unix_millis().div_euclid(window) * window;
        let entry = self.windows.entry(app_key.to_owned()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        match entry.1 <= self.rate_limit.calls {
            true => Ok(()),
            false => Err(DouyinError::new(
                60000,
                "isv.api-call-limited",
                "触发限流，请稍后重试",
            )),
        }
    }

    /// `token.refresh`: a new access token and a new refresh token; the old refresh token is used up.
    fn refresh(
        &mut self,
        app_key: &str,
        params: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, DouyinError> {
        if text(params, "grant_type") != Some("refresh_token") {
            return Err(DouyinError::new(
                50001,
                "dop.token-generate-failed:grant-type-invalid",
                "生成token失败，grant_type参数取值不正确",
            ));
        }
        let refresh_token = text(params, "refresh_token").unwrap_or_default();
        let found = self
            .grants
            .values()
            .find(|(grant, _)| {
                !refresh_token.is_empty()
                    && grant.refresh_token == refresh_token
                    && grant.app_key == app_key
            })
            .cloned();
        let Some((grant, shop)) = found else {
            return Err(DouyinError::new(
                50001,
                "dop.token-generate-failed:token-invalid",
                "生成token失败，token不存在",
            ));
        };
        self.refreshes += 1;
        for (it, _) in self.grants.values_mut() {
            if it.refresh_token == refresh_token {
                it.refresh_token = String::new();
            }
        }
        let base = grant.access_token.split("-r").next().unwrap_or_default();
        let access_token = format!("{base}-r{}", self.refreshes);
        let base = grant.refresh_token.split("-r").next().unwrap_or_default();
        let next_refresh = format!("{base}-r{}", self.refreshes);
        self.grants.insert(
            access_token.clone(),
            (
                Grant {
                    access_token: access_token.clone(),
                    app_key: app_key.to_owned(),
                    expires_at: now.plus_millis(ACCESS_TOKEN_MILLIS),
                    refresh_token: next_refresh.clone(),
                },
                shop,
            ),
        );
        Ok(json!({
            "access_token": access_token,
            "expires_in": ACCESS_TOKEN_MILLIS / 1000,
            "refresh_token": next_refresh,
            "scope": "SCOPE",
            "shop_id": self.shops[shop].shop_id,
            "shop_name": self.shops[shop].name,
        }))
    }

    /// `order.searchList`: by `create_time` (the default) or `update_time`, both bounds inclusive,
    /// newest first unless `order_asc`; `page` from 0, `size` 1–100. Pages are cut from the live data
    /// on every call, so paging forwards while orders change skips and repeats orders.
    fn search(&self, shop: usize, params: &Map<String, Value>) -> Result<Value, DouyinError> {
        let by_update = match text(params, "order_by") {
            None | Some("create_time") => false,
            Some("update_time") => true,
            Some(_) => return Err(bad("order_by")),
        };
        let (start_name, end_name) = match by_update {
            true => ("update_time_start", "update_time_end"),
            false => ("create_time_start", "create_time_end"),
        };
        let start = number(params, start_name)?;
        let end = number(params, end_name)?;
        if let (Some(start), Some(end)) = (start, end)
            && start > end
        {
            return Err(bad(end_name));
        }
        let page = number(params, "page")?.unwrap_or(0);
        let size = number(params, "size")?.unwrap_or(10);
        if page < 0 {
            return Err(bad("page"));
        }
        if !(1..=100).contains(&size) {
            return Err(bad("size"));
        }
        let seconds = |t: Timestamp| t.unix_millis().div_euclid(1000);
        let shop_ref = &self.shops[shop];
        let mut orders: Vec<_> = shop_ref
            .orders()
            .iter()
            .filter(|it| {
                let t = seconds(match by_update {
                    true => it.update_time,
                    false => it.create_time,
                });
                start.is_none_or(|s| s <= t) && end.is_none_or(|e| t <= e)
            })
            .collect();
        orders.sort_by_key(|it| {
            let t = match by_update {
                true => it.update_time,
                false => it.create_time,
            };
            (t, it.order_id)
        });
        if !flag(params, "order_asc") {
            orders.reverse();
        }
        let total = orders.len();
        let list: Vec<Value> = orders
            .into_iter()
            .skip(usize::try_from(page.saturating_mul(size)).unwrap_or(usize::MAX))
            .take(size as usize)
            .map(|it| order_json(shop_ref, it))
            .collect();
        Ok(json!({ "shop_order_list": list, "total": total, "page": page, "size": size }))
    }

    fn detail(&self, shop: usize, params: &Map<String, Value>) -> Result<Value, DouyinError> {
        let order_id = id(params, "shop_order_id")?.ok_or_else(|| need("shop_order_id"))?;
        let shop = &self.shops[shop];
        let Some(order) = shop.order(order_id) else {
            return Err(business("100002", "订单不存在"));
        };
        Ok(json!({ "shop_order_detail": order_json(shop, order) }))
    }

    fn ship(
        &mut self,
        shop: usize,
        app_key: &str,
        params: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, DouyinError> {
        let order_id = text(params, "order_id")
            .map(str::to_owned)
            .or_else(|| params.get("order_id").map(Value::to_string))
            .ok_or_else(|| need("order_id"))?;
        let company_code = text(params, "company_code").unwrap_or_default().to_owned();
        let tracking_no = text(params, "logistics_code").ok_or_else(|| need("logistics_code"))?;
        let result = match () {
            () if !CARRIERS.iter().any(|(code, _)| *code == company_code) => {
                Err(bad("company_code"))
            }
            () if !(6..=32).contains(&tracking_no.len())
                || !tracking_no.bytes().all(|it| it.is_ascii_alphanumeric()) =>
            {
                Err(bad("logistics_code"))
            }
            () => match order_id.parse::<u64>() {
                Err(_) => Err(business("100002", "订单不存在")),
                Ok(parent) => {
                    let parcel = Parcel {
                        company_code: company_code.clone(),
                        tracking_no: tracking_no.to_owned(),
                        ship_time: now,
                    };
                    self.shops[shop]
                        .ship(parent, parcel)
                        .map_err(|error| match error {
                            ShipError::NotFound => business("100002", "订单不存在"),
                            ShipError::WrongStatus => {
                                business("100020", "订单状态不允许发货，可能已发货或已取消")
                            }
                        })
                }
            },
        };
        self.consignments.push(Consignment {
            app_key: app_key.to_owned(),
            order_id,
            company_code,
            tracking_no: tracking_no.to_owned(),
            at: now,
            refused: result.as_ref().err().map(|it| it.sub_code.clone()),
        });
        result?;
        Ok(json!({}))
    }

    fn stock(
        &mut self,
        shop: usize,
        app_key: &str,
        params: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, DouyinError> {
        let product_id = id(params, "product_id")?.ok_or_else(|| need("product_id"))?;
        let sku_id = id(params, "sku_id")?.ok_or_else(|| need("sku_id"))?;
        let stock_num = number(params, "stock_num")?.ok_or_else(|| need("stock_num"))?;
        let incremental = flag(params, "incremental");
        let result = self.shops[shop]
            .sync_stock(product_id, sku_id, stock_num, incremental)
            .map_err(|error| match error {
                StockError::NoProduct => business("200001", "商品不存在"),
                StockError::NoSku => business("200002", "SKU不存在"),
                StockError::Negative => bad("stock_num"),
            });
        self.stock_updates.push(StockUpdate {
            app_key: app_key.to_owned(),
            product_id,
            sku_id,
            stock_num,
            incremental,
            at: now,
            result: result.as_ref().ok().copied(),
        });
        result?;
        Ok(json!({}))
    }

    /// `order.batchDecrypt`: at most 50 ciphertexts, each with its order as `auth_id`.
    fn decrypt(&self, shop: usize, params: &Map<String, Value>) -> Result<Value, DouyinError> {
        let Some(Value::Array(infos)) = params.get("cipher_infos") else {
            return Err(need("cipher_infos"));
        };
        if infos.is_empty() || infos.len() > 50 {
            return Err(bad("cipher_infos"));
        }
        let mut out = Vec::new();
        let mut failed = 0;
        for info in infos {
            let Value::Object(info) = info else {
                return Err(bad("cipher_infos"));
            };
            let auth_id = text(info, "auth_id").unwrap_or_default();
            let cipher = text(info, "cipher_text").unwrap_or_default();
            let plain = auth_id
                .parse::<u64>()
                .ok()
                .and_then(|order| self.shops[shop].decrypt(order, cipher));
            failed += usize::from(plain.is_none());
            out.push(json!({
                "auth_id": auth_id,
                "cipher_text": cipher,
                "decrypt_text": plain.clone().unwrap_or_default(),
                "err_no": if plain.is_some() { 0 } else { 300008 },
                "err_msg": if plain.is_some() { "" } else { "解密失败" },
            }));
        }
        let custom_err = match failed {
            0 => json!({ "err_code": 0, "err_msg": "" }),
            _ => json!({ "err_code": 300008, "err_msg": "部分解密失败" }),
        };
        Ok(json!({ "decrypt_infos": out, "custom_err": custom_err }))
    }

    /// The push the platform would send now for these events of one shop, signed for `app_key`
    /// (`None` when the app is unknown). Each event's `data` is a JSON text naming the parent order
    /// (`p_id`), its sub-orders (`s_ids`), the shop and the order's status.
    pub fn push(&mut self, app_key: &str, shop: usize, events: &[Event]) -> Option<Push> {
        let secret = self.apps.get(app_key)?.clone();
        let mut list = Vec::new();
        for event in events {
            self.pushes += 1;
            let order = self.shops[shop].order(event.order_id);
            let data = json!({
                "p_id": event.order_id,
                "s_ids": order.map(|it| it.lines.iter().map(|l| l.order_id).collect::<Vec<_>>()).unwrap_or_default(),
                "shop_id": self.shops[shop].shop_id,
                "order_status": order.map(|it| it.status.code()).unwrap_or(OrderStatus::Unpaid.code()),
                "order_type": 0,
                "biz": 2,
                "update_time": event.at.unix_millis().div_euclid(1000),
            });
            list.push(json!({
                "tag": event.tag.code(),
                "msg_id": self.msg_id(),
                "data": data.to_string(),
            }));
        }
        Some(self.signed(app_key, &secret, &Value::Array(list)))
    }

    /// The URL-verification push (tag `0`) the platform sends when a push URL is configured.
    pub fn verification_push(&mut self, app_key: &str) -> Option<Push> {
        let secret = self.apps.get(app_key)?.clone();
        self.pushes += 1;
        let body = json!([{ "tag": "0", "msg_id": self.msg_id(), "data": "{}" }]);
        Some(self.signed(app_key, &secret, &body))
    }

    /// One push per event that happened in each shop since the last call, in time order.
    pub fn take_pushes(&mut self, app_key: &str) -> Vec<Push> {
        let mut out = Vec::new();
        for shop in 0..self.shops.len() {
            let events = self.shops[shop].events()[self.pushed[shop]..].to_vec();
            self.pushed[shop] += events.len();
            for event in events {
                match self.push(app_key, shop, std::slice::from_ref(&event)) {
                    Some(push) => out.push(push),
                    None => return Vec::new(),
                }
            }
        }
        out
    }

    fn msg_id(&self) -> String {
        let mut rng = Rng::derive(self.seed ^ 0x9_05e_u64, self.pushes);
        format!("{:019}", rng.next_u64() % 10_000_000_000_000_000_000)
    }

    fn signed(&self, app_key: &str, secret: &str, body: &Value) -> Push {
        let body = body.to_string().into_bytes();
        Push {
            headers: vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("app-id".to_owned(), app_key.to_owned()),
                ("event-sign".to_owned(), event_sign(app_key, secret, &body)),
            ],
            body,
        }
    }
}

/// The API methods the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    SearchList,
    OrderDetail,
    LogisticsAdd,
    SyncStock,
    BatchDecrypt,
    TokenRefresh,
}

impl Method {
    fn parse(name: &str) -> Option<Method> {
        match name {
            "order.searchList" => Some(Method::SearchList),
            "order.orderDetail" => Some(Method::OrderDetail),
            "order.logisticsAdd" => Some(Method::LogisticsAdd),
            "sku.syncStock" => Some(Method::SyncStock),
            "order.batchDecrypt" => Some(Method::BatchDecrypt),
            "token.refresh" => Some(Method::TokenRefresh),
            _ => None,
        }
    }
}

/// The carriers `order.logisticsAdd` accepts here (`company_code` → name; [U]: the real list comes
/// from `order.logisticsCompanyList`).
pub const CARRIERS: &[(&str, &str)] = &[
    ("shunfeng", "顺丰速运"),
    ("zhongtong", "中通快递"),
    ("yuantong", "圆通速递"),
    ("shentong", "申通快递"),
    ("yunda", "韵达快递"),
    ("ems", "EMS"),
    ("jd", "京东快递"),
    ("jtexpress", "极兔速递"),
    ("debangkuaidi", "德邦快递"),
];

pub(crate) fn carrier_name(code: &str) -> &'static str {
    CARRIERS
        .iter()
        .find(|(it, _)| *it == code)
        .map(|(_, name)| *name)
        .unwrap_or("其他")
}
