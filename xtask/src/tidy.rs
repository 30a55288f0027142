//! Tidy tests: invariants of the workspace that no compiler checks.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{cargo, workspace_root};

/// Crates that belong at the edges, never in the pure core.
const EDGE_CRATES: &[&str] = &[
    "tokio",
    "sqlx",
    "sqlx-core",
    "axum",
    "hyper",
    "reqwest",
    "rusqlite",
    "libsqlite3-sys",
    "serde",
    "serde_json",
    "tracing-subscriber",
    "anyhow",
];

#[test]
fn every_rust_file_has_a_module_doc() {
    let offenders: Vec<String> = rust_files()
        .into_iter()
        .filter(|(_, text)| {
            let first = text.lines().find(|line| !line.trim().is_empty());
            !first.is_some_and(|line| line.trim_start().starts_with("//!"))
        })
        .map(|(path, _)| path)
        .collect();
    assert!(
        offenders.is_empty(),
        "these files must start with a `//!` module doc:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn pure_crates_stay_pure() {
    let metadata = cargo_metadata();
    assert_no_dependency(&metadata, "domain", EDGE_CRATES);
    assert_no_dependency(&metadata, "domain", &["async-trait"]);
    assert_no_dependency(&metadata, "app", EDGE_CRATES);
    // Mapping reads platform documents and mapping files (serde, JSON, TOML) but does no IO.
    let io: Vec<&str> = EDGE_CRATES
        .iter()
        .copied()
        .filter(|it| !matches!(*it, "serde" | "serde_json"))
        .collect();
    assert_no_dependency(&metadata, "mapping", &io);
    // Rule files are TOML: the same allowance.
    assert_no_dependency(&metadata, "rules", &io);
    // Notifiers build the robots' JSON bodies; sending is the delivery worker's.
    assert_no_dependency(&metadata, "notifiers", &io);
    // Reconciliation reads bill files (CSV) and bill formats (TOML) that arrive as bytes.
    assert_no_dependency(&metadata, "reconcile", &io);
    // Documents render what they are given (fonts arrive as bytes) and use no serde themselves;
    // `serde` is allowed only because the workspace's feature unification turns on smallvec's
    // `serde` feature under krilla.
    let without_serde: Vec<&str> = EDGE_CRATES
        .iter()
        .copied()
        .filter(|it| *it != "serde")
        .collect();
    assert_no_dependency(&metadata, "documents", &without_serde);
    assert_no_dependency(&metadata, "documents", &["async-trait"]);
}

#[test]
fn migrations_are_numbered_alike() {
    let migrations = workspace_root().join("crates/store/migrations");
    let sqlite = file_names(&migrations.join("sqlite"));
    let postgres = file_names(&migrations.join("postgres"));
    assert_eq!(sqlite, postgres, "sqlite and postgres migrations differ");
    assert!(!sqlite.is_empty(), "there are no migrations");

    let misnamed: Vec<&String> = sqlite
        .iter()
        .filter(|name| !is_migration_name(name))
        .collect();
    assert!(
        misnamed.is_empty(),
        "migrations must be named like NNNN_snake_case.sql: {misnamed:?}"
    );
    let numbers: Vec<usize> = sqlite
        .iter()
        .map(|name| name[..4].parse().unwrap())
        .collect();
    let expected: Vec<usize> = (1..=numbers.len()).collect();
    assert_eq!(
        numbers, expected,
        "migrations must be numbered from 0001 without gaps"
    );
}

#[test]
fn no_ignored_or_should_panic_tests() {
    assert_nowhere(&[concat!("#[", "ignore"), concat!("#[", "should_panic")]);
}

#[test]
fn no_todo_or_unimplemented() {
    assert_nowhere(&[concat!("todo", "!("), concat!("unimplemented", "!(")]);
}

/// Every `.rs` file under `crates/` and `xtask/`, as its path relative to the
/// workspace root and its text.
fn rust_files() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut paths = Vec::new();
    for dir in ["crates", "xtask"] {
        collect_rust_files(&root.join(dir), &mut paths);
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let relative = path.strip_prefix(root).unwrap_or(&path);
            (relative.display().to_string(), text)
        })
        .collect()
}

