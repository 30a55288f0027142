-- Push messages already accepted, by the platform's event id: a platform that delivers a message
-- twice triggers one fetch.
create table push_events (
    shop_id integer not null references shops (id),
    event_id text not null,
    received_at integer not null,
    primary key (shop_id, event_id)
) without rowid;
