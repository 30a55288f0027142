//! The routing pass: every paid order (and every order waiting only for stock) gets a decision from
//! `domain::routing`, in pages. Each page is decided against one stock snapshot that the page's own
//! decisions draw down, merged where buyers match, and written through `Store::apply_routing` in one
//! transaction: events, decision records (with the stock each decision saw), reservations and
//! shipments. `replay` re-decides recorded decisions with another rule set and reports what changes,
//! touching nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use domain::routing::{
    Catalog, Decision, LocalTime, MergeKeys, Network, Outcome, RoutedOrder, RoutingInput, RuleSet,
    SkuInfo, StockSnapshot, decide, merge, merge_key,
};
use domain::{
    Actor, ChannelKind, HoldReason, Order, OrderEvent, OrderId, OrderStatus, Quantity,
    ShipmentLine, ShopId, SkuCode, Timestamp, WarehouseCode,
};

use crate::error::{Error, Result};
use crate::store::{
    DecisionRecord, NewShipment, OrderQuery, RoutedDecision, RoutingBatch, SkuDefinition,
    StockRequest, Store,
};

/// Everything a routing pass decides with besides the orders and the stock.
#[derive(Clone, Debug)]
pub struct Router {
    pub rules: RuleSet,
    pub network: Network,
    pub catalog: Catalog,
    /// Shop code and channel by shop id, for shop and channel conditions.
    pub shops: HashMap<ShopId, (String, ChannelKind)>,
    pub merge_keys: MergeKeys,
    /// The seller's time zone, minutes east of UTC.
    pub utc_offset_minutes: i32,
}

/// Routing's catalogue from the store's SKU definitions.
pub fn catalog_of(skus: &[SkuDefinition]) -> Catalog {
    let mut catalog = Catalog::default();
    for sku in skus {
        catalog.skus.insert(
            sku.code.clone(),
            SkuInfo {
                category: sku.category.clone(),
                weight_grams: sku.weight_grams,
                bonded: sku.bonded,
                presale: sku.presale,
                components: sku.components.clone(),
            },
        );
    }
    catalog
}

/// What a routing pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteReport {
    pub decided: u32,
    pub allocated: u32,
    pub held: u32,
    /// Shipments created or joined.
    pub shipments: u32,
    /// Orders decided per destination (`JX01`, `BS01+JX01`, `review:out_of_stock` …).
    pub by_destination: BTreeMap<String, u32>,
    /// Orders that changed while being decided; the next pass takes them again.
    pub conflicts: u32,
}

/// Decides and writes every order waiting for routing, `page` orders per transaction.
pub async fn route_pending(
    store: &dyn Store,
    router: &Router,
    actor: &Actor,
    at: Timestamp,
    page: u32,
) -> Result<RouteReport> {
    let mut report = RouteReport::default();
    let mut stock = snapshot(store).await?;
    let today = LocalTime::day_start(at.unix_millis(), router.utc_offset_minutes);
    let mut load: HashMap<WarehouseCode, u64> = store
        .shipments_since(Timestamp::from_unix_millis(today))
        .await?
        .into_iter()
        .collect();
    for status in [
        OrderStatus::Paid,
        OrderStatus::Released,
        OrderStatus::OnHold,
    ] {
        let mut before = None;
        loop {
            let found = store
                .search_orders(&OrderQuery {
                    status: Some(status),
                    before,
                    limit: page,
                    ..OrderQuery::default()
                })
                .await?;
            let Some(last) = found.last() else { break };
            before = Some(last.id);
            let mut ids: Vec<OrderId> = found.iter().map(|it| it.id).collect();
            ids.reverse();
            let orders = store.load_orders(&ids).await?;
            let orders: Vec<Order> = orders.into_iter().filter(waits_for_routing).collect();
            if orders.is_empty() {
                continue;
            }
            let mut waived = HashMap::new();
            for order in orders
                .iter()
                .filter(|it| it.lifecycle.status == OrderStatus::Released)
            {
                waived.insert(order.id, waived_holds(store, order.id).await?);
            }
            let planned = plan_page(router, &orders, &waived, &mut stock, &mut load, actor, at);
            match store.apply_routing(&planned.batch).await {
                Ok(shipments) => {
                    report.shipments += shipments.len() as u32;
                    report.add(&planned);
                }
                Err(Error::Conflict(_) | Error::Stock(_) | Error::Order(_)) => {
                    // Something moved under the page (a platform update, stock taken elsewhere):
                    // take a fresh snapshot; the orders are decided again by the next pass.
                    report.conflicts += planned.batch.decisions.len() as u32;
                    stock = snapshot(store).await?;
                }
                Err(err) => return Err(err),
            }
        }
    }
    Ok(report)
}

