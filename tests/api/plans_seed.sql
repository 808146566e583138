-- A database in use, for tests/api/plans.rs: every table that grows with traffic holds
-- thousands of rows, over two tenants, with the skews a warehouse has (one order carrying
-- many packages, lines, serial numbers and routes; most DWS scans matched, a few not; most
-- pushes delivered). Only the shape matters: the test reads the statements' generic plans.
INSERT INTO tenants (name) VALUES ('BIG'), ('SMALL');
INSERT INTO clients (kind, create_by, data_source, secret_enc, dialect, app_key, customer_id)
SELECT k, t, 'SRC' || n, '\x00', d, CASE WHEN d IN ('qimen', 'oms') THEN t || d END, t || d
  FROM unnest(ARRAY['BIG', 'SMALL']) t,
       unnest(ARRAY['customer', 'customer', 'customer', 'customer', 'device', 'carrier'],
              ARRAY['hongxun', 'qimen', 'oms', 'tms', 'hongxun', 'hongxun']) WITH ORDINALITY AS x(k, d, n);

INSERT INTO trips (tenant, pack_number)
SELECT t, 'TRIP-' || t || i FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 2500) i;
INSERT INTO slips (tenant, number, state, content, fingerprint, device_number)
SELECT t, 'SLIP-' || t || i, CASE WHEN i % 50 = 0 THEN 'PENDING' ELSE 'DONE' END, '{}', '-', 'DEV-' || i % 500 FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 2500) i;
INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code, status,
                    fingerprint, request, client_id, waybill_no, carrier_code, transport_no, trip_id, slip_id)
SELECT t, (ARRAY['OUT', 'IN', 'TRANSPORT', 'PROPERTY'])[1 + i % 4], 'O-' || i, 'HX' || t || i, 'JYCK', 'WH01', 'OW01',
       'SHIPPED', '-', '{}', (SELECT min(id) FROM clients WHERE create_by = t), 'WB-' || t || i, 'SF', 'TN-' || t || i,
       CASE WHEN i % 4 = 2 THEN (SELECT min(id) FROM trips WHERE tenant = t) + i % 2500 END,
       CASE WHEN i % 4 = 2 THEN (SELECT min(id) FROM slips WHERE tenant = t) + i % 2500 END
  FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 10000) i;
INSERT INTO order_lines (order_id, line_no, item_code, plan_qty)
SELECT o.id, k::text, 'SKU-' || (o.id * 7 + k) % 5000, 1 FROM orders o, generate_series(1, 3) k;
-- The hot order: a container of 3,000 lines.
INSERT INTO order_lines (order_id, line_no, item_code, plan_qty)
SELECT (SELECT min(id) FROM orders), 'H' || k, 'SKU-' || k, 1 FROM generate_series(1, 3000) k;
INSERT INTO order_events (order_id, status) SELECT id, 'SHIPPED' FROM orders;
INSERT INTO order_confirmations (order_id, confirm_seq, confirm_type, confirm_time, lines)
SELECT id, 1, 'FINAL', now(), '{}' FROM orders WHERE id % 2 = 0;
INSERT INTO packages (tenant, order_id, confirmation_id, package_no, waybill_no, carrier_code, items)
SELECT o.tenant, o.id, c.id, 'P-' || o.id, o.waybill_no, 'SF', '[]'
  FROM orders o JOIN order_confirmations c ON c.order_id = o.id;
-- … and the hot order's packages: as many as all the others.
INSERT INTO packages (tenant, order_id, confirmation_id, package_no, waybill_no, carrier_code, items)
SELECT o.tenant, o.id, c.id, 'PH-' || k, 'WBH-' || k, 'SF', '[]'
  FROM (SELECT * FROM order_confirmations ORDER BY id LIMIT 1) c JOIN orders o ON o.id = c.order_id,
       generate_series(1, 10000) k;
INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, scan_time, package_id, match_status)
SELECT (SELECT min(id) FROM clients WHERE kind = 'device'), 'LINE-' || p.id % 8, p.waybill_no, 1.0,
       now() - p.id * interval '1 second', p.id, 'MATCHED'
  FROM packages p;
INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, scan_time, match_status)
SELECT (SELECT min(id) FROM clients WHERE kind = 'device'), 'LINE-1', 'NOSUCH-' || i, 1.0,
       now() - i * interval '1 second', (ARRAY['UNMATCHED', 'AMBIGUOUS'])[1 + i % 2]
  FROM generate_series(1, 500) i;

INSERT INTO products (tenant, item_code, item_name, bar_code)
SELECT t, 'SKU-' || i, 'item ' || i, '69' || lpad(i::text, 11, '0')
  FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 5000) i;
INSERT INTO inventory_orgs (tenant, inventory_code, subbase_code, inventory_name, subbase_name, contact, phone)
SELECT t, 'WH01', 'OW01', 'WH', 'owner', 'Li', '13800138000' FROM unnest(ARRAY['BIG', 'SMALL']) t;
INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type, on_hand)
SELECT t, 'WH01', 'OW01', 'SKU-' || i, 'ZP', 1000 FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 5000) i;
INSERT INTO inventory_movements (balance_id, reason, on_hand_delta, reference)
SELECT b.id, 'ADJUSTMENT', 1, 'seed' FROM inventory_balances b, generate_series(1, 4) k;
-- The hot balance: a fast mover with as many movements as all the others.
INSERT INTO inventory_movements (balance_id, reason, on_hand_delta, order_id, order_line_id, reference)
SELECT (SELECT min(id) FROM inventory_balances), 'SHIPMENT', -1, l.order_id, l.id, 'seed'
  FROM order_lines l LIMIT 40000;
-- Reservations hold a few hundred fast movers, the first balances made.
INSERT INTO reservations (order_line_id, balance_id, qty)
SELECT l.id, (SELECT min(id) FROM inventory_balances) + l.id % 400, 1 FROM order_lines l WHERE l.id % 3 = 0;

INSERT INTO replay_keys (client_id, sign, endpoint, outcome)
SELECT c.id, md5(c.id || '-' || i), '/seed', '{}' FROM clients c, generate_series(1, 2000) i;
INSERT INTO api_requests (request_id, client_id, method, endpoint, code, http_status, latency_ms)
SELECT 'R' || i, (SELECT min(id) FROM clients) + i % 12, 'seed', '/seed', 200, 200, 1 FROM generate_series(1, 20000) i;
INSERT INTO push_outbox (event_id, client_id, tenant, event_type, order_key, payload, status, delivered_at)
SELECT gen_random_uuid(), c.id, c.create_by, 'ORDER_STATUS', 'O-' || i, '{}',
       CASE WHEN i % 100 = 0 THEN 'pending' WHEN i % 100 = 1 THEN 'dead' ELSE 'delivered' END,
       CASE WHEN i % 100 > 1 THEN now() END
  FROM clients c, generate_series(1, 2000) i WHERE c.kind = 'customer';
INSERT INTO push_attempts (push_id, attempt, started_at, duration_ms, http_status, success)
SELECT id, 1, now(), 1, 200, true FROM push_outbox;
INSERT INTO event_subscriptions (client_id, scope, changes, callback_url)
SELECT id, 'order', '{1}', 'http://127.0.0.1:9/' FROM clients WHERE dialect = 'tms';

INSERT INTO routes (carrier_code, waybill_no, node_type, node_time, description, tenant, order_id)
SELECT 'SF', o.waybill_no, 'TRANSIT', now() - k * interval '1 hour', 'seed', o.tenant, o.id
  FROM orders o, generate_series(1, 2) k;
INSERT INTO routes (carrier_code, waybill_no, node_type, node_time, description)
SELECT 'SF', 'UNLINKED-' || i, 'PICKUP', now(), 'seed' FROM generate_series(1, 2000) i;
INSERT INTO sign_offs (tenant, order_id, waybill_no, carrier_code, sign_status, sign_time)
SELECT tenant, id, waybill_no, 'SF', 'SIGNED', now() FROM orders WHERE id % 4 = 0;
INSERT INTO sign_images (id, carrier_code, waybill_no, sha256, content_type, size_bytes, bytes, sign_time, tenant, order_id)
SELECT gen_random_uuid(), 'SF', waybill_no, md5(id::text), 'image/png', 1, '\x00', now(), tenant, id
  FROM orders WHERE id % 4 = 0;
