-- Acceptance slips (受理单, seed 003): a shipper's transport request, split by dispatch into
-- waybill segments (transport orders that inherit from it); done when its last segment is
-- signed. A tracker device may be bound to a slip; its GPS points are reported to the slip's
-- subscribers.
CREATE SEQUENCE slip_number_seq;
CREATE TABLE slips (
    id                BIGSERIAL PRIMARY KEY,
    tenant            TEXT NOT NULL,
    number            TEXT NOT NULL,
    original_order_no TEXT,
    state             TEXT NOT NULL,
    -- The slip as a transport order template (the core model), what segments inherit.
    content           JSONB NOT NULL,
    fingerprint       TEXT NOT NULL,
    device_number     TEXT,
    bound_devices     TEXT[] NOT NULL DEFAULT '{}',
    client_id         BIGINT REFERENCES clients (id) ON DELETE SET NULL,
    first_sign_time   TIMESTAMPTZ,
    last_sign_time    TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT slips_number_key UNIQUE (number),
    CONSTRAINT slips_state_check CHECK (state IN ('CANCELLED', 'PENDING', 'IN_PROGRESS', 'DONE'))
);
-- originalOrderNumber identifies a slip within its shipper (a retried create finds it).
CREATE UNIQUE INDEX slips_original_key ON slips (tenant, original_order_no) WHERE original_order_no IS NOT NULL;
CREATE INDEX slips_tenant_idx ON slips (tenant, created_at, id);
CREATE INDEX slips_device_idx ON slips (device_number) WHERE device_number IS NOT NULL;
CREATE TRIGGER slips_updated_at BEFORE UPDATE ON slips FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE orders ADD COLUMN slip_id BIGINT REFERENCES slips (id);
CREATE INDEX orders_slip_idx ON orders (slip_id) WHERE slip_id IS NOT NULL;
