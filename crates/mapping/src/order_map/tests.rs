//! Every document under `test_data/documents/<format>/` mapped with its built-in mapping, compared
//! with the `.mapped` snapshot beside it (`UPDATE_EXPECT=1` rewrites them); plus mapping validation.

use std::path::Path;

use domain::ShopId;
use expect_test::expect_file;
use proptest::prelude::*;

use crate::divisions::Divisions;
use crate::order_map::{BUILTIN, MapContext, OrderMapping, builtin};
use crate::render::standard_order_json;

fn context() -> MapContext<'static> {
    MapContext {
        shop: ShopId(1),
        default_country: "CN",
        divisions: Divisions::official(),
    }
}

#[test]
fn documents_map_to_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/documents");
    let mut seen = 0;
    for (format, _) in BUILTIN {
        let mapping = OrderMapping::from_toml(builtin(format).unwrap()).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(root.join(format))
            .unwrap()
            .map(|it| it.unwrap().path())
            .filter(|it| it.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let actual = match mapping.map(&bytes, &context()) {
                Ok(mapped) => {
                    serde_json::to_string_pretty(&standard_order_json(&mapped, 480)).unwrap() + "\n"
                }
                Err(reject) => format!("REJECT {reject}\n"),
            };
            expect_file![file.with_extension("mapped")].assert_eq(&actual);
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} documents");
}

#[test]
fn mappings_are_validated_with_the_field_named() {
    let base = builtin("taobao").unwrap();
    let err = OrderMapping::with_overrides(base, "[order]\nreceiver_nmae = \"x\"\n").unwrap_err();
    assert_eq!(err.field, "receiver_nmae");
    let err =
        OrderMapping::with_overrides(base, "[status]\nWAIT_BUYER_PAY = \"waiting\"\n").unwrap_err();
    assert_eq!(err.field, "status.WAIT_BUYER_PAY");
    let err = OrderMapping::with_overrides(
        base,
        "[order]\nbuyer_message = { path = \"a\", regex = \"(\" }\n",
    )
    .unwrap_err();
    assert_eq!(err.field, "buyer_message");
    assert!(err.reason.starts_with("bad regex"), "{err}");
    let err = OrderMapping::from_toml("format = 1").unwrap_err();
    assert_eq!(err.field, "mapping");
}

#[test]
fn a_shop_overrides_one_field() {
    // This shop keeps its own item code in the seller memo: `货号:ABC-1`.
    let mapping = OrderMapping::with_overrides(builtin("taobao").unwrap(), "[order]\nseller_memo = { path = \"seller_memo\", regex = \"货号:(\\\\S+)\", case = \"lower\" }\n").unwrap();
    let doc = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/documents/taobao/paid_one_line.json"),
    )
    .unwrap();
    let text = String::from_utf8(doc).unwrap().replace(
        "\"seller_memo\": \"\"",
        "\"seller_memo\": \"备注 货号:ABC-1 加急\"",
    );
    let mapped = mapping.map(text.as_bytes(), &context()).unwrap();
    assert_eq!(mapped.order.seller_memo, "abc-1");
    assert_eq!(
        mapped.order.external_id.as_str(),
        "3456789012345678901",
        "ids never pass through a float"
    );
}

/// Every built-in mapping and profile, for the property test.
fn all_mappings() -> Vec<OrderMapping> {
    let apis = BUILTIN.iter().map(|(_, text)| *text);
    let profiles = crate::rows::PROFILES.iter().map(|(_, _, text)| *text);
    apis.chain(profiles)
        .map(|text| OrderMapping::from_toml(text).unwrap())
        .collect()
}

