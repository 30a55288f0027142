//! Chinese address parsing: free text (with or without province, short forms, names and phone numbers
//! around it, full-width characters) → province / city / district / town and the six-digit area code,
//! with a status, a confidence and the reasons for both.
//!
//! Every division name in the text is found at once (one Aho-Corasick pass over full and short names).
//! Each district found proposes a chain: the nearest consistent city and province written before it.
//! Chains score by how much of the text they explain (full names count more than short ones, earlier
//! more than later) and by the evidence beside the text (the platform's own province and city fields,
//! a landline area code). The best chain wins; equal best chains that disagree are reported as
//! ambiguous, never guessed.

#[cfg(test)]
mod tests;

use crate::divisions::{Alias, City, District, Divisions, Entity, Province, Town};
use crate::text::clean;

/// Evidence beside the address text, as platforms supply it.
#[derive(Clone, Copy, Debug, Default)]
pub struct AddressHints<'a> {
    pub province: Option<&'a str>,
    pub city: Option<&'a str>,
    /// A phone number; a landline's area code points at a city.
    pub phone: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressStatus {
    /// Province, city and district are known.
    Complete,
    /// Some level could not be found: hold for review.
    Incomplete,
    /// More than one district fits equally well: hold for review with the candidates.
    Ambiguous,
}

impl AddressStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressStatus::Complete => "complete",
            AddressStatus::Incomplete => "incomplete",
            AddressStatus::Ambiguous => "ambiguous",
        }
    }
}

#[derive(Debug)]
pub struct ParsedAddress<'d> {
    pub province: Option<&'d Province>,
    city: Option<&'d City>,
    pub district: Option<&'d District>,
    pub town: Option<&'d Town>,
    pub status: AddressStatus,
    /// 0 to 100.
    pub confidence: u8,
    pub reasons: Vec<String>,
    /// The text after the recognised divisions (street, number, building), cleaned.
    pub detail: String,
    /// When ambiguous: every district that fits.
    pub candidates: Vec<&'d District>,
}

impl ParsedAddress<'_> {
    /// The city's name; a municipality's own name for its districts, and a directly administered
    /// county-level unit's own name (济源市) for itself.
    pub fn city_name(&self) -> Option<&str> {
        let city = self.city?;
        match (
            city.placeholder,
            city.name == self.province.map_or("", |it| it.name.as_str()),
            self.district,
        ) {
            (true, false, Some(district)) => Some(&district.name),
            (true, false, None) => None,
            (true, true, _) | (false, _, _) => Some(&city.name),
        }
    }

    /// The six-digit administrative code of the district.
    pub fn area_code(&self) -> Option<u32> {
        self.district.map(|it| it.code)
    }
}

/// A match of one name in the cleaned text, as character positions.
#[derive(Clone, Copy, Debug)]
struct Hit {
    start: usize,
    end: usize,
    alias: Alias,
}

/// One reading of the text: which division each level is, and the hits that say so.
#[derive(Clone, Copy, Debug)]
struct Chain {
    province: Option<usize>,
    city: Option<usize>,
    district: Option<usize>,
    province_hit: Option<Hit>,
    city_hit: Option<Hit>,
    district_hit: Option<Hit>,
    /// The platform's fields or a landline area code agree with this reading.
    backed: bool,
    score: i64,
}

impl Chain {
    fn end(&self) -> usize {
        [self.district_hit, self.city_hit, self.province_hit]
            .into_iter()
            .flatten()
            .map(|it| it.end)
            .max()
            .unwrap_or(0)
    }
}

fn level_score(hit: Option<Hit>) -> i64 {
    match hit {
        Some(hit) => {
            (hit.end - hit.start) as i64 * 10 + if hit.alias.full { 40 } else { 20 }
                - hit.start as i64
        }
        None => 0,
    }
}

