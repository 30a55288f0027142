//! A report as a plain-text table for a terminal: one line per mismatch with both sides' amounts, then
//! a summary line.

use std::fmt::Write;

use domain::{Currency, Money};

use crate::matcher::Report;

/// The report as text; amounts in `currency` (the bill's).
pub fn render_table(report: &Report, currency: Currency) -> String {
    let amount =
        |minor: Option<i64>| minor.map_or_else(|| "-".to_owned(), |it| decimal(it, currency));
    let mut out = String::new();
    if !report.mismatches.is_empty() {
        let _ = writeln!(
            out,
            "{:<22} {:<24} {:>12} {:>12} {:>12} {:>12}  OURS",
            "MISMATCH", "ORDER", "BILL PAID", "OUR PAID", "BILL REFUND", "OUR REFUND"
        );
    }
    for it in &report.mismatches {
        let ours = it.ours.as_ref().map_or_else(String::new, |o| {
            let mut state = vec![if o.cancelled { "cancelled" } else { "open" }];
            if o.shipped {
                state.push("shipped");
            }
            if o.return_received {
                state.push("return received");
            }
            state.join(", ")
        });
        let line = format!(
            "{:<22} {:<24} {:>12} {:>12} {:>12} {:>12}  {ours}",
            it.kind.as_str(),
            it.external_id,
            amount(it.bill.as_ref().map(|b| b.paid)),
            amount(it.ours.as_ref().map(|o| o.paid)),
            amount(it.bill.as_ref().map(|b| b.refunded)),
            amount(it.ours.as_ref().map(|o| o.refunded)),
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(
        out,
        "{} orders in the bill, {} matched, {} mismatches, {} entries of no order",
        report.bill_orders,
        report.matched,
        report.mismatches.len(),
        report.unattributed_entries
    );
    out
}

/// `19800` fen → `198.00`, without the currency code.
pub fn decimal(minor: i64, currency: Currency) -> String {
    let text = Money::new(minor, currency).to_string();
    text.strip_suffix(currency.code())
        .map_or(text.clone(), |it| it.trim_end().to_owned())
}
