//! Routing: a table test per condition and per action, the default strategy's choices, and property
//! tests that plans never ship more than ordered, never take more than is available, and that merging
//! conserves every line.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::ids::{ExternalId, OrderId, Quantity, ShopId, SkuCode, WarehouseCode};
use crate::money::{Currency, Money};
use crate::order::{
    Buyer, HoldReason, OrderAmounts, OrderFlags, OrderLine, PlatformState, Receiver, RefundState,
    StandardOrder,
};
use crate::routing::{
    Action, Catalog, Condition, Decision, LocalTime, MergeKeys, MessageTest, Network, OrderFlag,
    Outcome, Range, RoutedOrder, RoutingInput, Rule, RuleSet, SkuInfo, SplitPolicy, StockSnapshot,
    WarehouseSpec, decide, merge, merge_key,
};
use crate::shop::ChannelKind;
use crate::sku::Component;
use crate::time::Timestamp;

fn sku(code: &str) -> SkuCode {
    SkuCode::new(code).unwrap()
}

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

fn q(n: u32) -> Quantity {
    Quantity::new(n).unwrap()
}

fn line(line_no: u32, code: &str, quantity: u32, paid_minor: i64) -> OrderLine {
    OrderLine {
        line_no,
        platform_line_id: String::new(),
        platform_item_id: String::new(),
        platform_sku_id: String::new(),
        seller_sku_code: code.to_owned(),
        sku: Some(sku(code)),
        title: code.to_owned(),
        quantity: q(quantity),
        unit_price: Money::new(paid_minor / i64::from(quantity), Currency::CNY),
        discount: Money::zero(Currency::CNY),
        paid: Money::new(paid_minor, Currency::CNY),
        refund: RefundState::None,
    }
}

/// A paid order to 杭州市西湖区 with one line of 2 tea boxes worth 598.00.
fn order() -> StandardOrder {
    let mut amounts = OrderAmounts::zero(Currency::CNY);
    amounts.paid = Money::new(59_800, Currency::CNY);
    StandardOrder {
        shop: ShopId(1),
        external_id: ExternalId::new("T1").unwrap(),
        platform_status: "WAIT_SELLER_SEND_GOODS".to_owned(),
        platform_state: PlatformState::Paid,
        created_at: Timestamp::EPOCH,
        paid_at: Some(Timestamp::EPOCH),
        updated_at: Timestamp::EPOCH,
        buyer: Buyer {
            platform_id: "b1".to_owned(),
            nickname: "茶友".to_owned(),
        },
        receiver: Receiver {
            name: "王芳".to_owned(),
            phone: "13800001234".to_owned(),
            country: "CN".to_owned(),
            province: "浙江省".to_owned(),
            city: "杭州市".to_owned(),
            district: "西湖区".to_owned(),
            town: String::new(),
            detail: "文三路 1 号".to_owned(),
            zip: String::new(),
            area_code: "330106".to_owned(),
        },
        currency: Currency::CNY,
        amounts,
        buyer_message: String::new(),
        seller_memo: String::new(),
        flags: OrderFlags::default(),
        tags: Vec::new(),
        risk_score: None,
        lines: vec![line(1, "TEA", 2, 59_800)],
    }
}

fn warehouse(code: &str, area: &str, capabilities: &[&str], carriers: &[&str]) -> WarehouseSpec {
    WarehouseSpec {
        code: wh(code),
        area_code: area.to_owned(),
        capabilities: capabilities.iter().map(|it| (*it).to_owned()).collect(),
        carriers: carriers.iter().map(|it| (*it).to_owned()).collect(),
        allow_oversell: false,
        daily_capacity: None,
    }
}

/// 嘉兴仓 (near Hangzhou), 广州仓, 保税仓 (Ningbo, bonded).
fn network() -> Network {
    Network {
        warehouses: vec![
            warehouse("GZ01", "440106", &["cold_chain"], &["ZTO", "SF"]),
            warehouse("JX01", "330402", &[], &["YTO", "SF"]),
            warehouse("BS01", "330206", &["bonded"], &["EMS"]),
        ],
        min_shipment_minor: 0,
    }
}

