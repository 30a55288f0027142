//! `orderhub print pick-list|slips|labels`: a warehouse's open shipments (or the ones named) as
//! print-ready HTML or PDF, through the `documents` crate.
//!
//! Shipments, orders, shops and the catalogue come through the `app::Store` port; this file turns them
//! into `documents::ParcelSheet`s, reads the PDF font and writes the file. Receivers the platform
//! masked (`*` in the name, phone or address) are printed masked: decrypting them needs the shop's
//! connector, which is not wired here yet (`documents::KeepMasked` says so for each one).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use app::Store;
use documents::{Contact, PaperSize, ParcelSheet, Receiver, SheetLine};
use domain::{Order, Shipment, ShipmentId, WarehouseCode};

use crate::config::Config;

/// Where Debian's `fonts-wqy-microhei` puts its font: the PDF font when the configuration names none.
pub(crate) const DEBIAN_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// Which document to print.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One batch pick list: every unit to pick, by bin and SKU.
    PickList,
    /// One packing slip per shipment.
    Slips,
    /// One shipping label per shipment.
    Labels,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Paper {
    /// 210 × 297 mm.
    A4,
    /// 100 × 150 mm thermal labels.
    Thermal,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Html,
    Pdf,
}

#[derive(clap::Args, Debug)]
pub(crate) struct PrintArgs {
    /// The document.
    #[arg(value_enum)]
    kind: Kind,
    /// The warehouse whose shipments are printed.
    #[arg(long)]
    warehouse: String,
    /// Only these shipments (ids, or barcode texts like SH42); else every open shipment of the warehouse.
    #[arg(long = "shipment")]
    shipments: Vec<String>,
    /// At most this many open shipments, oldest first.
    #[arg(long, default_value_t = 500)]
    limit: u32,
    #[arg(long, value_enum, default_value = "a4")]
    paper: Paper,
    #[arg(long, value_enum, default_value = "html")]
    format: Format,
    /// The file to write; standard output without one.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Prints the document `args` asks for.
pub(crate) async fn run(
    config: &Config,
    base: &Path,
    store: &dyn Store,
    args: PrintArgs,
) -> anyhow::Result<()> {
    let warehouse = WarehouseCode::new(&args.warehouse)
        .with_context(|| format!("--warehouse {:?}", args.warehouse))?;
    // The font first: a missing font should not cost a trip to the store.
    let font = match args.format {
        Format::Pdf => Some(read_font(config, base)?),
        Format::Html => None,
    };
    let shipments = shipments(store, &warehouse, &args.shipments, args.limit).await?;
    if shipments.is_empty() {
        bail!("no open shipments in warehouse {warehouse} to print");
    }
    let sheets = sheets(config, store, &shipments).await?;
    // The pick list prints no receivers: only slips and labels go through decryption.
    let sheets = match args.kind {
        Kind::PickList => sheets,
        Kind::Slips | Kind::Labels => {
            let (sheets, notes) = documents::for_print(sheets, &documents::KeepMasked);
            if let Some(first) = notes.first() {
                match notes.len() {
                    1 => eprintln!("{first}"),
                    n => eprintln!("{first} (and {} more shipments alike)", n - 1),
                }
            }
            sheets
        }
    };
    let paper = match args.paper {
        Paper::A4 => PaperSize::A4,
        Paper::Thermal => PaperSize::Thermal100x150,
    };
    let bytes = match font {
        None => match args.kind {
            Kind::PickList => documents::pick_list_html(&sheets, warehouse.as_str(), paper),
            Kind::Slips => documents::slips_html(&sheets, paper)?,
            Kind::Labels => documents::labels_html(&sheets, paper)?,
        }
        .into_bytes(),
        Some(font) => match args.kind {
            Kind::PickList => documents::pick_list_pdf(&sheets, warehouse.as_str(), paper, &font)?,
            Kind::Slips => documents::slips_pdf(&sheets, paper, &font)?,
            Kind::Labels => documents::labels_pdf(&sheets, paper, &font)?,
        },
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{} shipments printed to {}", sheets.len(), path.display());
        }
        None => std::io::stdout()
            .write_all(&bytes)
            .context("writing to standard output")?,
    }
    Ok(())
}

/// The PDF font's bytes: `[print] font` (relative to the configuration's folder) or Debian's WenQuanYi
/// Micro Hei.
fn read_font(config: &Config, base: &Path) -> anyhow::Result<Vec<u8>> {
    let (path, origin) = match &config.print.font {
        Some(path) => (base.join(path), "[print] font in the configuration"),
        None => (PathBuf::from(DEBIAN_FONT), "the default font"),
    };
    std::fs::read(&path).with_context(|| {
        format!(
            "cannot read the PDF font {} ({origin}): PDFs embed a CJK font so that Chinese text prints \
             anywhere; install one (Debian: apt-get install fonts-wqy-microhei) or set \
             [print] font = \"path/to/font.ttc\"",
            path.display()
        )
    })
}

/// The named shipments (which must be in `warehouse`), or the warehouse's open ones.
async fn shipments(
    store: &dyn Store,
    warehouse: &WarehouseCode,
    named: &[String],
    limit: u32,
) -> anyhow::Result<Vec<Shipment>> {
    if named.is_empty() {
        return Ok(store.open_shipments(Some(warehouse), limit).await?);
    }
    let mut out = Vec::new();
    for text in named {
        let id = parse_shipment(text)?;
        let shipment = store
            .load_shipment(id)
            .await
            .with_context(|| format!("shipment {text}"))?;
        if &shipment.warehouse != warehouse {
            bail!(
                "shipment {text} is in warehouse {}, not {warehouse}",
                shipment.warehouse
            );
        }
        out.push(shipment);
    }
    Ok(out)
}

