//! Routing from the command line: `orderhub route` (a routing pass over every order waiting for one),
//! `orderhub rules example | test | replay`, and `orderhub review list | release` (the review queue).
//! The rule file comes from the configuration (or the seed rules) and is stored as a new version
//! whenever it changes, so every decision names the rules that made it.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};
use app::{OrderQuery, Router, Store};
use domain::{Actor, HoldReason, OrderId, OrderStatus, SkuCode, Timestamp};

use crate::config::Config;

#[derive(clap::Subcommand, Debug)]
pub(crate) enum RulesCommand {
    /// Print the seed rules: a commented example of every condition and action, with test cases.
    Example,
    /// Check a rule file against the configuration (warehouses, carriers, SKUs, shops) and run the
    /// test cases it contains; exit status 1 when a mistake is found or a case fails.
    Test { file: std::path::PathBuf },
    /// Decide again, with the rules in FILE, the latest decision of every order decided since a
    /// date or span, with the stock each decision saw, and print what would change. Writes nothing.
    Replay {
        #[arg(long)]
        rules: std::path::PathBuf,
        /// A date (2024-06-01, China time) or a span (7d).
        #[arg(long, default_value = "7d")]
        since: String,
        /// How many changed orders to list.
        #[arg(long, default_value_t = 50)]
        show: usize,
    },
}

#[derive(clap::Subcommand, Debug)]
pub(crate) enum ReviewCommand {
    /// Orders waiting on hold, with their reasons and the latest decision's explanation.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Release a held order (one reason, or every reason), with a note kept in its timeline; the
    /// next routing pass routes it without holding it again for what was released.
    Release {
        /// Our order id.
        order: i64,
        /// The hold reason to release (address_ambiguous, high_amount, risk …); all when absent.
        #[arg(long)]
        reason: Option<String>,
        /// Why it may go: kept in the event log.
        #[arg(long)]
        note: String,
        /// Who releases it.
        #[arg(long, env = "USER")]
        user: String,
    },
}

/// What the configuration allows rules to name.
struct Names {
    network: domain::routing::Network,
    carriers: BTreeSet<String>,
    skus: BTreeSet<SkuCode>,
    shops: BTreeSet<String>,
}

fn names(config: &Config, catalog: &[app::SkuDefinition]) -> anyhow::Result<Names> {
    let mut skus: BTreeSet<SkuCode> = catalog.iter().map(|it| it.code.clone()).collect();
    for sku in &config.skus {
        skus.insert(SkuCode::new(&sku.code)?);
    }
    Ok(Names {
        network: config.network()?,
        carriers: config.carrier_codes(),
        skus,
        shops: config.shops.iter().map(|it| it.code.clone()).collect(),
    })
}

fn compile(text: &str, origin: &str, names: &Names) -> anyhow::Result<rules::RuleFile> {
    let known = rules::Known {
        network: &names.network,
        carriers: &names.carriers,
        skus: Some(&names.skus),
        shops: Some(&names.shops),
    };
    rules::compile(text, &known).map_err(|errors| anyhow::anyhow!("in {origin}:\n{errors}"))
}

/// The router of the configured rules, stored as a version when they changed.
pub(crate) async fn router(
    config: &Config,
    base: &Path,
    store: &dyn Store,
    at: Timestamp,
) -> anyhow::Result<Router> {
    let (text, origin) = config.rules_text(base)?;
    let mut router = router_with(config, store, &text, &origin).await?;
    router.rules.version = store.save_rule_set(&text, &Actor::System, at).await?;
    Ok(router)
}

async fn router_with(
    config: &Config,
    store: &dyn Store,
    text: &str,
    origin: &str,
) -> anyhow::Result<Router> {
    let catalog = store.catalog().await?;
    let names = names(config, &catalog)?;
    let file = compile(text, origin, &names)?;
    let shops = store
        .shops()
        .await?
        .into_iter()
        .map(|shop| (shop.id, (shop.code, shop.channel)))
        .collect();
    Ok(Router {
        rules: file.rules,
        network: names.network,
        catalog: app::catalog_of(&catalog),
        shops,
        merge_keys: config.merge_keys(),
        utc_offset_minutes: config.routing.utc_offset_minutes,
    })
}

/// One routing pass, printed.
pub(crate) async fn route(store: &dyn Store, router: &Router, at: Timestamp) -> anyhow::Result<()> {
    let report = app::route_pending(store, router, &Actor::System, at, 500).await?;
    println!(
        "routed {} orders with rules v{}: {} allocated in {} shipments, {} held{}",
        report.decided,
        router.rules.version,
        report.allocated,
        report.shipments,
        report.held,
        match report.conflicts {
            0 => String::new(),
            n => format!(", {n} changed meanwhile (next pass)"),
        }
    );
    for (destination, n) in &report.by_destination {
        println!("  {destination:<32} {n}");
    }
    Ok(())
}

/// A rule file's test cases run against the configuration, whose SKUs are the catalogue.
fn run_file_cases(
    config: &Config,
    text: &str,
    origin: &str,
) -> anyhow::Result<(rules::RuleFile, Vec<rules::CaseResult>)> {
    let catalog = config.catalog()?;
    let names = names(config, &catalog)?;
    let compiled = compile(text, origin, &names)?;
    let results = rules::run_cases(
        &compiled.cases,
        &compiled.rules,
        &names.network,
        &app::catalog_of(&catalog),
    );
    Ok((compiled, results))
}

