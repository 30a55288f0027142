-- Our SKUs (plain or combo), their components, and each shop's keys (platform SKU id or seller code)
-- mapped to them. A line whose key maps to nothing keeps `sku` null and holds its order.

create table skus (
    code text primary key,
    name text not null
);

-- A combo (kit) is its components: `quantity` units of `component` per unit of `combo`.
create table sku_components (
    combo text not null references skus (code),
    component text not null references skus (code),
    quantity bigint not null check (quantity > 0),
    primary key (combo, component)
);

-- `key_kind` is `platform_sku_id` or `seller_code`.
create table shop_skus (
    shop_id bigint not null references shops (id),
    key_kind text not null,
    key text not null,
    sku text not null references skus (code),
    primary key (shop_id, key_kind, key)
);

create index order_lines_unknown on order_lines (order_id) where sku is null;
