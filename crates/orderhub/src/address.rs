//! `orderhub address parse`: one address per line on stdin, one JSON object per line on stdout.

use std::io::{BufRead, Write};

use clap::Subcommand;
use mapping::{AddressHints, Divisions, ParsedAddress, parse_address};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub(crate) enum AddressCommand {
    /// Parse addresses read from stdin, one per line; print one JSON object per line.
    Parse {
        /// The platform's province field, used as evidence for every line.
        #[arg(long)]
        province: Option<String>,
        /// The platform's city field, used as evidence for every line.
        #[arg(long)]
        city: Option<String>,
    },
}

pub(crate) fn run(command: AddressCommand) -> anyhow::Result<()> {
    match command {
        AddressCommand::Parse { province, city } => {
            let divisions = Divisions::official();
            let hints = AddressHints {
                province: province.as_deref(),
                city: city.as_deref(),
                phone: None,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                let parsed = parse_address(divisions, &line, &hints);
                writeln!(out, "{}", to_json(&line, &parsed))?;
            }
            out.flush()?;
            Ok(())
        }
    }
}

/// Whether a receiver's address holds its order: a Chinese address without an area code (the mapping
/// could not resolve it) is held as ambiguous or incomplete, as the parser says.
pub(crate) fn hold_for(receiver: &domain::Receiver) -> Option<domain::HoldReason> {
    let chinese = matches!(
        receiver.country.as_str(),
        "" | "CN" | "CHN" | "中国" | "China"
    );
    if !chinese || !receiver.area_code.is_empty() {
        return None;
    }
    let text = format!(
        "{}{}{}{}{}",
        receiver.province, receiver.city, receiver.district, receiver.town, receiver.detail
    );
    let hints = AddressHints {
        province: Some(receiver.province.as_str()).filter(|it| !it.is_empty()),
        city: Some(receiver.city.as_str()).filter(|it| !it.is_empty()),
        phone: None,
    };
    match parse_address(Divisions::official(), &text, &hints).status {
        mapping::AddressStatus::Ambiguous => Some(domain::HoldReason::AddressAmbiguous),
        mapping::AddressStatus::Incomplete | mapping::AddressStatus::Complete => {
            Some(domain::HoldReason::AddressIncomplete)
        }
    }
}

pub(crate) fn to_json(input: &str, it: &ParsedAddress<'_>) -> serde_json::Value {
    json!({
        "input": input,
        "status": it.status.as_str(),
        "province": it.province.map(|p| p.name.as_str()),
        "city": it.city_name(),
        "district": it.district.map(|d| d.name.as_str()),
        "town": it.town.map(|t| t.name.as_str()),
        "area_code": it.area_code().map(|c| c.to_string()),
        "detail": it.detail,
        "confidence": f64::from(it.confidence) / 100.0,
        "reasons": it.reasons,
        "candidates": it.candidates.iter().map(|d| d.code.to_string()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use domain::{HoldReason, Receiver};

    use crate::address::hold_for;

    #[test]
    fn unresolved_chinese_addresses_hold() {
        let at = |district: &str, detail: &str| Receiver {
            district: district.to_owned(),
            detail: detail.to_owned(),
            ..Receiver::default()
        };
        assert_eq!(
            hold_for(&at("朝阳区", "建国路88号")),
            Some(HoldReason::AddressAmbiguous)
        );
        assert_eq!(
            hold_for(&at("", "到店自取")),
            Some(HoldReason::AddressIncomplete)
        );
        let resolved = Receiver {
            area_code: "110105".to_owned(),
            ..at("朝阳区", "建国路88号")
        };
        assert_eq!(hold_for(&resolved), None);
        let abroad = Receiver {
            country: "US".to_owned(),
            ..at("", "1 Example Street")
        };
        assert_eq!(hold_for(&abroad), None);
    }
}
