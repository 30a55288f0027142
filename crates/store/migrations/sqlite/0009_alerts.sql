-- Deadline alerts (issue 6): one open alert per stage and subject (its dedup key), escalated and
-- cleared in place. Deliveries to the notifiers are outbox rows of topic `alert.notify`.

create table alerts (
    id integer primary key,
    -- `stage/subject`, e.g. `ship/shipment:42`; unique among open alerts, so work raises once.
    dedup_key text not null,
    stage text not null,
    subject text not null,
    level text not null,
    shop_id integer not null references shops (id),
    warehouse text,
    since integer not null,
    due_at integer not null,
    raised_at integer not null,
    escalated_at integer,
    cleared_at integer
);

create unique index alerts_open_key on alerts (dedup_key) where cleared_at is null;
create index alerts_raised on alerts (raised_at, id);

-- Alert deliveries are claimed apart from write-backs.
create index outbox_topic_due on outbox (topic, due_at) where delivered_at is null;