/// Landline area codes of cities (and municipalities) where district names repeat across cities.
const AREA_CODES: &[(&str, &str)] = &[
    ("010", "北京市"),
    ("021", "上海市"),
    ("022", "天津市"),
    ("023", "重庆市"),
    ("020", "广州市"),
    ("024", "沈阳市"),
    ("025", "南京市"),
    ("027", "武汉市"),
    ("028", "成都市"),
    ("029", "西安市"),
    ("0755", "深圳市"),
    ("0571", "杭州市"),
    ("0574", "宁波市"),
    ("0580", "舟山市"),
    ("0512", "苏州市"),
    ("0516", "徐州市"),
    ("0591", "福州市"),
    ("0592", "厦门市"),
    ("0371", "郑州市"),
    ("0378", "开封市"),
    ("0431", "长春市"),
    ("0432", "吉林市"),
    ("0411", "大连市"),
    ("0791", "南昌市"),
    ("0731", "长沙市"),
    ("0531", "济南市"),
    ("0532", "青岛市"),
    ("0471", "呼和浩特市"),
    ("0931", "兰州市"),
    ("0971", "西宁市"),
    ("0951", "银川市"),
    ("0991", "乌鲁木齐市"),
    ("0351", "太原市"),
    ("0311", "石家庄市"),
    ("0451", "哈尔滨市"),
    ("0551", "合肥市"),
    ("0871", "昆明市"),
    ("0851", "贵阳市"),
    ("0771", "南宁市"),
    ("0898", "海口市"),
    ("0891", "拉萨市"),
];

/// The province and city indices a piece of evidence points at.
#[derive(Default)]
struct Evidence {
    provinces: Vec<usize>,
    cities: Vec<usize>,
}

fn evidence(d: &Divisions, hints: &AddressHints<'_>, phones: &[String]) -> Evidence {
    let mut out = Evidence::default();
    let mut name = |text: &str| {
        let text = clean(text).text;
        for m in d
            .matcher
            .find_overlapping_iter(text.as_str())
            .filter(|m| m.start() == 0 && m.end() == text.len())
        {
            for alias in &d.aliases[m.pattern().as_usize()] {
                match alias.entity {
                    Entity::Province(p) => out.provinces.push(p),
                    Entity::City(c) => out.cities.push(c),
                    Entity::District(_) => {}
                }
            }
        }
    };
    for hint in [hints.province, hints.city].into_iter().flatten() {
        name(hint);
    }
    let phones = phones.iter().map(String::as_str).chain(hints.phone);
    for phone in phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if let Some((_, city)) = AREA_CODES
            .iter()
            .filter(|(code, _)| digits.starts_with(code))
            .max_by_key(|(code, _)| code.len())
        {
            name(city);
        }
    }
    out
}

