//! The simulated gateway over HTTP: an axum [`Router`] serving every method's path and a loopback
//! server with graceful shutdown. The only IO of the simulator: the query is decoded here, the body
//! kept as bytes, the clock read once per request, and the answer comes from [`Simulation::answer`].

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use app::Clock;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::douyin::gateway::{Call, Config, Reply, Simulation};
use crate::douyin::wire::DouyinError;
use crate::serve::ServerHandle;

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

    /// The gateway as a Router (every path, GET or POST), for a server or `oneshot` tests.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{*path}", any(gateway))
            .with_state(self.clone())
    }

    /// Answers one HTTP request at the clock's present, injected outages included.
    pub fn answer(&self, call: Call<'_>) -> Reply {
        let now = self.clock.now();
        let mut state = self.state.lock().unwrap_or_else(|it| it.into_inner());
        state.answer(call, now)
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
    body: Bytes,
) -> Response {
    let query: Vec<(String, String)> = uri
        .query()
        .map(|it| {
            form_urlencoded::parse(it.as_bytes())
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let reply = match method {
        Method::GET | Method::POST => simulator.answer(Call {
            path: uri.path(),
            query: &query,
            body: &body,
        }),
        _ => Reply {
            status: 405,
            json: true,
            body: DouyinError::new(40003, "isv.http-method-invalid", "只支持GET和POST")
                .body("")
                .to_string(),
        },
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = match reply.json {
        true => "application/json; charset=utf-8",
        false => "text/html",
    };
    let mut response = (status, reply.body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
