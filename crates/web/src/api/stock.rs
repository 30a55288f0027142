//! Stock over the API: levels per warehouse and SKU (on hand, reserved, safety, available), one row's
//! ledger, and goods received into a warehouse. A warehouse user sees and receives only in its own
//! warehouses; the receipt's ledger reference names who received it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::{Permission, Quantity, SkuCode, WarehouseCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::{ApiJson, ApiQuery, ApiState, page_limit};

#[derive(Serialize, ToSchema)]
pub struct StockRow {
    pub warehouse: String,
    pub sku: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub safety: i64,
    /// On hand less reserved and safety stock: what can still be promised.
    pub available: i64,
}

/// Stock per warehouse and SKU, right now.
#[utoipa::path(get, path = "/api/v1/stock", tag = "stock",
    responses((status = 200, body = [StockRow]), (status = 403, body = ErrorBody)))]
pub async fn levels(
    State(state): State<ApiState>,
    caller: Caller,
) -> ApiResult<Json<Vec<StockRow>>> {
    let me = caller.require(Permission::ReadStock, "read stock")?;
    let levels = state.store.stock_levels().await?;
    Ok(Json(
        levels
            .into_iter()
            .filter(|(warehouse, _, _)| me.reaches(warehouse))
            .map(|(warehouse, sku, level)| StockRow {
                warehouse: warehouse.as_str().to_owned(),
                sku: sku.as_str().to_owned(),
                on_hand: level.on_hand,
                reserved: level.reserved,
                safety: level.safety,
                available: level.available(),
            })
            .collect(),
    ))
}

fn warehouse(text: &str) -> ApiResult<WarehouseCode> {
    WarehouseCode::new(text).map_err(|e| ApiError::invalid("warehouse", e.to_string()))
}

fn sku(text: &str) -> ApiResult<SkuCode> {
    SkuCode::new(text).map_err(|e| ApiError::invalid("sku", e.to_string()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    pub warehouse: String,
    pub sku: String,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// At most 200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerEntry {
    /// The entry's position in the row's ledger, from 1.
    pub seq: i64,
    /// E.g. `receive`, `reserve`, `release`, `consume`, `count`.
    pub kind: String,
    /// Signed: what the entry added or took away.
    pub quantity: i64,
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerPage {
    pub items: Vec<LedgerEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

/// One stock row's ledger, oldest first.
#[utoipa::path(get, path = "/api/v1/stock/ledger", params(LedgerParams), tag = "stock",
    responses((status = 200, body = LedgerPage), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ledger(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<LedgerParams>,
) -> ApiResult<Json<LedgerPage>> {
    let me = caller.require(Permission::ReadStock, "read stock")?;
    let code = warehouse(&params.warehouse)?;
    if !me.reaches(&code) {
        return Err(ApiError::forbidden(&format!(
            "see {}'s stock",
            code.as_str()
        )));
    }
    let sku = sku(&params.sku)?;
    let limit = page_limit(params.limit)?;
    let after = params.cursor.unwrap_or(0);
    let entries = state.store.stock_ledger(&code, &sku).await?;
    let items: Vec<LedgerEntry> = entries
        .into_iter()
        .zip(1i64..)
        .filter(|(_, seq)| *seq > after)
        .take(limit as usize)
        .map(|((kind, quantity, reference), seq)| LedgerEntry {
            seq,
            kind,
            quantity,
            reference,
        })
        .collect();
    let next_cursor = match items.len() == limit as usize {
        true => items.last().map(|it| it.seq),
        false => None,
    };
    Ok(Json(LedgerPage { items, next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    pub warehouse: String,
    pub sku: String,
    /// Pieces received, 1 to 1,000,000.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub quantity: u32,
    /// What the goods came with, e.g. the purchase order `po:2024-118`.
    pub reference: String,
}

/// Goods arrived at a warehouse: on hand grows, with a ledger entry naming the reference and who.
#[utoipa::path(post, path = "/api/v1/stock/receipts", request_body = ReceiptBody, tag = "stock",
    params(("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    responses((status = 201, body = StockRow), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn receive(
    State(state): State<ApiState>,
    caller: Caller,
    body: ApiJson<ReceiptBody>,
) -> ApiResult<(StatusCode, Json<StockRow>)> {
    let me = caller.require(Permission::WriteStock, "receive stock")?;
    let body = body.0;
    let code = warehouse(&body.warehouse)?;
    if !me.reaches(&code) {
        return Err(ApiError::forbidden(&format!(
            "receive stock at {}",
            code.as_str()
        )));
    }
    let known = state.store.warehouses().await?;
    if !known.iter().any(|it| it.code == code) {
        return Err(ApiError::invalid(
            "warehouse",
            format!("no warehouse {}", code.as_str()),
        ));
    }
    let sku = sku(&body.sku)?;
    let quantity = Quantity::new(body.quantity)
        .ok()
        .filter(|it| it.get() <= 1_000_000)
        .ok_or_else(|| ApiError::invalid("quantity", "1 to 1,000,000 pieces"))?;
    let reference = body.reference.trim();
    if reference.is_empty() || reference.chars().count() > 200 {
        return Err(ApiError::invalid(
            "reference",
            "1 to 200 characters: what the goods came with",
        ));
    }
    // The store's ledger has no actor column: the reference carries who received the goods.
    let reference = format!("{reference} by {}", me.actor());
    let level = state
        .store
        .receive_stock(&code, &sku, quantity, &reference, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(StockRow {
            warehouse: code.as_str().to_owned(),
            sku: sku.as_str().to_owned(),
            on_hand: level.on_hand,
            reserved: level.reserved,
            safety: level.safety,
            available: level.available(),
        }),
    ))
}
