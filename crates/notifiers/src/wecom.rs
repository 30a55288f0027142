//! WeCom (企业微信) group robot: a Markdown message posted to the robot's webhook.
//!
//! The webhook is `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`; the key is the only
//! credential (no signature). The body is `{"msgtype":"markdown","markdown":{"content":…}}`, whose
//! content WeCom limits to 4096 bytes of UTF-8; the alert's body is cut to fit.
//! WeCom's Markdown colours text with `<font color="info|comment|warning">`.

use serde::Serialize;

use crate::encode::{json, link_target, percent_encode, truncate_utf8};
use crate::{Alert, HttpRequest, Secret, Severity};

/// WeCom's limit on `markdown.content`, in bytes of UTF-8.
pub const MAX_CONTENT_BYTES: usize = 4096;

/// One group robot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeComSettings {
    /// The `key` of the robot's webhook URL.
    pub key: Secret,
}

/// The request that posts `alert` to the robot's group.
pub fn request(settings: &WeComSettings, alert: &Alert) -> HttpRequest {
    let url = format!(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={}",
        percent_encode(settings.key.expose())
    );
    let body = Body {
        msgtype: "markdown",
        markdown: Markdown {
            content: content(alert),
        },
    };
    HttpRequest::post_json(url, Vec::new(), json(&body))
}

#[derive(Serialize)]
struct Body {
    msgtype: &'static str,
    markdown: Markdown,
}

#[derive(Serialize)]
struct Markdown {
    content: String,
}

fn content(alert: &Alert) -> String {
    let colour = match alert.severity {
        Severity::Info => "info",
        Severity::Warning | Severity::Critical => "warning",
    };
    let head = format!("## <font color=\"{colour}\">{}</font>\n", alert.headline());
    let tail = format!("\n\n[查看详情]({})", link_target(&alert.link));
    let room = MAX_CONTENT_BYTES.saturating_sub(head.len() + tail.len());
    let content = format!("{head}{}{tail}", truncate_utf8(&alert.body, room));
    // A title or link long enough to overflow on its own is cut as a whole.
    truncate_utf8(&content, MAX_CONTENT_BYTES)
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use crate::test_alert::alert;
    use crate::wecom::{MAX_CONTENT_BYTES, WeComSettings, request};
    use crate::{Secret, Severity};

    fn settings() -> WeComSettings {
        WeComSettings {
            key: Secret::new("693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"),
        }
    }

    #[test]
    fn posts_markdown_to_the_keyed_webhook() {
        expect![[r###"
            POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa
            Content-Type: application/json; charset=utf-8

            {"msgtype":"markdown","markdown":{"content":"## <font color=\"warning\">【严重】发货超时: 3 个包裹</font>\n**华东仓** 已认领未发货超过 4 小时。\n- SH-1001\n- SH-1002\n- SH-1003\n\n[查看详情](https://hub.example.cn/shipments?overdue=claimed)"}}"###]]
        .assert_eq(&request(&settings(), &alert()).dump());
    }

    #[test]
    fn info_is_green_and_long_bodies_fit_the_limit() {
        let mut alert = alert();
        alert.severity = Severity::Info;
        alert.body = "仓".repeat(5000);
        let request = request(&settings(), &alert);
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let content = body["markdown"]["content"].as_str().unwrap();
        assert!(content.len() <= MAX_CONTENT_BYTES, "{}", content.len());
        assert!(content.starts_with("## <font color=\"info\">【提示】"));
        assert!(
            content.ends_with("…\n\n[查看详情](https://hub.example.cn/shipments?overdue=claimed)")
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let debug = format!("{:?} {:?}", settings(), request(&settings(), &alert()));
        assert!(!debug.contains("693a91f6"), "{debug}");
        assert!(
            debug.contains("https://qyapi.weixin.qq.com/**redacted**"),
            "{debug}"
        );
    }
}
