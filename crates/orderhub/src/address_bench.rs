//! `orderhub bench address`: accuracy per category on the labelled evaluation set, ours beside the
//! `cpca` crate, and the time per address of each.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use mapping::{AddressHints, AddressStatus, Divisions, ParsedAddress, parse_address};
use serde::Serialize;
use test_support::{EvalCase, Expected};

#[derive(Debug, Default, Serialize)]
struct Category {
    cases: u32,
    /// Cases where province, city and district (or the ambiguous / incomplete verdict) are all right.
    ours_all_three: u32,
    peer_all_three: u32,
    ours_province: u32,
    ours_city: u32,
    ours_district: u32,
}

#[derive(Debug, Serialize)]
struct AddressResult {
    cases: usize,
    categories: BTreeMap<String, Category>,
    ours_all_three_percent: f64,
    peer_all_three_percent: f64,
    ours_micros_per_address: f64,
    peer_micros_per_address: f64,
    /// Cases we got wrong, for the next round of work.
    ours_misses: Vec<String>,
}

fn hints(case: &EvalCase) -> AddressHints<'_> {
    let pair = |key: &str| {
        case.hints
            .split(';')
            .filter_map(|it| it.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    };
    AddressHints {
        province: pair("province"),
        city: pair("city"),
        phone: pair("phone"),
    }
}

/// Which levels we got right, and whether the whole answer is right.
fn score_ours(e: &Expected, it: &ParsedAddress<'_>) -> (bool, bool, bool, bool) {
    let province = it.province.map(|p| p.name.as_str()).unwrap_or_default() == e.province;
    match e.district.as_str() {
        "AMBIGUOUS" => {
            let ok = it.status == AddressStatus::Ambiguous && (e.province.is_empty() || province);
            (ok, ok, ok, ok)
        }
        "INCOMPLETE" => {
            let ok = it.status != AddressStatus::Complete;
            (ok, ok, ok, ok)
        }
        _ => {
            let complete = it.status == AddressStatus::Complete;
            let city = complete && it.city_name().unwrap_or_default() == e.city;
            let district =
                complete && it.district.map(|d| d.name.as_str()).unwrap_or_default() == e.district;
            let province = complete && province;
            (province, city, district, province && city && district)
        }
    }
}

fn score_peer(e: &Expected, it: &cpca::CheckedAddress) -> bool {
    let a = &it.address;
    let ambiguous = matches!(it.validation.status, cpca::RecognitionStatus::Ambiguous);
    match e.district.as_str() {
        "AMBIGUOUS" => {
            (ambiguous || a.district.is_none())
                && (e.province.is_empty() || a.province.as_deref() == Some(e.province.as_str()))
        }
        "INCOMPLETE" => a.district.is_none(),
        _ => {
            let province = a.province.as_deref() == Some(e.province.as_str());
            let municipality = e.city == e.province;
            let city = a.city.as_deref() == Some(e.city.as_str())
                || (municipality && matches!(a.city.as_deref(), Some("市辖区") | None))
                || (e.city == e.district && a.district.as_deref() == Some(e.district.as_str()));
            // A city without districts: the town in the district place, or nothing, is the peer's way.
            let district = a.district.as_deref() == Some(e.district.as_str())
                || (e.city == e.district && a.city.as_deref() == Some(e.city.as_str()));
            province && city && district && !ambiguous
        }
    }
}

/// What the peer is given: it takes no evidence, so the platform's fields go in front of the text.
fn peer_input(case: &EvalCase) -> String {
    let h = hints(case);
    format!(
        "{}{}{}",
        h.province.unwrap_or_default(),
        h.city.unwrap_or_default(),
        case.address
    )
}

pub(crate) fn run(out: &Path) -> anyhow::Result<()> {
    let cases = test_support::eval_set().map_err(|err| anyhow::anyhow!(err))?;
    let divisions = Divisions::official();
    let mut categories: BTreeMap<String, Category> = BTreeMap::new();
    let mut misses = Vec::new();
    let peer_inputs: Vec<String> = cases.iter().map(peer_input).collect();
    for (case, peer_text) in cases.iter().zip(&peer_inputs) {
        let ours = parse_address(divisions, &case.address, &hints(case));
        let (p, c, d, all) = score_ours(&case.expected, &ours);
        let peer = score_peer(&case.expected, &cpca::parse_with_status(peer_text));
        let cat = categories.entry(case.category.clone()).or_default();
        cat.cases += 1;
        cat.ours_province += u32::from(p);
        cat.ours_city += u32::from(c);
        cat.ours_district += u32::from(d);
        cat.ours_all_three += u32::from(all);
        cat.peer_all_three += u32::from(peer);
        if !all {
            misses.push(format!(
                "[{}] {} → {} {} {} {} ({}) expected {} {} {}",
                case.category,
                case.address,
                ours.status.as_str(),
                ours.province.map_or("-", |it| it.name.as_str()),
                ours.city_name().unwrap_or("-"),
                ours.district.map_or("-", |it| it.name.as_str()),
                ours.reasons.join("; "),
                case.expected.province,
                case.expected.city,
                case.expected.district
            ));
        }
    }
    // Time both over the same inputs, enough rounds to run for a while.
    let rounds = (200_000 / cases.len().max(1)).max(1);
    let started = Instant::now();
    for _ in 0..rounds {
        for case in &cases {
            std::hint::black_box(parse_address(
                divisions,
                std::hint::black_box(&case.address),
                &hints(case),
            ));
        }
    }
    let ours_micros = started.elapsed().as_secs_f64() * 1e6 / (rounds * cases.len()) as f64;
    let started = Instant::now();
    for _ in 0..rounds {
        for text in &peer_inputs {
            std::hint::black_box(cpca::parse_with_status(std::hint::black_box(text)));
        }
    }
    let peer_micros = started.elapsed().as_secs_f64() * 1e6 / (rounds * cases.len()) as f64;
    let total = cases.len() as f64;
    let ours_all: u32 = categories.values().map(|it| it.ours_all_three).sum();
    let peer_all: u32 = categories.values().map(|it| it.peer_all_three).sum();
    let result = AddressResult {
        cases: cases.len(),
        ours_all_three_percent: f64::from(ours_all) * 100.0 / total,
        peer_all_three_percent: f64::from(peer_all) * 100.0 / total,
        categories,
        ours_micros_per_address: ours_micros,
        peer_micros_per_address: peer_micros,
        ours_misses: misses,
    };
    println!("bench address — {} labelled addresses", result.cases);
    println!(
        "  {:<36} {:>6} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "category", "cases", "ours 3/3", "cpca 3/3", "province", "city", "district"
    );
    for (name, c) in &result.categories {
        let pct = |n: u32| f64::from(n) * 100.0 / f64::from(c.cases);
        println!(
            "  {name:<36} {:>6} {:>9.1}% {:>9.1}% {:>8.1}% {:>8.1}% {:>8.1}%",
            c.cases,
            pct(c.ours_all_three),
            pct(c.peer_all_three),
            pct(c.ours_province),
            pct(c.ours_city),
            pct(c.ours_district)
        );
    }
    println!(
        "  {:<36} {:>6} {:>9.1}% {:>9.1}%",
        "all", result.cases, result.ours_all_three_percent, result.peer_all_three_percent
    );
    println!("  time per address: ours {ours_micros:.2} µs, cpca {peer_micros:.2} µs");
    for miss in result.ours_misses.iter().take(40) {
        println!("  miss {miss}");
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join("address.json");
    std::fs::write(&path, serde_json::to_string_pretty(&result)?)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
