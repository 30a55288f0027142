//! Deadline alerts: overdue work raises one alert however often it is checked, escalates past its
//! second deadline, and clears when the work is done; every raise and escalation queues one
//! delivery per notifier, claimed apart from the platforms' write-backs.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::{ALERT_TOPIC, AlertReport, Store, check_deadlines};
use domain::{
    Actor, AlertLevel, Deadline, DeadlinePolicy, Shipment, ShipmentEvent, Stage, Subject,
};
use test_support::TestDb;

use crate::stories::{T0, planned_shipment, ship};

const HOUR: i64 = 3_600_000;

/// Only the ship stage is watched: overdue one hour after the claim, escalated after three.
fn ship_policy() -> DeadlinePolicy {
    DeadlinePolicy {
        defaults: BTreeMap::from([(Stage::Ship, Deadline::hours(1, 3))]),
        ..DeadlinePolicy::default()
    }
}

fn notifiers() -> Vec<String> {
    vec!["ops-mail".to_owned(), "ops-dingtalk".to_owned()]
}

/// A planned shipment claimed at `T0` by `packer-a` with a day-long lease.
async fn claimed_for_a_day(store: &Arc<dyn Store>, external_id: &str) -> Shipment {
    let (_, planned) = planned_shipment(store, external_id).await;
    let event = ShipmentEvent::Claim {
        holder: "packer-a".to_owned(),
        until: T0.plus_millis(24 * HOUR),
    };
    let actor = Actor::User("packer-a".to_owned());
    store
        .apply_shipment_event(planned.id, planned.version, &event, &actor, T0)
        .await
        .unwrap()
}

fn report(raised: u32, escalated: u32, cleared: u32, deliveries: u32) -> AlertReport {
    AlertReport {
        raised,
        escalated,
        cleared,
        deliveries,
    }
}

pub(crate) async fn overdue_work_raises_once_escalates_and_clears(db: &TestDb) {
    let store = db.open().await;
    let claimed = claimed_for_a_day(&store, "LATE-1").await;
    let work = store.open_work(T0).await.unwrap();
    let ship_work: Vec<_> = work.iter().filter(|it| it.stage == Stage::Ship).collect();
    assert_eq!(ship_work.len(), 1, "{work:?}");
    assert_eq!(ship_work[0].subject, Subject::Shipment(claimed.id));
    assert_eq!(ship_work[0].since, T0);
    assert_eq!(ship_work[0].warehouse.as_ref().unwrap().as_str(), "JX01");
    assert!(work.iter().any(|it| it.stage == Stage::Promised));

    let (policy, notifiers) = (ship_policy(), notifiers());
    let check = |hours: i64| {
        let (store, policy, notifiers) = (store.clone(), policy.clone(), notifiers.clone());
        async move {
            let now = T0.plus_millis(hours * HOUR);
            check_deadlines(&*store, &policy, &notifiers, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(check(0).await, report(0, 0, 0, 0), "not due yet");
    assert_eq!(
        check(1).await,
        report(1, 0, 0, 2),
        "raised, one delivery per notifier"
    );
    assert_eq!(check(1).await, report(0, 0, 0, 0), "raised once");
    assert_eq!(check(2).await, report(0, 0, 0, 0), "raised once");
    let open = store.open_alerts().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].stage, open[0].subject, open[0].level),
        (
            Stage::Ship,
            Subject::Shipment(claimed.id),
            AlertLevel::Overdue
        )
    );
    assert_eq!(open[0].due_at, T0.plus_millis(HOUR));
    assert_eq!(open[0].raised_at, T0.plus_millis(HOUR));

    // The raise's deliveries, and none of the platforms' write-backs.
    let now = T0.plus_millis(2 * HOUR);
    let deliveries = store
        .claim_alert_deliveries("alerts-1", 10, now, 60_000)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|it| it.topic == ALERT_TOPIC));
    let payload: serde_json::Value = serde_json::from_slice(&deliveries[0].payload).unwrap();
    assert_eq!(payload["notifier"], "ops-mail");
    assert_eq!(payload["level"], "overdue");
    assert_eq!(payload["stage"], "ship");
    assert_eq!(
        payload["dedup_key"],
        format!("ship/shipment:{}#{}:overdue", claimed.id, open[0].id)
    );
    for delivery in &deliveries {
        store
            .finish_outbox(delivery.id, "alerts-1", Ok(()), now)
            .await
            .unwrap();
    }

    assert_eq!(check(3).await, report(0, 1, 0, 2), "escalated");
    assert_eq!(check(4).await, report(0, 0, 0, 0), "escalated once");
    let open = store.open_alerts().await.unwrap();
    assert_eq!(open[0].level, AlertLevel::Escalated);
    assert_eq!(open[0].escalated_at, Some(T0.plus_millis(3 * HOUR)));

    let actor = Actor::User("packer-a".to_owned());
    let at = T0.plus_millis(5 * HOUR);
    store
        .apply_shipment_event(
            claimed.id,
            claimed.version,
            &ship("packer-a", &claimed),
            &actor,
            at,
        )
        .await
        .unwrap();
    assert_eq!(check(5).await, report(0, 0, 1, 0), "cleared when shipped");
    assert_eq!(check(6).await, report(0, 0, 0, 0));
    assert!(store.open_alerts().await.unwrap().is_empty());
    let recent = store.recent_alerts(10).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].cleared_at, Some(at));
    let escalations = store
        .claim_alert_deliveries("alerts-1", 10, at, 60_000)
        .await
        .unwrap();
    let levels: Vec<String> = escalations
        .iter()
        .map(|it| {
            serde_json::from_slice::<serde_json::Value>(&it.payload).unwrap()["level"].to_string()
        })
        .collect();
    assert_eq!(levels, ["\"escalated\"", "\"escalated\""]);
}

