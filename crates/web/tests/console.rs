//! The web console through its router on a real SQLite store: who may open which page (sign-in
//! redirects, 403 pages, a packer sent to its station), the session cookie's attributes, CSRF on
//! form posts, phones masked for roles that do not need them, a warehouse user kept to its
//! warehouse, the language switch, and the dashboard's event stream.

use std::sync::Arc;

use app::{IngestBatch, ManualClock, NewShipment, NewUser, Store, Stream};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use domain::{
    Actor, ChannelKind, HoldReason, OrderEvent, OrderId, OrderStatus, Quantity, Role, ShipmentLine,
    Timestamp, Warehouse, WarehouseCode, WarehouseKind,
};
use futures_util::StreamExt;
use test_support::{TestDb, synthetic_item};
use tower::ServiceExt;
use web::ApiState;
use web::api::auth::digest;

const T0: Timestamp = Timestamp::from_unix_millis(1_718_683_200_000);

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

struct World {
    _db: TestDb,
    router: Router,
    store: Arc<dyn Store>,
    held: OrderId,
    allocated: OrderId,
    shipment: i64,
}

/// A shop, warehouses JX01 and GZ01, an order held for review, an allocated order with a parcel in
/// JX01, and a signed-in session per user (key `k-<login>`, CSRF `c-<login>`).
async fn world() -> World {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let shop = store
        .ensure_shop("tmall-main", ChannelKind::Tmall, "天猫旗舰店")
        .await
        .unwrap();
    for (code, area) in [("JX01", "330402"), ("GZ01", "440106")] {
        store
            .put_warehouse(&Warehouse {
                code: wh(code),
                name: code.to_owned(),
                kind: WarehouseKind::Own,
                area_code: area.to_owned(),
                allow_oversell: false,
            })
            .await
            .unwrap();
    }
    let changed = store
        .ingest_batch(IngestBatch {
            shop: shop.id,
            stream: Stream::Orders,
            items: vec![
                synthetic_item(21, shop.id, "CON-HELD", 0, T0),
                synthetic_item(22, shop.id, "CON-JX", 0, T0),
            ],
            cursor: None,
            actor: Actor::Platform("test".to_owned()),
            at: T0,
        })
        .await
        .unwrap()
        .changed;
    let (held, allocated) = (changed[0], changed[1]);
    let order = store.load_order(held).await.unwrap();
    store
        .apply_order_event(
            held,
            order.version,
            OrderEvent::Hold(HoldReason::Manual),
            &Actor::System,
            T0,
        )
        .await
        .unwrap();
    let order = store.load_order(allocated).await.unwrap();
    for line in &order.data.lines {
        store
            .receive_stock(
                &wh("JX01"),
                line.sku.as_ref().unwrap(),
                Quantity::new(10).unwrap(),
                "po:1",
                T0,
            )
            .await
            .unwrap();
    }
    store
        .apply_order_event(
            allocated,
            order.version,
            OrderEvent::Allocate,
            &Actor::System,
            T0,
        )
        .await
        .unwrap();
    let shipment = store
        .create_shipment(
            &NewShipment {
                warehouse: wh("JX01"),
                carrier: Some("SF".to_owned()),
                lines: order
                    .data
                    .lines
                    .iter()
                    .map(|l| ShipmentLine {
                        order: allocated,
                        line_no: l.line_no,
                        quantity: l.quantity,
                    })
                    .collect(),
                merge_key: None,
            },
            T0,
        )
        .await
        .unwrap()
        .id
        .0;
    let password_hash = web::hash_password("correct horse").unwrap();
    for (login, role, warehouses) in [
        ("admin", Role::Admin, vec![]),
        ("ops", Role::Operations, vec![]),
        ("packer-gz", Role::Warehouse, vec![wh("GZ01")]),
        ("market", Role::Marketing, vec![]),
    ] {
        let user = store
            .create_user(
                &NewUser {
                    login: login.to_owned(),
                    name: login.to_owned(),
                    role,
                    warehouses,
                    password_hash: password_hash.clone(),
                },
                T0,
            )
            .await
            .unwrap();
        store
            .create_session(
                user.id,
                &digest(&format!("k-{login}")),
                &format!("c-{login}"),
                T0.plus_millis(3_600_000),
                T0,
            )
            .await
            .unwrap();
    }
    let clock = Arc::new(ManualClock::new(T0));
    let router = web::app(ApiState::new(store.clone(), clock));
    World {
        _db: db,
        router,
        store,
        held,
        allocated,
        shipment,
    }
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|it| it.to_str().ok())
            .unwrap_or_default()
    }

    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|it| it.to_str().unwrap().to_owned())
            .collect()
    }
}

