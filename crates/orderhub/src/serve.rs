//! `orderhub serve` (the API and the operations endpoints on one address, stopped gracefully by
//! Ctrl-C or SIGTERM: requests in flight finish) and `orderhub users` (people who sign in; the
//! password comes from an environment variable or standard input, never the command line).

use std::io::BufRead;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use app::{NewUser, Store};
use domain::{Role, Timestamp, WarehouseCode};

/// Resolves at Ctrl-C or SIGTERM.
pub(crate) async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut it) => {
                it.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// Serves the API; posted rule files are checked against the configured network and carriers.
pub(crate) async fn serve(
    store: Arc<dyn Store>,
    rule_names: web::api::rules::RuleNames,
    listen: SocketAddr,
) -> anyhow::Result<()> {
    let mut state = web::ApiState::new(store, Arc::new(crate::WallClock));
    state.rule_names = Some(Arc::new(rule_names));
    let (addr, task) = web::serve_api(listen, state, stop_signal())
        .await
        .with_context(|| format!("listening on {listen}"))?;
    println!(
        "OrderHub console on http://{addr}/, API on http://{addr}/api/v1 (OpenAPI at /api/v1/openapi.json)"
    );
    task.await??;
    Ok(())
}

#[derive(clap::Subcommand, Debug)]
pub(crate) enum UsersCommand {
    /// Every user and their role.
    List,
    /// Add a user. The password is read from ORDERHUB_PASSWORD, else from the first line of
    /// standard input.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// admin, operations, customer_service, warehouse, finance or marketing.
        #[arg(long)]
        role: String,
        /// A warehouse user's warehouses (repeat or comma separate).
        #[arg(long, value_delimiter = ',')]
        warehouse: Vec<String>,
    },
}

pub(crate) async fn users(
    store: &dyn Store,
    command: UsersCommand,
    at: Timestamp,
) -> anyhow::Result<()> {
    match command {
        UsersCommand::List => {
            for user in store.users().await? {
                let warehouses: Vec<&str> = user.warehouses.iter().map(|it| it.as_str()).collect();
                println!(
                    "{:<16} {:<18} {:<24} {}",
                    user.login,
                    user.role.as_str(),
                    user.name,
                    warehouses.join(",")
                );
            }
            Ok(())
        }
        UsersCommand::Add {
            login,
            name,
            role,
            warehouse,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!(
                    "--role {role:?}: use admin, operations, customer_service, warehouse, finance or marketing"
                )
            })?;
            let warehouses = warehouse
                .iter()
                .map(|it| {
                    WarehouseCode::new(it).map_err(|e| anyhow::anyhow!("--warehouse {it:?}: {e}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            if role == Role::Warehouse && warehouses.is_empty() {
                bail!("a warehouse user needs --warehouse");
            }
            let password = match std::env::var("ORDERHUB_PASSWORD") {
                Ok(it) => it,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            if password.chars().count() < 8 {
                bail!("the password needs at least 8 characters");
            }
            let password_hash = web::hash_password(&password).map_err(|e| anyhow::anyhow!(e))?;
            let user = store
                .create_user(
                    &NewUser {
                        login,
                        name,
                        role,
                        warehouses,
                        password_hash,
                    },
                    at,
                )
                .await?;
            println!("added {} ({})", user.login, user.role.as_str());
            Ok(())
        }
    }
}
