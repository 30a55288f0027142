//! The demo from the outside: the binary starts, orders flow in from the simulators and are routed,
//! it stops by itself cleanly, a restart resumes from the stored watermarks without duplicates, and a
//! script watches the flow on /metrics while it runs.

use std::process::Command;

/// Runs the demo for `seconds` in `data`; returns its standard output.
fn demo(data: &std::path::Path, seconds: u32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--seconds",
            &seconds.to_string(),
            "--data",
        ])
        .arg(data)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "the demo stops cleanly: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `(total, allocated)` of the last status line.
fn last_counts(output: &str) -> (u64, u64) {
    let line = output
        .lines()
        .rev()
        .find(|it| it.contains(" orders: "))
        .unwrap_or_else(|| panic!("no status line in {output}"));
    let number = |label: &str| -> u64 {
        let before = line.split(label).next().unwrap();
        before.split_whitespace().last().unwrap().parse().unwrap()
    };
    (number(" orders: "), number(" allocated"))
}

#[test]
fn orders_flow_in_are_routed_and_a_restart_resumes() {
    let data = tempfile::tempdir().unwrap();
    let first = demo(data.path(), 6);
    let (total, allocated) = last_counts(&first);
    assert!(total > 0 && allocated > 0, "{first}");
    let second = demo(data.path(), 4);
    let (again, _) = last_counts(&second);
    // The simulators start their history again, but the store already holds those orders: a restart
    // adds only what is new, never the same orders twice.
    assert!(again >= total, "{second}");
    assert!(
        again < total * 2,
        "a restart did not duplicate: {total} then {again}"
    );
}

/// `GET path` over plain HTTP/1.0; the body.
fn get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

#[test]
fn a_script_watches_the_flow_on_metrics() {
    use std::io::{BufRead, BufReader};
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--seconds",
            "8",
            "--data",
        ])
        .arg(data.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("the demo prints its address").unwrap();
        if let Some(rest) = line.strip_prefix("API: http://") {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    let users = lines.next().unwrap().unwrap();
    assert!(
        users.contains("packer-jx / demo-packer-jx (warehouse)"),
        "{users}"
    );
    // Orders arrive and are routed while the script watches.
    let mut routed = false;
    for _ in 0..30 {
        let metrics = get(&addr, "/metrics");
        assert!(metrics.contains("orderhub_orders_total"), "{metrics}");
        routed = metrics
            .lines()
            .filter(|it| it.starts_with("orderhub_orders_total{status=\"allocated\"}"))
            .any(|it| !it.ends_with(" 0"));
        if routed {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert!(routed, "no order was routed");
    let ready = get(&addr, "/readyz");
    assert_eq!(ready, "ready");
    for line in lines.by_ref() {
        line.unwrap();
    }
    assert!(child.wait().unwrap().success(), "the demo stops cleanly");
}
