//! Bill formats: which row is the header, which lines are comments or the summary footer, and which
//! columns hold an entry's order, kind, amount and time. The built-in formats are TOML files in
//! `formats/`, compiled in; a user's generic format is a TOML file of the same shape.

use std::collections::BTreeMap;

use domain::Currency;
use mapping::{MoneyUnit, TimeFormat};
use serde::Deserialize;

/// The built-in formats: `(name, TOML)`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("alipay", include_str!("../formats/alipay.toml")),
    ("douyin", include_str!("../formats/douyin.toml")),
    ("jd", include_str!("../formats/jd.toml")),
    ("wechat", include_str!("../formats/wechat.toml")),
];

/// What a bill entry is, as far as reconciliation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The buyer's money arriving for the order.
    Payment,
    /// Money paid back to the buyer.
    Refund,
    /// The platform's commission, service or payment fee.
    Fee,
    /// Anything else (transfers, adjustments): kept, but not matched.
    Other,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Payment => "payment",
            EntryKind::Refund => "refund",
            EntryKind::Fee => "fee",
            EntryKind::Other => "other",
        }
    }
}

/// What a value of the kind column means: a kind, or "goods money" whose sign says payment or refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindRule {
    Payment,
    Refund,
    Fee,
    Other,
    PaymentOrRefund,
}

/// A bill format, checked.
#[derive(Clone, Debug)]
pub struct BillFormat {
    pub name: String,
    pub money: MoneyUnit,
    pub currency: Currency,
    pub time: TimeFormat,
    /// The header is the first row holding every one of these cells.
    pub header: Vec<String>,
    /// Rows whose first cell starts with one of these are comments (before or after the rows).
    pub skip_prefixes: Vec<String>,
    /// The rows end at the first row whose first cell is one of these (a summary footer).
    pub stop_at: Vec<String>,
    /// Stripped from the start of every cell (WeChat's backtick).
    pub cell_prefix: Option<String>,
    /// Stripped from the start of an order id (Alipay's `T200P` before a Taobao order number).
    pub order_id_prefixes: Vec<String>,
    pub columns: Columns,
    /// A value of the kind column → its rule; values not listed are `other`.
    pub kinds: BTreeMap<String, KindRule>,
    /// A kind whose amount is in another column than `columns.amount`.
    pub amount_by_kind: BTreeMap<EntryKind, String>,
    /// Values of the direction column that mean money going out.
    pub out_directions: Vec<String>,
}

/// The columns of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    pub order_id: String,
    pub time: String,
    pub kind: String,
    pub amount: String,
    /// A second amount column, subtracted (an expense column beside an income column).
    pub amount_out: Option<String>,
    /// A column saying whether money came in or went out.
    pub direction: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatFile {
    name: String,
    money: MoneyUnit,
    currency: String,
    time: String,
    header: HeaderFile,
    #[serde(default)]
    skip_prefixes: Vec<String>,
    #[serde(default)]
    stop_at: Vec<String>,
    cell_prefix: Option<String>,
    #[serde(default)]
    order_id_prefixes: Vec<String>,
    columns: Columns,
    #[serde(default)]
    kinds: BTreeMap<String, KindRule>,
    #[serde(default)]
    amount_by_kind: BTreeMap<EntryKind, String>,
    #[serde(default)]
    directions: DirectionsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFile {
    contains: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectionsFile {
    #[serde(default)]
    out: Vec<String>,
}

impl BillFormat {
    /// A built-in format by name (`wechat`, `alipay`, `jd`, `douyin`).
    pub fn builtin(name: &str) -> Option<BillFormat> {
        let (_, text) = BUILTIN.iter().find(|(it, _)| *it == name)?;
        Some(BillFormat::from_toml(text).expect("built-in formats are valid"))
    }

    /// A format from TOML, with what is wrong in it.
    pub fn from_toml(text: &str) -> Result<BillFormat, String> {
        let file: FormatFile = toml::from_str(text).map_err(|err| err.to_string())?;
        let currency = Currency::new(&file.currency).map_err(|err| err.to_string())?;
        let time = TimeFormat::parse(&file.time)?;
        if file.header.contains.is_empty() {
            return Err("header.contains names no column".to_owned());
        }
        if file.columns.direction.is_none() && !file.directions.out.is_empty() {
            return Err("directions.out is given but columns.direction is not".to_owned());
        }
        Ok(BillFormat {
            name: file.name,
            money: file.money,
            currency,
            time,
            header: file.header.contains,
            skip_prefixes: file.skip_prefixes,
            stop_at: file.stop_at,
            cell_prefix: file.cell_prefix.filter(|it| !it.is_empty()),
            order_id_prefixes: file.order_id_prefixes,
            columns: file.columns,
            kinds: file.kinds,
            amount_by_kind: file.amount_by_kind,
            out_directions: file.directions.out,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::format::{BUILTIN, BillFormat};

    #[test]
    fn every_builtin_format_is_valid() {
        for (name, text) in BUILTIN {
            let format = BillFormat::from_toml(text).unwrap_or_else(|err| panic!("{name}: {err}"));
            assert_eq!(&format.name, name);
        }
    }

    #[test]
    fn a_mistake_in_a_format_is_named() {
        let text = BUILTIN[0]
            .1
            .replace("money = \"major\"", "money = \"yuan\"");
        let err = BillFormat::from_toml(&text).unwrap_err();
        assert!(err.contains("yuan"), "{err}");
        let text = BUILTIN[0]
            .1
            .replace("[columns]", "[columns]\nsurprise = \"x\"");
        assert!(
            BillFormat::from_toml(&text)
                .unwrap_err()
                .contains("surprise")
        );
    }
}