pub(crate) async fn racing_checks_raise_once(db: &TestDb) {
    let store = db.open().await;
    claimed_for_a_day(&store, "RACE-1").await;
    let now = T0.plus_millis(2 * HOUR);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            check_deadlines(&*store, &ship_policy(), &notifiers(), now).await
        }));
    }
    let mut raised = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(report) => raised += report.raised,
            // A loser of a row-lock race may be told to retry; it raised nothing.
            Err(app::Error::Conflict(_)) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(raised, 1);
    assert_eq!(store.open_alerts().await.unwrap().len(), 1);
    let deliveries = store
        .claim_alert_deliveries("alerts-1", 10, now, 60_000)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 2, "one raise, two notifiers");
}

pub(crate) async fn stage_starts_follow_claims_give_backs_and_take_overs(db: &TestDb) {
    let store = db.open().await;
    let (order, planned) = planned_shipment(&store, "STAGES-1").await;
    let subject = Subject::Shipment(planned.id);
    let stage_of = |work: &[domain::WorkItem], stage: Stage| {
        work.iter()
            .find(|it| it.stage == stage && it.subject == subject)
            .map(|it| it.since)
    };
    let work = store.open_work(T0).await.unwrap();
    assert_eq!(
        stage_of(&work, Stage::Claim),
        Some(T0),
        "waiting since planned"
    );
    assert_eq!(stage_of(&work, Stage::Ship), None);
    // The allocated order is the shipment's work now, apart from its promise.
    let order_stages: Vec<Stage> = work
        .iter()
        .filter(|it| it.subject == Subject::Order(order))
        .map(|it| it.stage)
        .collect();
    assert_eq!(order_stages, [Stage::Promised]);

    let at = |hours: i64| T0.plus_millis(hours * HOUR);
    let mut shipment = planned;
    let steps = [
        (
            1,
            "packer-a",
            ShipmentEvent::Claim {
                holder: "packer-a".to_owned(),
                until: at(24),
            },
        ),
        (
            2,
            "packer-a",
            ShipmentEvent::GiveBack {
                holder: "packer-a".to_owned(),
            },
        ),
        (
            3,
            "packer-b",
            ShipmentEvent::Claim {
                holder: "packer-b".to_owned(),
                until: at(24),
            },
        ),
        (
            4,
            "lead",
            ShipmentEvent::TakeOver {
                holder: "lead".to_owned(),
                until: at(24),
            },
        ),
    ];
    let mut seen = Vec::new();
    for (hour, who, event) in steps {
        let actor = Actor::User(who.to_owned());
        shipment = store
            .apply_shipment_event(shipment.id, shipment.version, &event, &actor, at(hour))
            .await
            .unwrap();
        let work = store.open_work(at(hour)).await.unwrap();
        let hours = |since: Option<domain::Timestamp>| {
            since.map(|it| (it.unix_millis() - T0.unix_millis()) / HOUR)
        };
        seen.push((
            hour,
            hours(stage_of(&work, Stage::Claim)),
            hours(stage_of(&work, Stage::Ship)),
        ));
    }
    assert_eq!(
        seen,
        [
            (1, None, Some(1)),
            (2, Some(2), None),
            (3, None, Some(3)),
            (4, None, Some(4)),
        ],
        "(hour, claim stage since, ship stage since)"
    );
}
