//! Alerts from the outside: an overdue order in a SQLite store, `orderhub alerts check` run as the
//! binary, and stand-ins on 127.0.0.1 for a DingTalk robot (checking 加签), a webhook receiver
//! (checking our HMAC scheme, failing its first delivery) and an SMTP server. Each alert reaches
//! each notifier once however often the check runs; the failed delivery is retried and lands.

use std::sync::{Arc, Mutex};

use app::{IngestBatch, Stream};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use domain::{Actor, ChannelKind, PlatformState, Timestamp};
use notifiers::{Secret, webhook};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const ROBOT_TOKEN: &str = "robot-token-1";
const ROBOT_SECRET: &str = "SECrobot-secret-1";
const HOOK_SECRET: &str = "hook-secret-1";

fn now() -> Timestamp {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    Timestamp::from_unix_millis(millis as i64)
}

/// What the stand-ins received.
#[derive(Default)]
struct Received {
    /// DingTalk: the markdown title and text of verified requests.
    robot: Vec<(String, String)>,
    /// Webhook: `(status answered, dedup_key)` of verified requests.
    hook: Vec<(u16, String)>,
    /// Mail: `(envelope recipients, DATA)`.
    mail: Vec<(Vec<String>, String)>,
    /// Requests whose signature did not verify.
    refused: Vec<String>,
}

type Shared = Arc<Mutex<Received>>;

async fn robot(State(seen): State<Shared>, RawQuery(query): RawQuery, body: Bytes) -> String {
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let timestamp: i64 = get("timestamp").parse().unwrap_or(0);
    let expected = notifiers::dingtalk::sign(&Secret::new(ROBOT_SECRET), timestamp);
    let fresh = (now().unix_millis() - timestamp).abs() < 3_600_000;
    let mut seen = seen.lock().unwrap();
    if get("access_token") != ROBOT_TOKEN || get("sign") != expected || !fresh {
        seen.refused.push(format!("robot: {query}"));
        return r#"{"errcode":310000,"errmsg":"sign not match"}"#.to_owned();
    }
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let markdown = &body["markdown"];
    let text = |field: &str| markdown[field].as_str().unwrap().to_owned();
    seen.robot.push((text("title"), text("text")));
    r#"{"errcode":0,"errmsg":"ok"}"#.to_owned()
}

async fn hook(State(seen): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|it| it.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let verified = webhook::verify(
        &Secret::new(HOOK_SECRET),
        &header(webhook::TIMESTAMP_HEADER),
        &header(webhook::SIGNATURE_HEADER),
        &body,
        now(),
        300,
    );
    let mut seen = seen.lock().unwrap();
    if let Err(err) = verified {
        seen.refused.push(format!("webhook: {err}"));
        return StatusCode::UNAUTHORIZED;
    }
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let key = payload["dedup_key"].as_str().unwrap().to_owned();
    // The receiver is down for the first delivery.
    let status = match seen.hook.is_empty() {
        true => StatusCode::INTERNAL_SERVER_ERROR,
        false => StatusCode::OK,
    };
    seen.hook.push((status.as_u16(), key));
    status
}

/// Enough SMTP for one client at a time: greeting, EHLO/HELO, MAIL, RCPT, DATA, QUIT.
async fn smtp_sink(listener: TcpListener, seen: Shared) {
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            return;
        };
        let seen = seen.clone();
        tokio::spawn(async move {
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
            let mut recipients = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                let answer: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250 sink\r\n",
                    "MAIL" | "RSET" | "NOOP" => b"250 OK\r\n",
                    "RCPT" => {
                        let to = line.split_once(':').map_or("", |(_, it)| it.trim());
                        recipients.push(to.trim_matches(['<', '>']).to_owned());
                        b"250 OK\r\n"
                    }
                    "DATA" => {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        seen.lock()
                            .unwrap()
                            .mail
                            .push((std::mem::take(&mut recipients), data));
                        b"250 queued\r\n"
                    }
                    "QUIT" => {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    }
                    _ => b"502 not here\r\n",
                };
                write.write_all(answer).await.unwrap();
            }
        });
    }
}

