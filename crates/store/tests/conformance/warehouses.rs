//! Warehouse stories: every warehouse put is listed once by code, with what it was last put with.

use domain::{Warehouse, WarehouseCode, WarehouseKind};
use test_support::TestDb;

fn warehouse(code: &str, name: &str, kind: WarehouseKind, oversell: bool) -> Warehouse {
    Warehouse {
        code: WarehouseCode::new(code).unwrap(),
        name: name.to_owned(),
        kind,
        area_code: "330402".to_owned(),
        allow_oversell: oversell,
    }
}

pub(crate) async fn warehouses_are_listed_as_last_put(db: &TestDb) {
    let store = db.open().await;
    assert_eq!(store.warehouses().await.unwrap(), Vec::new());
    let jiaxing = warehouse("JX01", "嘉兴仓", WarehouseKind::Own, false);
    let bonded = warehouse("BS01", "保税仓", WarehouseKind::ThirdParty, true);
    store.put_warehouse(&jiaxing).await.unwrap();
    store.put_warehouse(&bonded).await.unwrap();
    let renamed = warehouse("JX01", "嘉兴一号仓", WarehouseKind::Own, true);
    store.put_warehouse(&renamed).await.unwrap();
    assert_eq!(store.warehouses().await.unwrap(), vec![bonded, renamed]);
}
