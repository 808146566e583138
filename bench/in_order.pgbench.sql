-- The statement the gateway runs for one signed inbound-order creation with 50 lines
-- (src/store/orders/one_statement.rs, one implicit transaction: the replay key with its
-- outcome, the head, the lines and the first event, after the reference check). Inbound orders
-- reserve nothing. The 50 items are SKU-s..SKU-(s+49) for a random s, as in the gateway's
-- bodies. The statements before #21 are in bench/baseline/in_order.pgbench.sql.
\set n random(1, 2000000000)
\set s random(1, 151)
-- The order's content is this call's own (its order code in it), sent as text and read as jsonb
-- by the statement, as the gateway sends it: a constant would be read once, at planning.
SELECT sign, code, replace('{"orderCode":"x","orderType":"CGRK","inventoryCode":"WH01","subbaseCode":"OW01","expectedArriveTime":"2026-12-01 10:00:00","items":[{"lineNo":"1","itemCode":"SKU-001","planQty":1},{"lineNo":"2","itemCode":"SKU-002","planQty":2},{"lineNo":"3","itemCode":"SKU-003","planQty":3},{"lineNo":"4","itemCode":"SKU-004","planQty":4},{"lineNo":"5","itemCode":"SKU-005","planQty":5},{"lineNo":"6","itemCode":"SKU-006","planQty":6},{"lineNo":"7","itemCode":"SKU-007","planQty":7},{"lineNo":"8","itemCode":"SKU-008","planQty":8},{"lineNo":"9","itemCode":"SKU-009","planQty":9},{"lineNo":"10","itemCode":"SKU-010","planQty":10},{"lineNo":"11","itemCode":"SKU-011","planQty":11},{"lineNo":"12","itemCode":"SKU-012","planQty":12},{"lineNo":"13","itemCode":"SKU-013","planQty":13},{"lineNo":"14","itemCode":"SKU-014","planQty":14},{"lineNo":"15","itemCode":"SKU-015","planQty":15},{"lineNo":"16","itemCode":"SKU-016","planQty":16},{"lineNo":"17","itemCode":"SKU-017","planQty":17},{"lineNo":"18","itemCode":"SKU-018","planQty":18},{"lineNo":"19","itemCode":"SKU-019","planQty":19},{"lineNo":"20","itemCode":"SKU-020","planQty":20},{"lineNo":"21","itemCode":"SKU-021","planQty":21},{"lineNo":"22","itemCode":"SKU-022","planQty":22},{"lineNo":"23","itemCode":"SKU-023","planQty":23},{"lineNo":"24","itemCode":"SKU-024","planQty":24},{"lineNo":"25","itemCode":"SKU-025","planQty":25},{"lineNo":"26","itemCode":"SKU-026","planQty":26},{"lineNo":"27","itemCode":"SKU-027","planQty":27},{"lineNo":"28","itemCode":"SKU-028","planQty":28},{"lineNo":"29","itemCode":"SKU-029","planQty":29},{"lineNo":"30","itemCode":"SKU-030","planQty":30},{"lineNo":"31","itemCode":"SKU-031","planQty":31},{"lineNo":"32","itemCode":"SKU-032","planQty":32},{"lineNo":"33","itemCode":"SKU-033","planQty":33},{"lineNo":"34","itemCode":"SKU-034","planQty":34},{"lineNo":"35","itemCode":"SKU-035","planQty":35},{"lineNo":"36","itemCode":"SKU-036","planQty":36},{"lineNo":"37","itemCode":"SKU-037","planQty":37},{"lineNo":"38","itemCode":"SKU-038","planQty":38},{"lineNo":"39","itemCode":"SKU-039","planQty":39},{"lineNo":"40","itemCode":"SKU-040","planQty":40},{"lineNo":"41","itemCode":"SKU-041","planQty":41},{"lineNo":"42","itemCode":"SKU-042","planQty":42},{"lineNo":"43","itemCode":"SKU-043","planQty":43},{"lineNo":"44","itemCode":"SKU-044","planQty":44},{"lineNo":"45","itemCode":"SKU-045","planQty":45},{"lineNo":"46","itemCode":"SKU-046","planQty":46},{"lineNo":"47","itemCode":"SKU-047","planQty":47},{"lineNo":"48","itemCode":"SKU-048","planQty":48},{"lineNo":"49","itemCode":"SKU-049","planQty":49},{"lineNo":"50","itemCode":"SKU-050","planQty":50}]}', '"orderCode":"x"', '"orderCode":"' || code || '"') AS req
  FROM (SELECT upper(md5('pgi' || :client_id || '-' || :n || random())) AS sign, 'PGI-' || :client_id || '-' || :n || '-' || md5(random()::text) AS code) c \gset
