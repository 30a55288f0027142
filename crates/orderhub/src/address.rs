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
