//! Declarative field mapping: a TOML file says which field of a platform document feeds which field of
//! the standard order, how to transform it, and what to use when it is empty. The built-in mappings
//! (`mappings/*.toml`) cover each platform format we support; a shop may override any field.
//!
//! Mapping never fails as a whole silently: a document either becomes a [`Mapped`] order or a
//! [`MapError`] naming the standard field, the source path and why.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use domain::{
    Buyer, Currency, ExternalId, Money, OrderAmounts, OrderFlags, OrderLine, PlatformState,
    Quantity, Receiver, RefundState, ShopId, SkuCode, StandardOrder, Timestamp,
};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::address::{AddressHints, AddressStatus, parse_address};
use crate::divisions::Divisions;
use crate::values::{MoneyUnit, TimeFormat, parse_money, parse_time};

/// Why a document could not become an order: the standard field, where it came from, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapError {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for MapError {}

fn err(field: &str, reason: impl Into<String>) -> MapError {
    MapError {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// How one standard field is read: a path, the first non-empty of several, a constant, or a rule.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum FieldSpec {
    Path(String),
    FirstOf(Vec<String>),
    Rule(Rule),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    /// A dotted path into the document (`a.b.0.c`); several paths take the first non-empty.
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    first_of: Vec<String>,
    /// Paths whose values are joined with `separator`.
    #[serde(default)]
    concat: Vec<String>,
    #[serde(default)]
    separator: String,
    /// A constant.
    #[serde(default)]
    value: Option<String>,
    /// `upper` or `lower`.
    #[serde(default)]
    case: Option<String>,
    /// Replace whole values (enum maps); a value not listed is kept.
    #[serde(default)]
    map: BTreeMap<String, String>,
    /// Keep the first capture group (or the whole match).
    #[serde(default)]
    regex: Option<String>,
    /// Overrides the mapping's money unit for this field.
    #[serde(default)]
    unit: Option<MoneyUnit>,
    /// Overrides the mapping's time format for this field.
    #[serde(default)]
    time: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    format: String,
    version: u32,
    /// Dotted path of the order object inside the document; empty for the document itself.
    #[serde(default)]
    root: FieldRoots,
    money: MoneyUnit,
    currency: String,
    time: String,
    order: BTreeMap<String, FieldSpec>,
    lines: LinesSpec,
    /// Platform status text → `unpaid`, `paid`, `shipped`, `completed` or `cancelled`.
    status: BTreeMap<String, String>,
    /// Line refund text → `none`, `requested` or `refunded`; anything unlisted is `none`.
    #[serde(default)]
    refund: BTreeMap<String, String>,
    /// When a field maps to nothing: `field:<other standard field>` or a constant.
    #[serde(default)]
    defaults: BTreeMap<String, String>,
}

/// The root may be one path or several tried in order (a bare order or one wrapped in a response).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(untagged)]
enum FieldRoots {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

#[derive(Clone, Debug, Deserialize)]
struct LinesSpec {
    path: String,
    #[serde(flatten)]
    fields: BTreeMap<String, FieldSpec>,
}

const ORDER_FIELDS: &[&str] = &[
    "external_id",
    "platform_status",
    "created_at",
    "paid_at",
    "updated_at",
    "buyer_id",
    "buyer_nickname",
    "receiver_name",
    "receiver_phone",
    "receiver_country",
    "receiver_province",
    "receiver_city",
    "receiver_district",
    "receiver_town",
    "receiver_detail",
    "receiver_zip",
    "goods",
    "discount",
    "shipping",
    "paid",
    "buyer_message",
    "seller_memo",
    "presale",
    "cross_border",
    "cod",
    "gift",
    "do_not_ship",
    "tags",
    "currency",
];
const LINE_FIELDS: &[&str] = &[
    "platform_line_id",
    "platform_item_id",
    "platform_sku_id",
    "seller_sku_code",
    "title",
    "quantity",
    "unit_price",
    "discount",
    "paid",
    "refund",
];
const REQUIRED: &[&str] = &["external_id", "platform_status", "created_at", "updated_at"];

/// A field rule ready to apply.
#[derive(Debug)]
struct Compiled {
    spec: FieldSpec,
    regex: Option<Regex>,
    time: Option<TimeFormat>,
}

/// A validated mapping.
#[derive(Debug)]
pub struct OrderMapping {
    pub format: String,
    pub version: u32,
    roots: Vec<String>,
    money: MoneyUnit,
    currency: Currency,
    time: TimeFormat,
    order: BTreeMap<String, Compiled>,
    lines_path: String,
    lines: BTreeMap<String, Compiled>,
    status: BTreeMap<String, PlatformState>,
    refund: BTreeMap<String, RefundState>,
    defaults: BTreeMap<String, String>,
}

/// What a shop adds to a mapping: who it is and what it defaults to.
#[derive(Clone, Copy)]
pub struct MapContext<'a> {
    pub shop: ShopId,
    /// ISO country code for receivers the platform leaves blank.
    pub default_country: &'a str,
    pub divisions: &'a Divisions,
}

/// How the receiver's address was understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressReport {
    pub status: AddressStatus,
    pub confidence: u8,
    pub reasons: Vec<String>,
}