/// `orderhub rules test`: needs no store.
pub(crate) fn test(config: &Config, file: &Path) -> anyhow::Result<bool> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let (compiled, results) = run_file_cases(config, &text, &file.display().to_string())?;
    println!(
        "{}: {} rules, {} test cases",
        file.display(),
        compiled.rules.rules.len(),
        compiled.cases.len()
    );
    for warehouse in &config.warehouses {
        let carriers: Vec<String> = warehouse
            .carriers
            .iter()
            .map(|code| {
                let name = config.carriers.iter().find(|it| &it.code == code);
                name.map_or(code.clone(), |it| format!("{code} {}", it.name))
            })
            .collect();
        println!(
            "  {} {}: {}",
            warehouse.code,
            warehouse.name,
            carriers.join(", ")
        );
    }
    for result in &results {
        let mark = if result.passed { "ok  " } else { "FAIL" };
        println!("{mark} {}: {}", result.name, result.got);
        if !result.passed {
            println!(
                "     expected {}\n     decision {}",
                result.expected, result.decision
            );
        }
    }
    let failed = results.iter().filter(|it| !it.passed).count();
    println!("{} passed, {failed} failed", results.len() - failed);
    Ok(failed == 0)
}

/// `orderhub rules replay`.
pub(crate) async fn replay(
    config: &Config,
    store: &dyn Store,
    file: &Path,
    since: Timestamp,
    show: usize,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let router = router_with(config, store, &text, &file.display().to_string()).await?;
    let report = app::replay(store, &router, since).await?;
    println!(
        "replayed {} decisions: {} would change",
        report.replayed,
        report.changed.len()
    );
    let destinations: BTreeSet<&String> = report.before.keys().chain(report.after.keys()).collect();
    println!("  {:<32} {:>8} {:>8}", "destination", "now", "replayed");
    for destination in destinations {
        let before = report.before.get(destination).copied().unwrap_or(0);
        let after = report.after.get(destination).copied().unwrap_or(0);
        println!("  {destination:<32} {before:>8} {after:>8}");
    }
    for changed in report.changed.iter().take(show) {
        let order = store.load_order(changed.order).await?;
        println!(
            "order {} ({}):\n  now      {}\n  replayed {}",
            changed.order,
            order.data.external_id.as_str(),
            changed.before,
            changed.after
        );
    }
    if report.changed.len() > show {
        println!("… and {} more", report.changed.len() - show);
    }
    Ok(())
}

pub(crate) async fn review(
    store: &dyn Store,
    command: ReviewCommand,
    at: Timestamp,
) -> anyhow::Result<()> {
    match command {
        ReviewCommand::List { limit } => {
            let held = store
                .search_orders(&OrderQuery {
                    status: Some(OrderStatus::OnHold),
                    limit,
                    ..OrderQuery::default()
                })
                .await?;
            for summary in held {
                let order = store.load_order(summary.id).await?;
                let reasons: Vec<_> = order.lifecycle.holds.iter().map(|it| it.as_str()).collect();
                println!(
                    "order {} ({}) {} — {}",
                    order.id,
                    order.data.external_id.as_str(),
                    order.data.receiver.name,
                    reasons.join(", ")
                );
                if let Some(decision) = store.decisions(order.id).await?.last() {
                    for line in decision.record.explanation.lines() {
                        println!("    {line}");
                    }
                }
            }
            Ok(())
        }
        ReviewCommand::Release {
            order,
            reason,
            note,
            user,
        } => {
            let reason = reason
                .map(|text| {
                    HoldReason::parse(&text)
                        .with_context(|| format!("unknown hold reason {text:?}"))
                })
                .transpose()?;
            if note.trim().is_empty() {
                bail!("--note must say why the order may go");
            }
            let current = store.load_order(OrderId(order)).await?;
            let released = store
                .release_hold(
                    current.id,
                    current.version,
                    reason,
                    &note,
                    &Actor::User(user),
                    at,
                )
                .await?;
            println!("order {order} is {}", released.lifecycle.status);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, EXAMPLE};
    use crate::routing::run_file_cases;

    #[test]
    fn the_seed_rules_pass_their_cases_on_the_example_configuration() {
        let config = Config::parse(EXAMPLE).unwrap();
        let (compiled, results) = run_file_cases(&config, rules::SEED, "seed").unwrap();
        assert_eq!(compiled.cases.len(), results.len());
        let failed: Vec<_> = results.iter().filter(|it| !it.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
    }

    #[test]
    fn a_rule_naming_an_unknown_warehouse_is_refused() {
        let config = Config::parse(EXAMPLE).unwrap();
        let text = rules::SEED.replace("assign = [\"JX01\", \"GZ01\"]", "assign = [\"HZ09\"]");
        let err = run_file_cases(&config, &text, "edited").unwrap_err();
        assert!(
            err.to_string()
                .contains("rule 4 \"江浙沪发嘉兴仓\": then.assign[0]: unknown warehouse \"HZ09\""),
            "{err}"
        );
    }
}
