//! Project automation, run as `cargo xtask <command>`.
//!
//! `cargo xtask test` is the project's one test command: it makes sure
//! PostgreSQL is up and the print tools are installed (poppler-utils and a
//! CJK font, for the documents' render test) and so is the browser
//! (Chromium and chromedriver, for the console's browser test), runs every
//! test in the workspace, then fuzzes the API from its OpenAPI document
//! (`fuzz.rs`). `cargo xtask fuzz` runs the fuzzing alone.

mod fuzz;
#[cfg(test)]
mod tidy;

use std::ffi::OsString;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};
use std::{env, fs, process, thread};

use anyhow::{Context, Result, bail};

const POSTGRES_ADDR: &str = "127.0.0.1:5432";
const POSTGRES_URL_VAR: &str = "ORDERHUB_TEST_POSTGRES_URL";
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Debian packages the documents' render test needs: `pdftoppm`/`pdftotext`
/// and the font PDFs embed by default.
const PRINT_PACKAGES: &[&str] = &["poppler-utils", "fonts-wqy-microhei"];
/// Debian packages the web console's browser test drives: headless Chromium
/// and its WebDriver server.
const BROWSER_PACKAGES: &[&str] = &["chromium", "chromium-driver"];
const USAGE: &str = "usage: cargo xtask test [cargo test arguments...] | cargo xtask fuzz";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut args = env::args_os().skip(1);
    match args.next().as_ref().and_then(|command| command.to_str()) {
        Some("test") => test(args.collect()),
        Some("fuzz") => fuzz::run(),
        Some(command) => bail!("unknown command `{command}`\n{USAGE}"),
        None => bail!("missing command\n{USAGE}"),
    }
}

/// Runs `cargo test --workspace --locked` with `extra` appended, against a
/// running PostgreSQL, then the API fuzz run; exits with the first failure's
/// status.
fn test(extra: Vec<OsString>) -> Result<()> {
    ensure_postgres()?;
    ensure_packages(&[PRINT_PACKAGES, BROWSER_PACKAGES].concat())?;
    let mut cargo = Command::new(cargo());
    cargo
        .current_dir(workspace_root())
        .args(["test", "--workspace", "--locked"])
        .args(extra)
        // The PostgreSQL stories fail rather than skip when the server is missing.
        .env("ORDERHUB_REQUIRE_POSTGRES", "1")
        // The render test fails rather than skips when poppler or the font is missing.
        .env("ORDERHUB_REQUIRE_PRINT_TOOLS", "1")
        // The console's browser test fails rather than skips when Chromium is missing.
        .env("ORDERHUB_REQUIRE_BROWSER", "1");
    if env::var_os(POSTGRES_URL_VAR).is_none() {
        cargo.env(POSTGRES_URL_VAR, POSTGRES_URL);
    }
    let status = cargo.status().context("cannot run cargo test")?;
    if !status.success() {
        process::exit(status.code().unwrap_or(1));
    }
    fuzz::run()
}

/// Makes sure PostgreSQL accepts connections, starting the local cluster if
/// it does not.
fn ensure_postgres() -> Result<()> {
    if postgres_is_up() {
        return Ok(());
    }
    let version = postgres_version()?;
    let start = ["--skip-systemctl-redirect", &version, "main", "start"];
    let hint = format!("start it with `pg_ctlcluster {}`", start.join(" "));
    eprintln!("xtask: PostgreSQL is down, starting cluster {version}/main");
    let status = Command::new("pg_ctlcluster")
        .args(start)
        .status()
        .with_context(|| format!("cannot run pg_ctlcluster; {hint}"))?;
    if !status.success() {
        bail!("pg_ctlcluster failed ({status}); {hint}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if postgres_is_up() {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(250));
    }
    bail!("cannot reach PostgreSQL at {POSTGRES_ADDR} after 30 s; {hint}")
}

/// Makes sure `packages` are installed, installing the missing ones with
/// apt-get.
fn ensure_packages(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| !is_installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let hint = format!(
        "install them with `apt-get install -y {}`",
        missing.join(" ")
    );
    eprintln!("xtask: installing {}", missing.join(" "));
    let install = |update: bool| -> Result<bool> {
        if update {
            let status = Command::new("apt-get")
                .args(["update", "-q"])
                .status()
                .with_context(|| format!("cannot run apt-get; {hint}"))?;
            if !status.success() {
                return Ok(false);
            }
        }
        let status = Command::new("apt-get")
            .args(["install", "-y", "-q"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| format!("cannot run apt-get; {hint}"))?;
        Ok(status.success())
    };
    // Without fresh package lists the install may not find the packages: update once and retry.
    if install(false)? || install(true)? {
        return Ok(());
    }
    bail!("apt-get could not install {}; {hint}", missing.join(" "))
}

/// Whether dpkg knows `package` as installed.
fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.ends_with(b"install ok installed"))
}

fn postgres_is_up() -> bool {
    let addr: SocketAddr = POSTGRES_ADDR.parse().expect("valid socket address");
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// The one PostgreSQL version installed, named by its directory under
/// `/etc/postgresql`.
fn postgres_version() -> Result<String> {
    let hint = format!("start PostgreSQL so that it listens on {POSTGRES_ADDR}");
    let entries = fs::read_dir("/etc/postgresql")
        .with_context(|| format!("cannot list /etc/postgresql; {hint}"))?;
    let mut versions = Vec::new();
    for entry in entries {
        let entry = entry.context("cannot list /etc/postgresql")?;
        if entry.file_type()?.is_dir() {
            versions.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    match <[String; 1]>::try_from(versions) {
        Ok([version]) => Ok(version),
        Err(versions) => bail!(
            "expected one PostgreSQL version under /etc/postgresql, found {versions:?}; {hint}"
        ),
    }
}

/// The Cargo that runs us, so that `cargo xtask` and nested commands agree.
fn cargo() -> OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
}
