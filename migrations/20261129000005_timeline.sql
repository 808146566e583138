-- A per-order timeline: each audited API call names the orders it was about and who made it
-- (createBy/dataSource, or ops:<token name>).
ALTER TABLE api_requests ADD COLUMN order_ids BIGINT[], ADD COLUMN actor TEXT;
CREATE INDEX api_requests_orders_idx ON api_requests USING gin (order_ids) WHERE order_ids IS NOT NULL;
-- Every push of an order (the existing order_key index holds pending ones only).
CREATE INDEX push_outbox_order_key_idx ON push_outbox (order_key, id) WHERE order_key IS NOT NULL;
CREATE INDEX sign_offs_order_idx ON sign_offs (order_id);
CREATE INDEX packages_order_idx ON packages (order_id);
CREATE INDEX dws_scans_package_idx ON dws_scans (package_id) WHERE package_id IS NOT NULL;
