#!/usr/bin/env bash
# Benchmark: signed outbound-order creation (5 lines) through the gateway, measured with wrk,
# against the same transaction's SQL through pgbench, in one run on this machine.
# Starts its own PostgreSQL (scripts/local-postgres.sh) and a release build on loopback.
#   BENCH_SECS (default 20)   BENCH_CONNS (default 16)   BENCH_BODIES (default 60000)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${BENCH_SECS:-20}"; conns="${BENCH_CONNS:-16}"; nbodies="${BENCH_BODIES:-60000}"
command -v wrk >/dev/null || { echo "installing wrk..." >&2; apt-get update -qq >&2; apt-get install -y -qq wrk >&2; }
unset DATABASE_URL
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
hxgw_local_postgres
base_url="${DATABASE_URL%/*}"
export DATABASE_URL="$base_url/hongxun_bench"
psql="$HXGW_PG_BIN_DIR/psql"
"$psql" -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS hongxun_bench" -c "CREATE DATABASE hongxun_bench"
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
cargo build --release --locked --bin hongxun-gateway 2>&1 | tail -1
bin=target/release/hongxun-gateway
work=$(mktemp -d /tmp/hxgw-bench.XXXXXX)
"$bin" migrate
"$bin" client add --kind customer --create-by BENCH --data-source ERP --secret bench-secret --rate-limit 1000000000 >/dev/null
"$bin" client add --kind customer --create-by PGBENCH --data-source ERP --secret pg-secret --rate-limit 1000000000 >/dev/null

# Base data and stock for both tenants: WH01/OW01, SKU-001..SKU-200, plenty of stock each.
"$psql" -q "$DATABASE_URL" <<'SQL'
INSERT INTO inventory_orgs (tenant, inventory_code, subbase_code, inventory_name, subbase_name, contact, phone)
SELECT t, 'WH01', 'OW01', 'Bench WH', 'Bench owner', 'Li', '13800138000' FROM unnest(ARRAY['BENCH','PGBENCH']) t;
INSERT INTO products (tenant, item_code, item_name)
SELECT t, format('SKU-%s', lpad(i::text, 3, '0')), 'item ' || i FROM unnest(ARRAY['BENCH','PGBENCH']) t, generate_series(1, 200) i;
INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand)
SELECT t, 'WH01', 'OW01', format('SKU-%s', lpad(i::text, 3, '0')), 'ZP', '', 1000000000
  FROM unnest(ARRAY['BENCH','PGBENCH']) WITH ORDINALITY AS x(t, o), generate_series(1, 200) i ORDER BY o, i;
INSERT INTO inventory_movements (balance_id, reason, on_hand_delta, reference)
SELECT id, 'ADJUSTMENT', on_hand, 'bench stock' FROM inventory_balances;
ANALYZE;
SQL
pg_client=$("$psql" -tA "$DATABASE_URL" -c "SELECT id FROM clients WHERE create_by='PGBENCH'")
pg_base=$("$psql" -tA "$DATABASE_URL" -c "SELECT min(id) - 1 FROM inventory_balances WHERE tenant='PGBENCH'")

python3 bench/gen_bodies.py out5 bench-secret BENCH ERP "$nbodies" B "$work/out5.txt"

HXGW__LOG__LEVEL="warn,hongxun_gateway::startup=info" "$bin" serve --bind 127.0.0.1:0 2>"$work/gateway.log" &
gw=$!
trap 'kill $gw 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/gateway.log" 2>/dev/null && break; sleep 0.1; done
addr=$(grep -o "listening on [0-9.:]*" "$work/gateway.log" | head -1 | awk '{print $3}')
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gw/stat"; }

echo "== gateway: POST /dtc/logistics/outOrder, 5 lines, $conns connections, ${secs}s (wrk)"
t0=$(cpu_ticks)
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/bodies.lua "http://$addr/dtc/logistics/outOrder" -- "$work/out5.txt" 2 \
  | tee "$work/wrk.txt" | grep -E "BENCH|Latency|Requests/sec"
t1=$(cpu_ticks)
line=$(grep BENCH "$work/wrk.txt")
requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
rows=$("$psql" -tA "$DATABASE_URL" -c "SELECT count(*) FROM orders WHERE tenant='BENCH'")
hz=$(getconf CLK_TCK)
cpu_us=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.0f", (b - a) / hz * 1e6 / (n > 0 ? n : 1) }')
rss_mb=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$gw/status")
echo "orders written: $rows for $requests answered requests (the difference is at most the $conns in flight at the end)"
echo "gateway CPU per request: ${cpu_us} us; peak RSS: ${rss_mb} MB"

echo "== pgbench: the same statements, $conns clients, ${secs}s"
"$HXGW_PG_BIN_DIR/pgbench" -n -c "$conns" -j 2 -T "$secs" -M prepared -D pg_client="$pg_client" -D pg_base="$pg_base" \
  -f bench/out_order.pgbench.sql "$DATABASE_URL" 2>&1 | tee "$work/pgbench.txt" | grep -E "^tps|latency average|failed"
tps=$(grep -oE "^tps = [0-9.]+" "$work/pgbench.txt" | awk '{print $3}')
awk -v g="$rps" -v p="$tps" 'BEGIN { printf "RESULT outbound-order-5-lines gateway_rps=%.1f pgbench_tps=%.1f ratio=%.2f (target >= 0.60)\n", g, p, g / p }'
echo "(logs and raw output in $work)"
