//! Orders: search by any id, phone tail, name, SKU, status, shop and time; one order's detail with
//! its lines, shipments, after-sales and whole event timeline; the review queue and releasing a held
//! order with a note. A warehouse user sees only orders with a parcel in its warehouses; phones are
//! masked for roles that do not need them.

use app::{OrderQuery, Store};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{
    HoldReason, Order, OrderId, OrderStatus, Permission, Principal, ShopId, SkuCode, Timestamp,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::shipments::ShipmentView;
use crate::api::versions::{etag, expected_version};
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiState, page_limit};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Any id: our order id or the platform's order id.
    pub q: Option<String>,
    /// unpaid, paid, on_hold, released, allocated, in_fulfilment, partially_shipped, shipped,
    /// completed or cancelled.
    pub status: Option<String>,
    /// Our shop id.
    pub shop: Option<i64>,
    /// The last digits of the receiver's phone.
    pub phone_tail: Option<String>,
    /// The receiver's name.
    pub name: Option<String>,
    pub sku: Option<String>,
    /// Platform creation time from (inclusive), Unix milliseconds.
    pub created_from: Option<i64>,
    /// Platform creation time to (exclusive), Unix milliseconds.
    pub created_to: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// At most 200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderRow {
    pub id: i64,
    pub shop: i64,
    pub external_id: String,
    pub status: String,
    pub created_at: String,
    pub receiver_name: String,
    /// Decimal text in the currency's major unit.
    pub paid: String,
    pub currency: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderRow>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

