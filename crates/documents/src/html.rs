//! The documents as print-ready HTML: one self-contained file (styles and barcodes inline) whose
//! `@page` rule sizes the paper, each shipment's slip or label on its own page.

use std::fmt::Write;

use crate::codes::{CodeError, code128_svg, qr_svg};
use crate::pick_list::pick_list;
use crate::sheet::{PaperSize, ParcelSheet};

/// The batch pick list of `sheets` for `warehouse`.
pub fn pick_list_html(sheets: &[ParcelSheet], warehouse: &str, paper: PaperSize) -> String {
    let list = pick_list(sheets);
    let mut body = String::new();
    let _ = write!(
        body,
        "<section class=\"sheet\">\n<h1>拣货单 Pick list · {}</h1>\n<p>{} shipments · {} units · {} rows</p>\n",
        escape(warehouse),
        list.shipments.len(),
        list.total_units,
        list.rows.len()
    );
    body.push_str(
        "<table>\n<thead><tr><th>库位 Bin</th><th>SKU</th><th>品名 Title</th><th class=\"qty\">数量 Qty</th><th class=\"qty\">包裹 Parcels</th><th>✓</th></tr></thead>\n<tbody>\n",
    );
    for row in &list.rows {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"qty\">{}</td><td class=\"qty\">{}</td><td class=\"tick\"></td></tr>",
            escape(row.bin.as_deref().unwrap_or("—")),
            escape(&row.sku),
            escape(&row.title),
            row.quantity,
            row.shipments
        );
    }
    let _ = write!(
        body,
        "</tbody>\n<tfoot><tr><th colspan=\"3\">合计 Total</th><th class=\"qty\">{}</th><th class=\"qty\">{}</th><th></th></tr></tfoot>\n</table>\n<p class=\"shipments\">{}</p>\n</section>\n",
        list.total_units,
        list.shipments.len(),
        list.shipments
            .iter()
            .map(|it| escape(it))
            .collect::<Vec<_>>()
            .join(" ")
    );
    page("拣货单 Pick list", paper, &body)
}

/// One packing slip per shipment: what is in the parcel, for the buyer and the packer.
pub fn slips_html(sheets: &[ParcelSheet], paper: PaperSize) -> Result<String, CodeError> {
    let mut body = String::new();
    for sheet in sheets {
        let contact = sheet.receiver.contact();
        let _ = write!(
            body,
            "<section class=\"sheet\">\n<h1>装箱单 Packing slip · {}</h1>\n<div class=\"codes\">{}{}</div>\n<p class=\"code\">{}</p>\n<p>订单 Orders: {}</p>\n<p>收件人 To: {} {}{}</p>\n<p>{}</p>\n",
            escape(&sheet.shop),
            code128_svg(&sheet.barcode)?,
            qr_svg(&sheet.barcode)?,
            escape(&sheet.barcode),
            escape(&sheet.platform_orders.join(", ")),
            escape(&contact.name),
            escape(&contact.phone),
            masked_mark(sheet),
            escape(&contact.address),
        );
        body.push_str(
            "<table>\n<thead><tr><th>SKU</th><th>品名 Title</th><th class=\"qty\">数量 Qty</th></tr></thead>\n<tbody>\n",
        );
        for line in &sheet.lines {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td class=\"qty\">{}</td></tr>",
                escape(&line.sku),
                escape(&line.title),
                line.quantity
            );
        }
        let _ = write!(
            body,
            "</tbody>\n<tfoot><tr><th colspan=\"2\">合计 Total</th><th class=\"qty\">{}</th></tr></tfoot>\n</table>\n</section>\n",
            units(sheet)
        );
    }
    Ok(page("装箱单 Packing slips", paper, &body))
}

/// One shipping label per shipment: carrier, receiver and the shipment barcode, large.
pub fn labels_html(sheets: &[ParcelSheet], paper: PaperSize) -> Result<String, CodeError> {
    let mut body = String::new();
    for sheet in sheets {
        let contact = sheet.receiver.contact();
        let _ = write!(
            body,
            "<section class=\"sheet label\">\n<p class=\"carrier\">{}</p>\n<p class=\"tracking\">{}</p>\n<div class=\"to\">\n<p class=\"name\">收 {} {}{}</p>\n<p>{}</p>\n</div>\n{}\n<p class=\"code\">{}</p>\n<div class=\"foot\">{}<p>寄 {}<br>订单 {}<br>{} 件 units</p></div>\n</section>\n",
            escape(
                sheet
                    .carrier
                    .as_deref()
                    .unwrap_or("承运商未定 carrier not chosen")
            ),
            escape(sheet.tracking.as_deref().unwrap_or("")),
            escape(&contact.name),
            escape(&contact.phone),
            masked_mark(sheet),
            escape(&contact.address),
            code128_svg(&sheet.barcode)?,
            escape(&sheet.barcode),
            qr_svg(&sheet.barcode)?,
            escape(&sheet.shop),
            escape(&sheet.platform_orders.join(", ")),
            units(sheet),
        );
    }
    Ok(page("面单 Shipping labels", paper, &body))
}

/// `text` safe in HTML text and in quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn masked_mark(sheet: &ParcelSheet) -> &'static str {
    match sheet.receiver.is_masked() {
        true => " <span class=\"masked\">(已脱敏 masked)</span>",
        false => "",
    }
}

fn units(sheet: &ParcelSheet) -> u64 {
    sheet.lines.iter().map(|it| u64::from(it.quantity)).sum()
}

fn page(title: &str, paper: PaperSize, body: &str) -> String {
    let (width, height) = paper.millimetres();
    let margin = paper.margin();
    let (font_size, barcode_width, barcode_height, qr) = match paper {
        PaperSize::A4 => ("10pt", "80mm", "15mm", "24mm"),
        PaperSize::Thermal100x150 => ("8.5pt", "100%", "16mm", "22mm"),
    };
    format!(
        "<!DOCTYPE html>
<html lang=\"zh-CN\">
<head>
<meta charset=\"utf-8\">
<title>{title}</title>
<style>
@page {{ size: {width}mm {height}mm; margin: {margin}mm; }}
html, body {{ margin: 0; padding: 0; }}
body {{ font-family: \"WenQuanYi Micro Hei\", \"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif; font-size: {font_size}; color: #000; }}
h1 {{ font-size: 1.3em; margin: 0 0 2mm; }}
p {{ margin: 0 0 1.5mm; }}
.sheet {{ break-after: page; page-break-after: always; }}
.sheet:last-child {{ break-after: auto; page-break-after: auto; }}
.codes {{ display: flex; align-items: center; gap: 4mm; }}
svg.barcode {{ display: block; width: {barcode_width}; height: {barcode_height}; padding: 0 4mm; box-sizing: border-box; }}
svg.qr {{ display: block; width: {qr}; height: {qr}; }}
.code {{ font-family: monospace; font-size: 1.2em; letter-spacing: 0.1em; }}
table {{ width: 100%; border-collapse: collapse; }}
th, td {{ border-bottom: 0.2mm solid #000; padding: 1mm; text-align: left; vertical-align: top; }}
.qty {{ text-align: right; }}
td.tick {{ width: 6mm; }}
.masked {{ font-size: 0.8em; }}
.label .carrier {{ font-size: 2em; font-weight: bold; }}
.label .to {{ border: 0.4mm solid #000; padding: 2mm; margin-bottom: 2mm; }}
.label .name {{ font-size: 1.5em; font-weight: bold; }}
.label .foot {{ display: flex; gap: 3mm; align-items: flex-start; }}
</style>
</head>
<body>
{body}</body>
</html>
"
    )
}
