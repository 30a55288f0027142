//! The simulated Admin API over HTTP: an axum [`Router`] for `/admin/api/{version}/graphql.json` and
//! the token endpoint, and a loopback server with graceful shutdown. The only IO of the simulator:
//! requests are decoded here, the clock is read once per request, and the answer comes from
//! [`Simulation`].

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use app::Clock;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::serve::ServerHandle;
use crate::shopify::admin::{Config, Reply, Simulation, Webhook};

/// The GraphQL endpoint of a version: `/admin/api/2026-01/graphql.json`.
pub fn graphql_path(version: &str) -> String {
    format!("/admin/api/{version}/graphql.json")
}

/// The token endpoint.
pub const TOKEN_PATH: &str = "/admin/oauth/access_token";

/// A simulation shared by the server and its owner (tests, the demo), with the clock it runs on.
#[derive(Clone)]
pub struct Simulator {
    state: Arc<Mutex<Simulation>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator").finish_non_exhaustive()
    }
}

impl Simulator {
    /// The platform of `config` as of `clock.now()`.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Simulator {
        let state = Simulation::new(config, clock.now());
        Simulator {
            state: Arc::new(Mutex::new(state)),
            clock,
        }
    }

    /// The simulation, played forward to the clock's present, for inspection or changes.
    pub fn lock(&self) -> MutexGuard<'_, Simulation> {
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        state.advance(self.clock.now());
        state
    }

    /// A signed webhook about an order at the clock's present.
    pub fn webhook(&self, order_id: u64, topic: &str) -> Option<Webhook> {
        let now = self.clock.now();
        self.lock().webhook(order_id, topic, now)
    }

    /// The API as a Router, for a server or `oneshot` tests.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/admin/api/{version}/graphql.json", post(graphql))
            .route(TOKEN_PATH, post(token))
            .with_state(self.clone())
    }
}

/// Where to listen and what to serve; port 0 picks a free port.
#[derive(Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub simulator: Simulator,
}

/// Serves the simulator on `config.listen` and returns the address it is bound to.
pub async fn start(config: ServeConfig) -> io::Result<(SocketAddr, ServerHandle)> {
    crate::serve::serve(config.listen, config.simulator.router()).await
}

async fn graphql(
    State(simulator): State<Simulator>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get("X-Shopify-Access-Token")
        .and_then(|it| it.to_str().ok());
    let now = simulator.clock.now();
    let reply = simulator
        .state
        .lock()
        .unwrap_or_else(|it| it.into_inner())
        .graphql(&version, token, &body, now);
    respond(reply)
}

async fn token(State(simulator): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|it| it.to_str().ok())
        .is_some_and(|it| it.starts_with("application/json"));
    let params: Vec<(String, String)> = match json {
        true => serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(key, value)| value.as_str().map(|it| (key, it.to_owned())))
            .collect(),
        false => form_urlencoded::parse(&body)
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect(),
    };
    let now = simulator.clock.now();
    let reply = simulator
        .state
        .lock()
        .unwrap_or_else(|it| it.into_inner())
        .token(&params, now);
    respond(reply)
}

fn respond(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, reply.body).into_response();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
