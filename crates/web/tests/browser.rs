//! The web console in Debian's headless Chromium, driven over WebDriver (chromedriver) against the
//! real server on 127.0.0.1 over a seeded SQLite store: an operations user signs in, searches an
//! order and releases a held one; a packer claims a batch and ships a parcel by typing its two scans
//! into the station's input, Enter after each, without a mouse; the dashboard is photographed at
//! phone and desktop width and each picture must show something. Without Chromium the test prints
//! why it skipped, or fails when `ORDERHUB_REQUIRE_BROWSER=1` (as `cargo xtask test` sets).

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::{IngestBatch, ManualClock, NewUser, Store, Stream};
use base64::Engine as _;
use domain::{
    Actor, ChannelKind, HoldReason, OrderEvent, OrderId, OrderStatus, Quantity, Role,
    ShipmentStatus, Timestamp, Warehouse, WarehouseCode, WarehouseKind,
};
use serde_json::{Value, json};
use test_support::{TestDb, synthetic_item};
use web::ApiState;

const T0: Timestamp = Timestamp::from_unix_millis(1_718_683_200_000);
const PASSWORD: &str = "correct horse";
const ENTER: &str = "\u{E007}";
const WAIT: Duration = Duration::from_secs(20);

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

/// What the story needs to know about its world.
struct World {
    _db: TestDb,
    store: Arc<dyn Store>,
    allocated: OrderId,
    held: OrderId,
    shipment: domain::ShipmentId,
}

/// A shop, a warehouse with stock, one allocated order with a parcel in JX01, one order held for
/// review, and an operations user, a packer for JX01 and an admin.
async fn world() -> World {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let shop = store
        .ensure_shop("tmall-main", ChannelKind::Tmall, "天猫旗舰店")
        .await
        .unwrap();
    store
        .put_warehouse(&Warehouse {
            code: wh("JX01"),
            name: "嘉兴仓".to_owned(),
            kind: WarehouseKind::Own,
            area_code: "330402".to_owned(),
            allow_oversell: false,
        })
        .await
        .unwrap();
    let items = vec![
        synthetic_item(11, shop.id, "BROWSER-1", 0, T0),
        synthetic_item(12, shop.id, "BROWSER-HELD", 0, T0),
    ];
    for line in items.iter().flat_map(|it| &it.order.lines) {
        store
            .receive_stock(
                &wh("JX01"),
                line.sku.as_ref().unwrap(),
                Quantity::new(50).unwrap(),
                "po:1",
                T0,
            )
            .await
            .unwrap();
    }
    let changed = store
        .ingest_batch(IngestBatch {
            shop: shop.id,
            stream: Stream::Orders,
            items,
            cursor: None,
            actor: Actor::Platform("test".to_owned()),
            at: T0,
        })
        .await
        .unwrap()
        .changed;
    let (allocated, held) = (changed[0], changed[1]);
    let shipment = common::allocate_in_jx01(&store, allocated, T0).await.id;
    let to_hold = store.load_order(held).await.unwrap();
    store
        .apply_order_event(
            held,
            to_hold.version,
            OrderEvent::Hold(HoldReason::Manual),
            &Actor::System,
            T0,
        )
        .await
        .unwrap();
    let password_hash = web::hash_password(PASSWORD).unwrap();
    for (login, role, warehouses) in [
        ("ops", Role::Operations, vec![]),
        ("packer-jx", Role::Warehouse, vec![wh("JX01")]),
        ("admin", Role::Admin, vec![]),
    ] {
        store
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
    }
    World {
        _db: db,
        store,
        allocated,
        held,
        shipment,
    }
}

/// Debian's Chromium and its driver, when installed.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        names
            .iter()
            .map(|it| Path::new("/usr/bin").join(it))
            .find(|it| it.exists())
    };
    Some((
        find(&["chromium", "chromium-browser"])?,
        find(&["chromedriver"])?,
    ))
}

/// A chromedriver child, ended when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One WebDriver session, spoken to as plain JSON over HTTP.
struct Browser {
    http: reqwest::Client,
    session: String,
    base: String,
}

