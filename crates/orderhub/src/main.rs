//! The OrderHub binary: the command line, configuration and the composition root — the only place
//! that picks concrete implementations (which store) and reads the clock and the environment.

mod address;
mod address_bench;
mod after_sales;
mod alert_config;
mod alerting;
mod alerts;
mod api_bench;
mod bench;
mod config;
mod deliver;
mod demo;
mod import;
mod normalize;
mod print;
mod pull_bench;
mod reconcile;
mod rejects;
mod remap;
mod route_bench;
mod routing;
mod secrets;
mod serve;
mod shipments;
mod simulate;
mod skus;
mod stock;
mod sync;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;

/// OrderHub (订单中枢): one self-hosted source of truth for every order of every shop.
#[derive(Parser, Debug)]
#[command(name = "orderhub", version)]
struct Cli {
    /// The configuration file; built-in defaults (embedded SQLite under ./data) when absent.
    #[arg(long, global = true, env = "ORDERHUB_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run OrderHub against our own platform simulators: three shops trading, orders pulled,
    /// screened, routed and confirmed, on SQLite in a data folder. Restarting resumes.
    Demo {
        /// Where the demo keeps its data.
        #[arg(long, default_value = "data/demo")]
        data: PathBuf,
        /// Start clean.
        #[arg(long)]
        reset: bool,
        /// New orders per simulated hour, per shop.
        #[arg(long, default_value_t = 60)]
        orders_per_hour: u32,
        /// Stop by itself after this many seconds (else at Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
        /// Where the API and /metrics listen (port 0: any free port, printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Create or upgrade the database schema of the configured store.
    Migrate,
    /// Serve the API (/api/v1) and the operations endpoints (/healthz, /readyz, /metrics).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// People who sign in to the console and the API.
    Users {
        #[command(subcommand)]
        command: serve::UsersCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Map one platform document (an API order detail or a webhook body) to the standard order and
    /// print it as JSON, or print why it is rejected (exit status 1).
    Normalize {
        /// The channel kind whose built-in mapping to use: taobao, tmall, douyin, jd, pinduoduo, shopify.
        #[arg(long)]
        channel: String,
        /// A shop's overrides of the built-in mapping (TOML of the same shape).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The document (JSON).
        file: PathBuf,
    },
    /// Import back-office exports (CSV in UTF-8, UTF-8 with BOM or GBK; or xlsx) into a shop.
    Import {
        /// The shop's code, as in the configuration.
        #[arg(long)]
        shop: String,
        /// A built-in profile (taobao, jd, douyin, pinduoduo, shopify) or a mapping file over the export's columns.
        #[arg(long)]
        profile: String,
        /// The column that identifies an order (built-in profiles know theirs).
        #[arg(long)]
        order_key: Option<String>,
        /// Watch this folder: import every export dropped into it, then move it to `imported/` (or
        /// `failed/`, with the reason beside it). Runs until stopped.
        #[arg(long, conflicts_with = "files")]
        watch: Option<PathBuf>,
        /// How often to look into the watched folder, in seconds.
        #[arg(long, default_value_t = 10)]
        interval: u64,
        /// Export files (.csv or .xlsx).
        #[arg(required_unless_present = "watch")]
        files: Vec<PathBuf>,
    },
    /// Documents and rows that could not become orders.
    Rejects {
        #[command(subcommand)]
        command: rejects::RejectsCommand,
    },
    /// Match a platform's bill or settlement file against a shop's orders and report every mismatch:
    /// paid but cancelled, refunded but shipped, amount differs, missing in ours or in the bill.
    /// Exit status 0 when clean, 1 with --fail-on-mismatch and mismatches, 2 on unusable input.
    Reconcile {
        /// The bill file (CSV in UTF-8, UTF-8 with BOM or GBK).
        file: PathBuf,
        /// wechat, alipay, jd, douyin, or a bill format file (.toml) of the same shape.
        #[arg(long)]
        format: String,
        /// The shop's code, as in the configuration.
        #[arg(long)]
        shop: String,
        /// The first day the bill covers (2024-06-01, China time); else its first entry.
        #[arg(long)]
        from: Option<String>,
        /// The last day the bill covers, inclusive; else its last entry.
        #[arg(long)]
        to: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Exit with status 1 when there is any mismatch.
        #[arg(long)]
        fail_on_mismatch: bool,
    },
    /// Re-derive a shop's orders from their kept raw documents after a mapping change.
    Remap {
        /// The shop's code.
        #[arg(long)]
        shop: String,
        /// Orders first ingested since: a date (2024-06-01, China time) or a span (7d).
        #[arg(long)]
        since: String,
        /// The shop's overrides of the built-in mapping or profile (TOML of the same shape).
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
    /// SKU mappings: what is unknown, and mapping it.
    Skus {
        #[command(subcommand)]
        command: skus::SkusCommand,
    },
    /// Route every order waiting for it (paid, released, or held only for stock): warehouses,
    /// carriers and shipments, or the review queue, by the configured rules.
    Route,
    /// Routing rules: the example, testing a file, replaying a file over past decisions.
    Rules {
        #[command(subcommand)]
        command: routing::RulesCommand,
    },
    /// Pull every API shop's orders (`[shops.api]`), then screen and route what changed.
    Sync {
        /// Keep pulling, each shop on its interval, until stopped.
        #[arg(long)]
        watch: bool,
        /// With --watch: also take the platforms' pushes on POST /push/{shop} at this address.
        #[arg(long, requires = "watch")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Serve a platform simulator on a local address (taobao, douyin or shopify), trading in real time.
    Simulate {
        /// The platform: taobao, douyin or shopify.
        platform: String,
        #[arg(long, default_value = "127.0.0.1:8801")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 60)]
        orders_per_hour: u32,
    },
    /// Shops' credentials, sealed at rest with the key in ORDERHUB_SECRET_KEY.
    Secret {
        #[command(subcommand)]
        command: secrets::SecretCommand,
    },
    /// The configured shops and how each one's sync last went.
    Shops,
    /// Stock per warehouse and SKU, and receiving goods.
    Stock {
        #[command(subcommand)]
        command: stock::StockCommand,
    },
    /// Warehouse work: open shipments, claims, the lapsed-claim sweep and the packing station.
    Shipments {
        #[command(subcommand)]
        command: shipments::ShipmentsCommand,
    },
    /// After-sales: refunds, returns, exchanges and resends, and an order's money.
    AfterSales {
        #[command(subcommand)]
        command: after_sales::AfterSalesCommand,
    },
    /// The review queue: orders on hold, and releasing them with a note.
    Review {
        #[command(subcommand)]
        command: routing::ReviewCommand,
    },
    /// Address tools.
    Address {
        #[command(subcommand)]
        command: address::AddressCommand,
    },
    /// Print a warehouse's paperwork as HTML or PDF: the batch pick list, packing slips or shipping
    /// labels (A4 or 100×150 mm thermal), with Code 128 and QR codes of the shipment barcode.
    Print(print::PrintArgs),
    /// Deadline alerts: check now and deliver, or list them.
    Alerts {
        #[command(subcommand)]
        command: alerts::AlertsCommand,
    },
    /// Measure OrderHub; results are printed as a table and written as JSON.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print a complete, commented example configuration.
    Example,
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // What failed and why, without a backtrace: these are the user's errors as often as ours.
            eprintln!("orderhub: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
        Command::Demo {
            data,
            reset,
            orders_per_hour,
            seconds,
            listen,
        } => runtime()?.block_on(demo::run(&data, reset, orders_per_hour, seconds, listen)),
        Command::Serve { listen } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                let rule_names = web::api::rules::RuleNames {
                    network: config.network()?,
                    carriers: config.carrier_codes(),
                };
                serve::serve(store, rule_names, listen).await
            })
        }
        Command::Users { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                serve::users(store.as_ref(), command, now()).await
            })
        }
        Command::Migrate => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let url = config.store_url()?;
                let store = store::open(&url)
                    .await
                    .with_context(|| format!("opening the store at {}", config::redact(&url)))?;
                config.apply(store.as_ref()).await?;
                eprintln!("migrated {}", config::redact(&url));
                Ok(())
            })
        }
        Command::Address { command } => address::run(command),
        Command::Alerts { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                alerts::run(&config, store, command, now()).await
            })
        }
        Command::Route => {
            let config = Config::load(cli.config.as_deref())?;
            let base = config_dir(cli.config.as_deref());
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                let router = routing::router(&config, &base, store.as_ref(), now()).await?;
                routing::route(store.as_ref(), &router, now()).await
            })
        }
        Command::Rules { command } => {
            let config = Config::load(cli.config.as_deref())?;
            match command {
                routing::RulesCommand::Example => {
                    print!("{}", rules::SEED);
                    Ok(())
                }
                routing::RulesCommand::Test { file } => match routing::test(&config, &file)? {
                    true => Ok(()),
                    false => std::process::exit(1),
                },
                routing::RulesCommand::Replay { rules, since, show } => {
                    let since = remap::parse_since(&since, now())?;
                    runtime()?.block_on(async {
                        let store = open_store(&config).await?;
                        routing::replay(&config, store.as_ref(), &rules, since, show).await
                    })
                }
            }
        }
        Command::Sync { watch, listen } => {
            let config = Config::load(cli.config.as_deref())?;
            let base = config_dir(cli.config.as_deref());
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                sync::run(&config, &base, store, watch, listen).await
            })
        }
        Command::Simulate {
            platform,
            listen,
            seed,
            orders_per_hour,
        } => match platform.as_str() {
            "taobao" | "tmall" => {
                runtime()?.block_on(simulate::taobao(listen, seed, orders_per_hour))
            }
            "douyin" => runtime()?.block_on(simulate::douyin(listen, seed, orders_per_hour)),
            "shopify" => runtime()?.block_on(simulate::shopify(listen, seed, orders_per_hour)),
            other => anyhow::bail!("no simulator for {other:?} (taobao, douyin, shopify)"),
        },
        Command::Secret { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                secrets::run(store.as_ref(), command, now()).await
            })
        }
        Command::Shops => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                let statuses = store.sync_statuses().await?;
                for shop in store.shops().await? {
                    let mine: Vec<_> = statuses.iter().filter(|it| it.shop == shop.id).collect();
                    let state = match mine.iter().find(|it| !it.ok) {
                        Some(failing) => format!(
                            "FAILING (last try {}): {}",
                            mapping::rfc3339(failing.at, 480),
                            failing.last_error
                        ),
                        None => match mine.first() {
                            Some(it) => format!("synced {}", mapping::rfc3339(it.at, 480)),
                            None => "not synced".to_owned(),
                        },
                    };
                    println!("{:<20} {:<16} {}", shop.code, shop.channel.as_str(), state);
                }
                Ok(())
            })
        }
        Command::Stock { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                stock::run(store.as_ref(), command, now()).await
            })
        }
        Command::Shipments { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                shipments::run(store.as_ref(), command, now).await
            })
        }
        Command::AfterSales { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                after_sales::run(store.as_ref(), command, now()).await
            })
        }
        Command::Review { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                routing::review(store.as_ref(), command, now()).await
            })
        }
        Command::Remap {
            shop,
            since,
            mapping,
        } => {
            let config = Config::load(cli.config.as_deref())?;
            let since = remap::parse_since(&since, now())?;
            let overrides = mapping
                .map(|path| {
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))
                })
                .transpose()?;
            runtime()?.block_on(async {
                let url = config.store_url()?;
                let store = store::open(&url)
                    .await
                    .with_context(|| format!("opening the store at {}", config::redact(&url)))?;
                let report =
                    remap::run(store.as_ref(), &shop, since, overrides.as_deref(), now()).await?;
                println!(
                    "documents {}, changed {}, rejected {}",
                    report.documents, report.changed, report.rejected
                );
                Ok(())
            })
        }
        Command::Reconcile {
            file,
            format,
            shop,
            from,
            to,
            json,
            fail_on_mismatch,
        } => {
            let config = Config::load(cli.config.as_deref())?;
            let request = reconcile::Request {
                file: &file,
                format: &format,
                from: from.as_deref(),
                to: to.as_deref(),
            };
            let (format, bill, period) =
                reconcile::read(&request).unwrap_or_else(|err| bad_input(&err));
            let report = runtime()?.block_on(async {
                let store = open_store(&config).await?;
                config.apply(store.as_ref()).await?;
                let shop = reconcile::shop(store.as_ref(), &shop)
                    .await?
                    .unwrap_or_else(|err| bad_input(&err));
                let ours = reconcile::our_orders(store.as_ref(), shop, period, &bill).await?;
                anyhow::Ok(::reconcile::reconcile(&bill.entries, &ours, period))
            })?;
            match json {
                true => println!("{:#}", reconcile::to_json(&report, &format)),
                false => print!("{}", ::reconcile::render_table(&report, format.currency)),
            }
            if fail_on_mismatch && !report.mismatches.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Skus { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let url = config.store_url()?;
                let store = store::open(&url)
                    .await
                    .with_context(|| format!("opening the store at {}", config::redact(&url)))?;
                config.apply(store.as_ref()).await?;
                skus::run(store.as_ref(), command, now()).await
            })
        }
        Command::Rejects { command } => {
            let config = Config::load(cli.config.as_deref())?;
            runtime()?.block_on(async {
                let url = config.store_url()?;
                let store = store::open(&url)
                    .await
                    .with_context(|| format!("opening the store at {}", config::redact(&url)))?;
                match command {
                    rejects::RejectsCommand::List { shop, limit } => {
                        rejects::list(store.as_ref(), shop, limit).await
                    }
                    rejects::RejectsCommand::Retry { shop } => {
                        let (resolved, open) = rejects::retry(store.as_ref(), shop, now()).await?;
                        println!("resolved {resolved}, still open {open}");
                        Ok(())
                    }
                }
            })
        }
        Command::Import {
            shop,
            profile,
            order_key,
            watch,
            interval,
            files,
        } => {
            let config = Config::load(cli.config.as_deref())?;
            let (mapping, key) = import::profile(&profile, order_key.as_deref())?;
            runtime()?.block_on(async {
                let url = config.store_url()?;
                let store = store::open(&url)
                    .await
                    .with_context(|| format!("opening the store at {}", config::redact(&url)))?;
                config.apply(store.as_ref()).await?;
                if let Some(folder) = watch {
                    loop {
                        for (file, outcome) in import::import_folder_once(
                            store.clone(),
                            &folder,
                            &shop,
                            &mapping,
                            &key,
                            now(),
                        )
                        .await?
                        {
                            match outcome {
                                Ok(summary) => println!(
                                    "{}: {} orders, {} rejected",
                                    file.display(),
                                    summary.orders,
                                    summary.rejected.len()
                                ),
                                Err(err) => eprintln!("{}: {err}", file.display()),
                            }
                        }
                        tokio::time::sleep(std::time::Duration::from_secs(interval.max(1))).await;
                    }
                }
                let summary =
                    import::run(store.clone(), &shop, &mapping, &key, &files, now()).await?;
                import::print(&summary);
                if config.warehouses.is_empty() {
                    println!("no warehouses configured: routing skipped");
                    return Ok(());
                }
                let base = config_dir(cli.config.as_deref());
                let router = routing::router(&config, &base, store.as_ref(), now()).await?;
                routing::route(store.as_ref(), &router, now()).await
            })
        }
        Command::Normalize {
            channel,
            mapping,
            file,
        } => match normalize::run(&channel, &file, mapping.as_ref())? {
            true => Ok(()),
            false => std::process::exit(1),
        },
        Command::Print(args) => {
            let config = Config::load(cli.config.as_deref())?;
            let base = config_dir(cli.config.as_deref());
            runtime()?.block_on(async {
                let store = open_store(&config).await?;
                print::run(&config, &base, store.as_ref(), args).await
            })
        }
        Command::Bench { command } => runtime()?.block_on(bench::run(command)),
    }
}

/// Input the command cannot use: said on standard error, exit status 2 (as clap does for bad arguments).
fn bad_input(why: &str) -> ! {
    eprintln!("orderhub: {why}");
    std::process::exit(2)
}

/// Opens (and migrates) the configured store.
async fn open_store(config: &Config) -> anyhow::Result<std::sync::Arc<dyn app::Store>> {
    let url = config.store_url()?;
    store::open(&url)
        .await
        .with_context(|| format!("opening the store at {}", config::redact(&url)))
}

/// The folder paths in the configuration are relative to.
fn config_dir(path: Option<&std::path::Path>) -> PathBuf {
    path.and_then(std::path::Path::parent)
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// The one place the binary reads the clock.
/// The wall clock, for what asks an `app::Clock` (the API, pushes, the simulators).
pub(crate) struct WallClock;

impl app::Clock for WallClock {
    fn now(&self) -> domain::Timestamp {
        now()
    }
}

pub(crate) fn now() -> domain::Timestamp {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |it| it.as_millis() as i64);
    domain::Timestamp::from_unix_millis(millis)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
