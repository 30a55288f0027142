//! The dashboard: orders to process and to ship, held orders, open parcels, the overdue ratio
//! (paid orders not shipped past their ship-by time, under the default deadlines), each stage's
//! median and p90 time over the last day (`Store::flow_figures`, from the event log) beside its open
//! and overdue work, orders per hour over the last day, and the open work per shop and per warehouse, with the charts drawn as SVG on the server. `/events`
//! pushes the headline figures every few seconds as server-sent events; the page works without them.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DeadlinePolicy, OrderStatus, Principal, Role, Stage, Timestamp};
use futures_util::Stream;
use serde::Serialize;

use crate::api::ApiState;
use crate::api::error::ApiError;
use crate::console::charts;
use crate::console::words::Words;
use crate::console::{Chrome, Refusal, Viewer, render};

const HOUR: i64 = 3_600_000;
/// Local time of the sellers' day (GMT+8), for the hour labels.
const LOCAL_OFFSET_HOURS: i64 = 8;
/// How often `/events` sends the figures.
const PUSH_EVERY: Duration = Duration::from_secs(5);
/// A stream ends after this long and the browser reconnects, so that a shutdown never waits long.
const STREAM_FOR: Duration = Duration::from_secs(30);

/// Whether `me` runs shops (the dashboard) rather than packs parcels (the station).
pub(super) fn may_see(me: &Principal) -> bool {
    me.role != Role::Warehouse && me.may(domain::Permission::ReadOrders)
}

/// The headline figures, as the page shows them and `/events` sends them.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub(super) struct Headline {
    pub(super) to_process: u64,
    pub(super) to_ship: u64,
    pub(super) on_hold: u64,
    pub(super) open_parcels: u64,
    /// Percent with one decimal, e.g. `12.5%`.
    pub(super) overdue_ratio: String,
}

/// One stage: how many completed over the last day and how long they took, how many are open and
/// how many of those are past due.
pub(super) struct StageRow {
    pub(super) label: &'static str,
    pub(super) completed: u64,
    pub(super) median: String,
    pub(super) p90: String,
    pub(super) open: usize,
    pub(super) overdue: usize,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    headline: Headline,
    stages: Vec<StageRow>,
    per_hour: String,
    by_status: String,
    by_shop: String,
    by_warehouse: String,
}

pub(super) async fn page(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Response, Refusal> {
    if viewer.me.role == Role::Warehouse {
        return Ok(Redirect::to("/station").into_response());
    }
    viewer.require(domain::Permission::ReadOrders, "read orders")?;
    let lang = viewer.lang;
    let w = lang.words();
    let now = state.clock.now();
    let fail = |err: app::Error| Refusal::api(lang, err.into());
    let counts = state.store.count_orders().await.map_err(fail)?;
    let open = state
        .store
        .open_shipments(None, 100_000)
        .await
        .map_err(fail)?;
    let work = state.store.open_work(now).await.map_err(fail)?;
    let flow = state
        .store
        .flow_figures(now.plus_millis(-24 * HOUR))
        .await
        .map_err(fail)?;
    let shops = state.store.shops().await.map_err(fail)?;

    let policy = DeadlinePolicy::default();
    let headline = headline(&counts, open.len() as u64, &work, &policy, now);
    let stages = Stage::ALL
        .into_iter()
        .map(|stage| stage_row(w, stage, &flow, &work, &policy, now))
        .collect();
    let per_hour = per_hour(&flow.arrivals, now);
    let by_status: Vec<(String, u64)> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(status, n)| (lang.status(status.as_str()).to_owned(), *n))
        .collect();
    let mut shop_work: BTreeMap<String, u64> = BTreeMap::new();
    for item in work.iter().filter(|it| it.stage == Stage::Promised) {
        let name = shops
            .iter()
            .find(|it| it.id == item.shop)
            .map_or_else(|| item.shop.to_string(), |it| it.name.clone());
        *shop_work.entry(name).or_default() += 1;
    }
    let mut warehouse_work: BTreeMap<String, u64> = BTreeMap::new();
    for parcel in &open {
        *warehouse_work
            .entry(parcel.warehouse.as_str().to_owned())
            .or_default() += 1;
    }
    let title = format!("{} · {}", w.orders_per_hour, w.last_24_hours);
    Ok(render(&DashboardPage {
        chrome: viewer.chrome("/"),
        headline,
        stages,
        per_hour: charts::columns(&title, &per_hour, 3),
        by_status: charts::bars(w.by_status, &by_status),
        by_shop: charts::bars(w.by_shop, &shop_work.into_iter().collect::<Vec<_>>()),
        by_warehouse: charts::bars(
            w.by_warehouse,
            &warehouse_work.into_iter().collect::<Vec<_>>(),
        ),
    }))
}

