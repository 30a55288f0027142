//! Who is asking: an API token (`Authorization: Bearer …`) or a browser session cookie, turned into a
//! [`Principal`] by the [`Caller`] extractor; signing in and out with login throttling; users and
//! tokens. Passwords are argon2id PHC strings; session keys and tokens are 32 random bytes kept only
//! as their SHA-256. A session's writes must carry its CSRF token in `X-CSRF-Token`.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Permission, Principal, Role, Timestamp, WarehouseCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::api::error::{ApiError, ApiResult};
use crate::api::{ApiJson, ApiState};

pub const SESSION_COOKIE: &str = "orderhub_session";
const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed per login within [`THROTTLE_WINDOW_MILLIS`].
const THROTTLE_FAILURES: u32 = 5;
const THROTTLE_WINDOW_MILLIS: i64 = 15 * 60_000;

/// The caller of a request, authenticated.
pub struct Caller(pub Principal);

impl Caller {
    /// The caller, if their role (and token) allows `permission`; else 403.
    pub fn require(&self, permission: Permission, what: &str) -> ApiResult<&Principal> {
        match self.0.may(permission) {
            true => Ok(&self.0),
            false => Err(ApiError::forbidden(what)),
        }
    }
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> ApiResult<Caller> {
        if let Some(token) = bearer(&parts.headers) {
            let Some((user, token)) = state.store.token(&digest(token)).await? else {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "token_refused",
                    "the token is unknown or revoked",
                ));
            };
            return Ok(Caller(Principal {
                login: user.login,
                role: user.role,
                warehouses: user.warehouses,
                scopes: token.scopes,
            }));
        }
        let Some(key) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthenticated());
        };
        let now = state.clock.now();
        let Some((user, csrf)) = state.store.session(&digest(key), now).await? else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "the session ended: sign in again",
            ));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|it| it.to_str().ok());
        if !safe && sent != Some(csrf.as_str()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "a change from a browser session needs its X-CSRF-Token",
            ));
        }
        Ok(Caller(Principal {
            login: user.login,
            role: user.role,
            warehouses: user.warehouses,
            scopes: Vec::new(),
        }))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|it| !it.is_empty())
}

pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|it| it.to_str().ok())
        .flat_map(|it| it.split(';'))
        .filter_map(|it| it.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// SHA-256 of a session key or token, hex: what the store keeps.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// 32 random bytes, hex.
fn random_key() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|err| {
        tracing::error!(%err, "no randomness");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "randomness",
            "the system has no randomness to give",
        )
    })?;
    Ok(hex::encode(bytes))
}

/// An argon2id PHC string of `password` with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|err| err.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|err| err.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|it| it.to_string())
        .map_err(|err| err.to_string())
}

fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Failed sign-ins per login: how many, since when.
#[derive(Default)]
pub struct Throttle(Mutex<HashMap<String, (u32, Timestamp)>>);

impl Throttle {
    fn blocked(&self, login: &str, now: Timestamp) -> bool {
        let failures = self.0.lock().expect("throttle lock");
        failures.get(login).is_some_and(|(count, since)| {
            *count >= THROTTLE_FAILURES
                && now.unix_millis() - since.unix_millis() < THROTTLE_WINDOW_MILLIS
        })
    }

    fn failed(&self, login: &str, now: Timestamp) {
        let mut failures = self.0.lock().expect("throttle lock");
        let entry = failures.entry(login.to_owned()).or_insert((0, now));
        if now.unix_millis() - entry.1.unix_millis() >= THROTTLE_WINDOW_MILLIS {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    fn succeeded(&self, login: &str) {
        self.0.lock().expect("throttle lock").remove(login);
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub login: String,
    pub password: String,
}

/// Who is signed in, and the CSRF token their browser's writes must carry.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub login: String,
    pub role: String,
    pub warehouses: Vec<String>,
    pub csrf: String,
}

/// Signs in: sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = SignIn, tag = "access",
    responses((status = 200, body = SessionView), (status = 401, body = crate::api::error::ErrorBody),
        (status = 429, body = crate::api::error::ErrorBody)))]
pub async fn sign_in(State(state): State<ApiState>, body: ApiJson<SignIn>) -> ApiResult<Response> {
    let SignIn { login, password } = body.0;
    let now = state.clock.now();
    if state.throttle.blocked(&login, now) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed sign-ins for this login: wait 15 minutes",
        ));
    }
    let user = state.store.user(&login).await?;
    let phc = user.as_ref().map(|it| it.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || {
        phc.is_some_and(|phc| password_matches(&password, &phc))
    })
    .await
    .unwrap_or(false);
    let user = match (user, matches) {
        (Some(user), true) if !user.disabled => user,
        _ => {
            state.throttle.failed(&login, now);
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "sign_in_refused",
                "wrong login or password",
            ));
        }
    };
    state.throttle.succeeded(&login);
    let key = random_key()?;
    let csrf = random_key()?;
    let expires = now.plus_millis(SESSION_HOURS * 3_600_000);
    state
        .store
        .create_session(user.id, &digest(&key), &csrf, expires, now)
        .await?;
    let secure = match state.secure_cookies {
        true => "; Secure",
        false => "",
    };
    let cookie = format!(
        "{SESSION_COOKIE}={key}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_HOURS * 3600
    );
    let view = SessionView {
        login: user.login,
        role: user.role.as_str().to_owned(),
        warehouses: user
            .warehouses
            .iter()
            .map(|it| it.as_str().to_owned())
            .collect(),
        csrf,
    };
    let mut response = Json(view).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Signs out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "access", responses((status = 204)))]
