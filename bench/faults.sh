#!/usr/bin/env bash
# Fault check: the database goes away under a running gateway and comes back.
# Run by scripts/test after the test suite; on its own: bench/faults.sh
# Uses its own PostgreSQL cluster (own directory and port) so stopping it harms nothing else.
# Checks: requests answer 503 (code 503) within the acquire timeout while it is down, /readyz
# fails, the gateway recovers without a restart, and no acknowledged order is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL
export HXGW_PG_DIR="${TMPDIR:-/tmp}/hxgw-faults-pg" HXGW_PG_PORT=16432
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
hxgw_local_postgres
pg() { hxgw_as_owner "$HXGW_PG_BIN_DIR/pg_ctl" -D "$HXGW_PG_DATA_DIR" "$@" >/dev/null; }
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
export HXGW__DATABASE__ACQUIRE_TIMEOUT_MS=1500 HXGW__SERVER__REQUEST_TIMEOUT_MS=5000
port=$(sed -E 's#.*:([0-9]+)/.*#\1#' <<<"$DATABASE_URL")
# HXGW_FAULTS_BIN reuses a binary already built (scripts/test passes its debug build).
bin="${HXGW_FAULTS_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release --locked --bin hongxun-gateway 2>&1 | tail -1
  bin=target/release/hongxun-gateway
fi
"$HXGW_PG_BIN_DIR/psql" -q "${DATABASE_URL%/*}/postgres" -c "DROP DATABASE IF EXISTS hongxun_faults" -c "CREATE DATABASE hongxun_faults"
export DATABASE_URL="${DATABASE_URL%/*}/hongxun_faults"
"$bin" migrate
"$bin" client add --kind customer --create-by F1 --data-source ERP --secret fault-secret >/dev/null
work=$(mktemp -d /tmp/hxgw-faults.XXXXXX)
"$bin" serve --bind 127.0.0.1:0 2>"$work/gateway.log" &
gw=$!
trap 'kill $gw 2>/dev/null || true; pg stop -m fast 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/gateway.log" && break; sleep 0.1; done
addr=$(grep -o "listening on [0-9.:]*" "$work/gateway.log" | head -1 | awk '{print $3}')
call() { # call PATH REQUEST -> "HTTP CODE" on one line
  printf '{"createBy":"F1","dataSource":"ERP","request":%s}' "$2" | "$bin" sign --secret fault-secret --body - --now --print-body \
    | curl -s -o "$work/reply.json" -w "%{http_code}" -X POST "http://$addr$1" --data-binary @- || true
  echo " $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("code"))' "$work/reply.json" 2>/dev/null || echo none)"
}
org='{"inventoryCode":"WH01","inventoryName":"仓","subbaseCode":"OW01","subbaseName":"主","contact":"李","phone":"13800138000"}'
[ "$(call /dtc/base/inventoryOrg "$org")" = "200 200" ] || { echo "FAIL: setup"; exit 1; }
call /dtc/base/product '{"products":[{"itemCode":"SKU-1","itemName":"x"}]}' >/dev/null
inorder() { echo "{\"orderCode\":\"$1\",\"orderType\":\"CGRK\",\"inventoryCode\":\"WH01\",\"subbaseCode\":\"OW01\",\"items\":[{\"lineNo\":\"1\",\"itemCode\":\"SKU-1\",\"planQty\":1}]}"; }
acked=()
for i in $(seq 1 20); do [ "$(call /dtc/logistics/inOrder "$(inorder "F-$i")")" = "200 200" ] && acked+=("F-$i"); done
echo "acknowledged before the outage: ${#acked[@]}"

pg stop -m immediate
SECONDS=0
during=$(call /dtc/logistics/inOrder "$(inorder F-DOWN)")
took=$SECONDS
ready=$(curl -s -o /dev/null -w "%{http_code}" "http://$addr/readyz")
echo "database down: inOrder answered '$during' in ${took}s; /readyz $ready"
[ "$during" = "503 503" ] && [ "$took" -le 4 ] && [ "$ready" = 503 ] || { echo "outage not answered 503 in time"; echo "faults: 0 passed, 1 failed"; exit 1; }

pg start -w -o "-p $port -c listen_addresses=127.0.0.1 -k $HXGW_PG_DATA_DIR" -l "$HXGW_PG_DATA_DIR/server.log"
SECONDS=0
until [ "$(call /dtc/logistics/inOrder "$(inorder F-AFTER)")" = "200 200" ]; do
  [ "$SECONDS" -lt 30 ] || { echo "no recovery within 30 s"; echo "faults: 1 passed, 1 failed"; exit 1; }
  sleep 0.5
done
echo "recovered without a restart after ${SECONDS}s; /readyz $(curl -s -o /dev/null -w "%{http_code}" "http://$addr/readyz")"
missing=0
for c in "${acked[@]}"; do
  n=$("$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SELECT count(*) FROM orders WHERE order_code = '$c'")
  [ "$n" = 1 ] || missing=$((missing + 1))
done
down=$("$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SELECT count(*) FROM orders WHERE order_code = 'F-DOWN'")
echo "RESULT db-outage acknowledged=${#acked[@]} missing=$missing refused_during_outage_written=$down"
[ "$missing" = 0 ] && [ "$down" = 0 ] || { echo "faults: 2 passed, 1 failed"; exit 1; }
# Three checks: 503 during the outage, recovery without restart, nothing acknowledged lost.
echo "faults: 3 passed, 0 failed"