/// Paid and released orders wait for routing, and held ones whose only hold is stock.
fn waits_for_routing(order: &Order) -> bool {
    match order.lifecycle.status {
        OrderStatus::Paid | OrderStatus::Released => true,
        OrderStatus::OnHold => {
            order.lifecycle.holds.len() == 1
                && order.lifecycle.holds.contains(&HoldReason::OutOfStock)
        }
        OrderStatus::Unpaid
        | OrderStatus::Allocated
        | OrderStatus::InFulfilment
        | OrderStatus::PartiallyShipped
        | OrderStatus::Shipped
        | OrderStatus::Completed
        | OrderStatus::Cancelled => false,
    }
}

/// The hold reasons a person released for this order: rules do not hold it for them again.
async fn waived_holds(store: &dyn Store, id: OrderId) -> Result<BTreeSet<HoldReason>> {
    let mut held = BTreeSet::new();
    let mut waived = BTreeSet::new();
    for event in store.order_events(id).await? {
        let person = event.actor.starts_with("user:");
        if let Some(reason) = event.kind.strip_prefix("hold:").and_then(HoldReason::parse) {
            held.insert(reason);
        } else if let Some(reason) = event.kind.strip_prefix("release:") {
            if let (Some(reason), true) = (HoldReason::parse(reason), person) {
                waived.insert(reason);
            }
        } else if event.kind == "release" && person {
            waived.extend(held.iter().copied());
        }
    }
    Ok(waived)
}

/// Available units per warehouse and SKU (routing lets warehouses that may oversell ship anyway).
async fn snapshot(store: &dyn Store) -> Result<StockSnapshot> {
    let mut stock = StockSnapshot::default();
    for (warehouse, sku, level) in store.stock_levels().await? {
        stock.set(warehouse, sku, level.available());
    }
    Ok(stock)
}

/// One page decided: the writes, and the counts for the report.
struct PlannedPage {
    batch: RoutingBatch,
    destinations: Vec<String>,
    allocated: u32,
    held: u32,
}

impl RouteReport {
    fn add(&mut self, page: &PlannedPage) {
        self.decided += page.destinations.len() as u32;
        self.allocated += page.allocated;
        self.held += page.held;
        for destination in &page.destinations {
            *self.by_destination.entry(destination.clone()).or_insert(0) += 1;
        }
    }
}

/// The facts of one order's decision that the order itself does not hold.
fn input_for<'a>(
    router: &'a Router,
    order: &'a Order,
    waived: &'a BTreeSet<HoldReason>,
    full: &'a BTreeSet<WarehouseCode>,
    time: LocalTime,
) -> RoutingInput<'a> {
    let (shop_code, channel) = router
        .shops
        .get(&order.data.shop)
        .map_or(("", ChannelKind::Csv), |(code, channel)| {
            (code.as_str(), *channel)
        });
    RoutingInput {
        order: &order.data,
        shop_code,
        channel,
        waived,
        full,
        time,
    }
}

/// The warehouses whose planned shipments today reached their daily capacity.
fn full_warehouses(
    network: &Network,
    load: &HashMap<WarehouseCode, u64>,
) -> BTreeSet<WarehouseCode> {
    network
        .warehouses
        .iter()
        .filter(|w| {
            w.daily_capacity
                .is_some_and(|cap| load.get(&w.code).copied().unwrap_or(0) >= u64::from(cap))
        })
        .map(|w| w.code.clone())
        .collect()
}

