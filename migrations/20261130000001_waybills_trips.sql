-- Transport orders as 3TMS waybills (seed 003): every transport order gets a 16-digit
-- transport number (yyMMdd in UTC+08:00 and a 10-digit sequence), the number a 3TMS client
-- knows it by; trips (车次) group waybills under a driver and vehicle; identities that receive
-- by subscription (3TMS) say which changes they want, and where.

CREATE SEQUENCE transport_no_seq;
ALTER TABLE orders ADD COLUMN transport_no TEXT;
UPDATE orders
   SET transport_no = to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                      || lpad(nextval('transport_no_seq')::text, 10, '0')
 WHERE kind = 'TRANSPORT';
CREATE UNIQUE INDEX orders_transport_no_key ON orders (transport_no) WHERE transport_no IS NOT NULL;
-- find_order/v2 by consigner phone or customer number, within a tenant.
CREATE INDEX orders_consigner_phone_idx ON orders (tenant, (request -> 'consigner' ->> 'phone'))
    WHERE kind = 'TRANSPORT';
CREATE INDEX orders_customer_order_no_idx ON orders (tenant, (request ->> 'customerOrderNo'))
    WHERE kind = 'TRANSPORT';
-- query_orders: a tenant's transport orders by status and creation time.
CREATE INDEX orders_transport_list_idx ON orders (tenant, status, created_at, id)
    WHERE kind = 'TRANSPORT';

CREATE SEQUENCE pack_number_seq;
-- A trip (车次): one driver and vehicle carrying waybills. Deleted trips are kept (their
-- callbacks name them); their waybills are released.
CREATE TABLE trips (
    id           BIGSERIAL PRIMARY KEY,
    tenant       TEXT NOT NULL,
    pack_number  TEXT NOT NULL,
    driver_name  TEXT,
    driver_phone TEXT,
    plate_no     TEXT,
    fleet        TEXT,
    carrier_code TEXT,
    remark       TEXT,
    deleted_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT trips_pack_number_key UNIQUE (pack_number)
);
CREATE INDEX trips_tenant_idx ON trips (tenant, id);
CREATE TRIGGER trips_updated_at BEFORE UPDATE ON trips FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE orders ADD COLUMN trip_id BIGINT REFERENCES trips (id);
CREATE INDEX orders_trip_idx ON orders (trip_id) WHERE trip_id IS NOT NULL;

-- What an identity that receives by subscription asked for: per scope (order, pack,
-- customer_order) the changes it wants and the URL they go to.
CREATE TABLE event_subscriptions (
    client_id    BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope        TEXT NOT NULL,
    changes      TEXT[] NOT NULL,
    callback_url TEXT NOT NULL,
    params       JSONB NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT event_subscriptions_pkey PRIMARY KEY (client_id, scope),
    CONSTRAINT event_subscriptions_scope_check CHECK (scope IN ('order', 'pack', 'customer_order'))
);
CREATE TRIGGER event_subscriptions_updated_at BEFORE UPDATE ON event_subscriptions FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The deprecated /cargo/update and /cargo/remove name goods by their cargoNumber alone.
CREATE INDEX orders_cargo_idx ON orders USING gin ((request -> 'cargo') jsonb_path_ops)
    WHERE kind = 'TRANSPORT';

-- Print events (8000/8001) and exception reports (8002) of waybills, recorded by the ops API.
ALTER TABLE orders ADD COLUMN printed_at TIMESTAMPTZ, ADD COLUMN labels_printed_at TIMESTAMPTZ;
CREATE TABLE waybill_exceptions (
    id         BIGSERIAL PRIMARY KEY,
    order_id   BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    report     JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX waybill_exceptions_order_idx ON waybill_exceptions (order_id, id);
