//! Merging: paid, unshipped orders of one shop, buyer, receiver, phone and address (the keys are
//! configurable) share a shipment when they ship from the same warehouse with the same carrier. Cash
//! on delivery and gift orders never merge (each parcel is paid or addressed on its own), nor do
//! orders a rule kept apart.

use std::collections::HashMap;

use crate::ids::{OrderId, SkuCode, WarehouseCode};
use crate::order::StandardOrder;
use crate::routing::{PlannedLine, PlannedShipment};

/// Which fields, besides the shop, must be equal for orders to merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeKeys {
    pub buyer: bool,
    pub receiver_name: bool,
    pub phone: bool,
    pub address: bool,
}

impl Default for MergeKeys {
    fn default() -> MergeKeys {
        MergeKeys {
            buyer: true,
            receiver_name: true,
            phone: true,
            address: true,
        }
    }
}

/// The text orders that may share a shipment have in common.
pub fn merge_key(order: &StandardOrder, keys: MergeKeys) -> String {
    let r = &order.receiver;
    let mut parts = vec![order.shop.0.to_string()];
    if keys.buyer {
        parts.push(order.buyer.platform_id.clone());
    }
    if keys.receiver_name {
        parts.push(r.name.trim().to_owned());
    }
    if keys.phone {
        parts.push(r.phone.trim().to_owned());
    }
    if keys.address {
        let detail: String = r.detail.split_whitespace().collect();
        parts.extend([
            r.province.clone(),
            r.city.clone(),
            r.district.clone(),
            r.town.clone(),
            detail,
        ]);
    }
    parts.join("\u{1f}")
}

/// One order's planned shipments, and its merge key when it may merge.
#[derive(Clone, Copy, Debug)]
pub struct RoutedOrder<'a> {
    pub order: OrderId,
    pub merge_key: Option<&'a str>,
    pub shipments: &'a [PlannedShipment],
}

/// A shipment to create: lines of one or more orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedShipment {
    pub warehouse: WarehouseCode,
    pub carrier: Option<String>,
    /// Set when the shipment may take more orders of the same key later.
    pub merge_key: Option<String>,
    pub lines: Vec<(OrderId, PlannedLine)>,
    pub gifts: Vec<(OrderId, SkuCode, u32)>,
}

/// Joins the planned shipments of mergeable orders with equal keys, warehouse and carrier; every
/// other shipment stays as planned. Every line and gift comes out exactly once, in input order.
pub fn merge(orders: &[RoutedOrder<'_>]) -> Vec<MergedShipment> {
    let mut out: Vec<MergedShipment> = Vec::new();
    let mut open: HashMap<(&str, &WarehouseCode, Option<&str>), usize> = HashMap::new();
    for routed in orders {
        for planned in routed.shipments {
            let slot = routed
                .merge_key
                .map(|key| (key, &planned.warehouse, planned.carrier.as_deref()));
            let index = match slot.and_then(|it| open.get(&it)) {
                Some(index) => *index,
                None => {
                    out.push(MergedShipment {
                        warehouse: planned.warehouse.clone(),
                        carrier: planned.carrier.clone(),
                        merge_key: routed.merge_key.map(str::to_owned),
                        lines: Vec::new(),
                        gifts: Vec::new(),
                    });
                    if let Some(slot) = slot {
                        open.insert(slot, out.len() - 1);
                    }
                    out.len() - 1
                }
            };
            let shipment = &mut out[index];
            shipment
                .lines
                .extend(planned.lines.iter().map(|it| (routed.order, it.clone())));
            shipment.gifts.extend(
                planned
                    .gifts
                    .iter()
                    .map(|(sku, n)| (routed.order, sku.clone(), *n)),
            );
        }
    }
    out
}
