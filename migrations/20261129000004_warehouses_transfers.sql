-- The OMS dialect (seed 001): warehouses as first-class records of a tenant (the seed's
-- warehouse.getList/getDetail answer name, code, address and contact), filled from 库存组织同步
-- and editable through the ops API; and each order's completion time, which the seed's
-- transfer query filters on.

CREATE TABLE warehouses (
    id             BIGSERIAL PRIMARY KEY,
    tenant         TEXT NOT NULL,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    short_name     TEXT,
    contact_person TEXT,
    contact_phone  TEXT,
    country        TEXT,
    province       TEXT,
    city           TEXT,
    district       TEXT,
    street         TEXT,
    address        TEXT,
    zip            TEXT,
    enabled        BOOLEAN NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT warehouses_code_key UNIQUE (tenant, code)
);
CREATE TRIGGER warehouses_updated_at BEFORE UPDATE ON warehouses FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE INDEX warehouses_created_idx ON warehouses (tenant, created_at, id);

-- Warehouses already known from synced 库存组织 (the latest sync of each code wins).
INSERT INTO warehouses (tenant, code, name, contact_person, contact_phone, country, province, city,
                        district, street, address, created_at)
SELECT DISTINCT ON (tenant, inventory_code)
       tenant, inventory_code, inventory_name, contact, phone, country_name, province_name, city_name,
       area_name, street_name, address,
       MIN(created_at) OVER (PARTITION BY tenant, inventory_code)
  FROM inventory_orgs
 ORDER BY tenant, inventory_code, updated_at DESC;

ALTER TABLE orders ADD COLUMN completed_at TIMESTAMPTZ;
UPDATE orders o SET completed_at = e.at
  FROM (SELECT order_id, MIN(created_at) AS at FROM order_events
         WHERE status IN ('RECEIVED', 'SHIPPED', 'SIGNED') GROUP BY order_id) e
 WHERE e.order_id = o.id;
CREATE INDEX orders_completed_idx ON orders (tenant, order_type, completed_at) WHERE completed_at IS NOT NULL;

-- OMS lines name products by barcode (then by item code).
CREATE INDEX products_bar_code_idx ON products (tenant, bar_code) WHERE bar_code IS NOT NULL;
