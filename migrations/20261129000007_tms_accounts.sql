-- The 3TMS/CTMS dialect (seed 003): an account signs in with a user name and password
-- (argon2 hash), and holds one access/refresh token pair valid a year. Tokens are derived from
-- the master key and a generation number, so asking again returns the same pair; only their
-- SHA-256 is stored.
CREATE TABLE tms_accounts (
    client_id     BIGINT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    user_name     TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT tms_accounts_user_key UNIQUE (user_name)
);

CREATE TABLE tms_tokens (
    client_id    BIGINT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    generation   INTEGER NOT NULL,
    access_hash  TEXT NOT NULL,
    refresh_hash TEXT NOT NULL,
    issued_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT tms_tokens_access_key UNIQUE (access_hash),
    CONSTRAINT tms_tokens_refresh_key UNIQUE (refresh_hash)
);

-- A shipper's own address book (/customer/add_customers): consigners (type 1) and consignees
-- (type 2), one per phone within a type.
CREATE TABLE tms_customers (
    id           BIGSERIAL PRIMARY KEY,
    tenant       TEXT NOT NULL,
    type         SMALLINT NOT NULL,
    phone        TEXT NOT NULL,
    name         TEXT NOT NULL,
    address      TEXT NOT NULL,
    payment_type SMALLINT NOT NULL,
    remark1      TEXT,
    remark2      TEXT,
    remark3      TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT tms_customers_key UNIQUE (tenant, type, phone),
    CONSTRAINT tms_customers_type_check CHECK (type IN (1, 2)),
    CONSTRAINT tms_customers_payment_check CHECK (payment_type BETWEEN 1 AND 9)
);
CREATE TRIGGER tms_customers_updated_at BEFORE UPDATE ON tms_customers FOR EACH ROW EXECUTE FUNCTION set_updated_at();
