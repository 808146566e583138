-- Sandbox tenants (#22). Every createBy is a namespace, either a sandbox one or a real one,
-- never both: `clients (create_by, sandbox)` references `tenants (name, sandbox)`, so a sandbox
-- identity can never be added to a real tenant (or the reverse), and every query keyed by the
-- tenant keeps the two apart by construction. The rules that match across tenants (a carrier's
-- waybill, a scanner's barcode) compare the two flags explicitly.
CREATE TABLE tenants (
    name        TEXT PRIMARY KEY,
    sandbox     BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT tenants_name_sandbox_key UNIQUE (name, sandbox)
);

INSERT INTO tenants (name)
SELECT create_by FROM clients
UNION
SELECT tenant FROM orders
ON CONFLICT DO NOTHING;

ALTER TABLE clients
    ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT false,
    ADD CONSTRAINT clients_tenant_fkey FOREIGN KEY (create_by, sandbox) REFERENCES tenants (name, sandbox);


-- Whether a createBy (a tenant, a carrier's code, a scanner's) is a sandbox one. Names nobody
-- registered are real ones: the sandbox is opt-in.
CREATE FUNCTION hxgw_is_sandbox(name TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT t.sandbox FROM tenants t WHERE t.name = $1), false)
$$;

-- The simulated carrier and scanner of every sandbox tenant (src/sandbox/): their routes,
-- sign-offs and scans reach only sandbox orders.
INSERT INTO tenants (name, sandbox) VALUES ('HX-SANDBOX-CARRIER', true), ('HX-SANDBOX-DWS', true);

-- How far the simulated warehouse has taken each sandbox order, and when each sandbox tenant
-- last had its periodic stock adjustment and vehicle inspection.
CREATE TABLE sandbox_progress (
    order_id    BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    step        INTEGER NOT NULL DEFAULT 0,
    done        BOOLEAN NOT NULL DEFAULT false,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_tenant_runs (
    tenant       TEXT PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
    adjusted_at  TIMESTAMPTZ NOT NULL
);
