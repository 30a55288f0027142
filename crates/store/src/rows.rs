//! Rows as both backends read and write them, and their one conversion to and from domain types.

use std::collections::BTreeSet;

use app::{Error, Reject, Result};
use domain::{
    Buyer, Currency, ExternalId, HoldReason, Lifecycle, Money, Order, OrderAmounts, OrderFlags,
    OrderId, OrderLine, OrderStatus, PlatformState, Quantity, Receiver, RefundState, Shipment,
    ShipmentId, ShipmentLine, ShipmentStatus, ShopId, SkuCode, StandardOrder, Timestamp,
    TrackingNumber, WarehouseCode,
};

pub(crate) fn corrupt(what: &str, value: impl std::fmt::Debug) -> Error {
    Error::Storage(format!("stored {what} {value:?} is not readable"))
}

pub(crate) fn holds_text(holds: &BTreeSet<HoldReason>) -> String {
    holds
        .iter()
        .map(|it| it.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_holds(text: &str) -> Result<BTreeSet<HoldReason>> {
    text.split(',')
        .filter(|it| !it.is_empty())
        .map(|it| HoldReason::parse(it).ok_or_else(|| corrupt("hold reason", it)))
        .collect()
}

/// The lifecycle stored in an order's `status`, `holds` and `exception` columns.
pub(crate) fn lifecycle_from(status: &str, holds: &str, exception: bool) -> Result<Lifecycle> {
    Ok(Lifecycle {
        status: parse_status(status)?,
        holds: parse_holds(holds)?,
        exception,
    })
}

/// A held order from the columns `id, external_id, updated_at, content_hash, status, holds, exception`.
pub(crate) fn held_order(
    id: i64,
    external_id: String,
    updated_at: i64,
    content_hash: i64,
    status: &str,
    holds: &str,
    exception: bool,
) -> Result<crate::tx::HeldOrder> {
    Ok(crate::tx::HeldOrder {
        id,
        external_id,
        // Stored as the same 64 bits, read as signed.
        revision: domain::Revision {
            updated_at: Timestamp::from_unix_millis(updated_at),
            content_hash: content_hash as u64,
        },
        lifecycle: lifecycle_from(status, holds, exception)?,
    })
}

pub(crate) fn parse_status(text: &str) -> Result<OrderStatus> {
    OrderStatus::parse(text).ok_or_else(|| corrupt("order status", text))
}

/// Every column of `orders`, in table order, as plain values.
#[derive(Clone, Debug)]
pub(crate) struct OrderRow {
    pub(crate) id: i64,
    pub(crate) shop_id: i64,
    pub(crate) external_id: String,
    pub(crate) status: String,
    pub(crate) holds: String,
    pub(crate) exception: bool,
    pub(crate) platform_status: String,
    pub(crate) platform_state: String,
    pub(crate) created_at: i64,
    pub(crate) paid_at: Option<i64>,
    pub(crate) updated_at: i64,
    pub(crate) ingested_at: i64,
    pub(crate) content_hash: i64,
    pub(crate) raw_document_id: i64,
    pub(crate) buyer_id: String,
    pub(crate) buyer_nick: String,
    pub(crate) receiver: [String; 10],
    pub(crate) currency: String,
    pub(crate) amounts: [i64; 4],
    pub(crate) buyer_message: String,
    pub(crate) seller_memo: String,
    pub(crate) flags: i64,
    pub(crate) tags: String,
    pub(crate) risk_score: Option<i64>,
    pub(crate) version: i64,
}

/// The column list of `orders` in [`OrderRow`] order, for `select`.
pub(crate) const ORDER_COLUMNS: &str = "id, shop_id, external_id, status, holds, exception, platform_status, \
    platform_state, created_at, paid_at, updated_at, ingested_at, content_hash, raw_document_id, buyer_id, \
    buyer_nick, receiver_name, receiver_phone, receiver_country, province, city, district, town, detail, zip, \
    area_code, currency, goods_minor, discount_minor, shipping_minor, paid_minor, buyer_message, seller_memo, \
    flags, tags, risk_score, version";

/// The columns a platform revision sets (everything but id, lifecycle, version and ingest time).
pub(crate) const ORDER_DATA_COLUMNS: [&str; 29] = [
    "platform_status",
    "platform_state",
    "created_at",
    "paid_at",
    "updated_at",
    "content_hash",
    "raw_document_id",
    "buyer_id",
    "buyer_nick",
    "receiver_name",
    "receiver_phone",
    "receiver_country",
    "province",
    "city",
    "district",
    "town",
    "detail",
    "zip",
    "area_code",
    "currency",
    "goods_minor",
    "discount_minor",
    "shipping_minor",
    "paid_minor",
    "buyer_message",
    "seller_memo",
    "flags",
    "tags",
    "risk_score",
];

/// Every column of `order_lines` but `order_id`, as plain values.
#[derive(Clone, Debug)]
pub(crate) struct LineRow {
    pub(crate) line_no: i64,
    pub(crate) platform_item_id: String,
    pub(crate) platform_sku_id: String,
    pub(crate) seller_sku_code: String,
    pub(crate) sku: Option<String>,
    pub(crate) title: String,
    pub(crate) quantity: i64,
    pub(crate) unit_price_minor: i64,
    pub(crate) discount_minor: i64,
    pub(crate) paid_minor: i64,
    pub(crate) refund_state: String,
    pub(crate) platform_line_id: String,
}

pub(crate) const LINE_COLUMNS: &str = "line_no, platform_item_id, platform_sku_id, seller_sku_code, sku, title, \
    quantity, unit_price_minor, discount_minor, paid_minor, refund_state, platform_line_id";

impl LineRow {
    pub(crate) fn from_line(line: &OrderLine) -> LineRow {
        LineRow {
            line_no: i64::from(line.line_no),
            platform_item_id: line.platform_item_id.clone(),
            platform_sku_id: line.platform_sku_id.clone(),
            seller_sku_code: line.seller_sku_code.clone(),
            sku: line.sku.as_ref().map(|it| it.as_str().to_owned()),
            title: line.title.clone(),
            quantity: i64::from(line.quantity.get()),
            unit_price_minor: line.unit_price.minor,
            discount_minor: line.discount.minor,
            paid_minor: line.paid.minor,
            refund_state: line.refund.as_str().to_owned(),
            platform_line_id: line.platform_line_id.clone(),
        }
    }

    fn into_line(self, currency: Currency) -> Result<OrderLine> {
        let money = |minor| Money::new(minor, currency);
        Ok(OrderLine {
            line_no: u32::try_from(self.line_no)
                .map_err(|_| corrupt("line number", self.line_no))?,
            platform_line_id: self.platform_line_id,
            platform_item_id: self.platform_item_id,
            platform_sku_id: self.platform_sku_id,
            seller_sku_code: self.seller_sku_code,
            sku: self
                .sku
                .map(SkuCode::new)
                .transpose()
                .map_err(|err| corrupt("sku", err))?,
            title: self.title,
            quantity: u32::try_from(self.quantity)
                .ok()
                .and_then(|it| Quantity::new(it).ok())
                .ok_or_else(|| corrupt("quantity", self.quantity))?,
            unit_price: money(self.unit_price_minor),
            discount: money(self.discount_minor),
            paid: money(self.paid_minor),
            refund: RefundState::parse(&self.refund_state)
                .ok_or_else(|| corrupt("refund state", &self.refund_state))?,
        })
    }
}

impl OrderRow {
    /// The row of a new or updated order; `id`, `version` and lifecycle columns are the caller's.
    pub(crate) fn from_standard(
        order: &StandardOrder,
        lifecycle: &Lifecycle,
        content_hash: u64,
        raw_document_id: i64,
        ingested_at: Timestamp,
    ) -> OrderRow {
        let r = &order.receiver;
        OrderRow {
            id: 0,
            shop_id: order.shop.0,
            external_id: order.external_id.as_str().to_owned(),
            status: lifecycle.status.as_str().to_owned(),
            holds: holds_text(&lifecycle.holds),
            exception: lifecycle.exception,
            platform_status: order.platform_status.clone(),
            platform_state: order.platform_state.as_str().to_owned(),
            created_at: order.created_at.unix_millis(),
            paid_at: order.paid_at.map(Timestamp::unix_millis),
            updated_at: order.updated_at.unix_millis(),
            ingested_at: ingested_at.unix_millis(),
            // Stored as the same 64 bits, read as signed.
            content_hash: content_hash as i64,
            raw_document_id,
            buyer_id: order.buyer.platform_id.clone(),
            buyer_nick: order.buyer.nickname.clone(),
            receiver: [
                r.name.clone(),
                r.phone.clone(),
                r.country.clone(),
                r.province.clone(),
                r.city.clone(),
                r.district.clone(),
                r.town.clone(),
                r.detail.clone(),
                r.zip.clone(),
                r.area_code.clone(),
            ],
            currency: order.currency.code().to_owned(),
            amounts: [
                order.amounts.goods.minor,
                order.amounts.discount.minor,
                order.amounts.shipping.minor,
                order.amounts.paid.minor,
            ],
            buyer_message: order.buyer_message.clone(),
            seller_memo: order.seller_memo.clone(),
            flags: i64::from(order.flags.bits()),
            tags: order.tags.join(","),
            risk_score: order.risk_score.map(i64::from),
            version: 1,
        }
    }

    pub(crate) fn lifecycle(&self) -> Result<Lifecycle> {
        lifecycle_from(&self.status, &self.holds, self.exception)
    }

    pub(crate) fn into_order(self, lines: Vec<LineRow>) -> Result<Order> {
        let lifecycle = self.lifecycle()?;
        let currency =
            Currency::new(&self.currency).map_err(|_| corrupt("currency", &self.currency))?;
        let money = |minor| Money::new(minor, currency);
        let [
            name,
            phone,
            country,
            province,
            city,
            district,
            town,
            detail,
            zip,
            area_code,
        ] = self.receiver;
        let lines = lines
            .into_iter()
            .map(|it| it.into_line(currency))
            .collect::<Result<Vec<_>>>()?;
        let data = StandardOrder {
            shop: ShopId(self.shop_id),
            external_id: ExternalId::new(self.external_id)
                .map_err(|err| corrupt("external id", err))?,
            platform_status: self.platform_status,
            platform_state: PlatformState::parse(&self.platform_state)
                .ok_or_else(|| corrupt("platform state", &self.platform_state))?,
            created_at: Timestamp::from_unix_millis(self.created_at),
            paid_at: self.paid_at.map(Timestamp::from_unix_millis),
            updated_at: Timestamp::from_unix_millis(self.updated_at),
            buyer: Buyer {
                platform_id: self.buyer_id,
                nickname: self.buyer_nick,
            },
            receiver: Receiver {
                name,
                phone,
                country,
                province,
                city,
                district,
                town,
                detail,
                zip,
                area_code,
            },
            currency,
            amounts: OrderAmounts {
                goods: money(self.amounts[0]),
                discount: money(self.amounts[1]),
                shipping: money(self.amounts[2]),
                paid: money(self.amounts[3]),
            },
            buyer_message: self.buyer_message,
            seller_memo: self.seller_memo,
            flags: OrderFlags::from_bits(
                u8::try_from(self.flags).map_err(|_| corrupt("flags", self.flags))?,
            ),
            tags: self
                .tags
                .split(',')
                .filter(|it| !it.is_empty())
                .map(str::to_owned)
                .collect(),
            risk_score: self
                .risk_score
                .map(|it| u8::try_from(it).map_err(|_| corrupt("risk score", it)))
                .transpose()?,
            lines,
        };
        Ok(Order {
            id: OrderId(self.id),
            version: u64::try_from(self.version).map_err(|_| corrupt("version", self.version))?,
            lifecycle,
            ingested_at: Timestamp::from_unix_millis(self.ingested_at),
            data,
        })
    }
}

/// Every column of `shipments`, as plain values.
#[derive(Clone, Debug)]
pub(crate) struct ShipmentRow {
    pub(crate) id: i64,
    pub(crate) warehouse: String,
    pub(crate) carrier: Option<String>,
    pub(crate) status: String,
    pub(crate) holder: Option<String>,
    pub(crate) lease_until: Option<i64>,
    pub(crate) tracking_no: Option<String>,
    pub(crate) version: i64,
    pub(crate) created_at: i64,
}

pub(crate) const SHIPMENT_COLUMNS: &str =
    "id, warehouse, carrier, status, holder, lease_until, tracking_no, version, created_at";

impl ShipmentRow {
    pub(crate) fn into_shipment(self, lines: Vec<(i64, i64, i64)>) -> Result<Shipment> {
        let lines = lines
            .into_iter()
            .map(|(order, line_no, quantity)| {
                Ok(ShipmentLine {
                    order: OrderId(order),
                    line_no: u32::try_from(line_no).map_err(|_| corrupt("line number", line_no))?,
                    quantity: u32::try_from(quantity)
                        .ok()
                        .and_then(|it| Quantity::new(it).ok())
                        .ok_or_else(|| corrupt("quantity", quantity))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Shipment {
            id: ShipmentId(self.id),
            warehouse: WarehouseCode::new(self.warehouse)
                .map_err(|err| corrupt("warehouse", err))?,
            carrier: self.carrier,
            status: ShipmentStatus::parse(&self.status)
                .ok_or_else(|| corrupt("shipment status", &self.status))?,
            holder: self.holder,
            lease_until: self.lease_until.map(Timestamp::from_unix_millis),
            tracking: self
                .tracking_no
                .map(|it| TrackingNumber::parse(&it).ok_or_else(|| corrupt("tracking number", it)))
                .transpose()?,
            lines,
            version: u64::try_from(self.version).map_err(|_| corrupt("version", self.version))?,
            created_at: Timestamp::from_unix_millis(self.created_at),
        })
    }
}

/// The columns of `rejects` a [`Reject`] shows, in [`RejectRow`] order, for `select`.
pub(crate) const REJECT_COLUMNS: &str = "id, shop_id, source, external_ref, format, raw, field, reason, \
    first_seen, last_seen, attempts, resolved_at";

/// A row of `rejects` (without its content hash), as plain values.
#[derive(Clone, Debug)]
pub(crate) struct RejectRow {
    pub(crate) id: i64,
    pub(crate) shop_id: i64,
    pub(crate) source: String,
    pub(crate) external_ref: String,
    pub(crate) format: String,
    pub(crate) raw: Vec<u8>,
    pub(crate) field: String,
    pub(crate) reason: String,
    pub(crate) first_seen: i64,
    pub(crate) last_seen: i64,
    pub(crate) attempts: i64,
    pub(crate) resolved_at: Option<i64>,
}

impl RejectRow {
    pub(crate) fn into_reject(self) -> Result<Reject> {
        Ok(Reject {
            id: self.id,
            shop: ShopId(self.shop_id),
            source: self.source,
            external_ref: self.external_ref,
            format: self.format,
            raw: self.raw,
            field: self.field,
            reason: self.reason,
            first_seen: Timestamp::from_unix_millis(self.first_seen),
            last_seen: Timestamp::from_unix_millis(self.last_seen),
            attempts: u32::try_from(self.attempts)
                .map_err(|_| corrupt("attempts", self.attempts))?,
            resolved_at: self.resolved_at.map(Timestamp::from_unix_millis),
        })
    }
}

/// Why a reject could not be resolved: there is none with this id, or it was resolved before.
pub(crate) fn unresolvable_reject(id: i64, exists: bool) -> Error {
    if exists {
        Error::Conflict(format!("reject {id} is already resolved"))
    } else {
        Error::NotFound(format!("reject {id}"))
    }
}

/// A shop SKU key as its two stored columns, `key_kind` and `key`.
pub(crate) fn sku_key_parts(key: &domain::ShopSkuKey) -> (&'static str, &str) {
    match key {
        domain::ShopSkuKey::PlatformSkuId(it) => ("platform_sku_id", it),
        domain::ShopSkuKey::SellerCode(it) => ("seller_code", it),
    }
}

pub(crate) fn sku_key_from_parts(kind: &str, key: String) -> Result<domain::ShopSkuKey> {
    match kind {
        "platform_sku_id" => Ok(domain::ShopSkuKey::PlatformSkuId(key)),
        "seller_code" => Ok(domain::ShopSkuKey::SellerCode(key)),
        other => Err(corrupt("sku key kind", other)),
    }
}

/// Builds the SKU map from `(code)` rows, `(combo, component, quantity)` rows and
/// `(shop, kind, key, sku)` rows.
pub(crate) fn build_sku_map(
    skus: Vec<String>,
    components: Vec<(String, String, i64)>,
    keys: Vec<(i64, String, String, String)>,
) -> Result<domain::SkuMap> {
    let sku = |code: String| SkuCode::new(code).map_err(|err| corrupt("sku", err));
    let mut by_combo: std::collections::HashMap<String, Vec<domain::Component>> =
        std::collections::HashMap::new();
    for (combo, component, quantity) in components {
        let quantity = u32::try_from(quantity)
            .ok()
            .and_then(|it| Quantity::new(it).ok())
            .ok_or_else(|| corrupt("component quantity", quantity))?;
        by_combo.entry(combo).or_default().push(domain::Component {
            sku: sku(component)?,
            quantity,
        });
    }
    let mut map = domain::SkuMap::default();
    for code in skus {
        let components = by_combo.remove(&code).unwrap_or_default();
        map.add_sku(sku(code)?, components);
    }
    for (shop, kind, key, code) in keys {
        map.map(ShopId(shop), sku_key_from_parts(&kind, key)?, sku(code)?);
    }
    Ok(map)
}

/// The unknown-SKU query's row as the port's type: `(shop, kind, key, title, orders)`.
pub(crate) fn unknown_sku(row: (i64, String, String, String, i64)) -> Result<app::UnknownSku> {
    let (shop, kind, key, title, orders) = row;
    Ok(app::UnknownSku {
        shop: ShopId(shop),
        key: sku_key_from_parts(&kind, key)?,
        title,
        orders: orders as u64,
    })
}

/// Lines without a SKU in open orders, keyed by the seller code when there is one, else the platform
/// SKU id. The same text for both backends.
pub(crate) const UNKNOWN_SKUS: &str = "select o.shop_id, \
    case when l.seller_sku_code <> '' then 'seller_code' else 'platform_sku_id' end as kind, \
    case when l.seller_sku_code <> '' then l.seller_sku_code else l.platform_sku_id end as key, \
    min(l.title), count(distinct o.id) \
    from order_lines l join orders o on o.id = l.order_id \
    where l.sku is null and o.status not in ('shipped', 'completed', 'cancelled') \
    group by 1, 2, 3 order by 5 desc, 1, 3";

/// Waived hold reasons as stored: comma-separated codes.
pub(crate) fn waived_text(reasons: &[domain::HoldReason]) -> String {
    reasons
        .iter()
        .map(|it| it.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A decision row's columns after its id, order id and time, read back.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decision_record(
    rule_set: i64,
    local_minute: i64,
    weekday: i64,
    waived: &str,
    full: &str,
    stock: String,
    outcome: String,
    explanation: String,
) -> Result<app::DecisionRecord> {
    let bad = |what: &str| Error::Storage(format!("decision {what}"));
    let waived = waived
        .split(',')
        .filter(|it| !it.is_empty())
        .map(|it| domain::HoldReason::parse(it).ok_or_else(|| bad(&format!("hold reason {it:?}"))))
        .collect::<Result<Vec<_>>>()?;
    let full = full
        .split(',')
        .filter(|it| !it.is_empty())
        .map(|it| domain::WarehouseCode::new(it).map_err(|_| bad(&format!("warehouse {it:?}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(app::DecisionRecord {
        rule_set: u32::try_from(rule_set).map_err(|_| bad("rule set"))?,
        local_time: domain::routing::LocalTime {
            minute_of_day: u16::try_from(local_minute).map_err(|_| bad("local minute"))?,
            weekday: u8::try_from(weekday).map_err(|_| bad("weekday"))?,
        },
        waived,
        full,
        stock,
        outcome,
        explanation,
    })
}

/// Warehouse codes as stored: comma-separated.
pub(crate) fn codes_text(codes: &[domain::WarehouseCode]) -> String {
    codes
        .iter()
        .map(|it| it.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Shipment counts per warehouse as stored.
pub(crate) fn loads(rows: Vec<(String, i64)>) -> Result<Vec<(domain::WarehouseCode, u64)>> {
    rows.into_iter()
        .map(|(w, n)| {
            Ok((
                domain::WarehouseCode::new(&w).map_err(|e| Error::Storage(e.to_string()))?,
                u64::try_from(n).map_err(|_| Error::Storage(format!("count {n}")))?,
            ))
        })
        .collect()
}

/// SKUs as stored (code, name, category, weight, bonded, presale) with their components (combo,
/// component, quantity): the catalogue.
pub(crate) fn catalog(
    skus: Vec<(String, String, String, i64, bool, bool)>,
    components: Vec<(String, String, i64)>,
) -> Result<Vec<app::SkuDefinition>> {
    let bad = |what: String| Error::Storage(what);
    let mut out = Vec::with_capacity(skus.len());
    for (code, name, category, weight, bonded, presale) in skus {
        let mut parts = Vec::new();
        for (_, component, quantity) in components.iter().filter(|(combo, _, _)| *combo == code) {
            parts.push(domain::Component {
                sku: domain::SkuCode::new(component).map_err(|e| bad(e.to_string()))?,
                quantity: u32::try_from(*quantity)
                    .ok()
                    .and_then(|n| domain::Quantity::new(n).ok())
                    .ok_or_else(|| bad(format!("component quantity {quantity}")))?,
            });
        }
        out.push(app::SkuDefinition {
            code: domain::SkuCode::new(&code).map_err(|e| bad(e.to_string()))?,
            name,
            components: parts,
            category,
            weight_grams: u32::try_from(weight).map_err(|_| bad(format!("weight {weight}")))?,
            bonded,
            presale,
        });
    }
    Ok(out)
}

/// Stock rows as stored, with their codes checked.
pub(crate) fn stock_rows(
    rows: Vec<(String, String, domain::StockLevel)>,
) -> Result<Vec<(domain::WarehouseCode, domain::SkuCode, domain::StockLevel)>> {
    rows.into_iter()
        .map(|(w, s, level)| {
            Ok((
                domain::WarehouseCode::new(&w).map_err(|e| Error::Storage(e.to_string()))?,
                domain::SkuCode::new(&s).map_err(|e| Error::Storage(e.to_string()))?,
                level,
            ))
        })
        .collect()
}

/// A `shop_sync` row read back.
pub(crate) fn sync_status(row: (i64, String, bool, String, i64)) -> Result<app::SyncStatus> {
    let (shop, stream, ok, last_error, at) = row;
    Ok(app::SyncStatus {
        shop: domain::ShopId(shop),
        stream: app::Stream::parse(&stream)
            .ok_or_else(|| Error::Storage(format!("sync stream {stream:?}")))?,
        ok,
        last_error,
        at: Timestamp::from_unix_millis(at),
    })
}

/// An `after_sales` row.
#[derive(Clone, Debug)]
pub(crate) struct AfterSaleRow {
    pub(crate) id: i64,
    pub(crate) order_id: i64,
    pub(crate) external_id: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) reason: String,
    pub(crate) refund_minor: i64,
    pub(crate) currency: String,
    pub(crate) replacement_order_id: Option<i64>,
    pub(crate) version: i64,
}

pub(crate) const AFTER_SALE_COLUMNS: &str = "id, order_id, external_id, kind, status, reason, refund_minor, currency, replacement_order_id, version";

impl AfterSaleRow {
    /// The case with its `(line_no, quantity, refund_minor)` lines.
    pub(crate) fn into_after_sale(self, lines: Vec<(i64, i64, i64)>) -> Result<domain::AfterSale> {
        let currency =
            Currency::new(&self.currency).map_err(|_| corrupt("currency", &self.currency))?;
        let lines = lines
            .into_iter()
            .map(|(line_no, quantity, refund)| {
                crate::fulfil::after_sale_line(line_no, quantity, refund, &currency)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(domain::AfterSale {
            id: domain::AfterSaleId(self.id),
            order: domain::OrderId(self.order_id),
            external_id: self.external_id,
            kind: domain::AfterSaleKind::parse(&self.kind)
                .ok_or_else(|| corrupt("after-sale kind", &self.kind))?,
            status: domain::AfterSaleStatus::parse(&self.status)
                .ok_or_else(|| corrupt("after-sale status", &self.status))?,
            reason: self.reason,
            lines,
            replacement: self.replacement_order_id.map(domain::OrderId),
            version: self.version as u64,
        })
    }
}

/// A `users` row: id, login, name, role, warehouses, password hash, disabled.
pub(crate) fn user_from(
    id: i64,
    login: String,
    name: String,
    role: &str,
    warehouses: &str,
    password_hash: String,
    disabled: bool,
) -> Result<app::User> {
    let role = domain::Role::parse(role)
        .ok_or_else(|| Error::Storage(format!("user {login} has an unknown role {role:?}")))?;
    let warehouses = warehouses
        .split(',')
        .filter(|it| !it.is_empty())
        .map(|it| {
            WarehouseCode::new(it)
                .map_err(|e| Error::Storage(format!("user {login}: warehouse {it:?}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(app::User {
        id,
        login,
        name,
        role,
        warehouses,
        password_hash,
        disabled,
    })
}

pub(crate) fn warehouses_text(warehouses: &[WarehouseCode]) -> String {
    warehouses
        .iter()
        .map(|it| it.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// An `api_tokens` row: id, user, name, scopes, created, revoked.
pub(crate) fn token_from(
    id: i64,
    user: i64,
    name: String,
    scopes: &str,
    created_at: i64,
    revoked_at: Option<i64>,
) -> Result<app::ApiToken> {
    let scopes = scopes
        .split(' ')
        .filter(|it| !it.is_empty())
        .map(|it| {
            domain::Permission::parse(it)
                .ok_or_else(|| Error::Storage(format!("token {id} has an unknown scope {it:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(app::ApiToken {
        id,
        user,
        name,
        scopes,
        created_at: Timestamp::from_unix_millis(created_at),
        revoked_at: revoked_at.map(Timestamp::from_unix_millis),
    })
}

pub(crate) fn scopes_text(scopes: &[domain::Permission]) -> String {
    scopes
        .iter()
        .map(|it| it.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value bound to a search placeholder.
#[derive(Clone, Debug)]
pub(crate) enum SearchValue {
    Int(i64),
    Text(String),
}

/// The order search as SQL holding only the conditions asked for, so that each can use its index
/// (a catch-all `(? is null or …)` makes the planner scan): the text with `{}` for each
/// placeholder in turn, and the values in that order. `postgres` picks the dialect's tail
/// expression (the one its expression index is built on).
pub(crate) fn search_sql(q: &app::OrderQuery, postgres: bool) -> (String, Vec<SearchValue>) {
    use SearchValue::{Int, Text};
    let mut conditions: Vec<&str> = Vec::new();
    let mut values = Vec::new();
    if let Some(shop) = q.shop {
        conditions.push("o.shop_id = {}");
        values.push(Int(shop.0));
    }
    if let Some(status) = q.status {
        conditions.push("o.status = {}");
        values.push(Text(status.as_str().to_owned()));
    }
    if let Some(external) = &q.external_id {
        // Without a shop, probe the (shop, external id) index once per shop.
        if q.shop.is_none() {
            conditions.push("o.shop_id in (select id from shops)");
        }
        conditions.push("o.external_id = {}");
        values.push(Text(external.clone()));
    }
    if let Some(tail) = &q.phone_tail {
        let last4: String = {
            let chars: Vec<char> = tail.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        };
        conditions.push(match postgres {
            true => "right(o.receiver_phone, 4) = {}",
            false => "substr(o.receiver_phone, -4) = {}",
        });
        values.push(Text(last4));
        conditions.push("o.receiver_phone like {}");
        values.push(Text(format!("%{tail}")));
    }
    if let Some(name) = &q.receiver_name {
        conditions.push("o.receiver_name = {}");
        values.push(Text(name.clone()));
    }
    if let Some(sku) = &q.sku {
        conditions
            .push("exists (select 1 from order_lines l where l.order_id = o.id and l.sku = {})");
        values.push(Text(sku.as_str().to_owned()));
    }
    if let Some(from) = q.created_from {
        conditions.push("o.created_at >= {}");
        values.push(Int(from.unix_millis()));
    }
    if let Some(to) = q.created_to {
        conditions.push("o.created_at < {}");
        values.push(Int(to.unix_millis()));
    }
    if let Some(before) = q.before {
        conditions.push("o.id < {}");
        values.push(Int(before.0));
    }
    let mut sql =
        "select o.id, o.shop_id, o.external_id, o.status, o.created_at, o.receiver_name, \
                   o.paid_minor, o.currency from orders o"
            .to_owned();
    if !conditions.is_empty() {
        sql.push_str(" where ");
        sql.push_str(&conditions.join(" and "));
    }
    sql.push_str(" order by o.id desc limit {}");
    values.push(Int(i64::from(q.limit.clamp(1, 1000))));
    // Number the placeholders in the dialect's way.
    let mut numbered = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut rest = sql.as_str();
    while let Some(at) = rest.find("{}") {
        n += 1;
        numbered.push_str(&rest[..at]);
        numbered.push_str(&match postgres {
            true => format!("${n}"),
            false => format!("?{n}"),
        });
        rest = &rest[at + 2..];
    }
    numbered.push_str(rest);
    (numbered, values)
}

/// A warehouse row: code, name, kind, area code, oversell allowed.
pub(crate) fn warehouse(row: (String, String, String, String, bool)) -> Result<domain::Warehouse> {
    let (code, name, kind, area_code, allow_oversell) = row;
    Ok(domain::Warehouse {
        code: WarehouseCode::new(&code).map_err(|_| corrupt("warehouse code", &code))?,
        name,
        kind: domain::WarehouseKind::parse(&kind)
            .ok_or_else(|| corrupt("warehouse kind", &kind))?,
        area_code,
        allow_oversell,
    })
}
