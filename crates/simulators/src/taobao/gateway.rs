//! The TOP gateway as a pure function of the simulation's state, the request's parameters and the
//! time: the common checks in TOP's order (method, app key, flow control, format, version, timestamp,
//! signature, session), then the API method itself.

use std::collections::HashMap;

use channels::taobao::{SignMethod, sign};
use domain::Timestamp;
use serde_json::{Map, Value, json};

use crate::rng::Rng;
use crate::taobao::shop::{
    Parcel, QuantityChange, RefundStatus, ShipError, Shop, SkuKey, StockError, TradeStatus,
    TradeType, Traffic,
};
use crate::taobao::time;
use crate::taobao::wire::{CARRIERS, Fields, TopError, refund_json, trade_json};

/// TOP accepts a request whose `timestamp` is within ten minutes of its own clock.
pub const ALLOWED_SKEW_MILLIS: i64 = 10 * 60 * 1000;
/// `trades.sold.increment.get` spans at most one day.
const MAX_WINDOW_MILLIS: i64 = 24 * 3600 * 1000;
/// Only the last three months can be queried.
const HISTORY_MILLIS: i64 = 90 * 24 * 3600 * 1000;

/// What the simulated platform knows: the apps, the shops and who may call for them.
#[derive(Clone, Debug)]
pub struct Config {
    pub apps: Vec<App>,
    pub shops: Vec<ShopConfig>,
    /// Flow control per app key.
    pub rate_limit: RateLimit,
    /// Seeds the request ids.
    pub seed: u64,
}

/// An app registered on the open platform.
#[derive(Clone, Debug)]
pub struct App {
    pub app_key: String,
    pub secret: String,
}

/// A seller and the sessions (access tokens) it granted.
#[derive(Clone, Debug)]
pub struct ShopConfig {
    pub nick: String,
    pub seed: u64,
    pub sessions: Vec<Grant>,
    pub traffic: Traffic,
    /// Simulated hours of trading before the simulation starts.
    pub history_hours: u32,
}

/// A seller's authorisation of an app: the `session` parameter and when it stops working.
#[derive(Clone, Debug)]
pub struct Grant {
    pub session: String,
    pub app_key: String,
    pub expires_at: Timestamp,
    /// Trades for a new session through `taobao.top.auth.token.refresh` (empty: cannot refresh).
    pub refresh_token: String,
}

/// At most `calls` calls per app key in each window of `window_secs` seconds.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub calls: u32,
    pub window_secs: u32,
}

impl Config {
    /// One app (`12345678` / `helloworld`, the key and secret of TOP's own signing example), one shop
    /// with one session valid for thirty days from `now`, a busy day of history and a generous limit.
    pub fn example(seed: u64, now: Timestamp) -> Config {
        Config {
            apps: vec![App {
                app_key: "12345678".to_owned(),
                secret: "helloworld".to_owned(),
            }],
            shops: vec![ShopConfig {
                nick: "茶香旗舰店".to_owned(),
                seed,
                sessions: vec![Grant {
                    session: "6100example0session".to_owned(),
                    app_key: "12345678".to_owned(),
                    expires_at: now.plus_millis(30 * 24 * 3600 * 1000),
                    refresh_token: "6200example0refresh".to_owned(),
                }],
                traffic: Traffic {
                    orders_per_hour: 20,
                    unpaid_percent: 10,
                    refund_percent: 8,
                    change_percent: 10,
                    shipped_elsewhere_percent: 5,
                    presale_percent: 5,
                },
                history_hours: 48,
            }],
            rate_limit: RateLimit {
                calls: 100,
                window_secs: 1,
            },
            seed,
        }
    }
}

/// A `logistics.offline.send` call as received, with what the platform made of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consignment {
    pub app_key: String,
    pub shop: String,
    pub tid: u64,
    pub sub_tid: Option<Vec<u64>>,
    pub company_code: String,
    pub out_sid: String,
    pub at: Timestamp,
    /// `None` when accepted, else the refusal's `sub_code`.
    pub refused: Option<String>,
}

