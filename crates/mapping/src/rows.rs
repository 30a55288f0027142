//! Spreadsheet exports (CSV, xlsx) as documents: consecutive rows with the same order key form one order,
//! written as one JSON document `{<first row's columns>, "lines": [<every row>]}` that a profile (an
//! [`crate::OrderMapping`] whose paths are column names) maps like any platform document. The document
//! is deterministic, so re-importing the same file changes nothing.

use std::io::Read;

use serde_json::{Map, Value};

/// Why a row cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based row number in the file, counting the header as row 1.
    pub row: u64,
    pub column: String,
    pub reason: String,
    /// The row's cells, tab-separated, so that nothing is lost.
    pub raw: String,
}

/// A cell as Excel and back offices write it, cleaned: `="123"` and a leading `'` or tab (forced text)
/// are unwrapped, surrounding spaces trimmed.
pub fn clean_cell(cell: &str) -> &str {
    let cell = cell.trim();
    let cell = cell
        .strip_prefix("=\"")
        .and_then(|it| it.strip_suffix('"'))
        .unwrap_or(cell);
    cell.trim_start_matches(['\'', '\t']).trim()
}

/// Whether a cell holding an id was turned into scientific notation by a spreadsheet (`3.45679E+18`):
/// its digits are lost and cannot be recovered.
pub fn mangled_number(cell: &str) -> bool {
    let Some((mantissa, exponent)) = cell.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// Groups rows into order documents.
#[derive(Debug)]
pub struct RowGrouper {
    headers: Vec<String>,
    key: usize,
    current_key: String,
    first_row: u64,
    rows: Vec<Map<String, Value>>,
}

/// One order's rows as a document, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct RowDocument {
    pub external_ref: String,
    /// Row numbers (1-based, header is row 1) of the order's first and last rows.
    pub rows: (u64, u64),
    pub body: Vec<u8>,
}

impl RowGrouper {
    /// `order_key` names the column that identifies the order.
    pub fn new(headers: Vec<String>, order_key: &str) -> Result<RowGrouper, String> {
        let headers: Vec<String> = headers
            .iter()
            .map(|it| clean_cell(it.trim_start_matches('\u{feff}')).to_owned())
            .collect();
        let key = headers
            .iter()
            .position(|it| it == order_key)
            .ok_or_else(|| {
                format!(
                    "the file has no {order_key:?} column; it has {}",
                    headers.join(", ")
                )
            })?;
        Ok(RowGrouper {
            headers,
            key,
            current_key: String::new(),
            first_row: 0,
            rows: Vec::new(),
        })
    }

    /// Adds row number `row`; returns the previous order's document when this row starts a new order.
    pub fn push(&mut self, row: u64, cells: &[&str]) -> Result<Option<RowDocument>, RowError> {
        let key = cells
            .get(self.key)
            .map(|it| clean_cell(it))
            .unwrap_or_default();
        let column = || self.headers[self.key].clone();
        if key.is_empty() {
            return Err(RowError {
                row,
                column: column(),
                reason: "the order key is empty".to_owned(),
                raw: cells.join("\t"),
            });
        }
        if mangled_number(key) {
            let reason = format!(
                "{key:?} was turned into scientific notation by a spreadsheet; its digits are lost (export the column as text)"
            );
            return Err(RowError {
                row,
                column: column(),
                reason,
                raw: cells.join("\t"),
            });
        }
        let done = if key != self.current_key {
            self.finish()
        } else {
            None
        };
        if self.rows.is_empty() {
            self.current_key = key.to_owned();
            self.first_row = row;
        }
        let mut object = Map::new();
        for (i, header) in self.headers.iter().enumerate() {
            let cell = cells.get(i).map(|it| clean_cell(it)).unwrap_or_default();
            object.insert(header.clone(), Value::String(cell.to_owned()));
        }
        self.rows.push(object);
        Ok(done)
    }

    /// The last order's document, at the end of the file.
    pub fn finish(&mut self) -> Option<RowDocument> {
        if self.rows.is_empty() {
            return None;
        }
        let rows = std::mem::take(&mut self.rows);
        let last_row = self.first_row + rows.len() as u64 - 1;
        let mut document = rows[0].clone();
        document.insert(
            "lines".to_owned(),
            Value::Array(rows.into_iter().map(Value::Object).collect()),
        );
        let body = serde_json::to_vec(&Value::Object(document)).expect("JSON values serialise");
        Some(RowDocument {
            external_ref: std::mem::take(&mut self.current_key),
            rows: (self.first_row, last_row),
            body,
        })
    }
}