impl Browser {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        call(&self.http, method, &url, body).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The element `css` finds, waiting for it to appear.
    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let answer = self
                .http
                .post(url)
                .body(json!({ "using": "css selector", "value": css }).to_string())
                .send()
                .await
                .unwrap();
            let ok = answer.status().is_success();
            let value: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
            if ok {
                return element_id(&value["value"]);
            }
            assert!(
                Instant::now() < deadline,
                "no {css} on the page: {}",
                self.source().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.post(
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        let answer = self.get(&format!("/element/{element}/text")).await;
        answer["value"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the text of `css` holds `needle`; returns the text.
    async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let source = self.source().await;
            if source.contains(needle) {
                let text = self.text(css).await;
                if text.contains(needle) {
                    return text;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{css} never said {needle:?}: {source}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn source(&self) -> String {
        let answer = self.get("/source").await;
        answer["value"].as_str().unwrap_or_default().to_owned()
    }

    /// Scans as a keyboard-wedge scanner does: into whatever has the focus, which must be the
    /// station's scan input, then Enter.
    async fn scan(&self, text: &str) {
        let active = self.get("/element/active").await;
        let focused = element_id(&active["value"]);
        assert_eq!(
            focused,
            self.find("#scan").await,
            "the scan input has the focus"
        );
        self.post(
            &format!("/element/{focused}/value"),
            json!({ "text": format!("{text}{ENTER}") }),
        )
        .await;
    }

    async fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] }))
            .await["value"]
            .clone()
    }

    /// The page as a phone or a desktop of `width` CSS pixels sees it, photographed.
    async fn screenshot_at(&self, width: u32, height: u32, mobile: bool) -> Vec<u8> {
        let params = json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile
        });
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": params }),
        )
        .await;
        self.script("return document.readyState").await;
        let answer = self.get("/screenshot").await;
        base64::engine::general_purpose::STANDARD
            .decode(answer["value"].as_str().unwrap())
            .unwrap()
    }

    async fn sign_in(&self, server: SocketAddr, login: &str) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
        self.open(&format!("http://{server}/login")).await;
        self.type_into("#login", login).await;
        self.type_into("#password", &format!("{PASSWORD}{ENTER}"))
            .await;
        self.wait_for_text("header", login).await;
    }
}

fn element_id(value: &Value) -> String {
    value["element-6066-11e4-a52e-4f735466cecf"]
        .as_str()
        .unwrap_or_else(|| panic!("not an element: {value}"))
        .to_owned()
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let answer = request.send().await.unwrap();
    let status = answer.status();
    let bytes = answer.bytes().await.unwrap();
    assert!(
        status.is_success(),
        "{method} {url}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// Starts chromedriver on a free loopback port and a headless Chromium session with a fresh
/// profile and nothing that reaches beyond the machine.
async fn start_browser(chromium: &Path, chromedriver: &Path, profile: &Path) -> (Driver, Browser) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + WAIT;
    while http.get(format!("{base}/status")).send().await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let capabilities = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    }}});
    let answer = call(
        &http,
        reqwest::Method::POST,
        &format!("{base}/session"),
        Some(capabilities),
    )
    .await;
    let session = answer["value"]["sessionId"].as_str().unwrap().to_owned();
    (
        driver,
        Browser {
            http,
            session,
            base,
        },
    )
}

