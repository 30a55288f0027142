//! The batch pick list: every unit to pick for a set of shipments, one row per SKU and bin, in walking
//! order (bin, then SKU; lines without a bin last).

use std::collections::BTreeMap;

use crate::sheet::ParcelSheet;

/// What to pick for a batch of shipments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickList {
    pub rows: Vec<PickRow>,
    /// The shipments' barcode texts, in the order given.
    pub shipments: Vec<String>,
    pub total_units: u64,
}

/// One SKU in one bin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickRow {
    pub bin: Option<String>,
    pub sku: String,
    /// The first title seen for the SKU.
    pub title: String,
    pub quantity: u64,
    /// How many of the shipments need it.
    pub shipments: u32,
}

/// Aggregates the sheets' lines by bin and SKU.
pub fn pick_list(sheets: &[ParcelSheet]) -> PickList {
    // `(no bin, bin, sku)`: a `false` first component sorts lines with a bin before those without.
    let mut rows: BTreeMap<(bool, String, String), PickRow> = BTreeMap::new();
    let mut total_units = 0;
    for sheet in sheets {
        let mut seen = Vec::new();
        for line in &sheet.lines {
            let key = (
                line.bin.is_none(),
                line.bin.clone().unwrap_or_default(),
                line.sku.clone(),
            );
            let row = rows.entry(key.clone()).or_insert_with(|| PickRow {
                bin: line.bin.clone(),
                sku: line.sku.clone(),
                title: line.title.clone(),
                quantity: 0,
                shipments: 0,
            });
            row.quantity += u64::from(line.quantity);
            if !seen.contains(&key) {
                row.shipments += 1;
                seen.push(key);
            }
            total_units += u64::from(line.quantity);
        }
    }
    PickList {
        rows: rows.into_values().collect(),
        shipments: sheets.iter().map(|it| it.barcode.clone()).collect(),
        total_units,
    }
}
