-- The sandbox simulator's work list, kept cheap however much real data there is (#22): new
-- orders of sandbox tenants are enlisted by a per-tenant cursor over `orders (tenant, id)`,
-- and only the orders not finished are read each step. (The first version read the work list
-- from `orders` joined to `tenants` and took seconds per step on a database with real history.)
CREATE TABLE sandbox_cursors (
    tenant         TEXT PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
    last_order_id  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sandbox_progress_open_idx ON sandbox_progress (order_id) WHERE NOT done;
CREATE INDEX tenants_sandbox_idx ON tenants (name) WHERE sandbox;
