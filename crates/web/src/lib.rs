//! OrderHub's HTTP layer, the only crate that knows HTTP besides the simulators. Today it serves the
//! platforms' push endpoints; the API and the console join it later.

mod push;

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
