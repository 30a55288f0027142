//! The file's shape as serde reads it: lenient where people write lists as one string, strict about
//! unknown keys.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileDoc {
    #[serde(default)]
    pub(crate) regions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub(crate) rules: Vec<toml::Table>,
    #[serde(default)]
    pub(crate) tests: Vec<toml::Table>,
}

/// One string or a list of them.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    pub(crate) fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(it) => vec![it.clone()],
            OneOrMany::Many(it) => it.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDoc {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) when: Option<WhenDoc>,
    pub(crate) then: ThenDoc,
    #[serde(default)]
    pub(crate) stop: bool,
}

/// A numeric range; either end may be left out.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RangeDoc {
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
}

/// Conditions: every key given must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WhenDoc {
    pub(crate) all: Option<Vec<WhenDoc>>,
    pub(crate) any: Option<Vec<WhenDoc>>,
    pub(crate) not: Option<Box<WhenDoc>>,
    pub(crate) shop: Option<OneOrMany<String>>,
    pub(crate) channel: Option<OneOrMany<String>>,
    pub(crate) province: Option<OneOrMany<String>>,
    pub(crate) city: Option<OneOrMany<String>>,
    pub(crate) district: Option<OneOrMany<String>>,
    pub(crate) region: Option<OneOrMany<String>>,
    pub(crate) sku: Option<OneOrMany<String>>,
    pub(crate) category: Option<OneOrMany<String>>,
    pub(crate) quantity: Option<RangeDoc>,
    /// In the order's major unit (yuan): `amount = { min = 2000 }`.
    pub(crate) amount: Option<RangeDoc>,
    /// Grams.
    pub(crate) weight: Option<RangeDoc>,
    pub(crate) risk: Option<RangeDoc>,
    /// Every flag listed must be set.
    pub(crate) flag: Option<OneOrMany<String>>,
    pub(crate) tag: Option<String>,
    pub(crate) buyer_message: Option<bool>,
    pub(crate) message_contains: Option<OneOrMany<String>>,
    /// `"22:00-06:00"`, local time.
    pub(crate) time: Option<String>,
    /// `["sat", "sun"]`.
    pub(crate) weekday: Option<OneOrMany<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GiftDoc {
    pub(crate) sku: String,
    #[serde(default = "one")]
    pub(crate) quantity: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThenDoc {
    pub(crate) assign: Option<OneOrMany<String>>,
    pub(crate) require: Option<OneOrMany<String>>,
    pub(crate) hold: Option<OneOrMany<String>>,
    pub(crate) tag: Option<OneOrMany<String>>,
    pub(crate) carrier: Option<String>,
    pub(crate) gift: Option<OneOrMany<GiftDoc>>,
    /// `forbid` or `force`.
    pub(crate) split: Option<String>,
    pub(crate) ship_apart: Option<OneOrMany<String>>,
    pub(crate) merge: Option<bool>,
}

/// A test case: an order described in a few fields, and where it must go.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseDoc {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) shop: Option<String>,
    #[serde(default)]
    pub(crate) channel: Option<String>,
    #[serde(default)]
    pub(crate) province: String,
    #[serde(default)]
    pub(crate) city: String,
    #[serde(default)]
    pub(crate) district: String,
    #[serde(default)]
    pub(crate) area_code: String,
    /// `"SKU x2"` or `"SKU"`.
    pub(crate) lines: Vec<String>,
    /// Paid, in yuan; defaults to 100 per line.
    #[serde(default)]
    pub(crate) amount: Option<f64>,
    #[serde(default)]
    pub(crate) flags: Vec<String>,
    #[serde(default)]
    pub(crate) tags: Vec<String>,
    #[serde(default)]
    pub(crate) buyer_message: String,
    #[serde(default)]
    pub(crate) risk: Option<u8>,
    /// `"HH:MM"`, local; default 10:00.
    #[serde(default)]
    pub(crate) time: Option<String>,
    /// Default `wed`.
    #[serde(default)]
    pub(crate) weekday: Option<String>,
    /// `"WAREHOUSE:SKU=N"` rows; warehouses not listed have 1000 of every SKU of the case.
    #[serde(default)]
    pub(crate) stock: Vec<String>,
    /// Warehouse codes joined by `+`, or `review:REASON[,REASON]`.
    pub(crate) expect: String,
}
