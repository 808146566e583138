-- Foundation: identities, ops tokens, replay guard, rate counters, audit log, base data.
-- Forward-only: never edit once landed; add a new migration instead.

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- One row per identity (createBy, dataSource). Customers are tenants by create_by.
CREATE TABLE clients (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL,
    create_by           TEXT NOT NULL,
    data_source         TEXT NOT NULL,
    name                TEXT,
    -- AES-256-GCM under the master key: 12-byte nonce followed by ciphertext and tag.
    secret_enc          BYTEA NOT NULL,
    callback_url        TEXT,
    status              TEXT NOT NULL DEFAULT 'active',
    rate_limit_per_hour INTEGER,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT clients_identity_key UNIQUE (create_by, data_source),
    CONSTRAINT clients_kind_check CHECK (kind IN ('customer', 'carrier', 'device')),
    CONSTRAINT clients_status_check CHECK (status IN ('active', 'disabled')),
    CONSTRAINT clients_rate_limit_check CHECK (rate_limit_per_hour IS NULL OR rate_limit_per_hour > 0)
);
CREATE TRIGGER clients_updated_at BEFORE UPDATE ON clients FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Bearer tokens of the ops API; only a SHA-256 of the token is stored.
CREATE TABLE ops_tokens (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  BYTEA NOT NULL,
    status      TEXT NOT NULL DEFAULT 'active',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ops_tokens_name_key UNIQUE (name),
    CONSTRAINT ops_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT ops_tokens_status_check CHECK (status IN ('active', 'disabled'))
);
CREATE TRIGGER ops_tokens_updated_at BEFORE UPDATE ON ops_tokens FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Replay guard: the outcome of every state-changing call, keyed by its signature.
-- Written in the same transaction as the call's effect, so a replay sees all or nothing.
CREATE TABLE replay_keys (
    client_id   BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    sign        TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    outcome     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT replay_keys_pkey PRIMARY KEY (client_id, sign)
);
CREATE INDEX replay_keys_created_at_idx ON replay_keys (created_at);

-- Sliding-window rate limit: hits per identity per clock hour.
CREATE TABLE rate_counters (
    client_id    BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    window_start TIMESTAMPTZ NOT NULL,
    hits         INTEGER NOT NULL,
    CONSTRAINT rate_counters_pkey PRIMARY KEY (client_id, window_start)
);

-- One row per API call: who, what, outcome, how long. The basis of "every message about X".
CREATE TABLE api_requests (
    id            BIGSERIAL PRIMARY KEY,
    request_id    TEXT NOT NULL,
    client_id     BIGINT REFERENCES clients (id) ON DELETE SET NULL,
    method        TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    business_key  TEXT,
    code          INTEGER NOT NULL,
    http_status   INTEGER NOT NULL,
    latency_ms    DOUBLE PRECISION NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX api_requests_client_idx ON api_requests (client_id, created_at);
CREATE INDEX api_requests_business_key_idx ON api_requests (business_key) WHERE business_key IS NOT NULL;
CREATE INDEX api_requests_request_id_idx ON api_requests (request_id);

-- 库存组织: a warehouse (inventory_code) + owner (subbase_code) pair of a customer.
CREATE TABLE inventory_orgs (
    id               BIGSERIAL PRIMARY KEY,
    tenant           TEXT NOT NULL,
    inventory_code   TEXT NOT NULL,
    subbase_code     TEXT NOT NULL,
    inventory_name   TEXT NOT NULL,
    subbase_name     TEXT NOT NULL,
    contact          TEXT NOT NULL,
    phone            TEXT NOT NULL,
    create_user_name TEXT,
    country_name     TEXT,
    province_name    TEXT,
    city_name        TEXT,
    area_name        TEXT,
    street_name      TEXT,
    address          TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT inventory_orgs_key UNIQUE (tenant, inventory_code, subbase_code)
);
CREATE TRIGGER inventory_orgs_updated_at BEFORE UPDATE ON inventory_orgs FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE products (
    id              BIGSERIAL PRIMARY KEY,
    tenant          TEXT NOT NULL,
    item_code       TEXT NOT NULL,
    item_name       TEXT NOT NULL,
    bar_code        TEXT,
    specification   TEXT,
    unit            TEXT,
    category        TEXT,
    brand           TEXT,
    shelf_life_days INTEGER,
    batch_managed   BOOLEAN NOT NULL DEFAULT false,
    serial_managed  BOOLEAN NOT NULL DEFAULT false,
    length_cm       NUMERIC(12, 2),
    width_cm        NUMERIC(12, 2),
    height_cm       NUMERIC(12, 2),
    volume_cm3      NUMERIC(16, 3),
    gross_weight_kg NUMERIC(12, 3),
    net_weight_kg   NUMERIC(12, 3),
    price           NUMERIC(14, 2),
    status          TEXT NOT NULL DEFAULT 'ENABLED',
    remark          TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT products_key UNIQUE (tenant, item_code),
    CONSTRAINT products_status_check CHECK (status IN ('ENABLED', 'DISABLED'))
);
CREATE TRIGGER products_updated_at BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- 收货用户
CREATE TABLE consignees (
    id             BIGSERIAL PRIMARY KEY,
    tenant         TEXT NOT NULL,
    consignee_code TEXT NOT NULL,
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL,
    contact        TEXT,
    country_name   TEXT,
    province_name  TEXT NOT NULL,
    city_name      TEXT NOT NULL,
    area_name      TEXT,
    street_name    TEXT,
    address        TEXT NOT NULL,
    post_code      TEXT,
    remark         TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT consignees_key UNIQUE (tenant, consignee_code)
);
CREATE TRIGGER consignees_updated_at BEFORE UPDATE ON consignees FOR EACH ROW EXECUTE FUNCTION set_updated_at();
