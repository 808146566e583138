# The benches' databases (sourced after scripts/local-postgres.sh).

# bench_database NAME: the private cluster up (hxgw_local_postgres) with a fresh, empty
# database NAME in it; exports DATABASE_URL for it, and sets base_url (the cluster's, without a
# database) and psql (its client).
bench_database() {
  hxgw_local_postgres
  base_url="${DATABASE_URL%/*}"
  export DATABASE_URL="$base_url/$1"
  psql="$HXGW_PG_BIN_DIR/psql"
  "$psql" -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}

# bench_seed BIN PSQL DATABASE_URL: bench/run.sh's identities, base data and stock, and a
# history of orders, into a freshly migrated database (bench/run.sh, bench/soak.sh).
bench_seed() {
  local bin=$1 psql=$2 url=$3
  add() { "$bin" client add --kind "$1" --create-by "$2" --data-source "$3" --secret "$4" --rate-limit 1000000000 >/dev/null; }
  add customer BENCH ERP bench-secret
  add customer PGBENCH ERP pg-secret
  add device BENCH-DWS LINE dws-secret
  add device PGBENCH-DWS LINE pgdws-secret
  "$bin" client add --kind customer --create-by BENCH --data-source QIMEN --dialect qimen --app-key BENCHQM \
    --customer-id BENCH-QM --secret qm-secret --rate-limit 1000000000 >/dev/null
  HXGW_TMS_PASSWORD=bench-tms-pass "$bin" client add --kind customer --create-by BENCH --data-source TMS --dialect tms \
    --user-name bench-tms --secret tms-secret --rate-limit 1000000000 >/dev/null
  HXGW_TMS_PASSWORD=pg-tms-pass "$bin" client add --kind customer --create-by PGBENCH --data-source TMS --dialect tms \
    --user-name pg-tms --secret pg-tms-secret --rate-limit 1000000000 >/dev/null

  # Base data and stock for both tenants: WH01/OW01, SKU-001..SKU-200, plenty of stock (and
  # 10,000 other items of the owner, which no order names); a history of shipped orders; and
  # 10,000 packages on them with waybills WB000001..WB010000 for the DWS to match.
  "$psql" -q "$url" <<'SQL'
INSERT INTO inventory_orgs (tenant, inventory_code, subbase_code, inventory_name, subbase_name, contact, phone)
SELECT t, 'WH01', 'OW01', 'Bench WH', 'Bench owner', 'Li', '13800138000' FROM unnest(ARRAY['BENCH','PGBENCH']) t;
INSERT INTO products (tenant, item_code, item_name)
SELECT t, format('SKU-%s', lpad(i::text, 3, '0')), 'item ' || i FROM unnest(ARRAY['BENCH','PGBENCH']) t, generate_series(1, 200) i;
-- The product master the sync scenario re-sends (PS-00001..PS-10000): a periodic re-sync
-- updates existing products, as ERPs do.
INSERT INTO products (tenant, item_code, item_name, bar_code, unit, gross_weight_kg, price)
SELECT t, format('PS-%s', lpad(i::text, 5, '0')), 'old name', '00', '个', 0.4, 1 FROM unnest(ARRAY['BENCH','PGBENCH']) t, generate_series(1, 10000) i;
INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand)
SELECT t, 'WH01', 'OW01', format('SKU-%s', lpad(i::text, 3, '0')), 'ZP', '', 1000000000
  FROM unnest(ARRAY['BENCH','PGBENCH']) WITH ORDINALITY AS x(t, o), generate_series(1, 200) i ORDER BY o, i;
INSERT INTO inventory_movements (balance_id, reason, on_hand_delta, reference)
SELECT id, 'ADJUSTMENT', on_hand, 'bench stock' FROM inventory_balances;
-- The rest of each owner's stock: 10,000 more items (SKU-00001..SKU-10000, after the 200 so
-- that those keep their ids). With only the 200 the orders name, the balances table held 400
-- rows, and plans fitted to that size differed between the sides: the inventory query's generic
-- plan (the gateway's) walked the owner's 200 balances in key order, while pgbench's, with the
-- owner written in, read the 400 by sequential scan. At a warehouse's size both take the key
-- with the 20 items, as production would (docs/performance.md, ninth part).
INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand)
SELECT t, 'WH01', 'OW01', format('SKU-%s', lpad(i::text, 5, '0')), 'ZP', '', 1000
  FROM unnest(ARRAY['BENCH','PGBENCH']) t, generate_series(1, 10000) i;
