//! `orderhub after-sales`: cases opened by hand (refund only, return and refund, exchange, resend)
//! and worked through approve, reject, return receipt, refund and replacement; each effect on the
//! order, the stock and the money is an event the store writes.

use anyhow::{Context, bail};
use app::{AfterSaleAction, NewAfterSale, Store};
use domain::{
    Actor, AfterSale, AfterSaleId, AfterSaleKind, AfterSaleLine, Money, OrderId, Quantity,
    Timestamp,
};

use crate::shipments::warehouse_code;

#[derive(clap::Subcommand, Debug)]
pub(crate) enum AfterSalesCommand {
    /// After-sale cases, open ones unless `--all`.
    List {
        #[arg(long)]
        order: Option<i64>,
        #[arg(long)]
        all: bool,
    },
    /// Open a case for an order.
    Open {
        #[arg(long)]
        order: i64,
        /// refund_only, return_and_refund, exchange or resend.
        #[arg(long)]
        kind: String,
        /// The lines as LINE:QUANTITY, comma separated; every line in full when left out.
        #[arg(long)]
        lines: Option<String>,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "service")]
        user: String,
    },
    /// Work a case: approve, reject, refund or replace.
    Approve(Act),
    Reject(Act),
    Refund(Act),
    Replace(Act),
    /// The returned parcel arrived: restock its lines, writing off the damaged ones.
    Receive {
        #[command(flatten)]
        act: Act,
        #[arg(long)]
        warehouse: String,
        /// Line numbers arrived damaged, comma separated.
        #[arg(long, value_delimiter = ',')]
        damaged: Vec<u32>,
    },
    /// An order's money ledger.
    Money {
        order: i64,
    },
}

#[derive(clap::Args, Debug)]
pub(crate) struct Act {
    /// The case's id.
    id: i64,
    #[arg(long, default_value = "")]
    note: String,
    #[arg(long, default_value = "service")]
    user: String,
}

pub(crate) async fn run(
    store: &dyn Store,
    command: AfterSalesCommand,
    at: Timestamp,
) -> anyhow::Result<()> {
    let (act, action) = match command {
        AfterSalesCommand::List { order, all } => {
            let cases = store.after_sales(order.map(OrderId), !all).await?;
            println!(
                "{:<6} {:<8} {:<18} {:<12} {:>14}  reason",
                "case", "order", "kind", "status", "refund"
            );
            for case in &cases {
                print_case(case);
            }
            return Ok(());
        }
        AfterSalesCommand::Open {
            order,
            kind,
            lines,
            reason,
            user,
        } => {
            let kind = AfterSaleKind::parse(&kind).with_context(|| {
                format!("--kind {kind:?}: use refund_only, return_and_refund, exchange or resend")
            })?;
            let loaded = store.load_order(OrderId(order)).await?;
            let wanted = match lines {
                Some(text) => parse_lines(&text)?,
                None => loaded
                    .data
                    .lines
                    .iter()
                    .map(|it| (it.line_no, it.quantity.get()))
                    .collect(),
            };
            let mut case_lines = Vec::new();
            for (line_no, quantity) in wanted {
                let Some(line) = loaded.data.lines.iter().find(|it| it.line_no == line_no) else {
                    bail!("--lines: order {order} has no line {line_no}");
                };
                if quantity > line.quantity.get() {
                    bail!(
                        "--lines: line {line_no} has {} pieces, not {quantity}",
                        line.quantity.get()
                    );
                }
                let quantity = Quantity::new(quantity)
                    .with_context(|| format!("--lines: line {line_no} needs at least one piece"))?;
                // The refund is the line's paid amount for the pieces returned.
                let refund =
                    line.paid.minor * i64::from(quantity.get()) / i64::from(line.quantity.get());
                case_lines.push(AfterSaleLine {
                    line_no,
                    quantity,
                    refund: Money::new(refund, line.paid.currency),
                });
            }
            let case = store
                .create_after_sale(
                    &NewAfterSale {
                        order: OrderId(order),
                        external_id: String::new(),
                        kind,
                        reason,
                        lines: case_lines,
                    },
                    &Actor::User(user),
                    at,
                )
                .await?;
            print_case(&case);
            return Ok(());
        }
        AfterSalesCommand::Money { order } => {
            for entry in store.money_ledger(OrderId(order)).await? {
                println!(
                    "{}  {:<10} {:>14}  {}",
                    entry.at, entry.kind, entry.amount, entry.reference
                );
            }
            return Ok(());
        }
        AfterSalesCommand::Approve(act) => (act, AfterSaleAction::Approve),
        AfterSalesCommand::Reject(act) => (act, AfterSaleAction::Reject),
        AfterSalesCommand::Refund(act) => (act, AfterSaleAction::Refund),
        AfterSalesCommand::Replace(act) => (act, AfterSaleAction::Replace),
        AfterSalesCommand::Receive {
            act,
            warehouse,
            damaged,
        } => (
            act,
            AfterSaleAction::ReceiveReturn {
                warehouse: warehouse_code(&warehouse)?,
                damaged,
            },
        ),
    };
    let current = store.load_after_sale(AfterSaleId(act.id)).await?;
    let done = store
        .apply_after_sale(
            current.id,
            current.version,
            &action,
            &act.note,
            &Actor::User(act.user),
            at,
        )
        .await?;
    print_case(&done);
    if let Some(replacement) = done.replacement {
        println!("replacement order {replacement} will be routed by the next pass");
    }
    Ok(())
}

/// `1:2,3:1` → line 1 twice, line 3 once.
fn parse_lines(text: &str) -> anyhow::Result<Vec<(u32, u32)>> {
    text.split(',')
        .map(|part| {
            let (line, quantity) = part
                .split_once(':')
                .with_context(|| format!("--lines: {part:?} is not LINE:QUANTITY"))?;
            let line = line
                .trim()
                .parse()
                .with_context(|| format!("--lines: {line:?} is not a line number"))?;
            let quantity = quantity
                .trim()
                .parse()
                .with_context(|| format!("--lines: {quantity:?} is not a quantity"))?;
            Ok((line, quantity))
        })
        .collect()
}

fn print_case(case: &AfterSale) {
    let refund = case
        .lines
        .first()
        .map(|it| Money::new(case.refund_minor(), it.refund.currency).to_string())
        .unwrap_or_default();
    println!(
        "{:<6} {:<8} {:<18} {:<12} {:>14}  {}",
        case.id,
        case.order,
        case.kind.as_str(),
        case.status.as_str(),
        refund,
        case.reason
    );
}

#[cfg(test)]
mod tests {
    use super::parse_lines;

    #[test]
    fn lines_are_line_colon_quantity() {
        assert_eq!(parse_lines("1:2, 3:1").unwrap(), vec![(1, 2), (3, 1)]);
        let error = parse_lines("1-2").unwrap_err().to_string();
        assert!(error.contains("LINE:QUANTITY"), "{error}");
        assert!(parse_lines("x:1").is_err());
    }
}
