//! Signing in and out of the console: the form posts to `/login`, which signs in exactly as the API
//! does (`api::auth::sign_in`: argon2id, per-login throttling, a hashed session with its CSRF
//! token) and passes its `HttpOnly; SameSite=Strict` session cookie (`Secure` behind TLS) on with a
//! redirect to the dashboard. A sign-in posted from another site's page (its `Origin` is not this
//! host) is refused, so that nobody can sign a visitor in as someone else.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::api::auth::{self, SignIn};
use crate::api::{ApiJson, ApiState};
use crate::console::{Chrome, Lang, Refusal, Viewer, render};

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    chrome: Chrome,
    login: String,
    error: Option<&'static str>,
}

pub(super) async fn form(lang: Lang) -> Response {
    render(&LoginPage {
        chrome: Chrome::anonymous(lang),
        login: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub(super) struct SignInForm {
    login: String,
    password: String,
}

/// Whether the form was posted from a page of this host: browsers send `Origin` with every form
/// post; a request without one (a script, a test) is not a browser being tricked.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|it| it.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|it| it.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    !host.is_empty() && origin_host == host
}

pub(super) async fn sign_in(
    State(state): State<ApiState>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if !same_origin(&headers) {
        return (
            StatusCode::FORBIDDEN,
            "sign-in refused: the form was posted from another site",
        )
            .into_response();
    }
    let login = form.login.trim().to_owned();
    let body = SignIn {
        login: login.clone(),
        password: form.password,
    };
    match auth::sign_in(State(state), ApiJson(body)).await {
        Ok(signed_in) => {
            let mut response = Redirect::to("/").into_response();
            if let Some(cookie) = signed_in.headers().get(header::SET_COOKIE) {
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, cookie.clone());
            }
            response
        }
        Err(error) => {
            let w = lang.words();
            let (status, message) = match error.status {
                StatusCode::TOO_MANY_REQUESTS => (error.status, w.throttled),
                StatusCode::UNAUTHORIZED => (error.status, w.wrong_password),
                _ => return Refusal::api(lang, error).into_response(),
            };
            let page = LoginPage {
                chrome: Chrome::anonymous(lang),
                login,
                error: Some(message),
            };
            (status, render(&page)).into_response()
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn sign_out(
    State(state): State<ApiState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Refusal> {
    viewer.check_csrf(&form.csrf)?;
    let ended = auth::sign_out(State(state), headers)
        .await
        .map_err(|err| Refusal::api(viewer.lang, err))?;
    let mut response = Redirect::to("/login").into_response();
    if let Some(cookie) = ended.headers().get(header::SET_COOKIE) {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, cookie.clone());
    }
    Ok(response)
}
