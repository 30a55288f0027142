//! `orderhub shipments`: the warehouse's open work (list, claim a batch, release, a supervisor's
//! take-over, resume after an interception, the lapsed-claim sweep) and `orderhub shipments station`,
//! the packing station read from standard input: a keyboard-wedge scanner types each barcode and
//! presses Enter.

use std::io::BufRead;

use anyhow::bail;
use app::{Lease, ScanOutcome, Station, Store};
use domain::{Actor, Shipment, ShipmentEvent, ShipmentId, Timestamp, WarehouseCode};

#[derive(clap::Subcommand, Debug)]
pub(crate) enum ShipmentsCommand {
    /// Shipments not yet shipped: who holds each and until when.
    List {
        #[arg(long)]
        warehouse: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Claim up to `count` unclaimed shipments of a warehouse, oldest first.
    Claim {
        #[arg(long)]
        warehouse: String,
        /// The warehouse user or station claiming.
        #[arg(long)]
        holder: String,
        #[arg(long, default_value_t = 20)]
        count: usize,
        #[arg(long, default_value_t = 30)]
        lease_minutes: i64,
    },
    /// Give a claimed shipment back, with the reason.
    Release {
        id: i64,
        #[arg(long)]
        holder: String,
        #[arg(long)]
        reason: String,
    },
    /// A supervisor takes a shipment from its holder, with the reason.
    TakeOver {
        id: i64,
        /// The new holder.
        #[arg(long)]
        holder: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value_t = 30)]
        lease_minutes: i64,
    },
    /// The holder put an intercepted shipment's cancelled goods back and carries on.
    Resume {
        id: i64,
        #[arg(long)]
        holder: String,
    },
    /// End every claim whose lease ran out.
    Expire,
    /// A packing station: read scans from standard input, one per line (shipment barcode, then its
    /// tracking number), and print what each did.
    Station {
        /// The station's name, the holder of what it claims.
        #[arg(long)]
        holder: String,
        #[arg(long, default_value_t = 30)]
        lease_minutes: i64,
    },
}

pub(crate) async fn run(
    store: &dyn Store,
    command: ShipmentsCommand,
    now: fn() -> Timestamp,
) -> anyhow::Result<()> {
    match command {
        ShipmentsCommand::List { warehouse, limit } => {
            let warehouse = warehouse.as_deref().map(warehouse_code).transpose()?;
            let open = store.open_shipments(warehouse.as_ref(), limit).await?;
            println!(
                "{:<10} {:<8} {:<8} {:<12} {:<16} {:<24} lines",
                "shipment", "wh", "carrier", "status", "holder", "lease until"
            );
            for shipment in &open {
                print_row(shipment);
            }
            Ok(())
        }
        ShipmentsCommand::Claim {
            warehouse,
            holder,
            count,
            lease_minutes,
        } => {
            let actor = Actor::User(holder.clone());
            let claimed = app::claim_batch(
                store,
                &warehouse_code(&warehouse)?,
                &holder,
                count,
                Lease::minutes(lease_minutes),
                &actor,
                now(),
            )
            .await?;
            println!("{holder} claimed {} shipments", claimed.len());
            for shipment in &claimed {
                print_row(shipment);
            }
            Ok(())
        }
        ShipmentsCommand::Release { id, holder, reason } => {
            let event = ShipmentEvent::GiveBack {
                holder: holder.clone(),
            };
            let done = apply(store, id, &event, &reason, &holder, now()).await?;
            println!("{} is {}", done.barcode(), done.status.as_str());
            Ok(())
        }
        ShipmentsCommand::TakeOver {
            id,
            holder,
            reason,
            lease_minutes,
        } => {
            let at = now();
            let event = ShipmentEvent::TakeOver {
                holder: holder.clone(),
                until: Timestamp::from_unix_millis(
                    at.unix_millis() + Lease::minutes(lease_minutes).millis,
                ),
            };
            let done = apply(store, id, &event, &reason, &holder, at).await?;
            println!("{} is held by {holder}", done.barcode());
            Ok(())
        }
        ShipmentsCommand::Resume { id, holder } => {
            let event = ShipmentEvent::Resume {
                holder: holder.clone(),
            };
            let done = apply(store, id, &event, "", &holder, now()).await?;
            println!("{} is {}", done.barcode(), done.status.as_str());
            Ok(())
        }
        ShipmentsCommand::Expire => {
            let expired = app::expire_lapsed_claims(store, now()).await?;
            println!("{expired} lapsed claims ended");
            Ok(())
        }
        ShipmentsCommand::Station {
            holder,
            lease_minutes,
        } => station(store, holder, Lease::minutes(lease_minutes), now).await,
    }
}

async fn apply(
    store: &dyn Store,
    id: i64,
    event: &ShipmentEvent,
    note: &str,
    user: &str,
    at: Timestamp,
) -> anyhow::Result<Shipment> {
    if matches!(
        event,
        ShipmentEvent::GiveBack { .. } | ShipmentEvent::TakeOver { .. }
    ) && note.trim().is_empty()
    {
        bail!("--reason must say why");
    }
    let current = store.load_shipment(ShipmentId(id)).await?;
    let done = store
        .apply_noted_shipment_event(
            current.id,
            current.version,
            event,
            note,
            &Actor::User(user.to_owned()),
            at,
        )
        .await?;
    Ok(done)
}

pub(crate) fn warehouse_code(text: &str) -> anyhow::Result<WarehouseCode> {
    WarehouseCode::new(text).map_err(|error| anyhow::anyhow!("--warehouse {text:?}: {error}"))
}

fn print_row(shipment: &Shipment) {
    let lease = shipment
        .lease_until
        .map(|it| it.to_string())
        .unwrap_or_default();
    println!(
        "{:<10} {:<8} {:<8} {:<12} {:<16} {:<24} {}",
        shipment.barcode(),
        shipment.warehouse.as_str(),
        shipment.carrier.as_deref().unwrap_or("-"),
        shipment.status.as_str(),
        shipment.holder.as_deref().unwrap_or("-"),
        lease,
        shipment.lines.len()
    );
}

/// The station loop: one scan per line until the input ends. Refusals print `✗ …` and change
/// nothing; the loop goes on.
async fn station(
    store: &dyn Store,
    holder: String,
    lease: Lease,
    now: fn() -> Timestamp,
) -> anyhow::Result<()> {
    let actor = Actor::User(holder.clone());
    let mut station = Station::new(holder, lease);
    println!("scan a shipment barcode, then its tracking number");
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match station.scan(store, &line, &actor, now()).await? {
            ScanOutcome::Opened(shipment) => println!(
                "▶ {} open ({} lines, {}): scan its tracking number",
                shipment.barcode(),
                shipment.lines.len(),
                shipment.carrier.as_deref().unwrap_or("any carrier")
            ),
            ScanOutcome::Shipped(shipment) => println!(
                "✓ {} shipped with {}",
                shipment.barcode(),
                shipment.tracking.as_ref().map_or("", |it| it.as_str())
            ),
            ScanOutcome::Refused(message) => println!("✗ {message}"),
        }
    }
    Ok(())
}
