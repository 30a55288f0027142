//! The web console: server-rendered pages (askama templates compiled into the binary) over the same
//! use cases as the API, Chinese by default with an English switch (`?lang=en`, kept in the `lang`
//! cookie). Every page asks the server who is signing in (the `orderhub_session` cookie), redirects
//! to `/login` without one and answers 403 for a permission the role lacks; every form post carries
//! the session's CSRF token in a hidden `csrf` field. Pages reuse the API's handlers with the
//! viewer's `Principal`, so authorisation, warehouse reach and phone masking are decided once.

mod charts;
mod dashboard;
mod orders;
mod pages;
mod session;
mod shops;
mod station;
pub mod words;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{Permission, Principal};

use crate::api::ApiState;
use crate::api::auth::{SESSION_COOKIE, cookie, digest};
use crate::api::error::ApiError;
pub use crate::console::words::Lang;
use crate::console::words::Words;

const CSS: &str = include_str!("../../static/console.css");

/// The console's pages, the stylesheet and the dashboard's event stream.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/events", get(dashboard::events))
        .route("/login", get(session::form).post(session::sign_in))
        .route("/logout", post(session::sign_out))
        .route("/orders", get(orders::search))
        .route("/orders/{id}", get(orders::detail))
        .route("/review", get(orders::review))
        .route("/review/{id}/release", post(orders::release))
        .route("/station", get(station::page))
        .route("/station/claim", post(station::claim))
        .route("/station/scan", post(station::scan))
        .route("/stock", get(pages::stock))
        .route("/after-sales", get(pages::after_sales))
        .route("/rules", get(pages::rules))
        .route("/shops", get(shops::page))
        .route("/users", get(pages::users))
        .route("/static/console.css", get(css))
        .layer(axum::middleware::from_fn(remember_lang))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::api::ops::observe,
        ))
        .with_state(state)
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// `?lang=en` (or `zh`) switches the language and keeps the choice in the `lang` cookie.
async fn remember_lang(request: Request, next: Next) -> Response {
    let chosen = request.uri().query().and_then(query_lang);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let value = format!(
            "lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|it| it.split_once('='))
        .find(|(key, _)| *key == "lang")
        .and_then(|(_, value)| Lang::parse(value))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        let chosen = parts.uri.query().and_then(query_lang);
        let kept = cookie(&parts.headers, "lang").and_then(Lang::parse);
        Ok(chosen.or(kept).unwrap_or(Lang::Zh))
    }
}

/// The signed-in person looking at a page, with the session's CSRF token and their language.
pub struct Viewer {
    pub me: Principal,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<ApiState> for Viewer {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Viewer, Refusal> {
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        let Some(key) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Refusal::sign_in());
        };
        let session = state.store.session(&digest(key), state.clock.now()).await;
        let Some((user, csrf)) = session.map_err(|err| Refusal::api(lang, err.into()))? else {
            return Err(Refusal::sign_in());
        };
        Ok(Viewer {
            me: Principal {
                login: user.login,
                role: user.role,
                warehouses: user.warehouses,
                scopes: Vec::new(),
            },
            csrf,
            lang,
        })
    }
}

impl Viewer {
    /// The viewer, if their role allows `permission`; else the 403 page naming `what`.
    pub fn require(&self, permission: Permission, what: &str) -> Result<&Principal, Refusal> {
        match self.me.may(permission) {
            true => Ok(&self.me),
            false => Err(Refusal::api(self.lang, ApiError::forbidden(what))),
        }
    }

    /// A form post must send back the session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), Refusal> {
        match sent == self.csrf {
            true => Ok(()),
            false => Err(Refusal::page(
                self.lang,
                StatusCode::FORBIDDEN,
                self.lang.words().form_expired,
                String::new(),
            )),
        }
    }

    /// The page frame: navigation by role, the language switch, the sign-out form.
    pub fn chrome(&self, current: &'static str) -> Chrome {
        let w = self.lang.words();
        let me = &self.me;
        let links = [
            ("/", w.nav_dashboard, dashboard::may_see(me)),
            ("/orders", w.nav_orders, me.may(Permission::ReadOrders)),
            ("/review", w.nav_review, me.may(Permission::ReviewOrders)),
            ("/station", w.nav_station, me.may(Permission::WorkShipments)),
            ("/stock", w.nav_stock, me.may(Permission::ReadStock)),
            (
                "/after-sales",
                w.nav_after_sales,
                me.may(Permission::ReadAfterSales),
            ),
            ("/rules", w.nav_rules, me.may(Permission::ReadRules)),
            ("/shops", w.nav_shops, me.may(Permission::ReadShops)),
            ("/users", w.nav_users, me.may(Permission::ManageUsers)),
        ];
        let nav = links
            .into_iter()
            .filter(|(_, _, shown)| *shown)
            .map(|(href, label, _)| NavLink {
                href,
                label,
                current: href == current,
            })
            .collect();
        Chrome {
            w,
            lang: self.lang,
            nav,
            login: Some(self.me.login.clone()),
            csrf: self.csrf.clone(),
        }
    }
}

/// A link of the navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the shared layout needs.
pub struct Chrome {
    pub w: &'static Words,
    pub lang: Lang,
    pub nav: Vec<NavLink>,
    /// Who is signed in; `None` on the sign-in page.
    pub login: Option<String>,
    pub csrf: String,
}

impl Chrome {
    /// The frame of a page nobody is signed in to.
    pub fn anonymous(lang: Lang) -> Chrome {
        Chrome {
            w: lang.words(),
            lang,
            nav: Vec::new(),
            login: None,
            csrf: String::new(),
        }
    }

    pub fn status(&self, status: &str) -> &'static str {
        self.lang.status(status)
    }
}

/// A page that could not be shown: a redirect to sign in, or an error page.
pub struct Refusal(Box<Response>);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    detail: String,
}

impl Refusal {
    /// Nobody is signed in: to the sign-in form.
    pub fn sign_in() -> Refusal {
        Refusal(Box::new(Redirect::to("/login").into_response()))
    }

    pub fn page(lang: Lang, status: StatusCode, heading: &str, detail: String) -> Refusal {
        let page = ErrorPage {
            chrome: Chrome::anonymous(lang),
            heading: heading.to_owned(),
            detail,
        };
        Refusal(Box::new((status, render(&page)).into_response()))
    }

    /// An API error as a page: 403 names what the role may not do.
    pub fn api(lang: Lang, error: ApiError) -> Refusal {
        let w = lang.words();
        match error.status {
            StatusCode::UNAUTHORIZED => Refusal::sign_in(),
            StatusCode::FORBIDDEN => {
                let what = error
                    .body
                    .message
                    .strip_prefix("your role may not ")
                    .unwrap_or(&error.body.message)
                    .to_owned();
                Refusal::page(
                    lang,
                    StatusCode::FORBIDDEN,
                    w.forbidden,
                    format!("{} {what}", w.forbidden_text),
                )
            }
            StatusCode::NOT_FOUND => {
                Refusal::page(lang, error.status, w.not_found, error.body.message)
            }
            status => Refusal::page(lang, status, w.failed, error.body.message),
        }
    }
}

/// A template as an HTML page; a template that cannot render is a 500 (it never should).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(%err, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