/// The text encoding of an export: a byte-order mark says so; otherwise UTF-8 if the first 64 KiB are
/// valid UTF-8, else GB18030 (a superset of GBK, what Chinese back offices and Excel write).
pub fn sniff_encoding(head: &[u8]) -> &'static encoding_rs::Encoding {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(head) {
        return encoding;
    }
    match std::str::from_utf8(head) {
        Ok(_) => encoding_rs::UTF_8,
        // A character cut off at the end of the sample is still UTF-8.
        Err(err) if err.error_len().is_none() => encoding_rs::UTF_8,
        Err(_) => encoding_rs::GB18030,
    }
}

/// The file's bytes, transcoded to UTF-8 as they are read (the sniffed head first, then the rest).
type Decoded<R> =
    encoding_rs_io::DecodeReaderBytes<std::io::Chain<std::io::Cursor<Vec<u8>>, R>, Vec<u8>>;

/// Reads a CSV export as it streams: detects the encoding, reads the header, and yields one document per
/// order (or the row that could not be used), holding only the current order's rows in memory.
pub struct ExportReader<R: std::io::Read> {
    csv: csv::Reader<Decoded<R>>,
    grouper: RowGrouper,
    record: csv::StringRecord,
    row: u64,
    queue: std::collections::VecDeque<Result<RowDocument, RowError>>,
    done: bool,
    pub encoding: &'static encoding_rs::Encoding,
}

impl<R: std::io::Read> ExportReader<R> {
    pub fn new(mut reader: R, order_key: &str) -> Result<ExportReader<R>, String> {
        let mut head = vec![0; 64 * 1024];
        let mut filled = 0;
        while filled < head.len() {
            match reader.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(format!("reading the file: {err}")),
            }
        }
        head.truncate(filled);
        let encoding = sniff_encoding(&head);
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(std::io::Cursor::new(head).chain(reader));
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(decoded);
        let headers = csv
            .headers()
            .map_err(|err| format!("reading the header row: {err}"))?
            .iter()
            .map(str::to_owned)
            .collect();
        let grouper = RowGrouper::new(headers, order_key)?;
        Ok(ExportReader {
            csv,
            grouper,
            record: csv::StringRecord::new(),
            row: 1,
            queue: Default::default(),
            done: false,
            encoding,
        })
    }
}

impl<R: std::io::Read> Iterator for ExportReader<R> {
    type Item = Result<RowDocument, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(item) = self.queue.pop_front() {
            return Some(item);
        }
        while !self.done {
            match self.csv.read_record(&mut self.record) {
                Ok(true) => {
                    self.row += 1;
                    let cells: Vec<&str> = self.record.iter().collect();
                    if cells.iter().all(|it| it.trim().is_empty()) {
                        continue;
                    }
                    match self.grouper.push(self.row, &cells) {
                        Ok(Some(document)) => return Some(Ok(document)),
                        Ok(None) => {}
                        Err(err) => return Some(Err(err)),
                    }
                }
                Ok(false) => {
                    self.done = true;
                    self.queue.extend(self.grouper.finish().map(Ok));
                }
                Err(err) => {
                    // The orders read so far stand; the rest of the file is one reject.
                    self.done = true;
                    let row = err.position().map_or(self.row + 1, |it| it.line());
                    self.queue.extend(self.grouper.finish().map(Ok));
                    let reason = format!("not readable as CSV: {err}");
                    self.queue.push_back(Err(RowError {
                        row,
                        column: String::new(),
                        reason,
                        raw: String::new(),
                    }));
                }
            }
        }
        self.queue.pop_front()
    }
}