/// A shipment id, given as the number or as the barcode text (`SH42`).
fn parse_shipment(text: &str) -> anyhow::Result<ShipmentId> {
    let digits = text.trim().strip_prefix("SH").unwrap_or(text.trim());
    match digits.parse() {
        Ok(id) => Ok(ShipmentId(id)),
        Err(_) => bail!("--shipment {text:?} is neither a shipment id nor a barcode like SH42"),
    }
}

/// One sheet per shipment, from its orders, the shops, the catalogue and the configured carriers.
async fn sheets(
    config: &Config,
    store: &dyn Store,
    shipments: &[Shipment],
) -> anyhow::Result<Vec<ParcelSheet>> {
    let mut order_ids: Vec<_> = shipments
        .iter()
        .flat_map(|it| it.lines.iter().map(|line| line.order))
        .collect();
    order_ids.sort();
    order_ids.dedup();
    let orders: HashMap<_, Order> = store
        .load_orders(&order_ids)
        .await?
        .into_iter()
        .map(|it| (it.id, it))
        .collect();
    let shops: HashMap<_, String> = store
        .shops()
        .await?
        .into_iter()
        .map(|it| (it.id, it.name))
        .collect();
    let names: HashMap<_, String> = store
        .catalog()
        .await?
        .into_iter()
        .map(|it| (it.code, it.name))
        .collect();
    let carriers: HashMap<&str, &str> = config
        .carriers
        .iter()
        .map(|it| (it.code.as_str(), it.name.as_str()))
        .collect();

    let mut out = Vec::new();
    for shipment in shipments {
        let mut platform_orders = Vec::new();
        let mut lines = Vec::new();
        for line in &shipment.lines {
            let order = orders
                .get(&line.order)
                .with_context(|| format!("order {} of shipment {}", line.order.0, shipment.id.0))?;
            let external = order.data.external_id.as_str().to_owned();
            if !platform_orders.contains(&external) {
                platform_orders.push(external);
            }
            let order_line = order
                .data
                .lines
                .iter()
                .find(|it| it.line_no == line.line_no);
            let (sku, title) = match order_line {
                Some(it) => {
                    let sku = match &it.sku {
                        Some(sku) => sku.as_str().to_owned(),
                        None => it.seller_sku_code.clone(),
                    };
                    let title = it
                        .sku
                        .as_ref()
                        .and_then(|sku| names.get(sku))
                        .cloned()
                        .unwrap_or_else(|| it.title.clone());
                    (sku, title)
                }
                None => (String::new(), format!("line {}", line.line_no)),
            };
            lines.push(SheetLine {
                sku,
                title,
                quantity: line.quantity.get(),
                // Bins are not kept yet: the pick list falls back to SKU order.
                bin: None,
            });
        }
        let first = shipment
            .lines
            .first()
            .and_then(|line| orders.get(&line.order));
        let receiver = match first {
            Some(order) => receiver(&order.data.receiver),
            None => Receiver::Shown(Contact {
                name: String::new(),
                phone: String::new(),
                address: String::new(),
            }),
        };
        let shop = first
            .and_then(|order| shops.get(&order.data.shop))
            .cloned()
            .unwrap_or_default();
        out.push(ParcelSheet {
            shipment: shipment.id,
            barcode: shipment.barcode(),
            shop,
            platform_orders,
            carrier: shipment
                .carrier
                .as_deref()
                .map(|code| carriers.get(code).copied().unwrap_or(code).to_owned()),
            tracking: shipment.tracking.as_ref().map(|it| it.as_str().to_owned()),
            receiver,
            lines,
        });
    }
    Ok(out)
}

/// The order's receiver as printed: masked when the platform masked any of it.
fn receiver(it: &domain::Receiver) -> Receiver {
    let address: String = [&it.province, &it.city, &it.district, &it.town, &it.detail]
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let contact = Contact {
        name: it.name.clone(),
        phone: it.phone.clone(),
        address,
    };
    let masked = [&contact.name, &contact.phone, &contact.address]
        .iter()
        .any(|text| text.contains('*'));
    match masked {
        true => Receiver::Masked(contact),
        false => Receiver::Shown(contact),
    }
}

#[cfg(test)]
mod tests {
    use documents::Receiver;

    use crate::print::{parse_shipment, receiver};

    #[test]
    fn shipments_are_named_by_id_or_barcode() {
        assert_eq!(parse_shipment("42").unwrap().0, 42);
        assert_eq!(parse_shipment("SH42").unwrap().0, 42);
        assert!(parse_shipment("XX42").is_err());
    }

    #[test]
    fn a_masked_field_masks_the_receiver() {
        let mut it = domain::Receiver {
            name: "张伟".to_owned(),
            phone: "13800001234".to_owned(),
            province: "浙江省".to_owned(),
            city: "杭州市".to_owned(),
            detail: "文三路123号".to_owned(),
            ..Default::default()
        };
        let shown = receiver(&it);
        assert!(!shown.is_masked());
        assert_eq!(shown.contact().address, "浙江省 杭州市 文三路123号");
        it.phone = "138****1234".to_owned();
        assert!(matches!(receiver(&it), Receiver::Masked(_)));
    }
}
