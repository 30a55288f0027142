//! The conformance suite: the same stories against every store. SQLite always runs; PostgreSQL runs
//! against the server named by `ORDERHUB_TEST_POSTGRES_URL` (set by `cargo xtask test`), each test in a
//! database of its own that is dropped afterwards.

mod access;
mod alerts;
mod crash;
mod dashboard;
mod fulfilment;
mod routing;
mod stories;
mod warehouses;

/// Declares each story once per backend.
macro_rules! conformance {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $story() {
                    let db = test_support::TestDb::sqlite();
                    crate::stories::$story(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $story() {
                    let Some(db) = test_support::TestDb::postgres().await else {
                        eprintln!("{} is unset: PostgreSQL stories not run", test_support::POSTGRES_URL_VAR);
                        return;
                    };
                    crate::stories::$story(&db).await;
                }
            )*
        }
    };
}

conformance!(
    users_sessions_and_tokens,
    a_station_ships_by_scans_and_refuses_wrong_ones,
    a_batch_claim_skips_what_others_hold_and_lapsed_claims_expire,
    ingest_is_idempotent_and_never_goes_back,
    repeats_within_a_batch,
    unknown_skus_hold_and_release,
    unresolved_addresses_hold_until_fixed,
    remap_rederives_from_kept_documents,
    raw_documents_are_kept,
    search_finds_orders,
    order_events_use_optimistic_concurrency,
    replaying_the_event_log_rebuilds_status,
    platform_cancel_releases_stock,
    reservations_never_oversell,
    shipping_consumes_and_confirms_once,
    concurrent_ship_exactly_one_wins,
    a_line_is_never_planned_twice,
    outbox_delivers_at_least_once,
    leases_expire,
    cursors_move_with_their_batch,
    rejects_are_kept_listed_and_resolved,
    survives_kill_9,
    routing_reserves_exactly_and_records_why,
    out_of_stock_holds_until_stock_arrives,
    merged_orders_share_a_shipment_and_part_on_cancel,
    a_released_hold_is_not_held_again,
    rule_sets_are_versioned,
    a_changed_or_refunded_order_is_routed_again,
    a_full_warehouse_passes_work_on,
    a_push_is_accepted_once,
    sealed_secrets_are_kept_per_shop,
    after_sale_documents_are_kept_once_with_their_cursor,
    a_failing_shop_is_marked,
    one_of_two_holders_claims_a_shipment,
    a_lapsed_claim_is_released,
    a_refund_intercepts_a_claimed_shipment,
    a_scan_racing_a_refund_never_does_both,
    a_platform_refund_intercepts_lines_being_packed,
    a_return_restocks_or_writes_off_and_refunds,
    a_resend_ships_through_a_replacement_order,
    overdue_work_raises_once_escalates_and_clears,
    racing_checks_raise_once,
    stage_starts_follow_claims_give_backs_and_take_overs,
    flow_figures_follow_the_event_log,
    warehouses_are_listed_as_last_put,
);