fn info(category: &str, weight_grams: u32) -> SkuInfo {
    SkuInfo {
        category: category.to_owned(),
        weight_grams,
        ..SkuInfo::default()
    }
}

fn catalog() -> Catalog {
    let mut catalog = Catalog::default();
    catalog.skus.insert(sku("TEA"), info("tea", 300));
    catalog.skus.insert(sku("CUP"), info("cup", 200));
    catalog.skus.insert(
        sku("MILK"),
        SkuInfo {
            bonded: true,
            ..info("formula", 900)
        },
    );
    catalog.skus.insert(
        sku("NEWTEA"),
        SkuInfo {
            presale: true,
            ..info("tea", 300)
        },
    );
    catalog.skus.insert(sku("GIFT"), info("gift", 10));
    catalog.skus.insert(
        sku("SET"),
        SkuInfo {
            components: vec![
                Component {
                    sku: sku("TEA"),
                    quantity: q(1),
                },
                Component {
                    sku: sku("CUP"),
                    quantity: q(2),
                },
            ],
            ..info("set", 0)
        },
    );
    catalog
}

/// Plenty of everything in the two domestic warehouses; the bonded one has bonded goods only.
fn plenty() -> StockSnapshot {
    let mut stock = StockSnapshot::default();
    for w in ["GZ01", "JX01"] {
        for s in ["TEA", "CUP", "NEWTEA", "GIFT"] {
            stock.set(wh(w), sku(s), 100);
        }
    }
    stock.set(wh("BS01"), sku("MILK"), 100);
    stock.set(wh("BS01"), sku("GIFT"), 100);
    stock
}

/// Wednesday 1970-01-07 10:30 local.
const TIME: LocalTime = LocalTime {
    minute_of_day: 630,
    weekday: 3,
};

fn run(order: &StandardOrder, rules: &[Rule], stock: &StockSnapshot) -> Decision {
    let waived = BTreeSet::new();
    let input = RoutingInput {
        order,
        shop_code: "tmall-flagship",
        channel: ChannelKind::Tmall,
        waived: &waived,
        full: &BTreeSet::new(),
        time: TIME,
    };
    let rules = RuleSet {
        version: 1,
        rules: rules.to_vec(),
    };
    decide(&input, &rules, &network(), &catalog(), stock)
}

fn rule(name: &str, when: Condition, then: Vec<Action>) -> Rule {
    Rule {
        name: name.to_owned(),
        when,
        then,
        stop: false,
    }
}

fn fires(condition: Condition, order: &StandardOrder) -> bool {
    let decision = run(order, &[rule("r", condition, vec![])], &plenty());
    decision.fired == ["r"]
}

fn with(change: impl FnOnce(&mut StandardOrder)) -> StandardOrder {
    let mut it = order();
    change(&mut it);
    it
}

fn range(min: Option<i64>, max: Option<i64>) -> Range {
    Range { min, max }
}