/// An xlsx export's first sheet as order documents (or unusable rows). A sheet is read whole — Excel
/// caps one at 1,048,576 rows; CSV is the streaming path for anything bigger.
pub fn xlsx_documents<R: std::io::Read + std::io::Seek>(
    reader: R,
    order_key: &str,
) -> Result<Vec<Result<RowDocument, RowError>>, String> {
    use calamine::Reader;
    let mut book =
        calamine::Xlsx::new(reader).map_err(|err| format!("not an xlsx workbook: {err}"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")?
        .map_err(|err| format!("reading the first sheet: {err}"))?;
    let mut rows = range.rows();
    let headers = rows
        .next()
        .ok_or("the sheet is empty")?
        .iter()
        .map(cell_text)
        .collect();
    let mut grouper = RowGrouper::new(headers, order_key)?;
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if cells.iter().all(|it| it.trim().is_empty()) {
            continue;
        }
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        match grouper.push(i as u64 + 2, &cells) {
            Ok(Some(document)) => out.push(Ok(document)),
            Ok(None) => {}
            Err(err) => out.push(Err(err)),
        }
    }
    out.extend(grouper.finish().map(Ok));
    Ok(out)
}

/// A cell as the text a CSV export would hold: whole numbers without a fraction, dates as
/// `yyyy-MM-dd HH:mm:ss` wall-clock time, and numbers beyond 2^53 in scientific notation, because
/// their digits are already lost (the order key check rejects them).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(it) | Data::DateTimeIso(it) | Data::DurationIso(it) => it.clone(),
        Data::Int(it) => it.to_string(),
        Data::Bool(it) => it.to_string(),
        Data::Float(it) if it.abs() >= 9_007_199_254_740_992.0 => format!("{it:E}"),
        Data::Float(it) if it.fract() == 0.0 => format!("{}", *it as i64),
        Data::Float(it) => it.to_string(),
        Data::DateTime(it) => {
            // Days since 1899-12-30 (Excel's 1900 date system), as wall-clock time.
            let millis = ((it.as_f64() - 25_569.0) * 86_400_000.0).round() as i64;
            let (y, mo, d, h, mi, s) = crate::values::civil_from_millis(millis, 0);
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
        }
        Data::Error(err) => format!("#{err:?}"),
    }
}

/// The built-in CSV profiles: `(name, order key column, mapping TOML)`.
pub const PROFILES: &[(&str, &str, &str)] = &[
    (
        "taobao",
        "订单编号",
        include_str!("../profiles/taobao.toml"),
    ),
    ("jd", "订单号", include_str!("../profiles/jd.toml")),
    ("shopify", "Name", include_str!("../profiles/shopify.toml")),
    (
        "douyin",
        "主订单编号",
        include_str!("../profiles/douyin.toml"),
    ),
    (
        "pinduoduo",
        "订单号",
        include_str!("../profiles/pinduoduo.toml"),
    ),
];

#[cfg(test)]
mod tests {
    use crate::rows::{RowGrouper, clean_cell, mangled_number};

    #[test]
    fn cells_are_cleaned_and_mangled_ids_caught() {
        assert_eq!(
            clean_cell("=\"3456789012345678901\""),
            "3456789012345678901"
        );
        assert_eq!(clean_cell("\t'0012"), "0012");
        assert!(mangled_number("3.45679E+18"));
        assert!(mangled_number("3E18"));
        assert!(!mangled_number("SKU-1E2"));
        assert!(!mangled_number("12345"));
    }

    #[test]
    fn consecutive_rows_of_one_order_form_one_document() {
        let mut g = RowGrouper::new(
            vec!["\u{feff}订单编号".into(), "商家编码".into()],
            "订单编号",
        )
        .unwrap();
        assert_eq!(g.push(2, &["A1", "X"]).unwrap(), None);
        assert_eq!(g.push(3, &["A1", "Y"]).unwrap(), None);
        let first = g.push(4, &["=\"B2\"", "Z"]).unwrap().unwrap();
        assert_eq!(first.external_ref, "A1");
        assert_eq!(first.rows, (2, 3));
        assert_eq!(
            String::from_utf8(first.body).unwrap(),
            r#"{"lines":[{"商家编码":"X","订单编号":"A1"},{"商家编码":"Y","订单编号":"A1"}],"商家编码":"X","订单编号":"A1"}"#
        );
        let last = g.finish().unwrap();
        assert_eq!((last.external_ref.as_str(), last.rows), ("B2", (4, 4)));
        assert_eq!(g.finish(), None);
        let err = g.push(5, &["3.45679E+18", "Q"]).unwrap_err();
        assert_eq!((err.row, err.column.as_str()), (5, "订单编号"));
        assert!(
            RowGrouper::new(vec!["x".into()], "订单编号")
                .unwrap_err()
                .contains("no \"订单编号\" column")
        );
    }
}
