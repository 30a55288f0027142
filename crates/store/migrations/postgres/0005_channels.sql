-- Channels: push messages already accepted (a platform that delivers a message twice triggers one
-- fetch), and the index that keeps one stock push waiting per SKU.
create table push_events (
    shop_id bigint not null references shops (id),
    event_id text not null,
    received_at bigint not null,
    primary key (shop_id, event_id)
);

-- One waiting stock push per SKU: the check before queueing another looks here.
create index outbox_pending_key on outbox (topic, key) where delivered_at is null;
