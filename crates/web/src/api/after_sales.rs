//! After-sales (售后) over the API: the cases of one order or every open case, a case opened by hand
//! (refund only, return and refund, exchange, resend), and working it through approve, reject,
//! receive the return, refund and replace, each at the version the person saw; an order's money
//! ledger for finance. Every effect is written by the store with the caller as the actor.

use app::{AfterSaleAction, NewAfterSale};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::{
    AfterSale, AfterSaleId, AfterSaleKind, AfterSaleLine, Money, OrderId, Permission, Quantity,
    WarehouseCode,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::orders::decimal;
use crate::api::versions::{etag, expected_version};
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiState, page_limit};

#[derive(Serialize, ToSchema)]
pub struct AfterSaleLineView {
    pub line_no: u32,
    pub quantity: u32,
    /// Decimal text in the currency's major unit.
    pub refund: String,
}

#[derive(Serialize, ToSchema)]
pub struct AfterSaleDetail {
    pub id: i64,
    pub order: i64,
    /// The platform's refund id; empty when opened by hand.
    pub external_id: String,
    /// refund_only, return_and_refund, exchange or resend.
    pub kind: String,
    /// requested, approved, received, refunded, replaced or rejected.
    pub status: String,
    pub reason: String,
    /// What the case pays back, decimal text.
    pub refund: String,
    pub lines: Vec<AfterSaleLineView>,
    /// The order made to ship an exchange or a resend.
    pub replacement: Option<i64>,
    /// Send back as `version` (or `If-Match`) to work the case.
    pub version: u64,
}

