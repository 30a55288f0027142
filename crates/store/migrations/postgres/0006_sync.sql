-- Sync: documents of the streams that are not orders (after-sales), kept once per content: the raw
-- document and which (shop, stream, platform id, content) it was.
create table stream_documents (
    shop_id bigint not null references shops (id),
    stream text not null,
    external_id text not null,
    content_hash bigint not null,
    raw_document_id bigint not null references raw_documents (id),
    primary key (shop_id, stream, external_id, content_hash)
);

-- How each shop's streams last went: a shop whose pull fails is marked here (and reported) while the
-- others go on; the console shows it.
create table shop_sync (
    shop_id bigint not null references shops (id),
    stream text not null,
    ok bigint not null,
    last_error text not null,
    at bigint not null,
    primary key (shop_id, stream)
);