-- Images whose waybill no order names yet (they are linked when it appears).
INSERT INTO sign_images (id, carrier_code, waybill_no, sha256, content_type, size_bytes, bytes, sign_time)
SELECT gen_random_uuid(), 'SF', 'UNKNOWN-' || i, md5(i::text), 'image/png', 1, '\x00', now() FROM generate_series(1, 2000) i;
INSERT INTO serial_codes (tenant, sn_code, order_id, order_line_id, open)
SELECT o.tenant, 'SN-' || l.id, l.order_id, l.id, l.id % 2 = 0 FROM order_lines l JOIN orders o ON o.id = l.order_id;
INSERT INTO lpns (order_id, lpn_code) SELECT id, 'LPN-' || id FROM orders WHERE id % 2 = 1;
INSERT INTO lpn_items (lpn_id, item_code, qty) SELECT id, 'SKU-' || k, 1 FROM lpns, generate_series(1, 2) k;
INSERT INTO waybill_exceptions (order_id, report) SELECT id, '{}' FROM orders WHERE id % 4 = 3;
INSERT INTO order_vehicles (order_id, vin) SELECT id, 'VIN' || id FROM orders WHERE kind = 'TRANSPORT';
INSERT INTO vehicles (tenant, vin, inventory_code, order_id) SELECT tenant, 'V' || id, 'WH01', id FROM orders WHERE kind = 'PROPERTY';
INSERT INTO consignees (tenant, consignee_code, name, phone, province_name, city_name, address)
SELECT t, 'C-' || i, 'name', '138', 'P', 'C', 'addr' FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 5000) i;
INSERT INTO tms_customers (tenant, type, phone, name, address, payment_type)
SELECT t, 1, '139' || i, 'name', 'addr', 1 FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 5000) i;
INSERT INTO warehouses (tenant, code, name)
SELECT t, 'W-' || i, 'name' FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 2500) i;
INSERT INTO adjustment_requests (tenant, adjust_order_code, inventory_code, subbase_code, adjust_type, content, fingerprint, status)
SELECT t, 'ADJ-' || i, 'WH01', 'OW01', 'CHECK', '{}', '-', CASE WHEN i % 50 = 0 THEN 'PENDING' ELSE 'APPROVED' END FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 2500) i;
INSERT INTO inventory_adjustments (tenant, adjust_order_code, inventory_code, subbase_code, adjust_type, fingerprint, outcome)
SELECT t, 'ADJ-' || i, 'WH01', 'OW01', 'CHECK', '-', '{}' FROM unnest(ARRAY['BIG', 'SMALL']) t, generate_series(1, 2500) i;

-- The statistics of a large table whose child rows are stored together (an order's lines, its
-- events, its packages, …): ANALYZE's sample then underestimates the distinct parents, and
-- the planner expects many children per parent. On bench/run.sh's database after a run,
-- order_lines.order_id was estimated at 68,032 distinct orders for 518,001 (7.6 × too few), and
-- the error grows with the table. Here a hundredth of the truth, applied at the test's ANALYZE.
DO $$
DECLARE
  c record;
  d bigint;
BEGIN
  FOR c IN SELECT * FROM (VALUES ('order_lines', 'order_id'), ('order_events', 'order_id'),
                                 ('packages', 'order_id'), ('order_confirmations', 'order_id'),
                                 ('serial_codes', 'order_id'), ('serial_codes', 'order_line_id'),
                                 ('lpns', 'order_id'), ('lpn_items', 'lpn_id'),
                                 ('inventory_movements', 'order_id'), ('reservations', 'order_line_id'),
                                 ('routes', 'order_id'), ('routes', 'waybill_no'), ('sign_offs', 'order_id'),
                                 ('sign_images', 'order_id'), ('dws_scans', 'package_id'),
                                 ('push_attempts', 'push_id')) AS v(t, col) LOOP
    EXECUTE format('SELECT greatest(count(DISTINCT %I) / 100, 1) FROM %I', c.col, c.t) INTO d;
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET (n_distinct = %s)', c.t, c.col, d);
  END LOOP;
END $$;
