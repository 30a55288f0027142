//! `Idempotency-Key` on writes: a write sent again with the same key and the same body gets the first
//! answer again (marked `Idempotency-Replayed: true`) instead of being done twice; the same key with
//! another body is refused. Keys are scoped by who sends them (their token or session), kept in memory
//! by the serving process for a day, at most [`CAPACITY`] of them, the oldest forgotten first.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::Timestamp;

use crate::api::auth::{SESSION_COOKIE, cookie, digest};
use crate::api::error::ApiError;
use crate::api::{ApiState, BODY_LIMIT};

pub const HEADER: &str = "idempotency-key";
/// How many keys are remembered at most.
pub const CAPACITY: usize = 10_000;
/// How long a key is remembered.
const KEEP_MILLIS: i64 = 24 * 3_600_000;
const MAX_KEY_LEN: usize = 255;

/// The remembered keys and their first answers.
#[derive(Default)]
pub struct IdempotencyKeys(Mutex<Keys>);

#[derive(Default)]
struct Keys {
    by_key: HashMap<String, Kept>,
    /// Keys in the order they were first seen, with the sequence number that tells a re-used slot.
    order: VecDeque<(String, u64)>,
    next_seq: u64,
}

struct Kept {
    seq: u64,
    /// SHA-256 of the request body.
    fingerprint: String,
    at: Timestamp,
    /// `None` while the first request is still being answered.
    answer: Option<(StatusCode, HeaderMap, Bytes)>,
}

enum Seen {
    New,
    Replay(Response),
    Refused(ApiError),
}

impl IdempotencyKeys {
    /// How many keys are remembered now.
    pub fn len(&self) -> usize {
        self.0.lock().expect("idempotency lock").by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn begin(&self, key: &str, fingerprint: &str, now: Timestamp) -> Seen {
        let mut keys = self.0.lock().expect("idempotency lock");
        if let Some(kept) = keys.by_key.get(key) {
            let expired = now.unix_millis() - kept.at.unix_millis() >= KEEP_MILLIS;
            match (expired, kept.fingerprint == fingerprint, &kept.answer) {
                (true, _, _) => {
                    keys.by_key.remove(key);
                }
                (false, false, _) => {
                    return Seen::Refused(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "idempotency_key_reused",
                        "this Idempotency-Key was sent before with another body: use a new key",
                    ));
                }
                (false, true, None) => {
                    return Seen::Refused(ApiError::new(
                        StatusCode::CONFLICT,
                        "idempotency_in_progress",
                        "the first request with this Idempotency-Key is still being answered",
                    ));
                }
                (false, true, Some((status, headers, body))) => {
                    let mut response = (*status, headers.clone(), body.clone()).into_response();
                    response
                        .headers_mut()
                        .insert("idempotency-replayed", HeaderValue::from_static("true"));
                    return Seen::Replay(response);
                }
            }
        }
        let seq = keys.next_seq;
        keys.next_seq += 1;
        keys.by_key.insert(
            key.to_owned(),
            Kept {
                seq,
                fingerprint: fingerprint.to_owned(),
                at: now,
                answer: None,
            },
        );
        keys.order.push_back((key.to_owned(), seq));
        while keys.by_key.len() > CAPACITY {
            let Some((oldest, oldest_seq)) = keys.order.pop_front() else {
                break;
            };
            if keys
                .by_key
                .get(&oldest)
                .is_some_and(|it| it.seq == oldest_seq)
            {
                keys.by_key.remove(&oldest);
            }
        }
        // Forget queue entries of keys that are gone, so that the queue stays bounded too.
        while keys.order.len() > 2 * CAPACITY {
            keys.order.pop_front();
        }
        Seen::New
    }

    fn finish(&self, key: &str, answer: Option<(StatusCode, HeaderMap, Bytes)>) {
        let mut keys = self.0.lock().expect("idempotency lock");
        match answer {
            Some(answer) => {
                if let Some(kept) = keys.by_key.get_mut(key) {
                    kept.answer = Some(answer);
                }
            }
            None => {
                keys.by_key.remove(key);
            }
        }
    }
}

/// The middleware: writes carrying an `Idempotency-Key` from an authenticated caller are answered once.
pub async fn guard(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let Some(value) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let Some(sent) = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|it| !it.is_empty() && it.len() <= MAX_KEY_LEN)
    else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            format!("an Idempotency-Key is 1 to {MAX_KEY_LEN} visible ASCII characters"),
        )
        .into_response();
    };
    let Some(scope) = who(request.headers()) else {
        // Nobody to scope the key to (signing in): the handler refuses or answers as usual.
        return next.run(request).await;
    };
    let key = format!(
        "{scope} {} {} {sent}",
        request.method(),
        request.uri().path()
    );
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("a request body is at most {BODY_LIMIT} bytes"),
        )
        .into_response();
    };
    let fingerprint = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let keys = &state.idempotency;
    match keys.begin(&key, &fingerprint, state.clock.now()) {
        Seen::New => {}
        Seen::Replay(response) => return response,
        Seen::Refused(error) => return error.into_response(),
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status().is_server_error() {
        keys.finish(&key, None);
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        keys.finish(&key, None);
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    keys.finish(
        &key,
        Some((parts.status, parts.headers.clone(), bytes.clone())),
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// Whose key it is: a digest of the bearer token or the session key.
fn who(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|it| it.to_str().ok())
    {
        return Some(digest(value));
    }
    cookie(headers, SESSION_COOKIE).map(digest)
}