/// An `item.quantity.update` call as received, with the resulting stock when accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityUpdate {
    pub app_key: String,
    pub shop: String,
    pub num_iid: u64,
    pub sku_id: Option<u64>,
    pub outer_id: Option<String>,
    pub change: QuantityChange,
    pub at: Timestamp,
    /// The SKU's stock afterwards; `None` when refused.
    pub result: Option<i64>,
}

/// Trouble the gateway answers with instead of serving, for retry and backoff tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// HTTP 502 with an HTML page, as TOP's load balancer answers when the gateway is down.
    BadGateway,
    /// HTTP 200 with code 15 `isp.top-remote-connection-timeout`: the service behind timed out.
    Timeout,
}

/// An HTTP answer: status, whether the body is JSON, and the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub json: bool,
    pub body: String,
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
    quantity_updates: Vec<QuantityUpdate>,
    outage: Option<(u32, Outage)>,
    /// Sessions issued by refreshing, for their names.
    refreshes: u64,
}

/// The parameters of one request as received (query first, then the form body).
type Params<'a> = &'a [(String, String)];

fn param<'a>(params: Params<'a>, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

fn missing(name: &str) -> TopError {
    TopError::new(40, &format!("Missing required arguments:{name}"))
}

fn invalid(name: &str) -> TopError {
    TopError::new(41, &format!("Invalid arguments:{name}"))
}

fn remote(sub_code: &str, sub_msg: &str) -> TopError {
    TopError::with_sub(15, "Remote service error", sub_code, sub_msg)
}

fn required<'a>(params: Params<'a>, name: &str) -> Result<&'a str, TopError> {
    param(params, name).ok_or_else(|| missing(name))
}

fn number(params: Params<'_>, name: &str) -> Result<Option<u64>, TopError> {
    match param(params, name) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| invalid(name)),
    }
}

fn time_param(params: Params<'_>, name: &str) -> Result<Option<Timestamp>, TopError> {
    match param(params, name) {
        None => Ok(None),
        Some(text) => time::parse(text).map(Some).ok_or_else(|| invalid(name)),
    }
}

/// `page_no` (from 1) and `page_size` (1 to 100, default 40).
fn paging(params: Params<'_>) -> Result<(u64, u64), TopError> {
    let page_no = number(params, "page_no")?.unwrap_or(1);
    if page_no == 0 {
        return Err(invalid("page_no"));
    }
    let page_size = number(params, "page_size")?.unwrap_or(40);
    if !(1..=100).contains(&page_size) {
        return Err(invalid("page_size"));
    }
    Ok((page_no, page_size))
}

/// One page of `items` and the counters TOP puts beside it.
fn page<T>(
    items: Vec<T>,
    page_no: u64,
    page_size: u64,
    has_next_style: bool,
    out: &mut Map<String, Value>,
) -> Vec<T> {
    let total = items.len() as u64;
    let start = (page_no - 1).saturating_mul(page_size);
    match has_next_style {
        true => out.insert(
            "has_next".to_owned(),
            json!(start.saturating_add(page_size) < total),
        ),
        false => out.insert("total_results".to_owned(), json!(total)),
    };
    items
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(page_size as usize)
        .collect()
}

/// The trade statuses a `status` filter stands for; `None` when TOP does not know the value.
fn statuses(filter: &str) -> Option<Vec<TradeStatus>> {
    let known_without_trades = [
        "TRADE_NO_CREATE_PAY",
        "TRADE_BUYER_SIGNED",
        "PAY_PENDING",
        "WAIT_PRE_AUTH_CONFIRM",
        "PAID_FORBID_CONSIGN",
    ];
    match filter {
        "ALL_WAIT_PAY" => Some(vec![TradeStatus::WaitBuyerPay]),
        "ALL_CLOSED" => Some(vec![
            TradeStatus::TradeClosed,
            TradeStatus::TradeClosedByTaobao,
        ]),
        it if known_without_trades.contains(&it) => Some(Vec::new()),
        it => TradeStatus::ALL
            .iter()
            .find(|status| status.as_str() == it)
            .map(|status| vec![*status]),
    }
}

