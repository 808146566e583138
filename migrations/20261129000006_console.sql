-- The web console: sessions (a signed-in ops token), and the indexes its lists page by.
CREATE TABLE console_sessions (
    -- SHA-256 of the cookie's value; the value itself is never stored.
    id_hash    TEXT PRIMARY KEY,
    token_name TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

-- Keyset paging of the console's lists (newest first by id) under each filter.
CREATE INDEX orders_tenant_id_idx ON orders (tenant, id);
CREATE INDEX orders_status_id_idx ON orders (status, id);
CREATE INDEX orders_code_idx ON orders (order_code);
CREATE INDEX orders_created_idx ON orders (created_at);
CREATE INDEX api_requests_created_idx ON api_requests (created_at);
CREATE INDEX push_outbox_tenant_status_idx ON push_outbox (tenant, status, id);
CREATE INDEX inventory_balances_tenant_id_idx ON inventory_balances (tenant, id);
