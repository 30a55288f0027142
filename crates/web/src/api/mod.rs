//! The API under `/api/v1`: JSON in and out, one error shape (`error.rs`), every endpoint
//! authorised on the server (`auth.rs`), reads paged by cursor, writes made once per
//! `Idempotency-Key` (`idempotency.rs`) and against the version the caller saw (`versions.rs`), and
//! the OpenAPI document generated from the handlers' annotations (`openapi()`), served at
//! `/api/v1/openapi.json`. One file per area: `orders.rs`, `shipments.rs`, `after_sales.rs`,
//! `stock.rs`, `rules.rs`, `shops.rs` (with rejects), `kpis.rs`, `ops.rs`.

pub mod after_sales;
pub mod auth;
pub mod error;
pub mod idempotency;
pub mod kpis;
pub mod ops;
pub mod orders;
pub mod rules;
pub mod shipments;
pub mod shops;
pub mod stock;
pub mod versions;

use std::sync::Arc;

use app::{Clock, Store};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::api::error::{ApiError, ApiResult};

/// The largest request body the API reads.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub throttle: Arc<auth::Throttle>,
    /// Set behind TLS: session cookies then carry `Secure`.
    pub secure_cookies: bool,
    pub metrics: Arc<ops::Metrics>,
    /// Writes already answered, by `Idempotency-Key`.
    pub idempotency: Arc<idempotency::IdempotencyKeys>,
    /// The configured network and carriers that rule files are checked against; without them, the
    /// warehouses holding stock.
    pub rule_names: Option<Arc<rules::RuleNames>>,
}

impl ApiState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> ApiState {
        ApiState {
            store,
            clock,
            throttle: Arc::default(),
            secure_cookies: false,
            metrics: Arc::default(),
            idempotency: Arc::default(),
            rule_names: None,
        }
    }
}

/// The largest page a list returns.
pub const MAX_PAGE: u32 = 200;

/// A list's `limit`: 1 to [`MAX_PAGE`], 50 when left out.
pub fn page_limit(limit: Option<u32>) -> ApiResult<u32> {
    match limit.unwrap_or(50) {
        limit @ 1..=MAX_PAGE => Ok(limit),
        _ => Err(ApiError::invalid("limit", format!("1 to {MAX_PAGE}"))),
    }
}

/// A JSON body whose every failure (syntax, type, unknown field, size, content type) is an
/// [`ApiError`].
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<ApiJson<T>, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(ApiJson(value))
    }
}

/// Path parameters, failing as an [`ApiError`].
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, ApiError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
    }
}

/// A query string, failing as an [`ApiError`].
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, ApiError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderHub API", version = "1", description = "Orders from every shop, routed, fulfilled and kept consistent. Authenticate with `Authorization: Bearer <token>` or a session cookie (writes then need `X-CSRF-Token`)."),
    paths(
        auth::sign_in, auth::sign_out, auth::me, auth::users, auth::create_user,
        auth::create_token, auth::tokens, auth::revoke_token,
        orders::search, orders::detail, orders::review_queue, orders::release,
        shipments::list, shipments::claim, shipments::ship, shipments::release,
        after_sales::list, after_sales::detail, after_sales::create, after_sales::approve,
        after_sales::reject, after_sales::receive, after_sales::refund, after_sales::replace,
        after_sales::money,
        stock::levels, stock::ledger, stock::receive,
        rules::current, rules::check,
        shops::list, shops::rejects,
        kpis::kpis,
    ),
    tags(
        (name = "access", description = "Signing in, users and API tokens"),
        (name = "orders", description = "Finding orders, their timeline, the review queue"),
        (name = "shipments", description = "Warehouse work: claims and scan-to-ship"),
        (name = "after_sales", description = "After-sale cases and the money paid back"),
        (name = "stock", description = "Stock per SKU and warehouse, its ledger, goods received"),
        (name = "rules", description = "The routing rules: the current set, checking a file"),
        (name = "shops", description = "Shops, how their syncs went, documents rejected"),
    )
)]
struct ApiDoc;

/// The OpenAPI 3 document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The API's routes and the operations endpoints.
pub fn router(state: ApiState) -> Router {
    let api = Router::new()
        .route("/session", post(auth::sign_in).delete(auth::sign_out))
        .route("/me", get(auth::me))
        .route("/users", get(auth::users).post(auth::create_user))
        .route("/tokens", get(auth::tokens).post(auth::create_token))
        .route("/tokens/{id}", delete(auth::revoke_token))
        .route("/orders", get(orders::search))
        .route("/orders/{id}", get(orders::detail))
        .route("/review", get(orders::review_queue))
        .route("/review/{id}/release", post(orders::release))
        .route("/shipments", get(shipments::list))
        .route("/shipments/claim", post(shipments::claim))
        .route("/shipments/{id}/ship", post(shipments::ship))
        .route("/shipments/{id}/release", post(shipments::release))
        .route("/orders/{id}/money", get(after_sales::money))
        .route(
            "/after-sales",
            get(after_sales::list).post(after_sales::create),
        )
        .route("/after-sales/{id}", get(after_sales::detail))
        .route("/after-sales/{id}/approve", post(after_sales::approve))
        .route("/after-sales/{id}/reject", post(after_sales::reject))
        .route("/after-sales/{id}/receive", post(after_sales::receive))
        .route("/after-sales/{id}/refund", post(after_sales::refund))
        .route("/after-sales/{id}/replace", post(after_sales::replace))
        .route("/stock", get(stock::levels))
        .route("/stock/ledger", get(stock::ledger))
        .route("/stock/receipts", post(stock::receive))
        .route("/rules", get(rules::current))
        .route("/rules/check", post(rules::check))
        .route("/shops", get(shops::list))
        .route("/rejects", get(shops::rejects))
        .route("/kpis", get(kpis::kpis))
        .route("/openapi.json", get(|| async { Json(openapi()) }))
        .fallback(|| async { ApiError::not_found("this endpoint") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::guard,
        ));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::observe,
        ))
        .with_state(state)
}
