//! OrderHub's HTTP layer, the only crate that knows HTTP besides the simulators: the API under
//! `/api/v1` with the operations endpoints (`api`), the web console (`console`), and the platforms'
//! push endpoints (`push`).

pub mod api;
pub mod console;
mod push;

pub use crate::api::auth::hash_password;
pub use crate::api::{ApiState, openapi};
pub use crate::push::{PushShop, PushState, router};

/// Serves the push routes on `listen` until the task is dropped or aborted; returns the bound address.
pub async fn serve_push(
    listen: std::net::SocketAddr,
    state: PushState,
) -> std::io::Result<(
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = router(state);
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((addr, task))
}

/// The API, the operations endpoints and the web console, one router.
pub fn app(state: ApiState) -> axum::Router {
    api::router(state.clone()).merge(console::router(state))
}

/// Serves the API, the operations endpoints and the web console on `listen` until `shutdown` resolves, then finishes
/// the requests in flight; returns the bound address.
pub async fn serve_api(
    listen: std::net::SocketAddr,
    state: ApiState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = app(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    });
    Ok((addr, task))
}