async fn open(world: &World, method: Method, uri: &str, login: Option<&str>, form: &str) -> Page {
    let mut request = Request::builder().method(method.clone()).uri(uri);
    if let Some(login) = login {
        request = request.header(header::COOKIE, format!("orderhub_session=k-{login}"));
    }
    if method == Method::POST {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let response = world
        .router
        .clone()
        .oneshot(request.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let html = String::from_utf8_lossy(&bytes).into_owned();
    assert!(!status.is_server_error(), "{uri}: {status} {html}");
    Page {
        status,
        headers,
        html,
    }
}

async fn get(world: &World, uri: &str, login: &str) -> Page {
    open(world, Method::GET, uri, Some(login), "").await
}

#[tokio::test]
async fn every_page_asks_who_is_signing_in_and_what_their_role_allows() {
    let world = world().await;
    for uri in [
        "/", "/orders", "/review", "/station", "/stock", "/users", "/events",
    ] {
        let page = open(&world, Method::GET, uri, None, "").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(page.location(), "/login", "{uri}");
        let page = open(&world, Method::GET, uri, Some("nobody"), "").await;
        assert_eq!(page.location(), "/login", "an unknown session: {uri}");
    }
    for (login, uri) in [
        ("packer-gz", "/review"),
        ("packer-gz", "/users"),
        ("market", "/review"),
        ("market", "/station"),
        ("market", "/users"),
        ("ops", "/station"),
        ("ops", "/users"),
        ("packer-gz", "/events"),
        ("packer-gz", "/shops"),
        ("packer-gz", "/rules"),
        ("packer-gz", "/after-sales"),
    ] {
        let page = get(&world, uri, login).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{login} {uri}");
        assert!(
            page.html.contains("无权访问"),
            "{login} {uri}: {}",
            page.html
        );
    }
    for (login, uri) in [
        ("admin", "/users"),
        ("ops", "/review"),
        ("market", "/stock"),
        ("packer-gz", "/station"),
        ("admin", "/station"),
        ("ops", "/shops"),
        ("ops", "/rules"),
        ("market", "/after-sales"),
    ] {
        assert_eq!(
            get(&world, uri, login).await.status,
            StatusCode::OK,
            "{login} {uri}"
        );
    }
    // A packer's home is its station; its navigation offers nothing its role may not open.
    let page = get(&world, "/", "packer-gz").await;
    assert_eq!(page.location(), "/station");
    let station = get(&world, "/station", "packer-gz").await;
    assert!(
        !station.html.contains("href=\"/review\""),
        "{}",
        station.html
    );
    assert!(
        !station.html.contains("href=\"/users\""),
        "{}",
        station.html
    );
    let dashboard = get(&world, "/", "ops").await;
    assert!(dashboard.html.contains("<svg"), "{}", dashboard.html);
    assert!(
        dashboard.html.contains("data-figure=\"on_hold\">1<"),
        "{}",
        dashboard.html
    );
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_session_cookie() {
    let world = world().await;
    let form = open(&world, Method::GET, "/login", None, "").await;
    assert!(form.html.contains("lang=\"zh-CN\"") && form.html.contains("登录"));
    let refused = open(
        &world,
        Method::POST,
        "/login",
        None,
        "login=ops&password=wrong+horse",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.html.contains("账号或密码错误"), "{}", refused.html);
    assert!(refused.cookies().is_empty());
    let signed_in = open(
        &world,
        Method::POST,
        "/login",
        None,
        "login=ops&password=correct+horse",
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location(), "/");
    // The same form posted from another site's page signs nobody in.
    let forged = world
        .router
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, "http://evil.example")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("login=ops&password=correct+horse"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.headers().get(header::SET_COOKIE).is_none());
    let same_site = world
        .router
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("login=ops&password=correct+horse"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(same_site.status(), StatusCode::SEE_OTHER);
    let cookie = &signed_in.cookies()[0];
    for part in ["orderhub_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "no TLS here: {cookie}");
    let key = cookie
        .trim_start_matches("orderhub_session=")
        .split(';')
        .next()
        .unwrap();
    assert!(
        world
            .store
            .session(&digest(key), T0)
            .await
            .unwrap()
            .is_some()
    );

    // Signing out needs the session's CSRF token, and ends the session.
    let page = open(&world, Method::POST, "/logout", Some("ops"), "csrf=c-admin").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = open(&world, Method::POST, "/logout", Some("ops"), "csrf=c-ops").await;
    assert_eq!(page.location(), "/login");
    assert!(page.cookies()[0].contains("Max-Age=0"));
    assert!(
        world
            .store
            .session(&digest("k-ops"), T0)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn form_posts_need_the_sessions_csrf_token() {
    let world = world().await;
    let version = world.store.load_order(world.held).await.unwrap().version;
    let uri = format!("/review/{}/release", world.held.0);
    for csrf in ["", "csrf=c-admin&", "csrf=wrong&"] {
        let form = format!("{csrf}version={version}&note=ok");
        let page = open(&world, Method::POST, &uri, Some("ops"), &form).await;
        assert!(page.status.is_client_error(), "{csrf}: {}", page.status);
    }
    assert_eq!(
        world
            .store
            .load_order(world.held)
            .await
            .unwrap()
            .lifecycle
            .status,
        OrderStatus::OnHold
    );
    // The right token from a role that may not review is still refused.
    let form = format!("csrf=c-market&version={version}&note=ok");
    let page = open(&world, Method::POST, &uri, Some("market"), &form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // An empty note says why; then a release with a note goes through.
    let form = format!("csrf=c-ops&version={version}&note=+");
    let page = open(&world, Method::POST, &uri, Some("ops"), &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = format!("csrf=c-ops&version={version}&note=%E5%B7%B2%E6%A0%B8%E5%AE%9E");
    let page = open(&world, Method::POST, &uri, Some("ops"), &form).await;
    assert_eq!(
        page.location(),
        format!("/review?released={}", world.held.0)
    );
    let order = world.store.load_order(world.held).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::Released);
    let review = get(&world, page.location(), "ops").await;
    assert!(review.html.contains("已放行"), "{}", review.html);
}

#[tokio::test]
async fn phones_are_masked_for_roles_that_do_not_need_them() {
    let world = world().await;
    let order = world.store.load_order(world.held).await.unwrap();
    let phone = order.data.receiver.phone.clone();
    let masked = domain::mask_phone(&phone);
    assert_ne!(phone, masked);
    let uri = format!("/orders/{}", world.held.0);
    let ops = get(&world, &uri, "ops").await;
    assert!(ops.html.contains(&phone), "{}", ops.html);
    let market = get(&world, &uri, "market").await;
    assert_eq!(market.status, StatusCode::OK);
    assert!(market.html.contains(&masked), "{}", market.html);
    assert!(!market.html.contains(&phone), "{}", market.html);
    // The search by phone tail finds it; the page shows no phone at all.
    let tail = &phone[phone.len() - 4..];
    let found = get(&world, &format!("/orders?phone_tail={tail}"), "market").await;
    assert!(found.html.contains("CON-HELD"), "{}", found.html);
}

#[tokio::test]
async fn a_warehouse_user_sees_only_its_warehouses_work() {
    let world = world().await;
    let detail = get(
        &world,
        &format!("/orders/{}", world.allocated.0),
        "packer-gz",
    )
    .await;
    assert_eq!(detail.status, StatusCode::NOT_FOUND);
    let found = get(&world, "/orders?q=CON-JX", "packer-gz").await;
    assert!(!found.html.contains("CON-JX</td>"), "{}", found.html);
    let form = format!("csrf=c-packer-gz&scan=SH{}&open=", world.shipment);
    let page = open(
        &world,
        Method::POST,
        "/station/scan",
        Some("packer-gz"),
        &form,
    )
    .await;
    assert!(page.html.contains("there is no shipment"), "{}", page.html);
    let form = "csrf=c-packer-gz&warehouse=JX01&count=5";
    let page = open(
        &world,
        Method::POST,
        "/station/claim",
        Some("packer-gz"),
        form,
    )
    .await;
    assert!(page.html.contains("id=\"feedback\""), "{}", page.html);
    let shipment = world
        .store
        .load_shipment(domain::ShipmentId(world.shipment))
        .await
        .unwrap();
    assert_eq!(
        shipment.holder, None,
        "nothing claimed in another warehouse"
    );
}

#[tokio::test]
async fn the_language_switch_is_remembered() {
    let world = world().await;
    let page = open(&world, Method::GET, "/login?lang=en", None, "").await;
    assert!(page.html.contains("lang=\"en\"") && page.html.contains("Sign in"));
    assert!(page.cookies().iter().any(|it| it.starts_with("lang=en;")));
    let request = Request::get("/orders")
        .header(header::COOKIE, "orderhub_session=k-ops; lang=en")
        .body(Body::empty())
        .unwrap();
    let response = world.router.clone().oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let html = String::from_utf8_lossy(&bytes);
    assert!(
        html.contains("Order number") && html.contains("Sign out"),
        "{html}"
    );
}

#[tokio::test]
async fn the_dashboard_streams_its_figures() {
    let world = world().await;
    let request = Request::get("/events")
        .header(header::COOKIE, "orderhub_session=k-ops")
        .body(Body::empty())
        .unwrap();
    let response = world.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut stream = response.into_body().into_data_stream();
    let first = stream.next().await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("event: figures"), "{text}");
    assert!(text.contains("\"on_hold\":1"), "{text}");
    assert!(text.contains("\"open_parcels\":1"), "{text}");
}

#[tokio::test]
async fn the_shops_page_tells_a_failing_sync_and_its_error() {
    let world = world().await;
    let shop = world.store.shops().await.unwrap()[0].id;
    world
        .store
        .set_sync_status(&app::SyncStatus {
            shop,
            stream: Stream::Orders,
            ok: false,
            last_error: "auth: session expired".to_owned(),
            at: T0,
        })
        .await
        .unwrap();
    let page = get(&world, "/shops", "ops").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("天猫旗舰店"), "{}", page.html);
    assert!(page.html.contains("失败"), "{}", page.html);
    assert!(page.html.contains("auth: session expired"), "{}", page.html);
}
