//! What routing knows about the world besides the order: the warehouses and carriers (the network), our
//! SKUs' attributes (the catalogue), and how much of each SKU each warehouse has (the stock snapshot).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::ids::{Quantity, SkuCode, WarehouseCode};
use crate::sku::Component;

/// A warehouse as routing sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarehouseSpec {
    pub code: WarehouseCode,
    /// Six-digit administrative code of its district.
    pub area_code: String,
    /// E.g. `bonded`, `cold_chain`, `fragile`.
    pub capabilities: BTreeSet<String>,
    /// Carrier codes it hands parcels to, the default first.
    pub carriers: Vec<String>,
    /// Stock in this warehouse may be promised beyond what is on hand.
    pub allow_oversell: bool,
    /// Shipments a day it can handle; once today's are planned it is chosen only when no other can
    /// ship.
    pub daily_capacity: Option<u32>,
}

/// The warehouses and the routing settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
    pub warehouses: Vec<WarehouseSpec>,
    /// A split never produces a shipment worth less than this (minor units); 0 allows any split.
    pub min_shipment_minor: i64,
}

impl Network {
    pub fn warehouse(&self, code: &WarehouseCode) -> Option<&WarehouseSpec> {
        self.warehouses.iter().find(|it| &it.code == code)
    }
}

/// Attributes of one of our SKUs that routing uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkuInfo {
    pub category: String,
    pub weight_grams: u32,
    /// Bonded (cross-border) goods: shipped only from a warehouse with the `bonded` capability.
    pub bonded: bool,
    /// On presale: ships apart from goods in stock.
    pub presale: bool,
    /// A combo's components; empty for a plain SKU.
    pub components: Vec<Component>,
}

/// Our SKUs by code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub skus: HashMap<SkuCode, SkuInfo>,
}

impl Catalog {
    /// The units of stock-keeping SKUs `quantity` of `sku` needs: a combo exploded into its components.
    pub fn goods(&self, sku: &SkuCode, quantity: Quantity) -> Vec<(SkuCode, u32)> {
        match self.skus.get(sku).map(|it| it.components.as_slice()) {
            Some([]) | None => vec![(sku.clone(), quantity.get())],
            Some(components) => components
                .iter()
                .map(|c| (c.sku.clone(), c.quantity.get() * quantity.get()))
                .collect(),
        }
    }

    pub fn info(&self, sku: &SkuCode) -> Option<&SkuInfo> {
        self.skus.get(sku)
    }
}

/// Available units per (warehouse, SKU) when the decision was taken; missing rows are 0.
///
/// Recorded with each decision (`encode`) so that replaying it reproduces it exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockSnapshot {
    available: BTreeMap<WarehouseCode, BTreeMap<SkuCode, i64>>,
}

impl StockSnapshot {
    pub fn set(&mut self, warehouse: WarehouseCode, sku: SkuCode, available: i64) {
        self.available
            .entry(warehouse)
            .or_default()
            .insert(sku, available);
    }

    pub fn available(&self, warehouse: &WarehouseCode, sku: &SkuCode) -> i64 {
        self.available
            .get(warehouse)
            .and_then(|skus| skus.get(sku))
            .copied()
            .unwrap_or(0)
    }

    /// Takes units off a row, as a decision that ships them does.
    pub fn take(&mut self, warehouse: &WarehouseCode, sku: &SkuCode, units: u32) {
        let skus = self.available.entry(warehouse.clone()).or_default();
        match skus.get_mut(sku) {
            Some(n) => *n -= i64::from(units),
            None => {
                skus.insert(sku.clone(), -i64::from(units));
            }
        }
    }

    /// [`StockSnapshot::encode`] of only the rows of these SKUs, without building that snapshot.
    pub fn encode_only(&self, skus: &BTreeSet<SkuCode>) -> String {
        let mut out = String::new();
        for (warehouse, rows) in &self.available {
            for sku in skus {
                let Some(n) = rows.get(sku) else { continue };
                if !out.is_empty() {
                    out.push(';');
                }
                out.push_str(&format!("{}:{}={n}", warehouse.as_str(), sku.as_str()));
            }
        }
        out
    }

    /// `WAREHOUSE:SKU=N` entries joined by `;`, sorted: a stable text for the decision record.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (warehouse, rows) in &self.available {
            for (sku, n) in rows {
                if !out.is_empty() {
                    out.push(';');
                }
                out.push_str(&format!("{}:{}={n}", warehouse.as_str(), sku.as_str()));
            }
        }
        out
    }

    /// Reads what [`StockSnapshot::encode`] wrote; `None` when the text is malformed.
    pub fn decode(text: &str) -> Option<StockSnapshot> {
        let mut snapshot = StockSnapshot::default();
        for entry in text.split(';').filter(|it| !it.is_empty()) {
            let (key, n) = entry.rsplit_once('=')?;
            let (warehouse, sku) = key.split_once(':')?;
            snapshot.set(
                WarehouseCode::new(warehouse).ok()?,
                SkuCode::new(sku).ok()?,
                n.parse().ok()?,
            );
        }
        Some(snapshot)
    }
}

/// The seller's local time of a decision, for time-of-day and weekday conditions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LocalTime {
    /// Minutes after midnight, 0..1440.
    pub minute_of_day: u16,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: u8,
}

impl LocalTime {
    /// The start of the local day containing `millis`, as milliseconds since the epoch.
    pub fn day_start(millis: i64, offset_minutes: i32) -> i64 {
        let offset = i64::from(offset_minutes) * 60_000;
        let local = millis + offset;
        local - local.rem_euclid(86_400_000) - offset
    }

    /// The local time at `millis` since the epoch in a zone `offset_minutes` east of UTC.
    pub fn at(millis: i64, offset_minutes: i32) -> LocalTime {
        let local = millis.div_euclid(60_000) + i64::from(offset_minutes);
        let days = local.div_euclid(1440);
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = (days + 3).rem_euclid(7) + 1;
        LocalTime {
            minute_of_day: local.rem_euclid(1440) as u16,
            weekday: weekday as u8,
        }
    }
}
