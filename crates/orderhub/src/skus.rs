//! `orderhub skus unknown` (the one place to see which shop SKU keys map to nothing, and how many orders
//! wait on each) and `orderhub skus map` (map one, then release the orders it held).

use anyhow::Context;
use app::Store;
use domain::{Actor, ShopSkuKey, SkuCode, Timestamp};

#[derive(clap::Subcommand, Debug)]
pub(crate) enum SkusCommand {
    /// Shop SKU keys no mapping covers, with the number of open orders waiting on each.
    Unknown,
    /// Map a shop's seller code or platform SKU id to one of our SKUs and release the orders it held.
    Map {
        /// The shop's code.
        #[arg(long)]
        shop: String,
        /// The seller's code on the platform (商家编码).
        #[arg(
            long,
            conflicts_with = "platform_sku_id",
            required_unless_present = "platform_sku_id"
        )]
        seller_code: Option<String>,
        /// The platform's SKU id.
        #[arg(long)]
        platform_sku_id: Option<String>,
        /// Our SKU.
        #[arg(long)]
        sku: String,
    },
}

pub(crate) async fn run(
    store: &dyn Store,
    command: SkusCommand,
    at: Timestamp,
) -> anyhow::Result<()> {
    let shops = store.shops().await?;
    match command {
        SkusCommand::Unknown => {
            for it in store.unknown_skus().await? {
                let shop = shops
                    .iter()
                    .find(|s| s.id == it.shop)
                    .map_or("?", |s| s.code.as_str());
                let (kind, key) = match &it.key {
                    ShopSkuKey::SellerCode(key) => ("seller_code", key),
                    ShopSkuKey::PlatformSkuId(key) => ("platform_sku_id", key),
                };
                println!("{shop}\t{kind}={key}\t{} orders\t{}", it.orders, it.title);
            }
            Ok(())
        }
        SkusCommand::Map {
            shop,
            seller_code,
            platform_sku_id,
            sku,
        } => {
            let shop = shops
                .iter()
                .find(|it| it.code == shop)
                .with_context(|| format!("unknown shop {shop:?}"))?;
            let key = match (seller_code, platform_sku_id) {
                (Some(code), _) => ShopSkuKey::SellerCode(code),
                (None, Some(id)) => ShopSkuKey::PlatformSkuId(id),
                (None, None) => anyhow::bail!("give --seller-code or --platform-sku-id"),
            };
            store
                .map_shop_sku(shop.id, &key, &SkuCode::new(sku)?)
                .await?;
            let report = app::rescreen_held(
                store,
                &crate::address::hold_for,
                &Actor::User("cli".to_owned()),
                at,
            )
            .await?;
            println!("mapped; released {} held orders", report.released);
            Ok(())
        }
    }
}
