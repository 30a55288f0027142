-- The first schema of the embedded store. Times are Unix milliseconds (integer); money is integer minor
-- units with the order's currency; statuses are the domain's snake_case words.

create table shops (
    id integer primary key,
    code text not null unique,
    channel text not null,
    name text not null
);

-- Every platform document as it arrived, so that a mapping fix can re-derive its order.
create table raw_documents (
    id integer primary key,
    shop_id integer not null references shops (id),
    external_id text not null,
    format text not null,
    received_at integer not null,
    content_hash integer not null,
    body blob not null
);

create table orders (
    id integer primary key,
    shop_id integer not null references shops (id),
    external_id text not null,
    status text not null,
    -- Open hold reasons, comma-separated, and whether a cancel arrived after shipment.
    holds text not null,
    exception integer not null,
    platform_status text not null,
    platform_state text not null,
    created_at integer not null,
    paid_at integer,
    updated_at integer not null,
    ingested_at integer not null,
    content_hash integer not null,
    raw_document_id integer not null references raw_documents (id),
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
    goods_minor integer not null,
    discount_minor integer not null,
    shipping_minor integer not null,
    paid_minor integer not null,
    buyer_message text not null,
    seller_memo text not null,
    flags integer not null,
    tags text not null,
    risk_score integer,
    -- Optimistic concurrency: every change bumps it, every write names the version it read.
    version integer not null,
    unique (shop_id, external_id)
);

create index orders_status on orders (status, id);

create table order_lines (
    order_id integer not null references orders (id),
    line_no integer not null,
    platform_item_id text not null,
    platform_sku_id text not null,
    seller_sku_code text not null,
    sku text,
    title text not null,
    quantity integer not null,
    unit_price_minor integer not null,
    discount_minor integer not null,
    paid_minor integer not null,
    refund_state text not null,
    -- Units in open shipments and units shipped: planned + shipped <= quantity, always.
    planned integer not null default 0,
    shipped integer not null default 0,
    primary key (order_id, line_no),
    check (planned >= 0 and shipped >= 0 and planned + shipped <= quantity)
) without rowid;

-- The event log: every change to an order, shipment or stock row, with who and when.
create table events (
    id integer primary key,
    subject_kind text not null,
    subject_id integer not null,
    kind text not null,
    actor text not null,
    at integer not null,
    before text not null,
    after text not null
);

create index events_subject on events (subject_kind, subject_id, id);

create table warehouses (
    code text primary key,
    name text not null,
    kind text not null,
    area_code text not null,
    allow_oversell integer not null
);

create table stock (
    id integer primary key,
    warehouse text not null,
    sku text not null,
    on_hand integer not null,
    reserved integer not null,
    safety integer not null,
    allow_oversell integer not null,
    unique (warehouse, sku)
);

-- Append-only: receipt, reserve, release, ship, return, adjust, count.
create table stock_ledger (
    id integer primary key,
    stock_id integer not null references stock (id),
    kind text not null,
    quantity integer not null,
    reference text not null,
    at integer not null
);

create index stock_ledger_stock on stock_ledger (stock_id, id);

-- What is reserved for which order line from which stock row.
create table reservations (
    order_id integer not null references orders (id),
    line_no integer not null,
    stock_id integer not null references stock (id),
    quantity integer not null check (quantity >= 0),
    primary key (order_id, line_no, stock_id)
) without rowid;

create table shipments (
    id integer primary key,
    warehouse text not null,
    carrier text,
    status text not null,
    holder text,
    lease_until integer,
    tracking_no text,
    version integer not null,
    created_at integer not null
);

create table shipment_lines (
    shipment_id integer not null references shipments (id),
    order_id integer not null references orders (id),
    line_no integer not null,
    quantity integer not null check (quantity > 0),
    primary key (shipment_id, order_id, line_no)
) without rowid;

create index shipment_lines_order on shipment_lines (order_id);

-- Write-backs written in the same transaction as the change that caused them, delivered at least once.
create table outbox (
    id integer primary key,
    topic text not null,
    key text not null,
    payload blob not null,
    created_at integer not null,
    due_at integer not null,
    attempts integer not null default 0,
    claimed_by text,
    claim_until integer,
    delivered_at integer,
    last_error text
);

create index outbox_due on outbox (due_at) where delivered_at is null;

create table sync_cursors (
    shop_id integer not null references shops (id),
    stream text not null,
    value text not null,
    updated_at integer not null,
    primary key (shop_id, stream)
);

-- Named leases on work (a shop's sync, a timer) so that several processes never do it twice.
create table leases (
    name text primary key,
    holder text not null,
    expires_at integer not null
);
