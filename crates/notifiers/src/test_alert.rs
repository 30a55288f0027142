//! The fixed alert and time every notifier's snapshot is taken with.

use crate::{Alert, Severity, Timestamp};

/// An escalated overdue-shipment alert with Chinese text, a list and a link.
pub(crate) fn alert() -> Alert {
    Alert {
        title: "发货超时: 3 个包裹".to_owned(),
        body: "**华东仓** 已认领未发货超过 4 小时。\n- SH-1001\n- SH-1002\n- SH-1003".to_owned(),
        severity: Severity::Critical,
        link: "https://hub.example.cn/shipments?overdue=claimed".to_owned(),
        dedup_key: "overdue:claimed:warehouse-7:2025-07-01".to_owned(),
    }
}

/// 2025-07-01 01:30:00.250 UTC (09:30:00.250 in Beijing).
pub(crate) fn at() -> Timestamp {
    Timestamp::from_unix_millis(1_751_333_400_250)
}
