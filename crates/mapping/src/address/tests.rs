//! Address parsing, case by case, as one snapshot; the labelled evaluation set is scored by
//! `orderhub bench address`.

use expect_test::expect_file;

use crate::address::{AddressHints, parse_address};
use crate::divisions::Divisions;

/// `address` or `address<TAB>province=…;city=…;phone=…`.
const CASES: &str = "\
浙江省杭州市西湖区文三路123号
杭州西湖区文三路123号
广东深圳南山科技园
上海上海市闵行区莘庄镇
北京市市辖区朝阳区建国路88号
江苏昆山花桥镇
东莞市长安镇振安路
张伟 13800001234 浙江省　杭州市　临平区 南苑街道
浙江省杭州市钱塘区下沙街道
延边朝鲜族自治州延吉市
河南省济源市
新疆乌鲁木齐市天山区
朝阳区建国路88号
朝阳区建国路88号\tprovince=吉林省
朝阳区建国路88号 0431-85551234
江苏省鼓楼区中山路1号
到店自取
";

#[test]
fn cases() {
    let mut out = String::new();
    for line in CASES.lines() {
        let (input, hints) = line.split_once('\t').unwrap_or((line, ""));
        let pairs: Vec<(&str, &str)> = hints
            .split(';')
            .filter_map(|it| it.split_once('='))
            .collect();
        let hint = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let hints = AddressHints {
            province: hint("province"),
            city: hint("city"),
            phone: hint("phone"),
        };
        let it = parse_address(Divisions::official(), input, &hints);
        out.push_str(&format!(
            "{line}\n  {} {} {} {} {} {} confidence={} detail={:?}\n  reasons: {}\n",
            it.status.as_str(),
            it.province.map_or("-", |p| p.name.as_str()),
            it.city_name().unwrap_or("-"),
            it.district.map_or("-", |d| d.name.as_str()),
            it.town.map_or("-", |t| t.name.as_str()),
            it.area_code().map_or("-".to_owned(), |c| c.to_string()),
            it.confidence,
            it.detail,
            it.reasons.join("; "),
        ));
    }
    expect_file!["cases.txt"].assert_eq(&out);
}

mod properties {
    use proptest::prelude::*;

    use crate::address::{AddressHints, AddressStatus, parse_address};
    use crate::divisions::Divisions;

    /// Pieces real addresses are made of, and pieces that break naive parsers.
    fn piece() -> impl Strategy<Value = String> {
        let d = Divisions::official();
        let names: Vec<String> = d
            .provinces
            .iter()
            .map(|it| it.name.clone())
            .chain(d.cities.iter().map(|it| it.name.clone()))
            .chain(d.districts.iter().take(400).map(|it| it.name.clone()))
            .collect();
        prop_oneof![
            proptest::sample::select(names),
            "\\PC{0,8}",
            Just("　".to_owned()),
            Just("，".to_owned()),
            "1[3-9][0-9]{9}",
            "0[0-9]{2,3}-[0-9]{7,8}",
        ]
    }

    proptest! {
        /// No input crashes the parser, and a complete answer is always a consistent one.
        #[test]
        fn any_text_parses_consistently(pieces in proptest::collection::vec(piece(), 0..8), province in proptest::option::of("\\PC{0,6}")) {
            let text = pieces.concat();
            let d = Divisions::official();
            let hints = AddressHints { province: province.as_deref(), ..AddressHints::default() };
            let it = parse_address(d, &text, &hints);
            if it.status == AddressStatus::Complete {
                let district = it.district.expect("a complete address has a district");
                let province = it.province.expect("a complete address has a province");
                prop_assert_eq!(&d.provinces[district.province].name, &province.name);
                prop_assert_eq!(district.code / 10_000, province.code);
                prop_assert!(it.city_name().is_some());
            }
            if it.status == AddressStatus::Ambiguous {
                prop_assert!(it.district.is_none());
            }
        }
    }
}
