-- The statement the gateway runs for one signed outbound-order creation with 5 lines
-- (src/store/orders/one_statement.rs, insert_reserving, one implicit transaction: the replay
-- key with its outcome, the head, the balances locked in id order, the FIFO allocation, the
-- lines, reservations, balances, ledger and first event), with its parameters written in.
-- Generated from the store's own text (see the commit that made it); the statements before
-- #21 are in bench/baseline/out_order.pgbench.sql.
\set n random(1, 2000000000)
\set i1 random(1, 40)
\set i2 random(41, 80)
\set i3 random(81, 120)
\set i4 random(121, 160)
\set i5 random(161, 200)
-- The order's content is this call's own (its order code in it), sent as text and read as jsonb
-- by the statement, as the gateway sends it: a constant would be read once, at planning.
-- It is the text the gateway stores for such an order, its normalized form with every field
-- named (1.5 KB), not the caller's shorter body (0.45 KB, used here before 2026-12-06: it left
-- PostgreSQL less text to parse, log and compress than the gateway's calls give it). A space
-- follows the colon before null, true and false: pgbench reads `:name` as a variable.
SELECT sign, code, replace('{"allowBackorder": false,"buyerMessage": null,"carrierCode": null,"codAmount": null,"consigneeCode": null,"expectedArriveTime": null,"expectedShipTime": null,"extendProps":{},"inventoryCode":"WH01","kind":"OUT","lines":[{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-023","lineNo":"1","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-059","lineNo":"2","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-092","lineNo":"3","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-122","lineNo":"4","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-192","lineNo":"5","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null}],"logisticsCompany": null,"orderCode":"x","orderType":"JYCK","receiver":{"address":"世纪大道1号","areaName": null,"cityName":"上海","countryName": null,"lat": null,"lng": null,"name":"王五","phone":"13900000000","postCode": null,"provinceName":"上海","streetName": null},"remark": null,"sellerMessage": null,"shopName": null,"sourceOrderCode": null,"sourcePlatform": null,"subbaseCode":"OW01","supplierCode": null,"supplierName": null,"toSubbaseCode": null,"transferTime": null,"waybillNo": null}', '"orderCode":"x"', '"orderCode":"' || code || '"') AS req
  FROM (SELECT upper(md5('pg' || :client_id || '-' || :n || random())) AS sign, 'PGB-' || :client_id || '-' || :n || '-' || md5(random()::text) AS code) c \gset