fn collect_rust_files(dir: &Path, paths: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            if path.file_name() != Some("target".as_ref()) {
                collect_rust_files(&path, paths);
            }
        } else if path.extension() == Some("rs".as_ref()) {
            paths.push(path);
        }
    }
}

/// Asserts that no Rust file contains any of `needles`.
fn assert_nowhere(needles: &[&str]) {
    let offenders: Vec<String> = rust_files()
        .into_iter()
        .flat_map(|(path, text)| {
            needles
                .iter()
                .filter(move |needle| text.contains(**needle))
                .map(move |needle| format!("{path}: {needle}"))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "these files contain forbidden code:\n{}",
        offenders.join("\n")
    );
}

fn cargo_metadata() -> Value {
    let output = Command::new(cargo())
        .current_dir(workspace_root())
        .args(["metadata", "--format-version", "1"])
        .output()
        .expect("cannot run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// Asserts that the normal dependencies of `krate`, direct or not, include
/// none of `forbidden`, naming the path that pulls each offender in.
fn assert_no_dependency(metadata: &Value, krate: &str, forbidden: &[&str]) {
    let paths = dependency_paths(metadata, krate);
    let offenders: Vec<String> = forbidden
        .iter()
        .filter_map(|name| paths.get(*name))
        .map(|path| path.join(" -> "))
        .collect();
    assert!(
        offenders.is_empty(),
        "`{krate}` must not depend on these crates:\n{}",
        offenders.join("\n")
    );
}

/// Every package in the normal (not dev, not build) dependency closure of the
/// workspace package `krate`, mapped to a shortest path of package names from
/// `krate` to it.
fn dependency_paths(metadata: &Value, krate: &str) -> HashMap<String, Vec<String>> {
    let names: HashMap<&str, &str> = array(&metadata["packages"])
        .iter()
        .map(|package| (string(&package["id"]), string(&package["name"])))
        .collect();
    let root = array(&metadata["workspace_members"])
        .iter()
        .map(string)
        .find(|id| names[id] == krate)
        .unwrap_or_else(|| panic!("`{krate}` is not a workspace package"));
    let normal_deps: HashMap<&str, Vec<&str>> = array(&metadata["resolve"]["nodes"])
        .iter()
        .map(|node| {
            let deps = array(&node["deps"])
                .iter()
                .filter(|dep| {
                    array(&dep["dep_kinds"])
                        .iter()
                        .any(|kind| kind["kind"].is_null())
                })
                .map(|dep| string(&dep["pkg"]))
                .collect();
            (string(&node["id"]), deps)
        })
        .collect();

    let mut paths = HashMap::from([(root, vec![krate.to_owned()])]);
    let mut queue = VecDeque::from([root]);
    while let Some(id) = queue.pop_front() {
        for &dep in &normal_deps[id] {
            if !paths.contains_key(dep) {
                let mut path = paths[id].clone();
                path.push(names[dep].to_owned());
                paths.insert(dep, path);
                queue.push_back(dep);
            }
        }
    }
    paths
        .into_values()
        .map(|path| (path.last().expect("paths are never empty").clone(), path))
        .collect()
}

fn array(value: &Value) -> &Vec<Value> {
    value.as_array().expect("cargo metadata has an array here")
}

fn string(value: &Value) -> &str {
    value.as_str().expect("cargo metadata has a string here")
}

fn file_names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Whether `name` looks like `0001_snake_case.sql`.
fn is_migration_name(name: &str) -> bool {
    let Some((number, rest)) = name
        .strip_suffix(".sql")
        .and_then(|stem| stem.split_at_checked(4))
    else {
        return false;
    };
    let Some(words) = rest.strip_prefix('_') else {
        return false;
    };
    number.bytes().all(|b| b.is_ascii_digit())
        && words.starts_with(|c: char| c.is_ascii_lowercase())
        && words.split('_').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
