//! Warehouse work over the API: open shipments (a warehouse user sees only its warehouses'), claiming
//! a batch, shipping by the two scans (the parcel's barcode and its tracking number, checked exactly
//! as at a packing station) and giving a claim back with a reason.

use app::{Lease, ScanOutcome, Station};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use domain::{Permission, Shipment, ShipmentEvent, ShipmentId, WarehouseCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::versions::expected_version;
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiState};

#[derive(Serialize, ToSchema)]
pub struct ShipmentView {
    pub id: i64,
    /// What the documents print as Code 128 and the station scans.
    pub barcode: String,
    pub version: u64,
    pub warehouse: String,
    pub carrier: Option<String>,
    pub status: String,
    /// Who holds the claim; everyone else sees the shipment read-only.
    pub holder: Option<String>,
    pub lease_until: Option<String>,
    pub tracking: Option<String>,
    pub lines: Vec<ShipmentLineView>,
}

#[derive(Serialize, ToSchema)]
pub struct ShipmentLineView {
    pub order: i64,
    pub line_no: u32,
    pub quantity: u32,
}

impl From<Shipment> for ShipmentView {
    fn from(shipment: Shipment) -> ShipmentView {
        ShipmentView {
            id: shipment.id.0,
            barcode: shipment.barcode(),
            version: shipment.version,
            warehouse: shipment.warehouse.as_str().to_owned(),
            carrier: shipment.carrier.clone(),
            status: shipment.status.as_str().to_owned(),
            holder: shipment.holder.clone(),
            lease_until: shipment.lease_until.map(|it| it.to_string()),
            tracking: shipment.tracking.as_ref().map(|it| it.as_str().to_owned()),
            lines: shipment
                .lines
                .iter()
                .map(|it| ShipmentLineView {
                    order: it.order.0,
                    line_no: it.line_no,
                    quantity: it.quantity.get(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// One warehouse; a warehouse user's own when left out.
    pub warehouse: Option<String>,
    /// At most 500; 100 when left out.
    pub limit: Option<u32>,
}

fn warehouse(text: &str) -> ApiResult<WarehouseCode> {
    WarehouseCode::new(text).map_err(|e| ApiError::invalid("warehouse", e.to_string()))
}

/// Shipments not yet shipped, oldest first.
#[utoipa::path(get, path = "/api/v1/shipments", params(ListParams), tag = "shipments",
    responses((status = 200, body = [ShipmentView]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<ShipmentView>>> {
    let me = caller.require(Permission::ReadShipments, "read shipments")?;
    let limit = params.limit.unwrap_or(100);
    if limit == 0 || limit > 500 {
        return Err(ApiError::invalid("limit", "1 to 500"));
    }
    let wanted = params.warehouse.as_deref().map(warehouse).transpose()?;
    if let Some(code) = &wanted
        && !me.reaches(code)
    {
        return Err(ApiError::forbidden(&format!(
            "see {}'s shipments",
            code.as_str()
        )));
    }
    let open = state.store.open_shipments(wanted.as_ref(), limit).await?;
    Ok(Json(
        open.into_iter()
            .filter(|it| me.reaches(&it.warehouse))
            .map(ShipmentView::from)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    pub warehouse: String,
    /// How many to claim, 1 to 100.
    pub count: u32,
    /// How long the claim holds unless renewed; 30 when left out.
    pub lease_minutes: Option<u32>,
}

/// Claims a batch of unclaimed shipments of a warehouse for the caller.
#[utoipa::path(post, path = "/api/v1/shipments/claim", request_body = ClaimBody, tag = "shipments",
    responses((status = 200, body = [ShipmentView]), (status = 403, body = ErrorBody)))]
pub async fn claim(
    State(state): State<ApiState>,
    caller: Caller,
    body: ApiJson<ClaimBody>,
) -> ApiResult<Json<Vec<ShipmentView>>> {
    let me = caller.require(Permission::WorkShipments, "claim shipments")?;
    let body = body.0;
    let code = warehouse(&body.warehouse)?;
    if !me.reaches(&code) {
        return Err(ApiError::forbidden(&format!(
            "claim {}'s shipments",
            code.as_str()
        )));
    }
    if body.count == 0 || body.count > 100 {
        return Err(ApiError::invalid("count", "1 to 100"));
    }
    let lease = lease(body.lease_minutes)?;
    let claimed = app::claim_batch(
        state.store.as_ref(),
        &code,
        &me.login,
        body.count as usize,
        lease,
        &me.actor(),
        state.clock.now(),
    )
    .await?;
    Ok(Json(claimed.into_iter().map(ShipmentView::from).collect()))
}

fn lease(minutes: Option<u32>) -> ApiResult<Lease> {
    match minutes.unwrap_or(30) {
        minutes @ 1..=480 => Ok(Lease::minutes(i64::from(minutes))),
        _ => Err(ApiError::invalid("lease_minutes", "1 to 480")),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipBody {
    /// The parcel's scanned barcode (`SH…`): it must be this shipment's.
    pub barcode: String,
    /// The scanned tracking number: it must fit the shipment's carrier.
    pub tracking: String,
}

/// Ships a shipment the caller holds (or nobody holds): the two scans of the station in one call. A
/// refused scan changes nothing and says why.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/ship", params(("id" = i64, Path)), tag = "shipments",
    request_body = ShipBody,
    responses((status = 200, body = ShipmentView), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn ship(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    body: ApiJson<ShipBody>,
) -> ApiResult<Json<ShipmentView>> {
    let me = caller.require(Permission::WorkShipments, "ship")?;
    let shipment = state.store.load_shipment(ShipmentId(id)).await?;
    if !me.reaches(&shipment.warehouse) {
        return Err(ApiError::not_found(format!("shipment {id}")));
    }
    if app::parse_shipment_barcode(&body.0.barcode) != Some(shipment.id) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "wrong_parcel",
            format!(
                "scanned {:?}, but this is {}: scan this parcel's label",
                body.0.barcode,
                shipment.barcode()
            ),
        )
        .field("barcode"));
    }
    let mut station = Station::new(me.login.clone(), Lease::minutes(30));
    let now = state.clock.now();
    let actor = me.actor();
    let store = state.store.as_ref();
    for scan in [body.0.barcode.as_str(), body.0.tracking.as_str()] {
        match station.scan(store, scan, &actor, now).await? {
            ScanOutcome::Opened(_) => continue,
            ScanOutcome::Shipped(shipped) => return Ok(Json(ShipmentView::from(shipped))),
            ScanOutcome::Refused(message) => {
                return Err(ApiError::new(StatusCode::CONFLICT, "scan_refused", message));
            }
        }
    }
    Err(ApiError::invalid("tracking", "scan the tracking number"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// The version the caller saw.
    pub version: u64,
    /// Why the claim is given back: kept in the event log.
    pub reason: String,
}

/// Gives a claimed shipment back so that it can be claimed again.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/release", tag = "shipments",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The shipment's version, quoted"),
        ("Idempotency-Key" = Option<String>, Header, description = "Send the same key again to get the first answer")),
    request_body = ReleaseBody,
    responses((status = 200, body = ShipmentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn release(
    State(state): State<ApiState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: ApiJson<ReleaseBody>,
) -> ApiResult<Json<ShipmentView>> {
    let me = caller.require(Permission::WorkShipments, "release shipments")?;
    let body = body.0;
    let version = expected_version(&headers, Some(body.version))?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::invalid(
            "reason",
            "say why the claim is given back",
        ));
    }
    let shipment = state.store.load_shipment(ShipmentId(id)).await?;
    if !me.reaches(&shipment.warehouse) {
        return Err(ApiError::not_found(format!("shipment {id}")));
    }
    let event = ShipmentEvent::GiveBack {
        holder: me.login.clone(),
    };
    let released = state
        .store
        .apply_noted_shipment_event(
            shipment.id,
            version,
            &event,
            body.reason.trim(),
            &me.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(Json(ShipmentView::from(released)))
}
