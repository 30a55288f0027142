//! The documents as PDF: the same content as the HTML, laid out on the paper in points, text set in
//! the CJK font the caller passes as bytes (subset on embedding), barcodes and QR codes drawn as
//! rectangles.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};

use crate::codes::{CodeError, code128_bars, qr_modules};
use crate::pick_list::pick_list;
use crate::sheet::{PaperSize, ParcelSheet};

/// Why no PDF was made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the font is not a TrueType/OpenType font or collection krilla can read")]
    Font,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

/// The batch pick list of `sheets` for `warehouse`, set in `font` (TTF, OTF or the first face of a TTC).
pub fn pick_list_pdf(
    sheets: &[ParcelSheet],
    warehouse: &str,
    paper: PaperSize,
    font: &[u8],
) -> Result<Vec<u8>, PdfError> {
    let list = pick_list(sheets);
    let mut layout = Layout::new(paper);
    layout.text(&format!("拣货单 Pick list · {warehouse}"), 14.0);
    layout.text(
        &format!(
            "{} shipments · {} units · {} rows",
            list.shipments.len(),
            list.total_units,
            list.rows.len()
        ),
        9.0,
    );
    layout.rule();
    for row in &list.rows {
        layout.text(
            &format!(
                "[{}] {} × {}  {}  ({} parcels)",
                row.bin.as_deref().unwrap_or("—"),
                row.sku,
                row.quantity,
                row.title,
                row.shipments
            ),
            10.0,
        );
    }
    layout.rule();
    layout.text(&format!("合计 Total: {} units", list.total_units), 11.0);
    layout.text(&list.shipments.join(" "), 8.0);
    write(layout, font)
}

/// One packing slip per shipment, each on its own page.
pub fn slips_pdf(
    sheets: &[ParcelSheet],
    paper: PaperSize,
    font: &[u8],
) -> Result<Vec<u8>, PdfError> {
    let mut layout = Layout::new(paper);
    for (idx, sheet) in sheets.iter().enumerate() {
        if idx > 0 {
            layout.new_page();
        }
        let contact = sheet.receiver.contact();
        layout.text(&format!("装箱单 Packing slip · {}", sheet.shop), 13.0);
        layout.barcode(&sheet.barcode, 40.0)?;
        layout.text(&sheet.barcode, 11.0);
        layout.text(
            &format!("订单 Orders: {}", sheet.platform_orders.join(", ")),
            9.0,
        );
        layout.text(
            &format!(
                "收件人 To: {} {}{}",
                contact.name,
                contact.phone,
                masked_mark(sheet)
            ),
            10.0,
        );
        layout.text(&contact.address, 10.0);
        layout.rule();
        for line in &sheet.lines {
            layout.text(
                &format!("{} × {}  {}", line.sku, line.quantity, line.title),
                10.0,
            );
        }
        layout.rule();
        layout.text(&format!("合计 Total: {} units", units(sheet)), 10.0);
        layout.qr(&sheet.barcode, 64.0)?;
    }
    write(layout, font)
}

/// One shipping label per shipment, each on its own page.
pub fn labels_pdf(
    sheets: &[ParcelSheet],
    paper: PaperSize,
    font: &[u8],
) -> Result<Vec<u8>, PdfError> {
    let mut layout = Layout::new(paper);
    for (idx, sheet) in sheets.iter().enumerate() {
        if idx > 0 {
            layout.new_page();
        }
        let contact = sheet.receiver.contact();
        layout.text(
            sheet
                .carrier
                .as_deref()
                .unwrap_or("承运商未定 carrier not chosen"),
            18.0,
        );
        if let Some(tracking) = &sheet.tracking {
            layout.text(tracking, 11.0);
        }
        layout.rule();
        layout.text(
            &format!(
                "收 {} {}{}",
                contact.name,
                contact.phone,
                masked_mark(sheet)
            ),
            14.0,
        );
        layout.text(&contact.address, 11.0);
        layout.rule();
        layout.barcode(&sheet.barcode, 50.0)?;
        layout.text(&sheet.barcode, 12.0);
        layout.qr(&sheet.barcode, 60.0)?;
        layout.text(&format!("寄 {}", sheet.shop), 9.0);
        layout.text(&format!("订单 {}", sheet.platform_orders.join(", ")), 9.0);
        layout.text(&format!("{} 件 units", units(sheet)), 9.0);
    }
    write(layout, font)
}

