//! Serving a simulator's Router on loopback, the same way for every platform: bind, serve until the
//! handle says stop, let open requests finish.

use std::io;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server: [`ServerHandle::shutdown`] stops accepting, lets open requests finish and waits.
#[derive(Debug)]
pub struct ServerHandle {
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl ServerHandle {
    pub async fn shutdown(self) -> io::Result<()> {
        // The server may have stopped on its own (an accept error); its result says why.
        let _ = self.stop.send(());
        match self.task.await {
            Ok(result) => result,
            Err(error) => Err(io::Error::other(error)),
        }
    }
}

/// Serves `router` on `listen` and returns the address it is bound to.
pub(crate) async fn serve(
    listen: SocketAddr,
    router: Router,
) -> io::Result<(SocketAddr, ServerHandle)> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                // A dropped handle stops the server too.
                let _ = stopped.await;
            })
            .await
    });
    Ok((addr, ServerHandle { stop, task }))
}
