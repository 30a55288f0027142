//! Operations: `/healthz` (the process answers), `/readyz` (the database answers), Prometheus
//! `/metrics` (orders by status, requests and their latency), the request middleware (a request id
//! on every response and a structured log line per request).

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::ApiState;

/// Upper bounds of the latency histogram, seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// Request counters, kept in memory by the process that serves them.
#[derive(Default)]
pub struct Metrics {
    next_id: AtomicU64,
    /// Requests by status class (1xx … 5xx).
    by_class: [AtomicU64; 5],
    latency: Mutex<([u64; BUCKETS.len()], u64, f64)>,
}

impl Metrics {
    fn record(&self, status: StatusCode, seconds: f64) {
        let class = (status.as_u16() / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        let mut latency = self.latency.lock().expect("metrics lock");
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                latency.0[i] += 1;
            }
        }
        latency.1 += 1;
        latency.2 += seconds;
    }
}

/// Gives each request an id (the caller's `X-Request-Id` when sent), logs it as one JSON line and
/// counts it.
pub async fn observe(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|it| it.to_str().ok())
        .filter(|it| !it.is_empty() && it.len() <= 64)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            format!(
                "{:x}",
                state.metrics.next_id.fetch_add(1, Ordering::Relaxed)
            )
        });
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    state.metrics.record(response.status(), seconds);
    tracing::info!(
        request_id = %id,
        %method,
        %path,
        status = response.status().as_u16(),
        millis = seconds * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
pub async fn readyz(State(state): State<ApiState>) -> Response {
    match state.store.count_orders().await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {err}")).into_response(),
    }
}

/// Prometheus text format.
pub async fn metrics(State(state): State<ApiState>) -> Response {
    let mut out = String::new();
    out.push_str("# HELP orderhub_orders_total Orders kept, by status.\n");
    out.push_str("# TYPE orderhub_orders_total gauge\n");
    match state.store.count_orders().await {
        Ok(counts) => {
            for (status, count) in counts {
                let _ = writeln!(
                    out,
                    "orderhub_orders_total{{status=\"{}\"}} {count}",
                    status.as_str()
                );
            }
        }
        Err(err) => {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("# store: {err}\n")).into_response();
        }
    }
    out.push_str("# HELP orderhub_http_requests_total HTTP requests answered, by status class.\n");
    out.push_str("# TYPE orderhub_http_requests_total counter\n");
    for (i, count) in state.metrics.by_class.iter().enumerate() {
        let _ = writeln!(
            out,
            "orderhub_http_requests_total{{class=\"{}xx\"}} {}",
            i + 1,
            count.load(Ordering::Relaxed)
        );
    }
    out.push_str("# HELP orderhub_http_request_seconds HTTP request latency.\n");
    out.push_str("# TYPE orderhub_http_request_seconds histogram\n");
    let (buckets, count, sum) = *state.metrics.latency.lock().expect("metrics lock");
    for (bound, n) in BUCKETS.iter().zip(buckets) {
        let _ = writeln!(
            out,
            "orderhub_http_request_seconds_bucket{{le=\"{bound}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "orderhub_http_request_seconds_bucket{{le=\"+Inf\"}} {count}"
    );
    let _ = writeln!(out, "orderhub_http_request_seconds_sum {sum}");
    let _ = writeln!(out, "orderhub_http_request_seconds_count {count}");
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
