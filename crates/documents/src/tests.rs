//! Tests of the documents: aggregation, escaping, barcodes, and the HTML of a small fixture as
//! snapshots (`UPDATE_EXPECT=1` rewrites them; open the `.html` files in a browser to look).

use domain::ShipmentId;
use expect_test::{expect, expect_file};

use crate::{
    Contact, Decrypt, KeepMasked, PaperSize, ParcelSheet, Receiver, SheetLine, code128_bars,
    for_print, labels_html, pick_list, pick_list_html, qr_modules, slips_html,
};

fn line(sku: &str, title: &str, quantity: u32, bin: Option<&str>) -> SheetLine {
    SheetLine {
        sku: sku.to_owned(),
        title: title.to_owned(),
        quantity,
        bin: bin.map(str::to_owned),
    }
}

fn fixture() -> Vec<ParcelSheet> {
    vec![
        ParcelSheet {
            shipment: ShipmentId(7),
            barcode: "SH7".to_owned(),
            shop: "天猫旗舰店".to_owned(),
            platform_orders: vec!["4093281234567890123".to_owned()],
            carrier: Some("顺丰速运".to_owned()),
            tracking: Some("SF1234567890123".to_owned()),
            receiver: Receiver::Shown(Contact {
                name: "张<伟> & \"小明\"".to_owned(),
                phone: "13800001234".to_owned(),
                address: "浙江省 杭州市 西湖区 文三路123号".to_owned(),
            }),
            lines: vec![
                line("TEA-LJ-250", "西湖龙井 250g 礼盒", 2, Some("A-01-02")),
                line("CUP-GL-01", "双层玻璃杯 350ml", 1, None),
            ],
        },
        ParcelSheet {
            shipment: ShipmentId(8),
            barcode: "SH8".to_owned(),
            shop: "抖音小店".to_owned(),
            platform_orders: vec!["6920000000000001".to_owned(), "6920000000000002".to_owned()],
            carrier: None,
            tracking: None,
            receiver: Receiver::Masked(Contact {
                name: "李**".to_owned(),
                phone: "138****5678".to_owned(),
                address: "广东省 广州市 天河区 ****".to_owned(),
            }),
            lines: vec![
                line("TEA-LJ-250", "西湖龙井 250g 礼盒", 3, Some("A-01-02")),
                line("TEA-LJ-250", "西湖龙井 250g 礼盒", 1, Some("B-02-01")),
                line("AAA-1", "Sample <b>", 1, Some("B-02-01")),
            ],
        },
    ]
}