/// A mapped document: the standard order and what address parsing made of its receiver.
#[derive(Clone, Debug)]
pub struct Mapped {
    pub order: StandardOrder,
    pub address: AddressReport,
}

fn compile(field: &str, spec: &FieldSpec) -> Result<Compiled, MapError> {
    let (regex, time) = match spec {
        FieldSpec::Rule(rule) => {
            let regex = rule
                .regex
                .as_deref()
                .map(Regex::new)
                .transpose()
                .map_err(|e| err(field, format!("bad regex: {e}")))?;
            let time = rule
                .time
                .as_deref()
                .map(TimeFormat::parse)
                .transpose()
                .map_err(|e| err(field, e))?;
            if let Some(case) = rule
                .case
                .as_deref()
                .filter(|it| !matches!(*it, "upper" | "lower"))
            {
                return Err(err(
                    field,
                    format!("case must be upper or lower, not {case:?}"),
                ));
            }
            let sources = usize::from(rule.path.is_some())
                + usize::from(!rule.first_of.is_empty())
                + usize::from(!rule.concat.is_empty())
                + usize::from(rule.value.is_some());
            if sources != 1 {
                return Err(err(
                    field,
                    "a rule needs exactly one of path, first_of, concat or value",
                ));
            }
            (regex, time)
        }
        FieldSpec::Path(_) | FieldSpec::FirstOf(_) => (None, None),
    };
    Ok(Compiled {
        spec: spec.clone(),
        regex,
        time,
    })
}

impl OrderMapping {
    /// Reads and validates a mapping; errors name the field at fault.
    pub fn from_toml(text: &str) -> Result<OrderMapping, MapError> {
        let spec: Spec = toml::from_str(text).map_err(|e| err("mapping", e.to_string()))?;
        OrderMapping::from_spec(spec)
    }