WITH prior AS (
       SELECT outcome FROM replay_keys WHERE client_id = :pg_client AND endpoint = '/dtc/logistics/inOrder' AND sign = :sign),
     existing AS (
       SELECT id, hx_order_no, status, fingerprint, order_type FROM orders WHERE tenant = 'PGBENCH' AND kind = 'IN' AND order_code = :code),
     missing AS (
       SELECT 1 AS grp, u.wh || '/' || u.ow AS code, u.i FROM UNNEST(ARRAY['WH01']::text[], ARRAY['OW01']::text[]) WITH ORDINALITY AS u(wh, ow, i)
        WHERE NOT EXISTS (SELECT 1 FROM inventory_orgs g WHERE g.tenant = 'PGBENCH' AND g.inventory_code = u.wh AND g.subbase_code = u.ow)
       UNION ALL
       SELECT 2, u.c, u.i FROM UNNEST(ARRAY(SELECT format('SKU-%s', lpad(g::text, 3, '0')) FROM generate_series(:s, :s + 49) g)) WITH ORDINALITY AS u(c, i)
        WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant = 'PGBENCH' AND p.item_code = u.c)
       UNION ALL
       SELECT 3, u.c, u.i FROM UNNEST(ARRAY[]::text[]) WITH ORDINALITY AS u(c, i)
        WHERE NOT EXISTS (SELECT 1 FROM consignees x WHERE x.tenant = 'PGBENCH' AND x.consignee_code = u.c)),
     decided AS (
       SELECT CASE WHEN EXISTS (SELECT 1 FROM prior) THEN 'replayed'
                   WHEN EXISTS (SELECT 1 FROM existing WHERE fingerprint = 'fp') THEN 'same'
                   WHEN EXISTS (SELECT 1 FROM existing) THEN 'conflict'
                   WHEN EXISTS (SELECT 1 FROM missing) THEN 'missing'
                   ELSE 'new' END AS what),
     number AS (
       SELECT 'HX' || 'I' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD') || lpad(nextval('hx_order_no_seq')::text, 8, '0') AS hx
         FROM decided WHERE what = 'new'),
     answer AS (
       SELECT n.hx AS hx_order_no, 'CREATED'::text AS status, false AS existed FROM number n
       UNION ALL
       SELECT e.hx_order_no, e.status, true FROM existing e, decided d WHERE d.what = 'same'),
     claimed AS (
       INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
       SELECT :pg_client, :sign, '/dtc/logistics/inOrder',
              jsonb_build_object('order_code', :code::text, 'hx_order_no', a.hx_order_no, 'status', a.status, 'existed', a.existed)
         FROM answer a
       RETURNING 1 AS one),
     head AS (
       INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code, to_subbase_code,
              status, fingerprint, request, client_id)
       SELECT 'PGBENCH', 'IN', :code, n.hx, 'CGRK', 'WH01', 'OW01', NULL, 'CREATED', 'fp',
              :req::text::jsonb,
              :pg_client
         FROM number n LEFT JOIN (SELECT count(*) AS n FROM claimed) c ON true
       RETURNING id, hx_order_no),
     lines AS (
       INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code, product_date,
              expire_date, produce_code, price, remark)
       SELECT h.id, (g - :s + 1)::text, format('SKU-%s', lpad(g::text, 3, '0')), (g % 100) + 1, 'ZP',
              NULL, NULL, NULL, NULL, NULL, NULL
         FROM head h, generate_series(:s, :s + 49) g
       RETURNING 1 AS one),
     event AS (
       INSERT INTO order_events (order_id, status) SELECT h.id, 'CREATED' FROM head h RETURNING 1 AS one)
SELECT d.what, (SELECT outcome FROM prior), (SELECT array_agg(m.grp) FROM missing m), (SELECT array_agg(m.code) FROM missing m),
       COALESCE((SELECT h.id FROM head h), (SELECT e.id FROM existing e)),
       COALESCE((SELECT h.hx_order_no FROM head h), (SELECT e.hx_order_no FROM existing e)),
       (SELECT e.status FROM existing e), (SELECT e.fingerprint FROM existing e), (SELECT e.order_type FROM existing e),
       (SELECT count(*) FROM lines), (SELECT count(*) FROM event)
  FROM decided d;
