-- Orders of the four kinds, their lines and status history; the inventory ledger, balances
-- and reservations; LPNs, serial numbers and vehicles.

CREATE SEQUENCE hx_order_no_seq;

CREATE TABLE orders (
    id              BIGSERIAL PRIMARY KEY,
    tenant          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    order_code      TEXT NOT NULL,
    -- The gateway's own number: HX + kind letter + yyMMdd (UTC+08:00) + sequence.
    hx_order_no     TEXT NOT NULL,
    order_type      TEXT NOT NULL,
    inventory_code  TEXT,
    subbase_code    TEXT,
    to_subbase_code TEXT,
    status          TEXT NOT NULL,
    -- The status an order had when a cancel went PENDING, to return to if the warehouse refuses.
    pre_cancel_status TEXT,
    -- SHA-256 of the canonical JSON of the creating request: "same content" for §3.
    fingerprint     TEXT NOT NULL,
    -- The creating request as received, unknown fields included.
    request         JSONB NOT NULL,
    client_id       BIGINT REFERENCES clients (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT orders_code_key UNIQUE (tenant, kind, order_code),
    CONSTRAINT orders_hx_order_no_key UNIQUE (hx_order_no),
    CONSTRAINT orders_kind_check CHECK (kind IN ('IN', 'OUT', 'PROPERTY', 'TRANSPORT'))
);
CREATE TRIGGER orders_updated_at BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE order_lines (
    id             BIGSERIAL PRIMARY KEY,
    order_id       BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no        TEXT NOT NULL,
    item_code      TEXT NOT NULL,
    plan_qty       BIGINT NOT NULL,
    actual_qty     BIGINT NOT NULL DEFAULT 0,
    inventory_type TEXT NOT NULL DEFAULT 'ZP',
    batch_code     TEXT,
    product_date   DATE,
    expire_date    DATE,
    produce_code   TEXT,
    price          NUMERIC(14, 2),
    remark         TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT order_lines_no_key UNIQUE (order_id, line_no),
    CONSTRAINT order_lines_qty_check CHECK (plan_qty > 0 AND actual_qty >= 0)
);
CREATE TRIGGER order_lines_updated_at BEFORE UPDATE ON order_lines FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Status history, one row per status an order entered.
CREATE TABLE order_events (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    note       TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

-- Stock per customer, warehouse, owner, item, inventory type and batch ('' = no batch).
CREATE TABLE inventory_balances (
    id             BIGSERIAL PRIMARY KEY,
    tenant         TEXT NOT NULL,
    inventory_code TEXT NOT NULL,
    subbase_code   TEXT NOT NULL,
    item_code      TEXT NOT NULL,
    inventory_type TEXT NOT NULL,
    batch_code     TEXT NOT NULL DEFAULT '',
    product_date   DATE,
    expire_date    DATE,
    on_hand        BIGINT NOT NULL DEFAULT 0,
    reserved       BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT inventory_balances_key UNIQUE (tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code),
    -- The last line of defence against overselling.
    CONSTRAINT inventory_balances_qty_check CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand)
);
CREATE TRIGGER inventory_balances_updated_at BEFORE UPDATE ON inventory_balances FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The append-only ledger: every change of on-hand or reserved quantity, with its cause.
-- Summing it per balance gives the balance; a test proves it.
CREATE TABLE inventory_movements (
    id             BIGSERIAL PRIMARY KEY,
    balance_id     BIGINT NOT NULL REFERENCES inventory_balances (id),
    reason         TEXT NOT NULL,
    on_hand_delta  BIGINT NOT NULL DEFAULT 0,
    reserved_delta BIGINT NOT NULL DEFAULT 0,
    order_id       BIGINT REFERENCES orders (id),
    order_line_id  BIGINT REFERENCES order_lines (id),
    reference      TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT inventory_movements_reason_check CHECK (reason IN
        ('RECEIPT', 'SHIPMENT', 'RESERVE', 'RELEASE', 'TRANSFER_OUT', 'TRANSFER_IN', 'ADJUSTMENT'))
);
CREATE INDEX inventory_movements_balance_idx ON inventory_movements (balance_id);
CREATE INDEX inventory_movements_order_idx ON inventory_movements (order_id) WHERE order_id IS NOT NULL;

-- What each order line holds of each balance, so release and shipment take exactly that.
CREATE TABLE reservations (
    order_line_id BIGINT NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    balance_id    BIGINT NOT NULL REFERENCES inventory_balances (id),
    qty           BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT reservations_pkey PRIMARY KEY (order_line_id, balance_id),
    CONSTRAINT reservations_qty_check CHECK (qty >= 0)
);
CREATE TRIGGER reservations_updated_at BEFORE UPDATE ON reservations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- LPN: the cartons/pallets announced for an inbound order.
CREATE TABLE lpns (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    lpn_code   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT lpns_code_key UNIQUE (order_id, lpn_code)
);
CREATE TRIGGER lpns_updated_at BEFORE UPDATE ON lpns FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE lpn_items (
    id         BIGSERIAL PRIMARY KEY,
    lpn_id     BIGINT NOT NULL REFERENCES lpns (id) ON DELETE CASCADE,
    item_code  TEXT NOT NULL,
    qty        BIGINT NOT NULL,
    batch_code TEXT,
    sn_codes   TEXT[] NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT lpn_items_qty_check CHECK (qty > 0)
);
CREATE INDEX lpn_items_lpn_idx ON lpn_items (lpn_id);

-- Serial numbers (SN/IMEI) bound to outbound order lines. One open binding per SN and customer.
CREATE TABLE serial_codes (
    id            BIGSERIAL PRIMARY KEY,
    tenant        TEXT NOT NULL,
    sn_code       TEXT NOT NULL,
    order_id      BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    order_line_id BIGINT NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    open          BOOLEAN NOT NULL DEFAULT true,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX serial_codes_open_key ON serial_codes (tenant, sn_code) WHERE open;
CREATE INDEX serial_codes_line_idx ON serial_codes (order_line_id);
CREATE TRIGGER serial_codes_updated_at BEFORE UPDATE ON serial_codes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Vehicles named on transport orders (finished-vehicle transport).
CREATE TABLE order_vehicles (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    vin        TEXT NOT NULL,
    brand      TEXT,
    model      TEXT,
    color      TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT order_vehicles_key UNIQUE (order_id, vin)
);
CREATE INDEX order_vehicles_vin_idx ON order_vehicles (vin);

-- 车库存: vehicles in a customer's yard (intake and inspections come with the ops API).
CREATE TABLE vehicles (
    id                   BIGSERIAL PRIMARY KEY,
    tenant               TEXT NOT NULL,
    vin                  TEXT NOT NULL,
    inventory_code       TEXT NOT NULL,
    brand                TEXT,
    model                TEXT,
    color                TEXT,
    status               TEXT NOT NULL DEFAULT 'IN_YARD',
    in_time              TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_inspection_result TEXT,
    last_inspection_time TIMESTAMPTZ,
    order_id             BIGINT REFERENCES orders (id),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT vehicles_key UNIQUE (tenant, vin),
    CONSTRAINT vehicles_status_check CHECK (status IN ('IN_YARD', 'OUTBOUND', 'IN_TRANSIT', 'DELIVERED'))
);
CREATE INDEX vehicles_inventory_idx ON vehicles (tenant, inventory_code, vin);
CREATE TRIGGER vehicles_updated_at BEFORE UPDATE ON vehicles FOR EACH ROW EXECUTE FUNCTION set_updated_at();
