//! Pure ingestion logic: turning what platforms and people write into our standard words.
//!
//! Today this is Chinese address parsing ([`parse_address`]) over the official administrative division
//! tables ([`Divisions`]). No IO: the tables are compiled in, the evidence comes in as arguments.

mod address;
mod divisions;
mod text;

pub use crate::address::{AddressHints, AddressStatus, ParsedAddress, parse_address};
pub use crate::divisions::{City, District, Divisions, Province, Town};