/// A store with one order paid ten days ago and never allocated.
async fn overdue_store(path: &std::path::Path) {
    let store = store::SqliteStore::open(path).unwrap();
    let shop = app::Store::ensure_shop(&store, "tmall-main", ChannelKind::Tmall, "天猫旗舰店")
        .await
        .unwrap()
        .id;
    let paid_long_ago = now().plus_millis(-10 * 24 * 3_600_000);
    let item = (0..50)
        .map(|n| test_support::synthetic_item(7, shop, &format!("LATE-{n}"), 0, paid_long_ago))
        .find(|it| it.order.platform_state == PlatformState::Paid)
        .expect("a paid synthetic order");
    let batch = IngestBatch {
        shop,
        stream: Stream::Orders,
        items: vec![item],
        cursor: None,
        actor: Actor::Platform("test".to_owned()),
        at: paid_long_ago,
    };
    let report = app::Store::ingest_batch(&store, batch).await.unwrap();
    assert_eq!(report.inserted, 1);
}

async fn orderhub(config: &std::path::Path, args: &[&str]) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_orderhub"));
    command
        .arg("--config")
        .arg(config)
        .args(args)
        .env("TEST_ROBOT_TOKEN", ROBOT_TOKEN)
        .env("TEST_ROBOT_SECRET", ROBOT_SECRET)
        .env("TEST_HOOK_SECRET", HOOK_SECRET);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "orderhub {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_work_is_notified_once_everywhere_and_a_failed_delivery_is_retried() {
    let seen = Shared::default();
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_addr = http.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/robot/send", post(robot))
        .route("/hook", post(hook))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(http, app).await.unwrap() });
    let smtp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let smtp_port = smtp.local_addr().unwrap().port();
    tokio::spawn(smtp_sink(smtp, seen.clone()));

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    overdue_store(&db).await;
    let config = dir.path().join("orderhub.toml");
    let text = format!(
        r#"
[store]
url = "sqlite://{db}"

[deadlines]
retry_seconds = 0

[[notifiers]]
id = "ops-dingtalk"
kind = "dingtalk"
url = "http://{http_addr}"
token_env = "TEST_ROBOT_TOKEN"
secret_env = "TEST_ROBOT_SECRET"

[[notifiers]]
id = "erp-webhook"
kind = "webhook"
url = "http://{http_addr}/hook"
secret_env = "TEST_HOOK_SECRET"

[[notifiers]]
id = "ops-mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_tls = "none"
from = "orderhub@example.cn"
to = ["ops@example.cn"]
"#,
        db = db.display()
    );
    std::fs::write(&config, text).unwrap();

    // Paid ten days ago: past both deadlines of the allocate and the promised stages.
    let first = orderhub(&config, &["alerts", "check"]).await;
    assert_eq!(
        first.trim(),
        "alerts: 2 raised, 0 escalated, 0 cleared; notifications: 5 sent, 1 to retry"
    );
    let second = orderhub(&config, &["alerts", "check"]).await;
    assert_eq!(
        second.trim(),
        "alerts: 0 raised, 0 escalated, 0 cleared; notifications: 1 sent, 0 to retry"
    );
    let third = orderhub(&config, &["alerts", "check"]).await;
    assert_eq!(
        third.trim(),
        "alerts: 0 raised, 0 escalated, 0 cleared; notifications: 0 sent, 0 to retry"
    );

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.refused.is_empty(), "{:?}", seen.refused);
    let mut robot = seen.robot.clone();
    robot.sort();
    assert_eq!(robot.len(), 2, "{robot:?}");
    for (title, text) in &robot {
        assert!(title.starts_with("【严重】订单"), "{title}");
        assert!(text.contains("- 店铺: 天猫旗舰店"), "{text}");
    }
    assert!(robot[0].0.contains("超过承诺发货时间") || robot[1].0.contains("超过承诺发货时间"));
    // The webhook: a 500, its retry with the same dedup key, and the other alert once.
    assert_eq!(seen.hook.len(), 3, "{:?}", seen.hook);
    assert_eq!(seen.hook[0].0, 500);
    let retried = seen
        .hook
        .iter()
        .filter(|(_, key)| *key == seen.hook[0].1)
        .count();
    assert_eq!(retried, 2, "{:?}", seen.hook);
    assert!(seen.hook[1..].iter().all(|(status, _)| *status == 200));
    // Two emails, one per alert, to the configured recipient, with the dedup key as Message-ID.
    assert_eq!(seen.mail.len(), 2);
    for (to, data) in &seen.mail {
        assert_eq!(to, &["ops@example.cn"]);
        assert!(data.contains("Message-ID: <"), "{data}");
        assert!(data.contains("Auto-Submitted: auto-generated"), "{data}");
    }

    let listed = orderhub(&config, &["alerts", "list"]).await;
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.lines().all(|it| it.contains("escalated")),
        "{listed}"
    );
    assert!(listed.contains("allocate/order:") && listed.contains("promised/order:"));
}
