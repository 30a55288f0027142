//! Optimistic concurrency over HTTP: a single resource's GET carries its version as
//! `ETag: "<version>"`, and a change names the version it was based on, as `version` in its body or
//! as `If-Match: "<version>"`. When both are sent they must agree; a stale version is the store's
//! `conflict` (409).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::api::error::{ApiError, ApiResult};

/// The `ETag` header of a resource at `version`.
pub fn etag(version: u64) -> [(header::HeaderName, HeaderValue); 1] {
    let value = HeaderValue::from_str(&format!("\"{version}\"")).expect("digits and quotes");
    [(header::ETAG, value)]
}

/// The version a change is based on: the body's `version`, or `If-Match`'s, which must agree.
pub fn expected_version(headers: &HeaderMap, body: Option<u64>) -> ApiResult<u64> {
    let matched = if_match(headers)?;
    match (matched, body) {
        (Some(header), Some(body)) if header != body => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            format!("If-Match names version {header} but the body's version is {body}"),
        )
        .field("version")),
        (Some(version), _) | (None, Some(version)) => Ok(version),
        (None, None) => Err(ApiError::invalid(
            "version",
            "send the version you saw, as `version` or as If-Match",
        )),
    }
}

/// `If-Match: "12"` (or `W/"12"`, or `*` for any) as a version.
fn if_match(headers: &HeaderMap) -> ApiResult<Option<u64>> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    let bare = text.trim_start_matches("W/").trim_matches('"');
    match bare.parse::<u64>() {
        Ok(version) => Ok(Some(version)),
        Err(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_if_match",
            "If-Match takes the ETag of a GET, e.g. \"3\"",
        )),
    }
}
