//! `orderhub normalize --channel KIND FILE`: one platform document → the standard order as pretty JSON,
//! or the reject reason. For debugging mappings.

use std::path::PathBuf;

use anyhow::Context;
use domain::{ChannelKind, ShopId};
use mapping::{Divisions, MapContext, OrderMapping, builtin, standard_order_json};

/// The built-in mapping of each channel kind that has one.
pub(crate) fn mapping_format(channel: ChannelKind) -> Option<&'static str> {
    match channel {
        ChannelKind::Taobao | ChannelKind::Tmall => Some("taobao"),
        ChannelKind::Douyin => Some("douyin"),
        ChannelKind::Jd => Some("jd"),
        ChannelKind::Pinduoduo => Some("pinduoduo"),
        ChannelKind::Shopify => Some("shopify"),
        ChannelKind::WechatChannels
        | ChannelKind::Youzan
        | ChannelKind::Kuaishou
        | ChannelKind::Aliexpress
        | ChannelKind::Shopee
        | ChannelKind::Csv
        | ChannelKind::Ocr => None,
    }
}

pub(crate) fn run(
    channel: &str,
    file: &PathBuf,
    overrides: Option<&PathBuf>,
) -> anyhow::Result<bool> {
    let kind =
        ChannelKind::parse(channel).with_context(|| format!("unknown channel {channel:?}"))?;
    let document = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let format = match kind {
        // A GraphQL node or a REST/webhook order: each has its own mapping.
        ChannelKind::Shopify => channels::shopify::mapping_for(&document),
        _ => mapping_format(kind).with_context(|| format!("no built-in mapping for {kind} yet"))?,
    };
    let base = builtin(format).context("built-in mappings are listed")?;
    let mapping = match overrides {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            OrderMapping::with_overrides(base, &text)
        }
        None => OrderMapping::from_toml(base),
    }
    .map_err(|err| anyhow::anyhow!("mapping: {err}"))?;
    let context = MapContext {
        shop: ShopId(0),
        default_country: "CN",
        divisions: Divisions::official(),
    };
    match mapping.map(&document, &context) {
        Ok(mapped) => {
            let offset = if mapped.order.currency.code() == "CNY" {
                480
            } else {
                0
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&standard_order_json(&mapped, offset))?
            );
            Ok(true)
        }
        Err(reject) => {
            let body = serde_json::json!({ "reject": { "field": reject.field, "reason": reject.reason, "mapping": format!("{}@{}", mapping.format, mapping.version) } });
            println!("{}", serde_json::to_string_pretty(&body)?);
            Ok(false)
        }
    }
}
