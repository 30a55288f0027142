//! `orderhub stock list` (on hand, reserved, safety and available per warehouse and SKU) and
//! `orderhub stock receive` (goods arrived: on hand grows with a ledger row; orders waiting only for
//! this stock are routed by the next pass).

use app::Store;
use domain::{Quantity, SkuCode, Timestamp, WarehouseCode};

#[derive(clap::Subcommand, Debug)]
pub(crate) enum StockCommand {
    /// Every stock row: on hand, reserved, safety and available.
    List {
        /// Only this SKU.
        #[arg(long)]
        sku: Option<String>,
    },
    /// Goods arrived in a warehouse.
    Receive {
        #[arg(long)]
        warehouse: String,
        #[arg(long)]
        sku: String,
        #[arg(long)]
        quantity: u32,
        /// The receipt's reference (a purchase order, a transfer).
        #[arg(long, default_value = "manual")]
        reference: String,
    },
}

pub(crate) async fn run(
    store: &dyn Store,
    command: StockCommand,
    at: Timestamp,
) -> anyhow::Result<()> {
    match command {
        StockCommand::List { sku } => {
            println!(
                "{:<8} {:<16} {:>8} {:>8} {:>8} {:>9}",
                "warehouse", "sku", "on hand", "reserved", "safety", "available"
            );
            for (warehouse, code, level) in store.stock_levels().await? {
                if sku.as_deref().is_some_and(|it| it != code.as_str()) {
                    continue;
                }
                println!(
                    "{:<8} {:<16} {:>8} {:>8} {:>8} {:>9}",
                    warehouse.as_str(),
                    code.as_str(),
                    level.on_hand,
                    level.reserved,
                    level.safety,
                    level.available()
                );
            }
            Ok(())
        }
        StockCommand::Receive {
            warehouse,
            sku,
            quantity,
            reference,
        } => {
            let warehouse = WarehouseCode::new(&warehouse)?;
            let sku = SkuCode::new(&sku)?;
            let quantity = Quantity::new(quantity)?;
            let level = store
                .receive_stock(&warehouse, &sku, quantity, &reference, at)
                .await?;
            println!(
                "{} {}: on hand {}, available {}",
                warehouse.as_str(),
                sku.as_str(),
                level.on_hand,
                level.available()
            );
            Ok(())
        }
    }
}
