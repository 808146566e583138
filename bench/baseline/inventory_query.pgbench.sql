-- What the gateway ran for one inventory query of 20 items before #21 made it one statement
-- (inventory::query: the count, then the page), no transaction.
\set s random(1, 181)
SELECT count(*) FROM inventory_balances b
 WHERE b.tenant = 'PGBENCH' AND b.inventory_code = 'WH01' AND b.subbase_code = 'OW01'
   AND b.item_code = ANY(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 19) g));
SELECT b.inventory_code, b.subbase_code, b.item_code, p.item_name, b.inventory_type, b.batch_code, b.product_date,
       b.expire_date, b.on_hand, b.reserved
  FROM inventory_balances b LEFT JOIN products p ON p.tenant = b.tenant AND p.item_code = b.item_code
 WHERE b.tenant = 'PGBENCH' AND b.inventory_code = 'WH01' AND b.subbase_code = 'OW01'
   AND b.item_code = ANY(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 19) g))
 ORDER BY b.item_code, b.batch_code, b.subbase_code, b.inventory_type OFFSET 0 LIMIT 100;
