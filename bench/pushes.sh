#!/usr/bin/env bash
# Push throughput: N pushes committed at once to the outbox, delivered by one release gateway
# to a local receiver (examples/push_receiver.rs). Prints pushes/s and the latency from
# commit to receipt (p50/p99). Uses the private PostgreSQL like bench/run.sh.
#   BENCH_PUSHES (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${BENCH_PUSHES:-5000}"
unset DATABASE_URL
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
# shellcheck source=bench/seed.sh
source bench/seed.sh
bench_database hongxun_pushbench
psql="$psql -v ON_ERROR_STOP=1"
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
cargo build --release --locked --bin hongxun-gateway --example push_receiver 2>&1 | tail -1
bin=target/release/hongxun-gateway
work=$(mktemp -d /tmp/hxgw-pushbench.XXXXXX)
port=18099
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
target/release/examples/push_receiver "$port" >"$work/arrivals.txt" &
rx=$!
"$bin" migrate
cid=$("$bin" client add --kind customer --create-by PB --data-source ERP --secret pb-secret \
  --callback-url "http://127.0.0.1:$port/hook" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
HXGW__PUSH__ALLOW_NETWORKS=127.0.0.0/8 HXGW__LOG__LEVEL="warn,hongxun_gateway::startup=info" \
  "$bin" serve --bind 127.0.0.1:0 2>"$work/gateway.log" &
gw=$!
trap 'kill $gw $rx 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/gateway.log" 2>/dev/null && break; sleep 0.1; done
# One transaction commits all pushes (each its own order, so none waits for another).
$psql -q "$DATABASE_URL" -c "
  INSERT INTO push_outbox (event_id, client_id, tenant, event_type, order_key, payload)
  SELECT gen_random_uuid(), $cid, 'PB', 'outboundBatch', 'order:' || i,
         jsonb_build_object('event', 'outboundBatch', 'status', 'SHIPPED',
           'order', jsonb_build_object('orderCode', 'OUT-' || i, 'hxOrderNo', 'HXO-' || i, 'kind', 'OUT',
                                       'orderType', 'JYCK', 'inventoryCode', 'WH01', 'subbaseCode', 'OW01'),
           'batch', jsonb_build_object('confirmSeq', 1, 'confirmType', 'FINAL', 'confirmTime', '2026-11-29T00:00:00Z',
                                       'lines', '[]'::jsonb, 'packages', '[]'::jsonb))
    FROM generate_series(1, $n) i;
  NOTIFY hxgw_push;"
SECONDS=0
while [ "$($psql -tA "$DATABASE_URL" -c "SELECT count(*) FROM push_outbox WHERE status = 'delivered'")" -lt "$n" ]; do
  sleep 0.2
  [ "$SECONDS" -lt 300 ] || { echo "timed out after 300 s" >&2; exit 1; }
done
$psql -q "$DATABASE_URL" <<SQL
CREATE TEMP TABLE arrivals (event_id uuid, micros bigint);
\copy arrivals FROM '$work/arrivals.txt' WITH (DELIMITER ' ')
\pset tuples_only on
\pset format unaligned
\o $work/result.txt
SELECT format('RESULT pushes=%s delivered=%s duplicates=%s pushes_per_s=%s latency_p50_ms=%s latency_p99_ms=%s',
              $n, count(DISTINCT a.event_id), count(*) - count(DISTINCT a.event_id),
              round(count(*) / (EXTRACT(EPOCH FROM (to_timestamp(max(a.micros) / 1e6) - min(p.created_at))))::numeric, 1),
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.micros / 1000.0 - EXTRACT(EPOCH FROM p.created_at) * 1000)::numeric, 1),
              round(percentile_cont(0.99) WITHIN GROUP (ORDER BY a.micros / 1000.0 - EXTRACT(EPOCH FROM p.created_at) * 1000)::numeric, 1))
  FROM arrivals a JOIN push_outbox p ON p.event_id = a.event_id;
\o
SQL
cat "$work/result.txt"
echo "(raw output in $work)"
# Every push arrived, none twice.
read -r delivered duplicates < <(sed -E 's/.*delivered=([0-9]+) duplicates=([0-9]+).*/\1 \2/' "$work/result.txt")
if [ "$delivered" != "$n" ] || [ "$duplicates" != 0 ]; then
  echo "FAIL: $delivered of $n pushes arrived, $duplicates duplicates" >&2
  exit 1
fi