-- History, so the planner sees tables of a database in use: 20,000 shipped orders of 5 lines
-- per tenant. (On empty tables, plans cached early, e.g. foreign-key checks, stay seq scans.)
INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code, status, fingerprint, request)
SELECT t, 'OUT', format('H-%s', i), format('HXOH%s%s', o, lpad(i::text, 8, '0')), 'JYCK', 'WH01', 'OW01', 'SHIPPED', '-', '{}'
  FROM unnest(ARRAY['BENCH','PGBENCH']) WITH ORDINALITY AS x(t, o), generate_series(1, 20000) i;
INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, actual_qty, inventory_type)
SELECT o.id, k::text, format('SKU-%s', lpad((k * 40 - (o.id % 40))::text, 3, '0')), 1, 1, 'ZP'
  FROM orders o, generate_series(1, 5) k WHERE o.order_code LIKE 'H-%';
INSERT INTO order_events (order_id, status) SELECT id, 'SHIPPED' FROM orders WHERE order_code LIKE 'H-%';
-- The DWS's packages: one on every other shipped order of the BENCH tenant (H-2, H-4, …), as a
-- warehouse's packages spread over its orders, in waybill order. Until 2026-12-06 all 10,000
-- hung on one order, the table's first; with those statistics the planner merge-joined the
-- scanned packages with all orders in key order, which stopped at once for that order and
-- read every order up to any other (docs/performance.md, eleventh part).
INSERT INTO order_confirmations (order_id, confirm_seq, confirm_type, confirm_time, lines)
SELECT o.id, 1, 'FINAL', now(), '{}'
  FROM generate_series(1, 10000) i JOIN orders o ON o.tenant = 'BENCH' AND o.kind = 'OUT' AND o.order_code = format('H-%s', 2 * i)
 ORDER BY i;
INSERT INTO packages (tenant, order_id, confirmation_id, package_no, waybill_no, carrier_code, weight_kg, items)
SELECT 'BENCH', o.id, c.id, 'PKG' || lpad(i::text, 6, '0'), 'WB' || lpad(i::text, 6, '0'), 'SF', 1.0, '[]'
  FROM generate_series(1, 10000) i
  JOIN orders o ON o.tenant = 'BENCH' AND o.kind = 'OUT' AND o.order_code = format('H-%s', 2 * i)
  JOIN order_confirmations c ON c.order_id = o.id
 ORDER BY i;
-- prod100's pgbench side binds its column arrays as the gateway does (bench/product_sync.pgbench.sql).
-- Built per call, they cost PostgreSQL 220 µs (100 rows aggregated), a cost the gateway does not
-- have, so they are made here once: the codes of each block of 100, and 64 lists of prices (a
-- sync nearly always changes its products' prices, as the gateway's bodies do).
CREATE TABLE bench_product_blocks AS
SELECT b AS blk,
       array_agg(format('PS-%s', lpad((b * 100 + g)::text, 5, '0')) ORDER BY g)::text AS codes,
       array_agg('商品 ' || g ORDER BY g)::text AS names,
       array_agg('69' || lpad((b * 100 + g)::text, 11, '0') ORDER BY g)::text AS bars,
       array_agg('个'::text)::text AS units, array_agg(0.5::numeric)::text AS gws,
       array_fill(NULL::text, ARRAY[100])::text AS nulls
  FROM generate_series(0, 99) b, generate_series(1, 100) g GROUP BY b;
CREATE TABLE bench_product_prices AS
SELECT v, array_agg(round((1 + random() * 99)::numeric, 2))::text AS prices
  FROM generate_series(0, 63) v, generate_series(1, 100) g GROUP BY v;
ALTER TABLE bench_product_blocks ADD PRIMARY KEY (blk);
ALTER TABLE bench_product_prices ADD PRIMARY KEY (v);
-- And the replay keys of the last minutes (each signed call's key is kept 2 x the timestamp
-- window + a margin: at 1,000 calls/s, over a million): 40,000 per identity, young enough that
-- retention keeps them through the run. With this table empty at the start, the sessions'
-- generic plans, made on their first calls, read it by sequential scan for the whole first
-- scenario: 98 million rows read in one 10-s run, twice PostgreSQL's CPU per order, paid by
-- whichever side ran first (docs/performance.md, eighth part).
INSERT INTO replay_keys (client_id, sign, endpoint, outcome, created_at)
SELECT c.id, upper(md5(c.id || '-' || i)), '/history', '{}', now() - (i % 300) * interval '1 second'
  FROM clients c, generate_series(1, 40000) i;
VACUUM ANALYZE;
CHECKPOINT;
SQL
}
