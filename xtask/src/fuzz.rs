//! The API fuzz run: the demo server is started on a free port with a throw-away data folder, an API
//! token is made for its admin (sign in, then `POST /api/v1/tokens` with the CSRF token), and
//! schemathesis (a pinned version from PyPI, installed into a virtual environment under the target
//! folder) generates requests from the served OpenAPI document within a time budget. Any 5xx or any
//! answer that does not match its documented schema fails the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use std::{env, fs, thread};

use anyhow::{Context, Result, bail};

use crate::{cargo, workspace_root};

/// The schemathesis release the run is pinned to.
const SCHEMATHESIS: &str = "4.32.5";
/// Seconds of fuzzing unless `ORDERHUB_FUZZ_SECONDS` says otherwise.
const DEFAULT_SECONDS: u64 = 150;
const BUDGET_VAR: &str = "ORDERHUB_FUZZ_SECONDS";

/// Builds the binary, starts the demo, fuzzes its API and stops it.
pub(crate) fn run() -> Result<()> {
    let seconds = match env::var(BUDGET_VAR) {
        Ok(text) => text
            .parse::<u64>()
            .with_context(|| format!("{BUDGET_VAR}={text:?} is not a number of seconds"))?,
        Err(_) => DEFAULT_SECONDS,
    };
    let target = target_dir();
    let status = Command::new(cargo())
        .current_dir(workspace_root())
        .args(["build", "--locked", "-p", "orderhub"])
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build -p orderhub failed ({status})");
    }
    let schemathesis = ensure_schemathesis(&target)?;
    let data = env::temp_dir().join(format!("orderhub-fuzz-{}", std::process::id()));
    let mut demo = Demo::start(&target.join("debug").join("orderhub"), &data, seconds)?;
    let outcome = fuzz(&schemathesis, &target, &demo.addr, seconds);
    demo.stop();
    let _ = fs::remove_dir_all(&data);
    outcome
}

fn fuzz(schemathesis: &Path, target: &Path, addr: &str, seconds: u64) -> Result<()> {
    let token = admin_token(addr)?;
    eprintln!("xtask: fuzzing the API at http://{addr} for at most {seconds} s");
    // Run in the target folder: schemathesis keeps its cache (`.schemathesis/`) where it runs.
    let status = Command::new(schemathesis)
        .current_dir(target)
        .arg("run")
        .arg(format!("http://{addr}/api/v1/openapi.json"))
        .args(["--url", &format!("http://{addr}")])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        // Revoking tokens would revoke the run's own; signing out ends nothing of a bearer.
        .args(["--exclude-path-regex", "^/api/v1/tokens/"])
        .args(["--max-examples", "25"])
        .args(["--max-time", &seconds.to_string()])
        .args(["--seed", "7"])
        .args(["--workers", "2"])
        .args(["--request-timeout", "10"])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .status()
        .context("cannot run schemathesis")?;
    if !status.success() {
        bail!("schemathesis found a 5xx or an answer that breaks the OpenAPI document ({status})");
    }
    println!("fuzz: 1 passed, 0 failed");
    Ok(())
}

fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The `schemathesis` of a virtual environment in the target folder, installed when missing.
fn ensure_schemathesis(target: &Path) -> Result<PathBuf> {
    let venv = target.join("schemathesis-venv");
    let bin = venv.join("bin").join("schemathesis");
    let installed = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(SCHEMATHESIS));
    if installed {
        return Ok(bin);
    }
    let hint = format!("install it with `python3 -m pip install schemathesis=={SCHEMATHESIS}`");
    eprintln!(
        "xtask: installing schemathesis {SCHEMATHESIS} into {}",
        venv.display()
    );
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .with_context(|| format!("cannot run python3 -m venv; {hint}"))?;
    if !status.success() {
        bail!("python3 -m venv failed ({status}); {hint}");
    }
    let status = Command::new(venv.join("bin").join("python"))
        .args(["-m", "pip", "install", "-q"])
        .arg(format!("schemathesis=={SCHEMATHESIS}"))
        .status()
        .with_context(|| format!("cannot run pip; {hint}"))?;
    if !status.success() {
        bail!("pip could not install schemathesis ({status}); {hint}");
    }
    Ok(bin)
}

/// The demo server, stopped when the run ends.
struct Demo {
    child: Child,
    addr: String,
}

impl Demo {
    fn start(binary: &Path, data: &Path, seconds: u64) -> Result<Demo> {
        let mut child = Command::new(binary)
            .args(["demo", "--reset", "--listen", "127.0.0.1:0"])
            .args(["--seconds", &(seconds + 300).to_string()])
            .arg("--data")
            .arg(data)
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let (sender, receiver) = mpsc::channel();
        // Reads the address, then keeps draining so that the demo never blocks on a full pipe.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("API: http://") {
                    let addr = rest.split('/').next().unwrap_or_default().to_owned();
                    let _ = sender.send(addr);
                }
            }
        });
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => Ok(Demo { child, addr }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the demo did not print its API address within 60 s")
            }
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in as the demo's admin and creates an API token.
fn admin_token(addr: &str) -> Result<String> {
    let sign_in = r#"{"login":"admin","password":"demo-admin"}"#;
    let (status, headers, body) = http(addr, "POST", "/api/v1/session", &[], sign_in)?;
    if status != 200 {
        bail!("signing in as the demo's admin answered {status}: {body}");
    }
    let cookie = headers
        .lines()
        .find_map(|it| {
            let (name, value) = it.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| {
                value
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .context("signing in set no cookie")?;
    let session: serde_json::Value = serde_json::from_str(&body)?;
    let csrf = session["csrf"]
        .as_str()
        .context("signing in gave no csrf")?;
    let (status, _, body) = http(
        addr,
        "POST",
        "/api/v1/tokens",
        &[("Cookie", &cookie), ("X-CSRF-Token", csrf)],
        r#"{"name":"fuzz"}"#,
    )?;
    if status != 201 {
        bail!("creating a token answered {status}: {body}");
    }
    let created: serde_json::Value = serde_json::from_str(&body)?;
    Ok(created["token"]
        .as_str()
        .context("no token in the answer")?
        .to_owned())
}

/// One HTTP/1.1 request with a JSON body: status, header text and body text.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String, String)> {
    let mut stream =
        TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|it| it.parse().ok())
        .context("no HTTP status in the answer")?;
    Ok((status, head.to_owned(), body.to_owned()))
}
