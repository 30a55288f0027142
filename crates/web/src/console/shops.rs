//! Shops in the console: each shop's streams as they last synced (the last error when failing) and
//! the documents its mapping rejected, still open, with the field and the reason.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::Permission;

use crate::api::ApiState;
use crate::console::{Chrome, Refusal, Viewer, render};

/// A shop as the page lists it.
struct ShopRow {
    code: String,
    name: String,
    channel: String,
    /// Stream, whether it went well, the last error and when.
    streams: Vec<(String, bool, String, String)>,
    rejects: Vec<RejectRow>,
}

struct RejectRow {
    external_ref: String,
    field: String,
    reason: String,
    attempts: u32,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "console/shops.html")]
struct ShopsPage {
    chrome: Chrome,
    shops: Vec<ShopRow>,
}

pub(super) async fn page(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Response, Refusal> {
    viewer.require(Permission::ReadShops, "see the shops")?;
    let lang = viewer.lang;
    let fail = |err: app::Error| Refusal::api(lang, err.into());
    let shops = state.store.shops().await.map_err(fail)?;
    let statuses = state.store.sync_statuses().await.map_err(fail)?;
    let mut rows = Vec::new();
    for shop in shops {
        let rejects = state
            .store
            .open_rejects(Some(shop.id), None, 20)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|it| RejectRow {
                external_ref: it.external_ref,
                field: it.field,
                reason: it.reason,
                attempts: it.attempts,
                last_seen: it.last_seen.to_string(),
            })
            .collect();
        let streams = statuses
            .iter()
            .filter(|it| it.shop == shop.id)
            .map(|it| {
                (
                    it.stream.as_str().to_owned(),
                    it.ok,
                    it.last_error.clone(),
                    it.at.to_string(),
                )
            })
            .collect();
        rows.push(ShopRow {
            code: shop.code,
            name: shop.name,
            channel: shop.channel.as_str().to_owned(),
            streams,
            rejects,
        });
    }
    Ok(render(&ShopsPage {
        chrome: viewer.chrome("/shops"),
        shops: rows,
    }))
}
