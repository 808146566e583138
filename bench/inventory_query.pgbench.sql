-- What the gateway runs for one inventory query of 20 items (clients::find_by_identity,
-- guard::hit_rate_counter, inventory::query: count and page), no transaction.
\set s random(1, 181)
SELECT id, kind, create_by, data_source, name, secret_enc, callback_url, status, rate_limit_per_hour, created_at
  FROM clients WHERE create_by = 'PGBENCH' AND data_source = 'ERP';
WITH cur AS (
    INSERT INTO rate_counters (client_id, window_start, hits) VALUES (:pg_client, date_trunc('hour', now()), 1)
    ON CONFLICT (client_id, window_start) DO UPDATE SET hits = rate_counters.hits + 1 RETURNING hits)
SELECT cur.hits, COALESCE((SELECT hits FROM rate_counters WHERE client_id = :pg_client
                           AND window_start = date_trunc('hour', now()) - interval '1 hour'), 0) FROM cur;
SELECT count(*) FROM inventory_balances b
 WHERE b.tenant = 'PGBENCH' AND b.inventory_code = 'WH01' AND b.subbase_code = 'OW01'
   AND b.item_code = ANY(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 19) g));
SELECT b.inventory_code, b.subbase_code, b.item_code, p.item_name, b.inventory_type, b.batch_code, b.product_date,
       b.expire_date, b.on_hand, b.reserved
  FROM inventory_balances b LEFT JOIN products p ON p.tenant = b.tenant AND p.item_code = b.item_code
 WHERE b.tenant = 'PGBENCH' AND b.inventory_code = 'WH01' AND b.subbase_code = 'OW01'
   AND b.item_code = ANY(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 19) g))
 ORDER BY b.item_code, b.batch_code, b.subbase_code, b.inventory_type OFFSET 0 LIMIT 100;
