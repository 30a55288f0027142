//! Shops (one store on one channel kind) and warehouses.

use std::fmt;

use crate::ids::{ShopId, WarehouseCode};

/// The closed set of channel kinds a shop can be on (DESIGN §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelKind {
    Taobao,
    Tmall,
    Jd,
    Douyin,
    WechatChannels,
    Youzan,
    Pinduoduo,
    Kuaishou,
    Aliexpress,
    Shopee,
    Shopify,
    Csv,
    Ocr,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 13] = [
        ChannelKind::Taobao,
        ChannelKind::Tmall,
        ChannelKind::Jd,
        ChannelKind::Douyin,
        ChannelKind::WechatChannels,
        ChannelKind::Youzan,
        ChannelKind::Pinduoduo,
        ChannelKind::Kuaishou,
        ChannelKind::Aliexpress,
        ChannelKind::Shopee,
        ChannelKind::Shopify,
        ChannelKind::Csv,
        ChannelKind::Ocr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Taobao => "taobao",
            ChannelKind::Tmall => "tmall",
            ChannelKind::Jd => "jd",
            ChannelKind::Douyin => "douyin",
            ChannelKind::WechatChannels => "wechat_channels",
            ChannelKind::Youzan => "youzan",
            ChannelKind::Pinduoduo => "pinduoduo",
            ChannelKind::Kuaishou => "kuaishou",
            ChannelKind::Aliexpress => "aliexpress",
            ChannelKind::Shopee => "shopee",
            ChannelKind::Shopify => "shopify",
            ChannelKind::Csv => "csv",
            ChannelKind::Ocr => "ocr",
        }
    }

    pub fn parse(text: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|it| it.as_str() == text)
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One store on one channel. Credentials and sync settings live with the edges that use them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shop {
    pub id: ShopId,
    /// A short stable code chosen by the seller, e.g. `tmall-flagship`.
    pub code: String,
    pub channel: ChannelKind,
    pub name: String,
}

/// What kind of operation a warehouse is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WarehouseKind {
    Own,
    ThirdParty,
    Bonded,
    Overseas,
}

impl WarehouseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarehouseKind::Own => "own",
            WarehouseKind::ThirdParty => "3pl",
            WarehouseKind::Bonded => "bonded",
            WarehouseKind::Overseas => "overseas",
        }
    }

    pub fn parse(text: &str) -> Option<WarehouseKind> {
        [
            WarehouseKind::Own,
            WarehouseKind::ThirdParty,
            WarehouseKind::Bonded,
            WarehouseKind::Overseas,
        ]
        .into_iter()
        .find(|it| it.as_str() == text)
    }
}

/// A place stock is kept and shipments leave from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warehouse {
    pub code: WarehouseCode,
    pub name: String,
    pub kind: WarehouseKind,
    /// Six-digit administrative area code of the warehouse's district, e.g. `330402`.
    pub area_code: String,
    /// Whether reservations may exceed what is on hand (pre-sale or drop-ship stock).
    pub allow_oversell: bool,
}

#[cfg(test)]
mod tests {
    use crate::shop::ChannelKind;

    #[test]
    fn channel_kinds_round_trip() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ChannelKind::parse("amazon"), None);
    }
}