/// Parses one address against the division tables, with whatever evidence the platform gives.
pub fn parse_address<'d>(
    d: &'d Divisions,
    raw: &str,
    hints: &AddressHints<'_>,
) -> ParsedAddress<'d> {
    let cleaned = clean(raw);
    let text = cleaned.text.as_str();
    // Byte offsets to character positions, for scores and the detail.
    let char_at = |byte: usize| text[..byte].chars().count();
    let mut hits = Vec::new();
    for m in d.matcher.find_overlapping_iter(text) {
        let (start, end) = (char_at(m.start()), char_at(m.end()));
        for alias in &d.aliases[m.pattern().as_usize()] {
            hits.push(Hit {
                start,
                end,
                alias: *alias,
            });
        }
    }
    let evidence = evidence(d, hints, &cleaned.phones);
    let chains = chains(d, &hits, &evidence);
    let mut reasons = Vec::new();
    let Some(best) = chains.iter().map(|it| it.score).max() else {
        return incomplete(
            cleaned.text.clone(),
            vec!["no province, city or district name found".to_owned()],
        );
    };
    let top: Vec<&Chain> = chains.iter().filter(|it| it.score == best).collect();
    let mut districts: Vec<usize> = top.iter().filter_map(|it| it.district).collect();
    districts.sort_unstable();
    districts.dedup();
    if districts.len() > 1 {
        return ambiguous(d, &top, districts);
    }
    let chain = *top
        .iter()
        .find(|it| it.district.is_some())
        .unwrap_or(&top[0]);
    let mut cities: Vec<usize> = top.iter().filter_map(|it| it.city).collect();
    cities.sort_unstable();
    cities.dedup();
    if chain.district.is_none() && cities.len() > 1 {
        return ambiguous(d, &top, Vec::new());
    }
    let mut parsed = ParsedAddress {
        province: chain.province.map(|it| &d.provinces[it]),
        city: chain.city.map(|it| &d.cities[it]),
        district: chain.district.map(|it| &d.districts[it]),
        town: None,
        status: AddressStatus::Complete,
        confidence: 100,
        reasons: Vec::new(),
        detail: String::new(),
        candidates: Vec::new(),
    };
    let mut rest_start = chain.end();
    let rest: String = text.chars().skip(rest_start).collect();
    match (chain.district, chain.city) {
        (Some(district), _) => {
            if let Some((town, len)) = find_town(d, district, &rest) {
                parsed.town = Some(town);
                rest_start += len;
            }
        }
        (None, Some(city)) => {
            // A city without districts (东莞), or a town that names its district.
            let range = d.districts_of(city);
            let same_name = range
                .clone()
                .filter(|it| d.districts[*it].name == d.cities[city].name)
                .collect::<Vec<_>>();
            let by_town = range
                .filter_map(|it| find_town(d, it, &rest).map(|found| (it, found)))
                .max_by_key(|(_, (_, len))| *len);
            if let Some((district, (town, len))) = by_town {
                parsed.district = Some(&d.districts[district]);
                parsed.town = Some(town);
                rest_start += len;
                reasons.push(format!(
                    "district {} found from town {}",
                    d.districts[district].name, town.name
                ));
            } else if let [district] = same_name[..] {
                parsed.district = Some(&d.districts[district]);
                reasons.push("city has no districts".to_owned());
            }
        }
        (None, None) => {}
    }
    parsed.detail = text.chars().skip(rest_start).collect();
    score_confidence(&mut parsed, chain, &mut reasons);
    parsed.reasons = reasons;
    parsed
}

/// Every consistent reading of the hits, scored.
fn chains(d: &Divisions, hits: &[Hit], evidence: &Evidence) -> Vec<Chain> {
    let mut chains = Vec::new();
    let before = |limit: usize, want: Entity| {
        hits.iter()
            .filter(move |it| it.end <= limit && it.alias.entity == want)
            .copied()
            .max_by_key(|it| (it.alias.full, it.end - it.start, it.start))
    };
    for hit in hits {
        let (province, city, district) = match hit.alias.entity {
            Entity::District(i) => (d.districts[i].province, Some(d.districts[i].city), Some(i)),
            Entity::City(i) => (d.cities[i].province, Some(i), None),
            Entity::Province(i) => (i, None, None),
        };
        let district_hit = district.map(|_| *hit);
        let city_hit = match (hit.alias.entity, city) {
            (Entity::City(_), _) => Some(*hit),
            (Entity::District(_), Some(c)) if !d.cities[c].placeholder => {
                before(hit.start, Entity::City(c))
            }
            (Entity::District(_) | Entity::Province(_), _) => None,
        };
        let province_hit = match hit.alias.entity {
            Entity::Province(_) => Some(*hit),
            Entity::City(_) | Entity::District(_) => before(
                city_hit.map_or(hit.start, |it| it.start),
                Entity::Province(province),
            ),
        };
        let mut score =
            level_score(district_hit) + level_score(city_hit) + level_score(province_hit);
        // A short name alone is weak: it may be a street or a shop name.
        if !hit.alias.full && city_hit.is_none() && province_hit.is_none() {
            score -= 15;
        }
        let city_known = city.map(|c| evidence.cities.contains(&c)).unwrap_or(false);
        let backed = city_known || evidence.provinces.contains(&province);
        if evidence.provinces.contains(&province) {
            score += 30;
        } else if !evidence.provinces.is_empty() {
            score -= 30;
        }
        if city_known {
            score += 30;
        } else if !evidence.cities.is_empty() && city.is_some() {
            score -= 30;
        }
        chains.push(Chain {
            province: Some(province),
            city,
            district,
            province_hit,
            city_hit,
            district_hit,
            backed,
            score,
        });
    }
    chains
}