    /// A built-in mapping with a shop's overrides on top: a TOML document of the same shape whose
    /// tables replace the built-in's fields one by one.
    pub fn with_overrides(base: &str, overrides: &str) -> Result<OrderMapping, MapError> {
        let mut base: toml::Table =
            toml::from_str(base).map_err(|e| err("mapping", e.to_string()))?;
        let overrides: toml::Table =
            toml::from_str(overrides).map_err(|e| err("overrides", e.to_string()))?;
        merge(&mut base, overrides);
        let spec: Spec = toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| err("mapping", e.to_string()))?;
        OrderMapping::from_spec(spec)
    }

    fn from_spec(spec: Spec) -> Result<OrderMapping, MapError> {
        let currency = Currency::new(&spec.currency).map_err(|e| err("currency", e.to_string()))?;
        let time = TimeFormat::parse(&spec.time).map_err(|e| err("time", e))?;
        let mut order = BTreeMap::new();
        for (field, rule) in &spec.order {
            if !ORDER_FIELDS.contains(&field.as_str()) {
                return Err(err(
                    field,
                    format!(
                        "not a standard order field; known: {}",
                        ORDER_FIELDS.join(", ")
                    ),
                ));
            }
            order.insert(field.clone(), compile(field, rule)?);
        }
        for field in REQUIRED {
            if !order.contains_key(*field) {
                return Err(err(field, "is required"));
            }
        }
        let mut lines = BTreeMap::new();
        for (field, rule) in &spec.lines.fields {
            if !LINE_FIELDS.contains(&field.as_str()) {
                return Err(err(
                    &format!("lines.{field}"),
                    format!(
                        "not a standard line field; known: {}",
                        LINE_FIELDS.join(", ")
                    ),
                ));
            }
            lines.insert(field.clone(), compile(&format!("lines.{field}"), rule)?);
        }
        if !lines.contains_key("quantity") {
            return Err(err("lines.quantity", "is required"));
        }
        let mut status = BTreeMap::new();
        for (text, state) in spec.status {
            let state = PlatformState::parse(&state).ok_or_else(|| {
                err(
                    &format!("status.{text}"),
                    format!("{state:?} is not unpaid, paid, shipped, completed or cancelled"),
                )
            })?;
            status.insert(text, state);
        }
        let mut refund = BTreeMap::new();
        for (text, state) in spec.refund {
            let state = RefundState::parse(&state).ok_or_else(|| {
                err(
                    &format!("refund.{text}"),
                    format!("{state:?} is not none, requested or refunded"),
                )
            })?;
            refund.insert(text, state);
        }
        for (field, source) in &spec.defaults {
            if !ORDER_FIELDS.contains(&field.as_str()) {
                return Err(err(
                    &format!("defaults.{field}"),
                    "not a standard order field",
                ));
            }
            if let Some(other) = source
                .strip_prefix("field:")
                .filter(|it| !ORDER_FIELDS.contains(it))
            {
                return Err(err(
                    &format!("defaults.{field}"),
                    format!("{other:?} is not a standard order field"),
                ));
            }
        }
        let roots = match spec.root {
            FieldRoots::None => vec![String::new()],
            FieldRoots::One(it) => vec![it],
            FieldRoots::Many(it) => it,
        };
        Ok(OrderMapping {
            format: spec.format,
            version: spec.version,
            roots,
            money: spec.money,
            currency,
            time,
            order,
            lines_path: spec.lines.path,
            lines,
            status,
            refund,
            defaults: spec.defaults,
        })
    }

    /// Maps one platform document (JSON bytes) to a standard order, or says which field failed and why.
    pub fn map(&self, document: &[u8], ctx: &MapContext<'_>) -> Result<Mapped, MapError> {
        let doc: Value = serde_json::from_slice(document)
            .map_err(|e| err("document", format!("not JSON: {e}")))?;
        let root = self
            .roots
            .iter()
            .find_map(|it| lookup(&doc, it))
            .ok_or_else(|| {
                err(
                    "document",
                    format!("none of {:?} is in the document", self.roots),
                )
            })?;
        let text = |field: &str| -> Result<String, MapError> {
            let raw = match self.order.get(field) {
                Some(rule) => read(root, rule).map_err(|e| err(field, e))?,
                None => String::new(),
            };
            Ok(raw)
        };
        let mut values = BTreeMap::new();
        for field in ORDER_FIELDS {
            values.insert(*field, text(field)?);
        }
        for (field, source) in &self.defaults {
            if values.get(field.as_str()).is_some_and(|it| it.is_empty()) {
                let value = match source.strip_prefix("field:") {
                    Some(other) => values.get(other).cloned().unwrap_or_default(),
                    None if source == "shop:country" => ctx.default_country.to_owned(),
                    None => source.clone(),
                };
                values.insert(
                    ORDER_FIELDS
                        .iter()
                        .find(|it| **it == field)
                        .expect("validated"),
                    value,
                );
            }
        }
        let v = |field: &str| values.get(field).map(String::as_str).unwrap_or_default();
        let currency = match v("currency") {
            "" => self.currency,
            code => {
                Currency::new(&code.to_uppercase()).map_err(|e| err("currency", e.to_string()))?
            }
        };
        let per = currency.minor_per_major();
        let money = |field: &str| -> Result<Money, MapError> {
            let unit = self
                .order
                .get(field)
                .and_then(rule_unit)
                .unwrap_or(self.money);
            Ok(Money::new(
                parse_money(v(field), unit, per).map_err(|e| err(field, e))?,
                currency,
            ))
        };
        let time = |field: &str| -> Result<Option<Timestamp>, MapError> {
            let format = self
                .order
                .get(field)
                .and_then(|it| it.time.as_ref())
                .unwrap_or(&self.time);
            parse_time(v(field), format).map_err(|e| err(field, e))
        };
        let required_time = |field: &str| time(field)?.ok_or_else(|| err(field, "is empty"));
        let platform_status = v("platform_status").to_owned();
        let platform_state = *self.status.get(&platform_status).ok_or_else(|| {
            err(
                "platform_status",
                format!("{platform_status:?} is not in the mapping's status table"),
            )
        })?;
        let external_id =
            ExternalId::new(v("external_id")).map_err(|e| err("external_id", e.to_string()))?;
        let lines = self.map_lines(root, currency)?;
        if lines.is_empty() {
            return Err(err("lines", format!("no lines at {:?}", self.lines_path)));
        }
        let flag = |field: &str| matches!(v(field), "1" | "true" | "yes");
        let mut receiver = Receiver {
            name: v("receiver_name").to_owned(),
            phone: v("receiver_phone").to_owned(),
            country: v("receiver_country").to_owned(),
            province: v("receiver_province").to_owned(),
            city: v("receiver_city").to_owned(),
            district: v("receiver_district").to_owned(),
            town: v("receiver_town").to_owned(),
            detail: v("receiver_detail").to_owned(),
            zip: v("receiver_zip").to_owned(),
            area_code: String::new(),
        };
        let address = resolve_address(&mut receiver, ctx.divisions);
        let order = StandardOrder {
            shop: ctx.shop,
            external_id,
            platform_status,
            platform_state,
            created_at: required_time("created_at")?,
            paid_at: time("paid_at")?,
            updated_at: required_time("updated_at")?,
            buyer: Buyer {
                platform_id: v("buyer_id").to_owned(),
                nickname: v("buyer_nickname").to_owned(),
            },
            receiver,
            currency,
            amounts: OrderAmounts {
                goods: money("goods")?,
                discount: money("discount")?,
                shipping: money("shipping")?,
                paid: money("paid")?,
            },
            buyer_message: v("buyer_message").to_owned(),
            seller_memo: v("seller_memo").to_owned(),
            flags: OrderFlags {
                presale: flag("presale"),
                cross_border: flag("cross_border"),
                cod: flag("cod"),
                gift: flag("gift"),
                do_not_ship: flag("do_not_ship"),
                replacement: false,
            },
            tags: v("tags")
                .split(',')
                .map(str::trim)
                .filter(|it| !it.is_empty())
                .map(str::to_owned)
                .collect(),
            risk_score: None,
            lines,
        };
        Ok(Mapped { order, address })
    }

    fn map_lines(&self, root: &Value, currency: Currency) -> Result<Vec<OrderLine>, MapError> {
        let per = currency.minor_per_major();
        let items = match lookup(root, &self.lines_path) {
            Some(Value::Array(items)) => items.as_slice(),
            Some(Value::Object(_)) => {
                std::slice::from_ref(lookup(root, &self.lines_path).expect("just found"))
            }
            Some(_) | None => {
                return Err(err(
                    "lines",
                    format!("{:?} is not a list in the document", self.lines_path),
                ));
            }
        };
        let mut lines = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = |field: &str| format!("lines[{i}].{field}");
            let v = |field: &str| -> Result<String, MapError> {
                match self.lines.get(field) {
                    Some(rule) => read(item, rule).map_err(|e| err(&at(field), e)),
                    None => Ok(String::new()),
                }
            };
            let money = |field: &str| -> Result<Money, MapError> {
                let unit = self
                    .lines
                    .get(field)
                    .and_then(rule_unit)
                    .unwrap_or(self.money);
                Ok(Money::new(
                    parse_money(&v(field)?, unit, per).map_err(|e| err(&at(field), e))?,
                    currency,
                ))
            };
            let quantity_text = v("quantity")?;
            let quantity = quantity_text
                .parse::<u32>()
                .ok()
                .and_then(|it| Quantity::new(it).ok())
                .ok_or_else(|| {
                    err(
                        &at("quantity"),
                        format!("{quantity_text:?} is not a positive whole number"),
                    )
                })?;
            let unit_price = money("unit_price")?;
            let discount = money("discount")?;
            let paid = match self.lines.contains_key("paid") {
                true => money("paid")?,
                false => unit_price
                    .checked_mul(i64::from(quantity.get()))
                    .and_then(|it| it.checked_sub(discount))
                    .map_err(|e| err(&at("paid"), e.to_string()))?,
            };
            let seller_sku_code = v("seller_sku_code")?;
            let refund_text = v("refund")?;
            lines.push(OrderLine {
                line_no: i as u32 + 1,
                platform_line_id: v("platform_line_id")?,
                platform_item_id: v("platform_item_id")?,
                platform_sku_id: v("platform_sku_id")?,
                // Our SKU is the seller's code until the SKU mapping table says otherwise.
                sku: SkuCode::new(seller_sku_code.as_str()).ok(),
                seller_sku_code,
                title: v("title")?,
                quantity,
                unit_price,
                discount,
                paid,
                refund: self
                    .refund
                    .get(&refund_text)
                    .copied()
                    .unwrap_or(RefundState::None),
            });
        }
        Ok(lines)
    }
}

