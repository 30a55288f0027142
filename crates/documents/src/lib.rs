//! Warehouse paperwork (DESIGN: pick, pack, ship): the batch pick list, packing slips and shipping
//! labels, as print-ready HTML for A4 or 100×150 mm thermal paper and as PDF.
//!
//! The input is one [`ParcelSheet`] per shipment, built by the caller from the store. Nothing here
//! does IO or reads the clock: the CJK font for PDF arrives as bytes, and receivers that the platform
//! masked stay masked unless the caller's [`Decrypt`] turns them into plain text at print time
//! ([`for_print`]); plain text then lives only in the printed document.
//!
//! Barcodes are Code 128 of the shipment barcode text (what the ship scan checks) and QR codes of the
//! same text, drawn inline (SVG in HTML, vector rectangles in PDF), so documents need no other files.

mod codes;
mod html;
mod pdf;
mod pick_list;
mod sheet;
#[cfg(test)]
mod tests;

pub use crate::codes::{CodeError, code128_bars, qr_modules};
pub use crate::html::{labels_html, pick_list_html, slips_html};
pub use crate::pdf::{PdfError, labels_pdf, pick_list_pdf, slips_pdf};
pub use crate::pick_list::{PickList, PickRow, pick_list};
pub use crate::sheet::{
    Contact, Decrypt, KeepMasked, PaperSize, ParcelSheet, Receiver, SheetLine, for_print,
};
