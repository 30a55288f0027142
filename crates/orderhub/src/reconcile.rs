//! `orderhub reconcile FILE --format F --shop S`: a platform's bill (WeChat Pay, Alipay/Tmall, JD,
//! Douyin, or a format file of the same shape) read by the `reconcile` crate and matched against the
//! shop's orders in the configured store; every mismatch printed as a table or JSON.
//!
//! Our side is composed from existing `Store` methods: `search_orders` pages the shop's orders created
//! up to the period's end (from a margin before its start), `load_orders` loads them, `find_order`
//! finds any other order the bill names, `after_sales` tells returns received and `money_ledger` the
//! refunds we paid (or, without any, the lines the platform marks refunded).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use ::reconcile::{Bill, BillFormat, OurOrder, Period, Report};
use anyhow::Context;
use app::{OrderQuery, Store};
use domain::{AfterSaleStatus, ExternalId, Order, OrderStatus, RefundState, ShopId, Timestamp};
use serde_json::json;

const DAY: i64 = 86_400_000;
/// How long before the period an order may have been created and still be paid within it (presales).
const CREATED_MARGIN: i64 = 60 * DAY;

/// What the user asked, as given on the command line.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) file: &'a Path,
    pub(crate) format: &'a str,
    pub(crate) from: Option<&'a str>,
    pub(crate) to: Option<&'a str>,
}

/// The bill and the period it is reconciled over, or why the input is unusable (exit status 2).
pub(crate) fn read(request: &Request<'_>) -> Result<(BillFormat, Bill, Period), String> {
    let format = match BillFormat::builtin(request.format) {
        Some(format) => format,
        None if request.format.ends_with(".toml") => {
            let text = std::fs::read_to_string(request.format)
                .map_err(|err| format!("reading {}: {err}", request.format))?;
            BillFormat::from_toml(&text).map_err(|err| format!("{}: {err}", request.format))?
        }
        None => {
            let known: Vec<&str> = ::reconcile::BUILTIN.iter().map(|it| it.0).collect();
            return Err(format!(
                "unknown bill format {:?}: use {} or a format file (.toml)",
                request.format,
                known.join(", ")
            ));
        }
    };
    let bytes = std::fs::read(request.file)
        .map_err(|err| format!("reading {}: {err}", request.file.display()))?;
    let bill = ::reconcile::read_bill(&format, &request.file.display().to_string(), &bytes)
        .map_err(|err| err.to_string())?;
    let from = request.from.map(date).transpose()?;
    // `--to` is a day, inclusive.
    let to = request
        .to
        .map(|it| date(it).map(|at| at.plus_millis(DAY)))
        .transpose()?;
    let span = Period::of(&bill.entries);
    let period = match (from, to, span) {
        (Some(from), Some(to), _) => Period { from, to },
        (from, to, Some(span)) => Period {
            from: from.unwrap_or(span.from),
            to: to.unwrap_or(span.to),
        },
        (_, _, None) => return Err("the bill has no entries: give --from and --to".to_owned()),
    };
    if period.from >= period.to {
        return Err("--from must be before --to".to_owned());
    }
    Ok((format, bill, period))
}

/// A day in China time (`2024-06-01`) at its start.
fn date(text: &str) -> Result<Timestamp, String> {
    let local = mapping::TimeFormat::parse("local+08:00")?;
    mapping::parse_time(&format!("{text} 00:00:00"), &local)
        .ok()
        .flatten()
        .ok_or_else(|| format!("{text:?} is not a date like 2024-06-01"))
}

