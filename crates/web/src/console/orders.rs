//! Orders in the console: the search (any id, phone tail, receiver's name, status), one order's
//! detail with its lines, parcels and timeline, and the review queue whose held orders are released
//! with a note. Each page calls the API's handler with the viewer's principal, so what a role may
//! see (a warehouse user's parcels only, masked phones) is decided in one place.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{OrderId, OrderStatus, Permission};
use serde::Deserialize;

use crate::api::auth::Caller;
use crate::api::orders::{self, OrderDetail, OrderRow, ReleaseBody, SearchParams};
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiState};
use crate::console::{Chrome, Refusal, Viewer, render};

#[derive(Deserialize, Default)]
pub(super) struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    phone_tail: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
}

#[derive(Template)]
#[template(path = "console/orders.html")]
struct OrdersPage {
    chrome: Chrome,
    form: SearchForm,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<OrderRow>,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|it| !it.is_empty())
}

pub(super) async fn search(
    State(state): State<ApiState>,
    viewer: Viewer,
    Query(form): Query<SearchForm>,
) -> Result<Response, Refusal> {
    let me = viewer.require(Permission::ReadOrders, "read orders")?;
    let params = SearchParams {
        q: given(&form.q),
        status: given(&form.status),
        shop: None,
        phone_tail: given(&form.phone_tail),
        name: given(&form.name),
        sku: None,
        created_from: None,
        created_to: None,
        cursor: None,
        limit: Some(50),
    };
    let page = orders::search(State(state), Caller(me.clone()), ApiQuery(params))
        .await
        .map_err(|err| Refusal::api(viewer.lang, err))?;
    let statuses = OrderStatus::ALL
        .into_iter()
        .map(|it| (it.as_str(), viewer.lang.status(it.as_str())))
        .collect();
    Ok(render(&OrdersPage {
        chrome: viewer.chrome("/orders"),
        form,
        statuses,
        rows: page.0.items,
    }))
}

#[derive(Template)]
#[template(path = "console/order.html")]
struct OrderPage {
    chrome: Chrome,
    order: OrderDetail,
}

pub(super) async fn detail(
    State(state): State<ApiState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Refusal> {
    let me = viewer.require(Permission::ReadOrders, "read orders")?;
    let order = orders::visible_detail(&state, me, id)
        .await
        .map_err(|err| Refusal::api(viewer.lang, err))?;
    Ok(render(&OrderPage {
        chrome: viewer.chrome("/orders"),
        order,
    }))
}

/// A held order as the reviewer sees it.
struct Held {
    id: i64,
    version: u64,
    external_id: String,
    receiver: String,
    holds: Vec<String>,
    created_at: String,
}

#[derive(Template)]
#[template(path = "console/review.html")]
struct ReviewPage {
    chrome: Chrome,
    held: Vec<Held>,
    released: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct ReviewQuery {
    released: Option<i64>,
}

pub(super) async fn review(
    State(state): State<ApiState>,
    viewer: Viewer,
    Query(query): Query<ReviewQuery>,
) -> Result<Response, Refusal> {
    viewer.require(Permission::ReviewOrders, "review orders")?;
    let lang = viewer.lang;
    let held = state
        .store
        .search_orders(&app::OrderQuery {
            status: Some(OrderStatus::OnHold),
            limit: 200,
            ..app::OrderQuery::default()
        })
        .await
        .map_err(|err| Refusal::api(lang, err.into()))?;
    let ids: Vec<OrderId> = held.iter().map(|it| it.id).collect();
    let loaded = state
        .store
        .load_orders(&ids)
        .await
        .map_err(|err| Refusal::api(lang, err.into()))?;
    let held = loaded
        .into_iter()
        .map(|order| Held {
            id: order.id.0,
            version: order.version,
            external_id: order.data.external_id.as_str().to_owned(),
            receiver: order.data.receiver.name.clone(),
            holds: order
                .lifecycle
                .holds
                .iter()
                .map(|it| it.as_str().to_owned())
                .collect(),
            created_at: order.data.created_at.to_string(),
        })
        .collect();
    Ok(render(&ReviewPage {
        chrome: viewer.chrome("/review"),
        held,
        released: query.released,
    }))
}

#[derive(Deserialize)]
pub(super) struct ReleaseForm {
    csrf: String,
    version: u64,
    note: String,
}

pub(super) async fn release(
    State(state): State<ApiState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReleaseForm>,
) -> Result<Response, Refusal> {
    viewer.check_csrf(&form.csrf)?;
    let me = viewer.require(Permission::ReviewOrders, "release held orders")?;
    let body = ReleaseBody {
        version: form.version,
        reason: None,
        note: form.note,
    };
    let _released = orders::release(
        State(state),
        Caller(me.clone()),
        ApiPath(id),
        axum::http::HeaderMap::new(),
        ApiJson(body),
    )
    .await
    .map_err(|err| Refusal::api(viewer.lang, err))?;
    Ok(Redirect::to(&format!("/review?released={id}")).into_response())
}
