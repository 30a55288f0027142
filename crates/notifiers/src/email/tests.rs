//! Email tests: the exact message for the fixed alert, its parts decoded back, and the date,
//! address and encoded-word rules on their own.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use expect_test::expect;
use proptest::prelude::*;

use crate::email::{
    EmailSettings, Mailbox, civil_from_days, encoded_words, message, message_id, rfc5322_date,
};
use crate::test_alert::{alert, at};
use crate::{EmailError, Timestamp};

fn settings() -> EmailSettings {
    EmailSettings::new(
        Mailbox::new(Some("OrderHub 告警"), "alerts@hub.example.cn").unwrap(),
        vec![
            Mailbox::new(Some("Wang \"Supervisor\" Li"), "wang.li@example.cn").unwrap(),
            Mailbox::new(None, "ops+night@example.cn").unwrap(),
        ],
        480,
    )
    .unwrap()
}

/// Each line shown with a visible `⏎` for its CRLF, so a bare LF would stand out.
fn visible(text: &str) -> String {
    text.replace("\r\n", "⏎\n")
}

#[test]
fn the_whole_message() {
    let message = message(&settings(), &alert(), at());
    assert_eq!(message.envelope_from, "alerts@hub.example.cn");
    assert_eq!(
        message.envelope_to,
        ["wang.li@example.cn", "ops+night@example.cn"]
    );
    expect![[r#"
        From: =?UTF-8?B?T3JkZXJIdWIg5ZGK6K2m?= <alerts@hub.example.cn>⏎
        To: "Wang \"Supervisor\" Li" <wang.li@example.cn>,⏎
         ops+night@example.cn⏎
        Subject: =?UTF-8?B?44CQ5Lil6YeN44CR5Y+R6LSn6LaF5pe2OiAzIOS4quWMheijuQ==?=⏎
        Date: Tue, 01 Jul 2025 09:30:00 +0800⏎
        Message-ID: <alert.a0311dae289bf0099084dc58de822f6e@hub.example.cn>⏎
        Auto-Submitted: auto-generated⏎
        MIME-Version: 1.0⏎
        Content-Type: text/plain; charset=utf-8⏎
        Content-Transfer-Encoding: base64⏎
        ⏎
        44CQ5Lil6YeN44CR5Y+R6LSn6LaF5pe2OiAzIOS4quWMheijuQ0KDQoqKuWNjuS4nOS7kyoqIOW3⏎
        suiupOmihuacquWPkei0p+i2hei/hyA0IOWwj+aXtuOAgg0KLSBTSC0xMDAxDQotIFNILTEwMDIN⏎
        Ci0gU0gtMTAwMw0KDQrmn6XnnIvor6bmg4U6IGh0dHBzOi8vaHViLmV4YW1wbGUuY24vc2hpcG1l⏎
        bnRzP292ZXJkdWU9Y2xhaW1lZA0K⏎
    "#]]
    .assert_eq(&visible(&message.text));
}

#[test]
fn every_line_ends_in_crlf_and_fits_78_characters() {
    let text = message(&settings(), &alert(), at()).text;
    assert!(text.ends_with("\r\n"));
    for line in text.split_terminator("\r\n") {
        assert!(!line.contains(['\r', '\n']), "{line:?}");
        assert!(line.chars().count() <= 78, "{line:?}");
        assert!(line.is_ascii(), "{line:?}");
    }
}

#[test]
fn the_body_decodes_to_the_alert_in_crlf_text() {
    let text = message(&settings(), &alert(), at()).text;
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    let decoded = STANDARD.decode(body.replace("\r\n", "")).unwrap();
    expect![[r#"
        【严重】发货超时: 3 个包裹⏎
        ⏎
        **华东仓** 已认领未发货超过 4 小时。⏎
        - SH-1001⏎
        - SH-1002⏎
        - SH-1003⏎
        ⏎
        查看详情: https://hub.example.cn/shipments?overdue=claimed⏎
    "#]]
    .assert_eq(&visible(&String::from_utf8(decoded).unwrap()));
}

#[test]
fn message_id_follows_the_dedup_key_not_the_time() {
    let first = message(&settings(), &alert(), at()).text;
    let retry = message(&settings(), &alert(), at().plus_millis(600_000)).text;
    let id = |text: &str| {
        text.lines()
            .find(|it| it.starts_with("Message-ID:"))
            .unwrap()
            .to_owned()
    };
    assert_eq!(id(&first), id(&retry));
    let mut other = alert();
    other.dedup_key.push_str(":escalated");
    assert_ne!(id(&first), id(&message(&settings(), &other, at()).text));
    // A local vector: python3 -c 'import hashlib; print(hashlib.sha256(b"k").hexdigest()[:32])'
    assert_eq!(
        message_id("k", "x.cn"),
        "<alert.8254c329a92850f6d539dd376f4816ee@x.cn>"
    );
}

#[test]
fn dates_at_offsets_and_around_the_epoch() {
    let date = |millis, offset| rfc5322_date(Timestamp::from_unix_millis(millis), offset);
    assert_eq!(date(0, 0), "Thu, 01 Jan 1970 00:00:00 +0000");
    assert_eq!(date(-1, 0), "Wed, 31 Dec 1969 23:59:59 +0000");
    assert_eq!(
        date(1_751_333_400_250, 480),
        "Tue, 01 Jul 2025 09:30:00 +0800"
    );
    assert_eq!(
        date(1_751_333_400_250, -210),
        "Mon, 30 Jun 2025 22:00:00 -0330"
    );
    // 2024-02-29 12:00:00 UTC, a leap day; 2100-03-01 follows 2100-02-28 (not a leap year).
    assert_eq!(
        date(1_709_208_000_000, 0),
        "Thu, 29 Feb 2024 12:00:00 +0000"
    );
    assert_eq!(
        date(4_107_542_400_000, 0),
        "Mon, 01 Mar 2100 00:00:00 +0000"
    );
}

#[test]
fn civil_dates_count_every_day_once() {
    // From 1900 to 2200 each day is the day after the one before, over every month's end.
    let mut previous = civil_from_days(-25_567);
    assert_eq!(previous, (1900, 1, 1));
    for days in -25_566..84_000 {
        let (year, month, day) = civil_from_days(days);
        let next_day = (year, month, day) == (previous.0, previous.1, previous.2 + 1);
        let next_month = day == 1
            && ((year, month) == (previous.0, previous.1 + 1)
                || (year, month) == (previous.0 + 1, 1));
        assert!(
            next_day || next_month,
            "{previous:?} then {:?}",
            (year, month, day)
        );
        previous = (year, month, day);
    }
}

#[test]
fn addresses_that_would_break_a_header_are_refused() {
    for bad in [
        "",
        "no-at",
        "@example.cn",
        "a@",
        "a b@example.cn",
        "a@exa mple.cn",
        "<a@example.cn>",
        "a@example.cn\r\nBcc: x@y.cn",
        "仓@example.cn",
        "a@-example.cn",
        "a@example.cn.",
    ] {
        assert_eq!(
            Mailbox::new(None, bad),
            Err(EmailError::NotAnAddress {
                address: bad.to_owned()
            }),
            "{bad:?}"
        );
    }
    let injected = Mailbox::new(Some("Li\r\nBcc: x@y.cn"), "a@example.cn");
    assert!(matches!(injected, Err(EmailError::BadDisplayName { .. })));
    assert!(Mailbox::new(Some("O'Brien"), "o.brien+ops@sub.example.cn").is_ok());
}

#[test]
fn settings_need_a_recipient_and_a_real_offset() {
    let from = || Mailbox::new(None, "a@example.cn").unwrap();
    assert_eq!(
        EmailSettings::new(from(), Vec::new(), 0),
        Err(EmailError::NoRecipients)
    );
    assert_eq!(
        EmailSettings::new(from(), vec![from()], 1440),
        Err(EmailError::OffsetOutOfRange { minutes: 1440 })
    );
    assert!(EmailSettings::new(from(), vec![from()], -1439).is_ok());
}

fn decode_words(folded: &str) -> String {
    let mut out = Vec::new();
    for word in folded.split("\r\n ") {
        assert!(word.len() <= 75, "{word}");
        let inner = word
            .strip_prefix("=?UTF-8?B?")
            .and_then(|it| it.strip_suffix("?="))
            .unwrap();
        let bytes = STANDARD.decode(inner).unwrap();
        // Every word holds whole characters on its own.
        assert!(std::str::from_utf8(&bytes).is_ok(), "{word}");
        out.extend(bytes);
    }
    String::from_utf8(out).unwrap()
}

proptest! {
    #[test]
    fn encoded_words_round_trip(text in "\\PC{1,80}") {
        prop_assert_eq!(decode_words(&encoded_words(&text)), text);
    }
}
