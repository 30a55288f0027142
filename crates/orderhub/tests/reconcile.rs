//! `orderhub reconcile` from the outside: a shop's orders imported into a SQLite store, then bills
//! matched against them — every kind of mismatch reported (table and JSON), a clean bill exits 0,
//! unusable input exits 2.

use std::path::Path;
use std::process::{Command, Output};

const ORDERS: &str = "\
订单编号,买家会员名,买家实际支付金额,买家应付邮费,总金额,订单状态,买家留言,收货人姓名,收货地址,联系手机,订单创建时间,订单付款时间,订单备注,宝贝标题,价格,购买数量,商家编码,退款状态
1001,t**1,198.00,0.00,198.00,买家已付款，等待卖家发货,,张伟,浙江省 杭州市 西湖区 文三路123号,13800001234,2024-05-31 09:00:00,2024-05-31 09:01:00,,保温杯,198.00,1,CUP-1,没有申请退款
1002,t**2,59.90,0.00,59.90,交易关闭,,李娜,江苏省 南京市 玄武区 中山路1号,13800001235,2024-06-01 10:00:00,2024-06-01 10:01:00,,茶叶,59.90,1,TEA-1,退款成功
1003,t**3,88.00,0.00,88.00,卖家已发货，等待买家确认,,王芳,上海市 浦东新区 世纪大道100号,13800001236,2024-06-01 11:00:00,2024-06-01 11:01:00,,茶壶,88.00,1,POT-1,退款成功
1004,t**4,120.00,0.00,120.00,买家已付款，等待卖家发货,,赵磊,广东省 广州市 天河区 天河路2号,13800001237,2024-06-01 12:00:00,2024-06-01 12:01:00,,茶杯,120.00,1,CUP-2,没有申请退款
1005,t**5,30.00,0.00,30.00,买家已付款，等待卖家发货,,钱敏,北京市 朝阳区 建国路3号,13800001238,2024-06-01 13:00:00,2024-06-01 13:01:00,,茶包,30.00,1,BAG-1,没有申请退款
";

const HEADER: &str = "#支付宝账务明细查询\n#账号：[20880000000000000156]\n账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注\n";

/// What a finance person's bill for 2024-06-01 says (UTF-8 here; the crate's tests read GBK).
const BILL: &str = "\
1,b1,T200P1002,茶叶,2024-06-01 10:01:00,buyer,59.90,,0,支付宝,交易付款,
2,b2,T200P1003,茶壶,2024-06-01 11:01:00,buyer,88.00,,0,支付宝,交易付款,
3,b3,T200P1003,茶壶,2024-06-02 09:00:00,buyer,,88.00,0,支付宝,交易退款,
4,b4,T200P1004,茶杯,2024-06-01 12:01:00,buyer,100.00,,0,支付宝,交易付款,
5,b5,T200P9999,茶盘,2024-06-01 15:00:00,buyer,45.00,,0,支付宝,交易付款,
#-----------------------------------------账务明细列表结束------------------------------------
";

fn orderhub(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .arg("--config")
        .arg(dir.join("orderhub.toml"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A store with the shop's five orders imported; returns its folder.
fn store_with_orders() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[store]\nurl = \"sqlite://{}\"\n\n[[shops]]\ncode = \"tmall-1\"\nchannel = \"tmall\"\nname = \"天猫店\"\n",
        dir.path().join("hub.db").display()
    );
    std::fs::write(dir.path().join("orderhub.toml"), config).unwrap();
    std::fs::write(dir.path().join("orders.csv"), ORDERS).unwrap();
    let out = orderhub(
        dir.path(),
        &[
            "import",
            "--shop",
            "tmall-1",
            "--profile",
            "taobao",
            "orders.csv",
        ],
    );
    assert!(out.status.success(), "import: {}", text(&out.stderr));
    dir
}

#[test]
fn every_kind_of_mismatch_is_reported() {
    let dir = store_with_orders();
    std::fs::write(dir.path().join("bill.csv"), format!("{HEADER}{BILL}")).unwrap();
    let args = [
        "reconcile",
        "bill.csv",
        "--format",
        "alipay",
        "--shop",
        "tmall-1",
        "--from",
        "2024-06-01",
        "--to",
        "2024-06-01",
    ];

    let out = orderhub(
        dir.path(),
        &[&args[..], &["--json", "--fail-on-mismatch"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String)> = report["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| {
            (
                it["order"].as_str().unwrap().to_owned(),
                it["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("1002", "paid_but_cancelled"),
        ("1003", "refunded_but_shipped"),
        ("1004", "amount_differs"),
        ("1005", "missing_in_bill"),
        ("9999", "missing_in_ours"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(found, expected, "{report:#}");
    assert_eq!(report["mismatches"][2]["bill"]["paid"], "100.00");
    assert_eq!(report["mismatches"][2]["ours"]["paid"], "120.00");

    // Without --fail-on-mismatch the table is printed and the command succeeds.
    let out = orderhub(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("amount_differs         1004"), "{table}");
    assert!(
        table.contains("4 orders in the bill, 0 matched, 5 mismatches"),
        "{table}"
    );
}

#[test]
fn a_bill_that_agrees_exits_clean() {
    let dir = store_with_orders();
    let bill = "1,b1,T200P1001,保温杯,2024-05-31 09:01:00,buyer,198.00,,0,支付宝,交易付款,\n";
    std::fs::write(dir.path().join("bill.csv"), format!("{HEADER}{bill}")).unwrap();
    let out = orderhub(
        dir.path(),
        &[
            "reconcile",
            "bill.csv",
            "--format",
            "alipay",
            "--shop",
            "tmall-1",
            "--from",
            "2024-05-31",
            "--to",
            "2024-05-31",
            "--fail-on-mismatch",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "1 orders in the bill, 1 matched, 0 mismatches, 0 entries of no order\n"
    );
}

#[test]
fn unusable_input_exits_2_and_says_why() {
    let dir = store_with_orders();
    let bad_amount = "1,b1,T200P1001,保温杯,2024-05-31 09:01:00,buyer,19.8.0,,0,支付宝,交易付款,\n";
    std::fs::write(dir.path().join("bill.csv"), format!("{HEADER}{bad_amount}")).unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--format", "alipay", "--shop", "tmall-1"],
            "bill.csv:4: column 收入金额（+元）: \"19.8.0\" is not an amount",
        ),
        (
            &["--format", "paypal", "--shop", "tmall-1"],
            "unknown bill format \"paypal\"",
        ),
        (&["--format", "jd", "--shop", "tmall-1"], "no header row"),
    ];
    for (args, why) in cases {
        let out = orderhub(dir.path(), &[&["reconcile", "bill.csv"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(why),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    std::fs::write(dir.path().join("bill.csv"), format!("{HEADER}{BILL}")).unwrap();
    let out = orderhub(
        dir.path(),
        &[
            "reconcile",
            "bill.csv",
            "--format",
            "alipay",
            "--shop",
            "nowhere",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown shop \"nowhere\""),
        "{}",
        text(&out.stderr)
    );
}
