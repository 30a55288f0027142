//! The HTTP edge every connector's client shares: send a request, read the body, and sort the
//! transport's and the status line's failures into `ChannelError` (429 waits, 5xx and network
//! failures are transient, other non-2xx answers are refusals). What a 2xx body says is each
//! platform's `wire.rs` to read.

use app::ChannelError;

/// Sends `request` (for the platform call `what`) and returns the body of a 2xx answer.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<Vec<u8>, ChannelError> {
    let response = request
        .send()
        .await
        .map_err(|e| ChannelError::Transient(format!("{what}: {e}")))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| ChannelError::Transient(format!("{what}: {e}")))?;
    if status.as_u16() == 429 {
        return Err(ChannelError::RateLimited {
            retry_after_millis: 1_000,
            message: format!("{what}: HTTP 429"),
        });
    }
    if status.is_server_error() {
        return Err(ChannelError::Transient(format!("{what}: HTTP {status}")));
    }
    if !status.is_success() {
        return Err(ChannelError::Rejected {
            code: status.as_u16().to_string(),
            message: format!("{what}: HTTP {status}"),
        });
    }
    Ok(body.to_vec())
}
