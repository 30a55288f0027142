//! `POST /push/{shop}`: a platform's push. The signature is checked over the raw bytes by the shop's
//! connector, which returns the push's events (a Douyin push carries several, a Shopify webhook
//! one). Each event id is recorded; a push whose events were all seen before is acknowledged and
//! dropped, otherwise it is acknowledged at once while the orders its new events name are fetched in
//! the background, each once (platforms give a few seconds; polling stays the safety net). The ids
//! of the orders a fetch changed go to the caller's channel, to be screened and routed.

use std::collections::HashMap;
use std::sync::Arc;

use app::{ChannelError, Clock, Connector, Store};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use domain::{OrderId, Shop};
use tokio::sync::mpsc;

/// A shop that receives pushes: its connector verifies them and fetches their orders.
#[derive(Clone)]
pub struct PushShop {
    pub shop: Shop,
    pub connector: Arc<dyn Connector>,
}

/// What the push endpoints need.
#[derive(Clone)]
pub struct PushState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// By shop code.
    pub shops: Arc<HashMap<String, PushShop>>,
    /// Orders a push changed, for screening and routing.
    pub changed: mpsc::UnboundedSender<Vec<OrderId>>,
}

/// The push routes.
pub fn router(state: PushState) -> Router {
    Router::new()
        .route("/push/{shop}", post(push))
        .with_state(state)
}

fn answer(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "code": code, "message": message }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Platforms read a 2xx as "received"; Douyin also reads this body.
fn received(status: &str) -> Response {
    let body = serde_json::json!({ "code": 0, "msg": "success", "status": status }).to_string();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn push(
    State(state): State<PushState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(target) = state.shops.get(&code).cloned() else {
        return answer(
            StatusCode::NOT_FOUND,
            "unknown_shop",
            &format!("no shop {code:?} takes pushes"),
        );
    };
    let now = state.clock.now();
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let messages = match target.connector.verify_push(&headers, &body, now) {
        Ok(messages) => messages,
        Err(ChannelError::Unauthorized(why)) => {
            return answer(StatusCode::UNAUTHORIZED, "bad_signature", &why);
        }
        Err(err) => return answer(StatusCode::BAD_REQUEST, err.kind(), &err.to_string()),
    };
    // The orders the new events name, each once, in the push's order.
    let mut orders: Vec<String> = Vec::new();
    let mut new = false;
    let mut failed = None;
    for message in messages {
        match state
            .store
            .record_push(target.shop.id, &message.event_id, now)
            .await
        {
            Ok(true) => new = true,
            Ok(false) => continue,
            Err(err) => {
                failed = Some(err);
                break;
            }
        }
        if let Some(external_id) = message.external_id
            && !orders.contains(&external_id)
        {
            orders.push(external_id);
        }
    }
    // Events recorded before a storage failure are duplicates when the platform retries, so their
    // orders are fetched now all the same.
    fetch_in_background(&state, target, orders);
    if let Some(err) = failed {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "storage", &err.to_string());
    }
    match new {
        true => received("accepted"),
        false => received("duplicate"),
    }
}

/// Fetches and stores each order in turn (one task, so a push of many events does not burst the
/// platform's flow control) and sends what each fetch changed to the caller.
fn fetch_in_background(state: &PushState, target: PushShop, orders: Vec<String>) {
    if orders.is_empty() {
        return;
    }
    let store = state.store.clone();
    let changed = state.changed.clone();
    let clock = state.clock.clone();
    tokio::spawn(async move {
        for external_id in orders {
            let fetched = app::fetch_and_store(
                store.as_ref(),
                target.connector.as_ref(),
                &target.shop,
                &external_id,
                clock.now(),
            )
            .await;
            match fetched {
                Ok(report) if !report.changed.is_empty() => {
                    let _ = changed.send(report.changed);
                }
                Ok(_) => {}
                // Polling fetches it later; the failure is the next run's to report.
                Err(err) => eprintln!("push for {} order {external_id}: {err}", target.shop.code),
            }
        }
    });
}
