#!/usr/bin/env bash
# The console on a database with 1,000,000 orders (and 200,000 pushes, 100,000 audit rows of
# the last hour): loads them with generate_series, starts a release build, signs in, and
# times each list page with curl under every filter, first page and a later one (keyset
# paging: `before=<id>`). Prints one line per page: milliseconds (median of 5) and bytes.
#   BENCH_ORDERS (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
orders="${BENCH_ORDERS:-1000000}"
unset DATABASE_URL
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
# shellcheck source=bench/seed.sh
source bench/seed.sh
bench_database hongxun_console_bench
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
cargo build --release --locked --bin hongxun-gateway 2>&1 | tail -1
bin=target/release/hongxun-gateway
"$bin" migrate
"$bin" client add --kind customer --create-by T1 --data-source ERP --secret s >/dev/null
echo "loading $orders orders..." >&2
t0=$(date +%s)
"$psql" -q "$DATABASE_URL" <<SQL
INSERT INTO orders (tenant, kind, order_code, hx_order_no, order_type, inventory_code, subbase_code, status,
                    fingerprint, request, created_at)
SELECT 'T' || (i % 50), (ARRAY['IN','OUT','PROPERTY','TRANSPORT'])[1 + i % 4], 'ORD-' || i, 'HXB' || lpad(i::text, 10, '0'),
       'CGRK', 'WH01', 'OW01', (ARRAY['CREATED','PROCESSING','SHIPPED','RECEIVED','CANCELLED'])[1 + i % 5],
       '-', jsonb_build_object('remark', 'bench ' || i), now() - make_interval(secs => ($orders - i) * 0.5)
  FROM generate_series(1, $orders) i;
INSERT INTO push_outbox (event_id, client_id, tenant, event_type, order_key, payload, status, attempts, created_at)
SELECT gen_random_uuid(), (SELECT min(id) FROM clients), 'T' || (i % 50), 'inboundBatch', 'order:' || i, '{}',
       (ARRAY['delivered','delivered','delivered','dead','pending'])[1 + i % 5], 1, now() - make_interval(secs => i)
  FROM generate_series(1, $orders / 5) i;
INSERT INTO api_requests (request_id, method, endpoint, code, http_status, latency_ms, created_at)
SELECT 'r' || i, 'POST', '/dtc/logistics/outOrder', CASE WHEN i % 50 = 0 THEN 3005 ELSE 200 END,
       CASE WHEN i % 50 = 0 THEN 400 ELSE 200 END, 3.0, now() - make_interval(secs => i % 3600)
  FROM generate_series(1, $orders / 10) i;
ANALYZE;
SQL
echo "loaded in $(( $(date +%s) - t0 ))s" >&2
token=$("$bin" token add --name bench | sed -n 's/.*"token": "\(.*\)".*/\1/p')
port=$(( 20000 + RANDOM % 10000 ))
# Plain HTTP on loopback: the session cookie without Secure, so that curl sends it back.
HXGW__CONSOLE__INSECURE_COOKIE=true "$bin" serve --bind "127.0.0.1:$port" >/tmp/hxgw-console-bench.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
jar=$(mktemp)
signed_in=$(curl -s -c "$jar" -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/console/login" --data-urlencode "token=$token")
[ "$signed_in" = 303 ] && grep -q hxgw_console "$jar" || { echo "FAIL: sign-in answered $signed_in without a session" >&2; exit 1; }
mid=$(( orders / 2 ))
printf '%-70s %8s %9s\n' page ms bytes
for path in \
  "/console" \
  "/console/orders" \
  "/console/orders?before=$mid" \
  "/console/orders?customer=T7" \
  "/console/orders?customer=T7&before=$mid" \
  "/console/orders?status=SHIPPED" \
  "/console/orders?kind=TRANSPORT&status=CANCELLED" \
  "/console/orders?code=ORD-$mid" \
  "/console/orders?code=HXB$(printf '%010d' $mid)" \
  "/console/orders?from=2026-01-01T00:00&to=2099-01-01T00:00&customer=T3" \
  "/console/orders/HXB$(printf '%010d' $mid)" \
  "/console/pushes?status=dead" \
  "/console/pushes?status=dead&customer=T9" \
  "/console/pushes?status=delivered&before=100000" \
  "/console/dws" \
  "/console/inventory" \
  "/console/identities"; do
  times=()
  for _ in 1 2 3 4 5; do
    read -r code t < <(curl -s -b "$jar" -o /tmp/hxgw-console-page -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$port$path")
    [ "$code" = 200 ] || { echo "FAIL: $path answered $code" >&2; exit 1; }
    times+=("$t")
  done
  ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{printf "%.1f", $1 * 1000}')
  printf '%-70s %8s %9s\n' "$path" "$ms" "$(wc -c < /tmp/hxgw-console-page)"
done
grep -q "statement timeout\|ERROR" /tmp/hxgw-console-bench.log && { echo "errors in the gateway log" >&2; exit 1; } || true