#[test]
fn every_condition_matches_and_misses() {
    let base = order();
    let strings = |items: &[&str]| items.iter().map(|it| (*it).to_owned()).collect::<Vec<_>>();
    let shanghai = with(|o| {
        o.receiver.province = "上海".to_owned();
        o.receiver.city = "上海市".to_owned();
        o.receiver.district = "浦东新区".to_owned();
        o.receiver.area_code = "310115".to_owned();
    });
    let jzh = || Condition::Region {
        name: "江浙沪".to_owned(),
        members: strings(&["上海", "江苏", "浙江"]),
    };
    let table: Vec<(&str, Condition, StandardOrder, bool)> = vec![
        ("always", Condition::Always, base.clone(), true),
        (
            "shop",
            Condition::Shop(strings(&["tmall-flagship"])),
            base.clone(),
            true,
        ),
        (
            "shop miss",
            Condition::Shop(strings(&["jd-main"])),
            base.clone(),
            false,
        ),
        (
            "channel",
            Condition::Channel(vec![ChannelKind::Tmall]),
            base.clone(),
            true,
        ),
        (
            "channel miss",
            Condition::Channel(vec![ChannelKind::Jd]),
            base.clone(),
            false,
        ),
        (
            "province by name",
            Condition::Province(strings(&["浙江"])),
            base.clone(),
            true,
        ),
        (
            "province by code",
            Condition::Province(strings(&["33"])),
            base.clone(),
            true,
        ),
        (
            "province miss",
            Condition::Province(strings(&["广东"])),
            base.clone(),
            false,
        ),
        (
            "city",
            Condition::City(strings(&["杭州"])),
            base.clone(),
            true,
        ),
        (
            "city miss",
            Condition::City(strings(&["宁波"])),
            base.clone(),
            false,
        ),
        (
            "district",
            Condition::District(strings(&["西湖区"])),
            base.clone(),
            true,
        ),
        (
            "district miss",
            Condition::District(strings(&["上城区"])),
            base.clone(),
            false,
        ),
        ("region", jzh(), shanghai.clone(), true),
        (
            "region miss",
            jzh(),
            with(|o| {
                o.receiver = Receiver {
                    province: "广东省".to_owned(),
                    area_code: "440106".to_owned(),
                    ..Receiver::default()
                }
            }),
            false,
        ),
        ("sku", Condition::Sku(vec![sku("TEA")]), base.clone(), true),
        (
            "sku of a combo's part",
            Condition::Sku(vec![sku("CUP")]),
            with(|o| o.lines = vec![line(1, "SET", 1, 100)]),
            true,
        ),
        (
            "sku miss",
            Condition::Sku(vec![sku("CUP")]),
            base.clone(),
            false,
        ),
        (
            "category",
            Condition::Category(strings(&["tea"])),
            base.clone(),
            true,
        ),
        (
            "category miss",
            Condition::Category(strings(&["cup"])),
            base.clone(),
            false,
        ),
        (
            "quantity",
            Condition::Quantity(range(Some(2), Some(2))),
            base.clone(),
            true,
        ),
        (
            "quantity miss",
            Condition::Quantity(range(Some(3), None)),
            base.clone(),
            false,
        ),
        (
            "amount",
            Condition::Amount(range(Some(50_000), None)),
            base.clone(),
            true,
        ),
        (
            "amount miss",
            Condition::Amount(range(None, Some(50_000))),
            base.clone(),
            false,
        ),
        (
            "weight",
            Condition::Weight(range(Some(600), Some(600))),
            base.clone(),
            true,
        ),
        (
            "weight of a combo",
            Condition::Weight(range(Some(700), Some(700))),
            with(|o| o.lines = vec![line(1, "SET", 1, 100)]),
            true,
        ),
        (
            "weight miss",
            Condition::Weight(range(Some(601), None)),
            base.clone(),
            false,
        ),
        (
            "risk",
            Condition::Risk(range(Some(80), None)),
            with(|o| o.risk_score = Some(91)),
            true,
        ),
        (
            "risk miss",
            Condition::Risk(range(Some(80), None)),
            with(|o| o.risk_score = Some(10)),
            false,
        ),
        (
            "risk unknown",
            Condition::Risk(range(None, Some(100))),
            base.clone(),
            false,
        ),
        (
            "flag presale",
            Condition::Flag(OrderFlag::Presale),
            with(|o| o.flags.presale = true),
            true,
        ),
        (
            "flag cross-border by sku",
            Condition::Flag(OrderFlag::CrossBorder),
            with(|o| o.lines = vec![line(1, "MILK", 1, 100)]),
            true,
        ),
        (
            "flag cross-border by order",
            Condition::Flag(OrderFlag::CrossBorder),
            with(|o| o.flags.cross_border = true),
            true,
        ),
        (
            "flag cod",
            Condition::Flag(OrderFlag::Cod),
            with(|o| o.flags.cod = true),
            true,
        ),
        (
            "flag gift",
            Condition::Flag(OrderFlag::Gift),
            with(|o| o.flags.gift = true),
            true,
        ),
        (
            "flag do-not-ship",
            Condition::Flag(OrderFlag::DoNotShip),
            with(|o| o.flags.do_not_ship = true),
            true,
        ),
        (
            "flag miss",
            Condition::Flag(OrderFlag::Cod),
            base.clone(),
            false,
        ),
        (
            "tag",
            Condition::Tag("vip".to_owned()),
            with(|o| o.tags = vec!["vip".to_owned()]),
            true,
        ),
        (
            "tag miss",
            Condition::Tag("vip".to_owned()),
            base.clone(),
            false,
        ),
        (
            "message present",
            Condition::BuyerMessage(MessageTest::Present),
            with(|o| o.buyer_message = "请用顺丰".to_owned()),
            true,
        ),
        (
            "message present miss",
            Condition::BuyerMessage(MessageTest::Present),
            with(|o| o.buyer_message = "  ".to_owned()),
            false,
        ),
        (
            "message absent",
            Condition::BuyerMessage(MessageTest::Absent),
            base.clone(),
            true,
        ),
        (
            "message contains",
            Condition::BuyerMessage(MessageTest::Contains(strings(&["顺丰", "加急"]))),
            with(|o| o.buyer_message = "请用顺丰".to_owned()),
            true,
        ),
        (
            "message contains miss",
            Condition::BuyerMessage(MessageTest::Contains(strings(&["加急"]))),
            with(|o| o.buyer_message = "请用顺丰".to_owned()),
            false,
        ),
        (
            "time of day",
            Condition::TimeOfDay { from: 600, to: 660 },
            base.clone(),
            true,
        ),
        (
            "time of day miss",
            Condition::TimeOfDay { from: 660, to: 720 },
            base.clone(),
            false,
        ),
        (
            "time past midnight",
            Condition::TimeOfDay {
                from: 1320,
                to: 660,
            },
            base.clone(),
            true,
        ),
        (
            "weekday",
            Condition::DayOfWeek(BTreeSet::from([3])),
            base.clone(),
            true,
        ),
        (
            "weekday miss",
            Condition::DayOfWeek(BTreeSet::from([6, 7])),
            base.clone(),
            false,
        ),
        (
            "all",
            Condition::All(vec![
                Condition::City(strings(&["杭州"])),
                Condition::Sku(vec![sku("TEA")]),
            ]),
            base.clone(),
            true,
        ),
        (
            "all miss",
            Condition::All(vec![
                Condition::City(strings(&["杭州"])),
                Condition::Sku(vec![sku("CUP")]),
            ]),
            base.clone(),
            false,
        ),
        (
            "any",
            Condition::Any(vec![
                Condition::City(strings(&["宁波"])),
                Condition::Sku(vec![sku("TEA")]),
            ]),
            base.clone(),
            true,
        ),
        (
            "any miss",
            Condition::Any(vec![
                Condition::City(strings(&["宁波"])),
                Condition::Sku(vec![sku("CUP")]),
            ]),
            base.clone(),
            false,
        ),
        (
            "not",
            Condition::Not(Box::new(Condition::Flag(OrderFlag::Cod))),
            base.clone(),
            true,
        ),
        (
            "not miss",
            Condition::Not(Box::new(Condition::Always)),
            base.clone(),
            false,
        ),
    ];
    let wrong: Vec<_> = table
        .into_iter()
        .filter(|(_, condition, order, expected)| fires(condition.clone(), order) != *expected)
        .map(|(name, ..)| name)
        .collect();
    assert!(wrong.is_empty(), "conditions that went wrong: {wrong:?}");
}

