//! The warehouse station in a browser: claim a batch of the warehouse's parcels, print the pick list,
//! and ship by scanning (a keyboard-wedge scanner types a line and Enter into one big autofocused
//! input). The server keeps no station: the open parcel travels in a hidden field, and each scan
//! replays `app::Station` — the open parcel's barcode (renewing this packer's claim) and then the
//! new scan — so the rules are those of the command-line station and the API.

use std::collections::BTreeSet;

use app::{Lease, ScanOutcome, Station};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use domain::{Permission, Principal, Role, ShipmentId};
use serde::Deserialize;

use crate::api::auth::Caller;
use crate::api::shipments::{self, ClaimBody, ShipmentView};
use crate::api::{ApiJson, ApiState};
use crate::console::{Chrome, Refusal, Viewer, render};

const LEASE_MINUTES: i64 = 30;

/// What the last action did, in large text.
enum Feedback {
    Claimed(usize),
    Opened(String),
    Shipped(String, String),
    Refused(String),
}

#[derive(Template)]
#[template(path = "console/station.html")]
struct StationPage {
    chrome: Chrome,
    warehouses: Vec<String>,
    feedback: Option<Feedback>,
    open: Option<String>,
    mine: Vec<ShipmentView>,
}

pub(super) async fn page(
    State(state): State<ApiState>,
    viewer: Viewer,
) -> Result<Response, Refusal> {
    viewer.require(Permission::WorkShipments, "work at a packing station")?;
    station(&state, &viewer, None, None).await
}

async fn station(
    state: &ApiState,
    viewer: &Viewer,
    feedback: Option<Feedback>,
    open: Option<ShipmentId>,
) -> Result<Response, Refusal> {
    let me = &viewer.me;
    let lang = viewer.lang;
    let pending = state
        .store
        .open_shipments(None, 500)
        .await
        .map_err(|err| Refusal::api(lang, err.into()))?;
    let warehouses: Vec<String> = match me.role {
        Role::Warehouse => me
            .warehouses
            .iter()
            .map(|it| it.as_str().to_owned())
            .collect(),
        Role::Admin
        | Role::Operations
        | Role::CustomerService
        | Role::Finance
        | Role::Marketing => pending
            .iter()
            .map(|it| it.warehouse.as_str().to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    let mine = pending
        .into_iter()
        .filter(|it| me.reaches(&it.warehouse) && it.holder.as_deref() == Some(&me.login))
        .map(ShipmentView::from)
        .collect();
    Ok(render(&StationPage {
        chrome: viewer.chrome("/station"),
        warehouses,
        feedback,
        open: open.map(|it| format!("SH{it}")),
        mine,
    }))
}

#[derive(Deserialize)]
pub(super) struct ClaimForm {
    csrf: String,
    warehouse: String,
    count: u32,
}

pub(super) async fn claim(
    State(state): State<ApiState>,
    viewer: Viewer,
    Form(form): Form<ClaimForm>,
) -> Result<Response, Refusal> {
    viewer.check_csrf(&form.csrf)?;
    let me = viewer.require(Permission::WorkShipments, "claim shipments")?;
    let body = ClaimBody {
        warehouse: form.warehouse,
        count: form.count,
        lease_minutes: Some(LEASE_MINUTES as u32),
    };
    let feedback =
        match shipments::claim(State(state.clone()), Caller(me.clone()), ApiJson(body)).await {
            Ok(claimed) => Feedback::Claimed(claimed.0.len()),
            Err(err) if err.status.is_client_error() => Feedback::Refused(err.body.message),
            Err(err) => return Err(Refusal::api(viewer.lang, err)),
        };
    station(&state, &viewer, Some(feedback), None).await
}

#[derive(Deserialize)]
pub(super) struct ScanForm {
    csrf: String,
    scan: String,
    /// The parcel opened by the previous scan, `SH…`, or empty.
    #[serde(default)]
    open: String,
}

pub(super) async fn scan(
    State(state): State<ApiState>,
    viewer: Viewer,
    Form(form): Form<ScanForm>,
) -> Result<Response, Refusal> {
    viewer.check_csrf(&form.csrf)?;
    let me = viewer.require(Permission::WorkShipments, "ship")?;
    let (feedback, open) = match scanned(&state, me, &form).await {
        Ok(it) => it,
        Err(err) => return Err(Refusal::api(viewer.lang, err.into())),
    };
    station(&state, &viewer, Some(feedback), open).await
}

/// Replays the station: the open parcel first (when the new scan is not a parcel), then the scan.
async fn scanned(
    state: &ApiState,
    me: &Principal,
    form: &ScanForm,
) -> app::Result<(Feedback, Option<ShipmentId>)> {
    let store = state.store.as_ref();
    let now = state.clock.now();
    let actor = me.actor();
    let text = form.scan.trim();
    let mut station = Station::new(me.login.clone(), Lease::minutes(LEASE_MINUTES));
    let open = app::parse_shipment_barcode(&form.open);
    let target = app::parse_shipment_barcode(text).or(open);
    if let Some(id) = target {
        // Another warehouse's parcel is, for this packer, no parcel at all.
        match store.load_shipment(id).await {
            Ok(shipment) if !me.reaches(&shipment.warehouse) => {
                return Ok((
                    Feedback::Refused(format!("there is no shipment SH{id}")),
                    None,
                ));
            }
            Ok(_) | Err(app::Error::NotFound(_)) => {}
            Err(err) => return Err(err),
        }
    }
    if app::parse_shipment_barcode(text).is_none()
        && let Some(id) = open
    {
        match station.scan(store, &format!("SH{id}"), &actor, now).await? {
            ScanOutcome::Opened(_) => {}
            ScanOutcome::Shipped(_) => {}
            ScanOutcome::Refused(message) => return Ok((Feedback::Refused(message), None)),
        }
    }
    let outcome = station.scan(store, text, &actor, now).await?;
    Ok(match outcome {
        ScanOutcome::Opened(shipment) => (Feedback::Opened(shipment.barcode()), Some(shipment.id)),
        ScanOutcome::Shipped(shipment) => {
            let tracking = shipment
                .tracking
                .as_ref()
                .map(|it| it.as_str().to_owned())
                .unwrap_or_default();
            (Feedback::Shipped(shipment.barcode(), tracking), None)
        }
        ScanOutcome::Refused(message) => (Feedback::Refused(message), station.open_shipment()),
    })
}
