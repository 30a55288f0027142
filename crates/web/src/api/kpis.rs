//! The dashboard's counts over the API: orders by status, and the work waiting on people (held for
//! review, after-sales open) for the roles that may see it.

use axum::Json;
use axum::extract::State;
use domain::{OrderStatus, Permission};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::ApiState;
use crate::api::auth::Caller;
use crate::api::error::{ApiResult, ErrorBody};

#[derive(Serialize, ToSchema)]
pub struct StatusCount {
    pub status: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Kpis {
    /// Every status, in lifecycle order, zero included.
    pub orders_by_status: Vec<StatusCount>,
    pub orders_total: u64,
    /// Orders on hold, waiting for review.
    pub on_hold: u64,
    /// After-sales not yet finished; absent for roles that may not read them.
    pub open_after_sales: Option<u64>,
}

/// Order counts by status and the open work.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "orders",
    responses((status = 200, body = Kpis), (status = 403, body = ErrorBody)))]
pub async fn kpis(State(state): State<ApiState>, caller: Caller) -> ApiResult<Json<Kpis>> {
    let me = caller.require(Permission::ReadOrders, "read order counts")?;
    let counts = state.store.count_orders().await?;
    let count_of = |status: OrderStatus| {
        counts
            .iter()
            .filter(|(it, _)| *it == status)
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    let open_after_sales = match me.may(Permission::ReadAfterSales) {
        true => Some(state.store.after_sales(None, true).await?.len() as u64),
        false => None,
    };
    Ok(Json(Kpis {
        orders_by_status: OrderStatus::ALL
            .into_iter()
            .map(|status| StatusCount {
                status: status.as_str().to_owned(),
                count: count_of(status),
            })
            .collect(),
        orders_total: counts.iter().map(|(_, n)| n).sum(),
        on_hold: count_of(OrderStatus::OnHold),
        open_after_sales,
    }))
}