proptest! {
    /// No document crashes any mapping: it maps or is rejected with a field and a reason.
    #[test]
    fn any_document_maps_or_is_rejected(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        json in "\\{\"trade\": \\{\"tid\": \"[0-9]{1,20}\", \"status\": \"[A-Z_]{0,30}\", \"payment\": \"[0-9.\\-e]{0,8}\", \"orders\": \\{\"order\": \\[\\{\"num\": [0-9]{1,3}\\}\\]\\}\\}\\}",
        values in proptest::collection::vec("[0-9A-Za-z.:\\- 省市区]{0,12}", 6),
    ) {
        // A document whose every field the mappings read holds an arbitrary value.
        let mut fields = serde_json::Map::new();
        for (i, key) in ["order_id", "order_sn", "orderId", "tid_str", "id", "status", "order_status", "orderState", "created", "create_time", "created_time", "created_at", "modified", "update_time", "updated_at", "payment", "pay_amount", "total_price"].iter().enumerate() {
            fields.insert((*key).to_owned(), serde_json::Value::String(values[i % values.len()].clone()));
        }
        let line = serde_json::json!({"num": values[0], "item_num": values[1], "goods_count": values[2], "quantity": values[3], "itemTotal": values[4], "price": values[5]});
        for key in ["orders", "sku_order_list", "item_list", "line_items", "itemInfoList", "lines"] {
            fields.insert(key.to_owned(), serde_json::json!([line.clone()]));
        }
        let shaped = serde_json::to_vec(&serde_json::Value::Object(fields)).unwrap();
        for mapping in all_mappings() {
            for input in [bytes.as_slice(), json.as_bytes(), shaped.as_slice()] {
                if let Err(reject) = mapping.map(input, &context()) {
                    prop_assert!(!reject.field.is_empty() && !reject.reason.is_empty());
                }
            }
        }
    }
}

/// Every export under `test_data/csv/<profile>/` read as it streams, grouped into orders and mapped with
/// its profile; one line per order (or reject) in the `.mapped` snapshot beside it.
#[test]
fn exports_map_to_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/csv");
    for (profile, key, text) in crate::rows::PROFILES {
        let mapping =
            OrderMapping::from_toml(text).unwrap_or_else(|err| panic!("profile {profile}: {err}"));
        let mut files: Vec<_> = std::fs::read_dir(root.join(profile))
            .unwrap()
            .map(|it| it.unwrap().path())
            .filter(|it| it.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no fixture for profile {profile}");
        for file in files {
            let reader =
                crate::rows::ExportReader::new(std::fs::File::open(&file).unwrap(), key).unwrap();
            let mut out = format!("encoding {}\n", reader.encoding.name());
            for item in reader {
                let line = match item {
                    Err(err) => format!("REJECT row {} {}: {}", err.row, err.column, err.reason),
                    Ok(doc) => match mapping.map(&doc.body, &context()) {
                        Ok(mapped) => {
                            serde_json::to_string(&standard_order_json(&mapped, 480)).unwrap()
                        }
                        Err(reject) => format!(
                            "REJECT rows {}-{} order {}: {reject}",
                            doc.rows.0, doc.rows.1, doc.external_ref
                        ),
                    },
                };
                out.push_str(&line);
                out.push('\n');
            }
            expect_file![file.with_extension("mapped")].assert_eq(&out);
        }
    }
}

/// xlsx exports: numbers typed as numbers, real date cells, and an id Excel already rounded.
#[test]
fn xlsx_exports_map_to_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/xlsx");
    let (_, key, text) = crate::rows::PROFILES
        .iter()
        .find(|it| it.0 == "jd")
        .unwrap();
    let mapping = OrderMapping::from_toml(text).unwrap();
    let file = root.join("jd/numbers_and_dates.xlsx");
    let mut out = String::new();
    for item in crate::rows::xlsx_documents(std::fs::File::open(&file).unwrap(), key).unwrap() {
        let line = match item {
            Err(err) => format!("REJECT row {} {}: {}", err.row, err.column, err.reason),
            Ok(doc) => match mapping.map(&doc.body, &context()) {
                Ok(mapped) => serde_json::to_string(&standard_order_json(&mapped, 480)).unwrap(),
                Err(reject) => format!(
                    "REJECT rows {}-{} order {}: {reject}",
                    doc.rows.0, doc.rows.1, doc.external_ref
                ),
            },
        };
        out.push_str(&line);
        out.push('\n');
    }
    expect_file![file.with_extension("mapped")].assert_eq(&out);
}
