#!/usr/bin/env bash
# Fault check: the database goes away under a running gateway and comes back.
# Run by scripts/test after the test suite; on its own: bench/faults.sh
# Uses its own PostgreSQL cluster (own directory and port) so stopping it harms nothing else.
# Checks: every call before the outage is acknowledged; calls in flight when it starts and
# calls during it answer 503 (code 503), the latter within the acquire timeout (measured in
# ms); /readyz fails; the gateway recovers without a restart and /readyz is ready again; no
# acknowledged order is missing and no refused one was written.
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
call() { # call PATH REQUEST -> "HTTP CODE" on one line, " U" added when the outcome is unknown
  local out="$work/reply-$BASHPID.json"
  printf '{"createBy":"F1","dataSource":"ERP","request":%s}' "$2" | "$bin" sign --secret fault-secret --body - --now --print-body \
    | curl -s -o "$out" -w "%{http_code}" -X POST "http://$addr$1" --data-binary @- || true
  echo " $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("code"))' "$out" 2>/dev/null || echo none)$(grep -q "outcome is unknown" "$out" 2>/dev/null && echo " U")"
}
org='{"inventoryCode":"WH01","inventoryName":"仓","subbaseCode":"OW01","subbaseName":"主","contact":"李","phone":"13800138000"}'
fail() { echo "FAIL: $*"; echo "faults: $passed passed, 1 failed"; exit 1; }
passed=0
[ "$(call /dtc/base/inventoryOrg "$org")" = "200 200" ] || fail "inventory org sync"
[ "$(call /dtc/base/product '{"products":[{"itemCode":"SKU-1","itemName":"x"}]}')" = "200 200" ] || fail "product sync"
inorder() { echo "{\"orderCode\":\"$1\",\"orderType\":\"CGRK\",\"inventoryCode\":\"WH01\",\"subbaseCode\":\"OW01\",\"items\":[{\"lineNo\":\"1\",\"itemCode\":\"SKU-1\",\"planQty\":1}]}"; }
acked=()
for i in $(seq 1 20); do [ "$(call /dtc/logistics/inOrder "$(inorder "F-$i")")" = "200 200" ] && acked+=("F-$i"); done
echo "acknowledged before the outage: ${#acked[@]} of 20"
[ "${#acked[@]}" = 20 ] || fail "only ${#acked[@]} of 20 calls acknowledged with the database up"
passed=$((passed + 1))

# Load keeps running while the database goes away: each answer is recorded with its order code.
load() {
  local i=0
  while [ ! -e "$work/stop" ]; do
    i=$((i + 1))
    echo "L-$1-$i $(call /dtc/logistics/inOrder "$(inorder "L-$1-$i")")" >>"$work/load-$1.txt"
  done
}
for w in 1 2 3; do load "$w" & done
sleep 1
pg stop -m immediate
ms() { date +%s%3N; }
t0=$(ms)
during=$(call /dtc/logistics/inOrder "$(inorder F-DOWN)")
took=$(( $(ms) - t0 ))
ready=$(curl -s -o /dev/null -w "%{http_code}" "http://$addr/readyz")
sleep 1
touch "$work/stop"; wait_load() { for j in $(jobs -p); do [ "$j" = "$gw" ] || wait "$j" 2>/dev/null || true; done; }; wait_load
cat "$work"/load-*.txt >"$work/load.txt"
in_flight_503=$(grep -c " 503 503$" "$work/load.txt" || true)
load_acked=$(grep " 200 200$" "$work/load.txt" | awk '{print $1}' || true)
other=$(grep -vcE " (200 200|503 503|503 503 U)$" "$work/load.txt" || true)
echo "database down: inOrder answered '$during' in ${took} ms (acquire timeout 1500 ms); /readyz $ready"
echo "load during the outage: $(wc -l <"$work/load.txt") calls, $(wc -w <<<"$load_acked") acknowledged, $in_flight_503 answered 503, $other otherwise"
[ "$during" = "503 503" ] && [ "$took" -le 2500 ] && [ "$ready" = 503 ] || fail "outage not answered 503 within 2500 ms"
[ "$in_flight_503" -ge 1 ] && [ "$other" = 0 ] || fail "calls in flight during the outage were not all answered 200 or 503"
# A call whose COMMIT was cut off says its outcome is unknown; it may or may not be stored.
passed=$((passed + 1))

pg start -w -o "-p $port -c listen_addresses=127.0.0.1 -k $HXGW_PG_DATA_DIR" -l "$HXGW_PG_DATA_DIR/server.log"
SECONDS=0
until [ "$(call /dtc/logistics/inOrder "$(inorder F-AFTER)")" = "200 200" ]; do
  [ "$SECONDS" -lt 30 ] || fail "no recovery within 30 s"
  sleep 0.5
done
ready=$(curl -s -o /dev/null -w "%{http_code}" "http://$addr/readyz")
echo "recovered without a restart after ${SECONDS}s; /readyz $ready"
[ "$ready" = 200 ] || fail "/readyz answered $ready after recovery"
passed=$((passed + 1))
missing=0
for c in "${acked[@]}" $load_acked F-AFTER; do
  n=$("$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SELECT count(*) FROM orders WHERE order_code = '$c'")
  [ "$n" = 1 ] || missing=$((missing + 1))
done
refused=$(grep " 503 503$" "$work/load.txt" | awk '{print $1}' | paste -sd, - | sed "s/[^,]*/'&'/g")
down=$("$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SELECT count(*) FROM orders WHERE order_code IN ('F-DOWN'${refused:+,$refused})")
products=$("$HXGW_PG_BIN_DIR/psql" -tA "$DATABASE_URL" -c "SELECT count(*) FROM products WHERE tenant = 'F1' AND item_code = 'SKU-1'")
echo "RESULT db-outage acknowledged=$(( ${#acked[@]} + $(wc -w <<<"$load_acked") + 1 )) missing=$missing refused_written=$down products=$products delay_503_ms=$took"
[ "$missing" = 0 ] && [ "$down" = 0 ] && [ "$products" = 1 ] || fail "acknowledged orders missing ($missing), refused ones written ($down) or product sync lost"
passed=$((passed + 1))
echo "faults: $passed passed, 0 failed"
