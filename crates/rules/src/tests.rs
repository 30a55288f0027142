//! The seed file compiles and passes its own cases; a file full of mistakes reports each one with
//! its rule and field.

use std::collections::BTreeSet;

use domain::routing::{Catalog, Condition, Network, SkuInfo, WarehouseSpec};
use domain::{Component, Quantity, SkuCode, WarehouseCode};
use expect_test::expect;

use crate::{Known, SEED, compile, run_cases};

fn warehouse(code: &str, area: &str, capabilities: &[&str], carriers: &[&str]) -> WarehouseSpec {
    WarehouseSpec {
        code: WarehouseCode::new(code).unwrap(),
        area_code: area.to_owned(),
        capabilities: capabilities.iter().map(|it| (*it).to_owned()).collect(),
        carriers: carriers.iter().map(|it| (*it).to_owned()).collect(),
        allow_oversell: false,
        daily_capacity: None,
    }
}

fn network() -> Network {
    Network {
        warehouses: vec![
            warehouse("JX01", "330402", &[], &["YTO", "SF"]),
            warehouse("GZ01", "440106", &[], &["ZTO", "SF"]),
            warehouse("BS01", "330206", &["bonded"], &["EMS"]),
        ],
        min_shipment_minor: 0,
    }
}

fn sku(code: &str) -> SkuCode {
    SkuCode::new(code).unwrap()
}

fn catalog() -> Catalog {
    let mut catalog = Catalog::default();
    for code in ["TEA-LJ-250", "CUP-GL-01"] {
        catalog.skus.insert(sku(code), SkuInfo::default());
    }
    catalog.skus.insert(
        sku("MILK-AU-900"),
        SkuInfo {
            bonded: true,
            ..SkuInfo::default()
        },
    );
    catalog.skus.insert(
        sku("SET-GIFT-A"),
        SkuInfo {
            components: vec![
                Component {
                    sku: sku("TEA-LJ-250"),
                    quantity: Quantity::new(1).unwrap(),
                },
                Component {
                    sku: sku("CUP-GL-01"),
                    quantity: Quantity::new(2).unwrap(),
                },
            ],
            ..SkuInfo::default()
        },
    );
    catalog
}

fn carriers() -> BTreeSet<String> {
    ["SF", "ZTO", "YTO", "EMS"].map(str::to_owned).into()
}

#[test]
fn the_seed_rules_pass_their_cases() {
    let network = network();
    let carriers = carriers();
    let skus: BTreeSet<SkuCode> = catalog().skus.keys().cloned().collect();
    let known = Known {
        network: &network,
        carriers: &carriers,
        skus: Some(&skus),
        shops: None,
    };
    let file = compile(SEED, &known).unwrap();
    assert_eq!(file.rules.rules.len(), 5);
    assert!(matches!(
        &file.rules.rules[3].when,
        Condition::Region { name, members } if name == "江浙沪" && members.len() == 3
    ));
    let results = run_cases(&file.cases, &file.rules, &network, &catalog());
    assert_eq!(results.len(), 9);
    let failed: Vec<_> = results.iter().filter(|it| !it.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn every_mistake_is_named_with_its_rule_and_field() {
    let network = network();
    let carriers = carriers();
    let skus: BTreeSet<SkuCode> = catalog().skus.keys().cloned().collect();
    let known = Known {
        network: &network,
        carriers: &carriers,
        skus: Some(&skus),
        shops: Some(&BTreeSet::from(["tmall-flagship".to_owned()])),
    };
    let text = r#"
[regions]
"江浙沪" = ["上海", "江苏", "浙江"]

[[rules]]
name = "typo"
whn = { region = "江浙沪" }
then = { assign = "JX01" }

[[rules]]
name = "bad names"
when = { region = "江浙", shop = "jd-main", flag = "vip", channel = "amazon", sku = "NOPE" }
then = { assign = ["JX01", "XX99"], carrier = "DHL", hold = "because", require = "cold_chain" }

[[rules]]
name = "bad values"
when = { amount = { min = 500, max = 100 }, time = "25:00-06:00", weekday = ["someday"], quantity = {} }
then = { split = "sometimes", gift = { sku = "TEA-LJ-250", quantity = 0 } }

[[rules]]
name = "bad values"
then = { tag = "dup" }

[[rules]]
name = "nothing to do"
then = {}

[[tests]]
name = "bad case"
lines = ["TEA-LJ-250 xx"]
expect = "JX01"
"#;
    let errors = compile(text, &known).unwrap_err();
    expect![[r#"
        rule 1 "typo": unknown field `whn`, expected one of `name`, `when`, `then`, `stop`
        rule 2 "bad names": when.shop: unknown shop "jd-main"
        rule 2 "bad names": when.channel: unknown channel "amazon"
        rule 2 "bad names": when.region: unknown region "江浙"; [regions] defines: 江浙沪
        rule 2 "bad names": when.sku: unknown SKU "NOPE"
        rule 2 "bad names": when.flag: unknown flag "vip"; flags are presale, cross_border, cod, gift, do_not_ship
        rule 2 "bad names": then.assign[1]: unknown warehouse "XX99"; known: JX01, GZ01, BS01
        rule 2 "bad names": then.require: no warehouse has the capability "cold_chain"
        rule 2 "bad names": then.hold: unknown hold reason "because"; reasons are address_ambiguous, address_incomplete, unknown_sku, out_of_stock, buyer_message, high_amount, risk, refund_pending, do_not_ship, manual
        rule 2 "bad names": then.carrier: unknown carrier "DHL"; known: EMS, SF, YTO, ZTO
        rule 3 "bad values": when.quantity: give min, max or both
        rule 3 "bad values": when.amount: min 50000 is above max 10000
        rule 3 "bad values": when.time: "25:00-06:00" is not a range like "22:00-06:00"
        rule 3 "bad values": when.weekday: "someday" is not a weekday (mon … sun)
        rule 3 "bad values": then.gift.quantity: must be at least 1
        rule 3 "bad values": then.split: "sometimes" is neither "forbid" nor "force"
        rule 4 "bad values": name: another rule has this name
        rule 5 "nothing to do": then: a rule needs at least one action
        test "bad case": lines: "TEA-LJ-250 xx" is not "SKU" or "SKU xN""#]]
    .assert_eq(&errors.to_string());
    let broken = compile("[[rules]\nname = 1", &known).unwrap_err();
    assert_eq!(broken.0[0].place, "file");
}
