-- What the warehouse confirmed (receipt and shipment batches, packages), and the push
-- outbox with its attempt log.

CREATE TABLE order_confirmations (
    id           BIGSERIAL PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    confirm_seq  INTEGER NOT NULL,
    confirm_type TEXT NOT NULL,
    confirm_time TIMESTAMPTZ NOT NULL,
    -- The batch's lines (and for shipments its packages) as pushed to the customer.
    lines        JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT order_confirmations_seq_key UNIQUE (order_id, confirm_seq),
    CONSTRAINT order_confirmations_type_check CHECK (confirm_type IN ('PARTIAL', 'FINAL'))
);

-- Shipment packages: waybills link carrier routes and DWS scans to orders.
CREATE TABLE packages (
    id              BIGSERIAL PRIMARY KEY,
    tenant          TEXT NOT NULL,
    order_id        BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    confirmation_id BIGINT NOT NULL REFERENCES order_confirmations (id) ON DELETE CASCADE,
    package_no      TEXT NOT NULL,
    waybill_no      TEXT,
    carrier_code    TEXT,
    weight_kg       NUMERIC(12, 3),
    length_cm       NUMERIC(12, 2),
    width_cm        NUMERIC(12, 2),
    height_cm       NUMERIC(12, 2),
    items           JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT packages_no_key UNIQUE (order_id, package_no)
);
CREATE INDEX packages_waybill_idx ON packages (waybill_no) WHERE waybill_no IS NOT NULL;
CREATE TRIGGER packages_updated_at BEFORE UPDATE ON packages FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Transactional outbox: a row per push to one identity, written with the change that causes it.
CREATE TABLE push_outbox (
    id              BIGSERIAL PRIMARY KEY,
    -- Stable across retries and replays; receivers deduplicate on it.
    event_id        UUID NOT NULL,
    client_id       BIGINT NOT NULL REFERENCES clients (id),
    tenant          TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    -- Pushes with the same key (one order) are delivered in id order.
    order_key       TEXT,
    payload         JSONB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A worker holds a claimed push until then; after a crash the lease runs out and it is retried.
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT push_outbox_event_key UNIQUE (event_id, client_id),
    CONSTRAINT push_outbox_status_check CHECK (status IN ('pending', 'delivered', 'dead'))
);
CREATE INDEX push_outbox_due_idx ON push_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX push_outbox_order_idx ON push_outbox (order_key, id) WHERE status = 'pending';
CREATE INDEX push_outbox_status_idx ON push_outbox (status, id);
CREATE TRIGGER push_outbox_updated_at BEFORE UPDATE ON push_outbox FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE push_attempts (
    id          BIGSERIAL PRIMARY KEY,
    push_id     BIGINT NOT NULL REFERENCES push_outbox (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL,
    http_status INTEGER,
    -- At most 2 KiB of the receiver's answer.
    response    TEXT,
    error       TEXT,
    success     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX push_attempts_push_idx ON push_attempts (push_id, attempt);
