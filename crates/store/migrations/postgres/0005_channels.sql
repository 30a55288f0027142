-- Channels: push messages already accepted (a platform that delivers a message twice triggers one
-- fetch), the index that keeps one stock push waiting per SKU, and shops' sealed credentials.
create table push_events (
    shop_id bigint not null references shops (id),
    event_id text not null,
    received_at bigint not null,
    primary key (shop_id, event_id)
);

-- One waiting stock push per SKU: the check before queueing another looks here.
create index outbox_pending_key on outbox (topic, key) where delivered_at is null;

-- A shop's credentials (app secret, session, refresh token), sealed by the binary with the key it is
-- given (AES-256-GCM): never stored in plain text.
create table shop_secrets (
    shop_id bigint not null references shops (id),
    name text not null,
    sealed bytea not null,
    updated_at bigint not null,
    primary key (shop_id, name)
);

-- The platform's own id of an order line (Taobao `oid`, Douyin sub-order id, Shopify line item id),
-- named when a split shipment is confirmed line by line; empty when the platform has none.
alter table order_lines add column platform_line_id text not null default '';