/// Searches orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", params(SearchParams), tag = "orders",
    responses((status = 200, body = OrderPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn search(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Json<OrderPage>> {
    let me = caller.require(Permission::ReadOrders, "read orders")?;
    let limit = page_limit(params.limit)?;
    let status = params
        .status
        .as_deref()
        .map(|text| {
            OrderStatus::parse(text)
                .ok_or_else(|| ApiError::invalid("status", format!("unknown status {text:?}")))
        })
        .transpose()?;
    let sku = params
        .sku
        .as_deref()
        .map(|text| SkuCode::new(text).map_err(|e| ApiError::invalid("sku", e.to_string())))
        .transpose()?;
    if let Some(tail) = &params.phone_tail
        && (tail.len() < 4 || !tail.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::invalid(
            "phone_tail",
            "at least the last 4 digits",
        ));
    }
    // A number may be our id; otherwise any id is the platform's.
    if let Some(q) = params
        .q
        .as_deref()
        .map(str::trim)
        .filter(|it| !it.is_empty())
        && let Ok(id) = q.parse::<i64>()
        && let Ok(order) = state.store.load_order(OrderId(id)).await
    {
        let visible = visible(&state, me, &order).await?;
        let items = match visible {
            true => vec![row(&order)],
            false => Vec::new(),
        };
        return Ok(Json(OrderPage {
            items,
            next_cursor: None,
        }));
    }
    let query = OrderQuery {
        shop: params.shop.map(ShopId),
        status,
        external_id: params
            .q
            .map(|it| it.trim().to_owned())
            .filter(|it| !it.is_empty()),
        phone_tail: params.phone_tail,
        receiver_name: params.name,
        sku,
        created_from: params.created_from.map(Timestamp::from_unix_millis),
        created_to: params.created_to.map(Timestamp::from_unix_millis),
        before: params.cursor.map(OrderId),
        limit,
    };
    let found = state.store.search_orders(&query).await?;
    let next_cursor = match found.len() as u32 == limit {
        true => found.last().map(|it| it.id.0),
        false => None,
    };
    let mut items = Vec::new();
    for summary in found {
        if me.role == domain::Role::Warehouse {
            let order = state.store.load_order(summary.id).await?;
            if !visible(&state, me, &order).await? {
                continue;
            }
        }
        items.push(OrderRow {
            id: summary.id.0,
            shop: summary.shop.0,
            external_id: summary.external_id.as_str().to_owned(),
            status: summary.status.as_str().to_owned(),
            created_at: summary.created_at.to_string(),
            receiver_name: summary.receiver_name,
            paid: decimal(summary.paid_minor),
            currency: summary.currency,
        });
    }
    Ok(Json(OrderPage { items, next_cursor }))
}

/// A warehouse user sees an order only when a parcel of it is in one of its warehouses.
async fn visible(state: &ApiState, me: &Principal, order: &Order) -> ApiResult<bool> {
    if me.role != domain::Role::Warehouse {
        return Ok(true);
    }
    let shipments = state.store.order_shipments(order.id).await?;
    Ok(shipments.iter().any(|it| me.reaches(&it.warehouse)))
}

fn row(order: &Order) -> OrderRow {
    OrderRow {
        id: order.id.0,
        shop: order.data.shop.0,
        external_id: order.data.external_id.as_str().to_owned(),
        status: order.lifecycle.status.as_str().to_owned(),
        created_at: order.data.created_at.to_string(),
        receiver_name: order.data.receiver.name.clone(),
        paid: order.data.amounts.paid.to_string(),
        currency: order.data.currency.code().to_owned(),
    }
}

/// Minor units as decimal text with two places (the currencies we sell in).
pub(crate) fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[derive(Serialize, ToSchema)]
pub struct LineView {
    pub line_no: u32,
    pub sku: Option<String>,
    pub title: String,
    pub quantity: u32,
    pub paid: String,
    pub refund: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiverView {
    pub name: String,
    /// Masked (`138****1234`) for roles that do not need it.
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct AfterSaleView {
    pub id: i64,
    pub external_id: String,
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub refund: String,
    pub replacement: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub subject: String,
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub before: String,
    pub after: String,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderDetail {
    pub id: i64,
    /// Send back as `version` to change the order.
    pub version: u64,
    pub shop: i64,
    pub external_id: String,
    pub status: String,
    pub holds: Vec<String>,
    pub platform_status: String,
    pub created_at: String,
    pub paid_at: Option<String>,
    pub receiver: ReceiverView,
    pub paid: String,
    pub currency: String,
    pub buyer_message: String,
    pub seller_memo: String,
    pub lines: Vec<LineView>,
    pub shipments: Vec<ShipmentView>,
    pub after_sales: Vec<AfterSaleView>,
    /// Every event of the order, oldest first.
    pub timeline: Vec<EventView>,
}

/// One order with everything that happened to it, with its version as the `ETag`.
#[utoipa::path(get, path = "/api/v1/orders/{id}", params(("id" = i64, Path)), tag = "orders",
    responses((status = 200, body = OrderDetail,
            headers(("ETag" = String, description = "The order's version, quoted"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let me = caller.require(Permission::ReadOrders, "read orders")?;
    let detail = visible_detail(&state, me, id).await?;
    Ok((etag(detail.version), Json(detail)).into_response())
}

/// The order as `me` may see it: not found when it is out of a warehouse user's reach.
pub(crate) async fn visible_detail(
    state: &ApiState,
    me: &Principal,
    id: i64,
) -> ApiResult<OrderDetail> {
    let order = state.store.load_order(OrderId(id)).await?;
    if !visible(state, me, &order).await? {
        return Err(ApiError::not_found(format!("order {id}")));
    }
    order_detail(state.store.as_ref(), me, order).await
}

async fn order_detail(store: &dyn Store, me: &Principal, order: Order) -> ApiResult<OrderDetail> {
    let shipments = store
        .order_shipments(order.id)
        .await?
        .into_iter()
        .filter(|it| me.reaches(&it.warehouse))
        .map(ShipmentView::from)
        .collect();
    let after_sales = match me.may(Permission::ReadAfterSales) {
        true => store
            .after_sales(Some(order.id), false)
            .await?
            .into_iter()
            .map(|it| AfterSaleView {
                id: it.id.0,
                external_id: it.external_id.clone(),
                kind: it.kind.as_str().to_owned(),
                status: it.status.as_str().to_owned(),
                reason: it.reason.clone(),
                refund: decimal(it.refund_minor()),
                replacement: it.replacement.map(|id| id.0),
            })
            .collect(),
        false => Vec::new(),
    };
    let timeline = store
        .order_events(order.id)
        .await?
        .into_iter()
        .map(|it| EventView {
            subject: format!("{}:{}", it.subject_kind, it.subject_id),
            kind: it.kind,
            actor: it.actor,
            at: it.at.to_string(),
            before: it.before,
            after: it.after,
            note: it.note,
        })
        .collect();
    let data = &order.data;
    Ok(OrderDetail {
        id: order.id.0,
        version: order.version,
        shop: data.shop.0,
        external_id: data.external_id.as_str().to_owned(),
        status: order.lifecycle.status.as_str().to_owned(),
        holds: order
            .lifecycle
            .holds
            .iter()
            .map(|it| it.as_str().to_owned())
            .collect(),
        platform_status: data.platform_status.clone(),
        created_at: data.created_at.to_string(),
        paid_at: data.paid_at.map(|it| it.to_string()),
        receiver: ReceiverView {
            name: data.receiver.name.clone(),
            phone: me.phone(&data.receiver.phone),
            province: data.receiver.province.clone(),
            city: data.receiver.city.clone(),
            district: data.receiver.district.clone(),
            detail: data.receiver.detail.clone(),
        },
        paid: data.amounts.paid.to_string(),
        currency: data.currency.code().to_owned(),
        buyer_message: data.buyer_message.clone(),
        seller_memo: data.seller_memo.clone(),
        lines: data
            .lines
            .iter()
            .map(|it| LineView {
                line_no: it.line_no,
                sku: it.sku.as_ref().map(|sku| sku.as_str().to_owned()),
                title: it.title.clone(),
                quantity: it.quantity.get(),
                paid: it.paid.to_string(),
                refund: it.refund.as_str().to_owned(),
            })
            .collect(),
        shipments,
        after_sales,
        timeline,
    })
}

/// Orders on hold, oldest first.
#[utoipa::path(get, path = "/api/v1/review", tag = "orders",
    params(("cursor" = Option<i64>, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, body = OrderPage)))]
pub async fn review_queue(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ReviewParams>,
) -> ApiResult<Json<OrderPage>> {
    caller.require(Permission::ReviewOrders, "review orders")?;
    let limit = page_limit(params.limit)?;
    let held = state
        .store
        .search_orders(&OrderQuery {
            status: Some(OrderStatus::OnHold),
            before: params.cursor.map(OrderId),
            limit,
            ..OrderQuery::default()
        })
        .await?;
    let next_cursor = match held.len() as u32 == limit {
        true => held.last().map(|it| it.id.0),
        false => None,
    };
    let ids: Vec<OrderId> = held.iter().map(|it| it.id).collect();
    let orders = state.store.load_orders(&ids).await?;
    Ok(Json(OrderPage {
        items: orders.iter().map(row).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewParams {
    pub cursor: Option<i64>,
    pub limit: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// The version the reviewer saw; a newer one is a conflict.
    pub version: u64,
    /// One hold to waive (e.g. `risk_review`); every hold when left out.
    pub reason: Option<String>,
    /// Why the order may go: kept in its timeline.
    pub note: String,
}

/// Releases a held order with a note.
#[utoipa::path(post, path = "/api/v1/review/{id}/release", tag = "orders",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The order's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    request_body = ReleaseBody,
    responses((status = 200, body = OrderDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn release(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: ApiJson<ReleaseBody>,
) -> ApiResult<(StatusCode, Json<OrderDetail>)> {
    let me = caller.require(Permission::ReviewOrders, "release held orders")?;
    let body = body.0;
    let version = expected_version(&headers, Some(body.version))?;
    if body.note.trim().is_empty() {
        return Err(ApiError::invalid("note", "say why the order may go"));
    }
    let reason = body
        .reason
        .as_deref()
        .map(|text| {
            HoldReason::parse(text)
                .ok_or_else(|| ApiError::invalid("reason", format!("unknown hold {text:?}")))
        })
        .transpose()?;
    let released = state
        .store
        .release_hold(
            OrderId(id),
            version,
            reason,
            body.note.trim(),
            &me.actor(),
            state.clock.now(),
        )
        .await?;
    let detail = order_detail(state.store.as_ref(), me, released).await?;
    Ok((StatusCode::OK, Json(detail)))
}
