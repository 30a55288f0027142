-- People who sign in, their browser sessions and their API tokens. Passwords, session keys and
-- tokens are kept only as hashes.

create table users (
    id bigserial primary key,
    login text not null unique,
    name text not null,
    role text not null,
    -- A warehouse user's warehouses, comma separated.
    warehouses text not null default '',
    password_hash text not null,
    disabled boolean not null default false,
    created_at bigint not null
);

create table sessions (
    key_hash text primary key,
    user_id bigint not null references users (id),
    csrf text not null,
    expires_at bigint not null,
    created_at bigint not null
);

create index sessions_user on sessions (user_id);

create table api_tokens (
    id bigserial primary key,
    user_id bigint not null references users (id),
    name text not null,
    token_hash text not null unique,
    -- Permissions the token is narrowed to, space separated; empty: all its user's role grants.
    scopes text not null default '',
    created_at bigint not null,
    revoked_at bigint
);

create index api_tokens_user on api_tokens (user_id, id);
