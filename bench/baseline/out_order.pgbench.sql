-- The statements the gateway runs for one signed outbound-order creation with 5 lines
-- (src/store: in one transaction guard::claim_replay_key, orders::insert,
-- orders::missing_references, orders::insert_lines, inventory::lock_slots,
-- inventory::reserve, orders::set_status, guard::record_replay_outcome).
-- The audit row is written in batches off the request path and is left out here.
\set n random(1, 2000000000)
\set i1 random(1, 40)
\set i2 random(41, 80)
\set i3 random(81, 120)
\set i4 random(121, 160)
\set i5 random(161, 200)
\set b1 :pg_base + :i1
\set b2 :pg_base + :i2
\set b3 :pg_base + :i3
\set b4 :pg_base + :i4
\set b5 :pg_base + :i5
-- The order's content is this call's own (its order code in it), sent as text, as the gateway
-- sent it: a constant would be read once, at planning.
-- It is the text the gateway stores for such an order, its normalized form with every field
-- named (1.5 KB), not the caller's shorter body (0.45 KB, used here before 2026-12-06: it left
-- PostgreSQL less text to parse, log and compress than the gateway's calls give it). A space
-- follows the colon before null, true and false: pgbench reads `:name` as a variable.
SELECT sign, code, replace('{"allowBackorder": false,"buyerMessage": null,"carrierCode": null,"codAmount": null,"consigneeCode": null,"expectedArriveTime": null,"expectedShipTime": null,"extendProps":{},"inventoryCode":"WH01","kind":"OUT","lines":[{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-023","lineNo":"1","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-059","lineNo":"2","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-092","lineNo":"3","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-122","lineNo":"4","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null},{"batchCode": null,"expireDate": null,"inventoryType":"ZP","itemCode":"SKU-192","lineNo":"5","planQty":1,"price": null,"produceCode": null,"productDate": null,"remark": null}],"logisticsCompany": null,"orderCode":"x","orderType":"JYCK","receiver":{"address":"世纪大道1号","areaName": null,"cityName":"上海","countryName": null,"lat": null,"lng": null,"name":"王五","phone":"13900000000","postCode": null,"provinceName":"上海","streetName": null},"remark": null,"sellerMessage": null,"shopName": null,"sourceOrderCode": null,"sourcePlatform": null,"subbaseCode":"OW01","supplierCode": null,"supplierName": null,"toSubbaseCode": null,"transferTime": null,"waybillNo": null}', '"orderCode":"x"', '"orderCode":"' || code || '"') AS req
  FROM (SELECT upper(md5('pg' || :client_id || '-' || :n || random())) AS sign, 'PG-' || :client_id || '-' || :n || '-' || md5(random()::text) AS code) c \gset
BEGIN;
INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
VALUES (:pg_client, :sign, '/dtc/logistics/outOrder', 'null'::jsonb)
ON CONFLICT ON CONSTRAINT replay_keys_pkey DO NOTHING;
INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code, to_subbase_code,
       status, fingerprint, request, client_id)
VALUES ('PGBENCH', 'OUT', :code,
        'HX' || 'O' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD') || lpad(nextval('hx_order_no_seq')::text, 8, '0'),
        'JYCK', 'WH01', 'OW01', NULL, 'CREATED', md5(random()::text),
        :req::text::jsonb,
        :pg_client)
ON CONFLICT ON CONSTRAINT orders_code_key DO NOTHING
RETURNING id AS order_id \gset
SELECT 1, u.wh || '/' || u.ow, u.i FROM UNNEST(ARRAY['WH01']::text[], ARRAY['OW01']::text[]) WITH ORDINALITY AS u(wh, ow, i)
 WHERE NOT EXISTS (SELECT 1 FROM inventory_orgs o WHERE o.tenant = 'PGBENCH' AND o.inventory_code = u.wh AND o.subbase_code = u.ow)