impl From<AfterSale> for AfterSaleDetail {
    fn from(case: AfterSale) -> AfterSaleDetail {
        AfterSaleDetail {
            id: case.id.0,
            order: case.order.0,
            refund: decimal(case.refund_minor()),
            external_id: case.external_id,
            kind: case.kind.as_str().to_owned(),
            status: case.status.as_str().to_owned(),
            reason: case.reason,
            lines: case
                .lines
                .iter()
                .map(|it| AfterSaleLineView {
                    line_no: it.line_no,
                    quantity: it.quantity.get(),
                    refund: decimal(it.refund.minor),
                })
                .collect(),
            replacement: case.replacement.map(|it| it.0),
            version: case.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AfterSalePage {
    pub items: Vec<AfterSaleDetail>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// One order's cases; every order's when left out.
    pub order: Option<i64>,
    /// Only cases still open; the default without `order`.
    pub open: Option<bool>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// At most 200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// After-sale cases by id: one order's, or every open one.
#[utoipa::path(get, path = "/api/v1/after-sales", params(ListParams), tag = "after_sales",
    responses((status = 200, body = AfterSalePage), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<AfterSalePage>> {
    caller.require(Permission::ReadAfterSales, "read after-sales")?;
    let limit = page_limit(params.limit)?;
    let open_only = params.open.unwrap_or(params.order.is_none());
    let mut cases = state
        .store
        .after_sales(params.order.map(OrderId), open_only)
        .await?;
    cases.sort_by_key(|it| it.id.0);
    let after = params.cursor.unwrap_or(i64::MIN);
    let items: Vec<AfterSaleDetail> = cases
        .into_iter()
        .filter(|it| it.id.0 > after)
        .take(limit as usize)
        .map(AfterSaleDetail::from)
        .collect();
    let next_cursor = match items.len() == limit as usize {
        true => items.last().map(|it| it.id),
        false => None,
    };
    Ok(Json(AfterSalePage { items, next_cursor }))
}

/// One case, with its version as the `ETag`.
#[utoipa::path(get, path = "/api/v1/after-sales/{id}", params(("id" = i64, Path)), tag = "after_sales",
    responses((status = 200, body = AfterSaleDetail,
            headers(("ETag" = String, description = "The case's version, quoted"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    caller.require(Permission::ReadAfterSales, "read after-sales")?;
    let case = state.store.load_after_sale(AfterSaleId(id)).await?;
    Ok((etag(case.version), Json(AfterSaleDetail::from(case))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseLine {
    pub line_no: u32,
    /// At least 1, at most the line's quantity.
    pub quantity: u32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// Our order id.
    pub order: i64,
    /// refund_only, return_and_refund, exchange or resend.
    pub kind: String,
    /// Why: kept with the case.
    pub reason: String,
    /// The lines and pieces concerned; every line in full when left out.
    pub lines: Option<Vec<CaseLine>>,
}

/// Opens a case by hand; each line refunds what was paid for its pieces.
#[utoipa::path(post, path = "/api/v1/after-sales", request_body = NewCaseBody, tag = "after_sales",
    params(("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    responses((status = 201, body = AfterSaleDetail), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    body: ApiJson<NewCaseBody>,
) -> ApiResult<(StatusCode, Json<AfterSaleDetail>)> {
    let me = caller.require(Permission::WriteAfterSales, "open after-sales")?;
    let body = body.0;
    let Some(kind) = AfterSaleKind::parse(&body.kind) else {
        return Err(ApiError::invalid(
            "kind",
            "one of refund_only, return_and_refund, exchange, resend",
        ));
    };
    if body.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "say why the case is opened"));
    }
    let order = state.store.load_order(OrderId(body.order)).await?;
    let wanted: Vec<(u32, u32)> = match body.lines {
        Some(lines) if lines.is_empty() => {
            return Err(ApiError::invalid("lines", "at least one line"));
        }
        Some(lines) => lines.iter().map(|it| (it.line_no, it.quantity)).collect(),
        None => order
            .data
            .lines
            .iter()
            .map(|it| (it.line_no, it.quantity.get()))
            .collect(),
    };
    let mut lines = Vec::new();
    for (line_no, quantity) in wanted {
        let Some(line) = order.data.lines.iter().find(|it| it.line_no == line_no) else {
            return Err(ApiError::invalid(
                "lines",
                format!("order {} has no line {line_no}", body.order),
            ));
        };
        let pieces = line.quantity.get();
        let Some(quantity) = Quantity::new(quantity).ok().filter(|it| it.get() <= pieces) else {
            return Err(ApiError::invalid(
                "lines",
                format!("line {line_no}: 1 to {pieces} pieces"),
            ));
        };
        let refund = i128::from(line.paid.minor) * i128::from(quantity.get()) / i128::from(pieces);
        lines.push(AfterSaleLine {
            line_no,
            quantity,
            refund: Money::new(refund as i64, line.paid.currency),
        });
    }
    let case = state
        .store
        .create_after_sale(
            &NewAfterSale {
                order: order.id,
                external_id: String::new(),
                kind,
                reason: body.reason.trim().to_owned(),
                lines,
            },
            &me.actor(),
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(AfterSaleDetail::from(case))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    /// The version the person saw; or send it as `If-Match`.
    pub version: Option<u64>,
    /// Why: kept in the event log.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveBody {
    /// The version the person saw; or send it as `If-Match`.
    pub version: Option<u64>,
    #[serde(default)]
    pub note: String,
    /// Where the returned parcel arrived: its lines are restocked there.
    pub warehouse: String,
    /// Line numbers that arrived damaged: written off instead of restocked.
    #[serde(default)]
    pub damaged: Vec<u32>,
}

async fn act(
    state: &ApiState,
    caller: &Caller,
    id: i64,
    headers: &HeaderMap,
    body: ActBody,
    action: AfterSaleAction,
) -> ApiResult<Json<AfterSaleDetail>> {
    let me = caller.require(Permission::WriteAfterSales, "work after-sales")?;
    let version = expected_version(headers, body.version)?;
    let done = state
        .store
        .apply_after_sale(
            AfterSaleId(id),
            version,
            &action,
            body.note.trim(),
            &me.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(Json(AfterSaleDetail::from(done)))
}

/// Accepts a case. A refund of lines not yet shipped cancels them at once.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/approve", tag = "after_sales",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The case's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    request_body = ActBody,
    responses((status = 200, body = AfterSaleDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn approve(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: ApiJson<ActBody>,
) -> ApiResult<Json<AfterSaleDetail>> {
    act(
        &state,
        &caller,
        id,
        &headers,
        body.0,
        AfterSaleAction::Approve,
    )
    .await
}

/// Refuses a case.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/reject", tag = "after_sales",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The case's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    request_body = ActBody,
    responses((status = 200, body = AfterSaleDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: ApiJson<ActBody>,
) -> ApiResult<Json<AfterSaleDetail>> {
    act(
        &state,
        &caller,
        id,
        &headers,
        body.0,
        AfterSaleAction::Reject,
    )
    .await
}

/// Pays the case's amount back: a row in the order's money ledger.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/refund", tag = "after_sales",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The case's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    request_body = ActBody,
    responses((status = 200, body = AfterSaleDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn refund(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: ApiJson<ActBody>,
) -> ApiResult<Json<AfterSaleDetail>> {
    act(
        &state,
        &caller,
        id,
        &headers,
        body.0,
        AfterSaleAction::Refund,
    )
    .await
}

/// Sends goods again: a replacement order with the case's lines, routed like any other.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/replace", tag = "after_sales",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The case's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    request_body = ActBody,
    responses((status = 200, body = AfterSaleDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: ApiJson<ActBody>,
) -> ApiResult<Json<AfterSaleDetail>> {
    act(
        &state,
        &caller,
        id,
        &headers,
        body.0,
        AfterSaleAction::Replace,
    )
    .await
}

/// The returned parcel arrived: its lines are restocked, the damaged ones written off.
#[utoipa::path(post, path = "/api/v1/after-sales/{id}/receive", tag = "after_sales",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The case's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    request_body = ReceiveBody,
    responses((status = 200, body = AfterSaleDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn receive(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: ApiJson<ReceiveBody>,
) -> ApiResult<Json<AfterSaleDetail>> {
    let me = caller.require(Permission::WriteAfterSales, "receive returns")?;
    let body = body.0;
    let warehouse = WarehouseCode::new(&body.warehouse)
        .map_err(|e| ApiError::invalid("warehouse", e.to_string()))?;
    if !me.reaches(&warehouse) {
        return Err(ApiError::forbidden(&format!(
            "receive returns at {}",
            warehouse.as_str()
        )));
    }
    let action = AfterSaleAction::ReceiveReturn {
        warehouse,
        damaged: body.damaged,
    };
    let act_body = ActBody {
        version: body.version,
        note: body.note,
    };
    act(&state, &caller, id, &headers, act_body, action).await
}

#[derive(Serialize, ToSchema)]
pub struct MoneyEntryView {
    /// E.g. `payment` or `refund`.
    pub kind: String,
    /// Decimal text; negative for money paid back.
    pub amount: String,
    pub currency: String,
    pub reference: String,
    pub at: String,
}

/// An order's money ledger, oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{id}/money", params(("id" = i64, Path)), tag = "after_sales",
    responses((status = 200, body = [MoneyEntryView]), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn money(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<MoneyEntryView>>> {
    caller.require(Permission::ReadMoney, "read money")?;
    let order = state.store.load_order(OrderId(id)).await?;
    let entries = state.store.money_ledger(order.id).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|it| MoneyEntryView {
                kind: it.kind,
                amount: decimal(it.amount.minor),
                currency: it.amount.currency.code().to_owned(),
                reference: it.reference,
                at: it.at.to_string(),
            })
            .collect(),
    ))
}
