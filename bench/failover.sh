#!/usr/bin/env bash
# Failover under load: the database under Patroni/etcd/HAProxy (scripts/ha-cluster), two
# gateways on its read-write port, 32 clients writing orders through both, a warehouse
# shipping, a receiver checking every push; the primary is killed -9 at a random moment
# FAILOVER_KILLS times and each killed node brought back as a standby. Prints acknowledged,
# lost, half-written, 5xx, the longest window without a successful write per failover, and
# pushes undelivered; exits non-zero on any loss (bench/failover.py makes the account).
#   FAILOVER_SECS   length of the load (default 120)
#   FAILOVER_KILLS  failovers during it (default 3)
#   HXGW_FAILOVER_BIN  a gateway binary to use (default: a release build)
#   FAILOVER_KEEP=1 leave the cluster up afterwards (default: down, as it was found)
# Run as root (the cluster's nodes run as the postgres user). scripts/test runs a short one.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FAILOVER_SECS:-120}" kills="${FAILOVER_KILLS:-3}"
bin="${HXGW_FAILOVER_BIN:-}"
if [ -z "$bin" ]; then
  SQLX_OFFLINE=true cargo build --release --locked --bin hongxun-gateway 2>&1 | tail -1
  bin=target/release/hongxun-gateway
fi
was_up=no
[ -n "$(scripts/ha-cluster status 2>/dev/null | grep -E 'leader|master|primary' || true)" ] && was_up=yes
urls=$(scripts/ha-cluster up) || { echo "FAIL: the HA cluster did not come up"; exit 1; }
eval "$(sed 's/^/export /' <<<"$urls")"
base="${DATABASE_URL%/*}" query="${DATABASE_URL#*\?}"
[ "$query" != "$DATABASE_URL" ] || query=""
psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS hongxun_failover WITH (FORCE)" -c "CREATE DATABASE hongxun_failover"
export DATABASE_URL="$base/hongxun_failover${query:+?$query}"
export HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
work=$(mktemp -d /tmp/hxgw-failover.XXXXXX)
free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
rx=$(free_port 18190)
"$bin" migrate
"$bin" client add --kind customer --create-by FO --data-source ERP --secret failover-secret --rate-limit 100000000 \
  --callback-url "http://127.0.0.1:$rx/hook" >/dev/null
# A second identity whose secret is rotated during the first failover.
"$bin" client add --kind customer --create-by FO --data-source ROT --secret rot-old >/dev/null
ops=$("$bin" token add --name failover | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# The gateways: connections to a dead primary fail fast (HAProxy cuts them), new ones wait at
# most the acquire timeout; pushes retry soon and leases expire soon, so the run settles fast.
export HXGW__DATABASE__ACQUIRE_TIMEOUT_MS=2000 HXGW__SERVER__REQUEST_TIMEOUT_MS=8000
export HXGW__PUSH__ALLOW_NETWORKS=127.0.0.0/8 HXGW__PUSH__RETRY_SCHEDULE="1s,2s,5s,10s,20s,40s,80s"
export HXGW__PUSH__LEASE_SECS=15 HXGW__LOG__LEVEL="warn,hongxun_gateway::startup=info"
pids=()
gateways=()
for g in 1 2; do
  port=$(free_port $((18180 + g * 2)))
  "$bin" serve --bind "127.0.0.1:$port" 2>"$work/gateway$g.log" &
  pids+=($!)
  gateways+=("http://127.0.0.1:$port")
done
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  if [ "$was_up" = no ] && [ "${FAILOVER_KEEP:-}" != 1 ]; then scripts/ha-cluster down; fi
}
trap cleanup EXIT
for g in 1 2; do
  for _ in $(seq 100); do grep -q "listening on" "$work/gateway$g.log" 2>/dev/null && break; sleep 0.1; done
done
# Base data and ample stock: 20 items in WH01/OW01.
sign() { "$bin" sign --secret failover-secret --body - --now --print-body; }
call() { printf '{"createBy":"FO","dataSource":"ERP","request":%s}' "$2" | sign |
  curl -sf -X POST "${gateways[0]}$1" --data-binary @- -H 'Content-Type: application/json' >/dev/null; }
call /dtc/base/inventoryOrg '{"inventoryCode":"WH01","inventoryName":"仓","subbaseCode":"OW01","subbaseName":"主","contact":"李","phone":"13800138000"}'
items=$(python3 -c 'import json; print(json.dumps([{"itemCode": "SKU-%02d" % i, "itemName": "商品%d" % i} for i in range(1, 21)]))')
call /dtc/base/product "{\"products\":$items}"
adjust=$(python3 -c 'import json; print(json.dumps({"customer":"FO","warehouseCode":"WH01","ownerCode":"OW01","adjustOrderCode":"STOCK-1","adjustType":"CHECK","items":[{"itemCode":"SKU-%02d" % i,"qty":1000000} for i in range(1, 21)]}))')
curl -sf -X POST "${gateways[0]}/ops/v1/inventory/adjustments" -H "Authorization: Bearer $ops" \
  -H 'Content-Type: application/json' -d "$adjust" >/dev/null
lsn() { psql -tA "$DATABASE_URL" -c "SELECT pg_current_wal_lsn()"; }
lsn0=$(lsn)
status=0
echo "failover: ${#gateways[@]} gateways (${gateways[*]}), $secs s of load, $kills failovers"
python3 bench/failover.py "${gateways[0]}" "${gateways[1]}" failover-secret "$ops" "$rx" "$secs" "$kills" \
  scripts/ha-cluster "$DATABASE_URL" "$bin" || status=$?
orders=$(psql -tA "$DATABASE_URL" -c "SELECT count(*) FROM orders")
psql -tA "$DATABASE_URL" -c "SELECT 'WAL written: ' || pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')) ||
  ', ' || round(pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0') / greatest($orders, 1) / 1024, 1) || ' KiB per order (with its shipment, pushes and audit rows)'"
for g in 1 2; do
  kill -0 "${pids[$((g - 1))]}" 2>/dev/null || { echo "FAIL: gateway $g died"; tail -20 "$work/gateway$g.log"; exit 1; }
  if grep -q "panicked" "$work/gateway$g.log"; then echo "FAIL: gateway $g panicked"; exit 1; fi
done
exit $status
