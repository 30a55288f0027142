//! Printed documents checked by rendering them: a PDF with Chinese text goes through poppler's
//! `pdftoppm` (to PNG) and `pdftotext`, and the page must have ink and say who receives the parcel and
//! the shipment's barcode text.
//!
//! Needs poppler-utils and a CJK font (Debian: `fonts-wqy-microhei`; another with
//! `ORDERHUB_PRINT_FONT`). Without them the test says so and passes, unless
//! `ORDERHUB_REQUIRE_PRINT_TOOLS=1` (set by `cargo xtask test`), when it fails.

use std::path::PathBuf;
use std::process::Command;

use documents::{Contact, PaperSize, ParcelSheet, Receiver, SheetLine};
use domain::ShipmentId;

/// Where Debian's fonts-wqy-microhei puts its font.
const DEBIAN_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn sheet() -> ParcelSheet {
    ParcelSheet {
        shipment: ShipmentId(42),
        barcode: "SH42".to_owned(),
        shop: "天猫旗舰店".to_owned(),
        platform_orders: vec!["4093281234567890123".to_owned()],
        carrier: Some("顺丰速运".to_owned()),
        tracking: None,
        receiver: Receiver::Shown(Contact {
            name: "欧阳娜娜".to_owned(),
            phone: "13800001234".to_owned(),
            address: "浙江省杭州市西湖区文三路123号".to_owned(),
        }),
        lines: vec![SheetLine {
            sku: "TEA-LJ-250".to_owned(),
            title: "西湖龙井 250g 礼盒".to_owned(),
            quantity: 2,
            bin: Some("A-01-02".to_owned()),
        }],
    }
}

/// The font and the tools, or why the test cannot run.
fn prerequisites() -> Result<Vec<u8>, String> {
    for tool in ["pdftoppm", "pdftotext"] {
        let found = Command::new(tool).arg("-v").output().is_ok();
        if !found {
            return Err(format!("`{tool}` is not installed (Debian: poppler-utils)"));
        }
    }
    let font = std::env::var_os("ORDERHUB_PRINT_FONT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEBIAN_FONT));
    std::fs::read(&font).map_err(|e| {
        format!(
            "no CJK font at {} ({e}; Debian: fonts-wqy-microhei)",
            font.display()
        )
    })
}

#[test]
fn labels_and_slips_render_with_ink_chinese_text_and_the_barcode_text() {
    let font = match prerequisites() {
        Ok(font) => font,
        Err(why) => {
            if std::env::var("ORDERHUB_REQUIRE_PRINT_TOOLS").as_deref() == Ok("1") {
                panic!("ORDERHUB_REQUIRE_PRINT_TOOLS=1 but {why}");
            }
            eprintln!("skipping the render test: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let sheets = [sheet()];
    let documents = [
        (
            "label",
            documents::labels_pdf(&sheets, PaperSize::Thermal100x150, &font).unwrap(),
        ),
        (
            "slip",
            documents::slips_pdf(&sheets, PaperSize::A4, &font).unwrap(),
        ),
        (
            "pick",
            documents::pick_list_pdf(&sheets, "JX01", PaperSize::A4, &font).unwrap(),
        ),
    ];
    for (name, pdf) in documents {
        // The font is subset: far smaller than the 5 MB collection it came from.
        assert!(pdf.len() < 400_000, "{name}: {} bytes", pdf.len());
        let path = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();

        let text = run("pdftotext", &[path.to_str().unwrap(), "-"]);
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("SH42"), "{name}: {text}");
        match name {
            "pick" => assert!(text.contains("西湖龙井"), "{name}: {text}"),
            _ => assert!(text.contains("欧阳娜娜"), "{name}: {text}"),
        }

        let prefix = dir.path().join(name);
        run(
            "pdftoppm",
            &[
                "-png",
                "-r",
                "72",
                "-singlefile",
                path.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let png = std::fs::read(prefix.with_extension("png")).unwrap();
        let dark = dark_fraction(&png);
        assert!(
            dark > 0.001 && dark < 0.5,
            "{name}: {dark} of the page is dark"
        );
    }
}

fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The share of pixels darker than mid-grey in an 8-bit PNG (grey or colour, with or without alpha).
fn dark_fraction(png: &[u8]) -> f64 {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let (channels, colours) = match info.color_type {
        png::ColorType::Grayscale => (1, 1),
        png::ColorType::GrayscaleAlpha => (2, 1),
        png::ColorType::Rgb => (3, 3),
        png::ColorType::Rgba => (4, 3),
        png::ColorType::Indexed => panic!("pdftoppm writes no palette images"),
    };
    let pixels: Vec<&[u8]> = pixels[..info.buffer_size()].chunks(channels).collect();
    let dark = pixels
        .iter()
        .filter(|it| {
            it[..colours].iter().map(|c| u32::from(*c)).sum::<u32>() < 128 * colours as u32
        })
        .count();
    dark as f64 / pixels.len() as f64
}
