//! Reading a bill file: bytes in any encoding the platforms write (a BOM, UTF-8, else GB18030 — sniffed
//! as `mapping` sniffs exports), comment and summary lines left out, each row one [`BillEntry`] in
//! integer minor units, or a [`BillError`] naming the file, line, column and why.

use std::fmt;

use domain::{Money, Timestamp};
use mapping::{clean_cell, mangled_number, parse_money, parse_time, sniff_encoding};

use crate::format::{BillFormat, EntryKind, KindRule};

/// One money movement of a bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillEntry {
    /// The line of the file it was read from (from 1).
    pub line: u64,
    /// The platform's order id (the shop's external id); empty when the entry belongs to no order.
    pub external_id: String,
    pub kind: EntryKind,
    /// Money to the seller's account: positive for payments, negative for refunds and fees.
    pub amount: Money,
    pub at: Timestamp,
    /// The kind column as written, for the reader of a report.
    pub kind_text: String,
}

/// A bill file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bill {
    pub format: String,
    /// The encoding the file was read in.
    pub encoding: &'static str,
    pub entries: Vec<BillEntry>,
}

/// Why a bill cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillError {
    pub file: String,
    /// 0 when the whole file is at fault (no header found).
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl fmt::Display for BillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column.is_empty()) {
            (0, _) => write!(f, "{}: {}", self.file, self.reason),
            (line, true) => write!(f, "{}:{line}: {}", self.file, self.reason),
            (line, false) => write!(
                f,
                "{}:{line}: column {}: {}",
                self.file, self.column, self.reason
            ),
        }
    }
}

impl std::error::Error for BillError {}

/// The column indexes of a format in one file's header.
struct Layout {
    order_id: usize,
    time: usize,
    kind: usize,
    amount: usize,
    amount_out: Option<usize>,
    direction: Option<usize>,
    by_kind: Vec<(EntryKind, usize, String)>,
}

