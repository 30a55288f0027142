//! Alert deliveries: the outbox rows a deadline check queued, one per notifier, sent at least once.
//! Each attempt builds the request again with `notifiers::build` at the attempt's time (the robots'
//! signatures expire), posts it with `reqwest` or hands the message to the SMTP server with
//! `lettre`, and marks the row delivered, or failed to be retried later with backoff.

use std::collections::HashMap;
use std::time::Duration;

use app::{OutboxItem, Store};
use domain::Timestamp;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use notifiers::{Alert, EmailMessage, HttpRequest, Notifier, Outgoing, Secret, Severity};
use serde::Deserialize;

/// How an email notifier reaches its SMTP server.
#[derive(Debug)]
pub(crate) enum SmtpTls {
    /// Plain text: only for a relay on this host.
    None,
    StartTls,
    /// Implicit TLS (SMTPS).
    Tls,
}

#[derive(Debug)]
pub(crate) struct Smtp {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) tls: SmtpTls,
    pub(crate) credentials: Option<(Secret, Secret)>,
}

/// One configured notifier.
#[derive(Debug)]
pub(crate) struct Configured {
    pub(crate) id: String,
    pub(crate) notifier: Notifier,
    /// Robots: the origin to post to instead of the platform's.
    pub(crate) endpoint: Option<String>,
    /// Email: the server.
    pub(crate) smtp: Option<Smtp>,
}

/// Every configured notifier and how to reach them.
#[derive(Debug)]
pub(crate) struct Notifiers {
    pub(crate) list: Vec<Configured>,
    pub(crate) link_base: String,
    pub(crate) retry_millis: i64,
    /// Shop names by id, for the alert text.
    pub(crate) shop_names: HashMap<i64, String>,
    http: reqwest::Client,
}

impl Default for Notifiers {
    fn default() -> Notifiers {
        Notifiers::new(Vec::new(), String::new(), 30_000)
    }
}

impl Notifiers {
    pub(crate) fn new(list: Vec<Configured>, link_base: String, retry_millis: i64) -> Notifiers {
        Notifiers {
            list,
            link_base,
            retry_millis,
            shop_names: HashMap::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
        }
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        self.list.iter().map(|it| it.id.clone()).collect()
    }
}

/// An alert delivery as the store queued it.
#[derive(Debug, Deserialize)]
struct Payload {
    dedup_key: String,
    notifier: String,
    stage: String,
    subject: String,
    level: String,
    shop_id: i64,
    warehouse: Option<String>,
    since: i64,
    due_at: i64,
    escalate_at: i64,
}

/// What one delivery round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Delivered {
    pub(crate) sent: u32,
    pub(crate) failed: u32,
}

/// Claims due alert deliveries for `worker` and sends them.
pub(crate) async fn deliver_alerts(
    store: &dyn Store,
    notifiers: &Notifiers,
    worker: &str,
    now: Timestamp,
) -> anyhow::Result<Delivered> {
    let mut report = Delivered::default();
    for item in store
        .claim_alert_deliveries(worker, 100, now, 120_000)
        .await?
    {
        let outcome = send(notifiers, &item, now).await;
        match &outcome {
            Ok(()) => report.sent += 1,
            Err(err) => {
                report.failed += 1;
                eprintln!("alert delivery {} ({}): {err}", item.id, item.key);
            }
        }
        let retry_at = now.plus_millis(backoff(notifiers.retry_millis, item.attempts));
        store
            .finish_outbox(item.id, worker, outcome, retry_at)
            .await?;
    }
    Ok(report)
}

/// `first`, doubling with each attempt, at most an hour.
pub(crate) fn backoff(first: i64, attempts: u32) -> i64 {
    first
        .saturating_mul(1 << attempts.saturating_sub(1).min(10))
        .min(3_600_000)
}

/// Sends one delivery: builds the alert's request or message for its notifier at `now`.
pub(crate) async fn send(
    notifiers: &Notifiers,
    item: &OutboxItem,
    now: Timestamp,
) -> Result<(), String> {
    let payload: Payload = serde_json::from_slice(&item.payload)
        .map_err(|err| format!("unreadable alert delivery: {err}"))?;
    let Some(target) = notifiers.list.iter().find(|it| it.id == payload.notifier) else {
        return Err(format!("notifier {:?} is not configured", payload.notifier));
    };
    let shop = notifiers
        .shop_names
        .get(&payload.shop_id)
        .map(String::as_str);
    let alert = render(&payload, &notifiers.link_base, shop);
    match notifiers::build(&target.notifier, &alert, now) {
        Outgoing::Http(request) => post(&notifiers.http, target, request).await,
        Outgoing::Email(message) => match &target.smtp {
            Some(smtp) => mail(smtp, &message).await,
            None => Err("an email notifier without an SMTP server".to_owned()),
        },
    }
}

