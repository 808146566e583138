-- What the gateway runs for one inventory query of 20 items (store::inventory_query, its text for
-- an owner and items given): the count and the page in one statement, no transaction.
\set s random(1, 181)
SELECT t.n, r.inventory_code, r.subbase_code, r.item_code, r.item_name, r.inventory_type, r.batch_code,
       r.product_date, r.expire_date, r.on_hand, r.reserved
  FROM (SELECT count(*) AS n FROM inventory_balances b
         WHERE b.tenant = 'PGBENCH' AND b.inventory_code = 'WH01' AND b.subbase_code = 'OW01'
           AND b.item_code = ANY(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 19) g))) t
  LEFT JOIN LATERAL (
        SELECT b.inventory_code, b.subbase_code, b.item_code, p.item_name, b.inventory_type, b.batch_code,
               b.product_date, b.expire_date, b.on_hand, b.reserved
          FROM inventory_balances b LEFT JOIN products p ON p.tenant = b.tenant AND p.item_code = b.item_code
         WHERE b.tenant = 'PGBENCH' AND b.inventory_code = 'WH01' AND b.subbase_code = 'OW01'
           AND b.item_code = ANY(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 19) g))
         ORDER BY b.item_code, b.batch_code, b.subbase_code, b.inventory_type OFFSET 0 LIMIT 100) r ON true
 ORDER BY r.item_code, r.batch_code, r.subbase_code, r.inventory_type;