/// Whether a `type` list covers a trade of this type (`guarantee_trade` covers `fixed`).
fn type_matches(kind: TradeType, types: &str) -> bool {
    types.split(',').map(str::trim).any(|it| match kind {
        TradeType::Fixed => it == "fixed" || it == "guarantee_trade",
        TradeType::Step => it == "step",
    })
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
            for grant in shop.sessions {
                grants.insert(grant.session.clone(), (grant, index));
            }
            let since = now.plus_millis(-i64::from(shop.history_hours) * 3600 * 1000);
            let mut it = Shop::new(shop.nick, shop.seed, index as u64, shop.traffic, since);
            it.advance(now);
            shops.push(it);
        }
        Simulation {
            apps,
            grants,
            refreshes: 0,
            shops,
            rate_limit: config.rate_limit,
            windows: HashMap::new(),
            seed: config.seed,
            requests: 0,
            consignments: Vec::new(),
            quantity_updates: Vec::new(),
            outage: None,
        }
    }

    /// The next `calls` calls fail with `outage` (none of them reaches a method or the records).
    pub fn fail_next(&mut self, calls: u32, outage: Outage) {
        self.outage = Some((calls, outage));
    }

    /// Answers one HTTP request at `now`: an injected outage, else [`Simulation::handle`].
    pub fn answer(&mut self, params: Params<'_>, now: Timestamp) -> Reply {
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
                body: self.handle(params, now).to_string(),
            },
            Some(Outage::BadGateway) => Reply {
                status: 502,
                json: false,
                body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>".to_owned(),
            },
            Some(Outage::Timeout) => {
                self.advance(now);
                self.requests += 1;
                let error = TopError::with_sub(
                    15,
                    "Remote service error",
                    "isp.top-remote-connection-timeout",
                    "远程服务调用超时，请稍后重试",
                );
                Reply {
                    status: 200,
                    json: true,
                    body: error.body(&request_id(self.seed, self.requests)).to_string(),
                }
            }
        }
    }

    /// Plays every shop forward to `to`: new trades arrive at the configured rate and existing ones
    /// are paid, refunded, changed, shipped elsewhere, received or closed as their plans say.
    pub fn advance(&mut self, to: Timestamp) {
        for shop in &mut self.shops {
            shop.advance(to);
        }
    }

    /// Every session stops working now (refresh tokens still work): for expiry tests.
    pub fn expire_sessions(&mut self, now: Timestamp) {
        for (grant, _) in self.grants.values_mut() {
            grant.expires_at = grant.expires_at.min(now);
        }
    }

    pub fn shops(&self) -> &[Shop] {
        &self.shops
    }

    /// Every `logistics.offline.send` received, accepted or not, in order.
    pub fn consignments(&self) -> &[Consignment] {
        &self.consignments
    }

    /// Every `item.quantity.update` received, accepted or not, in order.
    pub fn quantity_updates(&self) -> &[QuantityUpdate] {
        &self.quantity_updates
    }

    /// Answers one gateway request at `now` (the world is first played forward to `now`).
    pub fn handle(&mut self, params: Params<'_>, now: Timestamp) -> Value {
        let now = time::whole_seconds(now);
        self.advance(now);
        self.requests += 1;
        let request_id = request_id(self.seed, self.requests);
        match self.dispatch(params, now) {
            Ok((name, mut body)) => {
                body.insert("request_id".to_owned(), json!(request_id));
                json!({ name: body })
            }
            Err(error) => error.body(&request_id),
        }
    }

    fn dispatch(
        &mut self,
        params: Params<'_>,
        now: Timestamp,
    ) -> Result<(String, Map<String, Value>), TopError> {
        let Some(method) = param(params, "method") else {
            return Err(TopError::new(21, "Missing method"));
        };
        let Some(app_key) = param(params, "app_key") else {
            return Err(TopError::new(28, "Missing app key"));
        };
        let Some(secret) = self.apps.get(app_key).cloned() else {
            return Err(TopError::new(29, "Invalid app key"));
        };
        self.throttle(app_key, now)?;
        if param(params, "format") != Some("json") {
            // TOP's default is XML; this simulator answers JSON only.
            return Err(TopError::new(23, "Invalid format"));
        }
        match param(params, "v") {
            None => return Err(TopError::new(32, "Missing version")),
            Some("2.0") => {}
            Some(_) => return Err(TopError::new(34, "Unsupported version")),
        }
        let Some(sent) = param(params, "timestamp") else {
            return Err(TopError::new(30, "Missing timestamp"));
        };
        match time::parse(sent) {
            Some(it) if (it.unix_millis() - now.unix_millis()).abs() <= ALLOWED_SKEW_MILLIS => {}
            Some(_) | None => return Err(TopError::new(31, "Invalid timestamp")),
        }
        let Some(signature) = param(params, "sign") else {
            return Err(TopError::new(24, "Missing signature"));
        };
        let sign_method = match param(params, "sign_method") {
            None => SignMethod::Md5,
            Some(it) => match SignMethod::from_param(it) {
                Some(it) => it,
                None => return Err(TopError::new(25, "Invalid signature")),
            },
        };
        let signed = params
            .iter()
            .filter(|(key, _)| key != "sign")
            .map(|(key, value)| (key.as_str(), value.as_str()));
        if !sign(&secret, sign_method, signed).eq_ignore_ascii_case(signature) {
            return Err(TopError::new(25, "Invalid signature"));
        }
        let method = match Method::parse(method) {
            Some(it) => it,
            None => return Err(TopError::new(22, "Invalid method")),
        };
        if method == Method::TokenRefresh {
            return self.refresh(app_key, params, now);
        }
        let Some(session) = param(params, "session") else {
            return Err(TopError::new(26, "Missing session"));
        };
        let shop = match self.grants.get(session) {
            Some((grant, shop)) if grant.app_key == app_key && now < grant.expires_at => *shop,
            Some(_) | None => {
                return Err(TopError::with_sub(
                    27,
                    "Invalid session",
                    "invalid-sessionkey",
                    "非法或过期的SessionKey参数，请使用有效的SessionKey参数",
                ));
            }
        };
        let mut out = Map::new();
        match method {
            Method::TradesSoldIncrementGet => self.increment(shop, params, now, &mut out)?,
            Method::TradeFullinfoGet => self.fullinfo(shop, params, &mut out)?,
            Method::LogisticsOfflineSend => self.ship(shop, app_key, params, now, &mut out)?,
            Method::RefundsReceiveGet => self.refunds(shop, params, &mut out)?,
            Method::ItemQuantityUpdate => self.quantity(shop, app_key, params, now, &mut out)?,
            Method::TokenRefresh => return self.refresh(app_key, params, now),
        }
        Ok((method.response_name().to_owned(), out))
    }

    /// `taobao.top.auth.token.refresh`: a new session for a refresh token of this app, valid thirty
    /// days; the refresh token stays the same. `token_result` is a JSON text, as TOP sends it.
    fn refresh(
        &mut self,
        app_key: &str,
        params: Params<'_>,
        now: Timestamp,
    ) -> Result<(String, Map<String, Value>), TopError> {
        let Some(refresh_token) = param(params, "refresh_token").filter(|it| !it.is_empty()) else {
            return Err(TopError::with_sub(
                40,
                "Missing required arguments:refresh_token",
                "isv.missing-parameter:refresh_token",
                "refresh_token 不能为空",
            ));
        };
        let found = self
            .grants
            .values()
            .filter(|(grant, _)| grant.refresh_token == refresh_token && grant.app_key == app_key)
            .max_by_key(|(grant, _)| grant.expires_at)
            .cloned();
        let Some((grant, shop)) = found else {
            return Err(TopError::with_sub(
                15,
                "Remote service error",
                "isv.refresh-token-invalid",
                "refresh_token 无效或已过期",
            ));
        };
        self.refreshes += 1;
        let base = grant.session.split("-r").next().unwrap_or_default();
        let session = format!("{base}-r{}", self.refreshes);
        let expires_in: i64 = 30 * 24 * 3600;
        let fresh = Grant {
            session: session.clone(),
            app_key: grant.app_key.clone(),
            expires_at: now.plus_millis(expires_in * 1000),
            refresh_token: grant.refresh_token.clone(),
        };
        self.grants.insert(session.clone(), (fresh, shop));
        let token = json!({
            "access_token": session,
            "refresh_token": grant.refresh_token,
            "expires_in": expires_in,
            "re_expires_in": expires_in * 6,
            "token_type": "Bearer",
            "taobao_user_nick": self.shops[shop].nick,
        });
        let mut out = Map::new();
        out.insert("token_result".to_owned(), json!(token.to_string()));
        Ok((Method::TokenRefresh.response_name().to_owned(), out))
    }

    /// Fixed windows per app key; a call over the limit is refused until the window ends.
    fn throttle(&mut self, app_key: &str, now: Timestamp) -> Result<(), TopError> {
        let window = i64::from(self.rate_limit.window_secs.max(1)) * 1000;
        let start = now.unix_millis().div_euclid(window) * window;
        let entry = self.windows.entry(app_key.to_owned()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 <= self.rate_limit.calls {
            return Ok(());
        }
        let wait = (start + window - now.unix_millis() + 999) / 1000;
        Err(TopError::with_sub(
            7,
            "App Call Limited",
            "accesscontrol.limited-by-app-access-count",
            &format!("This ban will last for {wait} more seconds"),
        ))
    }

    fn increment(
        &self,
        shop: usize,
        params: Params<'_>,
        now: Timestamp,
        out: &mut Map<String, Value>,
    ) -> Result<(), TopError> {
        let fields = Fields::parse(required(params, "fields")?);
        let start =
            time_param(params, "start_modified")?.ok_or_else(|| missing("start_modified"))?;
        let end = time_param(params, "end_modified")?.ok_or_else(|| missing("end_modified"))?;
        let span = end.unix_millis() - start.unix_millis();
        if span < 0 {
            return Err(remote(
                "isv.invalid-parameter:end_modified",
                "修改结束时间必须大于修改开始时间",
            ));
        }
        if span > MAX_WINDOW_MILLIS {
            return Err(remote(
                "isv.invalid-parameter:start_modified",
                "修改时间跨度不能大于一天",
            ));
        }
        if start.unix_millis() < now.unix_millis() - HISTORY_MILLIS {
            return Err(remote(
                "isv.invalid-parameter:start_modified",
                "只能查询三个月内的交易",
            ));
        }
        let (page_no, page_size) = paging(params)?;
        let wanted = match param(params, "status") {
            None => None,
            Some(it) => Some(statuses(it).ok_or_else(|| invalid("status"))?),
        };
        let types = param(params, "type").unwrap_or("guarantee_trade,auto_delivery,ec,cod,step");
        // Computed on the live data at the time of the call: while trades change, pages shift.
        let mut trades: Vec<_> = self.shops[shop]
            .trades()
            .iter()
            .filter(|it| start <= it.modified && it.modified <= end)
            .filter(|it| wanted.as_ref().is_none_or(|list| list.contains(&it.status)))
            .filter(|it| type_matches(it.kind, types))
            .collect();
        trades.sort_by_key(|it| std::cmp::Reverse((it.modified, it.tid)));
        let has_next_style = param(params, "use_has_next") == Some("true");
        let trades = page(trades, page_no, page_size, has_next_style, out);
        if !trades.is_empty() {
            let list: Vec<Value> = trades.iter().map(|it| trade_json(it, &fields)).collect();
            out.insert("trades".to_owned(), json!({ "trade": list }));
        }
        Ok(())
    }

    fn fullinfo(
        &self,
        shop: usize,
        params: Params<'_>,
        out: &mut Map<String, Value>,
    ) -> Result<(), TopError> {
        let fields = Fields::parse(required(params, "fields")?);
        let tid = number(params, "tid")?.ok_or_else(|| missing("tid"))?;
        let Some(trade) = self.shops[shop].trade(tid) else {
            return Err(remote("isv.trade-not-exist", "交易不存在"));
        };
        out.insert("trade".to_owned(), trade_json(trade, &fields));
        Ok(())
    }

    fn ship(
        &mut self,
        shop: usize,
        app_key: &str,
        params: Params<'_>,
        now: Timestamp,
        out: &mut Map<String, Value>,
    ) -> Result<(), TopError> {
        let tid = number(params, "tid")?.ok_or_else(|| missing("tid"))?;
        let out_sid = required(params, "out_sid")?;
        let company_code = required(params, "company_code")?;
        let sub_tid = match param(params, "is_split") {
            Some("1") => {
                let list = required(params, "sub_tid")?
                    .split(',')
                    .map(|it| it.trim().parse::<u64>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| invalid("sub_tid"))?;
                Some(list)
            }
            Some(_) | None => None,
        };
        let result = match () {
            () if !CARRIERS.iter().any(|(code, _)| *code == company_code) => Err(remote(
                "isv.invalid-parameter:company_code",
                "物流公司不存在",
            )),
            () if !(6..=30).contains(&out_sid.len())
                || !out_sid.bytes().all(|it| it.is_ascii_alphanumeric()) =>
            {
                Err(remote("isv.invalid-parameter:out_sid", "运单号不符合规则"))
            }
            () => {
                let parcel = Parcel {
                    company_code: company_code.to_owned(),
                    out_sid: out_sid.to_owned(),
                };
                self.shops[shop]
                    .ship(tid, sub_tid.as_deref(), parcel, now)
                    .map_err(|error| match error {
                        ShipError::NotFound => {
                            remote("isv.logistics-offline-service-error:B01", "订单不存在")
                        }
                        ShipError::WrongStatus => remote(
                            "isv.logistics-offline-service-error:B04",
                            "订单状态不对该物流订单已经发货或者已关闭，不能重复发货",
                        ),
                        ShipError::BadSubTid(oid) => remote(
                            "isv.invalid-parameter:sub_tid",
                            &format!("子订单{oid}不存在或不能发货"),
                        ),
                    })
            }
        };
        self.consignments.push(Consignment {
            app_key: app_key.to_owned(),
            shop: self.shops[shop].nick.clone(),
            tid,
            sub_tid,
            company_code: company_code.to_owned(),
            out_sid: out_sid.to_owned(),
            at: now,
            refused: result.as_ref().err().and_then(|it| it.sub_code.clone()),
        });
        result?;
        out.insert("shipping".to_owned(), json!({ "is_success": true }));
        Ok(())
    }

    fn refunds(
        &self,
        shop: usize,
        params: Params<'_>,
        out: &mut Map<String, Value>,
    ) -> Result<(), TopError> {
        let fields = Fields::parse(required(params, "fields")?);
        let start = time_param(params, "start_modified")?;
        let end = time_param(params, "end_modified")?;
        let (page_no, page_size) = paging(params)?;
        let wanted = match param(params, "status") {
            None => None,
            Some(it) => Some(
                [
                    RefundStatus::WaitSellerAgree,
                    RefundStatus::Closed,
                    RefundStatus::Success,
                ]
                .into_iter()
                .find(|status| status.as_str() == it)
                .ok_or_else(|| invalid("status"))?,
            ),
        };
        let mut refunds: Vec<_> = self.shops[shop]
            .refunds()
            .iter()
            .filter(|it| start.is_none_or(|start| start <= it.modified))
            .filter(|it| end.is_none_or(|end| it.modified <= end))
            .filter(|it| wanted.is_none_or(|status| it.status == status))
            .collect();
        refunds.sort_by_key(|it| std::cmp::Reverse((it.modified, it.refund_id)));
        let has_next_style = param(params, "use_has_next") == Some("true");
        let refunds = page(refunds, page_no, page_size, has_next_style, out);
        if !refunds.is_empty() {
            let list: Vec<Value> = refunds.iter().map(|it| refund_json(it, &fields)).collect();
            out.insert("refunds".to_owned(), json!({ "refund": list }));
        }
        Ok(())
    }

    fn quantity(
        &mut self,
        shop: usize,
        app_key: &str,
        params: Params<'_>,
        now: Timestamp,
        out: &mut Map<String, Value>,
    ) -> Result<(), TopError> {
        let num_iid = number(params, "num_iid")?.ok_or_else(|| missing("num_iid"))?;
        let quantity: i64 = required(params, "quantity")?
            .parse()
            .map_err(|_| invalid("quantity"))?;
        let change = match param(params, "type") {
            None | Some("1") if quantity >= 0 => QuantityChange::Set(quantity),
            None | Some("1") => return Err(invalid("quantity")),
            Some("2") => QuantityChange::Add(quantity),
            Some(_) => return Err(invalid("type")),
        };
        let sku_id = number(params, "sku_id")?;
        let outer_id = param(params, "outer_id");
        let key = match (sku_id, outer_id) {
            (Some(id), _) => SkuKey::Id(id),
            (None, Some(code)) => SkuKey::Outer(code),
            (None, None) => SkuKey::None,
        };
        let result = self.shops[shop]
            .update_quantity(num_iid, key, change)
            .map_err(|error| match error {
                StockError::NoItem => remote("isv.item-not-exist", "商品不存在"),
                StockError::NoSku => remote("isv.sku-not-exist", "SKU不存在"),
                StockError::Negative => remote("isv.invalid-parameter:quantity", "库存不能小于0"),
            });
        self.quantity_updates.push(QuantityUpdate {
            app_key: app_key.to_owned(),
            shop: self.shops[shop].nick.clone(),
            num_iid,
            sku_id,
            outer_id: outer_id.map(str::to_owned),
            change,
            at: now,
            result: result.as_ref().ok().map(|(_, level)| *level),
        });
        let (sku_id, level) = result?;
        let mut item = Map::new();
        item.insert("num_iid".to_owned(), json!(num_iid));
        item.insert(
            "num".to_owned(),
            json!(self.shops[shop].item_quantity(num_iid)),
        );
        item.insert("modified".to_owned(), json!(time::format(now)));
        if sku_id != 0 {
            let sku = json!({ "sku_id": sku_id, "quantity": level, "modified": time::format(now) });
            item.insert("skus".to_owned(), json!({ "sku": [sku] }));
        }
        out.insert("item".to_owned(), Value::Object(item));
        Ok(())
    }
}

