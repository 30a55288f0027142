//! `orderhub print` from the outside: the demo fills a SQLite store with routed orders, then the
//! binary prints its warehouses' pick lists, slips and labels, and a missing font is refused with the
//! path and the way out.

use std::path::Path;
use std::process::{Command, Output};

fn orderhub(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_warehouse_prints_its_open_shipments() {
    let data = tempfile::tempdir().unwrap();
    let demo = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--seconds",
            "4",
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
    let store = data.path().join("orderhub.db");
    std::fs::write(
        &config,
        format!("[store]\nurl = \"sqlite://{}\"\n", store.display()),
    )
    .unwrap();

    // Routing spreads the demo's orders over its warehouses: at least one has open shipments.
    let mut printed = 0;
    for warehouse in ["JX01", "GZ01", "BS01"] {
        let out = data.path().join(format!("{warehouse}-pick.html"));
        let run = orderhub(
            &config,
            &[
                "print",
                "pick-list",
                "--warehouse",
                warehouse,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let stderr = String::from_utf8_lossy(&run.stderr);
        if !run.status.success() {
            assert!(stderr.contains("no open shipments"), "{stderr}");
            continue;
        }
        printed += 1;
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(
            html.contains(&format!("拣货单 Pick list · {warehouse}")),
            "{html}"
        );
        assert!(html.contains("<p class=\"shipments\">SH"), "{html}");

        let labels = orderhub(
            &config,
            &[
                "print",
                "labels",
                "--warehouse",
                warehouse,
                "--paper",
                "thermal",
            ],
        );
        assert!(
            labels.status.success(),
            "{}",
            String::from_utf8_lossy(&labels.stderr)
        );
        let labels = String::from_utf8(labels.stdout).unwrap();
        assert!(labels.contains("@page { size: 100mm 150mm;"));
        assert!(labels.contains("<svg class=\"barcode\""));

        // With the default font installed (the render test in `documents` insists on it under
        // `cargo xtask test`), the same labels come out as PDF.
        if Path::new("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists() {
            let pdf = orderhub(
                &config,
                &[
                    "print",
                    "labels",
                    "--warehouse",
                    warehouse,
                    "--format",
                    "pdf",
                ],
            );
            assert!(
                pdf.status.success(),
                "{}",
                String::from_utf8_lossy(&pdf.stderr)
            );
            assert!(pdf.stdout.starts_with(b"%PDF-"));
        }
    }
    assert!(printed > 0, "the demo left no open shipment anywhere");

    // A font that is not there: the error names it and what to do.
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite://{}\"\n[print]\nfont = \"no-such-font.ttc\"\n",
            store.display()
        ),
    )
    .unwrap();
    let run = orderhub(
        &config,
        &["print", "slips", "--warehouse", "JX01", "--format", "pdf"],
    );
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no-such-font.ttc"), "{stderr}");
    assert!(stderr.contains("fonts-wqy-microhei"), "{stderr}");
}
