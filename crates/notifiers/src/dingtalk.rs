//! DingTalk (钉钉) custom robot with the "加签" (signature) security setting: a Markdown message.
//!
//! The webhook is `https://oapi.dingtalk.com/robot/send?access_token=TOKEN`. With 加签, the request
//! also carries `&timestamp=T&sign=S`, where `T` is Unix time in milliseconds and
//! `S = urlencode(base64(HMAC-SHA256(key = secret, message = T + "\n" + secret)))`, the secret being
//! the `SEC…` string of the robot's security settings. DingTalk refuses a `T` more than an hour
//! from its clock, so the request is built again for every attempt.
//! Source: DingTalk's custom robot security settings page (自定义机器人安全设置, 加签), as reproduced
//! at <https://apifox.com/apidoc/docs-site/467052/doc-3550006>.
//!
//! The body is `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`; `title` is what the
//! notification preview shows.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::encode::{hmac_sha256, json, link_target, percent_encode};
use crate::{Alert, HttpRequest, Secret, Timestamp};

/// One custom robot with 加签 enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DingTalkSettings {
    /// The `access_token` of the robot's webhook URL.
    pub access_token: Secret,
    /// The `SEC…` signing secret.
    pub secret: Secret,
}

/// `base64(HMAC-SHA256(key = secret, message = timestamp_millis + "\n" + secret))`, before the URL
/// encoding the query needs.
pub fn sign(secret: &Secret, timestamp_millis: i64) -> String {
    let secret = secret.expose();
    let message = format!("{timestamp_millis}\n{secret}");
    STANDARD.encode(hmac_sha256(secret.as_bytes(), &[message.as_bytes()]))
}

/// The signed request that posts `alert` to the robot's group at time `at`.
pub fn request(settings: &DingTalkSettings, alert: &Alert, at: Timestamp) -> HttpRequest {
    let millis = at.unix_millis();
    let url = format!(
        "https://oapi.dingtalk.com/robot/send?access_token={}&timestamp={millis}&sign={}",
        percent_encode(settings.access_token.expose()),
        percent_encode(&sign(&settings.secret, millis)),
    );
    let headline = alert.headline();
    let text = format!(
        "### {headline}\n\n{}\n\n[查看详情]({})",
        alert.body,
        link_target(&alert.link)
    );
    let body = Body {
        msgtype: "markdown",
        markdown: Markdown {
            title: headline,
            text,
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
    title: String,
    text: String,
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use crate::Secret;
    use crate::dingtalk::{DingTalkSettings, request, sign};
    use crate::test_alert::{alert, at};

    // DingTalk's documentation shows the algorithm with `secret = "this is secret"` but signs the
    // current time and prints no expected value, so no platform-published vector exists.
    // These are local vectors, computed independently with Python's hmac/hashlib/base64:
    //   python3 -c 'import hmac,hashlib,base64,urllib.parse as u; s=b"SECRET"; t="TS";
    //     print(u.quote_plus(base64.b64encode(hmac.new(s, (t+"\n").encode()+s, hashlib.sha256).digest())))'
    const LOCAL_VECTORS: &[(&str, i64, &str)] = &[
        (
            "this is secret",
            1_735_689_600_000,
            "dkeymkFpjBA1G9P6/2xChysgaRYrfT4DkgaQ/emJQY0=",
        ),
        (
            "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd",
            1_751_333_400_250,
            "qlyjNp8jMH4IeVIFTmEDMCEv0Nqnptp97TOF8UegBxM=",
        ),
        // Also the value the third-party `dingding` crate's test expects (docs.rs, dingding 0.1.1,
        // src/signature.rs), URL-encoded there: OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D.
        (
            "secret",
            1_700_000_000_000,
            "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY=",
        ),
    ];

    #[test]
    fn sign_matches_the_local_vectors() {
        for &(secret, millis, expected) in LOCAL_VECTORS {
            assert_eq!(
                sign(&Secret::new(secret), millis),
                expected,
                "{secret} {millis}"
            );
        }
    }

    #[test]
    fn sign_depends_on_secret_and_timestamp() {
        let (secret, millis, expected) = LOCAL_VECTORS[0];
        assert_ne!(sign(&Secret::new("this is secreT"), millis), expected);
        assert_ne!(sign(&Secret::new(secret), millis + 1), expected);
    }

    fn settings() -> DingTalkSettings {
        DingTalkSettings {
            access_token: Secret::new("98975521a1b23c02cdd1a9a08c69511d"),
            secret: Secret::new(
                "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd",
            ),
        }
    }

    #[test]
    fn posts_signed_markdown() {
        expect![[r####"
            POST https://oapi.dingtalk.com/robot/send?access_token=98975521a1b23c02cdd1a9a08c69511d&timestamp=1751333400250&sign=qlyjNp8jMH4IeVIFTmEDMCEv0Nqnptp97TOF8UegBxM%3D
            Content-Type: application/json; charset=utf-8

            {"msgtype":"markdown","markdown":{"title":"【严重】发货超时: 3 个包裹","text":"### 【严重】发货超时: 3 个包裹\n\n**华东仓** 已认领未发货超过 4 小时。\n- SH-1001\n- SH-1002\n- SH-1003\n\n[查看详情](https://hub.example.cn/shipments?overdue=claimed)"}}"####]].assert_eq(&request(&settings(), &alert(), at()).dump());
    }

    #[test]
    fn the_query_carries_the_url_encoded_local_vector() {
        let request = request(&settings(), &alert(), at());
        assert!(
            request.url.ends_with(
                "&timestamp=1751333400250&sign=qlyjNp8jMH4IeVIFTmEDMCEv0Nqnptp97TOF8UegBxM%3D"
            ),
            "{}",
            request.url
        );
    }
}