fn rule_unit(rule: &Compiled) -> Option<MoneyUnit> {
    match &rule.spec {
        FieldSpec::Rule(it) => it.unit,
        FieldSpec::Path(_) | FieldSpec::FirstOf(_) => None,
    }
}

/// Fills the receiver's province, city, district, town and area code from the official tables, using
/// the platform's own parts as evidence; keeps the platform's text where parsing is not sure.
fn resolve_address(receiver: &mut Receiver, divisions: &Divisions) -> AddressReport {
    if !matches!(
        receiver.country.as_str(),
        "" | "CN" | "CHN" | "中国" | "China"
    ) {
        let reasons = vec![format!(
            "address in {} kept as the platform wrote it",
            receiver.country
        )];
        return AddressReport {
            status: AddressStatus::Complete,
            confidence: 100,
            reasons,
        };
    }
    let text = format!(
        "{}{}{}{}{}",
        receiver.province, receiver.city, receiver.district, receiver.town, receiver.detail
    );
    let hints = AddressHints {
        province: Some(receiver.province.as_str()).filter(|it| !it.is_empty()),
        city: Some(receiver.city.as_str()).filter(|it| !it.is_empty()),
        phone: None,
    };
    let parsed = parse_address(divisions, &text, &hints);
    if parsed.status == AddressStatus::Complete {
        receiver.province = parsed
            .province
            .map(|it| it.name.clone())
            .unwrap_or_default();
        receiver.city = parsed.city_name().unwrap_or_default().to_owned();
        receiver.district = parsed
            .district
            .map(|it| it.name.clone())
            .unwrap_or_default();
        if let Some(town) = parsed.town {
            receiver.town = town.name.clone();
        }
        receiver.area_code = parsed
            .area_code()
            .map(|it| it.to_string())
            .unwrap_or_default();
    }
    AddressReport {
        status: parsed.status,
        confidence: parsed.confidence,
        reasons: parsed.reasons,
    }
}

