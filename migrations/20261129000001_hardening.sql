-- Hardening: replays keyed by endpoint, ops idempotency keys, idempotent adjustments and
-- confirmation batches, DWS match status, one lock order for stock rows (no schema change).

-- The sign covers the envelope, not the path: the same signed bytes sent to a second
-- endpoint are a different call.
ALTER TABLE replay_keys DROP CONSTRAINT replay_keys_pkey;
ALTER TABLE replay_keys ADD CONSTRAINT replay_keys_pkey PRIMARY KEY (client_id, endpoint, sign);

-- Idempotency-Key of /ops/v1 POSTs, per ops token: the request's fingerprint (method, path,
-- canonical body) and the answer, written in the same transaction as the change.
CREATE TABLE ops_idempotency_keys (
    token_name  TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    outcome     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ops_idempotency_keys_pkey PRIMARY KEY (token_name, idem_key)
);
CREATE INDEX ops_idempotency_keys_created_at_idx ON ops_idempotency_keys (created_at);

-- Warehouse stock adjustments, one per adjustOrderCode and customer (the natural key).
CREATE TABLE inventory_adjustments (
    id                BIGSERIAL PRIMARY KEY,
    tenant            TEXT NOT NULL,
    adjust_order_code TEXT NOT NULL,
    inventory_code    TEXT NOT NULL,
    subbase_code      TEXT NOT NULL,
    adjust_type       TEXT NOT NULL,
    fingerprint       TEXT NOT NULL,
    outcome           JSONB NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT inventory_adjustments_code_key UNIQUE (tenant, adjust_order_code)
);

-- A receipt or shipment batch may carry the warehouse's own batch number: one per order.
ALTER TABLE order_confirmations ADD COLUMN batch_no TEXT, ADD COLUMN fingerprint TEXT, ADD COLUMN outcome JSONB;
ALTER TABLE order_confirmations
    ADD CONSTRAINT order_confirmations_batch_no_key UNIQUE (order_id, batch_no);

-- DWS scans: whether the barcode named exactly one package (MATCHED), none yet (UNMATCHED)
-- or several (AMBIGUOUS, kept for inspection and never written onto a package).
ALTER TABLE dws_scans ADD COLUMN match_status TEXT NOT NULL DEFAULT 'UNMATCHED',
    ADD CONSTRAINT dws_scans_match_status_check CHECK (match_status IN ('MATCHED', 'UNMATCHED', 'AMBIGUOUS'));
UPDATE dws_scans SET match_status = 'MATCHED' WHERE package_id IS NOT NULL;
CREATE INDEX dws_scans_status_idx ON dws_scans (match_status, id);

-- Sign-off images that arrived before their waybill was known are linked later.
CREATE INDEX sign_images_unlinked_idx ON sign_images (waybill_no) WHERE order_id IS NULL;

-- Which gateway process made a delivery attempt (its instance id, also in its logs).
ALTER TABLE push_attempts ADD COLUMN worker TEXT;