fn shipments(decision: &Decision) -> Vec<String> {
    match &decision.outcome {
        Outcome::Ship(shipments) => shipments
            .iter()
            .map(|s| {
                let lines: Vec<_> = s.lines.iter().map(|l| l.line_no.to_string()).collect();
                format!(
                    "{}/{} {}",
                    s.warehouse.as_str(),
                    s.carrier.as_deref().unwrap_or("-"),
                    lines.join(",")
                )
            })
            .collect(),
        Outcome::Hold { reasons, detail } => {
            let reasons: Vec<_> = reasons.iter().map(|it| it.as_str()).collect();
            vec![format!("hold {} ({detail})", reasons.join(","))]
        }
    }
}

#[test]
fn actions_shape_the_decision() {
    let two_lines = with(|o| o.lines = vec![line(1, "TEA", 1, 100), line(2, "CUP", 1, 100)]);
    let always = Condition::Always;
    let assign = |codes: &[&str]| Action::Assign(codes.iter().map(|it| wh(it)).collect());

    let d = run(
        &order(),
        &[rule("a", always.clone(), vec![assign(&["GZ01", "JX01"])])],
        &plenty(),
    );
    assert_eq!(
        shipments(&d),
        ["GZ01/ZTO 1"],
        "assign: the first of the list with stock"
    );
    let mut stock = plenty();
    stock.set(wh("GZ01"), sku("TEA"), 1);
    let d = run(
        &order(),
        &[rule("a", always.clone(), vec![assign(&["GZ01", "JX01"])])],
        &stock,
    );
    assert_eq!(
        shipments(&d),
        ["JX01/YTO 1"],
        "assign: the next when the first lacks stock"
    );

    let d = run(
        &order(),
        &[rule(
            "r",
            always.clone(),
            vec![Action::Require("cold_chain".to_owned())],
        )],
        &plenty(),
    );
    assert_eq!(shipments(&d), ["GZ01/ZTO 1"], "require a capability");

    let d = run(
        &order(),
        &[rule(
            "h",
            always.clone(),
            vec![Action::Hold(HoldReason::HighAmount)],
        )],
        &plenty(),
    );
    assert!(
        matches!(&d.outcome, Outcome::Hold { reasons, .. } if reasons.contains(&HoldReason::HighAmount))
    );
    let waived = BTreeSet::from([HoldReason::HighAmount]);
    let o = order();
    let input = RoutingInput {
        order: &o,
        shop_code: "s",
        channel: ChannelKind::Tmall,
        waived: &waived,
        full: &BTreeSet::new(),
        time: TIME,
    };
    let rules = RuleSet {
        version: 1,
        rules: vec![rule(
            "h",
            always.clone(),
            vec![Action::Hold(HoldReason::HighAmount)],
        )],
    };
    let d = decide(&input, &rules, &network(), &catalog(), &plenty());
    assert_eq!(
        shipments(&d),
        ["JX01/YTO 1"],
        "a hold a person released is not held again"
    );

    let d = run(
        &order(),
        &[rule(
            "t",
            always.clone(),
            vec![Action::Tag("vip".to_owned()), Action::Tag("tea".to_owned())],
        )],
        &plenty(),
    );
    assert_eq!(d.tags.iter().collect::<Vec<_>>(), ["tea", "vip"]);

    let d = run(
        &order(),
        &[rule(
            "c",
            always.clone(),
            vec![Action::Carrier("SF".to_owned())],
        )],
        &plenty(),
    );
    assert_eq!(shipments(&d), ["JX01/SF 1"], "carrier");
    let d = run(
        &order(),
        &[rule(
            "c",
            always.clone(),
            vec![Action::Carrier("JD".to_owned())],
        )],
        &plenty(),
    );
    assert_eq!(
        shipments(&d),
        ["JX01/YTO 1"],
        "a carrier the warehouse does not use"
    );
    assert_eq!(
        d.notes,
        ["JX01 does not use carrier JD; its default is used"]
    );

    let gift = Action::Gift {
        sku: sku("GIFT"),
        quantity: q(1),
    };
    let d = run(
        &order(),
        &[rule("g", always.clone(), vec![gift.clone()])],
        &plenty(),
    );
    assert_eq!(d.encode(), "ship JX01/YTO 1x2 +GIFTx1 ; rules g");
    let mut stock = plenty();
    stock.set(wh("JX01"), sku("GIFT"), 0);
    let d = run(&order(), &[rule("g", always.clone(), vec![gift])], &stock);
    assert_eq!(d.encode(), "ship JX01/YTO 1x2 ; rules g");
    assert_eq!(d.notes, ["gift GIFT x1 left out: out of stock"]);

    let mut stock = plenty();
    stock.set(wh("JX01"), sku("CUP"), 0);
    let d = run(&two_lines, &[], &stock);
    assert_eq!(
        shipments(&d),
        ["GZ01/ZTO 1,2"],
        "one farther shipment beats two"
    );
    stock.set(wh("GZ01"), sku("TEA"), 0);
    let d = run(&two_lines, &[], &stock);
    assert_eq!(
        shipments(&d),
        ["JX01/YTO 1", "GZ01/ZTO 2"],
        "split when no warehouse has it all"
    );
    let d = run(
        &two_lines,
        &[rule(
            "s",
            always.clone(),
            vec![Action::Split(SplitPolicy::Forbid)],
        )],
        &stock,
    );
    assert_eq!(
        shipments(&d),
        ["hold out_of_stock (no single warehouse has every line and splitting is forbidden)"],
        "forbid split"
    );

    let d = run(
        &two_lines,
        &[rule(
            "s",
            always.clone(),
            vec![Action::Split(SplitPolicy::Force)],
        )],
        &plenty(),
    );
    assert_eq!(
        shipments(&d),
        ["JX01/YTO 1", "JX01/YTO 2"],
        "force split: each category apart"
    );
    let d = run(
        &two_lines,
        &[rule(
            "s",
            always.clone(),
            vec![Action::ShipApart(vec![sku("CUP")])],
        )],
        &plenty(),
    );
    assert_eq!(
        shipments(&d),
        ["JX01/YTO 1", "JX01/YTO 2"],
        "designated SKUs ship apart"
    );

    let d = run(
        &order(),
        &[rule("m", always.clone(), vec![Action::Merge(false)])],
        &plenty(),
    );
    assert!(!d.merge);
    assert!(run(&order(), &[], &plenty()).merge);
    assert!(
        !run(&with(|o| o.flags.cod = true), &[], &plenty()).merge,
        "COD never merges"
    );

    let stop = Rule {
        stop: true,
        ..rule("first", always.clone(), vec![assign(&["GZ01"])])
    };
    let d = run(
        &order(),
        &[
            stop,
            rule("second", always.clone(), vec![Action::Tag("x".to_owned())]),
        ],
        &plenty(),
    );
    assert_eq!(d.fired, ["first"], "stop ends the evaluation");
    let d = run(
        &order(),
        &[
            rule("first", always.clone(), vec![assign(&["GZ01"])]),
            rule("second", always, vec![assign(&["JX01"])]),
        ],
        &plenty(),
    );
    assert_eq!(
        shipments(&d),
        ["GZ01/ZTO 1"],
        "the first rule to assign wins"
    );
}