fn plan_page(
    router: &Router,
    orders: &[Order],
    waived: &HashMap<OrderId, BTreeSet<HoldReason>>,
    stock: &mut StockSnapshot,
    load: &mut HashMap<WarehouseCode, u64>,
    actor: &Actor,
    at: Timestamp,
) -> PlannedPage {
    let time = LocalTime::at(at.unix_millis(), router.utc_offset_minutes);
    let none = BTreeSet::new();
    let gifts: BTreeSet<SkuCode> = router
        .rules
        .rules
        .iter()
        .flat_map(|rule| &rule.then)
        .filter_map(|action| {
            if let domain::routing::Action::Gift { sku, .. } = action {
                Some(sku.clone())
            } else {
                None
            }
        })
        .collect();
    let mut decided: Vec<(&Order, Decision, String)> = Vec::with_capacity(orders.len());
    let mut page = PlannedPage {
        batch: RoutingBatch {
            decisions: Vec::new(),
            reservations: Vec::new(),
            shipments: Vec::new(),
            actor: actor.clone(),
            at,
        },
        destinations: Vec::new(),
        allocated: 0,
        held: 0,
    };
    for order in orders {
        let waived = waived.get(&order.id).unwrap_or(&none);
        let full = full_warehouses(&router.network, load);
        let input = input_for(router, order, waived, &full, time);
        let seen = stock.encode_only(&skus_of(order, &router.catalog, &gifts));
        let decision = decide(
            &input,
            &router.rules,
            &router.network,
            &router.catalog,
            stock,
        );
        let mut events = Vec::new();
        let on_hold_for_stock = order.lifecycle.status == OrderStatus::OnHold;
        match &decision.outcome {
            Outcome::Ship(shipments) => {
                if on_hold_for_stock {
                    events.push(OrderEvent::Release(Some(HoldReason::OutOfStock)));
                }
                events.push(OrderEvent::Allocate);
                for shipment in shipments {
                    *load.entry(shipment.warehouse.clone()).or_insert(0) += 1;
                    let goods = shipment.lines.iter().flat_map(|line| {
                        line.goods
                            .iter()
                            .map(move |(sku, n)| (line.line_no, sku, *n))
                    });
                    let gifts = shipment.gifts.iter().map(|(sku, n)| (0, sku, *n));
                    for (line_no, sku, n) in goods.chain(gifts) {
                        stock.take(&shipment.warehouse, sku, n);
                        if let Ok(quantity) = Quantity::new(n) {
                            page.batch.reservations.push((
                                order.id,
                                StockRequest {
                                    line_no,
                                    warehouse: shipment.warehouse.clone(),
                                    sku: sku.clone(),
                                    quantity,
                                },
                            ));
                        }
                    }
                }
                page.allocated += 1;
            }
            Outcome::Hold { reasons, .. } => {
                if on_hold_for_stock
                    && reasons.len() == 1
                    && reasons.contains(&HoldReason::OutOfStock)
                {
                    // Still waiting for the same stock: nothing new to record.
                    continue;
                }
                events.extend(
                    reasons
                        .iter()
                        .filter(|it| !order.lifecycle.holds.contains(it))
                        .map(|it| OrderEvent::Hold(*it)),
                );
                page.held += 1;
            }
        }
        page.destinations.push(decision.destination());
        page.batch.decisions.push(RoutedDecision {
            order: order.id,
            expected_version: order.version,
            lifecycle: order.lifecycle.clone(),
            events,
            record: DecisionRecord {
                rule_set: router.rules.version,
                local_time: time,
                waived: waived.iter().copied().collect(),
                full: full.iter().cloned().collect(),
                stock: seen,
                outcome: decision.encode(),
                explanation: decision.explain(&router.rules),
            },
        });
        let key = merge_key(&order.data, router.merge_keys);
        decided.push((order, decision, key));
    }
    let routed: Vec<RoutedOrder<'_>> = decided
        .iter()
        .filter_map(|(order, decision, key)| match &decision.outcome {
            Outcome::Ship(shipments) => Some(RoutedOrder {
                order: order.id,
                merge_key: decision.merge.then_some(key.as_str()),
                shipments,
            }),
            Outcome::Hold { .. } => None,
        })
        .collect();
    for shipment in merge(&routed) {
        page.batch.shipments.push(NewShipment {
            warehouse: shipment.warehouse,
            carrier: shipment.carrier,
            lines: shipment
                .lines
                .iter()
                .map(|(order, line)| ShipmentLine {
                    order: *order,
                    line_no: line.line_no,
                    quantity: line.quantity,
                })
                .collect(),
            merge_key: shipment.merge_key,
        });
    }
    page
}

