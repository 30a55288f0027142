//! The demo from the outside: the binary starts, orders flow in from the simulators and are routed,
//! it stops by itself cleanly, and a restart resumes from the stored watermarks without duplicates.

use std::process::Command;

/// Runs the demo for `seconds` in `data`; returns its standard output.
fn demo(data: &std::path::Path, seconds: u32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args(["demo", "--seconds", &seconds.to_string(), "--data"])
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