#[test]
fn the_default_strategy_and_platform_holds() {
    assert_eq!(
        shipments(&run(&order(), &[], &plenty())),
        ["JX01/YTO 1"],
        "nearest warehouse"
    );
    let guangdong = with(|o| {
        o.receiver.province = "广东省".to_owned();
        o.receiver.area_code = "440304".to_owned();
    });
    assert_eq!(shipments(&run(&guangdong, &[], &plenty())), ["GZ01/ZTO 1"]);
    let milk_and_tea = with(|o| o.lines = vec![line(1, "MILK", 1, 100), line(2, "TEA", 1, 100)]);
    assert_eq!(
        shipments(&run(&milk_and_tea, &[], &plenty())),
        ["BS01/EMS 1", "JX01/YTO 2"],
        "bonded goods ship from the bonded warehouse, apart"
    );
    let presale = with(|o| o.lines = vec![line(1, "NEWTEA", 1, 100), line(2, "TEA", 1, 100)]);
    assert_eq!(
        shipments(&run(&presale, &[], &plenty())),
        ["JX01/YTO 1", "JX01/YTO 2"]
    );
    let set = with(|o| o.lines = vec![line(1, "SET", 2, 100)]);
    let mut stock = plenty();
    stock.set(wh("JX01"), sku("CUP"), 3);
    assert_eq!(
        shipments(&run(&set, &[], &stock)),
        ["GZ01/ZTO 1"],
        "a combo needs all its parts"
    );
    let d = run(&order(), &[], &StockSnapshot::default());
    assert_eq!(d.encode(), "hold out_of_stock");
    assert!(
        d.explain(&RuleSet::default()).contains("TEA: 2 wanted"),
        "{}",
        d.explain(&RuleSet::default())
    );

    let mut network = network();
    network.min_shipment_minor = 5_000;
    let two = with(|o| o.lines = vec![line(1, "TEA", 1, 50_000), line(2, "CUP", 1, 1_000)]);
    let mut stock = plenty();
    for w in ["GZ01", "BS01"] {
        stock.set(wh(w), sku("TEA"), 0);
    }
    stock.set(wh("JX01"), sku("CUP"), 0);
    let waived = BTreeSet::new();
    let input = RoutingInput {
        order: &two,
        shop_code: "s",
        channel: ChannelKind::Tmall,
        waived: &waived,
        full: &BTreeSet::new(),
        time: TIME,
    };
    let d = decide(&input, &RuleSet::default(), &network, &catalog(), &stock);
    assert!(
        d.explain(&RuleSet::default())
            .contains("below the minimum 5000"),
        "{d:?}"
    );

    let unknown = with(|o| o.lines[0].sku = None);
    assert_eq!(run(&unknown, &[], &plenty()).encode(), "hold unknown_sku");
    let flagged = with(|o| o.flags.do_not_ship = true);
    assert_eq!(run(&flagged, &[], &plenty()).encode(), "hold do_not_ship");
    let refunding = with(|o| o.lines[0].refund = RefundState::Requested);
    assert_eq!(
        run(&refunding, &[], &plenty()).encode(),
        "hold refund_pending"
    );
    let partly = with(|o| {
        o.lines = vec![line(1, "TEA", 1, 100), line(2, "CUP", 1, 100)];
        o.lines[1].refund = RefundState::Refunded;
    });
    assert_eq!(
        run(&partly, &[], &plenty()).encode(),
        "ship JX01/YTO 1x1",
        "refunded lines do not ship"
    );
}