/// The alert supervisors read, in Chinese like the dashboard.
fn render(payload: &Payload, link_base: &str, shop: Option<&str>) -> Alert {
    let (what, late) = match payload.stage.as_str() {
        "allocate" => ("订单", "待分配超时"),
        "claim" => ("包裹", "待领取超时"),
        "ship" => ("包裹", "发货超时"),
        _ => ("订单", "超过承诺发货时间"),
    };
    let id = payload
        .subject
        .split_once(':')
        .map_or(payload.subject.as_str(), |(_, id)| id);
    let severity = match payload.level.as_str() {
        "escalated" => Severity::Critical,
        _ => Severity::Warning,
    };
    let time = |millis: i64| mapping::rfc3339(Timestamp::from_unix_millis(millis), 480);
    let shop = shop.map_or_else(|| payload.shop_id.to_string(), str::to_owned);
    let mut body = format!("- {what}: **{id}**\n- 店铺: {shop}\n");
    if let Some(warehouse) = &payload.warehouse {
        body.push_str(&format!("- 仓库: {warehouse}\n"));
    }
    body.push_str(&format!(
        "- 开始: {}\n- 截止: {}\n- 升级: {}\n",
        time(payload.since),
        time(payload.due_at),
        time(payload.escalate_at)
    ));
    let kind = payload.subject.split(':').next().unwrap_or("order");
    Alert {
        title: format!("{what}{late}: {id}"),
        body,
        severity,
        link: format!("{}/{kind}s/{id}", link_base.trim_end_matches('/')),
        dedup_key: payload.dedup_key.clone(),
    }
}

/// Posts a robot's or the webhook's request; a robot's `errcode`/`code` other than 0 is a failure.
async fn post(
    client: &reqwest::Client,
    target: &Configured,
    request: HttpRequest,
) -> Result<(), String> {
    let url = match &target.endpoint {
        Some(endpoint) => format!(
            "{}{}",
            endpoint.trim_end_matches('/'),
            &request.url[request.origin().len()..]
        ),
        None => request.url.clone(),
    };
    let mut builder = client.post(&url);
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    let response = builder
        .body(request.body)
        .send()
        .await
        .map_err(|err| format!("{}: {}", request_origin(&url), err.without_url()))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!("{}: HTTP {status}", request_origin(&url)));
    }
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    for field in ["errcode", "code", "StatusCode"] {
        if let Some(code) = answer.get(field).and_then(serde_json::Value::as_i64)
            && code != 0
        {
            return Err(format!("{}: {field} {code}: {text}", request_origin(&url)));
        }
    }
    Ok(())
}

fn request_origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |at| at + 3);
    let end = url[after..]
        .find(['/', '?'])
        .map_or(url.len(), |at| after + at);
    &url[..end]
}

/// Hands the message to the SMTP server as it was built (the client dot-stuffs the DATA).
async fn mail(smtp: &Smtp, message: &EmailMessage) -> Result<(), String> {
    let address = |text: &str| {
        text.parse::<Address>()
            .map_err(|err| format!("address {text:?}: {err}"))
    };
    let to = message
        .envelope_to
        .iter()
        .map(|it| address(it))
        .collect::<Result<Vec<_>, _>>()?;
    let envelope = lettre::address::Envelope::new(Some(address(&message.envelope_from)?), to)
        .map_err(|err| format!("envelope: {err}"))?;
    let builder = match smtp.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|err| format!("{}: {err}", smtp.host))?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|err| format!("{}: {err}", smtp.host))?,
    };
    let mut builder = builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(20)));
    if let Some((user, password)) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(
            user.expose().to_owned(),
            password.expose().to_owned(),
        ));
    }
    builder
        .build()
        .send_raw(&envelope, message.text.as_bytes())
        .await
        .map_err(|err| format!("smtp {}:{}: {err}", smtp.host, smtp.port))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use crate::alerting::{Payload, backoff, render};

    #[test]
    fn an_escalated_shipment_reads_as_critical_with_its_times() {
        let payload = Payload {
            dedup_key: "ship/shipment:7#3:escalated".to_owned(),
            notifier: "ops".to_owned(),
            stage: "ship".to_owned(),
            subject: "shipment:7".to_owned(),
            level: "escalated".to_owned(),
            shop_id: 1,
            warehouse: Some("JX01".to_owned()),
            since: 1_760_000_000_000,
            due_at: 1_760_086_400_000,
            escalate_at: 1_760_172_800_000,
        };
        let alert = render(&payload, "http://hub.example/", Some("天猫旗舰店"));
        expect![[r#"
            Alert {
                title: "包裹发货超时: 7",
                body: "- 包裹: **7**\n- 店铺: 天猫旗舰店\n- 仓库: JX01\n- 开始: 2025-10-09T16:53:20+08:00\n- 截止: 2025-10-10T16:53:20+08:00\n- 升级: 2025-10-11T16:53:20+08:00\n",
                severity: Critical,
                link: "http://hub.example/shipments/7",
                dedup_key: "ship/shipment:7#3:escalated",
            }
        "#]]
        .assert_debug_eq(&alert);
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let delays: Vec<i64> = (1..=9).map(|n| backoff(30_000, n)).collect();
        assert_eq!(
            delays,
            [
                30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000
            ]
        );
        assert_eq!(backoff(0, 3), 0);
    }
}
