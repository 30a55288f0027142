//! The `[deadlines]` and `[[notifiers]]` sections of the configuration: how long each stage of
//! fulfilment may take (per shop and per warehouse where it differs) and where alerts go.
//! Secrets are never written in the file: they come from the named environment variables.

use std::collections::HashMap;

use anyhow::{Context, bail};
use domain::{Deadline, DeadlinePolicy, ShopId, Stage, WarehouseCode};
use notifiers::dingtalk::DingTalkSettings;
use notifiers::email::{EmailSettings, Mailbox};
use notifiers::feishu::{FeishuSettings, Region};
use notifiers::webhook::WebhookSettings;
use notifiers::wecom::WeComSettings;
use notifiers::{Notifier, Secret};
use serde::Deserialize;

use crate::alerting::{Configured, Smtp, SmtpTls};

/// `[deadlines]`: each stage's due and escalate times in hours; a stage left out keeps its default
/// (allocate 2/4, claim 4/8, ship 24/48, promised 48/72).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeadlinesConfig {
    pub(crate) allocate: Option<StageConfig>,
    pub(crate) claim: Option<StageConfig>,
    pub(crate) ship: Option<StageConfig>,
    pub(crate) promised: Option<StageConfig>,
    /// Where a shop or a warehouse differs.
    #[serde(default)]
    pub(crate) overrides: Vec<OverrideConfig>,
    /// Where a supervisor acts on an alert: the dashboard's base URL, for the alert's link.
    #[serde(default = "dashboard")]
    pub(crate) link_base: String,
    /// The first retry of a failed delivery comes after this many seconds, doubling up to an hour.
    #[serde(default = "thirty")]
    pub(crate) retry_seconds: u64,
}

fn dashboard() -> String {
    "http://127.0.0.1:8080".to_owned()
}

fn thirty() -> u64 {
    30
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StageConfig {
    /// Overdue after this many hours.
    pub(crate) due_hours: f64,
    /// Escalated after this many hours (from the same start).
    pub(crate) escalate_hours: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideConfig {
    /// A shop code, or
    pub(crate) shop: Option<String>,
    /// a warehouse code (a warehouse's override wins over its shop's).
    pub(crate) warehouse: Option<String>,
    /// allocate, claim, ship or promised.
    pub(crate) stage: String,
    pub(crate) due_hours: f64,
    pub(crate) escalate_hours: f64,
}

fn deadline(due_hours: f64, escalate_hours: f64, place: &str) -> anyhow::Result<Deadline> {
    if !(due_hours > 0.0 && escalate_hours >= due_hours && escalate_hours < 24.0 * 365.0) {
        bail!(
            "{place}: due_hours must be above 0 and escalate_hours at least due_hours (got {due_hours} and {escalate_hours})"
        );
    }
    let millis = |hours: f64| (hours * 3_600_000.0).round() as i64;
    Ok(Deadline {
        due_millis: millis(due_hours),
        escalate_millis: millis(escalate_hours),
    })
}

impl DeadlinesConfig {
    /// Checks the section without the store (stage names, times).
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        self.policy(None).map(|_| ())
    }

    /// The policy, shop codes resolved through `shops` (when given; unknown codes are refused).
    pub(crate) fn policy(
        &self,
        shops: Option<&HashMap<String, ShopId>>,
    ) -> anyhow::Result<DeadlinePolicy> {
        let mut policy = DeadlinePolicy::default();
        let stages = [
            (Stage::Allocate, &self.allocate),
            (Stage::Claim, &self.claim),
            (Stage::Ship, &self.ship),
            (Stage::Promised, &self.promised),
        ];
        for (stage, config) in stages {
            if let Some(it) = config {
                let place = format!("deadlines.{stage}");
                policy
                    .defaults
                    .insert(stage, deadline(it.due_hours, it.escalate_hours, &place)?);
            }
        }
        for (n, it) in self.overrides.iter().enumerate() {
            let place = format!("deadlines.overrides[{n}]");
            let Some(stage) = Stage::parse(&it.stage) else {
                bail!(
                    "{place}: unknown stage {:?} (allocate, claim, ship, promised)",
                    it.stage
                );
            };
            let times = deadline(it.due_hours, it.escalate_hours, &place)?;
            match (&it.shop, &it.warehouse) {
                (Some(shop), None) => {
                    if let Some(shops) = shops {
                        let Some(id) = shops.get(shop) else {
                            bail!("{place}: unknown shop {shop:?}");
                        };
                        policy.shops.insert((*id, stage), times);
                    }
                }
                (None, Some(code)) => {
                    let code = WarehouseCode::new(code.as_str())
                        .with_context(|| format!("{place}: warehouse"))?;
                    policy.warehouses.insert((code, stage), times);
                }
                (Some(_), Some(_)) | (None, None) => {
                    bail!("{place}: name either a shop or a warehouse")
                }
            }
        }
        Ok(policy)
    }
}

/// `[[notifiers]]`: one alert destination.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotifierConfig {
    /// A short stable name, e.g. `ops-dingtalk`; deliveries name it.
    pub(crate) id: String,
    /// wecom, dingtalk, feishu, email or webhook.
    pub(crate) kind: String,
    /// webhook: where to post. Robots: another origin to post to instead of the platform's (a
    /// proxy); absent, the platform's own.
    pub(crate) url: Option<String>,
    /// The environment variable with the robot's token: WeCom's `key`, DingTalk's
    /// `access_token`, Feishu's hook id.
    pub(crate) token_env: Option<String>,
    /// The environment variable with the signing secret (DingTalk, Feishu, webhook).
    pub(crate) secret_env: Option<String>,
    /// Feishu: `feishu` (default) or `lark`.
    pub(crate) region: Option<String>,
    /// Email: the SMTP server.
    pub(crate) smtp_host: Option<String>,
    pub(crate) smtp_port: Option<u16>,
    /// Email: `starttls` (default), `tls` (implicit, port 465) or `none` (only for a relay on
    /// this host).
    pub(crate) smtp_tls: Option<String>,
    pub(crate) username_env: Option<String>,
    pub(crate) password_env: Option<String>,
    pub(crate) from: Option<String>,
    #[serde(default)]
    pub(crate) to: Vec<String>,
    /// Email: the zone the Date header is shown in, minutes east of UTC.
    #[serde(default = "china")]
    pub(crate) utc_offset_minutes: i32,
}

