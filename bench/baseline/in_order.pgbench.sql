-- The statements the gateway runs for one signed inbound-order creation with 50 lines
-- (src/store, in one transaction: guard::claim_replay_key, orders::insert,
-- orders::missing_references, orders::insert_lines, orders::set_status,
-- guard::record_replay_outcome). Inbound orders reserve nothing. The 50 items are
-- SKU-s..SKU-(s+49) for a random s, as in the gateway's bodies.
\set n random(1, 2000000000)
\set s random(1, 151)
-- The order's content is this call's own (its order code in it), sent as text, as the gateway
-- sent it: a constant would be read once, at planning.
SELECT sign, code, replace('{"orderCode":"x","orderType":"CGRK","inventoryCode":"WH01","subbaseCode":"OW01","expectedArriveTime":"2026-12-01 10:00:00","items":[{"lineNo":"1","itemCode":"SKU-001","planQty":1},{"lineNo":"2","itemCode":"SKU-002","planQty":2},{"lineNo":"3","itemCode":"SKU-003","planQty":3},{"lineNo":"4","itemCode":"SKU-004","planQty":4},{"lineNo":"5","itemCode":"SKU-005","planQty":5},{"lineNo":"6","itemCode":"SKU-006","planQty":6},{"lineNo":"7","itemCode":"SKU-007","planQty":7},{"lineNo":"8","itemCode":"SKU-008","planQty":8},{"lineNo":"9","itemCode":"SKU-009","planQty":9},{"lineNo":"10","itemCode":"SKU-010","planQty":10},{"lineNo":"11","itemCode":"SKU-011","planQty":11},{"lineNo":"12","itemCode":"SKU-012","planQty":12},{"lineNo":"13","itemCode":"SKU-013","planQty":13},{"lineNo":"14","itemCode":"SKU-014","planQty":14},{"lineNo":"15","itemCode":"SKU-015","planQty":15},{"lineNo":"16","itemCode":"SKU-016","planQty":16},{"lineNo":"17","itemCode":"SKU-017","planQty":17},{"lineNo":"18","itemCode":"SKU-018","planQty":18},{"lineNo":"19","itemCode":"SKU-019","planQty":19},{"lineNo":"20","itemCode":"SKU-020","planQty":20},{"lineNo":"21","itemCode":"SKU-021","planQty":21},{"lineNo":"22","itemCode":"SKU-022","planQty":22},{"lineNo":"23","itemCode":"SKU-023","planQty":23},{"lineNo":"24","itemCode":"SKU-024","planQty":24},{"lineNo":"25","itemCode":"SKU-025","planQty":25},{"lineNo":"26","itemCode":"SKU-026","planQty":26},{"lineNo":"27","itemCode":"SKU-027","planQty":27},{"lineNo":"28","itemCode":"SKU-028","planQty":28},{"lineNo":"29","itemCode":"SKU-029","planQty":29},{"lineNo":"30","itemCode":"SKU-030","planQty":30},{"lineNo":"31","itemCode":"SKU-031","planQty":31},{"lineNo":"32","itemCode":"SKU-032","planQty":32},{"lineNo":"33","itemCode":"SKU-033","planQty":33},{"lineNo":"34","itemCode":"SKU-034","planQty":34},{"lineNo":"35","itemCode":"SKU-035","planQty":35},{"lineNo":"36","itemCode":"SKU-036","planQty":36},{"lineNo":"37","itemCode":"SKU-037","planQty":37},{"lineNo":"38","itemCode":"SKU-038","planQty":38},{"lineNo":"39","itemCode":"SKU-039","planQty":39},{"lineNo":"40","itemCode":"SKU-040","planQty":40},{"lineNo":"41","itemCode":"SKU-041","planQty":41},{"lineNo":"42","itemCode":"SKU-042","planQty":42},{"lineNo":"43","itemCode":"SKU-043","planQty":43},{"lineNo":"44","itemCode":"SKU-044","planQty":44},{"lineNo":"45","itemCode":"SKU-045","planQty":45},{"lineNo":"46","itemCode":"SKU-046","planQty":46},{"lineNo":"47","itemCode":"SKU-047","planQty":47},{"lineNo":"48","itemCode":"SKU-048","planQty":48},{"lineNo":"49","itemCode":"SKU-049","planQty":49},{"lineNo":"50","itemCode":"SKU-050","planQty":50}]}', '"orderCode":"x"', '"orderCode":"' || code || '"') AS req
  FROM (SELECT upper(md5('pgi' || :client_id || '-' || :n || random())) AS sign, 'PGI-' || :client_id || '-' || :n || '-' || md5(random()::text) AS code) c \gset
BEGIN;
INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
VALUES (:pg_client, :sign, '/dtc/logistics/inOrder', 'null'::jsonb)
ON CONFLICT ON CONSTRAINT replay_keys_pkey DO NOTHING;
INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code, to_subbase_code,
       status, fingerprint, request, client_id)
VALUES ('PGBENCH', 'IN', :code,
        'HX' || 'I' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD') || lpad(nextval('hx_order_no_seq')::text, 8, '0'),
        'CGRK', 'WH01', 'OW01', NULL, 'CREATED', md5(random()::text),
        :req::text::jsonb,
        :pg_client)
ON CONFLICT ON CONSTRAINT orders_code_key DO NOTHING
RETURNING id AS order_id \gset
SELECT 1, u.wh || '/' || u.ow, u.i FROM UNNEST(ARRAY['WH01']::text[], ARRAY['OW01']::text[]) WITH ORDINALITY AS u(wh, ow, i)
 WHERE NOT EXISTS (SELECT 1 FROM inventory_orgs o WHERE o.tenant = 'PGBENCH' AND o.inventory_code = u.wh AND o.subbase_code = u.ow)
UNION ALL
SELECT 2, u.c, u.i FROM UNNEST(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 49) g)) WITH ORDINALITY AS u(c, i)
 WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant = 'PGBENCH' AND p.item_code = u.c)
UNION ALL
SELECT 3, u.c, u.i FROM UNNEST(ARRAY[]::text[]) WITH ORDINALITY AS u(c, i)
 WHERE NOT EXISTS (SELECT 1 FROM consignees x WHERE x.tenant = 'PGBENCH' AND x.consignee_code = u.c)
ORDER BY 1, 3;
INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code, product_date,
       expire_date, produce_code, price, remark)
SELECT :order_id, (g - :s + 1)::text, format('SKU-%s', lpad(g::text, 3, '0')), (g % 100) + 1, 'ZP',
       NULL, NULL, NULL, NULL, NULL, NULL
  FROM generate_series(:s, :s + 49) g
RETURNING id, line_no;
WITH o AS (UPDATE orders SET status = 'CREATED', pre_cancel_status = COALESCE(NULL, pre_cancel_status)
             WHERE id = :order_id RETURNING id)
INSERT INTO order_events (order_id, status, note) SELECT o.id, 'CREATED', NULL FROM o;
UPDATE replay_keys SET outcome = '{"order_code":"x","hx_order_no":"HXI","status":"CREATED","existed": false}'::jsonb
 WHERE client_id = :pg_client AND endpoint = '/dtc/logistics/inOrder' AND sign = :sign;
COMMIT;