/// Reads a whole bill. Every row must read; the first one that does not is the error.
pub fn read_bill(format: &BillFormat, file: &str, bytes: &[u8]) -> Result<Bill, BillError> {
    let error = |line: u64, column: &str, reason: String| BillError {
        file: file.to_owned(),
        line,
        column: column.to_owned(),
        reason,
    };
    let encoding = sniff_encoding(&bytes[..bytes.len().min(64 * 1024)]);
    let (text, _, malformed) = encoding.decode(bytes);
    if malformed {
        return Err(error(0, "", format!("not valid {} text", encoding.name())));
    }
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut layout: Option<(Vec<String>, Layout)> = None;
    let mut entries = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = record.position().map_or(1, |it| it.line());
        let more = csv.read_record(&mut record).map_err(|err| {
            let at = err.position().map_or(line, |it| it.line());
            error(at, "", format!("not readable as CSV: {err}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |it| it.line());
        let cells: Vec<&str> = record.iter().map(|it| cell(format, it)).collect();
        let first = cells.first().copied().unwrap_or_default();
        if cells.iter().all(|it| it.is_empty())
            || format
                .skip_prefixes
                .iter()
                .any(|it| first.starts_with(it.as_str()))
        {
            continue;
        }
        let Some((headers, columns)) = &layout else {
            if format.header.iter().all(|it| cells.contains(&it.as_str())) {
                let headers: Vec<String> = cells.iter().map(|it| (*it).to_owned()).collect();
                let columns = locate(format, &headers).map_err(|reason| error(line, "", reason))?;
                layout = Some((headers, columns));
            }
            continue;
        };
        if format.stop_at.iter().any(|it| it == first) {
            break;
        }
        let entry = read_entry(format, columns, headers, line, &cells)
            .map_err(|(column, reason)| error(line, &column, reason))?;
        entries.push(entry);
    }
    if layout.is_none() {
        return Err(error(
            0,
            "",
            format!(
                "no header row with the columns {} (is this a {} bill?)",
                format.header.join(", "),
                format.name
            ),
        ));
    }
    Ok(Bill {
        format: format.name.clone(),
        encoding: encoding.name(),
        entries,
    })
}

/// A cell without the format's prefix and Excel's wrapping.
fn cell<'a>(format: &BillFormat, text: &'a str) -> &'a str {
    let text = text.trim();
    let text = match &format.cell_prefix {
        Some(prefix) => text.strip_prefix(prefix.as_str()).unwrap_or(text),
        None => text,
    };
    clean_cell(text)
}

fn locate(format: &BillFormat, headers: &[String]) -> Result<Layout, String> {
    let find = |name: &str| {
        headers
            .iter()
            .position(|it| it == name)
            .ok_or_else(|| format!("the header has no column {name:?}"))
    };
    let columns = &format.columns;
    Ok(Layout {
        order_id: find(&columns.order_id)?,
        time: find(&columns.time)?,
        kind: find(&columns.kind)?,
        amount: find(&columns.amount)?,
        amount_out: columns.amount_out.as_deref().map(find).transpose()?,
        direction: columns.direction.as_deref().map(find).transpose()?,
        by_kind: format
            .amount_by_kind
            .iter()
            .map(|(kind, name)| Ok((*kind, find(name)?, name.clone())))
            .collect::<Result<_, String>>()?,
    })
}

fn read_entry(
    format: &BillFormat,
    layout: &Layout,
    headers: &[String],
    line: u64,
    cells: &[&str],
) -> Result<BillEntry, (String, String)> {
    let at = |index: usize| cells.get(index).copied().unwrap_or_default();
    let name = |index: usize| headers[index].clone();
    let money = |index: usize| {
        parse_money(at(index), format.money, format.currency.minor_per_major())
            .map_err(|reason| (name(index), reason))
    };

    let kind_text = at(layout.kind).to_owned();
    let rule = format
        .kinds
        .get(&kind_text)
        .copied()
        .unwrap_or(KindRule::Other);
    let named = match rule {
        KindRule::Payment => Some(EntryKind::Payment),
        KindRule::Refund => Some(EntryKind::Refund),
        KindRule::Fee => Some(EntryKind::Fee),
        KindRule::Other => Some(EntryKind::Other),
        KindRule::PaymentOrRefund => None,
    };
    let amount_column = named
        .and_then(|kind| layout.by_kind.iter().find(|it| it.0 == kind))
        .map_or(layout.amount, |it| it.1);
    let mut minor = money(amount_column)?;
    if let Some(out) = layout.amount_out {
        minor = minor
            .checked_sub(money(out)?.abs())
            .ok_or_else(|| (name(out), "amount overflows".to_owned()))?;
    }
    if let Some(direction) = layout.direction
        && format.out_directions.iter().any(|it| it == at(direction))
    {
        minor = -minor.abs();
    }
    let kind = named.unwrap_or(if minor < 0 {
        EntryKind::Refund
    } else {
        EntryKind::Payment
    });
    let minor = match kind {
        EntryKind::Payment => minor.abs(),
        EntryKind::Refund | EntryKind::Fee => -minor.abs(),
        EntryKind::Other => minor,
    };

    let raw_id = at(layout.order_id);
    if mangled_number(raw_id) {
        return Err((
            name(layout.order_id),
            format!("{raw_id:?} was turned into a number by a spreadsheet: its digits are lost"),
        ));
    }
    let external_id = format
        .order_id_prefixes
        .iter()
        .find_map(|it| raw_id.strip_prefix(it.as_str()))
        .unwrap_or(raw_id)
        .to_owned();
    if external_id.is_empty() && kind != EntryKind::Other {
        return Err((
            name(layout.order_id),
            format!("a {} entry names no order", kind.as_str()),
        ));
    }
    let time = parse_time(at(layout.time), &format.time)
        .map_err(|reason| (name(layout.time), reason))?
        .ok_or_else(|| (name(layout.time), "no time".to_owned()))?;
    Ok(BillEntry {
        line,
        external_id,
        kind,
        amount: Money::new(minor, format.currency),
        at: time,
        kind_text,
    })
}
