//! The API through its router, on a real SQLite store: authorisation (a warehouse user and another
//! warehouse's shipments, marketing writing, a revoked token, sessions and CSRF, sign-in throttling),
//! bad input answered with a clear 4xx and never a 5xx, the warehouse's claim and scan-to-ship, and
//! the OpenAPI document staying in sync with the routes.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::common::{as_user, call, send, world};

#[tokio::test]
async fn who_is_asking_is_checked() {
    let world = world().await;
    let bare = Request::get("/api/v1/orders").body(Body::empty()).unwrap();
    let answer = send(&world.router, bare).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["code"], "unauthenticated");
    let answer = call(&world, Method::GET, "/api/v1/orders", "nobody", None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["code"], "token_refused");

    // A revoked token is refused from then on.
    let user = world.store.user("ops").await.unwrap().unwrap();
    let token = &world.store.tokens(user.id).await.unwrap()[0];
    assert_eq!(
        call(&world, Method::GET, "/api/v1/me", "ops", None)
            .await
            .status,
        StatusCode::OK
    );
    let answer = call(
        &world,
        Method::DELETE,
        &format!("/api/v1/tokens/{}", token.id),
        "ops",
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    let answer = call(&world, Method::GET, "/api/v1/me", "ops", None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["code"], "token_refused");
}

#[tokio::test]
async fn a_warehouse_user_sees_and_touches_only_its_warehouses() {
    let world = world().await;
    let id = world.shipment.id.0;
    let mine = call(&world, Method::GET, "/api/v1/shipments", "packer-jx", None).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.text);
    let theirs = call(&world, Method::GET, "/api/v1/shipments", "packer-gz", None).await;
    assert_eq!(theirs.body, json!([]));
    let asked = call(
        &world,
        Method::GET,
        "/api/v1/shipments?warehouse=JX01",
        "packer-gz",
        None,
    )
    .await;
    assert_eq!(asked.status, StatusCode::FORBIDDEN);
    let claim = call(
        &world,
        Method::POST,
        "/api/v1/shipments/claim",
        "packer-gz",
        Some(json!({"warehouse": "JX01", "count": 5})),
    )
    .await;
    assert_eq!(claim.status, StatusCode::FORBIDDEN);
    let ship = call(
        &world,
        Method::POST,
        &format!("/api/v1/shipments/{id}/ship"),
        "packer-gz",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "SF1400123456789"})),
    )
    .await;
    assert_eq!(ship.status, StatusCode::NOT_FOUND);
    let order = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "packer-gz",
        None,
    )
    .await;
    assert_eq!(order.status, StatusCode::NOT_FOUND);
    let order = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "packer-jx",
        None,
    )
    .await;
    assert_eq!(order.status, StatusCode::OK, "{}", order.text);
}

#[tokio::test]
async fn marketing_reads_but_writes_nothing_and_sees_masked_phones() {
    let world = world().await;
    let detail = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "market",
        None,
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK);
    let phone = detail.body["receiver"]["phone"].as_str().unwrap();
    assert!(phone.contains("****"), "{phone}");
    let full = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "ops",
        None,
    )
    .await;
    assert!(
        !full.body["receiver"]["phone"]
            .as_str()
            .unwrap()
            .contains('*')
    );

    let writes = [
        (
            "/api/v1/shipments/claim",
            json!({"warehouse": "JX01", "count": 1}),
        ),
        (
            "/api/v1/review/1/release",
            json!({"version": 1, "note": "ok"}),
        ),
        (
            "/api/v1/users",
            json!({"login": "x", "name": "x", "role": "admin", "password": "12345678"}),
        ),
    ];
    for (uri, body) in writes {
        let answer = call(&world, Method::POST, uri, "market", Some(body)).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{uri}: {}",
            answer.text
        );
        assert_eq!(answer.body["code"], "forbidden");
    }
    // A token cannot be given more than its role grants.
    let answer = call(
        &world,
        Method::POST,
        "/api/v1/tokens",
        "market",
        Some(json!({"name": "x", "scopes": ["rules:write"]})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_is_a_clear_client_error() {
    let world = world().await;
    let id = world.shipment.id.0;
    let uri = format!("/api/v1/shipments/{id}/ship");
    let cases: [(&str, &str, StatusCode, &str); 6] = [
        (
            uri.as_str(),
            "{not json",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            uri.as_str(),
            r#"{"barcode": 5, "tracking": "x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_type",
        ),
        (
            uri.as_str(),
            r#"{"barcode": "SH1", "tracking": "x", "extra": true}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
        ),
        (
            "/api/v1/shipments/abc/ship",
            r#"{"barcode": "SH1", "tracking": "x"}"#,
            StatusCode::BAD_REQUEST,
            "bad_path",
        ),
        (
            "/api/v1/shipments/claim",
            r#"{"warehouse": "JX01", "count": 0}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "/api/v1/no-such-thing",
            "{}",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (uri, body, status, code) in cases {
        let answer = send(
            &world.router,
            as_user(Method::POST, uri, "admin", Some(body)),
        )
        .await;
        assert_eq!(answer.status, status, "{uri} {body}: {}", answer.text);
        assert_eq!(answer.body["code"], code, "{uri} {body}: {}", answer.text);
    }
    let huge = format!(
        r#"{{"barcode": "{}", "tracking": "x"}}"#,
        "A".repeat(100_000)
    );
    let answer = send(
        &world.router,
        as_user(Method::POST, &uri, "admin", Some(&huge)),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text
    );
    let answer = call(
        &world,
        Method::GET,
        "/api/v1/orders?limit=abc",
        "admin",
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["code"], "bad_query");
    let answer = call(
        &world,
        Method::GET,
        "/api/v1/orders?status=lost",
        "admin",
        None,
    )
    .await;
    assert_eq!(answer.body["field"], "status");
}

#[tokio::test]
async fn a_packer_claims_and_ships_by_scans() {
    let world = world().await;
    let claimed = call(
        &world,
        Method::POST,
        "/api/v1/shipments/claim",
        "packer-jx",
        Some(json!({"warehouse": "JX01", "count": 5})),
    )
    .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text);
    let id = claimed.body[0]["id"].as_i64().unwrap();
    assert_eq!(claimed.body[0]["holder"], "packer-jx");
    let uri = format!("/api/v1/shipments/{id}/ship");

    let wrong_parcel = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": "SH999", "tracking": "SF1400123456789"})),
    )
    .await;
    assert_eq!(wrong_parcel.body["code"], "wrong_parcel");
    let wrong_number = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "YT1234567890123"})),
    )
    .await;
    assert_eq!(wrong_number.status, StatusCode::CONFLICT);
    assert_eq!(wrong_number.body["code"], "scan_refused");
    let shipped = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "SF1400123456789"})),
    )
    .await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.text);
    assert_eq!(shipped.body["status"], "shipped");
    let again = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "SF1400123456789"})),
    )
    .await;
    assert!(
        again.body["message"]
            .as_str()
            .unwrap()
            .contains("already shipped")
    );

    let detail = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "ops",
        None,
    )
    .await;
    assert_eq!(detail.body["status"], "shipped");
    assert_eq!(detail.body["shipments"][0]["tracking"], "SF1400123456789");
    let kinds: Vec<&str> = detail.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| it["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.iter().any(|it| it.contains("ship")), "{kinds:?}");
}