pub async fn sign_out(State(state): State<ApiState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(key) = cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(&digest(key)).await?;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub login: String,
    pub role: String,
    pub warehouses: Vec<String>,
    pub permissions: Vec<String>,
}

/// The caller and what they may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "access", responses((status = 200, body = MeView)))]
pub async fn me(caller: Caller) -> Json<MeView> {
    let me = caller.0;
    Json(MeView {
        permissions: Permission::ALL
            .into_iter()
            .filter(|it| me.may(*it))
            .map(|it| it.as_str().to_owned())
            .collect(),
        login: me.login,
        role: me.role.as_str().to_owned(),
        warehouses: me
            .warehouses
            .iter()
            .map(|it| it.as_str().to_owned())
            .collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub login: String,
    pub name: String,
    pub role: String,
    pub warehouses: Vec<String>,
    pub disabled: bool,
}

impl From<app::User> for UserView {
    fn from(user: app::User) -> UserView {
        UserView {
            login: user.login,
            name: user.name,
            role: user.role.as_str().to_owned(),
            warehouses: user
                .warehouses
                .iter()
                .map(|it| it.as_str().to_owned())
                .collect(),
            disabled: user.disabled,
        }
    }
}

/// Every user.
#[utoipa::path(get, path = "/api/v1/users", tag = "access", responses((status = 200, body = [UserView])))]
pub async fn users(
    State(state): State<ApiState>,
    caller: Caller,
) -> ApiResult<Json<Vec<UserView>>> {
    caller.require(Permission::ManageUsers, "manage users")?;
    let users = state.store.users().await?;
    Ok(Json(users.into_iter().map(UserView::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub login: String,
    pub name: String,
    /// admin, operations, customer_service, warehouse, finance or marketing.
    pub role: String,
    /// A warehouse user's warehouses.
    #[serde(default)]
    pub warehouses: Vec<String>,
    /// At least 8 characters.
    pub password: String,
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserBody, tag = "access",
    responses((status = 201, body = UserView), (status = 409, body = crate::api::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<ApiState>,
    caller: Caller,
    body: ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    caller.require(Permission::ManageUsers, "manage users")?;
    let body = body.0;
    let login = body.login.trim().to_owned();
    if login.is_empty() || login.len() > 64 || login.contains(char::is_whitespace) {
        return Err(ApiError::invalid("login", "1 to 64 characters, no spaces"));
    }
    let Some(role) = Role::parse(&body.role) else {
        return Err(ApiError::invalid(
            "role",
            "one of admin, operations, customer_service, warehouse, finance, marketing",
        ));
    };
    let warehouses = body
        .warehouses
        .iter()
        .map(|it| {
            WarehouseCode::new(it).map_err(|e| ApiError::invalid("warehouses", e.to_string()))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    if role == Role::Warehouse && warehouses.is_empty() {
        return Err(ApiError::invalid(
            "warehouses",
            "a warehouse user needs at least one warehouse",
        ));
    }
    if body.password.chars().count() < 8 {
        return Err(ApiError::invalid("password", "at least 8 characters"));
    }
    let password = body.password;
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|err| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "hashing",
                err.to_string(),
            )
        })?
        .map_err(|err| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "hashing", err))?;
    let user = state
        .store
        .create_user(
            &app::NewUser {
                login,
                name: body.name,
                role,
                warehouses,
                password_hash,
            },
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UserView::from(user))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    pub name: String,
    /// Permissions to narrow the token to (e.g. `orders:read`); none: all the caller's role grants.
    #[serde(default)]
    pub scopes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A new token: the only time it is shown.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
}

impl From<app::ApiToken> for TokenView {
    fn from(token: app::ApiToken) -> TokenView {
        TokenView {
            id: token.id,
            name: token.name,
            scopes: token
                .scopes
                .iter()
                .map(|it| it.as_str().to_owned())
                .collect(),
            created_at: token.created_at.to_string(),
            revoked_at: token.revoked_at.map(|it| it.to_string()),
        }
    }
}

/// Creates an API token for the caller.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenBody, tag = "access",
    responses((status = 201, body = CreatedToken)))]
pub async fn create_token(
    State(state): State<ApiState>,
    caller: Caller,
    body: ApiJson<NewTokenBody>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let body = body.0;
    if body.name.trim().is_empty() {
        return Err(ApiError::invalid(
            "name",
            "name the token after what uses it",
        ));
    }
    let scopes = body
        .scopes
        .iter()
        .map(|it| {
            Permission::parse(it)
                .ok_or_else(|| ApiError::invalid("scopes", format!("unknown permission {it:?}")))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    if let Some(beyond) = scopes.iter().find(|it| !caller.0.may(**it)) {
        return Err(ApiError::forbidden(&format!("grant {}", beyond.as_str())));
    }
    let user = state
        .store
        .user(&caller.0.login)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let token = format!("oh_{}", random_key()?);
    let kept = state
        .store
        .create_token(
            user.id,
            body.name.trim(),
            &digest(&token),
            &scopes,
            state.clock.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken { id: kept.id, token }),
    ))
}

/// The caller's tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access", responses((status = 200, body = [TokenView])))]
pub async fn tokens(
    State(state): State<ApiState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TokenView>>> {
    let user = state
        .store
        .user(&caller.0.login)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let tokens = state.store.tokens(user.id).await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access",
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::api::error::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let user = state
        .store
        .user(&caller.0.login)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    state
        .store
        .revoke_token(user.id, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
