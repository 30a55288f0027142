//! Reconciliation (对账): platform settlement and bill files read into [`BillEntry`]s, matched against
//! our orders, and every disagreement reported — paid but cancelled, refunded but shipped, amounts that
//! differ, orders missing on either side.
//!
//! Bill formats are data ([`BillFormat`]: built-in TOML files for WeChat Pay, Alipay/Tmall, JD and
//! Douyin, or a user's file of the same shape). No IO and no clock: files arrive as bytes, our orders
//! and the period as arguments.

mod bill;
mod format;
mod matcher;
mod table;

pub use crate::bill::{Bill, BillEntry, BillError, read_bill};
pub use crate::format::{BUILTIN, BillFormat, Columns, EntryKind, KindRule};
pub use crate::matcher::{
    BillTotals, Mismatch, MismatchKind, OurOrder, Period, Report, reconcile, totals,
};
pub use crate::table::{decimal, render_table};