/// Millimetres in points.
const MM: f32 = 72.0 / 25.4;

/// Something drawn on a page, in points from the top-left corner.
enum Mark {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

/// Marks placed top to bottom, starting a page when one is full.
struct Layout {
    width: f32,
    height: f32,
    margin: f32,
    y: f32,
    pages: Vec<Vec<Mark>>,
}

impl Layout {
    fn new(paper: PaperSize) -> Layout {
        let (width, height) = paper.millimetres();
        let margin = paper.margin() as f32 * MM;
        Layout {
            width: width as f32 * MM,
            height: height as f32 * MM,
            margin,
            y: margin,
            pages: vec![Vec::new()],
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.margin;
    }

    /// Makes room for `height` points, on a new page if this one cannot hold them.
    fn room(&mut self, height: f32) -> f32 {
        if self.y + height > self.height - self.margin && self.y > self.margin {
            self.new_page();
        }
        let top = self.y;
        self.y += height;
        top
    }

    fn mark(&mut self, mark: Mark) {
        self.pages
            .last_mut()
            .expect("a layout has a page")
            .push(mark);
    }

    /// A paragraph, wrapped at the margins.
    fn text(&mut self, text: &str, size: f32) {
        let usable = self.width - 2.0 * self.margin;
        for line in wrap(text, size, usable) {
            let top = self.room(size * 1.35);
            let x = self.margin;
            self.mark(Mark::Text {
                x,
                y: top + size,
                size,
                text: line,
            });
        }
    }

    fn rule(&mut self) {
        let top = self.room(6.0);
        let (x, width) = (self.margin, self.width - 2.0 * self.margin);
        self.mark(Mark::Rect {
            x,
            y: top + 2.5,
            width,
            height: 0.6,
        });
    }

    /// Code 128 of `text`, `height` points tall, as wide as the text area allows (at most 0.5 mm a module).
    fn barcode(&mut self, text: &str, height: f32) -> Result<(), CodeError> {
        let bars = code128_bars(text)?;
        // Ten modules of quiet zone on each side.
        let usable = self.width - 2.0 * self.margin;
        let module = (usable / (bars.len() + 20) as f32).min(0.5 * MM);
        let top = self.room(height + 4.0);
        let left = self.margin + 10.0 * module;
        for (idx, bar) in bars.iter().enumerate() {
            if *bar == 1 {
                self.mark(Mark::Rect {
                    x: left + idx as f32 * module,
                    y: top + 2.0,
                    width: module,
                    height,
                });
            }
        }
        Ok(())
    }

    /// The QR code of `text`, `size` points square.
    fn qr(&mut self, text: &str, size: f32) -> Result<(), CodeError> {
        let (modules, dark) = qr_modules(text)?;
        let module = size / modules as f32;
        let top = self.room(size + 6.0) + 3.0;
        let left = self.margin;
        for (idx, dark) in dark.iter().enumerate() {
            if *dark {
                self.mark(Mark::Rect {
                    x: left + (idx % modules) as f32 * module,
                    y: top + (idx / modules) as f32 * module,
                    width: module,
                    height: module,
                });
            }
        }
        Ok(())
    }
}

/// `text` broken into lines no wider than `width` points, measuring CJK and other wide characters as
/// one em and the rest as 0.55 em (a line may fall a little short; it never runs off the paper).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let advance = match c.is_ascii() {
            true => 0.55 * size,
            false => size,
        };
        if used + advance > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        line.push(c);
        used += advance;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn write(layout: Layout, font: &[u8]) -> Result<Vec<u8>, PdfError> {
    let font = Font::new(font.to_vec().into(), 0).ok_or(PdfError::Font)?;
    let mut document = Document::new();
    for marks in &layout.pages {
        let settings = PageSettings::from_wh(layout.width, layout.height)
            .ok_or_else(|| PdfError::Write("the paper has no area".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        for mark in marks {
            match mark {
                Mark::Text { x, y, size, text } => surface.draw_text(
                    Point::from_xy(*x, *y),
                    font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                ),
                Mark::Rect {
                    x,
                    y,
                    width,
                    height,
                } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn masked_mark(sheet: &ParcelSheet) -> &'static str {
    match sheet.receiver.is_masked() {
        true => " (已脱敏 masked)",
        false => "",
    }
}

fn units(sheet: &ParcelSheet) -> u64 {
    sheet.lines.iter().map(|it| u64::from(it.quantity)).sum()
}
