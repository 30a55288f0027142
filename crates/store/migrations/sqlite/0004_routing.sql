-- Routing: what routing knows of our SKUs, every decision with the inputs it saw (so a replay sees
-- them too), the versioned rule sets, merge keys on shipments, and notes on events (why a person
-- released a hold).

alter table skus add column category text not null default '';
alter table skus add column weight_grams integer not null default 0;
alter table skus add column bonded integer not null default 0;
alter table skus add column presale integer not null default 0;

create table decisions (
    id integer primary key,
    order_id integer not null references orders (id),
    -- The rule set's version (0: rules not stored).
    rule_set integer not null,
    at integer not null,
    -- The seller's local time: minutes after midnight and ISO weekday.
    local_minute integer not null,
    weekday integer not null,
    -- Hold reasons a person had released, comma-separated.
    waived text not null,
    -- Warehouses at their daily capacity, comma-separated.
    at_capacity text not null,
    -- The stock snapshot of the order's SKUs, `WAREHOUSE:SKU=N;…`.
    stock text not null,
    -- `Decision::encode`, and its explanation for people.
    outcome text not null,
    explanation text not null
);

create index decisions_order on decisions (order_id, id);
create index decisions_at on decisions (at, id);

create table rule_sets (
    version integer primary key,
    body text not null,
    actor text not null,
    created_at integer not null
);

-- Orders of one buyer and address may join an allocated shipment with the same key.
alter table shipments add column merge_key text;
create index shipments_merge on shipments (merge_key, warehouse) where status = 'allocated';
-- Today's load per warehouse, for daily capacities.
create index shipments_created on shipments (created_at);

alter table events add column note text not null default '';