/// The town of `district` that `rest` starts with, by full name or without its 镇/乡/街道 suffix.
fn find_town<'d>(d: &'d Divisions, district: usize, rest: &str) -> Option<(&'d Town, usize)> {
    d.towns_of(district)
        .iter()
        .filter_map(|town| {
            let full = town.name.as_str();
            let short = ["街道办事处", "街道", "镇", "乡"]
                .iter()
                .find_map(|it| full.strip_suffix(it))
                .filter(|it| it.chars().count() >= 2);
            [Some(full), short]
                .into_iter()
                .flatten()
                .find(|name| rest.starts_with(name))
                .map(|name| (town, name.chars().count()))
        })
        .max_by_key(|(_, len)| *len)
}

fn score_confidence(parsed: &mut ParsedAddress<'_>, chain: &Chain, reasons: &mut Vec<String>) {
    let mut confidence: i32 = 100;
    if parsed.district.is_none() {
        parsed.status = AddressStatus::Incomplete;
        confidence = 40;
        reasons.push("no district found".to_owned());
    }
    for (level, hit, known) in [
        ("province", chain.province_hit, chain.province.is_some()),
        ("city", chain.city_hit, chain.city.is_some()),
        ("district", chain.district_hit, chain.district.is_some()),
    ] {
        match hit {
            Some(hit) if !hit.alias.full => {
                confidence -= 5;
                reasons.push(format!("{level} written in short form"));
            }
            Some(_) => {}
            None if known => reasons.push(format!("{level} inferred")),
            None => {}
        }
    }
    if chain.district_hit.is_some_and(|it| !it.alias.full)
        && chain.city_hit.is_none()
        && chain.province_hit.is_none()
    {
        confidence -= 30;
        reasons.push("only a short district name was found".to_owned());
    }
    if chain.backed {
        reasons
            .push("backed by the platform's province or city or the phone's area code".to_owned());
    }
    if chain.score < 0 {
        confidence -= 20;
        reasons.push("contradicts the platform's province or city".to_owned());
    }
    parsed.confidence = confidence.clamp(0, 100) as u8;
    if parsed.status == AddressStatus::Complete && parsed.confidence < 60 {
        parsed.status = AddressStatus::Incomplete;
    }
}

fn incomplete(detail: String, reasons: Vec<String>) -> ParsedAddress<'static> {
    ParsedAddress {
        province: None,
        city: None,
        district: None,
        town: None,
        status: AddressStatus::Incomplete,
        confidence: 0,
        reasons,
        detail,
        candidates: Vec::new(),
    }
}

/// Several readings fit equally: keep only what they agree on.
fn ambiguous<'d>(d: &'d Divisions, top: &[&Chain], districts: Vec<usize>) -> ParsedAddress<'d> {
    let agree = |f: fn(&Chain) -> Option<usize>| {
        let first = f(top[0]);
        top.iter()
            .all(|it| f(it) == first)
            .then_some(first)
            .flatten()
    };
    let province = agree(|it| it.province);
    let city = agree(|it| it.city);
    let names: Vec<String> = districts
        .iter()
        .map(|it| {
            format!(
                "{}{}",
                d.cities[d.districts[*it].city].name, d.districts[*it].name
            )
        })
        .collect();
    let reason = match names.is_empty() {
        true => "several cities fit equally".to_owned(),
        false => format!("ambiguous district: {}", names.join(" / ")),
    };
    ParsedAddress {
        province: province.map(|it| &d.provinces[it]),
        city: city.map(|it| &d.cities[it]),
        district: None,
        town: None,
        status: AddressStatus::Ambiguous,
        confidence: 30,
        reasons: vec![reason],
        detail: String::new(),
        candidates: districts.into_iter().map(|it| &d.districts[it]).collect(),
    }
}
