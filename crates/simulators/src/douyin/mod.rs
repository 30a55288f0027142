//! Douyin Shop (抖店): a simulated doudian open platform (being built).