fn headline(
    counts: &[(OrderStatus, u64)],
    open_parcels: u64,
    work: &[domain::WorkItem],
    policy: &DeadlinePolicy,
    now: Timestamp,
) -> Headline {
    let count = |wanted: &[OrderStatus]| -> u64 {
        counts
            .iter()
            .filter(|(status, _)| wanted.contains(status))
            .map(|(_, n)| n)
            .sum()
    };
    let promised: Vec<_> = work
        .iter()
        .filter(|it| it.stage == Stage::Promised)
        .collect();
    let late = promised
        .iter()
        .filter(|it| policy.due_times(it).is_some_and(|(due, _)| due <= now))
        .count();
    let overdue_ratio = match promised.len() {
        0 => "0.0%".to_owned(),
        n => format!("{:.1}%", late as f64 * 100.0 / n as f64),
    };
    Headline {
        to_process: count(&[
            OrderStatus::Paid,
            OrderStatus::OnHold,
            OrderStatus::Released,
        ]),
        to_ship: count(&[
            OrderStatus::Allocated,
            OrderStatus::InFulfilment,
            OrderStatus::PartiallyShipped,
        ]),
        on_hold: count(&[OrderStatus::OnHold]),
        open_parcels,
        overdue_ratio,
    }
}

fn stage_row(
    w: &'static Words,
    stage: Stage,
    flow: &app::FlowFigures,
    work: &[domain::WorkItem],
    policy: &DeadlinePolicy,
    now: Timestamp,
) -> StageRow {
    let items: Vec<_> = work.iter().filter(|it| it.stage == stage).collect();
    let done = flow.stages.iter().find(|it| it.stage == stage);
    let overdue = items
        .iter()
        .filter(|it| policy.due_times(it).is_some_and(|(due, _)| due <= now))
        .count();
    let label = match stage {
        Stage::Allocate => w.stage_allocate,
        Stage::Claim => w.stage_claim,
        Stage::Ship => w.stage_ship,
        Stage::Promised => w.stage_promised,
    };
    StageRow {
        label,
        completed: done.map_or(0, |it| it.completed),
        median: done.map_or_else(|| "–".to_owned(), |it| duration(it.median_millis)),
        p90: done.map_or_else(|| "–".to_owned(), |it| duration(it.p90_millis)),
        open: items.len(),
        overdue,
    }
}

/// Milliseconds as `2d 3h`, `1h 05m` or `7m`.
fn duration(millis: i64) -> String {
    let minutes = millis.max(0) / 60_000;
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m"),
        (0, _) => format!("{hours}h {minutes:02}m"),
        _ => format!("{days}d {hours}h"),
    }
}

/// Orders arrived in each of the last 24 hours, oldest first, labelled by local hour.
fn per_hour(arrivals: &[(Timestamp, u64)], now: Timestamp) -> Vec<(String, u64)> {
    let this_hour = now.unix_millis().div_euclid(HOUR);
    let mut counts = [0u64; 24];
    for (at, n) in arrivals {
        let ago = this_hour - at.unix_millis().div_euclid(HOUR);
        if (0..24).contains(&ago) {
            counts[23 - ago as usize] += n;
        }
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let hour = (this_hour - 23 + i as i64 + LOCAL_OFFSET_HOURS).rem_euclid(24);
            (format!("{hour:02}"), *n)
        })
        .collect()
}

/// The headline figures every few seconds, as `figures` events of JSON.
pub(super) async fn events(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Refusal> {
    if !may_see(&viewer.me) {
        let refused = ApiError::forbidden("see the dashboard");
        return Err(Refusal::api(viewer.lang, refused));
    }
    let started = tokio::time::Instant::now();
    let stream = futures_util::stream::unfold((state, true), move |(state, first)| async move {
        if !first {
            tokio::time::sleep(PUSH_EVERY).await;
        }
        if started.elapsed() >= STREAM_FOR {
            return None;
        }
        let event = match figures(&state).await {
            Ok(headline) => Event::default()
                .event("figures")
                .retry(Duration::from_secs(1))
                .json_data(headline)
                .unwrap_or_default(),
            Err(err) => Event::default().comment(format!("figures failed: {err}")),
        };
        Some((Ok(event), (state, false)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

async fn figures(state: &ApiState) -> app::Result<Headline> {
    let now = state.clock.now();
    let counts = state.store.count_orders().await?;
    let open = state.store.open_shipments(None, 100_000).await?;
    let work = state.store.open_work(now).await?;
    Ok(headline(
        &counts,
        open.len() as u64,
        &work,
        &DeadlinePolicy::default(),
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_days_hours_and_minutes() {
        assert_eq!(duration(7 * 60_000), "7m");
        assert_eq!(duration(65 * 60_000), "1h 05m");
        assert_eq!(duration((26 * 60 + 3) * 60_000), "1d 2h");
    }

    #[test]
    fn arrivals_fall_into_their_hour_of_the_last_day() {
        let now = Timestamp::from_unix_millis(100 * HOUR + 10);
        let arrivals = [
            (Timestamp::from_unix_millis(50 * HOUR), 4),
            (Timestamp::from_unix_millis(99 * HOUR), 1),
            (Timestamp::from_unix_millis(100 * HOUR), 2),
        ];
        let hours = per_hour(&arrivals, now);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[23].1, 2, "this hour");
        assert_eq!(hours[22].1, 1, "the hour before");
        assert_eq!(
            hours.iter().map(|it| it.1).sum::<u64>(),
            3,
            "older ones left out"
        );
        assert_eq!(hours[23].0, format!("{:02}", (100 + 8) % 24));
    }
}
