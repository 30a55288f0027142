//! Pure ingestion logic: turning what platforms and people write into our standard words.
//!
//! Declarative field mapping ([`OrderMapping`]: platform document → standard order, with built-in
//! mappings per platform format) and Chinese address parsing ([`parse_address`]) over the official
//! administrative division tables ([`Divisions`]). No IO: tables and built-in mappings are compiled in,
//! documents and evidence come in as arguments.

mod address;
mod divisions;
mod order_map;
mod render;
mod rows;
mod text;
mod values;

pub use crate::address::{AddressHints, AddressStatus, ParsedAddress, parse_address};
pub use crate::divisions::{City, District, Divisions, Province, Town};
pub use crate::order_map::{
    AddressReport, BUILTIN, MapContext, MapError, Mapped, OrderMapping, builtin,
};
pub use crate::render::standard_order_json;
pub use crate::rows::{
    ExportReader, PROFILES, RowDocument, RowError, RowGrouper, clean_cell, mangled_number,
    sniff_encoding, xlsx_documents,
};
pub use crate::values::{MoneyUnit, TimeFormat, parse_money, parse_time, rfc3339};
