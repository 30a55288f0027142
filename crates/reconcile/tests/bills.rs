//! Each built-in bill format read from a small fixture (the Alipay one as GBK bytes, as Alipay writes
//! it), snapshotted as the entries it yields; and bad files rejected with the file, line and column.

use expect_test::{Expect, expect};
use reconcile::{BillFormat, read_bill};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

#[track_caller]
fn check(format: &str, bytes: &[u8], expect: Expect) {
    let format = BillFormat::builtin(format).unwrap();
    let bill = read_bill(&format, "bill.csv", bytes).unwrap_or_else(|err| panic!("{err}"));
    let mut out = format!("{} ({})\n", bill.format, bill.encoding);
    for it in &bill.entries {
        out += &format!(
            "line {} order {:?} {} {} at {} ({})\n",
            it.line,
            it.external_id,
            it.kind.as_str(),
            it.amount,
            mapping::rfc3339(it.at, 480),
            it.kind_text
        );
    }
    expect.assert_eq(&out);
}

#[track_caller]
fn check_error(format: &str, text: &str, expect: Expect) {
    let format = BillFormat::builtin(format).unwrap();
    let err = read_bill(&format, "bill.csv", text.as_bytes()).unwrap_err();
    expect.assert_eq(&err.to_string());
}

#[test]
fn wechat_pay_trade_bill() {
    check(
        "wechat",
        &fixture("wechat.csv"),
        expect![[r#"
            wechat (UTF-8)
            line 2 order "WX10001" payment 198.00 CNY at 2024-06-01T10:00:00+08:00 (SUCCESS)
            line 3 order "WX10002" payment 59.90 CNY at 2024-06-01T11:30:05+08:00 (SUCCESS)
            line 4 order "WX10002" refund -59.90 CNY at 2024-06-01T18:02:41+08:00 (REFUND)
        "#]],
    );
}

#[test]
fn alipay_account_detail_in_gbk() {
    let text = String::from_utf8(fixture("alipay.csv")).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the fixture is really GBK"
    );
    check(
        "alipay",
        &gbk,
        expect![[r#"
            alipay (gb18030)
            line 6 order "3876543210987654" payment 198.00 CNY at 2024-06-01T10:00:00+08:00 (交易付款)
            line 7 order "3876543210987654" fee -9.90 CNY at 2024-06-01T10:00:00+08:00 (收费)
            line 8 order "3876543210987655" refund -59.90 CNY at 2024-06-01T12:10:00+08:00 (交易退款)
            line 9 order "" other -10000.00 CNY at 2024-06-01T20:00:00+08:00 (提现)
        "#]],
    );
}

#[test]
fn jd_settlement_detail() {
    check(
        "jd",
        &fixture("jd.csv"),
        expect![[r#"
            jd (UTF-8)
            line 2 order "301234567890" payment 198.00 CNY at 2024-06-01T02:00:00+08:00 (货款)
            line 3 order "301234567890" fee -11.88 CNY at 2024-06-01T02:00:00+08:00 (佣金)
            line 4 order "301234567891" refund -59.90 CNY at 2024-06-01T02:00:00+08:00 (货款)
        "#]],
    );
}

#[test]
fn douyin_account_movements() {
    check(
        "douyin",
        &fixture("douyin.csv"),
        expect![[r#"
            douyin (UTF-8)
            line 2 order "6920000000000000001" payment 198.00 CNY at 2024-06-01T10:05:00+08:00 (订单结算)
            line 3 order "6920000000000000001" fee -5.94 CNY at 2024-06-01T10:05:00+08:00 (平台服务费)
            line 4 order "6920000000000000011" refund -59.90 CNY at 2024-06-01T15:20:00+08:00 (订单退款)
        "#]],
    );
}

#[test]
fn a_generic_format_is_a_users_toml() {
    let format = BillFormat::from_toml(
        r#"
        name = "my-bank"
        money = "minor"
        currency = "CNY"
        time = "unix_seconds"
        [header]
        contains = ["order", "type", "fen", "when"]
        [columns]
        order_id = "order"
        time = "when"
        kind = "type"
        amount = "fen"
        [kinds]
        pay = "payment"
        back = "refund"
        "#,
    )
    .unwrap();
    let text = "exported by my bank\norder,type,fen,when\nA1,pay,19800,1717207200\nA1,back,500,1717210800\n";
    let bill = read_bill(&format, "mine.csv", text.as_bytes()).unwrap();
    let amounts: Vec<(u64, i64)> = bill
        .entries
        .iter()
        .map(|it| (it.line, it.amount.minor))
        .collect();
    assert_eq!(amounts, [(3, 19800), (4, -500)]);
}

#[test]
fn bad_files_name_the_line_and_column() {
    check_error(
        "jd",
        "订单编号,费用项,金额,费用结算时间\n3012,货款,19.8.0,2024-06-01 02:00:00\n",
        expect![[r#"bill.csv:2: column 金额: "19.8.0" is not an amount"#]],
    );
    check_error(
        "jd",
        "订单编号,费用项,金额,费用结算时间\n3.01235E+11,货款,19.80,2024-06-01 02:00:00\n",
        expect![[
            r#"bill.csv:2: column 订单编号: "3.01235E+11" was turned into a number by a spreadsheet: its digits are lost"#
        ]],
    );
    check_error(
        "jd",
        "订单编号,费用项,金额,费用结算时间\n3012,货款,19.80,yesterday\n",
        expect![[
            r#"bill.csv:2: column 费用结算时间: "yesterday" is not a time in the Local { offset_minutes: 480 } format"#
        ]],
    );
    check_error(
        "wechat",
        "交易时间,商户订单号\n",
        expect![
            "bill.csv: no header row with the columns 交易时间, 商户订单号, 交易状态, 应结订单金额 (is this a wechat bill?)"
        ],
    );
    check_error(
        "alipay",
        "账务流水号,业务流水号,商户订单号,发生时间,业务类型\n1,2,,2024-06-01 10:00:00,交易付款\n",
        expect![[r#"bill.csv:1: the header has no column "收入金额（+元）""#]],
    );
}

mod round_trip {
    //! A WeChat Pay bill written from entries (backticks, a summary footer, with or without a BOM)
    //! reads back as exactly those entries: ids, kinds, amounts to the fen and times.

    use proptest::prelude::*;
    use reconcile::{BillFormat, EntryKind, read_bill};

    const HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n";

    fn yuan(minor: i64) -> String {
        format!("{}.{:02}", minor / 100, minor % 100)
    }

    proptest! {
        #[test]
        fn written_entries_read_back(
            rows in prop::collection::vec((1u64..u64::MAX, any::<bool>(), 1i64..10_000_000_000, 0i64..86_400), 0..30),
            bom in any::<bool>(),
        ) {
            let mut text = String::from(if bom { "\u{feff}" } else { "" });
            text += HEADER;
            for (id, refund, minor, second) in &rows {
                let time = format!("2024-06-01 {:02}:{:02}:{:02}", second / 3600, second / 60 % 60, second % 60);
                let (state, paid, refunded) = match refund {
                    true => ("REFUND", 0, *minor),
                    false => ("SUCCESS", *minor, 0),
                };
                text += &format!(
                    "`{time},`wx1,`190,`0,`,`420{id},`{id},`o1,`JSAPI,`{state},`CMB,`CNY,`{},`0.00,`,`,`{},`0.00,`,`,`商品,`,`0.00,`0.60%,`{},`0.00,`\n",
                    yuan(paid), yuan(refunded), yuan(paid),
                );
            }
            text += "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n`0,`0.00,`0.00,`0.00,`0.00,`0.00,`0.00\n";
            let bill = read_bill(&BillFormat::builtin("wechat").unwrap(), "w.csv", text.as_bytes()).unwrap();
            prop_assert_eq!(bill.entries.len(), rows.len());
            for (entry, (id, refund, minor, second)) in bill.entries.iter().zip(&rows) {
                prop_assert_eq!(&entry.external_id, &id.to_string());
                let (kind, amount) = match refund {
                    true => (EntryKind::Refund, -minor),
                    false => (EntryKind::Payment, *minor),
                };
                prop_assert_eq!(entry.kind, kind);
                prop_assert_eq!(entry.amount.minor, amount);
                // 2024-06-01T00:00:00+08:00
                prop_assert_eq!(entry.at.unix_millis(), 1_717_171_200_000 + second * 1000);
            }
        }
    }
}