#[test]
fn a_warehouse_at_capacity_is_chosen_last() {
    let o = order();
    let waived = BTreeSet::new();
    let full = BTreeSet::from([wh("JX01")]);
    let input = RoutingInput {
        order: &o,
        shop_code: "s",
        channel: ChannelKind::Tmall,
        waived: &waived,
        full: &full,
        time: TIME,
    };
    let d = decide(
        &input,
        &RuleSet::default(),
        &network(),
        &catalog(),
        &plenty(),
    );
    assert_eq!(shipments(&d), ["GZ01/ZTO 1"], "the next nearest instead");
    let mut stock = plenty();
    stock.set(wh("GZ01"), sku("TEA"), 0);
    let d = decide(&input, &RuleSet::default(), &network(), &catalog(), &stock);
    assert_eq!(
        shipments(&d),
        ["JX01/YTO 1"],
        "still chosen when nobody else can ship"
    );
}

#[test]
fn snapshots_and_local_times_round_trip() {
    let stock = plenty();
    assert_eq!(StockSnapshot::decode(&stock.encode()), Some(stock));
    assert_eq!(StockSnapshot::decode("JX01:TEA"), None);
    // 2026-11-25T02:30:00Z is Wednesday 10:30 in GMT+8.
    let t = LocalTime::at(1_795_573_800_000, 480);
    assert_eq!(
        t,
        LocalTime {
            minute_of_day: 630,
            weekday: 3
        }
    );
}