/// The SKUs an order's decision can depend on: its lines' SKUs, their parts, and the gifts rules add.
fn skus_of(order: &Order, catalog: &Catalog, gifts: &BTreeSet<SkuCode>) -> BTreeSet<SkuCode> {
    let mut skus = gifts.clone();
    for line in &order.data.lines {
        let Some(sku) = &line.sku else { continue };
        for (part, _) in catalog.goods(sku, line.quantity) {
            skus.insert(part);
        }
        skus.insert(sku.clone());
    }
    skus
}

/// One recorded decision whose replay came out different.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedDecision {
    pub order: OrderId,
    pub before: String,
    pub after: String,
}

/// What a rule set would change over recorded decisions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayReport {
    pub replayed: u32,
    /// Orders per destination, as recorded and as replayed.
    pub before: BTreeMap<String, u32>,
    pub after: BTreeMap<String, u32>,
    pub changed: Vec<ChangedDecision>,
}

/// Decides again, with `router`'s rules, the latest decision of every order decided since `since`,
/// each with the stock, local time and waived holds it recorded. Writes nothing.
pub async fn replay(store: &dyn Store, router: &Router, since: Timestamp) -> Result<ReplayReport> {
    let mut report = ReplayReport::default();
    let mut after = None;
    loop {
        let page = store.latest_decisions(since, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.order);
        let ids: Vec<OrderId> = page.iter().map(|it| it.order).collect();
        let orders = store.load_orders(&ids).await?;
        for (stored, order) in page.iter().zip(&orders) {
            let record = &stored.record;
            let stock = StockSnapshot::decode(&record.stock).ok_or_else(|| {
                Error::Storage(format!("decision {}: unreadable stock snapshot", stored.id))
            })?;
            let waived: BTreeSet<HoldReason> = record.waived.iter().copied().collect();
            let full: BTreeSet<WarehouseCode> = record.full.iter().cloned().collect();
            let input = input_for(router, order, &waived, &full, record.local_time);
            let decision = decide(
                &input,
                &router.rules,
                &router.network,
                &router.catalog,
                &stock,
            );
            let now = decision.encode();
            report.replayed += 1;
            *report
                .before
                .entry(destination_of(&record.outcome))
                .or_insert(0) += 1;
            *report.after.entry(decision.destination()).or_insert(0) += 1;
            if now != record.outcome {
                report.changed.push(ChangedDecision {
                    order: order.id,
                    before: record.outcome.clone(),
                    after: now,
                });
            }
        }
    }
    Ok(report)
}

/// The destination of a recorded decision's text (`ship JX01/SF 1x2 | BS01 … ; rules …`).
fn destination_of(outcome: &str) -> String {
    let head = outcome.split(" ; ").next().unwrap_or("");
    if let Some(reasons) = head.strip_prefix("hold ") {
        return format!("review:{reasons}");
    }
    let warehouses: BTreeSet<&str> = head
        .trim_start_matches("ship ")
        .split(" | ")
        .filter_map(|it| it.split([' ', '/']).next())
        .filter(|it| !it.is_empty())
        .collect();
    warehouses.into_iter().collect::<Vec<_>>().join("+")
}
