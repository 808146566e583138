-- Carrier routes, sign-offs and sign-off images; DWS parcel scans; waybills of transport orders.

ALTER TABLE orders ADD COLUMN waybill_no TEXT, ADD COLUMN carrier_code TEXT;
CREATE INDEX orders_waybill_idx ON orders (waybill_no) WHERE waybill_no IS NOT NULL;

-- Measured on the packing line (DWS), against what the shipment declared.
ALTER TABLE packages
    ADD COLUMN measured_weight_kg NUMERIC(12, 3),
    ADD COLUMN measured_length_cm NUMERIC(12, 2),
    ADD COLUMN measured_width_cm  NUMERIC(12, 2),
    ADD COLUMN measured_height_cm NUMERIC(12, 2),
    ADD COLUMN measured_volume_cm3 NUMERIC(16, 3),
    ADD COLUMN measured_at TIMESTAMPTZ,
    ADD COLUMN weight_deviation NUMERIC(10, 4),
    ADD COLUMN weight_flagged BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX packages_no_idx ON packages (package_no);

-- Tracking nodes, deduplicated on (carrier, waybill, node type, node time). order_id is set
-- once the waybill is known to belong to an order (possibly after the nodes arrived).
CREATE TABLE routes (
    id             BIGSERIAL PRIMARY KEY,
    carrier_code   TEXT NOT NULL,
    waybill_no     TEXT NOT NULL,
    node_type      TEXT NOT NULL,
    node_time      TIMESTAMPTZ NOT NULL,
    location       TEXT,
    description    TEXT NOT NULL,
    operator       TEXT,
    operator_phone TEXT,
    lng            DOUBLE PRECISION,
    lat            DOUBLE PRECISION,
    tenant         TEXT,
    order_id       BIGINT REFERENCES orders (id),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT routes_node_key UNIQUE (carrier_code, waybill_no, node_type, node_time)
);
CREATE INDEX routes_waybill_idx ON routes (waybill_no, node_time);
CREATE INDEX routes_order_idx ON routes (order_id) WHERE order_id IS NOT NULL;
CREATE TRIGGER routes_updated_at BEFORE UPDATE ON routes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE sign_offs (
    id           BIGSERIAL PRIMARY KEY,
    tenant       TEXT NOT NULL,
    order_id     BIGINT NOT NULL REFERENCES orders (id),
    waybill_no   TEXT NOT NULL,
    carrier_code TEXT NOT NULL,
    sign_status  TEXT NOT NULL,
    signer       TEXT,
    sign_time    TIMESTAMPTZ NOT NULL,
    remark       TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sign_offs_key UNIQUE (waybill_no, carrier_code, sign_status, sign_time),
    CONSTRAINT sign_offs_status_check CHECK (sign_status IN ('SIGNED', 'REJECTED'))
);

-- Sign-off images (签收图片), kept in the database so they are as durable as the orders.
CREATE TABLE sign_images (
    id           UUID PRIMARY KEY,
    carrier_code TEXT NOT NULL,
    waybill_no   TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_name    TEXT,
    size_bytes   INTEGER NOT NULL,
    bytes        BYTEA NOT NULL,
    signer       TEXT,
    sign_time    TIMESTAMPTZ NOT NULL,
    tenant       TEXT,
    order_id     BIGINT REFERENCES orders (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sign_images_dedupe_key UNIQUE (waybill_no, sha256)
);

-- DWS parcel scans, deduplicated on (device, barcode, scan time); matched to a package when
-- the barcode is its waybill or package number (possibly after the scan arrived).
CREATE TABLE dws_scans (
    id           BIGSERIAL PRIMARY KEY,
    client_id    BIGINT NOT NULL REFERENCES clients (id),
    device_code  TEXT NOT NULL,
    barcode      TEXT NOT NULL,
    weight_kg    NUMERIC(12, 3) NOT NULL,
    length_cm    NUMERIC(12, 2),
    width_cm     NUMERIC(12, 2),
    height_cm    NUMERIC(12, 2),
    volume_cm3   NUMERIC(16, 3),
    scan_time    TIMESTAMPTZ NOT NULL,
    package_id   BIGINT REFERENCES packages (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT dws_scans_key UNIQUE (device_code, barcode, scan_time)
);
CREATE INDEX dws_scans_unmatched_idx ON dws_scans (barcode) WHERE package_id IS NULL;
CREATE TRIGGER dws_scans_updated_at BEFORE UPDATE ON dws_scans FOR EACH ROW EXECUTE FUNCTION set_updated_at();
