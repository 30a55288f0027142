-- Fulfilment and after-sales: after-sale cases with their lines, and the money ledger of refunds.

-- An after-sale (售后) of one order: from the platform (its refund id) or created by hand (empty id).
create table after_sales (
    id integer primary key,
    order_id integer not null references orders (id),
    external_id text not null,
    kind text not null,
    status text not null,
    reason text not null,
    refund_minor integer not null,
    currency text not null,
    -- The order made to ship an exchange or a resend.
    replacement_order_id integer references orders (id),
    created_at integer not null,
    updated_at integer not null,
    version integer not null
);

create unique index after_sales_external on after_sales (order_id, external_id) where external_id <> '';
create index after_sales_order on after_sales (order_id);
create index after_sales_open on after_sales (status, id);

create table after_sale_lines (
    after_sale_id integer not null references after_sales (id),
    line_no integer not null,
    quantity integer not null check (quantity > 0),
    refund_minor integer not null,
    primary key (after_sale_id, line_no)
);

-- Money paid back (negative) or taken, per order: append-only, each row naming what caused it.
create table money_ledger (
    id integer primary key,
    order_id integer not null references orders (id),
    kind text not null,
    amount_minor integer not null,
    currency text not null,
    reference text not null,
    at integer not null
);

create index money_ledger_order on money_ledger (order_id, id);

-- Open shipments per warehouse, for the station's list and the lapsed-claim sweep.
create index shipments_open on shipments (status, warehouse, id);

-- A tracking number is printed on one parcel: the ship scan looks it up to refuse a repeat.
create index shipments_tracking on shipments (tracking_no) where tracking_no is not null;
