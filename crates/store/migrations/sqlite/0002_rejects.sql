-- Documents and import rows that could not become orders, kept with their raw content, the field and the
-- reason, so that they can be listed and re-processed after a mapping fix. Times are Unix milliseconds.

create table rejects (
    id integer primary key,
    shop_id integer not null references shops (id),
    -- Where it came from (`api:taobao`, `csv:orders.csv#row 12`), the platform order id when known
    -- (else empty) and the mapping that failed (`taobao@1`).
    source text not null,
    external_ref text not null,
    format text not null,
    -- The 64-bit hash of `raw`, stored as signed: what makes a repeat the same reject.
    content_hash integer not null,
    raw blob not null,
    -- The field and reason of the latest attempt.
    field text not null,
    reason text not null,
    first_seen integer not null,
    last_seen integer not null,
    attempts integer not null default 1,
    resolved_at integer
);

-- The same content of a shop and format is kept once while open; after it is resolved, a new rejection
-- of it opens a new reject.
create unique index rejects_open on rejects (shop_id, format, content_hash) where resolved_at is null;