fn any_order() -> impl Strategy<Value = StandardOrder> {
    let codes = ["TEA", "CUP", "MILK", "NEWTEA", "SET"];
    let line = (
        proptest::sample::select(codes.to_vec()),
        1u32..5,
        1i64..20_000,
    );
    (
        proptest::collection::vec(line, 1..6),
        any::<bool>(),
        0usize..3,
    )
        .prop_map(|(lines, cod, place)| {
            with(|o| {
                o.lines = lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, (code, n, paid))| super::tests::line(i as u32 + 1, code, n, paid))
                    .collect();
                o.flags.cod = cod;
                o.receiver.area_code = ["330106", "440304", ""][place].to_owned();
            })
        })
}

fn any_stock() -> impl Strategy<Value = StockSnapshot> {
    proptest::collection::vec(0i64..12, 15).prop_map(|levels| {
        let mut stock = StockSnapshot::default();
        let mut levels = levels.into_iter();
        for w in ["GZ01", "JX01", "BS01"] {
            for s in ["TEA", "CUP", "MILK", "NEWTEA", "GIFT"] {
                stock.set(wh(w), sku(s), levels.next().unwrap_or(0));
            }
        }
        stock
    })
}

fn any_rules() -> impl Strategy<Value = Vec<Rule>> {
    let action = prop_oneof![
        Just(Action::Split(SplitPolicy::Forbid)),
        Just(Action::Split(SplitPolicy::Force)),
        Just(Action::Assign(vec![wh("GZ01"), wh("BS01")])),
        Just(Action::Gift {
            sku: sku("GIFT"),
            quantity: q(2)
        }),
        Just(Action::ShipApart(vec![sku("CUP")])),
    ];
    proptest::collection::vec(action, 0..3)
        .prop_map(|actions| vec![rule("r", Condition::Always, actions)])
}