fn merge(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over)) => merge(inner, over),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The value at a dotted path; numeric segments index arrays.
fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => None,
    })
}

/// A scalar as text, exactly as written: big integers stay digits, floats keep their decimal form.
fn scalar(value: Option<&Value>) -> Result<String, String> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(it)) => Ok(it.clone()),
        Some(Value::Number(it)) => Ok(it.to_string()),
        Some(Value::Bool(it)) => Ok(it.to_string()),
        Some(Value::Array(_) | Value::Object(_)) => {
            Err("is a list or an object, not a value".to_owned())
        }
    }
}

fn read(doc: &Value, rule: &Compiled) -> Result<String, String> {
    let first = |paths: &[String]| -> Result<String, String> {
        for path in paths {
            let it = scalar(lookup(doc, path)).map_err(|e| format!("{path}: {e}"))?;
            if !it.trim().is_empty() {
                return Ok(it);
            }
        }
        Ok(String::new())
    };
    let mut text = match &rule.spec {
        FieldSpec::Path(path) => scalar(lookup(doc, path)).map_err(|e| format!("{path}: {e}"))?,
        FieldSpec::FirstOf(paths) => first(paths)?,
        FieldSpec::Rule(r) => match (
            &r.path,
            r.first_of.is_empty(),
            r.concat.is_empty(),
            &r.value,
        ) {
            (Some(path), _, _, _) => {
                scalar(lookup(doc, path)).map_err(|e| format!("{path}: {e}"))?
            }
            (None, false, _, _) => first(&r.first_of)?,
            (None, true, false, _) => {
                let parts = r
                    .concat
                    .iter()
                    .map(|path| scalar(lookup(doc, path)))
                    .collect::<Result<Vec<_>, _>>()?;
                parts
                    .into_iter()
                    .filter(|it| !it.is_empty())
                    .collect::<Vec<_>>()
                    .join(&r.separator)
            }
            (None, true, true, Some(value)) => value.clone(),
            (None, true, true, None) => String::new(),
        },
    };
    text = text.trim().to_owned();
    if let FieldSpec::Rule(r) = &rule.spec {
        if let Some(re) = &rule.regex {
            text = re
                .captures(&text)
                .and_then(|c| c.get(1).or_else(|| c.get(0)))
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default();
        }
        match r.case.as_deref() {
            Some("upper") => text = text.to_uppercase(),
            Some("lower") => text = text.to_lowercase(),
            Some(_) | None => {}
        }
        if let Some(mapped) = r.map.get(&text) {
            text = mapped.clone();
        }
    }
    Ok(text)
}

/// The built-in mapping of a document format, by name.
pub fn builtin(format: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(name, _)| *name == format)
        .map(|(_, text)| *text)
}

/// Every built-in mapping: `(format, TOML)`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("taobao", include_str!("../mappings/taobao.toml")),
    ("douyin", include_str!("../mappings/douyin.toml")),
    ("jd", include_str!("../mappings/jd.toml")),
    ("pinduoduo", include_str!("../mappings/pinduoduo.toml")),
    ("shopify", include_str!("../mappings/shopify.toml")),
    (
        "shopify_graphql",
        include_str!("../mappings/shopify_graphql.toml"),
    ),
];
