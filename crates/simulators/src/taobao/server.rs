//! The simulated gateway over HTTP: an axum [`Router`] for `/router/rest` and a loopback server with
//! graceful shutdown. The only IO of the simulator: parameters are decoded here, the clock is read
//! once per request, and the answer comes from [`Simulation::handle`].

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use app::Clock;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::Value;

use crate::serve::ServerHandle;
use crate::taobao::gateway::{Config, Reply, Simulation};
use crate::taobao::wire::TopError;

/// TOP's gateway path.
pub const GATEWAY_PATH: &str = "/router/rest";

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

    /// The gateway as a Router (`/router/rest`, GET or POST), for a server or `oneshot` tests.
    pub fn router(&self) -> Router {
        Router::new()
            .route(GATEWAY_PATH, any(gateway))
            .with_state(self.clone())
    }

    /// Answers one request's parameters at the clock's present (no injected outage).
    pub fn handle(&self, params: &[(String, String)]) -> Value {
        let now = self.clock.now();
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        state.handle(params, now)
    }

    /// Answers one HTTP request at the clock's present, injected outages included.
    pub fn answer(&self, params: &[(String, String)]) -> Reply {
        let now = self.clock.now();
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        state.answer(params, now)
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

async fn gateway(
    State(simulator): State<Simulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params: Vec<(String, String)> = uri
        .query()
        .map(|it| decode(it.as_bytes()))
        .unwrap_or_default();
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|it| it.to_str().ok())
        .is_some_and(|it| {
            it.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if form {
        params.extend(decode(&body));
    }
    let reply = match method {
        Method::GET | Method::POST => simulator.answer(&params),
        _ => Reply {
            status: 200,
            json: true,
            body: TopError::new(9, "Http Action Not Allowed")
                .body("0")
                .to_string(),
        },
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = match reply.json {
        true => "application/json;charset=UTF-8",
        false => "text/html",
    };
    let mut response = (status, reply.body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn decode(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}
