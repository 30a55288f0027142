-- The first schema of the PostgreSQL store. Times are Unix milliseconds (bigint); money is integer minor
-- units with the order's currency; statuses are the domain's snake_case words.

create table shops (
    id bigint generated always as identity primary key,
    code text not null unique,
    channel text not null,
    name text not null
);

-- Every platform document as it arrived, so that a mapping fix can re-derive its order.
create table raw_documents (
    id bigint generated always as identity primary key,
    shop_id bigint not null references shops (id),
    external_id text not null,
    format text not null,
    received_at bigint not null,
    content_hash bigint not null,
    body bytea not null
);

create table orders (
    id bigint generated always as identity primary key,
    shop_id bigint not null references shops (id),
    external_id text not null,
    status text not null,
    -- Open hold reasons, comma-separated, and whether a cancel arrived after shipment.
    holds text not null,
    exception bigint not null,
    platform_status text not null,
    platform_state text not null,
    created_at bigint not null,
    paid_at bigint,
    updated_at bigint not null,
    ingested_at bigint not null,
    content_hash bigint not null,
    raw_document_id bigint not null references raw_documents (id),
    buyer_id text not null,
    buyer_nick text not null,
    receiver_name text not null,
    receiver_phone text not null,
    receiver_country text not null,
    province text not null,
    city text not null,
    district text not null,
    town text not null,
    detail text not null,
    zip text not null,
    area_code text not null,
    currency text not null,
    goods_minor bigint not null,
    discount_minor bigint not null,
    shipping_minor bigint not null,
    paid_minor bigint not null,
    buyer_message text not null,
    seller_memo text not null,
    flags bigint not null,
    tags text not null,
    risk_score bigint,
    -- Optimistic concurrency: every change bumps it, every write names the version it read.
    version bigint not null,
    unique (shop_id, external_id)
);

create index orders_status on orders (status, id);

create table order_lines (
    order_id bigint not null references orders (id),
    line_no bigint not null,
    platform_item_id text not null,
    platform_sku_id text not null,
    seller_sku_code text not null,
    sku text,
    title text not null,
    quantity bigint not null,
    unit_price_minor bigint not null,
    discount_minor bigint not null,
    paid_minor bigint not null,
    refund_state text not null,
    -- Units in open shipments and units shipped: planned + shipped <= quantity, always.
    planned bigint not null default 0,
    shipped bigint not null default 0,
    primary key (order_id, line_no),
    check (planned >= 0 and shipped >= 0 and planned + shipped <= quantity)
);

-- The event log: every change to an order, shipment or stock row, with who and when.
create table events (
    id bigint generated always as identity primary key,
    subject_kind text not null,
    subject_id bigint not null,
    kind text not null,
    actor text not null,
    at bigint not null,
    before text not null,
    after text not null
);

create index events_subject on events (subject_kind, subject_id, id);

create table warehouses (
    code text primary key,
    name text not null,
    kind text not null,
    area_code text not null,
    allow_oversell bigint not null
);

create table stock (
    id bigint generated always as identity primary key,
    warehouse text not null,
    sku text not null,
    on_hand bigint not null,
    reserved bigint not null,
    safety bigint not null,
    allow_oversell bigint not null,
    unique (warehouse, sku)
);

-- Append-only: receipt, reserve, release, ship, return, adjust, count.
create table stock_ledger (
    id bigint generated always as identity primary key,
    stock_id bigint not null references stock (id),
    kind text not null,
    quantity bigint not null,
    reference text not null,
    at bigint not null
);

create index stock_ledger_stock on stock_ledger (stock_id, id);

-- What is reserved for which order line from which stock row.
create table reservations (
    order_id bigint not null references orders (id),
    line_no bigint not null,
    stock_id bigint not null references stock (id),
    quantity bigint not null check (quantity >= 0),
    primary key (order_id, line_no, stock_id)
);

create table shipments (
    id bigint generated always as identity primary key,
    warehouse text not null,
    carrier text,
    status text not null,
    holder text,
    lease_until bigint,
    tracking_no text,
    version bigint not null,
    created_at bigint not null
);

create table shipment_lines (
    shipment_id bigint not null references shipments (id),
    order_id bigint not null references orders (id),
    line_no bigint not null,
    quantity bigint not null check (quantity > 0),
    primary key (shipment_id, order_id, line_no)
);

create index shipment_lines_order on shipment_lines (order_id);

-- Write-backs written in the same transaction as the change that caused them, delivered at least once.
create table outbox (
    id bigint generated always as identity primary key,
    topic text not null,
    key text not null,
    payload bytea not null,
    created_at bigint not null,
    due_at bigint not null,
    attempts bigint not null default 0,
    claimed_by text,
    claim_until bigint,
    delivered_at bigint,
    last_error text
);

create index outbox_due on outbox (due_at) where delivered_at is null;

create table sync_cursors (
    shop_id bigint not null references shops (id),
    stream text not null,
    value text not null,
    updated_at bigint not null,
    primary key (shop_id, stream)
);

-- Named leases on work (a shop's sync, a timer) so that several processes never do it twice.
create table leases (
    name text primary key,
    holder text not null,
    expires_at bigint not null
);
