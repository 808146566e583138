-- Adjustments an ERP asks the warehouse for (Qimen inventory.synchronize): they wait for the
-- warehouse's decision (ops API), and an approval applies them to the ledger.
CREATE TABLE adjustment_requests (
    id                BIGSERIAL PRIMARY KEY,
    tenant            TEXT NOT NULL,
    client_id         BIGINT REFERENCES clients (id) ON DELETE SET NULL,
    adjust_order_code TEXT NOT NULL,
    inventory_code    TEXT NOT NULL,
    subbase_code      TEXT NOT NULL,
    adjust_type       TEXT NOT NULL,
    -- The request as the model holds it (adjustTime, relatedOrders, remark, lines).
    content           JSONB NOT NULL,
    fingerprint       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'PENDING',
    decided_by        TEXT,
    decision_reason   TEXT,
    decided_at        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT adjustment_requests_code_key UNIQUE (tenant, adjust_order_code),
    CONSTRAINT adjustment_requests_status_check CHECK (status IN ('PENDING', 'APPROVED', 'REFUSED'))
);
CREATE INDEX adjustment_requests_status_idx ON adjustment_requests (status, id);
CREATE TRIGGER adjustment_requests_updated_at BEFORE UPDATE ON adjustment_requests
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
