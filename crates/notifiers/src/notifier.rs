//! The closed set of notifiers, and the one function a delivery worker calls for any of them.

use crate::dingtalk::{self, DingTalkSettings};
use crate::email::{self, EmailSettings};
use crate::feishu::{self, FeishuSettings};
use crate::webhook::{self, WebhookSettings};
use crate::wecom::{self, WeComSettings};
use crate::{Alert, EmailMessage, HttpRequest, Timestamp};

/// One configured notifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notifier {
    WeCom(WeComSettings),
    DingTalk(DingTalkSettings),
    Feishu(FeishuSettings),
    Webhook(WebhookSettings),
    Email(EmailSettings),
}

/// What a notifier sends: an HTTP request, or a message for SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Http(HttpRequest),
    Email(EmailMessage),
}

/// What `notifier` sends for `alert` when sent at `at` (build it again for each attempt).
pub fn build(notifier: &Notifier, alert: &Alert, at: Timestamp) -> Outgoing {
    match notifier {
        Notifier::WeCom(settings) => Outgoing::Http(wecom::request(settings, alert)),
        Notifier::DingTalk(settings) => Outgoing::Http(dingtalk::request(settings, alert, at)),
        Notifier::Feishu(settings) => Outgoing::Http(feishu::request(settings, alert, at)),
        Notifier::Webhook(settings) => Outgoing::Http(webhook::request(settings, alert, at)),
        Notifier::Email(settings) => Outgoing::Email(email::message(settings, alert, at)),
    }
}

#[cfg(test)]
mod tests {
    use crate::dingtalk::{self, DingTalkSettings};
    use crate::email::{self, EmailSettings, Mailbox};
    use crate::test_alert::{alert, at};
    use crate::{Notifier, Outgoing, Secret, build};

    #[test]
    fn build_dispatches_to_the_notifiers_own_builder() {
        let dingtalk = DingTalkSettings {
            access_token: Secret::new("token"),
            secret: Secret::new("SECsecret"),
        };
        assert_eq!(
            build(&Notifier::DingTalk(dingtalk.clone()), &alert(), at()),
            Outgoing::Http(dingtalk::request(&dingtalk, &alert(), at()))
        );
        let mailbox = Mailbox::new(None, "ops@example.cn").unwrap();
        let email = EmailSettings::new(mailbox.clone(), vec![mailbox], 480).unwrap();
        assert_eq!(
            build(&Notifier::Email(email.clone()), &alert(), at()),
            Outgoing::Email(email::message(&email, &alert(), at()))
        );
    }

    #[test]
    fn debug_of_settings_redacts_every_secret() {
        let notifier = Notifier::DingTalk(DingTalkSettings {
            access_token: Secret::new("token-value"),
            secret: Secret::new("SECsecret-value"),
        });
        let debug = format!("{notifier:?}");
        assert!(!debug.contains("value"), "{debug}");
        assert!(debug.contains("Secret(**redacted**)"), "{debug}");
    }
}
