//! Routing rules over the API: the current rule set (its text and version, the version as `ETag`)
//! and checking a posted rule file the way `orderhub rules test` does: compiled against the
//! warehouses, carriers, SKUs and shops the deployment knows, every mistake with its place and field,
//! then the file's own test cases decided.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::routing::{Network, WarehouseSpec};
use domain::{Permission, SkuCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::versions::etag;
use crate::api::{ApiJson, ApiState};

/// What rules may name besides the store's SKUs and shops: the configured network and carriers.
/// Without it the API knows the stored warehouses, with no capabilities, and no carriers.
#[derive(Clone, Debug, Default)]
pub struct RuleNames {
    pub network: Network,
    pub carriers: BTreeSet<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RuleSetView {
    pub version: u32,
    /// The rule file, TOML.
    pub text: String,
}

/// The rule set routing uses now.
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules",
    responses((status = 200, body = RuleSetView,
            headers(("ETag" = String, description = "The rule set's version, quoted"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn current(State(state): State<ApiState>, caller: Caller) -> ApiResult<Response> {
    caller.require(Permission::ReadRules, "read rules")?;
    let Some((version, text)) = state.store.rule_set(None).await? else {
        return Err(ApiError::not_found("a stored rule set"));
    };
    Ok((
        etag(u64::from(version)),
        Json(RuleSetView { version, text }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFileBody {
    /// The rule file, TOML.
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct RuleErrorView {
    /// `rule 3 "跨境走保税仓"`, `regions`, `test "杭州"` or `file`.
    pub place: String,
    /// E.g. `when.region`; empty for the whole place.
    pub field: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub name: String,
    pub expected: String,
    pub got: String,
    pub passed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RuleCheck {
    /// No mistake and every test case passed.
    pub ok: bool,
    pub errors: Vec<RuleErrorView>,
    /// The file's test cases, decided when it compiled.
    pub cases: Vec<CaseView>,
}

/// Checks a rule file without storing it: every mistake at once, then the file's test cases.
#[utoipa::path(post, path = "/api/v1/rules/check", request_body = RuleFileBody, tag = "rules",
    responses((status = 200, body = RuleCheck), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    State(state): State<ApiState>,
    caller: Caller,
    body: ApiJson<RuleFileBody>,
) -> ApiResult<Json<RuleCheck>> {
    caller.require(Permission::ReadRules, "check rules")?;
    let names = match &state.rule_names {
        Some(names) => names.as_ref().clone(),
        None => stored_names(&state).await?,
    };
    let catalog = state.store.catalog().await?;
    let skus: BTreeSet<SkuCode> = catalog.iter().map(|it| it.code.clone()).collect();
    let shops: BTreeSet<String> = state
        .store
        .shops()
        .await?
        .into_iter()
        .map(|it| it.code)
        .collect();
    let known = ::rules::Known {
        network: &names.network,
        carriers: &names.carriers,
        skus: Some(&skus),
        shops: Some(&shops),
    };
    let text = body.0.text;
    let file = match ::rules::compile(&text, &known) {
        Ok(file) => file,
        Err(errors) => {
            return Ok(Json(RuleCheck {
                ok: false,
                errors: errors
                    .0
                    .into_iter()
                    .map(|it| RuleErrorView {
                        place: it.place,
                        field: it.field,
                        message: it.message,
                    })
                    .collect(),
                cases: Vec::new(),
            }));
        }
    };
    let results = ::rules::run_cases(
        &file.cases,
        &file.rules,
        &names.network,
        &app::catalog_of(&catalog),
    );
    let cases: Vec<CaseView> = results
        .into_iter()
        .map(|it| CaseView {
            name: it.name,
            expected: it.expected,
            got: it.got,
            passed: it.passed,
        })
        .collect();
    Ok(Json(RuleCheck {
        ok: cases.iter().all(|it| it.passed),
        errors: Vec::new(),
        cases,
    }))
}

/// The stored warehouses, as a network with no capabilities or carriers.
async fn stored_names(state: &ApiState) -> ApiResult<RuleNames> {
    let warehouses = state.store.warehouses().await?;
    Ok(RuleNames {
        network: Network {
            warehouses: warehouses
                .into_iter()
                .map(|it| WarehouseSpec {
                    code: it.code,
                    area_code: it.area_code,
                    capabilities: BTreeSet::new(),
                    carriers: Vec::new(),
                    allow_oversell: it.allow_oversell,
                    daily_capacity: None,
                })
                .collect(),
            min_shipment_minor: 0,
        },
        carriers: BTreeSet::new(),
    })
}
