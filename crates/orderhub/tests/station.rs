//! The warehouse from the command line: after the demo has routed orders, a station claims a batch,
//! then ships one parcel through standard input as a keyboard-wedge scanner types it (barcode, a
//! wrong tracking number that is refused, the right one), and a repeated scan is refused.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn orderhub(config: &Path, args: &[&str], input: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "orderhub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A tracking number that fits each carrier's format.
fn tracking_for(carrier: &str) -> &'static str {
    match carrier {
        "ZTO" => "731234567890",
        "YTO" => "YT1234567890123",
        "STO" => "773012345678",
        "YUNDA" => "4312345678901",
        "JD" => "JD0012345678901",
        "EMS" => "1123456789012",
        "JT" => "JT1234567890123",
        "DBL" => "DPK123456789012",
        _ => "SF1400123456789",
    }
}

#[test]
fn a_station_claims_and_ships_from_scans() {
    let data = tempfile::tempdir().unwrap();
    let demo = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--seconds",
            "5",
            "--data",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let config = data.path().join("orderhub.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite://{}\"\n",
            data.path().join("orderhub.db").display()
        ),
    )
    .unwrap();

    let list = orderhub(&config, &["shipments", "list"], "");
    let first = list
        .lines()
        .skip(1)
        .find(|it| it.contains("allocated"))
        .unwrap_or_else(|| panic!("no allocated shipment: {list}"));
    let warehouse = first.split_whitespace().nth(1).unwrap();

    let claimed = orderhub(
        &config,
        &[
            "shipments",
            "claim",
            "--warehouse",
            warehouse,
            "--holder",
            "station-1",
            "--count",
            "2",
        ],
        "",
    );
    assert!(
        claimed.contains("station-1 claimed 2 shipments"),
        "{claimed}"
    );
    let row = claimed.lines().nth(1).unwrap();
    let mut fields = row.split_whitespace();
    let barcode = fields.next().unwrap();
    let carrier = fields.nth(1).unwrap();

    // Another station cannot take it; the holder ships it; the same scans again are refused.
    let rival = orderhub(
        &config,
        &["shipments", "station", "--holder", "station-2"],
        &format!("{barcode}\n"),
    );
    assert!(rival.contains("✗ claimed by station-1"), "{rival}");
    let scans = format!(
        "{tracking}\n{barcode}\nXX-NOT-A-NUMBER\n{tracking}\n{barcode}\n",
        tracking = tracking_for(carrier)
    );
    let station = orderhub(
        &config,
        &["shipments", "station", "--holder", "station-1"],
        &scans,
    );
    let lines: Vec<&str> = station.lines().skip(1).collect();
    assert_eq!(lines.len(), 5, "{station}");
    assert!(
        lines[0].starts_with("✗") && lines[0].contains("barcode"),
        "{station}"
    );
    assert!(
        lines[1].starts_with(&format!("▶ {barcode} open")),
        "{station}"
    );
    assert!(lines[2].starts_with("✗"), "{station}");
    assert!(
        lines[3].starts_with(&format!("✓ {barcode} shipped")),
        "{station}"
    );
    assert!(lines[4].contains("already shipped"), "{station}");

    let after = orderhub(
        &config,
        &["shipments", "list", "--warehouse", warehouse],
        "",
    );
    assert!(!after.contains(&format!("{barcode} ")), "{after}");
}