fn china() -> i32 {
    480
}

fn env_secret(name: &Option<String>, what: &str, place: &str) -> anyhow::Result<Secret> {
    let Some(name) = name else {
        bail!("{place}: {what} is required");
    };
    let value = std::env::var(name)
        .with_context(|| format!("{place}: the environment variable {name} is not set"))?;
    Ok(Secret::new(value))
}

fn required<'a>(value: &'a Option<String>, what: &str, place: &str) -> anyhow::Result<&'a str> {
    value
        .as_deref()
        .with_context(|| format!("{place}: {what} is required"))
}

const KINDS: &[&str] = &["wecom", "dingtalk", "feishu", "email", "webhook"];

impl NotifierConfig {
    /// Checks the entry without reading the environment.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        let place = format!("notifier {:?}", self.id);
        if !KINDS.contains(&self.kind.as_str()) {
            bail!(
                "{place}: unknown kind {:?} ({})",
                self.kind,
                KINDS.join(", ")
            );
        }
        if self.kind == "email" {
            required(&self.smtp_host, "smtp_host", &place)?;
            self.mailboxes(&place)?;
            self.tls(&place)?;
        }
        if self.kind == "webhook" {
            required(&self.url, "url", &place)?;
        }
        Ok(())
    }

    fn tls(&self, place: &str) -> anyhow::Result<SmtpTls> {
        Ok(match self.smtp_tls.as_deref().unwrap_or("starttls") {
            "starttls" => SmtpTls::StartTls,
            "tls" => SmtpTls::Tls,
            "none" => SmtpTls::None,
            other => bail!("{place}: smtp_tls {other:?} is not starttls, tls or none"),
        })
    }

    fn mailboxes(&self, place: &str) -> anyhow::Result<EmailSettings> {
        let from = Mailbox::new(Some("OrderHub"), required(&self.from, "from", place)?)
            .with_context(|| format!("{place}: from"))?;
        let to = self
            .to
            .iter()
            .map(|it| Mailbox::new(None, it).with_context(|| format!("{place}: to")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        EmailSettings::new(from, to, self.utc_offset_minutes).with_context(|| place.to_owned())
    }

    /// The notifier with its secrets read from the environment.
    pub(crate) fn build(&self) -> anyhow::Result<Configured> {
        self.validate()?;
        let place = format!("notifier {:?}", self.id);
        let token = || env_secret(&self.token_env, "token_env", &place);
        let secret = || env_secret(&self.secret_env, "secret_env", &place);
        let mut smtp = None;
        let notifier = match self.kind.as_str() {
            "wecom" => Notifier::WeCom(WeComSettings { key: token()? }),
            "dingtalk" => Notifier::DingTalk(DingTalkSettings {
                access_token: token()?,
                secret: secret()?,
            }),
            "feishu" => Notifier::Feishu(FeishuSettings {
                region: match self.region.as_deref().unwrap_or("feishu") {
                    "feishu" => Region::Feishu,
                    "lark" => Region::Lark,
                    other => bail!("{place}: region {other:?} is not feishu or lark"),
                },
                hook_id: token()?,
                secret: secret()?,
            }),
            "webhook" => Notifier::Webhook(WebhookSettings {
                url: required(&self.url, "url", &place)?.to_owned(),
                secret: secret()?,
            }),
            _ => {
                let tls = self.tls(&place)?;
                let credentials = match (&self.username_env, &self.password_env) {
                    (None, None) => None,
                    (user, password) => Some((
                        env_secret(user, "username_env", &place)?,
                        env_secret(password, "password_env", &place)?,
                    )),
                };
                smtp = Some(Smtp {
                    host: required(&self.smtp_host, "smtp_host", &place)?.to_owned(),
                    port: self.smtp_port.unwrap_or(match tls {
                        SmtpTls::Tls => 465,
                        SmtpTls::StartTls => 587,
                        SmtpTls::None => 25,
                    }),
                    tls,
                    credentials,
                });
                Notifier::Email(self.mailboxes(&place)?)
            }
        };
        let endpoint = match self.kind.as_str() {
            "webhook" | "email" => None,
            _ => self.url.clone(),
        };
        Ok(Configured {
            id: self.id.clone(),
            notifier,
            endpoint,
            smtp,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use domain::{Deadline, ShopId, Stage, WarehouseCode};

    use crate::config::Config;

    const STORE: &str = "[store]\nurl = \"sqlite://hub.db\"\n";

    fn error(extra: &str) -> String {
        format!(
            "{:#}",
            Config::parse(&format!("{STORE}{extra}")).unwrap_err()
        )
    }

    #[test]
    fn overrides_resolve_shops_and_warehouses() {
        let config = Config::parse(&format!(
            "{STORE}[deadlines]\nship = {{ due_hours = 12, escalate_hours = 18 }}\n\
             [[deadlines.overrides]]\nshop = \"tmall\"\nstage = \"claim\"\ndue_hours = 1\nescalate_hours = 2\n\
             [[deadlines.overrides]]\nwarehouse = \"JX01\"\nstage = \"ship\"\ndue_hours = 0.5\nescalate_hours = 1\n"
        ))
        .unwrap();
        let shops = HashMap::from([("tmall".to_owned(), ShopId(3))]);
        let policy = config.deadlines.policy(Some(&shops)).unwrap();
        assert_eq!(policy.defaults[&Stage::Ship], Deadline::hours(12, 18));
        assert_eq!(policy.defaults[&Stage::Allocate], Deadline::hours(2, 4));
        assert_eq!(
            policy.shops[&(ShopId(3), Stage::Claim)],
            Deadline::hours(1, 2)
        );
        let jx01 = WarehouseCode::new("JX01").unwrap();
        assert_eq!(
            policy.warehouses[&(jx01, Stage::Ship)].due_millis,
            30 * 60_000
        );
        let unknown = HashMap::new();
        let refused = config.deadlines.policy(Some(&unknown)).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "deadlines.overrides[0]: unknown shop \"tmall\""
        );
    }

    #[test]
    fn mistakes_are_refused_with_their_place() {
        assert!(
            error("[deadlines]\nship = { due_hours = 5, escalate_hours = 2 }\n")
                .contains("deadlines.ship: due_hours must be above 0")
        );
        assert!(
            error("[[deadlines.overrides]]\nstage = \"pack\"\nshop = \"a\"\ndue_hours = 1\nescalate_hours = 2\n")
                .contains("unknown stage \"pack\"")
        );
        assert!(
            error("[[deadlines.overrides]]\nstage = \"ship\"\ndue_hours = 1\nescalate_hours = 2\n")
                .contains("name either a shop or a warehouse")
        );
        assert!(
            error("[[notifiers]]\nid = \"x\"\nkind = \"slack\"\n")
                .contains("unknown kind \"slack\"")
        );
        assert!(
            error("[[notifiers]]\nid = \"x\"\nkind = \"webhook\"\nsecret = \"inline\"\n")
                .contains("unknown field `secret`")
        );
        let no_one =
            "[[notifiers]]\nid = \"m\"\nkind = \"email\"\nsmtp_host = \"h\"\nfrom = \"a@b.cn\"\n";
        assert!(error(no_one).contains("needs at least one recipient"));
        assert!(
            error(
                "[[notifiers]]\nid = \"w\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1/\"\n\
                   [[notifiers]]\nid = \"w\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1/\"\n"
            )
            .contains("listed twice")
        );
    }
}
