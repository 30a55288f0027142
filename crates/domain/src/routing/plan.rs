//! The default strategy: lines grouped by what must ship apart, each group planned from the candidate
//! warehouses — one warehouse for the whole group if any can, else the fewest shipments by greedy cover
//! — ranked by the rules' list or by distance, and never a split leaving a shipment below the minimum
//! value. A shortage holds the order `out_of_stock` with what is missing.

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::{SkuCode, WarehouseCode};
use crate::order::{HoldReason, OrderLine, RefundState};
use crate::routing::geo::{Place, distance_key};
use crate::routing::network::{Catalog, Network, StockSnapshot, WarehouseSpec};
use crate::routing::rules::SplitPolicy;
use crate::routing::{Asked, Outcome, PlannedLine, PlannedShipment, RoutingInput};

/// The capability bonded (cross-border) goods need.
pub(crate) const BONDED: &str = "bonded";

/// The snapshot as this order's plan draws it down, without copying it: units taken so far per
/// warehouse and SKU.
struct Drawn<'s> {
    stock: &'s StockSnapshot,
    taken: Vec<(WarehouseCode, SkuCode, i64)>,
}

impl<'s> Drawn<'s> {
    fn new(stock: &'s StockSnapshot) -> Drawn<'s> {
        Drawn {
            stock,
            taken: Vec::new(),
        }
    }

    fn available(&self, warehouse: &WarehouseCode, sku: &SkuCode) -> i64 {
        let taken: i64 = self
            .taken
            .iter()
            .filter(|(w, s, _)| w == warehouse && s == sku)
            .map(|(_, _, n)| n)
            .sum();
        self.stock.available(warehouse, sku) - taken
    }

    fn take(&mut self, warehouse: &WarehouseCode, sku: &SkuCode, units: u32) {
        self.taken
            .push((warehouse.clone(), sku.clone(), i64::from(units)));
    }
}

struct Group<'a> {
    lines: Vec<(&'a OrderLine, Vec<(SkuCode, u32)>)>,
    require: BTreeSet<&'a str>,
}

pub(crate) fn plan(
    input: &RoutingInput<'_>,
    asked: &Asked,
    network: &Network,
    catalog: &Catalog,
    stock: &StockSnapshot,
    notes: &mut Vec<String>,
) -> Outcome {
    let order = input.order;
    let groups = groups(input, asked, catalog);
    let place = Place {
        area_code: &order.receiver.area_code,
        province: &order.receiver.province,
    };
    let mut stock = Drawn::new(stock);
    let mut shipments: Vec<PlannedShipment> = Vec::new();
    let mut shortages = Vec::new();
    for group in &groups {
        let mut candidates = candidates(network, asked, &group.require, place);
        // A stable sort: warehouses at capacity go last, each side keeps its ranking.
        candidates.sort_by_key(|w| input.full.contains(&w.code));
        if candidates.is_empty() {
            let mut require: Vec<&str> = asked.require.iter().map(String::as_str).collect();
            require.extend(group.require.iter().copied());
            require.sort_unstable();
            require.dedup();
            shortages.push(format!(
                "no warehouse{} can ship line {}",
                match require.is_empty() {
                    true => String::new(),
                    false => format!(" with {}", require.join(", ")),
                },
                group.lines[0].0.line_no
            ));
            continue;
        }
        match plan_group(group, &candidates, asked.split, &mut stock) {
            Ok(planned) => {
                let split = planned.len() > 1 && asked.split != Some(SplitPolicy::Force);
                let small = planned
                    .iter()
                    .map(|it| (it, value(group, it)))
                    .find(|(_, value)| *value < network.min_shipment_minor);
                match small {
                    Some((small, value)) if split => shortages.push(format!(
                        "a split would leave {} a shipment worth {value} minor units, below the minimum {}",
                        small.warehouse.as_str(),
                        network.min_shipment_minor
                    )),
                    Some(_) | None => shipments.extend(planned),
                }
            }
            Err(missing) => shortages.push(missing),
        }
    }
    if !shortages.is_empty() {
        return Outcome::Hold {
            reasons: BTreeSet::from([HoldReason::OutOfStock]),
            detail: shortages.join("; "),
        };
    }
    for shipment in &mut shipments {
        let spec = network.warehouse(&shipment.warehouse);
        shipment.carrier = carrier(spec, asked.carrier.as_deref(), notes);
    }
    add_gifts(&asked.gifts, &mut shipments, network, &mut stock, notes);
    Outcome::Ship(shipments)
}

/// What a planned shipment's lines were paid.
fn value(group: &Group<'_>, shipment: &PlannedShipment) -> i64 {
    shipment
        .lines
        .iter()
        .filter_map(|planned| {
            group
                .lines
                .iter()
                .find(|(line, _)| line.line_no == planned.line_no)
        })
        .map(|(line, _)| line.paid.minor)
        .sum()
}

/// Lines that must ship apart go to groups of their own: bonded goods (which need a bonded
/// warehouse), presale goods, the SKUs a rule set apart, and with `Force` each category. `Forbid`
/// keeps everything in one group.
fn groups<'a>(input: &RoutingInput<'a>, asked: &'a Asked, catalog: &Catalog) -> Vec<Group<'a>> {
    let order = input.order;
    // In the order of each group's first line.
    let mut groups: Vec<((u8, String), Group<'a>)> = Vec::new();
    for line in order
        .lines
        .iter()
        .filter(|it| it.refund != RefundState::Refunded)
    {
        let Some(sku) = &line.sku else { continue };
        let goods = catalog.goods(sku, line.quantity);
        let info = catalog.info(sku);
        let bonded = order.flags.cross_border
            || info.is_some_and(|it| it.bonded)
            || goods
                .iter()
                .any(|(part, _)| catalog.info(part).is_some_and(|it| it.bonded));
        let presale = info.is_some_and(|it| it.presale);
        let key = match asked.split {
            Some(SplitPolicy::Forbid) => (0, String::new()),
            Some(SplitPolicy::Force) | None => {
                if asked.apart.contains(sku) {
                    (3, sku.as_str().to_owned())
                } else if bonded {
                    (1, String::new())
                } else if presale {
                    (2, String::new())
                } else if asked.split == Some(SplitPolicy::Force) {
                    (4, info.map(|it| it.category.clone()).unwrap_or_default())
                } else {
                    (0, String::new())
                }
            }
        };
        let index = match groups.iter().position(|(it, _)| *it == key) {
            Some(index) => index,
            None => {
                let group = Group {
                    lines: Vec::new(),
                    require: BTreeSet::new(),
                };
                groups.push((key, group));
                groups.len() - 1
            }
        };
        let group = &mut groups[index].1;
        if bonded {
            group.require.insert(BONDED);
        }
        group.lines.push((line, goods));
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// The warehouses that may ship a group, best first: the rules' list in its order, or every warehouse
/// with the required capabilities by distance (then by the network's order).
fn candidates<'n>(
    network: &'n Network,
    asked: &Asked,
    require: &BTreeSet<&str>,
    place: Place<'_>,
) -> Vec<&'n WarehouseSpec> {
    let capable = |w: &WarehouseSpec| {
        asked.require.iter().all(|it| w.capabilities.contains(it))
            && require.iter().all(|it| w.capabilities.contains(*it))
    };
    if let Some(list) = &asked.assign {
        let chosen: Vec<_> = list
            .iter()
            .filter_map(|code| network.warehouse(code))
            .filter(|w| capable(w))
            .collect();
        // Goods that need a capability (bonded) go where they can even when the rule's list, meant
        // for the rest of the order, has no such warehouse.
        if !chosen.is_empty() || require.is_empty() {
            return chosen;
        }
    }
    let mut found: Vec<(usize, &WarehouseSpec)> = network
        .warehouses
        .iter()
        .enumerate()
        .filter(|(_, w)| capable(w))
        .collect();
    found.sort_by_key(|(i, w)| (distance_key(place, &w.area_code), *i));
    found.into_iter().map(|(_, w)| w).collect()
}

/// Plans one group: a single warehouse if one can ship it all, else (unless splitting is forbidden)
/// greedy cover by whole lines. On a shortage, says what is missing.
fn plan_group(
    group: &Group<'_>,
    candidates: &[&WarehouseSpec],
    split: Option<SplitPolicy>,
    stock: &mut Drawn<'_>,
) -> Result<Vec<PlannedShipment>, String> {
    let all: Vec<usize> = (0..group.lines.len()).collect();
    if let Some(w) = candidates
        .iter()
        .find(|w| servable(w, group, &all, stock).len() == all.len())
    {
        return Ok(vec![take(w, group, &all, stock)]);
    }
    if split == Some(SplitPolicy::Forbid) || group.lines.len() == 1 {
        return Err(missing(group, &all, candidates, stock));
    }
    let mut left = all;
    let mut shipments = Vec::new();
    while !left.is_empty() {
        // The candidate serving the most lines; the better-ranked one on a tie.
        let mut best: Option<(&WarehouseSpec, Vec<usize>)> = None;
        for w in candidates {
            let served = servable(w, group, &left, stock);
            if served.len() > best.as_ref().map_or(0, |(_, it)| it.len()) {
                best = Some((w, served));
            }
        }
        let Some((w, served)) = best else {
            return Err(missing(group, &left, candidates, stock));
        };
        shipments.push(take(w, group, &served, stock));
        left.retain(|it| !served.contains(it));
    }
    Ok(shipments)
}

/// The lines (by index, in order) the warehouse can ship from what it has, taken greedily.
fn servable(
    w: &WarehouseSpec,
    group: &Group<'_>,
    lines: &[usize],
    stock: &Drawn<'_>,
) -> Vec<usize> {
    if w.allow_oversell {
        return lines.to_vec();
    }
    let mut used: BTreeMap<&SkuCode, i64> = BTreeMap::new();
    let mut served = Vec::new();
    for &i in lines {
        let goods = &group.lines[i].1;
        let fits = goods.iter().all(|(sku, n)| {
            let before = used.get(sku).copied().unwrap_or(0);
            stock.available(&w.code, sku) - before >= i64::from(*n)
        });
        if fits {
            for (sku, n) in goods {
                *used.entry(sku).or_insert(0) += i64::from(*n);
            }
            served.push(i);
        }
    }
    served
}

fn take(
    w: &WarehouseSpec,
    group: &Group<'_>,
    lines: &[usize],
    stock: &mut Drawn<'_>,
) -> PlannedShipment {
    let mut planned = Vec::new();
    for &i in lines {
        let (line, goods) = &group.lines[i];
        for (sku, n) in goods {
            stock.take(&w.code, sku, *n);
        }
        planned.push(PlannedLine {
            line_no: line.line_no,
            quantity: line.quantity,
            goods: goods.clone(),
        });
    }
    PlannedShipment {
        warehouse: w.code.clone(),
        carrier: None,
        lines: planned,
        gifts: Vec::new(),
    }
}

/// What the best candidate lacks for the lines left, e.g. `TEA-LJ-250: 3 wanted, JX01 has 1`.
fn missing(
    group: &Group<'_>,
    lines: &[usize],
    candidates: &[&WarehouseSpec],
    stock: &Drawn<'_>,
) -> String {
    let mut wanted: BTreeMap<&SkuCode, i64> = BTreeMap::new();
    for &i in lines {
        for (sku, n) in &group.lines[i].1 {
            *wanted.entry(sku).or_insert(0) += i64::from(*n);
        }
    }
    let parts: Vec<String> = wanted
        .iter()
        .filter_map(|(sku, n)| {
            let (best, has) = candidates
                .iter()
                .map(|w| (&w.code, stock.available(&w.code, sku)))
                .max_by_key(|(_, has)| *has)?;
            (has < *n).then(|| {
                format!(
                    "{}: {n} wanted, {} has {}",
                    sku.as_str(),
                    best.as_str(),
                    has.max(0)
                )
            })
        })
        .collect();
    match parts.is_empty() {
        true => "no single warehouse has every line and splitting is forbidden".to_owned(),
        false => format!("out of stock: {}", parts.join(", ")),
    }
}

/// The rules' carrier when the warehouse uses it, else the warehouse's default.
fn carrier(
    spec: Option<&WarehouseSpec>,
    asked: Option<&str>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let spec = spec?;
    match asked {
        Some(code) if spec.carriers.is_empty() || spec.carriers.iter().any(|it| it == code) => {
            Some(code.to_owned())
        }
        Some(code) => {
            notes.push(format!(
                "{} does not use carrier {code}; its default is used",
                spec.code.as_str()
            ));
            spec.carriers.first().cloned()
        }
        None => spec.carriers.first().cloned(),
    }
}

/// Gifts go with the first shipment whose warehouse has them; a gift nobody has is left out (noted),
/// never a reason to hold the order.
fn add_gifts(
    gifts: &[(SkuCode, u32)],
    shipments: &mut [PlannedShipment],
    network: &Network,
    stock: &mut Drawn<'_>,
    notes: &mut Vec<String>,
) {
    for (sku, n) in gifts {
        let shipment = shipments.iter_mut().find(|s| {
            network
                .warehouse(&s.warehouse)
                .is_some_and(|w| w.allow_oversell)
                || stock.available(&s.warehouse, sku) >= i64::from(*n)
        });
        match shipment {
            Some(shipment) => {
                stock.take(&shipment.warehouse, sku, *n);
                shipment.gifts.push((sku.clone(), *n));
            }
            None => notes.push(format!("gift {} x{n} left out: out of stock", sku.as_str())),
        }
    }
}