#[test]
fn the_pick_list_sums_by_bin_and_sku_in_walking_order() {
    let list = pick_list(&fixture());
    let rows: Vec<String> = list
        .rows
        .iter()
        .map(|it| {
            format!(
                "{} {} ×{} in {} parcels",
                it.bin.as_deref().unwrap_or("-"),
                it.sku,
                it.quantity,
                it.shipments
            )
        })
        .collect();
    expect![[r#"
        A-01-02 TEA-LJ-250 ×5 in 2 parcels
        B-02-01 AAA-1 ×1 in 1 parcels
        B-02-01 TEA-LJ-250 ×1 in 1 parcels
        - CUP-GL-01 ×1 in 1 parcels"#]]
    .assert_eq(&rows.join("\n"));
    assert_eq!(list.total_units, 8);
    assert_eq!(list.shipments, ["SH7", "SH8"]);
}

#[test]
fn a_line_twice_in_one_parcel_counts_the_parcel_once() {
    let mut sheets = fixture();
    sheets[0]
        .lines
        .push(line("TEA-LJ-250", "x", 1, Some("A-01-02")));
    let list = pick_list(&sheets);
    assert_eq!(list.rows[0].quantity, 6);
    assert_eq!(list.rows[0].shipments, 2);
}

#[test]
fn nothing_to_pick_is_an_empty_list() {
    let list = pick_list(&[]);
    assert!(list.rows.is_empty());
    assert_eq!(list.total_units, 0);
}

#[test]
fn names_are_escaped() {
    let html = slips_html(&fixture(), PaperSize::A4).unwrap();
    assert!(
        html.contains("张&lt;伟&gt; &amp; &quot;小明&quot;"),
        "{html}"
    );
    assert!(!html.contains("<b>"));
    assert!(!html.contains("<伟>"));
}

#[test]
fn the_paper_size_is_the_page_rule() {
    let a4 = labels_html(&fixture(), PaperSize::A4).unwrap();
    let thermal = labels_html(&fixture(), PaperSize::Thermal100x150).unwrap();
    assert!(a4.contains("@page { size: 210mm 297mm;"));
    assert!(thermal.contains("@page { size: 100mm 150mm;"));
    // Self-contained: nothing is fetched when printing.
    for html in [a4, thermal] {
        assert!(!html.contains("src="));
        assert!(!html.contains("href="));
        assert!(!html.contains("<?xml"));
        assert_eq!(html.matches("<svg class=\"barcode\"").count(), 2);
        assert_eq!(html.matches("<svg class=\"qr\"").count(), 2);
    }
}

#[test]
fn code_128_has_start_check_and_stop() {
    // Each character is 11 modules; the stop pattern 13: start, S, H, 7, check, stop.
    let bars = code128_bars("SH7").unwrap();
    assert_eq!(bars.len(), 11 * 5 + 13);
    // Start B is 11010010000; the stop ends in two bars.
    assert_eq!(bars[..11], [1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(bars[bars.len() - 2..], [1, 1]);
    assert!(code128_bars("SH七").is_err());
    assert!(code128_bars("").is_err());
}

#[test]
fn qr_codes_are_square_grids() {
    let (width, modules) = qr_modules("SH7").unwrap();
    assert_eq!(width, 21);
    assert_eq!(modules.len(), 21 * 21);
    // The finder pattern's corner module is dark.
    assert!(modules[0]);
}

#[test]
fn masked_receivers_stay_masked_without_a_decryption() {
    let (sheets, notes) = for_print(fixture(), &KeepMasked);
    assert!(sheets[1].receiver.is_masked());
    expect![[r#"
        [
            "shipment SH8: receiver printed masked: masked on the platform; decrypt with the shop's connector",
        ]
    "#]]
    .assert_debug_eq(&notes);
    let html = slips_html(&sheets, PaperSize::A4).unwrap();
    assert!(html.contains("李** 138****5678 <span class=\"masked\">"));
}

#[test]
fn a_decryption_prints_plain_text() {
    struct Connector;
    impl Decrypt for Connector {
        fn decrypt(&self, sheet: &ParcelSheet) -> Result<Contact, String> {
            assert_eq!(sheet.barcode, "SH8");
            Ok(Contact {
                name: "李雷".to_owned(),
                phone: "13812345678".to_owned(),
                address: "广东省 广州市 天河区 体育西路1号".to_owned(),
            })
        }
    }
    let (sheets, notes) = for_print(fixture(), &Connector);
    assert!(notes.is_empty());
    assert_eq!(sheets[1].receiver.contact().name, "李雷");
    assert!(!sheets[1].receiver.is_masked());
    // Shown receivers are never sent to the decryption.
    assert_eq!(sheets[0].receiver, fixture()[0].receiver);
}

#[test]
fn html_snapshots() {
    let sheets = fixture();
    for paper in PaperSize::ALL {
        let pick = pick_list_html(&sheets, "JX01 嘉兴仓", paper);
        let slips = slips_html(&sheets, paper).unwrap();
        let labels = labels_html(&sheets, paper).unwrap();
        match paper {
            PaperSize::A4 => {
                expect_file!["../test_data/pick_list_a4.html"].assert_eq(&pick);
                expect_file!["../test_data/slips_a4.html"].assert_eq(&slips);
                expect_file!["../test_data/labels_a4.html"].assert_eq(&labels);
            }
            PaperSize::Thermal100x150 => {
                expect_file!["../test_data/pick_list_thermal.html"].assert_eq(&pick);
                expect_file!["../test_data/slips_thermal.html"].assert_eq(&slips);
                expect_file!["../test_data/labels_thermal.html"].assert_eq(&labels);
            }
        }
    }
}