UNION ALL
SELECT 2, u.c, u.i FROM UNNEST(ARRAY[format('SKU-%s', lpad(:i1::text, 3, '0')), format('SKU-%s', lpad(:i2::text, 3, '0')),
                 format('SKU-%s', lpad(:i3::text, 3, '0')), format('SKU-%s', lpad(:i4::text, 3, '0')),
                 format('SKU-%s', lpad(:i5::text, 3, '0'))]::text[]) WITH ORDINALITY AS u(c, i)
 WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant = 'PGBENCH' AND p.item_code = u.c)
UNION ALL
SELECT 3, u.c, u.i FROM UNNEST(ARRAY[]::text[]) WITH ORDINALITY AS u(c, i)
 WHERE NOT EXISTS (SELECT 1 FROM consignees x WHERE x.tenant = 'PGBENCH' AND x.consignee_code = u.c)
ORDER BY 1, 3;
WITH ins AS (
    INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code, product_date,
           expire_date, produce_code, price, remark)
    SELECT :order_id, u.line_no, u.item_code, u.qty, 'ZP', NULL, NULL, NULL, NULL, NULL, NULL
      FROM UNNEST(ARRAY['1','2','3','4','5']::text[],
                  ARRAY[format('SKU-%s', lpad(:i1::text, 3, '0')), format('SKU-%s', lpad(:i2::text, 3, '0')),
                        format('SKU-%s', lpad(:i3::text, 3, '0')), format('SKU-%s', lpad(:i4::text, 3, '0')),
                        format('SKU-%s', lpad(:i5::text, 3, '0'))]::text[],
                  ARRAY[1,1,1,1,1]::int8[]) AS u(line_no, item_code, qty)
    RETURNING id, line_no)
SELECT array_agg(id ORDER BY line_no) AS lines FROM ins \gset
SELECT id, item_code, inventory_type, batch_code, product_date, expire_date, on_hand - reserved
  FROM inventory_balances
 WHERE tenant = 'PGBENCH' AND inventory_code = 'WH01' AND subbase_code = 'OW01'
   AND item_code = ANY(ARRAY[format('SKU-%s', lpad(:i1::text, 3, '0')), format('SKU-%s', lpad(:i2::text, 3, '0')),
                             format('SKU-%s', lpad(:i3::text, 3, '0')), format('SKU-%s', lpad(:i4::text, 3, '0')),
                             format('SKU-%s', lpad(:i5::text, 3, '0'))])
 ORDER BY id FOR UPDATE;
WITH u AS (SELECT * FROM UNNEST(:lines::int8[],
                                ARRAY[:b1, :b2, :b3, :b4, :b5]::int8[],
                                ARRAY[1,1,1,1,1]::int8[]) AS u(line, balance, qty)),
     b AS (UPDATE inventory_balances b SET reserved = b.reserved + s.qty
             FROM (SELECT balance, SUM(qty) AS qty FROM u GROUP BY balance) s WHERE b.id = s.balance),
     m AS (INSERT INTO inventory_movements (balance_id, reason, reserved_delta, order_id, order_line_id)
           SELECT balance, 'RESERVE', qty, :order_id, line FROM u)
INSERT INTO reservations (order_line_id, balance_id, qty) SELECT line, balance, qty FROM u
ON CONFLICT (order_line_id, balance_id) DO UPDATE SET qty = reservations.qty + EXCLUDED.qty;
WITH o AS (UPDATE orders SET status = 'CREATED', pre_cancel_status = COALESCE(NULL, pre_cancel_status)
             WHERE id = :order_id RETURNING id)
INSERT INTO order_events (order_id, status, note) SELECT o.id, 'CREATED', NULL FROM o;
UPDATE replay_keys SET outcome = '{"order_code":"x","hx_order_no":"HXO","status":"CREATED","existed": false}'::jsonb
 WHERE client_id = :pg_client AND endpoint = '/dtc/logistics/outOrder' AND sign = :sign;
COMMIT;