WITH prior AS (
       SELECT outcome FROM replay_keys
        WHERE '/dtc/logistics/outOrder'::text IS NOT NULL AND client_id = :pg_client AND endpoint = '/dtc/logistics/outOrder' AND sign = :sign),
   existing AS (
       SELECT id, hx_order_no, status, fingerprint, order_type FROM orders
        WHERE tenant = 'PGBENCH' AND kind = 'OUT' AND order_code = :code),
   missing AS (
       SELECT 1 AS grp, u.wh || '/' || u.ow AS code, u.i
         FROM UNNEST(ARRAY['WH01']::text[]::text[], ARRAY['OW01']::text[]::text[]) WITH ORDINALITY AS u(wh, ow, i)
        WHERE NOT EXISTS (SELECT 1 FROM inventory_orgs g
                           WHERE g.tenant = 'PGBENCH' AND g.inventory_code = u.wh AND g.subbase_code = u.ow)
       UNION ALL
       SELECT 2, u.c, u.i FROM UNNEST(ARRAY[format('SKU-%s', lpad(:i1::text, 3, '0')), format('SKU-%s', lpad(:i2::text, 3, '0')), format('SKU-%s', lpad(:i3::text, 3, '0')), format('SKU-%s', lpad(:i4::text, 3, '0')), format('SKU-%s', lpad(:i5::text, 3, '0'))]::text[]::text[]) WITH ORDINALITY AS u(c, i)
        WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant = 'PGBENCH' AND p.item_code = u.c)
       UNION ALL
       SELECT 3, u.c, u.i FROM UNNEST(ARRAY[]::text[]::text[]) WITH ORDINALITY AS u(c, i)
        WHERE NOT EXISTS (SELECT 1 FROM consignees x WHERE x.tenant = 'PGBENCH' AND x.consignee_code = u.c)),
   decided AS (
       -- new: nothing before; same: the code's order with this content, as answered
       -- before references are checked (the step-by-step path answers it first too).
       SELECT CASE
                WHEN EXISTS (SELECT 1 FROM prior) THEN 'replayed'
                WHEN EXISTS (SELECT 1 FROM existing WHERE fingerprint = 'fp') THEN 'same'
                WHEN EXISTS (SELECT 1 FROM existing) THEN 'conflict'
                WHEN EXISTS (SELECT 1 FROM missing) THEN 'missing'
                ELSE 'new' END AS what),
   number AS (
       SELECT 'HX' || 'O' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                   || lpad(nextval('hx_order_no_seq')::text, 8, '0') AS hx
         FROM decided WHERE what = 'new'),
   answer AS (
       SELECT n.hx AS hx_order_no, 'CREATED'::text AS status, false AS existed FROM number n
       UNION ALL
       SELECT e.hx_order_no, e.status, true FROM existing e, decided d WHERE d.what = 'same'),
   claimed AS (
       INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
       SELECT :pg_client, :sign, '/dtc/logistics/outOrder', jsonb_build_object('order_code', :code::text, 'hx_order_no', a.hx_order_no,
                                                'status', a.status, 'existed', a.existed)
         FROM answer a WHERE '/dtc/logistics/outOrder'::text IS NOT NULL
       RETURNING 1 AS one),
   head AS (
       INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code,
              subbase_code, to_subbase_code, status, fingerprint, request, client_id)
       SELECT 'PGBENCH', 'OUT', :code, n.hx, 'JYCK', 'WH01', 'OW01', NULL::text, 'CREATED', 'fp', :req::text::jsonb, :pg_client
         FROM number n LEFT JOIN (SELECT count(*) AS n FROM claimed) c ON true
       RETURNING id, hx_order_no),
   demand AS (
       SELECT u.i, u.line_no, u.item_code, u.qty, u.inv_type, u.batch
         FROM UNNEST(ARRAY['1','2','3','4','5']::text[]::text[], ARRAY[format('SKU-%s', lpad(:i1::text, 3, '0')), format('SKU-%s', lpad(:i2::text, 3, '0')), format('SKU-%s', lpad(:i3::text, 3, '0')), format('SKU-%s', lpad(:i4::text, 3, '0')), format('SKU-%s', lpad(:i5::text, 3, '0'))]::text[]::text[], ARRAY[1,1,1,1,1]::int8[]::int8[], ARRAY['ZP','ZP','ZP','ZP','ZP']::text[]::text[], ARRAY[NULL,NULL,NULL,NULL,NULL]::text[]::text[])
                WITH ORDINALITY AS u(line_no, item_code, qty, inv_type, batch, i)),
   -- The balances, locked in id order like every writer of stock, after the key and
   -- the head, through the function (migration 20261205000012).
   slots AS (
       SELECT l.s_id AS id, l.s_item_code AS item_code, l.s_inventory_type AS inventory_type,
              l.s_batch_code AS batch_code, l.s_product_date AS product_date,
              l.s_expire_date AS expire_date, l.s_available AS available
         FROM hxgw_lock_slots('PGBENCH', 'WH01', 'OW01', ARRAY[format('SKU-%s', lpad(:i1::text, 3, '0')), format('SKU-%s', lpad(:i2::text, 3, '0')), format('SKU-%s', lpad(:i3::text, 3, '0')), format('SKU-%s', lpad(:i4::text, 3, '0')), format('SKU-%s', lpad(:i5::text, 3, '0'))]::text[]) l
        WHERE EXISTS (SELECT 1 FROM head)),
   -- FIFO by expiry, then production date, then batch (domain::inventory::allocate):
   -- each line takes from its own balances (the caller sends no two lines of the same
   -- item and type), as much as is left of what the earlier ones in that order gave.
   alloc AS (
       SELECT d.i, d.line_no, s.id AS balance_id,
              LEAST(s.available, GREATEST(0, d.qty - (sum(s.available) OVER w - s.available))) AS take
         FROM demand d JOIN slots s
           ON s.item_code = d.item_code AND s.inventory_type = d.inv_type
          AND (d.batch IS NULL OR s.batch_code = d.batch)
       WINDOW w AS (PARTITION BY d.i
                    ORDER BY s.expire_date IS NULL, s.expire_date, s.product_date IS NULL,
                             s.product_date, s.batch_code COLLATE "C", s.id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
   -- Too little for a line: the statement stops, writing nothing (the other path
   -- answers the shortage line by line).
   stop AS (
       SELECT hxgw_abort('insufficient stock') AS stopped
         FROM demand d LEFT JOIN (SELECT i, sum(take) AS got FROM alloc GROUP BY i) a ON a.i = d.i
        WHERE EXISTS (SELECT 1 FROM head) AND COALESCE(a.got, 0) < d.qty
        LIMIT 1),
   lines AS (
       INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code,
              product_date, expire_date, produce_code, price, remark)
       SELECT h.id, u.line_no, u.item_code, u.qty, u.inv_type, u.batch, u.pdate, u.edate, u.produce,
              u.price, u.remark
         FROM head h,
              UNNEST(ARRAY['1','2','3','4','5']::text[]::text[], ARRAY[format('SKU-%s', lpad(:i1::text, 3, '0')), format('SKU-%s', lpad(:i2::text, 3, '0')), format('SKU-%s', lpad(:i3::text, 3, '0')), format('SKU-%s', lpad(:i4::text, 3, '0')), format('SKU-%s', lpad(:i5::text, 3, '0'))]::text[]::text[], ARRAY[1,1,1,1,1]::int8[]::int8[], ARRAY['ZP','ZP','ZP','ZP','ZP']::text[]::text[], ARRAY[NULL,NULL,NULL,NULL,NULL]::text[]::text[], ARRAY[NULL,NULL,NULL,NULL,NULL]::date[]::date[],
                     ARRAY[NULL,NULL,NULL,NULL,NULL]::date[]::date[], ARRAY[NULL,NULL,NULL,NULL,NULL]::text[]::text[], ARRAY[NULL,NULL,NULL,NULL,NULL]::numeric[]::numeric[], ARRAY[NULL,NULL,NULL,NULL,NULL]::text[]::text[])
                AS u(line_no, item_code, qty, inv_type, batch, pdate, edate, produce, price, remark)
       RETURNING id, line_no),
   taken AS (
       SELECT l.id AS line_id, a.balance_id, a.take
         FROM alloc a JOIN lines l ON l.line_no = a.line_no WHERE a.take > 0),
   balances AS (
       SELECT hxgw_add_reserved(array_agg(balance_id), array_agg(take::int8)) AS changed
         FROM taken HAVING count(*) > 0),
   ledger AS (
       INSERT INTO inventory_movements (balance_id, reason, reserved_delta, order_id, order_line_id)
       SELECT t.balance_id, 'RESERVE', t.take, h.id, t.line_id FROM taken t, head h
       RETURNING 1 AS one),
   reserved AS (
       INSERT INTO reservations (order_line_id, balance_id, qty)
       SELECT line_id, balance_id, take FROM taken
       RETURNING 1 AS one),
   event AS (
       INSERT INTO order_events (order_id, status) SELECT h.id, 'CREATED' FROM head h RETURNING 1 AS one)
   SELECT d.what AS "what!",
          (SELECT outcome FROM prior) AS "prior?",
          (SELECT array_agg(m.grp ORDER BY m.grp, m.i) FROM missing m) AS "missing_groups?: Vec<i32>",
          (SELECT array_agg(m.code ORDER BY m.grp, m.i) FROM missing m) AS "missing_codes?: Vec<String>",
          COALESCE((SELECT h.id FROM head h), (SELECT e.id FROM existing e)) AS "id?",
          COALESCE((SELECT h.hx_order_no FROM head h), (SELECT e.hx_order_no FROM existing e)) AS "hx_order_no?",
          (SELECT e.status FROM existing e) AS "existing_status?",
          (SELECT e.order_type FROM existing e) AS "existing_type?",
          (SELECT count(*) FROM lines) AS "lines!",
          (SELECT count(*) FROM event) AS "events!"
     FROM decided d
    WHERE (SELECT count(*) FROM stop) = 0
      AND (SELECT count(*) FROM balances) >= 0 AND (SELECT count(*) FROM ledger) >= 0
      AND (SELECT count(*) FROM reserved) >= 0;