/// The shop by its code, or why not (bad input).
pub(crate) async fn shop(store: &dyn Store, code: &str) -> anyhow::Result<Result<ShopId, String>> {
    let shops = store.shops().await?;
    Ok(match shops.iter().find(|it| it.code == code) {
        Some(shop) => Ok(shop.id),
        None => Err(format!(
            "unknown shop {code:?} (configured: {})",
            shops
                .iter()
                .map(|it| it.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

/// Our side: every order of the shop that may have been paid within `period`, and every order the bill
/// names that we hold.
pub(crate) async fn our_orders(
    store: &dyn Store,
    shop: ShopId,
    period: Period,
    bill: &Bill,
) -> anyhow::Result<Vec<OurOrder>> {
    let mut orders: Vec<Order> = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .search_orders(&OrderQuery {
                shop: Some(shop),
                created_from: Some(period.from.plus_millis(-CREATED_MARGIN)),
                created_to: Some(period.to),
                before,
                limit: 500,
                ..OrderQuery::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        let ids: Vec<_> = page.iter().map(|it| it.id).collect();
        orders.extend(store.load_orders(&ids).await?);
    }
    let held: BTreeSet<String> = orders
        .iter()
        .map(|it| it.data.external_id.as_str().to_owned())
        .collect();
    let named: BTreeSet<&str> = bill
        .entries
        .iter()
        .map(|it| it.external_id.as_str())
        .filter(|it| !it.is_empty() && !held.contains(*it))
        .collect();
    for id in named {
        // An id the platform writes that is not a valid external id is simply not ours.
        let Ok(external) = ExternalId::new(id) else {
            continue;
        };
        if let Some(order) = store.find_order(shop, &external).await? {
            orders.push(order);
        }
    }

    let mut cases: HashMap<_, Vec<_>> = HashMap::new();
    for case in store.after_sales(None, false).await? {
        cases.entry(case.order).or_default().push(case);
    }
    let mut ours = Vec::with_capacity(orders.len());
    for order in orders {
        let mine = cases.get(&order.id).map(Vec::as_slice).unwrap_or_default();
        let ledger_refunds: i64 = match mine.is_empty() {
            true => 0,
            false => store
                .money_ledger(order.id)
                .await
                .with_context(|| format!("the money ledger of order {}", order.id))?
                .iter()
                .filter(|it| it.amount.minor < 0)
                .map(|it| -it.amount.minor)
                .sum(),
        };
        let line_refunds: i64 = order
            .data
            .lines
            .iter()
            .filter(|it| it.refund == RefundState::Refunded)
            .map(|it| it.paid.minor)
            .sum();
        let status = order.lifecycle.status;
        ours.push(OurOrder {
            external_id: order.data.external_id.as_str().to_owned(),
            cancelled: status == OrderStatus::Cancelled,
            paid: order.data.amounts.paid.minor,
            refunded: if ledger_refunds > 0 {
                ledger_refunds
            } else {
                line_refunds
            },
            shipped: matches!(
                status,
                OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Completed
            ),
            return_received: mine.iter().any(|case| {
                case.kind.needs_return()
                    && matches!(
                        case.status,
                        AfterSaleStatus::Received
                            | AfterSaleStatus::Refunded
                            | AfterSaleStatus::Replaced
                    )
            }),
            paid_at: order.data.paid_at,
        });
    }
    Ok(ours)
}

/// The report as JSON: amounts as decimal text in the bill's currency, never floats.
pub(crate) fn to_json(report: &Report, format: &BillFormat) -> serde_json::Value {
    let money = |minor: i64| ::reconcile::decimal(minor, format.currency);
    let mismatches: Vec<_> = report
        .mismatches
        .iter()
        .map(|it| {
            json!({
                "kind": it.kind.as_str(),
                "order": it.external_id,
                "bill": it.bill.as_ref().map(|b| json!({
                    "paid": money(b.paid),
                    "refunded": money(b.refunded),
                    "fees": money(b.fees),
                    "line": b.first_line,
                })),
                "ours": it.ours.as_ref().map(|o| json!({
                    "paid": money(o.paid),
                    "refunded": money(o.refunded),
                    "cancelled": o.cancelled,
                    "shipped": o.shipped,
                    "return_received": o.return_received,
                })),
            })
        })
        .collect();
    json!({
        "format": format.name,
        "currency": format.currency.code(),
        "period": {
            "from": mapping::rfc3339(report.period.from, 480),
            "to": mapping::rfc3339(report.period.to, 480),
        },
        "bill_orders": report.bill_orders,
        "matched": report.matched,
        "unattributed_entries": report.unattributed_entries,
        "mismatches": mismatches,
    })
}
