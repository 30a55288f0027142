//! The configuration file: what a deployment says about itself. Validated once at start-up; unknown
//! keys are errors, so a typo never silently falls back to a default.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Where OrderHub keeps its data.
    pub(crate) store: StoreConfig,
    /// The shops to sync (channels arrive in a later release; listed shops are created at start-up).
    #[serde(default)]
    pub(crate) shops: Vec<ShopConfig>,
    /// The warehouses stock is kept in.
    #[serde(default)]
    pub(crate) warehouses: Vec<WarehouseConfig>,
    /// Our SKUs; a combo lists its components.
    #[serde(default)]
    pub(crate) skus: Vec<SkuConfig>,
    /// The carriers warehouses hand parcels to.
    #[serde(default)]
    pub(crate) carriers: Vec<CarrierConfig>,
    #[serde(default)]
    pub(crate) routing: RoutingConfig,
    /// How long each stage of fulfilment may take before it raises an alert.
    #[serde(default)]
    pub(crate) deadlines: crate::alert_config::DeadlinesConfig,
    /// Where alerts go.
    #[serde(default)]
    pub(crate) notifiers: Vec<crate::alert_config::NotifierConfig>,
    #[serde(default)]
    pub(crate) print: PrintConfig,
}

/// Printing documents (`orderhub print`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrintConfig {
    /// The CJK font PDFs embed (TTF, OTF or TTC), relative to the configuration file; without one,
    /// Debian's fonts-wqy-microhei.
    pub(crate) font: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CarrierConfig {
    /// A short code, e.g. `SF`, `ZTO`, `JD`.
    pub(crate) code: String,
    pub(crate) name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoutingConfig {
    /// The rule file, relative to the configuration file; without one, the seed rules.
    pub(crate) rules: Option<PathBuf>,
    /// A split never leaves a shipment worth less than this, in yuan.
    #[serde(default)]
    pub(crate) min_shipment_value: f64,
    /// The seller's time zone as minutes east of UTC, for time-of-day rules (China: 480).
    #[serde(default = "china")]
    pub(crate) utc_offset_minutes: i32,
    /// Which fields, besides the shop, must match for orders to share a shipment.
    #[serde(default = "merge_keys")]
    pub(crate) merge_keys: Vec<String>,
}

fn china() -> i32 {
    480
}

fn merge_keys() -> Vec<String> {
    ["buyer", "receiver_name", "phone", "address"]
        .map(str::to_owned)
        .to_vec()
}

impl Default for RoutingConfig {
    fn default() -> RoutingConfig {
        RoutingConfig {
            rules: None,
            min_shipment_value: 0.0,
            utc_offset_minutes: china(),
            merge_keys: merge_keys(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkuConfig {
    pub(crate) code: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) components: Vec<ComponentConfig>,
    #[serde(default)]
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) weight_grams: u32,
    /// Bonded (cross-border) goods ship only from a warehouse with the `bonded` capability.
    #[serde(default)]
    pub(crate) bonded: bool,
    /// On presale: ships apart from goods in stock.
    #[serde(default)]
    pub(crate) presale: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComponentConfig {
    pub(crate) sku: String,
    pub(crate) quantity: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoreConfig {
    /// `sqlite://PATH` (embedded, the default) or `postgres://USER@HOST:PORT/DB`.
    pub(crate) url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShopConfig {
    /// A short stable code, e.g. `tmall-flagship`.
    pub(crate) code: String,
    /// The channel kind: taobao, tmall, jd, douyin, wechat_channels, youzan, pinduoduo, kuaishou,
    /// aliexpress, shopee, shopify, csv or ocr.
    pub(crate) channel: String,
    pub(crate) name: String,
    /// The platform API, for shops that sync by themselves (CSV-only shops leave it out).
    pub(crate) api: Option<ApiConfig>,
    /// How much of our available stock the shop lists.
    #[serde(default)]
    pub(crate) stock: StockShareConfig,
}

/// A shop's share of available stock: `percent`, less `buffer` units, at most `max`; per SKU where
/// it differs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StockShareConfig {
    #[serde(default = "hundred")]
    pub(crate) percent: u32,
    #[serde(default)]
    pub(crate) buffer: u32,
    pub(crate) max: Option<u32>,
    #[serde(default)]
    pub(crate) skus: std::collections::BTreeMap<String, SkuShareConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkuShareConfig {
    #[serde(default = "hundred")]
    pub(crate) percent: u32,
    #[serde(default)]
    pub(crate) buffer: u32,
    pub(crate) max: Option<u32>,
}

fn hundred() -> u32 {
    100
}

impl Default for StockShareConfig {
    fn default() -> StockShareConfig {
        StockShareConfig {
            percent: 100,
            buffer: 0,
            max: None,
            skus: Default::default(),
        }
    }
}

/// A shop's share per SKU, as routing of write-backs needs it.
pub(crate) type Shares = std::collections::HashMap<
    domain::ShopId,
    (
        domain::ListingShare,
        std::collections::HashMap<domain::SkuCode, domain::ListingShare>,
    ),
>;

/// A shop's platform API settings. Secrets are never written here: they come from the named
/// environment variables or are kept sealed in the store.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiConfig {
    /// The gateway URL; the platform's production gateway when absent.
    pub(crate) gateway: Option<String>,
    pub(crate) app_key: String,
    /// The environment variable holding the app secret; without one, the secret kept sealed in the
    /// store (`orderhub secret set`).
    pub(crate) app_secret_env: Option<String>,
    /// The environment variable holding the seller's access token; without one, the kept one.
    pub(crate) session_env: Option<String>,
    /// The environment variable holding the refresh token, to renew an expired session.
    pub(crate) refresh_token_env: Option<String>,
    /// Shopify: the location whose stock is set.
    pub(crate) location_id: Option<String>,
    /// md5, hmac or hmac-sha256 (TOP); md5 or hmac-sha256 (Douyin).
    #[serde(default = "hmac_sha256")]
    pub(crate) sign_method: String,
    /// How often the order stream is pulled, in seconds.
    #[serde(default = "fifteen_minutes")]
    pub(crate) interval_seconds: u64,
    /// How far back a shop's first pull starts, in days.
    #[serde(default = "three_days")]
    pub(crate) first_sync_days: u32,
}

fn hmac_sha256() -> String {
    "hmac-sha256".to_owned()
}

fn fifteen_minutes() -> u64 {
    900
}

fn three_days() -> u32 {
    3
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WarehouseConfig {
    pub(crate) code: String,
    pub(crate) name: String,
    /// own, 3pl, bonded or overseas.
    pub(crate) kind: String,
    /// Six-digit administrative code of the warehouse's district.
    pub(crate) area_code: String,
    /// Whether reservations may exceed what is on hand.
    #[serde(default)]
    pub(crate) allow_oversell: bool,
    /// What it can handle, e.g. `bonded`, `cold_chain`.
    #[serde(default)]
    pub(crate) capabilities: Vec<String>,
    /// Codes of the carriers it uses, its default first.
    #[serde(default)]
    pub(crate) carriers: Vec<String>,
    /// Shipments a day it can handle; once reached, routing prefers other warehouses.
    pub(crate) daily_capacity: Option<u32>,
}

/// The example printed by `orderhub config example`; a test parses it.
pub(crate) const EXAMPLE: &str = r#"# OrderHub configuration.
# Every key is shown; unknown keys are refused at start-up.

[store]
# Embedded SQLite (one file, zero setup) or PostgreSQL for several OrderHub processes:
#   url = "postgres://orderhub@127.0.0.1:5432/orderhub"
url = "sqlite://data/orderhub.db"

# One [[shops]] table per shop. `channel` is one of: taobao, tmall, jd, douyin, wechat_channels,
# youzan, pinduoduo, kuaishou, aliexpress, shopee, shopify, csv, ocr.
[[shops]]
code = "tmall-flagship"
channel = "tmall"
name = "天猫旗舰店"
# Pull orders from the platform API (`orderhub sync`). Secrets come from the environment variables
# named here, or, without them, are kept sealed in the store (`orderhub secret set`, with the key in
# ORDERHUB_SECRET_KEY); a refreshed session is kept sealed too.
# `orderhub simulate taobao` serves a simulator to point `gateway` at.
# [shops.api]
# gateway = "https://gw.api.taobao.com/router/rest"
# app_key = "12345678"
# app_secret_env = "TMALL_APP_SECRET"
# session_env = "TMALL_SESSION"
# refresh_token_env = "TMALL_REFRESH_TOKEN"
# How much available stock the shop lists (pushed when stock moves): percent, less a buffer, capped.
# [shops.stock]
# percent = 100
# buffer = 0
# max = 999
# skus = { "TEA-LJ-250" = { percent = 50, buffer = 5 } }
# sign_method = "hmac-sha256"
# interval_seconds = 900
# first_sync_days = 3

[[shops]]
code = "douyin-main"
channel = "douyin"
name = "抖音小店"

# The carriers warehouses hand parcels to (code and name); rules and warehouses name them by code.
[[carriers]]
code = "SF"
name = "顺丰速运"

[[carriers]]
code = "ZTO"
name = "中通快递"

[[carriers]]
code = "YTO"
name = "圆通速递"

[[carriers]]
code = "STO"
name = "申通快递"

[[carriers]]
code = "YUNDA"
name = "韵达快递"

[[carriers]]
code = "JD"
name = "京东物流"

[[carriers]]
code = "EMS"
name = "中国邮政 EMS"

[[carriers]]
code = "JT"
name = "极兔速递 (J&T)"

[[carriers]]
code = "DBL"
name = "德邦快递 (Deppon)"

# One [[warehouses]] table per warehouse. `kind` is own, 3pl, bonded or overseas; `area_code` is the
# six-digit administrative code of its district (routing ranks warehouses by distance from it);
# `capabilities` are what it can handle (bonded goods need `bonded`); `carriers` its default first;
# `daily_capacity` (optional) the shipments a day it handles: beyond it, routing prefers others.
[[warehouses]]
code = "JX01"
name = "嘉兴仓"
kind = "own"
area_code = "330402"
allow_oversell = false
carriers = ["YTO", "ZTO", "SF"]

[[warehouses]]
code = "GZ01"
name = "广州仓"
kind = "own"
area_code = "440106"
carriers = ["ZTO", "SF", "JD"]
daily_capacity = 3000

[[warehouses]]
code = "BS01"
name = "保税仓"
kind = "bonded"
area_code = "330206"
capabilities = ["bonded"]
carriers = ["EMS", "SF"]

# Our SKUs. A shop's line maps to one by its seller code (商家编码) when that equals our code, or by
# `orderhub skus map`; a combo (kit) lists its components, listed after them. Orders with a line
# that maps to nothing wait on hold ("unknown SKU"); `orderhub skus unknown` lists those keys.
# Routing uses `category`, `weight_grams`, `bonded` (cross-border goods) and `presale`.
[[skus]]
code = "TEA-LJ-250"
name = "西湖龙井 250g 礼盒"
category = "茶叶"
weight_grams = 400

[[skus]]
code = "CUP-GL-01"
name = "双层玻璃杯 350ml"
category = "茶具"
weight_grams = 300

[[skus]]
code = "MILK-AU-900"
name = "澳洲婴儿奶粉 900g (跨境)"
category = "母婴"
weight_grams = 1100
bonded = true

[[skus]]
code = "SET-GIFT-A"
name = "茶具礼盒套装 A 款"
category = "礼盒"
components = [{ sku = "TEA-LJ-250", quantity = 1 }, { sku = "CUP-GL-01", quantity = 2 }]

# Routing: the rule file (relative to this file; `orderhub rules example` prints the seed rules,
# used when no file is named), the smallest shipment a split may leave (yuan), the seller's time
# zone for time-of-day rules, and which fields must match for orders to share one parcel.
[routing]
# rules = "rules.toml"
min_shipment_value = 0
utc_offset_minutes = 480
merge_keys = ["buyer", "receiver_name", "phone", "address"]

# Printing (`orderhub print pick-list|slips|labels`): the CJK font PDFs embed, relative to this file.
# Without one, Debian's fonts-wqy-microhei (/usr/share/fonts/truetype/wqy/wqy-microhei.ttc).
[print]
# font = "fonts/wqy-microhei.ttc"
# Deadlines per stage in hours (overdue, then escalated), from paid (allocate), allocated or given
# back (claim), claimed (ship), and paid until shipped when the platform promised no ship-by time
# (promised). Overrides name a shop or a warehouse; a warehouse's wins. Checked by `orderhub alerts
# check` and every minute by `orderhub sync --watch`.
[deadlines]
allocate = { due_hours = 2, escalate_hours = 4 }
claim = { due_hours = 4, escalate_hours = 8 }
ship = { due_hours = 24, escalate_hours = 48 }
promised = { due_hours = 48, escalate_hours = 72 }
link_base = "http://127.0.0.1:8080"
retry_seconds = 30

[[deadlines.overrides]]
warehouse = "JX01"
stage = "ship"
due_hours = 12
escalate_hours = 24

# Where alerts go: wecom, dingtalk, feishu, email or webhook. Secrets come from the named
# environment variables.
[[notifiers]]
id = "ops-dingtalk"
kind = "dingtalk"
token_env = "DINGTALK_ACCESS_TOKEN"
secret_env = "DINGTALK_SECRET"

[[notifiers]]
id = "ops-mail"
kind = "email"
smtp_host = "smtp.example.cn"
smtp_port = 587
smtp_tls = "starttls"
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"
from = "orderhub@example.cn"
to = ["ops@example.cn"]
utc_offset_minutes = 480

[[notifiers]]
id = "erp-webhook"
kind = "webhook"
url = "https://erp.example.cn/orderhub/alerts"
secret_env = "ORDERHUB_WEBHOOK_SECRET"
"#;

const DEFAULT: &str = "[store]\nurl = \"sqlite://data/orderhub.db\"\n";

impl Config {
    /// Reads and validates the file, or the built-in defaults without one.
    pub(crate) fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let (text, origin) = match path {
            Some(path) => (
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
                path.display().to_string(),
            ),
            None => (DEFAULT.to_owned(), "built-in defaults".to_owned()),
        };
        Config::parse(&text).with_context(|| format!("in configuration {origin}"))
    }

    pub(crate) fn parse(text: &str) -> anyhow::Result<Config> {
        let config: Config = toml::from_str(text)?;
        config.deadlines.validate()?;
        let mut ids = std::collections::BTreeSet::new();
        for notifier in &config.notifiers {
            notifier.validate()?;
            if !ids.insert(notifier.id.as_str()) {
                bail!("notifier {:?} is listed twice", notifier.id);
            }
        }
        for shop in &config.shops {
            let Some(channel) = domain::ChannelKind::parse(&shop.channel) else {
                bail!("shop {:?}: unknown channel {:?}", shop.code, shop.channel);
            };
            if let Some(api) = &shop.api {
                if !crate::sync::SUPPORTED.contains(&channel) {
                    bail!(
                        "shop {:?}: no API connector for {} yet (import its exports instead)",
                        shop.code,
                        shop.channel
                    );
                }
                let methods: &[&str] = match channel {
                    domain::ChannelKind::Douyin => &["md5", "hmac-sha256"],
                    _ => &["md5", "hmac", "hmac-sha256"],
                };
                if !methods.contains(&api.sign_method.as_str()) {
                    bail!(
                        "shop {:?}: api.sign_method {:?} is not one of {}",
                        shop.code,
                        api.sign_method,
                        methods.join(", ")
                    );
                }
            }
        }
        for warehouse in &config.warehouses {
            domain::WarehouseCode::new(&warehouse.code)
                .with_context(|| format!("warehouse {:?}", warehouse.code))?;
            if domain::WarehouseKind::parse(&warehouse.kind).is_none() {
                bail!(
                    "warehouse {:?}: unknown kind {:?}",
                    warehouse.code,
                    warehouse.kind
                );
            }
            if warehouse.area_code.len() != 6
                || !warehouse.area_code.bytes().all(|b| b.is_ascii_digit())
            {
                bail!(
                    "warehouse {:?}: area_code {:?} is not six digits",
                    warehouse.code,
                    warehouse.area_code
                );
            }
        }
        let carriers: Vec<&str> = config.carriers.iter().map(|it| it.code.as_str()).collect();
        for warehouse in &config.warehouses {
            for carrier in &warehouse.carriers {
                if !carriers.contains(&carrier.as_str()) {
                    bail!(
                        "warehouse {:?}: carrier {carrier:?} is not in [[carriers]] ({})",
                        warehouse.code,
                        carriers.join(", ")
                    );
                }
            }
        }
        for key in &config.routing.merge_keys {
            if !["buyer", "receiver_name", "phone", "address"].contains(&key.as_str()) {
                bail!(
                    "routing.merge_keys: unknown key {key:?} (buyer, receiver_name, phone, address)"
                );
            }
        }
        Ok(config)
    }

    /// Each configured shop's listing share, by shop id.
    pub(crate) async fn listing_shares(&self, store: &dyn app::Store) -> anyhow::Result<Shares> {
        let shops = store.shops().await?;
        let mut out = Shares::new();
        for configured in &self.shops {
            let Some(shop) = shops.iter().find(|it| it.code == configured.code) else {
                continue;
            };
            let s = &configured.stock;
            let mut skus = std::collections::HashMap::new();
            for (code, it) in &s.skus {
                let sku = domain::SkuCode::new(code)
                    .with_context(|| format!("shop {:?}: stock.skus", configured.code))?;
                skus.insert(
                    sku,
                    domain::ListingShare {
                        percent: it.percent,
                        buffer: it.buffer,
                        max: it.max,
                    },
                );
            }
            let share = domain::ListingShare {
                percent: s.percent,
                buffer: s.buffer,
                max: s.max,
            };
            out.insert(shop.id, (share, skus));
        }
        Ok(out)
    }

    /// The warehouses and routing settings as routing sees them.
    pub(crate) fn network(&self) -> anyhow::Result<domain::routing::Network> {
        let mut warehouses = Vec::new();
        for w in &self.warehouses {
            warehouses.push(domain::routing::WarehouseSpec {
                code: domain::WarehouseCode::new(&w.code)?,
                area_code: w.area_code.clone(),
                capabilities: w.capabilities.iter().cloned().collect(),
                carriers: w.carriers.clone(),
                allow_oversell: w.allow_oversell,
                daily_capacity: w.daily_capacity,
            });
        }
        Ok(domain::routing::Network {
            warehouses,
            min_shipment_minor: (self.routing.min_shipment_value * 100.0).round() as i64,
        })
    }

    pub(crate) fn carrier_codes(&self) -> std::collections::BTreeSet<String> {
        self.carriers.iter().map(|it| it.code.clone()).collect()
    }

    pub(crate) fn merge_keys(&self) -> domain::routing::MergeKeys {
        let has = |key: &str| self.routing.merge_keys.iter().any(|it| it == key);
        domain::routing::MergeKeys {
            buyer: has("buyer"),
            receiver_name: has("receiver_name"),
            phone: has("phone"),
            address: has("address"),
        }
    }

    /// The rule file's text: the configured file (relative to `base`, the configuration's folder) or
    /// the seed rules.
    pub(crate) fn rules_text(&self, base: &Path) -> anyhow::Result<(String, String)> {
        match &self.routing.rules {
            Some(path) => {
                let path = base.join(path);
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading rules {}", path.display()))?;
                Ok((text, path.display().to_string()))
            }
            None => Ok((rules::SEED.to_owned(), "the seed rules".to_owned())),
        }
    }

    /// The configured SKUs as definitions (checked: codes, component quantities).
    pub(crate) fn catalog(&self) -> anyhow::Result<Vec<app::SkuDefinition>> {
        let mut out = Vec::new();
        for sku in &self.skus {
            let mut components = Vec::new();
            for c in &sku.components {
                components.push(domain::Component {
                    sku: domain::SkuCode::new(&c.sku)?,
                    quantity: domain::Quantity::new(c.quantity)
                        .with_context(|| format!("sku {:?}: component {:?}", sku.code, c.sku))?,
                });
            }
            out.push(app::SkuDefinition {
                code: domain::SkuCode::new(&sku.code)?,
                name: sku.name.clone(),
                components,
                category: sku.category.clone(),
                weight_grams: sku.weight_grams,
                bonded: sku.bonded,
                presale: sku.presale,
            });
        }
        Ok(out)
    }

    /// Creates the configured shops and warehouses in the store (existing ones are kept or updated).
    pub(crate) async fn apply(&self, store: &dyn app::Store) -> anyhow::Result<()> {
        for shop in &self.shops {
            let channel = domain::ChannelKind::parse(&shop.channel).context("validated at load")?;
            store.ensure_shop(&shop.code, channel, &shop.name).await?;
        }
        for definition in self.catalog()? {
            store
                .put_sku(&definition)
                .await
                .with_context(|| format!("sku {:?}", definition.code.as_str()))?;
        }
        for w in &self.warehouses {
            let warehouse = domain::Warehouse {
                code: domain::WarehouseCode::new(&w.code)?,
                name: w.name.clone(),
                kind: domain::WarehouseKind::parse(&w.kind).context("validated at load")?,
                area_code: w.area_code.clone(),
                allow_oversell: w.allow_oversell,
            };
            store.put_warehouse(&warehouse).await?;
        }
        Ok(())
    }

    /// The store URL, with the folder of a SQLite file created.
    pub(crate) fn store_url(&self) -> anyhow::Result<String> {
        let url = &self.store.url;
        let dir = url
            .strip_prefix("sqlite://")
            .and_then(|path| PathBuf::from(path).parent().map(PathBuf::from));
        if let Some(dir) = dir.filter(|it| !it.as_os_str().is_empty()) {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        Ok(url.clone())
    }
}

/// A URL fit for logs: any password is replaced.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, EXAMPLE, redact};

    #[test]
    fn the_example_parses() {
        let config = Config::parse(EXAMPLE).unwrap();
        assert_eq!(config.store.url, "sqlite://data/orderhub.db");
        assert_eq!(config.shops.len(), 2);
        assert_eq!(
            config
                .warehouses
                .iter()
                .map(|it| it.code.as_str())
                .collect::<Vec<_>>(),
            ["JX01", "GZ01", "BS01"]
        );
        assert_eq!(config.skus[3].components.len(), 2);
        assert_eq!(config.carriers.len(), 9);
        assert_eq!(config.print.font, None);
    }

    #[test]
    fn mistakes_are_named() {
        let err = Config::parse("[store]\nurl = \"x\"\nsurprise = 1\n").unwrap_err();
        assert!(format!("{err:#}").contains("surprise"), "{err:#}");
        let err = Config::parse("[store]\nurl = \"x\"\n[print]\nfonts = \"a.ttc\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("fonts"), "{err:#}");
        let bad = EXAMPLE.replace("channel = \"douyin\"", "channel = \"amazon\"");
        assert_eq!(
            Config::parse(&bad).unwrap_err().to_string(),
            "shop \"douyin-main\": unknown channel \"amazon\""
        );
        let bad = EXAMPLE.replace("330402", "3304");
        assert!(
            Config::parse(&bad)
                .unwrap_err()
                .to_string()
                .contains("not six digits")
        );
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://hub:s3cret@db:5432/hub"),
            "postgres://hub:***@db:5432/hub"
        );
        assert_eq!(redact("postgres://hub@db/hub"), "postgres://hub@db/hub");
        assert_eq!(
            redact("sqlite://data/orderhub.db"),
            "sqlite://data/orderhub.db"
        );
    }
}
