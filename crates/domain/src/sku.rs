//! SKU mapping: which of our SKUs a shop's line means. A shop's SKU id or the seller's code points at one
//! of our SKUs; a combo (kit) SKU explodes into its components; a line nobody has mapped holds its
//! order as "unknown SKU" until someone does.

use std::collections::HashMap;

use crate::ids::{Quantity, ShopId, SkuCode};

/// How a line names its goods on its shop.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ShopSkuKey {
    /// The platform's SKU id (Taobao `sku_id`, Douyin `sku_id` …).
    PlatformSkuId(String),
    /// The seller's own code on the platform (`outer_sku_id`, `out_sku_id`, `商家编码`).
    SellerCode(String),
}

/// One component of a combo: `quantity` units of `sku` per unit of the combo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub sku: SkuCode,
    pub quantity: Quantity,
}

/// The mapping tables, as loaded for one decision.
#[derive(Clone, Debug, Default)]
pub struct SkuMap {
    by_shop: HashMap<(ShopId, ShopSkuKey), SkuCode>,
    /// Our SKUs (a seller code equal to one of ours maps to it without a row).
    known: HashMap<SkuCode, Vec<Component>>,
}

/// What a line resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkuResolution {
    /// Units of our SKUs to reserve and ship, a combo already exploded.
    Goods(Vec<(SkuCode, u32)>),
    /// Nothing maps: hold the order with `unknown_sku` and list the key for mapping.
    Unknown(ShopSkuKey),
}

impl SkuMap {
    /// Declares one of our SKUs; `components` is empty for a plain SKU.
    pub fn add_sku(&mut self, sku: SkuCode, components: Vec<Component>) {
        self.known.insert(sku, components);
    }

    /// Maps a shop's key to one of our SKUs.
    pub fn map(&mut self, shop: ShopId, key: ShopSkuKey, sku: SkuCode) {
        self.by_shop.insert((shop, key), sku);
    }

    /// Our SKU a line's keys name (before combo explosion): the platform SKU id's mapping first, then
    /// the seller code's, then the seller code itself when it is one of ours.
    pub fn mapped_code(
        &self,
        shop: ShopId,
        platform_sku_id: &str,
        seller_code: &str,
    ) -> Option<SkuCode> {
        let keys = [
            ShopSkuKey::PlatformSkuId(platform_sku_id.to_owned()),
            ShopSkuKey::SellerCode(seller_code.to_owned()),
        ];
        let mapped = keys
            .iter()
            .filter(|key| match key {
                ShopSkuKey::PlatformSkuId(it) | ShopSkuKey::SellerCode(it) => !it.is_empty(),
            })
            .find_map(|key| self.by_shop.get(&(shop, key.clone())).cloned());
        mapped.or_else(|| {
            SkuCode::new(seller_code)
                .ok()
                .filter(|it| self.known.contains_key(it))
        })
    }

    /// Resolves a line of `quantity` units into units of our SKUs, a combo exploded.
    pub fn resolve(
        &self,
        shop: ShopId,
        platform_sku_id: &str,
        seller_code: &str,
        quantity: Quantity,
    ) -> SkuResolution {
        let Some(sku) = self.mapped_code(shop, platform_sku_id, seller_code) else {
            let key = match seller_code.is_empty() {
                true => ShopSkuKey::PlatformSkuId(platform_sku_id.to_owned()),
                false => ShopSkuKey::SellerCode(seller_code.to_owned()),
            };
            return SkuResolution::Unknown(key);
        };
        match self.known.get(&sku).map(Vec::as_slice) {
            Some([]) | None => SkuResolution::Goods(vec![(sku, quantity.get())]),
            Some(components) => SkuResolution::Goods(
                components
                    .iter()
                    .map(|c| (c.sku.clone(), c.quantity.get() * quantity.get()))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ids::{Quantity, ShopId, SkuCode};
    use crate::sku::{Component, ShopSkuKey, SkuMap, SkuResolution};

    fn sku(code: &str) -> SkuCode {
        SkuCode::new(code).unwrap()
    }

    fn q(n: u32) -> Quantity {
        Quantity::new(n).unwrap()
    }

    #[test]
    fn lines_resolve_through_the_tables() {
        let mut map = SkuMap::default();
        map.add_sku(sku("TEA-LJ-250"), Vec::new());
        map.add_sku(sku("CUP-GL-01"), Vec::new());
        map.add_sku(
            sku("SET-GIFT-A"),
            vec![
                Component {
                    sku: sku("TEA-LJ-250"),
                    quantity: q(1),
                },
                Component {
                    sku: sku("CUP-GL-01"),
                    quantity: q(2),
                },
            ],
        );
        map.map(
            ShopId(1),
            ShopSkuKey::PlatformSkuId("5000000000002".to_owned()),
            sku("TEA-LJ-250"),
        );
        let shop = ShopId(1);
        assert_eq!(
            map.resolve(shop, "5000000000002", "", q(3)),
            SkuResolution::Goods(vec![(sku("TEA-LJ-250"), 3)])
        );
        assert_eq!(
            map.resolve(shop, "", "CUP-GL-01", q(1)),
            SkuResolution::Goods(vec![(sku("CUP-GL-01"), 1)])
        );
        assert_eq!(
            map.resolve(shop, "", "SET-GIFT-A", q(2)),
            SkuResolution::Goods(vec![(sku("TEA-LJ-250"), 2), (sku("CUP-GL-01"), 4)])
        );
        assert_eq!(
            map.resolve(ShopId(2), "5000000000002", "", q(1)),
            SkuResolution::Unknown(ShopSkuKey::PlatformSkuId("5000000000002".to_owned())),
            "mappings are per shop"
        );
        assert_eq!(
            map.resolve(shop, "77", "SPU-X", q(1)),
            SkuResolution::Unknown(ShopSkuKey::SellerCode("SPU-X".to_owned()))
        );
    }
}
