//! What a document knows of one shipment: [`ParcelSheet`], its [`Receiver`] (shown or masked), the
//! paper it is printed on, and the print-time decryption hook.

use domain::ShipmentId;

/// The paper a document is laid out for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaperSize {
    /// 210 × 297 mm office paper.
    A4,
    /// 100 × 150 mm thermal labels, the size Chinese carriers' electronic waybills use.
    Thermal100x150,
}

impl PaperSize {
    pub const ALL: [PaperSize; 2] = [PaperSize::A4, PaperSize::Thermal100x150];

    /// Width and height in millimetres.
    pub fn millimetres(self) -> (u32, u32) {
        match self {
            PaperSize::A4 => (210, 297),
            PaperSize::Thermal100x150 => (100, 150),
        }
    }

    /// The page margin in millimetres.
    pub fn margin(self) -> u32 {
        match self {
            PaperSize::A4 => 12,
            PaperSize::Thermal100x150 => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaperSize::A4 => "a4",
            PaperSize::Thermal100x150 => "thermal",
        }
    }

    pub fn parse(text: &str) -> Option<PaperSize> {
        PaperSize::ALL.into_iter().find(|it| it.as_str() == text)
    }
}

/// One shipment as the documents print it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParcelSheet {
    pub shipment: ShipmentId,
    /// The text the shipment barcode encodes (`domain::Shipment::barcode`), checked by the ship scan.
    pub barcode: String,
    /// The shop's name as the buyer knows it.
    pub shop: String,
    /// The platform's order numbers of the orders in the parcel (more than one when merged).
    pub platform_orders: Vec<String>,
    /// The carrier's name (or code), when routing chose one.
    pub carrier: Option<String>,
    pub tracking: Option<String>,
    pub receiver: Receiver,
    pub lines: Vec<SheetLine>,
}

/// One line to pick and pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetLine {
    pub sku: String,
    pub title: String,
    pub quantity: u32,
    /// The storage bin the goods are picked from, when the warehouse keeps bins.
    pub bin: Option<String>,
}

/// A receiver's name, phone and one-line address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub address: String,
}

/// Who the parcel goes to, as the platform gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// Given in plain text.
    Shown(Contact),
    /// Masked on the platform (e.g. `张**`, `138****5678`): printed as is unless decrypted at print time.
    Masked(Contact),
}

impl Receiver {
    pub fn contact(&self) -> &Contact {
        match self {
            Receiver::Shown(contact) | Receiver::Masked(contact) => contact,
        }
    }

    pub fn is_masked(&self) -> bool {
        match self {
            Receiver::Shown(_) => false,
            Receiver::Masked(_) => true,
        }
    }
}

/// Turns a masked receiver into plain text at print time, typically through the shop's connector
/// (the platform's decryption API). The plain text is returned for one document and never kept.
pub trait Decrypt {
    /// The receiver of `sheet` in plain text, or why it stays masked.
    fn decrypt(&self, sheet: &ParcelSheet) -> Result<Contact, String>;
}

/// The decryption to use when none is wired: every masked receiver stays masked.
#[derive(Clone, Copy, Debug)]
pub struct KeepMasked;

impl Decrypt for KeepMasked {
    fn decrypt(&self, _sheet: &ParcelSheet) -> Result<Contact, String> {
        Err("masked on the platform; decrypt with the shop's connector".to_owned())
    }
}

/// The sheets ready to print: masked receivers decrypted where `decrypt` can, with a note for each
/// one that stays masked (its masked copy is printed).
pub fn for_print(
    sheets: Vec<ParcelSheet>,
    decrypt: &dyn Decrypt,
) -> (Vec<ParcelSheet>, Vec<String>) {
    let mut notes = Vec::new();
    let sheets = sheets
        .into_iter()
        .map(|mut sheet| {
            if sheet.receiver.is_masked() {
                match decrypt.decrypt(&sheet) {
                    Ok(contact) => sheet.receiver = Receiver::Shown(contact),
                    Err(why) => notes.push(format!(
                        "shipment {}: receiver printed masked: {why}",
                        sheet.barcode
                    )),
                }
            }
            sheet
        })
        .collect();
    (sheets, notes)
}
