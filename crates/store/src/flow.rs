//! The dashboard's flow figures in SQL, one text for both backends (`$1` is the period's start, in
//! Unix milliseconds): each stage's completions from the event log with how long each took,
//! ranked per stage by window functions so that the median and p90 are picked in the database, and
//! the orders' arrivals (`ingest:insert` events) per hour.

use app::{Error, FlowFigures, Result, StageTimes};
use domain::{Stage, Timestamp};

const HOUR: i64 = 3_600_000;

/// Per stage completed since `$1`: the stage, how many, the median and the p90 (nearest rank).
pub(crate) const STAGE_TIMES: &str = "\
with done as ( \
 select cast('allocate' as text) as stage, e.at - o.paid_at as millis \
  from events e join orders o on o.id = e.subject_id \
  where e.subject_kind = 'order' and e.kind = 'allocate' and e.at >= $1 and o.paid_at is not null \
 union all \
 select cast('promised' as text), e.at - o.paid_at \
  from events e join orders o on o.id = e.subject_id \
  where e.subject_kind = 'order' and e.kind = 'ship_all' and e.at >= $1 and o.paid_at is not null \
 union all \
 select cast('claim' as text), e.at - coalesce((select max(g.at) from events g \
  where g.subject_kind = 'shipment' and g.subject_id = e.subject_id \
  and g.kind in ('give_back', 'expire_claim') and g.id < e.id), s.created_at) \
  from events e join shipments s on s.id = e.subject_id \
  where e.subject_kind = 'shipment' and e.kind = 'claim' and e.at >= $1 \
 union all \
 select cast('ship' as text), e.at - coalesce((select max(c.at) from events c \
  where c.subject_kind = 'shipment' and c.subject_id = e.subject_id \
  and c.kind in ('claim', 'take_over') and c.id < e.id), s.created_at) \
  from events e join shipments s on s.id = e.subject_id \
  where e.subject_kind = 'shipment' and e.kind = 'ship' and e.at >= $1 \
), ranked as ( \
 select stage, millis, \
  row_number() over (partition by stage order by millis) as rn, \
  count(*) over (partition by stage) as n \
 from done \
) \
select stage, n, min(case when rn * 2 >= n then millis end), \
 min(case when rn * 10 >= n * 9 then millis end) \
from ranked group by stage, n order by stage";

/// Orders that arrived since `$1`, per hour: the hour's number since the epoch and how many.
pub(crate) const ARRIVALS: &str = "\
select e.at / 3600000, count(*) from events e \
 where e.subject_kind = 'order' and e.kind = 'ingest:insert' and e.at >= $1 \
 group by e.at / 3600000 order by 1";

/// The figures from the two queries' rows.
pub(crate) fn figures(
    stages: Vec<(String, i64, i64, i64)>,
    arrivals: Vec<(i64, i64)>,
) -> Result<FlowFigures> {
    let stages = stages
        .into_iter()
        .map(|(stage, completed, median, p90)| {
            let stage = Stage::parse(&stage)
                .ok_or_else(|| Error::Storage(format!("unknown stage {stage:?}")))?;
            Ok(StageTimes {
                stage,
                completed: completed as u64,
                median_millis: median,
                p90_millis: p90,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let arrivals = arrivals
        .into_iter()
        .map(|(hour, n)| (Timestamp::from_unix_millis(hour * HOUR), n as u64))
        .collect();
    Ok(FlowFigures { stages, arrivals })
}
