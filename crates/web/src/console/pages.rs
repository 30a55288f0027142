//! The console's tables: available stock per SKU × warehouse (refreshed in place while open), the
//! open after-sales, the rule set in force, and the users with their roles.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::Permission;

use crate::api::ApiState;
use crate::api::auth::{self, Caller, UserView};
use crate::api::stock::{self, StockRow};
use crate::console::{Chrome, Refusal, Viewer, render};

#[derive(Template)]
#[template(path = "console/stock.html")]
struct StockPage {
    chrome: Chrome,
    warehouses: Vec<String>,
    /// Per SKU, one cell per warehouse (in `warehouses` order).
    skus: Vec<(String, Vec<Option<StockRow>>)>,
}

pub(super) async fn stock(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Response, Refusal> {
    let me = viewer.require(Permission::ReadStock, "read stock")?;
    let rows = stock::levels(State(state), Caller(me.clone()))
        .await
        .map_err(|err| Refusal::api(viewer.lang, err))?
        .0;
    let warehouses: Vec<String> = rows
        .iter()
        .map(|it| it.warehouse.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut by_sku: BTreeMap<String, Vec<Option<StockRow>>> = BTreeMap::new();
    for row in rows {
        let column = warehouses
            .iter()
            .position(|it| *it == row.warehouse)
            .unwrap_or_default();
        let cells = by_sku
            .entry(row.sku.clone())
            .or_insert_with(|| (0..warehouses.len()).map(|_| None).collect());
        cells[column] = Some(row);
    }
    Ok(render(&StockPage {
        chrome: viewer.chrome("/stock"),
        warehouses,
        skus: by_sku.into_iter().collect(),
    }))
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserView>,
}

pub(super) async fn users(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Response, Refusal> {
    let me = viewer.require(Permission::ManageUsers, "manage users")?;
    let users = auth::users(State(state), Caller(me.clone()))
        .await
        .map_err(|err| Refusal::api(viewer.lang, err))?
        .0;
    Ok(render(&UsersPage {
        chrome: viewer.chrome("/users"),
        users,
    }))
}

/// An open after-sale case as the page lists it.
struct CaseRow {
    id: i64,
    order: i64,
    kind: String,
    status: String,
    reason: String,
    refund: String,
}

#[derive(Template)]
#[template(path = "console/after_sales.html")]
struct AfterSalesPage {
    chrome: Chrome,
    cases: Vec<CaseRow>,
}

pub(super) async fn after_sales(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Response, Refusal> {
    viewer.require(Permission::ReadAfterSales, "read after-sales")?;
    let cases = state
        .store
        .after_sales(None, true)
        .await
        .map_err(|err| Refusal::api(viewer.lang, err.into()))?
        .into_iter()
        .map(|it| CaseRow {
            id: it.id.0,
            order: it.order.0,
            kind: it.kind.as_str().to_owned(),
            status: it.status.as_str().to_owned(),
            reason: it.reason.clone(),
            refund: decimal(it.refund_minor()),
        })
        .collect();
    Ok(render(&AfterSalesPage {
        chrome: viewer.chrome("/after-sales"),
        cases,
    }))
}

#[derive(Template)]
#[template(path = "console/rules.html")]
struct RulesPage {
    chrome: Chrome,
    rules: Option<(u32, String)>,
}

pub(super) async fn rules(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Response, Refusal> {
    viewer.require(Permission::ReadRules, "read the rules")?;
    let rules = state
        .store
        .rule_set(None)
        .await
        .map_err(|err| Refusal::api(viewer.lang, err.into()))?;
    Ok(render(&RulesPage {
        chrome: viewer.chrome("/rules"),
        rules,
    }))
}

/// Minor units as decimal text with two places, never through a float.
fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}
