//! Shops over the API: every shop with how each of its streams last went (ok, or the last error), and
//! the rejects — platform documents that could not become orders, kept until a mapping fix. A
//! reject's raw document is shown only to roles that may see personal data.

use app::Reject;
use axum::Json;
use axum::extract::State;
use domain::{Permission, ShopId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::{ApiQuery, ApiState, page_limit};

#[derive(Serialize, ToSchema)]
pub struct StreamStatus {
    /// orders or after_sales.
    pub stream: String,
    pub ok: bool,
    /// The last failure's class and message; empty when it went well.
    pub last_error: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ShopView {
    pub id: i64,
    pub code: String,
    /// The platform, e.g. `tmall`, `douyin`, `shopify`.
    pub channel: String,
    pub name: String,
    /// How each stream last went; empty before the first sync.
    pub sync: Vec<StreamStatus>,
}

/// Every shop with its sync status.
#[utoipa::path(get, path = "/api/v1/shops", tag = "shops",
    responses((status = 200, body = [ShopView]), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<ApiState>, caller: Caller) -> ApiResult<Json<Vec<ShopView>>> {
    caller.require(Permission::ReadShops, "read shops")?;
    let statuses = state.store.sync_statuses().await?;
    let shops = state.store.shops().await?;
    Ok(Json(
        shops
            .into_iter()
            .map(|shop| ShopView {
                sync: statuses
                    .iter()
                    .filter(|it| it.shop == shop.id)
                    .map(|it| StreamStatus {
                        stream: it.stream.as_str().to_owned(),
                        ok: it.ok,
                        last_error: it.last_error.clone(),
                        at: it.at.to_string(),
                    })
                    .collect(),
                id: shop.id.0,
                code: shop.code,
                channel: shop.channel.as_str().to_owned(),
                name: shop.name,
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RejectParams {
    /// One shop's rejects.
    pub shop: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// At most 200; 50 when left out.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectView {
    pub id: i64,
    pub shop: i64,
    /// Where it came from, e.g. `api:taobao` or `csv:orders.csv#row 12`.
    pub source: String,
    /// The platform's order id when it could be read.
    pub external_ref: String,
    /// The mapping that failed, e.g. `taobao@1`.
    pub format: String,
    /// The standard order's field that could not be filled.
    pub field: String,
    pub reason: String,
    pub first_seen: String,
    pub last_seen: String,
    pub attempts: u32,
    /// The document as it arrived (UTF-8, lossy); absent for roles that may not see personal data.
    pub raw: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectPage {
    pub items: Vec<RejectView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

/// Open rejects, oldest first.
#[utoipa::path(get, path = "/api/v1/rejects", params(RejectParams), tag = "shops",
    responses((status = 200, body = RejectPage), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rejects(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<RejectParams>,
) -> ApiResult<Json<RejectPage>> {
    let me = caller.require(Permission::ReadShops, "read rejects")?;
    let limit = page_limit(params.limit)?;
    let found = state
        .store
        .open_rejects(params.shop.map(ShopId), params.cursor, limit)
        .await?;
    let next_cursor = match found.len() == limit as usize {
        true => found.last().map(|it| it.id),
        false => None,
    };
    let personal = me.may(Permission::SeePhones);
    let items = found
        .into_iter()
        .map(|it: Reject| RejectView {
            id: it.id,
            shop: it.shop.0,
            source: it.source,
            external_ref: it.external_ref,
            format: it.format,
            field: it.field,
            reason: it.reason,
            first_seen: it.first_seen.to_string(),
            last_seen: it.last_seen.to_string(),
            attempts: it.attempts,
            raw: personal.then(|| String::from_utf8_lossy(&it.raw).into_owned()),
        })
        .collect();
    Ok(Json(RejectPage { items, next_cursor }))
}
