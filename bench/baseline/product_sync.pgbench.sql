-- What the gateway runs for one product sync of 100 products (in one transaction
-- guard::claim_replay_key,
-- base_data::upsert_products: insert-new then update-changed, guard::record_replay_outcome).
-- The 100 codes are one random block of 10,000, as in the gateway's bodies; prices change.
\set blk random(0, 99)
\set n random(1, 2000000000)
SELECT upper(md5('prod' || :client_id || '-' || :n || random())) AS sign \gset
BEGIN;
INSERT INTO replay_keys (client_id, sign, endpoint, outcome) VALUES (:pg_client, :sign, '/dtc/base/product', 'null'::jsonb)
ON CONFLICT ON CONSTRAINT replay_keys_pkey DO NOTHING;
INSERT INTO products (tenant, item_code, item_name, bar_code, unit, gross_weight_kg, price, batch_managed, serial_managed, status)
SELECT 'PGBENCH', format('PS-%s', lpad((:blk * 100 + g)::text, 5, '0')), '商品 ' || g, '69' || lpad((:blk * 100 + g)::text, 11, '0'),
       '个', 0.5, round((1 + random() * 99)::numeric, 2), false, false, 'ENABLED'
  FROM generate_series(1, 100) g
ON CONFLICT ON CONSTRAINT products_key DO NOTHING;
UPDATE products p SET item_name = n.item_name, bar_code = n.bar_code, unit = n.unit,
       gross_weight_kg = n.gw, price = n.price
  FROM (SELECT format('PS-%s', lpad((:blk * 100 + g)::text, 5, '0')) AS code, '商品 ' || g AS item_name,
               '69' || lpad((:blk * 100 + g)::text, 11, '0') AS bar_code, '个' AS unit, 0.5::numeric AS gw,
               round((1 + random() * 99)::numeric, 2) AS price
          FROM generate_series(1, 100) g) n
 WHERE p.tenant = 'PGBENCH' AND p.item_code = n.code
   AND (p.item_name, p.bar_code, p.unit, p.gross_weight_kg, p.price) IS DISTINCT FROM (n.item_name, n.bar_code, n.unit, n.gw, n.price);
UPDATE replay_keys SET outcome = '{"created": 0, "updated": 100, "unchanged": 0}'::jsonb WHERE client_id = :pg_client AND endpoint = '/dtc/base/product' AND sign = :sign;
COMMIT;
