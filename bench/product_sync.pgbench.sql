-- What the gateway runs for one product sync of 100 products: one statement
-- (store::product_sync::upsert_products): the replay key with its outcome, the new products,
-- the changed ones. The 100 codes are one random block of 10,000, as in the gateway's bodies;
-- prices change.
\set blk random(0, 99)
\set n random(1, 2000000000)
SELECT upper(md5('prod' || :client_id || '-' || :n || random())) AS sign \gset
WITH prior AS (
       SELECT outcome FROM replay_keys WHERE client_id = :pg_client AND endpoint = '/dtc/base/product' AND sign = :sign),
     go AS (SELECT NOT EXISTS (SELECT 1 FROM prior) AS go),
     u AS (
       SELECT format('PS-%s', lpad((:blk * 100 + g)::text, 5, '0')) AS item_code, '商品 ' || g AS item_name,
              '69' || lpad((:blk * 100 + g)::text, 11, '0') AS bar_code, '个'::text AS unit, 0.5::numeric AS gw,
              round((1 + random() * 99)::numeric, 2) AS price
         FROM generate_series(1, 100) g),
     merged AS (
       SELECT o.id, u.item_name, COALESCE(u.bar_code, o.bar_code) AS bar_code, COALESCE(u.unit, o.unit) AS unit,
              COALESCE(u.gw, o.gross_weight_kg) AS gw, COALESCE(u.price, o.price) AS price,
              (o.item_name, o.bar_code, o.unit, o.gross_weight_kg, o.price) AS was
         FROM u JOIN products o ON o.tenant = 'PGBENCH' AND o.item_code = u.item_code),
     ins AS (
       INSERT INTO products (tenant, item_code, item_name, bar_code, unit, gross_weight_kg, price, batch_managed, serial_managed, status)
       SELECT 'PGBENCH', u.item_code, u.item_name, u.bar_code, u.unit, u.gw, u.price, false, false, 'ENABLED'
         FROM u, go
        WHERE go.go AND NOT EXISTS (SELECT 1 FROM products o WHERE o.tenant = 'PGBENCH' AND o.item_code = u.item_code)
       RETURNING 1 AS one),
     upd AS (
       UPDATE products p SET item_name = m.item_name, bar_code = m.bar_code, unit = m.unit,
              gross_weight_kg = m.gw, price = m.price
         FROM merged m, go
        WHERE go.go AND p.id = m.id AND m.was IS DISTINCT FROM (m.item_name, m.bar_code, m.unit, m.gw, m.price)
       RETURNING 1 AS one),
     claimed AS (
       INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
       SELECT :pg_client, :sign, '/dtc/base/product',
              jsonb_build_object('created', (SELECT count(*) FROM ins), 'updated', (SELECT count(*) FROM upd),
                                 'unchanged', 100 - (SELECT count(*) FROM ins) - (SELECT count(*) FROM upd))
         FROM go WHERE go.go
       RETURNING 1 AS one)
SELECT (SELECT outcome FROM prior), (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM claimed);