#[tokio::test]
async fn a_session_signs_in_with_throttling_and_writes_with_its_csrf_token() {
    let world = world().await;
    let sign_in = |password: &str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"login": "ops", "password": password}).to_string(),
            ))
            .unwrap()
    };
    let answer = send(&world.router, sign_in("correct horse")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = answer.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let key = cookie.split(';').next().unwrap().to_owned();
    let csrf = answer.body["csrf"].as_str().unwrap().to_owned();

    let me = Request::get("/api/v1/me")
        .header(header::COOKIE, &key)
        .body(Body::empty())
        .unwrap();
    let answer = send(&world.router, me).await;
    assert_eq!(answer.body["login"], "ops");
    let write = |token: Option<&str>| {
        let mut builder = Request::post("/api/v1/tokens")
            .header(header::COOKIE, &key)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            builder = builder.header("x-csrf-token", token);
        }
        builder
            .body(Body::from(json!({"name": "script"}).to_string()))
            .unwrap()
    };
    let answer = send(&world.router, write(None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body["code"], "csrf");
    let answer = send(&world.router, write(Some(&csrf))).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert!(answer.body["token"].as_str().unwrap().starts_with("oh_"));

    // Five wrong passwords, then even the right one waits.
    for _ in 0..5 {
        let answer = send(&world.router, sign_in("wrong")).await;
        assert_eq!(answer.body["code"], "sign_in_refused");
    }
    let answer = send(&world.router, sign_in("correct horse")).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn operations_endpoints_answer() {
    let world = world().await;
    for path in ["/healthz", "/readyz"] {
        let answer = send(
            &world.router,
            Request::get(path).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(answer.headers.contains_key("x-request-id"));
    }
    let answer = send(
        &world.router,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(
        answer
            .text
            .contains("orderhub_orders_total{status=\"allocated\"} 1"),
        "{}",
        answer.text
    );
    assert!(answer.text.contains("orderhub_http_request_seconds_count"));
}

#[tokio::test]
async fn the_openapi_document_is_generated_and_every_path_is_routed() {
    let world = world().await;
    let answer = call(&world, Method::GET, "/api/v1/openapi.json", "admin", None).await;
    let pretty = serde_json::to_string_pretty(&answer.body).unwrap();
    expect_test::expect_file!["../../../docs/api/openapi.json"].assert_eq(&(pretty + "\n"));
    let paths = answer.body["paths"].as_object().unwrap();
    assert!(paths.len() >= 14, "{}", paths.len());
    for (path, operations) in paths {
        let concrete = path.replace("{id}", "1");
        for method in operations.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = matches!(method, Method::POST).then_some("{}");
            let answer = send(
                &world.router,
                as_user(method.clone(), &concrete, "admin", body),
            )
            .await;
            assert!(
                answer.status != StatusCode::METHOD_NOT_ALLOWED
                    && !(answer.status == StatusCode::NOT_FOUND
                        && answer.body["message"] == "this endpoint not found"),
                "{method} {path} is documented but not routed: {}",
                answer.text
            );
        }
    }
}