/// The share of pixels of an 8-bit RGB(A) PNG that are not near-white, and its width.
fn ink(png: &[u8]) -> (f64, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("Chromium writes RGB(A) screenshots, not {other:?}"),
    };
    let pixels: Vec<&[u8]> = pixels[..info.buffer_size()].chunks(channels).collect();
    let inked = pixels
        .iter()
        .filter(|it| it[..3].iter().any(|c| *c < 235))
        .count();
    (inked as f64 / pixels.len() as f64, info.width)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_browser_searches_releases_claims_and_ships() {
    let Some((chromium, chromedriver)) = browser() else {
        assert!(
            std::env::var("ORDERHUB_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "ORDERHUB_REQUIRE_BROWSER=1 but Chromium or chromedriver is missing: apt-get install chromium chromium-driver"
        );
        eprintln!(
            "skipped: no /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let world = world().await;
    let state = ApiState::new(world.store.clone(), Arc::new(ManualClock::new(T0)));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (server, serving) = web::serve_api("127.0.0.1:0".parse().unwrap(), state, async {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = start_browser(&chromium, &chromedriver, profile.path()).await;

    // Unauthenticated pages send the browser to the sign-in form.
    browser.open(&format!("http://{server}/orders")).await;
    browser.find("form[action='/login'] #password").await;

    // Operations: sign in, find an order by its platform number, release the held one.
    browser.sign_in(server, "ops").await;
    browser.open(&format!("http://{server}/orders")).await;
    browser.type_into("#q", &format!("BROWSER-1{ENTER}")).await;
    let results = browser.wait_for_text("#results", "BROWSER-1").await;
    assert!(!results.contains("BROWSER-HELD"), "{results}");
    browser.open(&format!("http://{server}/review")).await;
    let held = world.held.0;
    browser
        .type_into(
            &format!("#note-{held}"),
            &format!("买家电话确认地址{ENTER}"),
        )
        .await;
    browser
        .wait_for_text("#released", &format!("#{held}"))
        .await;
    let released = world.store.load_order(world.held).await.unwrap();
    assert_eq!(released.lifecycle.status, OrderStatus::Released);
    let events = world.store.order_events(world.held).await.unwrap();
    assert!(
        events
            .iter()
            .any(|it| it.note == "买家电话确认地址" && it.actor.contains("ops")),
        "the release is in the timeline with its note and who: {events:?}"
    );

    // The dashboard at phone and desktop width: something is drawn, nothing overflows the phone.
    browser.open(&format!("http://{server}/")).await;
    browser.find("svg.chart").await;
    let phone = browser.screenshot_at(375, 812, true).await;
    let overflow = browser
        .script("return document.documentElement.scrollWidth")
        .await;
    assert!(
        overflow.as_u64().is_some_and(|it| it <= 375),
        "the dashboard is wider than the phone: {overflow}"
    );
    let desktop = browser.screenshot_at(1920, 1080, false).await;
    for (name, png, width) in [("phone", &phone, 375), ("desktop", &desktop, 1920)] {
        let (inked, drawn) = ink(png);
        assert_eq!(drawn, width, "the {name} screenshot's width");
        assert!(
            inked > 0.02,
            "the {name} screenshot is blank ({:.2}% inked)",
            inked * 100.0
        );
    }
    if let Ok(folder) = std::env::var("ORDERHUB_SCREENSHOTS") {
        std::fs::write(Path::new(&folder).join("dashboard-375.png"), &phone).unwrap();
        std::fs::write(Path::new(&folder).join("dashboard-1920.png"), &desktop).unwrap();
    }

    // The packer: claim a batch, then ship by two scans typed where the focus already is.
    browser.sign_in(server, "packer-jx").await;
    browser.open(&format!("http://{server}/station")).await;
    browser.find("#claim").await;
    let claim = browser.find("#claim").await;
    browser
        .post(&format!("/element/{claim}/click"), json!({}))
        .await;
    let barcode = format!("SH{}", world.shipment.0);
    browser.wait_for_text("#my-parcels", &barcode).await;
    let claimed = world.store.load_shipment(world.shipment).await.unwrap();
    assert_eq!(claimed.status, ShipmentStatus::Claimed);
    assert_eq!(claimed.holder.as_deref(), Some("packer-jx"));

    browser.open(&format!("http://{server}/station")).await;
    browser.find("#scan").await;
    browser.scan(&barcode).await;
    browser.wait_for_text("#open-parcel", &barcode).await;
    browser.wait_for_text("#feedback", &barcode).await;
    browser.scan("SF1400123456789").await;
    let feedback = browser.wait_for_text("#feedback", "已发货").await;
    assert!(feedback.contains("SF1400123456789"), "{feedback}");
    let shipped = world.store.load_shipment(world.shipment).await.unwrap();
    assert_eq!(shipped.status, ShipmentStatus::Shipped);
    let order = world.store.load_order(world.allocated).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::Shipped);

    // A second scan of the same parcel is refused in large red text.
    browser.scan(&barcode).await;
    browser.wait_for_text("#feedback", "拒绝").await;

    browser.call(reqwest::Method::DELETE, "", None).await;
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}