/// The API methods the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    TradesSoldIncrementGet,
    TradeFullinfoGet,
    LogisticsOfflineSend,
    RefundsReceiveGet,
    ItemQuantityUpdate,
    TokenRefresh,
}

impl Method {
    fn parse(name: &str) -> Option<Method> {
        match name {
            "taobao.trades.sold.increment.get" => Some(Method::TradesSoldIncrementGet),
            "taobao.trade.fullinfo.get" => Some(Method::TradeFullinfoGet),
            "taobao.logistics.offline.send" => Some(Method::LogisticsOfflineSend),
            "taobao.refunds.receive.get" => Some(Method::RefundsReceiveGet),
            "taobao.item.quantity.update" => Some(Method::ItemQuantityUpdate),
            "taobao.top.auth.token.refresh" => Some(Method::TokenRefresh),
            _ => None,
        }
    }

    /// The response's root key: the method without `taobao.`, dots as underscores, `_response`.
    fn response_name(self) -> &'static str {
        match self {
            Method::TradesSoldIncrementGet => "trades_sold_increment_get_response",
            Method::TradeFullinfoGet => "trade_fullinfo_get_response",
            Method::LogisticsOfflineSend => "logistics_offline_send_response",
            Method::RefundsReceiveGet => "refunds_receive_get_response",
            Method::ItemQuantityUpdate => "item_quantity_update_response",
            Method::TokenRefresh => "top_auth_token_refresh_response",
        }
    }
}

/// A request id like TOP's (lower-case letters and digits), the same for a seed and call number.
fn request_id(seed: u64, n: u64) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = Rng::derive(seed ^ 0x7e9_u64, n);
    (0..13).map(|_| char::from(*rng.pick(ALPHABET))).collect()
}
