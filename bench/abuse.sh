#!/usr/bin/env bash
# Abuse: 1,000 concurrent wrong 3TMS sign-ins against a release gateway, with the failed-attempt
# limits lifted (the worst case: every attempt reaches the password hashing pool), while a 鸿讯
# inventoryQuery loop and a steady trickle of push deliveries run. The same loop and trickle
# run first on an idle gateway. Prints peak RSS, the sign-in answers by class, and the p99 of
# queries and of deliveries (commit to receipt) in both phases, and where the machine's CPU went
# during the attack; fails on any 5xx, any failed query, or a peak RSS of 200 MB or more. The p99
# targets (at most twice the idle ones) are printed as met or missed: with the attacker's load
# generator on the same cores they measure the machine as much as the gateway.
#   ABUSE_SECS (default 15)   ABUSE_CONNS (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${ABUSE_SECS:-15}"; conns="${ABUSE_CONNS:-1000}"
command -v wrk >/dev/null || { echo "installing wrk..." >&2; apt-get update -qq >&2; apt-get install -y -qq wrk >&2; }
ulimit -n 65536 2>/dev/null || true
unset DATABASE_URL
# shellcheck source=scripts/local-postgres.sh
source scripts/local-postgres.sh
hxgw_local_postgres
base_url="${DATABASE_URL%/*}"
export DATABASE_URL="$base_url/hongxun_abuse"
psql="$HXGW_PG_BIN_DIR/psql -v ON_ERROR_STOP=1"
$psql -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS hongxun_abuse" -c "CREATE DATABASE hongxun_abuse"
export SQLX_OFFLINE=true HXGW_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
cargo build --release --locked --bin hongxun-gateway --example push_receiver 2>&1 | tail -1
bin=target/release/hongxun-gateway
work=$(mktemp -d /tmp/hxgw-abuse.XXXXXX)
port=18199
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
target/release/examples/push_receiver "$port" >"$work/arrivals.txt" &
rx=$!
"$bin" migrate
cid=$("$bin" client add --kind customer --create-by AB --data-source ERP --secret ab-secret --rate-limit 1000000000 \
  --callback-url "http://127.0.0.1:$port/hook" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$bin" client add --kind customer --create-by AB --data-source TMS --dialect tms --user-name victim \
  --password right-password >/dev/null
$psql -q "$DATABASE_URL" <<'SQL'
INSERT INTO inventory_orgs (tenant, inventory_code, subbase_code, inventory_name, subbase_name, contact, phone)
VALUES ('AB', 'WH01', 'OW01', 'Abuse WH', 'Abuse owner', 'Li', '13800138000');
INSERT INTO products (tenant, item_code, item_name)
SELECT 'AB', format('SKU-%s', lpad(i::text, 3, '0')), 'item ' || i FROM generate_series(1, 200) i;
INSERT INTO inventory_balances (tenant, inventory_code, subbase_code, item_code, inventory_type, batch_code, on_hand)
SELECT 'AB', 'WH01', 'OW01', format('SKU-%s', lpad(i::text, 3, '0')), 'ZP', '', 1000 FROM generate_series(1, 200) i;
VACUUM ANALYZE;
SQL
python3 bench/gen_bodies.py inv20 ab-secret AB ERP 200000 Q "$work/inv20.txt"
HXGW__PUSH__ALLOW_NETWORKS=127.0.0.0/8 HXGW__LOG__LEVEL="warn,hongxun_gateway::startup=info" \
  HXGW__AUTH__SIGN_IN_FAILURES_PER_USER_ADDRESS=1000000000 HXGW__AUTH__SIGN_IN_FAILURES_PER_USER=1000000000 \
  HXGW__AUTH__SIGN_IN_FAILURES_PER_ADDRESS=1000000000 \
  "$bin" serve --bind 127.0.0.1:0 2>"$work/gateway.log" &
gw=$!
trap 'kill $gw $rx 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/gateway.log" 2>/dev/null && break; sleep 0.1; done
addr=$(grep -o "listening on [0-9.:]*" "$work/gateway.log" | head -1 | awk '{print $3}')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
pg_ticks() { local t=0; for p in $(pgrep -x postgres); do t=$((t + $(ticks "$p"))); done; echo "$t"; }
rss_now() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$gw/status"; }
rss_peak() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$gw/status"; }

# trickle PHASE: one push committed every 50 ms for the phase, tagged with the phase's name.
trickle() {
  $psql -q "$DATABASE_URL" -c "
  DO \$\$ BEGIN
    FOR i IN 1..$((secs * 20)) LOOP
      INSERT INTO push_outbox (event_id, client_id, tenant, event_type, order_key, payload)
      VALUES (gen_random_uuid(), $cid, 'AB', '$1', 'order:$1:' || i,
              jsonb_build_object('event', 'legacy', 'eventType', 'cancelResult',
                'payload', jsonb_build_object('orderCode', 'OUT-' || i, 'cancelStatus', 'CANCELLED')));
      PERFORM pg_notify('hxgw_push', '');
      COMMIT;
      PERFORM pg_sleep(0.05);
    END LOOP;
  END \$\$;"
}
# query_loop PHASE: inventoryQuery with 4 connections for the phase.
query_loop() {
  local first=$2
  wrk -t1 -c4 -d"${secs}s" --latency -s bench/bodies.lua "http://$addr/dtc/logistics/inventoryQuery" \
    -- "$work/inv20.txt" 1 "$first" >"$work/query-$1.txt"
}
push_p99() {
  $psql -q -tA "$DATABASE_URL" <<SQL | tail -1
CREATE TEMP TABLE a (event_id uuid, micros bigint);
\copy a FROM '$work/arrivals.txt' WITH (DELIMITER ' ')
SELECT round(percentile_cont(0.99) WITHIN GROUP (ORDER BY a.micros / 1000.0 - EXTRACT(EPOCH FROM p.created_at) * 1000)::numeric, 1)
  FROM a JOIN push_outbox p ON p.event_id = a.event_id WHERE p.event_type = '$1';
SQL
}
wait_delivered() {
  for _ in $(seq 600); do
    [ "$($psql -tA "$DATABASE_URL" -c "SELECT count(*) FROM push_outbox WHERE event_type = '$1' AND status <> 'delivered'")" = 0 ] && return
    sleep 0.1
  done
  echo "FAIL: pushes of phase $1 not delivered" >&2; exit 1
}

echo "== idle: inventoryQuery loop and push trickle, ${secs}s"
rss_idle_start=$(rss_now)
trickle idle & tp=$!
query_loop idle 0
wait $tp; wait_delivered idle
echo "== attack: the same, with $conns concurrent wrong sign-ins"
trickle attack & tp=$!
g0=$(ticks "$gw"); p0=$(pg_ticks); b0=$(busy_ticks)
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/signin.lua "http://$addr/user/generate_access_token/v2" >"$work/signin.txt" 2>&1 &
sp=$!
query_loop attack 100000
g1=$(ticks "$gw"); p1=$(pg_ticks); b1=$(busy_ticks)
wait $sp; wait $tp; wait_delivered attack
hz=$(getconf CLK_TCK)
cpu_line=$(awk -v g=$((g1 - g0)) -v p=$((p1 - p0)) -v b=$((b1 - b0)) -v hz="$hz" -v s="$secs" -v n="$(nproc)" \
  'BEGIN { printf "cpu_cores_during_attack machine=%.2f gateway=%.2f postgres=%.2f load_generators_and_rest=%.2f (of %d)", b/hz/s, g/hz/s, p/hz/s, (b-g-p)/hz/s, n }')
cat "$work/signin.txt" | grep -E "SIGNIN|5xx" || true
q_idle=$(grep -o "p99_ms=[0-9.]*" "$work/query-idle.txt" | cut -d= -f2)
q_attack=$(grep -o "p99_ms=[0-9.]*" "$work/query-attack.txt" | cut -d= -f2)
q_bad=$(( $(sed -E 's/.*non200=([0-9]+) socket_errors=([0-9]+).*/\1 + \2/' <<<"$(grep BENCH "$work/query-attack.txt")") ))
p_idle=$(push_p99 idle); p_attack=$(push_p99 attack)
s5xx=$(grep -o "s5xx=[0-9]*" "$work/signin.txt" | cut -d= -f2)
busy=$(grep -o "refused_busy=[0-9]*" "$work/signin.txt" | cut -d= -f2)
wrong=$(grep -o "wrong_password=[0-9]*" "$work/signin.txt" | cut -d= -f2)
peak=$(rss_peak)
echo
echo "RESULT sign_ins_verified=$wrong sign_ins_refused_busy=$busy sign_in_5xx=$s5xx peak_rss_mb=$peak (idle start $rss_idle_start) query_p99_ms idle=$q_idle attack=$q_attack push_p99_ms idle=$p_idle attack=$p_attack query_errors=$q_bad"
echo "RESULT $cpu_line"
fail=0
[ "${s5xx:-1}" = 0 ] || { echo "FAIL: $s5xx sign-ins answered 5xx" >&2; fail=1; }
[ "$q_bad" = 0 ] || { echo "FAIL: $q_bad inventoryQuery calls failed" >&2; fail=1; }
awk -v p="$peak" 'BEGIN { exit !(p < 200) }' || { echo "FAIL: peak RSS $peak MB" >&2; fail=1; }
target() { awk -v a="$2" -v i="$3" 'BEGIN { exit !(a <= 2 * i) }' && echo "target met: $1 p99 $2 ms <= 2 x $3 ms" \
  || echo "TARGET MISSED: $1 p99 $2 ms > 2 x $3 ms"; }
target query "$q_attack" "$q_idle"; target push "$p_attack" "$p_idle"
exit "$fail"