proptest! {
    #[test]
    fn plans_ship_what_was_ordered_from_what_is_there(
        order in any_order(),
        stock in any_stock(),
        rules in any_rules(),
    ) {
        let decision = run(&order, &rules, &stock);
        prop_assert_eq!(&decision, &run(&order, &rules, &stock), "deterministic");
        if let Outcome::Ship(shipments) = &decision.outcome {
            let mut planned: Vec<(u32, u32)> = shipments
                .iter()
                .flat_map(|s| s.lines.iter().map(|l| (l.line_no, l.quantity.get())))
                .collect();
            planned.sort_unstable();
            let ordered: Vec<(u32, u32)> =
                order.lines.iter().map(|l| (l.line_no, l.quantity.get())).collect();
            prop_assert_eq!(planned, ordered, "every line exactly once, never more than ordered");
            let mut taken: std::collections::BTreeMap<(WarehouseCode, SkuCode), i64> = Default::default();
            for s in shipments {
                let goods = s.lines.iter().flat_map(|l| l.goods.iter()).chain(s.gifts.iter());
                for (code, n) in goods {
                    *taken.entry((s.warehouse.clone(), code.clone())).or_insert(0) += i64::from(*n);
                }
            }
            for ((w, code), n) in taken {
                prop_assert!(n <= stock.available(&w, &code), "{} {} takes {n}", w.as_str(), code.as_str());
            }
        }
    }

    #[test]
    fn merging_conserves_every_line(
        orders in proptest::collection::vec((any_order(), 0usize..3), 1..8),
    ) {
        let decided: Vec<(OrderId, String, Decision)> = orders
            .iter()
            .enumerate()
            .map(|(i, (order, buyer))| {
                let mut order = order.clone();
                order.buyer.platform_id = format!("b{buyer}");
                let key = merge_key(&order, MergeKeys::default());
                (OrderId(i as i64 + 1), key, run(&order, &[], &plenty()))
            })
            .collect();
        let routed: Vec<RoutedOrder<'_>> = decided
            .iter()
            .filter_map(|(id, key, d)| match &d.outcome {
                Outcome::Ship(shipments) => Some(RoutedOrder {
                    order: *id,
                    merge_key: d.merge.then_some(key.as_str()),
                    shipments,
                }),
                Outcome::Hold { .. } => None,
            })
            .collect();
        let merged = merge(&routed);
        let mut before: Vec<(OrderId, u32, u32)> = routed
            .iter()
            .flat_map(|r| r.shipments.iter().flat_map(move |s| s.lines.iter().map(move |l| (r.order, l.line_no, l.quantity.get()))))
            .collect();
        let mut after: Vec<(OrderId, u32, u32)> = merged
            .iter()
            .flat_map(|s| s.lines.iter().map(|(o, l)| (*o, l.line_no, l.quantity.get())))
            .collect();
        before.sort_unstable();
        after.sort_unstable();
        prop_assert_eq!(before, after);
        prop_assert!(merged.len() <= routed.iter().map(|r| r.shipments.len()).sum::<usize>());
        for shipment in &merged {
            let orders: BTreeSet<_> = shipment.lines.iter().map(|(o, _)| *o).collect();
            if orders.len() > 1 {
                prop_assert!(shipment.merge_key.is_some(), "only mergeable orders share");
            }
        }
    }
}
